//! Temporary until the evidence core lands: the two types the Prometheus source builds on,
//! as the core defines them.

pub mod prometheus;

/// What a source gave.
#[derive(Clone, Debug)]
pub enum Gathered<T> {
    Known(T),
    NotConfigured(String),
    Unavailable(Unavailable),
}

/// Why a source could not answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    pub source: String,
    pub reason: String,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not verify: {}: {}", self.source, self.reason)
    }
}

#[must_use]
pub fn unfinished(source: &str, bound: std::time::Duration) -> Unavailable {
    Unavailable {
        source: source.to_owned(),
        reason: format!(
            "not finished within the evidence stage's time bound of {} s",
            bound.as_secs_f64()
        ),
    }
}

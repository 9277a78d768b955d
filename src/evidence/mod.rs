//! Temporary until the evidence core lands.

pub mod prometheus;

//! The server's settings, as PRODUCT.md names them: initialization options, or
//! `workspace/didChangeConfiguration` under the key `prr`.

use jiff::civil::Date;
use serde_json::Value;

/// When a manifest is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckOn {
    /// On every change (debounced), and on open and save.
    #[default]
    Change,
    /// On open and save only.
    Save,
}

/// What `prr check`'s flags would say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Rule pack sources, as `--rules` (relative paths from the workspace folder); empty:
    /// the built-in pack.
    pub rules: Vec<String>,
    /// The date rules are judged on, as `--as-of`; `None`: today.
    pub as_of: Option<Date>,
    pub check_on: CheckOn,
    /// Judge as a deploy (`--deploy`).
    pub deploy: bool,
    /// Compare with the manifest as it is at this git revision (as `--base`): each finding
    /// says whether the change introduced it.
    pub base: Option<String>,
}

impl Config {
    /// The settings in `value` (either the `prr` object itself or an object holding it
    /// under `prr`), over the defaults; each setting that cannot be read is named in the
    /// problems returned and left at its default.
    #[must_use]
    pub fn read(value: &Value) -> (Self, Vec<String>) {
        Self::default().over(value)
    }

    /// These settings with those `value` gives in their place, key by key (a key left out
    /// keeps its value here: settings sent later override the initialization options).
    #[must_use]
    pub fn over(&self, value: &Value) -> (Self, Vec<String>) {
        let settings = value.get("prr").unwrap_or(value);
        let mut config = self.clone();
        let mut problems = Vec::new();
        let Some(settings) = settings.as_object() else {
            return (config, problems);
        };
        match settings.get("rules") {
            None | Some(Value::Null) => {}
            Some(Value::String(one)) if one.is_empty() => config.rules = Vec::new(),
            Some(Value::String(one)) => config.rules = vec![one.clone()],
            Some(Value::Array(many)) if many.iter().all(Value::is_string) => {
                config.rules = many
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
            }
            Some(other) => problems.push(format!(
                "prr.rules must be a list of paths (as --rules), not {other}"
            )),
        }
        match settings.get("asOf") {
            None | Some(Value::Null) => {}
            Some(Value::String(date)) if date.is_empty() => config.as_of = None,
            Some(Value::String(date)) => match date.parse::<Date>() {
                Ok(date) => config.as_of = Some(date),
                Err(_) => problems.push(format!(
                    "prr.asOf must be a date YYYY-MM-DD (as --as-of), not `{date}`"
                )),
            },
            Some(other) => problems.push(format!("prr.asOf must be a date, not {other}")),
        }
        match settings.get("checkOn").and_then(Value::as_str) {
            None => {}
            Some("change") => config.check_on = CheckOn::Change,
            Some("save") => config.check_on = CheckOn::Save,
            Some(other) => problems.push(format!(
                "prr.checkOn must be \"change\" or \"save\", not `{other}`"
            )),
        }
        match settings.get("deploy") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(deploy)) => config.deploy = *deploy,
            Some(other) => problems.push(format!("prr.deploy must be true or false, not {other}")),
        }
        match settings.get("base") {
            None | Some(Value::Null) => {}
            Some(Value::String(base)) if base.trim().is_empty() => config.base = None,
            Some(Value::String(base)) => config.base = Some(base.trim().to_owned()),
            Some(other) => problems.push(format!(
                "prr.base must be a git revision (as --base, e.g. \"origin/main\"), not {other}"
            )),
        }
        (config, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_are_read_under_prr_or_as_given() {
        let (config, problems) = Config::read(&json!({"prr": {
            "rules": ["packs/acme"], "asOf": "2026-11-21", "checkOn": "save", "deploy": true
        }}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.rules, ["packs/acme"]);
        assert_eq!(config.as_of, Some(jiff::civil::date(2026, 11, 21)));
        assert_eq!(config.check_on, CheckOn::Save);
        assert!(config.deploy);
        let (config, problems) = Config::read(&json!({"asOf": "21/11/2026", "checkOn": "typing"}));
        assert_eq!(config, Config::default());
        assert_eq!(problems.len(), 2, "{problems:?}");

        let (base, _) = Config::read(&json!({"rules": ["packs/acme"], "checkOn": "save"}));
        let (later, problems) = base.over(&json!({"asOf": "2026-11-21", "checkOn": "change"}));
        assert!(problems.is_empty());
        assert_eq!(
            later.rules,
            ["packs/acme"],
            "a key left out keeps its value"
        );
        assert_eq!(later.check_on, CheckOn::Change);
        assert_eq!(later.as_of, Some(jiff::civil::date(2026, 11, 21)));
    }
}

//! Rule packs as a platform team writes them: every check kind and assert operator,
//! applicability, `extends` chains and `override`s, and the errors each can raise.

use std::path::Path;

use prr_gate::engine::{self, Status};
use prr_gate::manifest::Manifest;
use prr_gate::rules::{self, RuleSet, RulesSource, Severity};

const AS_OF: &str = "2026-11-21";

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn load(dir: &Path) -> Result<RuleSet, String> {
    rules::load(&[RulesSource::Path(dir.to_path_buf())], dir).map_err(|e| e.to_string())
}

/// The status of each result of `rule` for `manifest`.
fn statuses(set: &RuleSet, rule: &str, manifest: &str) -> Vec<(Status, String)> {
    let manifest = Manifest::from_text("prr.toml", manifest).expect("the manifest parses");
    engine::evaluate(&manifest, set, AS_OF.parse().unwrap())
        .findings
        .into_iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.status, f.message))
        .collect()
}

fn one_rule(check: &str) -> RuleSet {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "r.toml",
            &format!("[[rule]]\nid = \"t.check\"\ntitle = \"t\"\n{check}\n"),
        )],
    );
    load(dir.path()).expect("the rule loads")
}

fn judge(check: &str, manifest: &str) -> (Status, String) {
    let results = statuses(&one_rule(check), "t.check", manifest);
    let status = if results.iter().any(|(s, _)| *s == Status::Fail) {
        Status::Fail
    } else {
        results[0].0
    };
    (
        status,
        results
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

const DOC: &str = "[service]\nname = \"api\"\ntier = 2\nlifecycle = \"production\"\nlabels = [\"pci\"]\n\n[[slo]]\nname = \"a\"\ntarget = 99.9\nwindow = \"28d\"\n\n[[slo]]\nname = \"b\"\ntarget = 99.0\nwindow = \"month\"\n\n[reviews]\nprr = 2026-01-01\n";

#[test]
fn each_assert_operator_passes_and_fails() {
    let cases = [
        (
            "assert = { path = \"slo[*].target\", min = 99.0 }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"slo[*].target\", min = 99.5 }",
            Status::Fail,
            "`slo[1].target` is 99: below the minimum 99.5",
        ),
        (
            "assert = { path = \"slo[*].target\", max = 99.9 }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"slo[*].target\", max = 99.5 }",
            Status::Fail,
            "above the maximum 99.5",
        ),
        (
            "assert = { path = \"slo[*].window\", one_of = [\"28d\", \"month\"] }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"slo[*].window\", one_of = [\"28d\"] }",
            Status::Fail,
            "`slo[1].window` is \"month\": not one of \"28d\"",
        ),
        (
            "assert = { path = \"service.name\", matches = \"^[a-z]+$\" }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"service.name\", matches = \"^x\" }",
            Status::Fail,
            "does not match `^x`",
        ),
        (
            "assert = { path = \"service.tier\", equals = 2 }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"service.tier\", equals = 1 }",
            Status::Fail,
            "expected 1",
        ),
        (
            "assert = { path = \"reviews.prr\", max_age_days = 365 }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"reviews.prr\", max_age_days = 100 }",
            Status::Fail,
            "324 days old, more than 100",
        ),
        (
            "assert = { path = \"reviews.toil\", max_age_days = 100 }",
            Status::Fail,
            "`reviews.toil` is missing",
        ),
        (
            "assert = { path = \"reviews.toil\", max_age_days = 100, optional = true }",
            Status::Pass,
            "",
        ),
        (
            "assert = { path = \"slo[name=b].target\", min = 99.0, max = 99.0 }",
            Status::Pass,
            "",
        ),
    ];
    for (check, expected, says) in cases {
        let (status, message) = judge(check, DOC);
        assert_eq!(status, expected, "{check}: {message}");
        assert!(message.contains(says), "{check}: {message}");
    }
}

#[test]
fn require_treats_empty_values_as_missing_but_zero_as_present() {
    let doc = "[service]\nname = \"\"\ntier = 0\nlabels = []\n[oncall]\n[testing]\nunit = false\n";
    let (status, message) = judge("require = [\"service.name\", \"service.tier\", \"service.labels\", \"oncall\", \"testing.unit\"]", doc);
    assert_eq!(status, Status::Fail);
    for says in [
        "`service.name` is empty",
        "`service.labels` is an empty list",
        "`oncall` is an empty table",
        "`testing.unit` is false",
    ] {
        assert!(message.contains(says), "{says}: {message}");
    }
    assert!(!message.contains("service.tier"), "0 is present: {message}");
}

#[test]
fn all_any_and_schema_checks_compose() {
    let all = "all = [ { require = [\"service.name\"] }, { assert = { path = \"service.tier\", max = 1 } } ]";
    assert_eq!(judge(all, DOC).0, Status::Fail);
    let any = "any = [ { require = [\"service.owner\"] }, { assert = { path = \"service.tier\", max = 2 } } ]";
    assert_eq!(judge(any, DOC).0, Status::Pass);
    let none = "any = [ { require = [\"service.owner\"] }, { require = [\"docs.runbook\"] } ]";
    let (status, message) = judge(none, DOC);
    assert_eq!(status, Status::Fail);
    assert!(message.starts_with("none of the alternatives holds: `service.owner` is missing: add `owner` to `[service]`; or `docs.runbook` is missing: add `[docs]` with `runbook`"), "{message}");
    let schema = "schema = { type = \"object\", required = [\"docs\"] }";
    let (status, message) = judge(schema, DOC);
    assert_eq!(status, Status::Fail);
    assert!(message.contains("`docs` is required"), "{message}");
}

#[test]
fn a_schema_file_is_read_beside_the_rule_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("sub/r.toml", "[[rule]]\nid = \"t.schema\"\nschema_file = \"owner.json\"\n"),
            ("sub/owner.json", "{\"type\": \"object\", \"required\": [\"service\"], \"properties\": {\"service\": {\"required\": [\"owner\"]}}}"),
        ],
    );
    let set = load(dir.path()).unwrap();
    let results = statuses(&set, "t.schema", DOC);
    assert_eq!(results[0].0, Status::Fail);
    assert!(
        results[0].1.contains("`service.owner` is required"),
        "{results:?}"
    );
}

#[test]
fn when_combines_keys_with_and_and_lists_with_or() {
    let cases = [
        ("when = { tier = [1, 2] }", Status::Fail, ""),
        (
            "when = { tier = [1] }",
            Status::Skipped,
            "skipped: `when.tier` is 1; this service is tier 2",
        ),
        (
            "when = { tier = 2, lifecycle = [\"beta\"] }",
            Status::Skipped,
            "`when.lifecycle` is beta; this service is production",
        ),
        ("when = { labels = [\"sox\", \"pci\"] }", Status::Fail, ""),
        (
            "when = { labels = [\"sox\"] }",
            Status::Skipped,
            "`when.labels` is sox; this service has none of them",
        ),
    ];
    for (when, expected, says) in cases {
        let (status, message) = judge(&format!("{when}\nrequire = [\"docs.runbook\"]"), DOC);
        assert_eq!(status, expected, "{when}: {message}");
        assert!(message.contains(says), "{when}: {message}");
    }
    // Without a tier the tier-conditioned rule applies (the strictest reading).
    let untiered = "[service]\nname = \"api\"\nlifecycle = \"production\"\n";
    let (status, _) = judge(
        "when = { tier = [1] }\nrequire = [\"docs.runbook\"]",
        untiered,
    );
    assert_eq!(status, Status::Fail);
}

#[test]
fn extends_inherits_through_a_chain_and_override_adjusts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("base/pack.toml", "[pack]\nname = \"base\"\nextends = [\"builtin\"]\nwaiver_max_days = 30\n[override.\"docs.runbook\"]\nseverity = \"warning\"\n"),
            ("base/own.toml", "[[rule]]\nid = \"acme.cost-centre\"\ntitle = \"A cost centre\"\nrequire = [\"x.acme.cost_centre\"]\n"),
            ("team/pack.toml", "[pack]\nname = \"team\"\nversion = \"1.2.0\"\nextends = [\"../base\"]\n[override.\"testing.levels\"]\nenabled = false\n[override.\"slo.target-for-tier\"]\nwith = { floors = { \"2\" = 99.95 } }\n[override.\"acme.cost-centre\"]\nwhen = { tier = [1] }\n"),
        ],
    );
    let set = load(&dir.path().join("team")).expect("the chain loads");
    assert_eq!(set.packs, ["team 1.2.0", "base", "builtin 1.0.0"]);
    assert_eq!(set.waiver_max_days, 30);
    assert_eq!(set.get("docs.runbook").unwrap().severity, Severity::Warning);
    assert!(set.get("docs.runbook").unwrap().overridden[0].starts_with("severity warning by base"));
    assert!(!set.get("testing.levels").unwrap().enabled);
    assert!(
        statuses(&set, "testing.levels", DOC).is_empty(),
        "a disabled rule does not run"
    );
    let floor = statuses(&set, "slo.target-for-tier", DOC);
    assert!(
        floor
            .iter()
            .any(|(s, m)| *s == Status::Fail && m.contains("floor of tier 2, 99.95%")),
        "{floor:?}"
    );
    assert_eq!(
        statuses(&set, "acme.cost-centre", DOC)[0].0,
        Status::Skipped
    );
}

#[test]
fn composition_errors_name_file_line_and_column() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("pack.toml", "[pack]\nname = \"p\"\nextends = [\"builtin\"]\n"), ("r.toml", "[[rule]]\nid = \"docs.runbook\"\nrequire = [\"a\"]\n")],
            "r.toml:2:6: rule `docs.runbook` is defined twice: first at builtin:docs.toml:1:1",
        ),
        (&[("pack.toml", "[pack]\nname = \"p\"\nextends = [\"nowhere\"]\n")], "pack.toml:3:12: `nowhere` does not exist"),
        (&[("pack.toml", "[pack]\nname = \"p\"\nextends = [\".\"]\n")], "pack.toml:3:12: `extends = \".\"` makes a cycle"),
        (
            &[("pack.toml", "[pack]\nname = \"p\"\nextends = [\"builtin\"]\n[override.\"manifest.schema\"]\nenabled = false\n")],
            "pack.toml:4:1: `manifest.schema` always runs",
        ),
        (&[("r.toml", "[[rule]]\nid = \"a.b\"\nrequire = [\"a..b\"]\n")], "r.toml:3:12: invalid path `a..b`"),
        (&[("r.toml", "[[rule]]\nid = \"a.b\"\nrequire = [\"a\"]\nbuiltin = \"fresh\"\n")], "r.toml:1:1: a check is exactly one of"),
    ];
    for (files, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), files);
        let err = load(dir.path()).expect_err(says);
        assert!(err.contains(says), "expected {says:?} in {err}");
    }
}

#[test]
fn a_pack_without_the_mandatory_rules_still_runs_them() {
    let set = one_rule("require = [\"service.name\"]");
    let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["manifest.schema", "t.check", "waiver.valid"]);
}

#[test]
fn builtin_and_a_pack_can_be_named_together() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "r.toml",
            "[[rule]]\nid = \"acme.extra\"\nrequire = [\"service.name\"]\n",
        )],
    );
    let set = rules::load(
        &[
            RulesSource::Builtin,
            RulesSource::Path(dir.path().to_path_buf()),
        ],
        dir.path(),
    )
    .unwrap();
    assert!(set.get("acme.extra").is_some() && set.get("docs.runbook").is_some());
}

#[test]
fn the_same_pack_inherited_twice_is_one_set_of_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("org/pack.toml", "[pack]\nname = \"org\"\nextends = [\"builtin\"]\n[override.\"docs.runbook\"]\nseverity = \"warning\"\n"),
            ("team/pack.toml", "[pack]\nname = \"team\"\nextends = [\"builtin\", \"../org\"]\n"),
            ("team/own.toml", "[[rule]]\nid = \"team.name\"\nrequire = [\"service.name\"]\n"),
        ],
    );
    // A diamond: team extends builtin directly and through org.
    let set = load(&dir.path().join("team")).expect("a diamond of extends loads");
    let builtin = rules::load(&[RulesSource::Builtin], dir.path()).expect("the built-in pack");
    assert_eq!(set.rules.len(), builtin.rules.len() + 1);
    assert_eq!(
        set.get("docs.runbook").unwrap().severity,
        Severity::Warning,
        "org's override stands"
    );
    // Two packs named together that both extend builtin.
    let both = rules::load(
        &[
            RulesSource::Path(dir.path().join("org")),
            RulesSource::Path(dir.path().join("team")),
        ],
        dir.path(),
    )
    .expect("an organisation pack and a team pack load together");
    assert_eq!(both.rules.len(), builtin.rules.len() + 1);
}

//! Every native check at its edges, table-driven: each row builds the check from its `with`
//! table, judges a manifest as of a date, and states the outcome and a fragment of its message.

use std::collections::BTreeSet;

use prr_gate::engine;
use prr_gate::manifest::Manifest;
use prr_gate::rules::builtin::{self, budget_minutes, Context};
use prr_gate::rules::{self, RulesSource};

const SERVICE: &str =
    "[service]\nname = \"api\"\ntier = 1\nlifecycle = \"production\"\nowner = \"@acme/api\"\n";

struct Row {
    check: &'static str,
    with: &'static str,
    manifest: &'static str,
    as_of: &'static str,
    pass: bool,
    says: &'static str,
}

const fn row(
    check: &'static str,
    with: &'static str,
    manifest: &'static str,
    as_of: &'static str,
    pass: bool,
    says: &'static str,
) -> Row {
    Row {
        check,
        with,
        manifest,
        as_of,
        pass,
        says,
    }
}

const DAY: &str = "2026-11-21";

const ROWS: &[Row] = &[
    // fresh: exactly N days old passes, N+1 fails, the future fails, missing fails.
    row("fresh", "path = \"reviews.prr\"\ndays = 730", "[reviews]\nprr = 2024-11-21\n", DAY, true, "730 days old (limit 730)"),
    row("fresh", "path = \"reviews.prr\"\ndays = 730", "[reviews]\nprr = 2024-11-20\n", DAY, false, "731 days ago (limit 730): overdue since 2026-11-21"),
    row("fresh", "path = \"reviews.prr\"\ndays = 730", "[reviews]\nprr = 2026-11-21\n", DAY, true, "0 days old"),
    row("fresh", "path = \"reviews.prr\"\ndays = 730", "[reviews]\nprr = 2026-11-22\n", DAY, false, "1 day in the future: a typo?"),
    row("fresh", "path = \"reviews.prr\"\ndays = 730", "[reviews]\ntoil = 2026-11-01\n", DAY, false, "is missing"),
    row("fresh", "path = \"reviews.toil\"\ndays = 92\nwhat = \"the toil review\"", "[reviews]\ntoil = \"soon\"\n", DAY, false, "the toil review is \"soon\", not a date"),
    // error_budget: the budget is stated; policy and owner are required.
    row("error_budget", "", "[[slo]]\nname = \"availability\"\ntarget = 99.99\nwindow = \"quarter\"\n[error_budget]\npolicy = \"freeze-features\"\nowner = \"@acme/p\"\n", DAY, true, "99.99% over quarter allows 13.1 minutes"),
    row("error_budget", "", "[[slo]]\nname = \"availability\"\ntarget = 99.99\nwindow = \"year\"\n[error_budget]\npolicy = \"review\"\n", DAY, false, "99.99% over year allows 52.6 minutes"),
    row("error_budget", "require_owner = false", "[error_budget]\npolicy = \"review\"\n", DAY, true, "policy and owner set"),
    // sla_below_slo: equal passes; above fails naming both; the SLO is chosen by the rules.
    row("sla_below_slo", "", "[[slo]]\nname = \"a\"\ntarget = 99.9\nwindow = \"28d\"\n[sla]\ntarget = 99.9\n", DAY, true, "within the SLO \"a\" of 99.9%"),
    row("sla_below_slo", "", "[[slo]]\nname = \"a\"\ntarget = 99.9\nwindow = \"28d\"\n[sla]\ntarget = 99.91\n", DAY, false, "promises 99.91% but the SLO \"a\" (slo[0]) it rests on targets only 99.9%"),
    row("sla_below_slo", "", "[[slo]]\nname = \"latency\"\ntarget = 99\n[[slo]]\nname = \"availability\"\ntarget = 99.5\n[sla]\ntarget = 99.6\n", DAY, false, "SLO \"availability\" (slo[1])"),
    row("sla_below_slo", "", "[[slo]]\nname = \"a\"\ntarget = 99\n[[slo]]\nname = \"b\"\ntarget = 99.5\n[sla]\ntarget = 99\n", DAY, false, "set `sla.slo`"),
    row("sla_below_slo", "", "[[slo]]\nname = \"a\"\ntarget = 99\n[sla]\ntarget = 99\nslo = \"zzz\"\n", DAY, false, "`sla.slo` names \"zzz\", but no SLO has that name"),
    row("sla_below_slo", "", "[[slo]]\nname = \"a\"\ntarget = 99\n", DAY, true, "no SLA declared"),
    // achievable: exactly the product passes; above fails with the figures; fallbacks and missing SLAs.
    row("achievable", "", "[[slo]]\nname = \"availability\"\ntarget = 99.85005\n[[dependency]]\nname = \"ledger-db\"\ncritical = true\nsla = 99.9\n[[dependency]]\nname = \"fraud-score\"\ncritical = true\nsla = 99.95\n", DAY, true, "within 99.8501%"),
    row("achievable", "", "[[slo]]\nname = \"availability\"\ntarget = 99.99\n[[dependency]]\nname = \"ledger-db\"\ncritical = true\nsla = 99.9\n[[dependency]]\nname = \"fraud-score\"\ncritical = true\nsla = 99.95\n", DAY, false, "99.99% SLO \"availability\", but ledger-db 99.9% x fraud-score 99.95% allow at most 99.85%"),
    row("achievable", "", "[[slo]]\nname = \"a\"\ntarget = 99.99\n[[dependency]]\nname = \"db\"\ncritical = true\nsla = 99.9\nfallback = \"cache\"\n", DAY, true, "no hard critical dependency"),
    row("achievable", "", "[[slo]]\nname = \"a\"\ntarget = 99.9\n[[dependency]]\nname = \"db\"\ncritical = true\nsla = 99.95\n[[dependency]]\nname = \"queue\"\ncritical = true\n", DAY, true, "(queue left out: no SLA)"),
    row("achievable", "", "[[slo]]\nname = \"a\"\ntarget = 99.99\n[[dependency]]\nname = \"db\"\ncritical = false\nsla = 90\n", DAY, true, "no hard critical dependency"),
    // team_owner: teams pass; emails, bare handles and names fail; patterns are configurable.
    row("team_owner", "", "[error_budget]\nowner = \"team:payments\"\n", DAY, true, "owner fields name teams"),
    row("team_owner", "", "[[dependency]]\nname = \"db\"\nowner = \"dba@acme.dev\"\n", DAY, false, "`dependency[0].owner` is \"dba@acme.dev\": an email address"),
    row("team_owner", "", "[[dependency]]\nname = \"db\"\nowner = \"@jdoe\"\n", DAY, false, "a bare user handle"),
    row("team_owner", "", "[error_budget]\nowner = \"Jane Doe\"\n", DAY, false, "a person's name"),
    row("team_owner", "team_patterns = [\"^squad-[a-z]+$\"]\nfields = [\"error_budget.owner\"]\nrequired = []", "[error_budget]\nowner = \"squad-payments\"\n", DAY, true, "all 1 owner fields"),
    // golden_signals: one finding per missing signal.
    row("golden_signals", "", "[monitoring.golden_signals]\nlatency = \"l\"\ntraffic = \"t\"\nerrors = \"e\"\nsaturation = \"s\"\n", DAY, true, "all 4 golden signals"),
    row("golden_signals", "", "[monitoring.golden_signals]\nlatency = \"l\"\ntraffic = \"t\"\nerrors = \"e\"\n", DAY, false, "no alert or dashboard for saturation"),
    row("golden_signals", "", "[monitoring.golden_signals]\nlatency = \"TODO: link it\"\ntraffic = \"t\"\nerrors = \"e\"\nsaturation = \"s\"\n", DAY, false, "`monitoring.golden_signals.latency` is still a TODO"),
    row("golden_signals", "signals = [\"latency\"]", "[monitoring.golden_signals]\nlatency = \"l\"\n", DAY, true, "all 1 golden signals"),
    // tier_floor: the floor itself passes; below fails; configurable.
    row("tier_floor", "", "[[slo]]\nname = \"a\"\ntarget = 99.9\n", DAY, true, "at or above the floor of tier 1, 99.9%"),
    row("tier_floor", "", "[[slo]]\nname = \"a\"\ntarget = 99.89\n", DAY, false, "SLO \"a\" targets 99.89%, below the floor of tier 1, 99.9%"),
    row("tier_floor", "floors = { \"1\" = 99.99 }", "[[slo]]\nname = \"a\"\ntarget = 99.95\n", DAY, false, "floor of tier 1, 99.99%"),
    // waivers: valid through the expiry day; the limit and the rule id are checked.
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2026-11-21\n", DAY, true, "1 waiver(s), all valid"),
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2026-11-20\n", DAY, false, "expired on 2026-11-20, 1 day ago"),
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2027-02-19\n", DAY, true, "all valid"),
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbook\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2027-02-20\n", DAY, false, "91 days ahead, beyond the limit of 90 days"),
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbok\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2026-12-01\n", DAY, false, "did you mean `docs.runbook`?"),
    row("waivers", "", "[[waiver]]\nrule = \"manifest.schema\"\nreason = \"r\"\nticket = \"T-1\"\nexpires = 2026-12-01\n", DAY, false, "cannot be waived"),
    row("waivers", "", "[[waiver]]\nrule = \"docs.runbook\"\nexpires = 2026-12-01\n", DAY, false, "has no reason"),
    // backups: a restore exactly `days` old passes, one day more fails; RPO/RTO must be
    // durations; tier 1's RTO must fit in the strictest SLO's monthly budget (99.95%: 21.9 min).
    row("backups", "", "[[datastore]]\nname = \"db\"\nbackups = \"https://w/b\"\nrestore_tested = 2026-05-22\nrpo = \"5m\"\nrto = \"20m\"\n[[slo]]\nname = \"availability\"\ntarget = 99.95\n", DAY, true, "`db` is backed up"),
    row("backups", "", "[[datastore]]\nname = \"db\"\nbackups = \"https://w/b\"\nrestore_tested = 2026-05-21\nrpo = \"5m\"\nrto = \"20m\"\n", DAY, false, "184 days ago (limit 183)"),
    row("backups", "", "[[datastore]]\nname = \"db\"\nbackups = \"https://w/b\"\nrestore_tested = 2026-11-01\nrpo = \"5m\"\nrto = \"22m\"\n[[slo]]\nname = \"availability\"\ntarget = 99.95\n[[slo]]\nname = \"latency\"\ntarget = 99\n", DAY, false, "longer than the 21.9 minutes a month that SLO `availability` (99.95%) allows"),
    row("backups", "rto_within_budget = []", "[[datastore]]\nname = \"db\"\nbackups = \"https://w/b\"\nrestore_tested = 2026-11-01\nrpo = \"5m\"\nrto = \"1d\"\n[[slo]]\nname = \"availability\"\ntarget = 99.95\n", DAY, true, "RPO and RTO set"),
    row("backups", "", "[[datastore]]\nname = \"db\"\nbackups = \"https://w/b\"\nrestore_tested = 2026-11-01\nrpo = \"a while\"\nrto = \"5m\"\n", DAY, false, "`rpo` is \"a while\", not a duration"),
    row("backups", "", "[[datastore]]\nname = \"cache\"\nephemeral = true\n", DAY, true, "`cache` ephemeral"),
    row("backups", "", "[[datastore]]\nname = \"db\"\n", DAY, false, "`backups` is missing"),
    row("backups", "", "[slo]\n", DAY, true, "no datastore declared"),
];

#[test]
fn every_native_check_at_its_edges() {
    let ids: BTreeSet<&str> = ["docs.runbook", "manifest.schema", "waiver.valid"].into();
    let mut failures = Vec::new();
    for (index, row) in ROWS.iter().enumerate() {
        let spec = builtin::find(row.check).expect("a registered check");
        let with: toml::Table = toml::from_str(row.with).expect("with parses");
        let check = (spec.build)(&with).expect("the check builds");
        let manifest =
            Manifest::from_text("prr.toml", &format!("{SERVICE}{}", row.manifest)).expect("parses");
        let service = manifest.service();
        let cx = Context {
            manifest: &manifest,
            service: &service,
            as_of: row.as_of.parse().unwrap(),
            rule_ids: &ids,
            waiver_max_days: 90,
            facts: &prr_gate::evidence::Facts::none("no evidence in these tables"),
        };
        let outcome = check.evaluate(&cx);
        let text = if outcome.failures.is_empty() {
            outcome.passed.clone()
        } else {
            outcome
                .failures
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        if outcome.failures.is_empty() != row.pass || !text.contains(row.says) {
            failures.push(format!(
                "row {index} ({}): expected pass={} with {:?}, got: {text}",
                row.check, row.pass, row.says
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_native_check_has_a_row() {
    // Checks that read evidence are tested with facts: their `[[rule.test]]` examples and
    // tests/evidence.rs and tests/repository_rules.rs (repositories on disk and in git),
    // tests/prometheus_evidence.rs and tests/budget.rs (a real Prometheus), tests/reviews.rs
    // (incident records through `prr check`); what imports bring, in tests/imports.rs
    // (files read into the manifest).
    let with_facts = [
        "import_consistent",
        "alerts",
        "budget_remaining",
        "codeowners",
        "files_exist",
        "sli",
        "waiver_approval",
        "non_root",
        "kubernetes",
        "dependency_updates",
        "postmortem",
    ];
    for spec in builtin::REGISTRY {
        if spec.name != "manifest_schema" && !with_facts.contains(&spec.name) {
            assert!(
                ROWS.iter().any(|r| r.check == spec.name),
                "no edge cases for {}",
                spec.name
            );
        }
    }
}

#[test]
fn error_budget_arithmetic_matches_the_seeds() {
    let year = budget_minutes(99.99, "year").unwrap();
    let quarter = budget_minutes(99.99, "quarter").unwrap();
    assert!((year - 52.596).abs() < 0.001, "{year}");
    assert!((quarter - 13.149).abs() < 0.001, "{quarter}");
    assert!((budget_minutes(99.9, "28d").unwrap() - 40.32).abs() < 1e-9);
    assert!((budget_minutes(99.9, "week").unwrap() - 10.08).abs() < 1e-9);
    assert!((budget_minutes(99.9, "month").unwrap() - 43.83).abs() < 1e-9);
    assert_eq!(budget_minutes(100.0, "year"), None);
    assert_eq!(budget_minutes(99.9, "fortnight"), None);
    for window in ["028d", "0d", "+7d", "10000d", "d"] {
        assert_eq!(
            budget_minutes(99.9, window),
            None,
            "{window} is not a window the schema allows"
        );
    }
}

fn pack_with_grace(enforce_after: &str) -> rules::RuleSet {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pack.toml"),
        format!("[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n[override.\"docs.runbook\"]\nenforce_after = {enforce_after}\n"),
    )
    .unwrap();
    rules::load(&[RulesSource::Path(dir.path().to_path_buf())], dir.path()).expect("the pack loads")
}

#[test]
fn a_grace_period_is_a_warning_until_its_day_then_blocks() {
    let manifest = Manifest::from_text("prr.toml", SERVICE).unwrap();
    let set = pack_with_grace("2027-01-01");
    let runbook = |as_of: &str| {
        engine::evaluate(&manifest, &set, as_of.parse().unwrap())
            .findings
            .into_iter()
            .find(|f| f.rule == "docs.runbook")
            .unwrap()
    };
    let before = runbook("2026-11-21");
    assert_eq!(before.severity, rules::Severity::Warning);
    assert!(
        before
            .message
            .ends_with("(blocking from 2027-01-01, in 41 days)"),
        "{}",
        before.message
    );
    let eve = runbook("2026-12-31");
    assert!(
        eve.message
            .ends_with("(blocking from 2027-01-01, in 1 day)"),
        "{}",
        eve.message
    );
    let on_the_day = runbook("2027-01-01");
    assert_eq!(on_the_day.severity, rules::Severity::Error);
    assert!(!on_the_day.message.contains("blocking from"));
}

#[test]
fn a_waiver_turns_failure_into_waived_and_a_stale_one_warns() {
    let set = rules::load(&[RulesSource::Builtin], std::path::Path::new(".")).unwrap();
    let waived = format!("{SERVICE}[[waiver]]\nrule = \"docs.runbook\"\nreason = \"writing it\"\nticket = \"T-1\"\nexpires = 2026-12-01\n");
    let findings = engine::evaluate(
        &Manifest::from_text("prr.toml", &waived).unwrap(),
        &set,
        DAY.parse().unwrap(),
    )
    .findings;
    let runbook = findings.iter().find(|f| f.rule == "docs.runbook").unwrap();
    assert_eq!(runbook.status, engine::Status::Waived);
    assert_eq!(runbook.waiver.as_ref().unwrap().ticket, "T-1");

    let stale = format!("{waived}[docs]\nrunbook = \"docs/runbook.md\"\n");
    let findings = engine::evaluate(
        &Manifest::from_text("prr.toml", &stale).unwrap(),
        &set,
        DAY.parse().unwrap(),
    )
    .findings;
    let warning = findings.iter().find(|f| f.rule == "waiver.valid").unwrap();
    assert_eq!(
        (warning.status, warning.severity),
        (engine::Status::Fail, rules::Severity::Warning)
    );
    assert!(warning.message.contains("stale"), "{}", warning.message);

    let expired = waived.replace("2026-12-01", "2026-11-01");
    let findings = engine::evaluate(
        &Manifest::from_text("prr.toml", &expired).unwrap(),
        &set,
        DAY.parse().unwrap(),
    )
    .findings;
    assert_eq!(
        findings
            .iter()
            .find(|f| f.rule == "docs.runbook")
            .unwrap()
            .status,
        engine::Status::Fail,
        "an invalid waiver waives nothing"
    );
}

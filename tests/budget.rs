//! The live error budget against a real Prometheus (Debian's package), backfilled with three
//! services' request counters: one well within its budget, one that has spent it under
//! `freeze-features`, one that has spent it under `review`.
//!
//! The counters grow by a fixed number of requests a minute, so every ratio is exact:
//!
//! - `pay`: 9,999 good and 1 bad a minute. Attainment 9,999 / 10,000 = 99.99%. The
//!   availability SLO (99.95% over 28 days) allows 0.05% bad: 1 / 10,000 = 0.01% is
//!   0.01 / 0.05 = 0.2 of the budget consumed, 0.8 remaining; the budget is
//!   0.0005 x 28 x 1,440 = 20.16 minutes, so 0.8 x 20.16 = 16.128 minutes remain.
//! - `search` and `ledger`: 990 good and 10 bad a minute. Attainment 99%: 1% bad against
//!   0.05% allowed is 20 budgets consumed, remaining 1 - 20 = -19 (-383.04 minutes).

#[path = "common/prometheus.rs"]
mod prometheus;

#[path = "common/browser.rs"]
mod browser;

mod common;

use std::path::Path;
use std::process::{Command, Output};

use prometheus::{Prometheus, Traffic};
use serde_json::Value;

/// The ready example, its SLOs measured from `job`'s counters, under `policy`.
fn manifest(job: &str, policy: &str) -> String {
    let sli = format!(
        "[slo.sli]\ngood = 'sum(increase(http_requests_total{{job=\"{job}\",code!~\"5..\"}}[{{{{window}}}}]))'\ntotal = 'sum(increase(http_requests_total{{job=\"{job}\"}}[{{{{window}}}}]))'\n"
    );
    common::ready()
        .replace("name = \"payments-api\"", &format!("name = \"{job}\""))
        .replace("window = \"28d\"\n", &format!("window = \"28d\"\n{sli}"))
        .replace(
            "policy = \"freeze-features\"",
            &format!("policy = \"{policy}\""),
        )
}

/// The built-in pack with the budget rule enforced already (it warns until 2027-02-01).
const PACK: &str = "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[override.\"slo.budget-remaining\"]\nenforce_after = 2026-01-01\n";

/// An organisation's pack whose budget rule has its own id: the built-in one off, its own
/// `acme.error-budget` on the same native check, enforced now.
const ORG_PACK: &str = "[pack]\nname = \"acme-deploy\"\nextends = [\"builtin\"]\n\n[override.\"slo.budget-remaining\"]\nenabled = false\n";
const ORG_RULES: &str = r#"[[rule]]
id = "acme.error-budget"
title = "No feature deploy on a spent error budget"
severity = "error"
category = "slo"
when = { deploy = true }
builtin = "budget_remaining"
rationale = "The error budget decides when features ship."
remediation = "Ship reliability work until the budget recovers."
"#;

fn prr(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("PRR_PROMETHEUS_URL")
        .args(args);
    command.output().expect("prr runs")
}

struct Setup {
    server: Prometheus,
    dir: tempfile::TempDir,
}

fn setup() -> Option<Setup> {
    let server = Prometheus::start(
        &[
            Traffic::new("pay", 9_999, 1),
            Traffic::new("search", 990, 10),
            Traffic::new("ledger", 990, 10),
            Traffic::new("fresh", 9_999, 1).since_days(10),
        ],
        &[],
    )?;
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, job, policy) in [
        ("pay", "pay", "freeze-features"),
        ("search", "search", "freeze-features"),
        ("ledger", "ledger", "review"),
        ("fresh", "fresh", "freeze-features"),
        // No series for its job: its budget cannot be verified.
        ("ghost", "ghost", "freeze-features"),
    ] {
        let service = dir.path().join(name);
        std::fs::create_dir_all(&service).unwrap();
        std::fs::write(service.join("prr.toml"), manifest(job, policy)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack.toml"), PACK).unwrap();
    std::fs::create_dir_all(dir.path().join("org")).unwrap();
    std::fs::write(dir.path().join("org/pack.toml"), ORG_PACK).unwrap();
    std::fs::write(dir.path().join("org/deploy.toml"), ORG_RULES).unwrap();
    Some(Setup { server, dir })
}

impl Setup {
    /// `prr check` of `service` in `format`, a deploy or not.
    fn run(&self, service: &str, format: &str, deploy: bool) -> Output {
        let url = self.server.url();
        let mut args = vec![
            "check",
            "--manifest",
            service,
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--prometheus",
            &url,
            "--format",
            format,
        ];
        if deploy {
            args.push("--deploy");
        }
        prr(self.dir.path(), &args)
    }

    /// `prr check --deploy` of `service` in `format`: what it printed.
    fn deploy_report(&self, service: &str, format: &str) -> String {
        common::stdout(&self.run(service, format, true))
    }

    fn check(&self, service: &str, deploy: bool) -> (Option<i32>, Value) {
        let out = self.run(service, "json", deploy);
        let report = serde_json::from_str(&common::stdout(&out)).unwrap_or_else(|err| {
            panic!(
                "{err}: {}{}",
                common::stdout(&out),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), report)
    }
}

fn budget_result(report: &Value) -> &Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "slo.budget-remaining")
        .expect("a slo.budget-remaining result")
}

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    // Four significant digits, as worked out by hand above.
    let tolerance = expected.abs().max(1e-12) * 5e-5;
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not {expected}"
    );
}

#[test]
fn the_live_budget_decides_the_deploy() {
    let Some(setup) = setup() else {
        return;
    };

    // pay: within budget, the deploy passes; the figures match the hand calculation.
    let (code, report) = setup.check("pay", true);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(budget_result(&report)["status"], "pass");
    let live = &report["services"][0]["slos"][0]["live"];
    close(&live["attainment"], 99.99);
    close(&live["consumed"], 0.2);
    close(&live["remaining"], 0.8);
    close(&live["remaining_minutes"], 16.128);
    close(&live["budget_minutes"], 20.16);
    // The last hour and six hours burn at the same steady rate: 0.2x.
    close(&live["burn_rate_1h"], 0.2);
    close(&live["burn_rate_6h"], 0.2);

    // The comment and job summary show the budget as a bar: 8 of 10 cells left.
    let markdown = setup.deploy_report("pay", "markdown");
    assert!(
        markdown.contains("`▓▓▓▓▓▓▓▓░░` 80% left, 16.1 of 20.2 min; burn 0.2x (1 h), 0.2x (6 h)"),
        "{markdown}"
    );
    let markdown = setup.deploy_report("search", "markdown");
    assert!(
        markdown.contains("`░░░░░░░░░░` spent (2000% consumed)"),
        "{markdown}"
    );

    // search: spent under freeze-features, the deploy fails with the figures...
    let (code, report) = setup.check("search", true);
    assert_eq!(code, Some(1));
    let result = budget_result(&report);
    assert_eq!(result["status"], "fail");
    assert_eq!(result["severity"], "error");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("the error budget of SLO \"availability\" is spent: 99% good"),
        "{message}"
    );
    assert!(
        message.contains("freeze-features stops feature deploys"),
        "{message}"
    );
    let live = &report["services"][0]["slos"][0]["live"];
    close(&live["attainment"], 99.0);
    close(&live["consumed"], 20.0);
    close(&live["remaining_minutes"], -383.04);
    // ...and the same manifest without --deploy passes.
    let (code, report) = setup.check("search", false);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(budget_result(&report)["status"], "skipped");

    // ledger: spent under review, a warning.
    let (code, report) = setup.check("ledger", true);
    assert_eq!(code, Some(0), "{report:#}");
    let result = budget_result(&report);
    assert_eq!(result["status"], "fail");
    assert_eq!(result["severity"], "warning");
}

/// `fresh` has counted requests for 10 days only, at `pay`'s rates. Its 28-day budget is
/// computed over those 10 days (the same 99.99%, 0.2 consumed), and the report says how
/// much of the window the data covers. Working: the samples are 12 hours apart before the
/// last day, so the first one-day slice with two samples ends 12 hours after the first
/// sample, give or take the 6-hour step the slices are read at; the slice's day is added
/// back, so the coverage is 10 days + 12 hours, within 6 hours either way.
#[test]
fn a_service_younger_than_its_window_is_judged_on_what_exists_and_says_so() {
    let Some(setup) = setup() else {
        return;
    };
    let (code, report) = setup.check("fresh", true);
    assert_eq!(code, Some(0), "{report:#}");
    let live = &report["services"][0]["slos"][0]["live"];
    close(&live["attainment"], 99.99);
    close(&live["consumed"], 0.2);
    let covered = live["covered_days"].as_f64().expect("covered_days");
    assert!((10.25..=10.75).contains(&covered), "{covered}");
    let notes = live["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(
            |n| n.as_str().unwrap().starts_with("the data covers about 10.")
                && n.as_str().unwrap().contains("of the window's 28 days")
        ),
        "{notes:?}"
    );
    // The comment and the human report say it beside the figures.
    for (format, shown) in [
        ("markdown", "; the data covers about 10."),
        ("human", "        note: the data covers about 10."),
    ] {
        let text = setup.deploy_report("fresh", format);
        assert!(text.contains(shown), "{format}: {text}");
    }
    // A service whose data spans the window has no such note.
    let (_, report) = setup.check("pay", true);
    let live = &report["services"][0]["slos"][0]["live"];
    assert!(live["covered_days"].is_null(), "{live:#}");
    assert_eq!(live["notes"], serde_json::json!([]));
}

#[test]
fn prr_budget_answers_can_we_ship() {
    let Some(setup) = setup() else {
        return;
    };
    let url = setup.server.url();
    let out = prr(
        setup.dir.path(),
        &[
            "budget",
            "--manifest",
            "pay",
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--prometheus",
            &url,
        ],
    );
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("availability: 99.99% good;"), "{text}");
    assert!(text.contains("deploy allowed"), "{text}");
    let out = prr(
        setup.dir.path(),
        &[
            "budget",
            "--manifest",
            "search",
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--prometheus",
            &url,
        ],
    );
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("deploy blocked"), "{text}");
}

/// The job summary's budget section as GitHub shows it: the markdown that `--format github`
/// appends to `GITHUB_STEP_SUMMARY`, rendered by cmark-gfm (GitHub's renderer) and parsed by
/// headless Chromium. The bars must survive as table cells: a pipe or backtick out of place
/// would break the table into text. With `PRR_SCREENSHOT=FILE.png` the page is also saved
/// as a screenshot (docs/images/budget-summary.png comes from this test).
#[test]
fn the_budget_section_renders_as_github_shows_it() {
    let (Some(cmark), Some(browser)) = (browser::cmark_gfm(), browser::chromium()) else {
        return;
    };
    let Some(setup) = setup() else {
        return;
    };
    let summary = setup.dir.path().join("summary.md");
    let url = setup.server.url();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("prr"));
    let out = command
        .current_dir(setup.dir.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("PRR_PROMETHEUS_URL")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--manifest",
            "pay",
            "--manifest",
            "search",
            "--manifest",
            "ledger",
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--prometheus",
            &url,
            "--deploy",
            "--format",
            "github",
        ])
        .output()
        .expect("prr runs");
    // search's budget is spent under freeze-features: the deploy is blocked.
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let markdown = std::fs::read_to_string(&summary).expect("the job summary was written");
    let page = setup.dir.path().join("summary.html");
    std::fs::write(
        &page,
        browser::github_page(&browser::gfm_to_html(&cmark, &markdown)),
    )
    .unwrap();
    let dom = browser::dump_dom(&browser, &page);

    // Each service's budget is one table cell: the bar in <code>, then the figures.
    let cells: Vec<&str> = dom
        .split("<td>")
        .skip(1)
        .filter_map(|cell| cell.split("</td>").next())
        .filter(|cell| cell.contains("<code>"))
        .collect();
    let pay = "<code>▓▓▓▓▓▓▓▓░░</code> 80% left, 16.1 of 20.2 min; burn 0.2x (1 h), 0.2x (6 h)";
    assert!(cells.iter().any(|c| c.contains(pay)), "{cells:#?}\n{dom}");
    let spent = cells
        .iter()
        .filter(|c| c.contains("<code>░░░░░░░░░░</code> spent (2000% consumed)"))
        .count();
    assert_eq!(spent, 2, "search and ledger: {cells:#?}");

    if let Some(png) = std::env::var_os("PRR_SCREENSHOT") {
        browser::screenshot(&browser, &page, Path::new(&png), 1000, 1330);
    }
}

#[test]
fn prometheus_down_during_a_deploy_never_passes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("search")).unwrap();
    std::fs::write(
        dir.path().join("search/prr.toml"),
        manifest("search", "freeze-features"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("pack")).unwrap();
    std::fs::write(dir.path().join("pack/pack.toml"), PACK).unwrap();
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = |deploy: bool| {
        let mut args = vec![
            "check",
            "--manifest",
            "search",
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--prometheus",
            &url,
            "--format",
            "json",
        ];
        if deploy {
            args.push("--deploy");
        }
        let out = prr(dir.path(), &args);
        let report: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
        (out.status.code(), report)
    };
    let (code, report) = run(true);
    let result = budget_result(&report);
    assert_eq!(result["status"], "fail", "{result:#}");
    assert_eq!(result["unverified"], true);
    let message = result["message"].as_str().unwrap();
    assert!(message.starts_with("could not verify"), "{message}");
    // Named once, not twice.
    assert_eq!(message.matches("could not verify").count(), 1, "{message}");
    // A deploy fails closed (`deploy_on_unavailable`, default "fail"): it blocks.
    assert_eq!(result["severity"], "error");
    assert_eq!(code, Some(1));

    // A pack that prefers to ship through an outage says so for deploys alone.
    let warn = PACK.replace(
        "extends = [\"builtin\"]\n",
        "extends = [\"builtin\"]\ndeploy_on_unavailable = \"warn\"\n",
    );
    std::fs::write(dir.path().join("pack/pack.toml"), warn).unwrap();
    let (code, report) = run(true);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(budget_result(&report)["severity"], "warning");
    // A pull-request run keeps `on_unavailable` (default "warn"): the SLI it could not ask
    // is a warning there.
    let (code, report) = run(false);
    assert_eq!(code, Some(0), "{report:#}");
    let sli: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "slo.sli")
        .collect();
    assert!(!sli.is_empty());
    assert!(sli
        .iter()
        .all(|r| r["unverified"] == true && r["severity"] == "warning"));
}

/// `prr budget` is `prr check --deploy` read another way (decision 17): the same exit code
/// and verdict, and the same blocking findings, for a healthy, a spent and an unverifiable
/// budget, under the built-in pack, a pack that enforces the budget rule now, and an
/// organisation's pack whose budget rule has an id of its own.
#[test]
fn prr_budget_and_check_deploy_give_one_answer() {
    let Some(setup) = setup() else {
        return;
    };
    let url = setup.server.url();
    let blocking_rules = |report: &Value| -> Vec<String> {
        let mut rules: Vec<String> = report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["status"] == "fail" && r["severity"] == "error")
            .map(|r| r["rule"].as_str().unwrap_or_default().to_owned())
            .collect();
        rules.sort();
        rules
    };
    let mut codes = std::collections::BTreeMap::new();
    for pack in ["builtin", "pack", "org"] {
        for service in ["pay", "search", "ghost"] {
            let common_args = [
                "--manifest",
                service,
                "--rules",
                pack,
                "--as-of",
                common::AS_OF,
                "--prometheus",
                &url,
                "--format",
                "json",
            ];
            let mut check_args = vec!["check", "--deploy"];
            check_args.extend(common_args);
            let check = prr(setup.dir.path(), &check_args);
            let mut budget_args = vec!["budget"];
            budget_args.extend(common_args);
            let budget = prr(setup.dir.path(), &budget_args);
            let check_report: Value = serde_json::from_str(&common::stdout(&check))
                .unwrap_or_else(|err| panic!("{err}: {}", common::stderr(&check)));
            let budget_view: Value = serde_json::from_str(&common::stdout(&budget))
                .unwrap_or_else(|err| panic!("{err}: {}", common::stderr(&budget)));
            assert_eq!(
                budget.status.code(),
                check.status.code(),
                "{pack}/{service}: {budget_view:#}"
            );
            assert_eq!(
                budget_view["verdict"], check_report["verdict"],
                "{pack}/{service}"
            );
            let blocking: Vec<String> = budget_view["blocking"]
                .as_array()
                .expect("blocking")
                .iter()
                .map(|r| r["rule"].as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(blocking, blocking_rules(&check_report), "{pack}/{service}");
            // One line per SLO: its figures, or why there are none.
            for slo in budget_view["services"][0]["slos"].as_array().expect("slos") {
                assert!(
                    !slo["live"].is_null() || slo["live_unavailable"].is_string(),
                    "{pack}/{service}: {slo}"
                );
            }
            // The closing line says "allowed", "spent" and "could not verify" only when
            // the report shows it (the budget rule is off in `org`, but its own rule reads
            // the same figures).
            let summary = budget_view["summary"].as_str().expect("summary");
            let spent = budget_view["spent"].as_array().expect("spent");
            let unread = budget_view["could_not_verify"].as_array().expect("unread");
            match service {
                "pay" => {
                    assert_eq!(summary, "prr: deploy allowed: nothing blocks it", "{pack}");
                    assert!(spent.is_empty() && unread.is_empty(), "{budget_view:#}");
                }
                "search" => {
                    assert!(
                        summary.contains("error budget spent: availability (search)"),
                        "{pack}: {summary}"
                    );
                    assert!(!summary.contains("could not verify"), "{pack}: {summary}");
                    assert!(unread.is_empty(), "{budget_view:#}");
                }
                _ => {
                    // No series for its job: could not verify, never spent, never allowed;
                    // every problem of the SLO, the source named once.
                    assert!(
                        summary.starts_with("prr: deploy blocked by"),
                        "{pack}: {summary}"
                    );
                    assert!(summary.contains("could not verify the budget of availability (ghost)"));
                    assert!(!summary.contains("spent") && spent.is_empty(), "{summary}");
                    let lines = budget_view["services"][0]["lines"]
                        .as_array()
                        .expect("lines");
                    let line = lines[0].as_str().unwrap_or_default();
                    assert!(
                        line.starts_with(
                            "availability: no live figures: could not verify: prometheus at "
                        ),
                        "{line}"
                    );
                    assert_eq!(line.matches("could not verify").count(), 1, "{line}");
                    assert!(
                        line.contains("the good query returned no series over 28d")
                            && line.contains("the total query returned no series over 28d"),
                        "{line}"
                    );
                    assert_eq!(check.status.code(), Some(1), "{pack}: fails closed");
                }
            }
            codes.insert((pack, service), check.status.code());
        }
    }
    // Not two silences: a spent budget blocks under the packs that enforce it now, whatever
    // the rule's id, and a healthy one ships.
    assert_eq!(codes[&("org", "search")], Some(1));
    assert_eq!(codes[&("pack", "search")], Some(1));
    assert_eq!(codes[&("org", "pay")], Some(0));
    assert_eq!(codes[&("pack", "pay")], Some(0));
}

/// A pack that names its Prometheus, in a deploy pipeline that lost the URL's secret: no
/// answer, not no source. The deploy fails closed; a pull-request run skips the rules and
/// says how to configure the URL.
#[test]
fn a_deploy_whose_prometheus_url_is_unset_fails_closed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("search")).unwrap();
    std::fs::write(
        dir.path().join("search/prr.toml"),
        manifest("search", "freeze-features"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("pack")).unwrap();
    let pack = "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[source.prometheus]\nurl_env = \"PRR_TEST_PROMETHEUS_URL_NEVER_SET\"\n";
    std::fs::write(dir.path().join("pack/pack.toml"), pack).unwrap();
    let run = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend([
            "--manifest",
            "search",
            "--rules",
            "pack",
            "--as-of",
            common::AS_OF,
            "--format",
            "json",
        ]);
        let out = prr(dir.path(), &args);
        let report: Value = serde_json::from_str(&common::stdout(&out))
            .unwrap_or_else(|err| panic!("{err}: {}", common::stderr(&out)));
        (out.status.code(), report)
    };
    let (code, report) = run(&["check", "--deploy"]);
    assert_eq!(code, Some(1), "{report:#}");
    let result = budget_result(&report);
    assert_eq!(result["unverified"], true, "{result:#}");
    assert_eq!(result["severity"], "error");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("PRR_TEST_PROMETHEUS_URL_NEVER_SET is not set"),
        "{message}"
    );
    let (code, view) = run(&["budget"]);
    assert_eq!(code, Some(1), "{view:#}");
    assert_eq!(view["deploy"], "blocked: could not verify");
    let (code, report) = run(&["check"]);
    assert_eq!(code, Some(0), "{report:#}");
    let sli = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "slo.sli")
        .expect("an slo.sli result");
    assert_eq!(sli["status"], "skipped", "{sli:#}");
}

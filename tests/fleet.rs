//! Maturity levels in `prr check`, and `prr fleet` on a small hand-made fleet whose answers
//! are counted by hand (tests/fixtures/fleet/small):
//!
//! | service  | team           | tier | depends on ledger          | today                        |
//! |----------|----------------|------|----------------------------|------------------------------|
//! | ledger   | @acme/ledger   | 1    | -                          | pass, gold                   |
//! | payments | @acme/payments | 1    | critical, sla 99.99        | pass, gold                   |
//! | billing  | @acme/payments | 1    | critical, sla 99.9         | pass, gold (no architecture) |
//! | orders   | @acme/orders   | 2    | critical, sla 99.9         | pass, gold (SLO 99.5)        |
//! | reports  | @acme/orders   | 2    | critical, with a fallback  | pass, stale waiver: no level |
//! | search   | @acme/search   | 3    | critical, no sla           | fail, bronze                 |
//!
//! ledger's own SLO is 99.9: payments assumes more (an SLO chain finding); billing, orders
//! and payments are tier-1/2 and have no fallback (a single point of failure at N = 3).
//! The candidate pack adds docs.architecture (from 2027-03-01) and raises tier 2's floor
//! to 99.9: billing and orders would fail, and reports' waiver covers it.

#[allow(dead_code)] // each test file uses some of the helpers
#[path = "common/browser.rs"]
mod browser;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

const AS_OF: &str = "2026-11-20";
const SMALL: &str = "tests/fixtures/fleet/small";
const CANDIDATE: &str = "tests/fixtures/fleet/candidate";

fn prr() -> Command {
    let mut cmd = Command::cargo_bin("prr").expect("the prr binary is built");
    cmd.env("NO_COLOR", "1").env_remove("GITHUB_ACTIONS");
    cmd
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("the output is JSON")
}

fn fleet_json(args: &[&str]) -> Value {
    let output = prr()
        .arg("fleet")
        .args(args)
        .args(["--as-of", AS_OF, "--format", "json"])
        .output()
        .expect("prr runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_of(&output.stdout)
}

fn names(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

fn row<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == name)
        .expect("the service has a row")
}

#[test]
fn every_json_report_states_each_services_level_and_what_the_next_needs() {
    let output = prr()
        .args(["check", "--manifest", "examples", "--as-of", AS_OF])
        .args(["--format", "json"])
        .output()
        .expect("prr runs");
    let report = json_of(&output.stdout);
    assert_eq!(
        report["levels"],
        serde_json::json!(["bronze", "silver", "gold"])
    );
    let services = report["services"].as_array().expect("services");
    let by_name = |name: &str| {
        services
            .iter()
            .find(|s| s["service"]["name"] == name)
            .expect("the service is reported")
    };
    assert_eq!(by_name("payments-api")["level"], "gold");
    assert_eq!(by_name("payments-api")["next_level"], Value::Null);
    // search lacks an escalation policy: oncall.rotation is a bronze rule.
    assert_eq!(by_name("search")["level"], Value::Null);
    assert_eq!(by_name("search")["next_level"]["level"], "bronze");
    assert_eq!(
        by_name("search")["next_level"]["needs"],
        serde_json::json!(["oncall.rotation"])
    );
}

#[test]
fn levels_change_no_verdict_unless_min_level_is_given() {
    // search (tier 3) fails dependencies.critical-mitigation, a silver rule, and so stays
    // at bronze; the others pass. Without --min-level the verdicts are the rules' alone.
    let manifest = format!("{SMALL}/search/prr.toml");
    prr()
        .args(["check", "--manifest", &format!("{SMALL}/ledger/prr.toml")])
        .args(["--as-of", AS_OF, "--min-level", "gold"])
        .assert()
        .code(0)
        .stdout(contains("level gold (the highest)"));
    prr()
        .args(["check", "--manifest", &manifest, "--as-of", AS_OF])
        .args(["--min-level", "bronze", "--format", "markdown"])
        .assert()
        .code(1)
        .stdout(
            contains("level bronze; silver needs `dependencies.critical-mitigation`").or(contains(
                "level bronze; silver needs dependencies.critical-mitigation",
            )),
        );
    // reports passes the gate, but a stale waiver (a waiver.valid warning, bronze) keeps it
    // below every level: --min-level bronze turns it red, without it it is green.
    let reports = format!("{SMALL}/reports/prr.toml");
    prr()
        .args(["check", "--manifest", &reports, "--as-of", AS_OF])
        .assert()
        .code(0);
    prr()
        .args(["check", "--manifest", &reports, "--as-of", AS_OF])
        .args(["--min-level", "bronze"])
        .assert()
        .code(1)
        .stdout(contains(
            "level none; bronze needs waiver.valid; below the required bronze",
        ));
}

#[test]
fn an_unknown_min_level_is_a_usage_error() {
    prr()
        .args([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            AS_OF,
        ])
        .args(["--min-level", "platinum"])
        .assert()
        .code(2)
        .stderr(contains("the pack's levels are bronze, silver, gold"));
}

#[test]
fn a_rule_naming_a_level_the_pack_lacks_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("pack.toml"),
        "[pack]\nname = \"p\"\nlevels = [\"bronze\", \"silver\"]\n",
    )
    .expect("written");
    std::fs::write(
        dir.path().join("r.toml"),
        "[[rule]]\nid = \"docs.runbook\"\nlevel = \"gold\"\nrequire = [\"docs.runbook\"]\n",
    )
    .expect("written");
    prr()
        .args([
            "check",
            "--manifest",
            "examples/ready/prr.toml",
            "--as-of",
            AS_OF,
        ])
        .args(["--rules", &dir.path().display().to_string()])
        .assert()
        .code(2)
        .stderr(contains("r.toml:3:9").and(contains("unknown level `gold`")));
}

#[test]
fn scorecards_and_roll_ups_of_a_small_fleet() {
    let report = fleet_json(&[SMALL]);
    assert_eq!(report["kind"], "fleet");
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    assert_eq!(summary["services"], 6);
    assert_eq!(summary["passing"], 5);
    assert_eq!(summary["failing"], 1);
    let search = row(&report, "search");
    assert_eq!(search["team"], "@acme/search");
    assert_eq!(search["tier"], 3);
    assert_eq!(search["level"], "bronze");
    assert_eq!(search["blocking"], 1);
    assert_eq!(
        search["blocking_rules"],
        serde_json::json!(["dependencies.critical-mitigation"])
    );
    assert_eq!(search["categories"]["dependencies"], "fail");
    assert_eq!(search["categories"]["oncall"], "pass");
    assert_eq!(row(&report, "reports")["level"], Value::Null);
    assert_eq!(row(&report, "reports")["categories"]["waiver"], "warn");

    let teams = report["teams"].as_array().expect("teams");
    let orders = teams
        .iter()
        .find(|t| t["team"] == "@acme/orders")
        .expect("the orders team");
    // orders reached gold, reports none: the team stands at its lowest.
    assert_eq!(orders["services"], 2);
    assert_eq!(orders["level"], Value::Null);
    assert_eq!(orders["levels"]["gold"], 1);
    assert_eq!(orders["levels"]["none"], 1);
    let categories = report["categories"].as_array().expect("categories");
    let deps = categories
        .iter()
        .find(|c| c["category"] == "dependencies")
        .expect("the dependencies category");
    assert_eq!(
        (deps["pass"].as_u64(), deps["fail"].as_u64()),
        (Some(5), Some(1))
    );
}

#[test]
fn the_graph_finds_the_single_point_of_failure_and_the_slo_chain() {
    let report = fleet_json(&[SMALL]);
    let graph = &report["graph"];
    assert_eq!(graph["fan_in"][0]["service"], "ledger");
    assert_eq!(graph["fan_in"][0]["consumers"], 5);
    let spofs = graph["spofs"].as_array().expect("spofs");
    assert_eq!(spofs.len(), 1);
    assert_eq!(spofs[0]["service"], "ledger");
    assert_eq!(
        names(&spofs[0]["consumers"]),
        ["billing", "orders", "payments"]
    );
    let chains = graph["slo_chains"].as_array().expect("slo chains");
    assert_eq!(chains.len(), 1);
    assert_eq!(
        chains[0]["message"],
        "payments assumes 99.99% of ledger, whose own SLO is 99.9%"
    );
    // search gives no sla for ledger: it assumes ledger's own SLO.
    let search_edge = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["from"] == "search")
        .expect("search's edge");
    assert_eq!(search_edge["assumed"], 99.9);

    // At N = 4 three consumers do not make a single point of failure.
    let report = fleet_json(&[SMALL, "--spof-threshold", "4"]);
    assert_eq!(report["graph"]["spofs"], serde_json::json!([]));
}

#[test]
fn the_rollout_preview_lists_exactly_the_services_that_change() {
    let report = fleet_json(&[SMALL, "--candidate", CANDIDATE]);
    let preview = &report["preview"];
    assert_eq!(preview["services_blocked"], 2);
    let rules = preview["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 2, "{rules:#?}");
    // The new rule: billing lacks an architecture document; search lacks one too but
    // fails today already, so it is not a change.
    assert_eq!(rules[0]["rule"], "docs.architecture");
    assert_eq!(rules[0]["from"], "2027-03-01");
    assert_eq!(rules[0]["failing"], 1);
    assert_eq!(rules[0]["waived"], 0);
    assert_eq!(rules[0]["teams"][0]["team"], "@acme/payments");
    assert_eq!(names(&rules[0]["teams"][0]["services"]), ["billing"]);
    // The raised floor: orders (99.5) would fail from today; reports' waiver covers it.
    assert_eq!(rules[1]["rule"], "slo.target-for-tier");
    assert_eq!(rules[1]["from"], AS_OF);
    assert_eq!(rules[1]["failing"], 1);
    assert_eq!(rules[1]["waived"], 1);
    assert_eq!(rules[1]["teams"][0]["team"], "@acme/orders");
    assert_eq!(names(&rules[1]["teams"][0]["services"]), ["orders"]);
}

#[test]
fn a_directory_of_json_reports_gives_the_same_scorecards() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for service in ["ledger", "search"] {
        prr()
            .args([
                "check",
                "--manifest",
                &format!("{SMALL}/{service}/prr.toml"),
            ])
            .args(["--as-of", AS_OF, "--format"])
            .arg(format!(
                "json={}",
                dir.path().join(format!("{service}.json")).display()
            ))
            .assert()
            .code(predicate::in_iter([0, 1]));
    }
    let report = fleet_json(&[&dir.path().display().to_string()]);
    assert_eq!(report["summary"]["services"], 2);
    let search = row(&report, "search");
    assert_eq!(search["team"], "@acme/search");
    assert_eq!(search["level"], "bronze");
    assert_eq!(search["blocking"], 1);
    assert_eq!(search["categories"]["dependencies"], "fail");
}

#[test]
fn compare_shows_each_team_then_and_now() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let earlier = dir.path().join("earlier.json");
    // Then: only search was judged, and the same service fails.
    prr()
        .args(["fleet", &format!("{SMALL}/search"), "--as-of", AS_OF])
        .arg("--format")
        .arg(format!("json={}", earlier.display()))
        .assert()
        .code(0);
    let report = fleet_json(&[SMALL, "--compare", &earlier.display().to_string()]);
    let trend = report["trend"].as_array().expect("a trend");
    let search = trend
        .iter()
        .find(|t| t["team"] == "@acme/search")
        .expect("search's team");
    assert_eq!(search["level_then"], "bronze");
    assert_eq!(search["failing_then"], 1);
    assert_eq!(search["failing_now"], 1);
    let ledger = trend
        .iter()
        .find(|t| t["team"] == "@acme/ledger")
        .expect("ledger's team");
    assert_eq!(ledger["level_then"], Value::Null);
    assert_eq!(ledger["level_now"], "gold");
}

#[test]
fn shards_split_the_fleet_and_merge_back_to_the_whole() {
    let whole = fleet_json(&[SMALL]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut parts = Vec::new();
    let mut counted = 0;
    for k in 1..=3 {
        let part = dir.path().join(format!("{k}.json"));
        prr()
            .args([
                "fleet",
                SMALL,
                "--as-of",
                AS_OF,
                "--shard",
                &format!("{k}/3"),
            ])
            .arg("--format")
            .arg(format!("json={}", part.display()))
            .assert()
            .code(0);
        let text = std::fs::read_to_string(&part).expect("the shard report");
        counted += json_of(text.as_bytes())["summary"]["services"]
            .as_u64()
            .expect("a count");
        parts.push(part.display().to_string());
    }
    assert_eq!(counted, 6, "every service is in exactly one shard");
    let output = prr()
        .args(["fleet", "merge"])
        .args(&parts)
        .args(["--format", "json"])
        .output()
        .expect("prr runs");
    assert_eq!(output.status.code(), Some(0));
    let merged = json_of(&output.stdout);
    for key in [
        "summary",
        "services",
        "teams",
        "categories",
        "graph",
        "calendar",
    ] {
        assert_eq!(merged[key], whole[key], "{key} differs after the merge");
    }
}

#[test]
fn html_csv_and_markdown_carry_the_rows_and_the_graph() {
    let html = prr()
        .args(["fleet", SMALL, "--as-of", AS_OF, "--format", "html"])
        .output()
        .expect("prr runs");
    let html = String::from_utf8(html.stdout).expect("UTF-8");
    assert!(html.contains("<svg id=\"graph\""));
    assert!(html.contains("<table class=\"sortable\" id=\"services\">"));
    // Self-contained: nothing is loaded from elsewhere.
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    let services = &html[html.find("id=\"services\"").expect("the services table")..];
    let services = &services[..services.find("</table>").expect("the table ends")];
    assert_eq!(
        services.matches("<tr>").count(),
        1 + 6,
        "a header and six services"
    );
    assert!(services.contains("<td>search</td><td>@acme/search</td><td>3</td>"));

    let csv = prr()
        .args(["fleet", SMALL, "--as-of", AS_OF, "--format", "csv"])
        .output()
        .expect("prr runs");
    let csv = String::from_utf8(csv.stdout).expect("UTF-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7, "a header and six services");
    assert!(lines[0].starts_with("service,source,team,tier,lifecycle,verdict,level,blocking"));
    assert!(csv.contains(
        "search,tests/fixtures/fleet/small/search/prr.toml,@acme/search,3,production,fail,bronze,1"
    ));

    prr()
        .args(["fleet", SMALL, "--as-of", AS_OF])
        .assert()
        .code(0)
        .stdout(contains("```mermaid\ngraph LR\n").and(contains("style s1 stroke:#d00")));
}

#[test]
fn the_calendar_lists_reviews_due_within_30_days_as_icalendar() {
    // ledger's toil review was on 2026-10-20: due 92 days later, on 2027-01-20. Judged on
    // 2026-12-25, it is due within 30 days; on 2026-11-20 it is not.
    let ics = prr()
        .args(["fleet", &format!("{SMALL}/ledger"), "--as-of", "2026-12-25"])
        .args(["--format", "ics"])
        .output()
        .expect("prr runs");
    let ics = String::from_utf8(ics.stdout).expect("UTF-8");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.contains("SUMMARY:Toil review: ledger (@acme/ledger)"));
    assert!(ics.contains("DTSTART;VALUE=DATE:20270120"));
    assert!(ics.contains("DTEND;VALUE=DATE:20270121"));
    assert!(ics.contains("DTSTAMP:20261225T000000Z"));
    let report = fleet_json(&[&format!("{SMALL}/ledger")]);
    assert_eq!(report["calendar"], serde_json::json!([]));
}

#[test]
fn bad_sources_are_usage_errors() {
    prr()
        .args(["fleet", "tests/fixtures/does-not-exist", "--as-of", AS_OF])
        .assert()
        .code(2)
        .stderr(contains("not a directory"));
    prr()
        .args(["fleet", "examples", "--format", "pdf"])
        .assert()
        .code(2)
        .stderr(contains(
            "the fleet formats are json, markdown, html, csv, ics",
        ));
    prr()
        .args(["fleet", "examples", "--shard", "4/3"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bad = dir.path().join("fleet.json");
    std::fs::write(&bad, "{\"kind\": \"fleet\",\n \"version\": }").expect("written");
    prr()
        .args(["fleet", "merge", &bad.display().to_string()])
        .assert()
        .code(2)
        .stderr(contains("fleet.json:2:").and(contains("not a prr fleet report")));
}

/// The small fleet, plus a manifest with a syntax error and a service whose last review
/// is dated in the future (a typo): what a platform lead must see first.
fn troubled_fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(SMALL).expect("the small fleet") {
        let entry = entry.expect("an entry");
        let to = dir.path().join(entry.file_name());
        std::fs::create_dir_all(&to).expect("a service directory");
        std::fs::copy(entry.path().join("prr.toml"), to.join("prr.toml")).expect("copied");
    }
    std::fs::create_dir_all(dir.path().join("broken")).expect("a directory");
    std::fs::write(
        dir.path().join("broken/prr.toml"),
        "[service]\nname = \"broken\nowner = \"@acme/broken\"\n",
    )
    .expect("written");
    let search = std::fs::read_to_string(dir.path().join("search/prr.toml")).expect("search");
    std::fs::create_dir_all(dir.path().join("typo")).expect("a directory");
    std::fs::write(
        dir.path().join("typo/prr.toml"),
        search
            .replace("name = \"search\"", "name = \"typo\"")
            .replace("prr = 2025-06-01", "prr = 2027-06-01"),
    )
    .expect("written");
    dir
}

fn fleet_text(dir: &std::path::Path, format: &str) -> String {
    let out = prr()
        .current_dir(dir)
        .args(["fleet", ".", "--as-of", AS_OF, "--format", format])
        .output()
        .expect("prr runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn both_reports_open_on_the_summary_and_the_failing_services_with_the_same_words() {
    let dir = troubled_fleet();
    let markdown = fleet_text(dir.path(), "markdown");
    let html = fleet_text(dir.path(), "html");
    let at = |text: &str, needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in\n{text}"))
    };
    // Summary, then services, then the roll-ups.
    assert!(at(&markdown, "### Summary") < at(&markdown, "### Services"));
    assert!(at(&markdown, "### Services") < at(&markdown, "### Teams"));
    assert!(at(&markdown, "### Services") < at(&markdown, "### Categories"));
    assert!(at(&html, "<h2>Summary</h2>") < at(&html, "<h2>Services</h2>"));
    assert!(at(&html, "<h2>Services</h2>") < at(&html, "<h2>Categories</h2>"));
    // The failing services first, by blocking findings; the error row after them.
    let services = &markdown[at(&markdown, "### Services")..at(&markdown, "### Teams")];
    let rows: Vec<&str> = services.lines().filter(|l| l.starts_with("| `")).collect();
    assert!(rows[0].contains("| fail |"), "{services}");
    let error = rows
        .iter()
        .find(|r| r.contains("| error |"))
        .expect("the error row");
    assert!(
        error.contains("could not be judged: ") && error.contains("broken/prr.toml:2:15"),
        "{error}"
    );
    // The same sentences in both formats (the markdown escapes `@`).
    for words in [
        "Failing services first, most blocking findings first.",
        "Next level needs",
        "highest level reached",
        "silver: dependencies.critical-mitigation",
        "could not be judged: ",
        "1 service could not be judged: the reason is on its row.",
        "Single points of failure",
        "SLO chains (assumed, never promised)",
        "Overdue, due within 30 days, or dated in the future (a typo prr check fails).",
        "date in the future (2027-06-01): a typo? prr check fails it",
    ] {
        assert!(markdown.contains(words), "markdown lacks `{words}`");
        assert!(html.contains(words), "HTML lacks `{words}`");
    }
    // The typo is not called overdue.
    let calendar = &markdown[at(&markdown, "### Review calendar")..];
    let typo_prr = calendar
        .lines()
        .find(|l| l.contains("| typo |") && l.contains("Production readiness review"))
        .expect("the typo's PRR in the calendar");
    assert!(!typo_prr.contains("overdue"), "{typo_prr}");
}

#[test]
fn chromium_shows_a_failing_service_first_and_the_reason_on_error_rows() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let dir = troubled_fleet();
    let page = dir.path().join("fleet.html");
    std::fs::write(&page, fleet_text(dir.path(), "html")).expect("written");
    let dom = browser::dump_dom(&chromium, &page);
    let table = &dom[dom.find("id=\"services\"").expect("the services table")..];
    let table = &table[..table.find("</table>").expect("its end")];
    let rows: Vec<&str> = table
        .split("<tr>")
        .skip(2)
        .map(|r| r.split("</tr>").next().expect("a row"))
        .collect();
    assert_eq!(rows.len(), 8, "{table}");
    assert!(
        rows[0].contains("<td class=\"fail\">fail</td>"),
        "{}",
        rows[0]
    );
    let errors: Vec<&&str> = rows.iter().filter(|r| r.contains(">error</td>")).collect();
    assert_eq!(errors.len(), 1);
    for row in errors {
        assert!(
            row.contains("<td class=\"reason\">could not be judged: ")
                && row.contains("prr.toml:2:15"),
            "{row}"
        );
    }
    // The summary comes before every table.
    assert!(dom.find("id=\"summary\"") < dom.find("<table"));
}

//! `prr review quarterly`: the incident file readers, the figures against hand-worked
//! values on the committed data set, the formats, and blamelessness.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use prr_gate::review::figures::{self, Quarter};
use prr_gate::review::incident;

#[allow(dead_code)] // each test file uses some of the helpers
#[path = "common/browser.rs"]
mod browser;
#[path = "common/mock.rs"]
mod mock;
use mock::review_quarterly;

/// The teams of the data set and their two services each.
const TEAMS: [(&str, [&str; 2]); 5] = [
    ("@acme/payments", ["payments-api", "ledger"]),
    ("@acme/search", ["search-api", "indexer"]),
    ("@acme/identity", ["auth", "profile"]),
    ("@acme/checkout", ["cart", "checkout-web"]),
    ("@acme/platform", ["gateway", "scheduler"]),
];

/// The people named in the records: none of these may reach any output.
const PEOPLE: [(&str, &str); 4] = [
    ("Alice Liddell", "alice.liddell@example.com"),
    ("Bob Marley", "bob.marley@example.com"),
    ("Chandra Rao", "c.rao@example.org"),
    ("Dmitri Volkov", "dvolkov@example.net"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews")
}

/// A small deterministic generator (PCG's LCG step), so the data set can be rebuilt
/// byte for byte.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// The committed data set: about 200 incidents over the six quarters 2025Q2 to 2026Q3 and
/// the five teams, with columns naming people (which must be dropped), then three bad
/// records (time order, a missing time, a duplicate id).
fn generate_incidents() -> String {
    let mut rng = Lcg(20_261_125);
    let mut out = String::from(
        "id,service,severity,started,detected,resolved,postmortem,assignee,responders,notes\n",
    );
    let mut quarter: Quarter = "2025Q2".parse().unwrap();
    let mut number = 0;
    for _ in 0..6 {
        let (start, _) = quarter.bounds();
        let days = u64::try_from(quarter.seconds() / 86_400).unwrap();
        for (_, services) in TEAMS {
            let count = 4 + rng.next(6);
            for _ in 0..count {
                number += 1;
                let service = services[usize::try_from(rng.next(2)).unwrap()];
                let offset = rng.next(days - 3) * 86_400 + rng.next(1440) * 60;
                let started = start
                    .checked_add(jiff::SignedDuration::from_secs(
                        i64::try_from(offset).unwrap(),
                    ))
                    .unwrap();
                let detect_minutes = rng.next(30);
                let has_detected = rng.next(5) != 0;
                let repair_minutes = 30 + rng.next(300);
                let severity =
                    ["SEV1", "SEV2", "SEV3", "SEV3", "SEV4"][usize::try_from(rng.next(5)).unwrap()];
                let has_postmortem = severity != "SEV4" && rng.next(4) != 0;
                let person = PEOPLE[usize::try_from(rng.next(4)).unwrap()];
                let other = PEOPLE[usize::try_from(rng.next(4)).unwrap()];
                let at = |minutes: u64| {
                    started
                        .checked_add(jiff::SignedDuration::from_mins(
                            i64::try_from(minutes).unwrap(),
                        ))
                        .unwrap()
                        .to_string()
                };
                out.push_str(&format!(
                    "INC-{number:04},{service},{severity},{},{},{},{},{} <{}>,\"{}; {}\",paged {}\n",
                    started,
                    if has_detected { at(detect_minutes) } else { String::new() },
                    at(repair_minutes),
                    if has_postmortem {
                        format!("https://wiki.acme.dev/postmortems/INC-{number:04}")
                    } else {
                        String::new()
                    },
                    person.0,
                    person.1,
                    person.0,
                    other.1,
                    other.0,
                ));
            }
        }
        quarter = quarter.next();
    }
    out.push_str("BAD-0001,ledger,SEV2,2026-08-10T10:00:00Z,2026-08-10T10:05:00Z,2026-08-10T09:00:00Z,,Alice Liddell <alice.liddell@example.com>,,resolved before it started\n");
    out.push_str("BAD-0002,ledger,SEV2,,2026-08-11T10:05:00Z,2026-08-11T11:00:00Z,,Bob Marley <bob.marley@example.com>,,no start\n");
    out.push_str("INC-0001,ledger,SEV1,2026-08-12T10:00:00Z,,2026-08-12T11:00:00Z,,Chandra Rao <c.rao@example.org>,,an id seen before\n");
    out
}

#[test]
fn the_committed_data_set_is_the_generated_one() {
    let generated = generate_incidents();
    let path = fixtures().join("incidents.csv");
    if std::env::var_os("PRR_REGENERATE_FIXTURES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == generated,
        "tests/fixtures/reviews/incidents.csv is stale; regenerate it with \
         `PRR_REGENERATE_FIXTURES=1 cargo test --test reviews`"
    );
}

fn data_set() -> incident::Records {
    let path = fixtures().join("incidents.csv");
    incident::read_file(&path, "incidents.csv").unwrap()
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {expected}"
    );
}

/// Checks a team's figures of one quarter against values worked by hand.
#[allow(clippy::too_many_arguments)]
fn check_figures(
    services: &[&str],
    quarter: &str,
    incidents: usize,
    severities: &[(&str, usize)],
    mttr: (f64, f64),
    mttd: (f64, f64),
    mttf_hours: f64,
) {
    let records = data_set();
    let figures = figures::figures(&records.incidents, services, quarter.parse().unwrap());
    assert_eq!(figures.incidents, incidents);
    let by_severity: Vec<(&str, usize)> = figures
        .by_severity
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(by_severity, severities);
    let repair = figures.mttr.unwrap();
    close(repair.mean_minutes, mttr.0);
    close(repair.median_minutes, mttr.1);
    let detect = figures.mttd.unwrap();
    close(detect.mean_minutes, mttd.0);
    close(detect.median_minutes, mttd.1);
    close(figures.mttf_hours.unwrap(), mttf_hours);
}

// @acme/payments (payments-api, ledger), 2026Q3: INC-0159 to INC-0164. The duplicate
// INC-0001 dated 2026-08-12 is left out.
//   INC-0159 ledger       16:16 -> 17:36  repair  80 min, detected after  9
//   INC-0160 payments-api 04:43 -> 09:28  repair 285 min, detected after 25
//   INC-0161 payments-api 06:56 -> 10:26  repair 210 min, detected after 26
//   INC-0162 payments-api 12:41 -> 16:57  repair 256 min, no detection time
//   INC-0163 payments-api 19:04 -> 21:13  repair 129 min, detected after  6
//   INC-0164 payments-api 09:07 -> 12:16  repair 189 min, detected after 28
// Severities: SEV2 1 (0160), SEV3 4 (0159, 0161, 0162, 0164), SEV4 1 (0163).
// MTTR mean 1149 / 6 = 191.5 min; sorted 80 129 189 210 256 285: median (189 + 210) / 2
// = 199.5 min. MTTD over the five with a detection time: 94 / 5 = 18.8 min; sorted
// 6 9 25 26 28: median 25. MTTF: 2 services x 92 days x 1440 = 264,960 service-minutes,
// less 1149 down (no overlap) = 263,811, / 6 incidents = 43,968.5 min = 732.808333 h.
#[test]
fn payments_2026q3_matches_the_hand_worked_figures() {
    check_figures(
        &["payments-api", "ledger"],
        "2026Q3",
        6,
        &[("SEV2", 1), ("SEV3", 4), ("SEV4", 1)],
        (191.5, 199.5),
        (18.8, 25.0),
        263_811.0 / 6.0 / 60.0,
    );
}

// @acme/payments, 2026Q2 (91 days): INC-0134 to INC-0139.
//   INC-0134 payments-api 00:16 -> 03:37       repair 201, detected after 19
//   INC-0135 payments-api 06:45 -> 10:05       repair 200, no detection time
//   INC-0136 ledger       19:27 -> 22:35       repair 188, no detection time
//   INC-0137 ledger       22:52 -> 03:58 (+1d) repair 306, detected after 27
//   INC-0138 payments-api 09:49 -> 14:51       repair 302, detected after 10
//   INC-0139 payments-api 20:02 -> 21:28       repair  86, detected after  1
// MTTR mean 1283 / 6 = 213.8333; sorted 86 188 200 201 302 306: median 200.5.
// MTTD 57 / 4 = 14.25; sorted 1 10 19 27: median 14.5.
// MTTF (2 x 91 x 1440 - 1283) / 6 = 260,797 / 6 min = 724.436111 h.
#[test]
fn payments_2026q2_matches_the_hand_worked_figures() {
    check_figures(
        &["payments-api", "ledger"],
        "2026Q2",
        6,
        &[("SEV2", 2), ("SEV3", 1), ("SEV4", 3)],
        (1283.0 / 6.0, 200.5),
        (14.25, 14.5),
        260_797.0 / 6.0 / 60.0,
    );
}

// @acme/search (search-api, indexer), 2026Q3: INC-0165 to INC-0169.
//   INC-0165 indexer    22:27 -> 03:21 (+1d) repair 294, detected after 20
//   INC-0166 indexer    22:08 -> 03:01 (+1d) repair 293, detected after 22
//   INC-0167 indexer    18:25 -> 22:28       repair 243, no detection time
//   INC-0168 search-api 10:40 -> 13:28       repair 168, no detection time
//   INC-0169 search-api 21:56 -> 00:30 (+1d) repair 154, detected after 24
// MTTR 1152 / 5 = 230.4; sorted 154 168 243 293 294: median 243. MTTD 66 / 3 = 22,
// median 22. MTTF (264,960 - 1152) / 5 = 52,761.6 min = 879.36 h.
#[test]
fn search_2026q3_matches_the_hand_worked_figures() {
    check_figures(
        &["search-api", "indexer"],
        "2026Q3",
        5,
        &[("SEV1", 1), ("SEV3", 4)],
        (230.4, 243.0),
        (22.0, 22.0),
        879.36,
    );
}

// @acme/search, 2026Q2: INC-0140 to INC-0143.
//   INC-0140 indexer    06:08 -> 10:45       repair 277, detected after  3
//   INC-0141 search-api 06:54 -> 12:17       repair 323, detected after 24
//   INC-0142 indexer    22:36 -> 03:52 (+1d) repair 316, detected after 14
//   INC-0143 search-api 14:44 -> 17:36       repair 172, detected after 21
// MTTR 1088 / 4 = 272; sorted 172 277 316 323: median 296.5. MTTD 62 / 4 = 15.5; sorted
// 3 14 21 24: median 17.5. MTTF (262,080 - 1088) / 4 = 65,248 min = 1087.466667 h.
#[test]
fn search_2026q2_matches_the_hand_worked_figures() {
    check_figures(
        &["search-api", "indexer"],
        "2026Q2",
        4,
        &[("SEV1", 1), ("SEV2", 1), ("SEV3", 2)],
        (272.0, 296.5),
        (15.5, 17.5),
        65_248.0 / 60.0,
    );
}

fn prr() -> Command {
    Command::cargo_bin("prr").unwrap()
}

/// Runs the review of 2026Q3 over the data set, every format to a file; returns the
/// markdown, HTML and JSON texts and stderr.
fn review_outputs(incidents: &[&Path]) -> (String, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = Vec::new();
    for file in incidents {
        args.push("--incidents");
        args.push(file.to_str().unwrap());
    }
    let (code, markdown, html, json, terminal) = review_quarterly(prr(), dir.path(), &args);
    assert_eq!(code, Some(0), "{terminal}");
    (markdown, html, json, terminal)
}

#[test]
fn bad_records_are_reported_at_their_line_and_left_out() {
    let (markdown, _, json, stderr) = review_outputs(&[&fixtures().join("incidents.csv")]);
    assert!(
        stderr.contains("incidents.csv:187:1: resolved before it started"),
        "{stderr}"
    );
    assert!(
        stderr.contains("incidents.csv:188:1: missing started"),
        "{stderr}"
    );
    assert!(
        stderr.contains("incidents.csv:189:1: duplicate incident id `INC-0001` (first at"),
        "{stderr}"
    );
    let review: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(review["left_out"].as_array().unwrap().len(), 3);
    assert_eq!(review["incidents_used"], 185);
    assert!(markdown.contains("185 incident records used, 3 left out"));
    // The duplicate's own times never count: payments has the six incidents worked above.
    let payments = review["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == "@acme/payments")
        .unwrap();
    assert_eq!(payments["figures"]["incidents"], 6);
    assert_eq!(payments["figures"]["mttr"]["median_minutes"], 199.5);
    assert_eq!(payments["trend"].as_array().unwrap().len(), 4);
}

#[test]
fn no_person_named_in_any_record_reaches_any_output() {
    let (markdown, html, json, stderr) = review_outputs(&[&fixtures().join("incidents.csv")]);
    let source = std::fs::read_to_string(fixtures().join("incidents.csv")).unwrap();
    for (name, email) in PEOPLE {
        assert!(
            source.contains(name) && source.contains(email),
            "the data set names {name}"
        );
        let first = name.split(' ').next().unwrap();
        for (format, text) in [
            ("markdown", &markdown),
            ("html", &html),
            ("json", &json),
            ("stderr", &stderr),
        ] {
            for needle in [name, email, first] {
                assert!(!text.contains(needle), "{format} names `{needle}`");
            }
        }
    }
    assert!(
        !json.contains('@') || !json.contains("example."),
        "an email address in the JSON"
    );
}

#[test]
fn the_html_pack_is_self_contained_with_an_svg_trend_chart_per_team() {
    let (_, html, _, _) = review_outputs(&[&fixtures().join("incidents.csv")]);
    // One pair of charts for the organisation and one per team (every team of the data
    // set has incidents): incidents and median MTTR, each on its own scale.
    assert_eq!(
        html.matches("<svg class=\"trend-chart incidents-chart\"")
            .count(),
        6
    );
    assert_eq!(
        html.matches("<svg class=\"trend-chart mttr-chart\"")
            .count(),
        6
    );
    assert!(html.contains("<polyline class=\"mttr-median\""));
    for axis in [
        ">incidents</text>",
        ">median MTTR (hours)</text>",
        ">quarter</text>",
    ] {
        assert!(html.contains(axis), "no axis title {axis}");
    }
    assert!(!html.contains("<script"));
    assert!(!html.contains(" src="), "nothing is loaded from elsewhere");
    assert!(html.contains("<a href=\"https://wiki.acme.dev/postmortems/INC-0161\">"));
}

#[test]
fn overdue_reviews_come_from_the_manifests() {
    let (markdown, _, json, _) = review_outputs(&[&fixtures().join("incidents.csv")]);
    let review: serde_json::Value = serde_json::from_str(&json).unwrap();
    let overdue: Vec<(String, String)> = review["teams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["overdue_reviews"].as_array().unwrap().clone())
        .map(|o| {
            (
                o["service"].as_str().unwrap().to_owned(),
                o["review"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // ledger's MTTR/MTTF review of 2026-06-30 fell due 92 days later, on 2026-09-30;
    // scheduler records no toil review.
    assert_eq!(
        overdue,
        [
            ("ledger".to_owned(), "mttr_mttf".to_owned()),
            ("scheduler".to_owned(), "toil".to_owned())
        ]
    );
    assert!(markdown.contains("| `ledger` | `mttr_mttf` | 2026-06-30 | 2026-09-30 |"));
}

#[test]
fn a_json_incident_file_and_a_pagerduty_list_read_the_same_fields() {
    let (_, _, json, stderr) = review_outputs(&[
        &fixtures().join("incidents.json"),
        &fixtures().join("pagerduty.json"),
    ]);
    let review: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(review["incidents_used"], 3, "{stderr}");
    assert!(
        stderr.contains("incidents.json:21:3: detected before it started"),
        "{stderr}"
    );
    assert!(stderr.contains("pagerduty.json"), "{stderr}");
    for (name, email) in PEOPLE {
        assert!(!json.contains(name) && !json.contains(email));
        assert!(!stderr.contains(name) && !stderr.contains(email));
    }
}

#[test]
fn an_incident_file_without_a_required_column_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("incidents.csv");
    std::fs::write(
        &file,
        "id,service,started,resolved\nA,ledger,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z\n",
    )
    .unwrap();
    let out = prr()
        .args(["review", "quarterly", "--quarter", "2026Q3"])
        .arg("--manifest")
        .arg(fixtures().join("services"))
        .arg("--incidents")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("incidents.csv:1:1") && stderr.contains("no column severity"),
        "{stderr}"
    );
}

#[test]
fn chromium_finds_the_trend_charts_in_the_html_pack() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let (_, html, _, _) = review_outputs(&[&fixtures().join("incidents.csv")]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("review.html");
    std::fs::write(&page, html).unwrap();
    // The DOM as the browser built it: each chart parsed as SVG, with its bars or the
    // median MTTR line inside it (markup the parser had to repair would move them out).
    let dom = browser::dump_dom(&chromium, &page);
    let charts = |class: &str| -> Vec<String> {
        dom.split(&format!("<svg class=\"trend-chart {class}\""))
            .skip(1)
            .map(|rest| rest.split("</svg>").next().unwrap().to_owned())
            .collect()
    };
    let bars = charts("incidents-chart");
    assert_eq!(bars.len(), 6, "{dom}");
    for chart in bars {
        assert_eq!(chart.matches("<rect class=\"incidents\"").count(), 4);
        assert!(chart.contains(">incidents</text>") && chart.contains(">quarter</text>"));
    }
    let lines = charts("mttr-chart");
    assert_eq!(lines.len(), 6, "{dom}");
    for chart in lines {
        assert!(chart.contains("<polyline class=\"mttr-median\""));
        assert!(chart.contains(">median MTTR (hours)</text>"));
    }
}

fn layout() -> PathBuf {
    fixtures().join("layout")
}

/// `prr review quarterly` of 2026Q3 over the layout fixture, every format to a file in
/// `dir`, with `extra` arguments; returns the exit code, markdown, HTML, JSON and stderr.
fn layout_review(
    dir: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, String, String, String, String) {
    let mut command = prr();
    command
        .current_dir(dir)
        .env_remove("GITHUB_TOKEN")
        .env("PRR_GITHUB_BACKOFF_MS", "10")
        .args([
            "review",
            "quarterly",
            "--quarter",
            "2026Q3",
            "--as-of",
            "2026-11-20",
        ])
        .arg("--manifest")
        .arg(layout())
        .arg("--incidents")
        .arg(layout().join("incidents.csv"))
        .args([
            "--format",
            "markdown=r.md",
            "--format",
            "html=r.html",
            "--format",
            "json=r.json",
        ])
        .args(extra);
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    (
        out.status.code(),
        read("r.md"),
        read("r.html"),
        read("r.json"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A loopback address on which nothing listens: connections to it are refused.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_pack_opens_on_the_organisation_and_orders_teams_by_need() {
    let dir = tempfile::tempdir().unwrap();
    let (code, markdown, _, json, stderr) = layout_review(dir.path(), &["--toil", "off"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let review: serde_json::Value = serde_json::from_str(&json).unwrap();
    let teams: Vec<&str> = review["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["team"].as_str().unwrap())
        .collect();
    // Incidents first, then overdue reviews; the quiet teams after, in name order.
    assert_eq!(
        teams,
        [
            "@acme/gamma",
            "@acme/delta",
            "@acme/alpha",
            "@acme/beta",
            "@acme/checkout"
        ]
    );
    assert_eq!(
        review["organisation"]["attention"],
        serde_json::json!(["@acme/gamma", "@acme/delta"])
    );
    // The SEV1 of a service no manifest names counts for the organisation, and stands out.
    assert_eq!(review["organisation"]["figures"]["incidents"], 5);
    assert_eq!(review["unowned_without_postmortem"][0]["incident"], "X-1");
    let at = |needle: &str| {
        markdown
            .find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in\n{markdown}"))
    };
    let order = [
        at("## Organisation, 2026Q3"),
        at("MTTF is the mean operating time between failures"),
        at("### Teams that need attention"),
        at("## Severe incidents without a postmortem or a team"),
        at("## Team @&#8203;acme/gamma"),
        at("## Team @&#8203;acme/delta"),
        at("## Quiet teams"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{order:?}\n{markdown}"
    );
    // Quiet teams are one short list, not sections of empty tables.
    assert!(!markdown.contains("## Team @&#8203;acme/alpha"));
    assert!(markdown.contains("| @&#8203;acme/alpha | `alpha` | not read (--toil off) |"));
    assert!(markdown
        .contains("| `X-1` | `payments-edge` | SEV1 | 2026-09-03T02:00:00Z | **missing** |"));
    // `--toil off` asked nothing of GitHub and says so.
    assert!(!stderr.contains("toil"), "{stderr}");
}

#[test]
fn incident_fields_are_inert_in_the_markdown_pack() {
    let dir = tempfile::tempdir().unwrap();
    let (code, markdown, html, _, stderr) = layout_review(dir.path(), &["--toil", "off"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // Markdown escapes `<` with a backslash, and a code span shows its text as it is:
    // only an unescaped `<` outside code opens HTML.
    let outside_code: String = markdown.split('`').step_by(2).collect();
    let unescaped = |text: &str, needle: &str| {
        text.match_indices(needle)
            .any(|(at, _)| !text[..at].ends_with('\\'))
    };
    for raw in ["<script", "<img", "<javascript:", "](javascript:"] {
        assert!(
            !unescaped(&outside_code, raw),
            "`{raw}` in the markdown:\n{markdown}"
        );
        assert!(!html.contains(raw), "`{raw}` in the HTML");
    }
    assert!(
        markdown.contains(
            "| `<script>alert(1)</script>` | `gamma-db` | \\<img src=x onerror=alert(1)\\> |"
        ),
        "{markdown}"
    );
    assert!(!html.contains("href=\"javascript:"));
    let Some(cmark) = browser::cmark_gfm() else {
        return;
    };
    // As GitHub renders it: no element from the data, no link to a script, and no
    // mention of a team.
    let rendered = browser::gfm_to_html(&cmark, &markdown);
    for element in [
        "<script",
        "<img",
        "href=\"javascript:",
        "onerror=\"",
        ">@acme",
    ] {
        assert!(!rendered.contains(element), "`{element}` in\n{rendered}");
    }
    assert!(rendered.contains("<a href=\"https://wiki.acme.dev/postmortems/G-5\">"));
    assert!(
        rendered.contains("javascript:alert(1)"),
        "the URL is still shown as text"
    );
}

#[test]
fn an_unreachable_backlog_and_a_broken_manifest_still_write_the_pack_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let broken = fixtures().join("broken");
    let broken = broken.to_str().unwrap();
    for api in [refused_url(), "https://api.github.invalid".to_owned()] {
        let (code, markdown, html, json, stderr) = layout_review(
            dir.path(),
            &["--manifest", broken],
            &[("GITHUB_API_URL", &api)],
        );
        assert_eq!(code, Some(0), "{stderr}");
        // Both on stderr, and both at the top of every format.
        assert!(
            stderr.contains("warning: toil figures not available for checkout-web: ")
                && stderr.contains("cannot reach the API"),
            "{stderr}"
        );
        assert!(
            stderr.contains("broken/prr.toml:4:15: TOML syntax"),
            "file:line:column of the manifest: {stderr}"
        );
        // Neither a refused connection nor a name that does not resolve is asked again.
        assert!(!stderr.contains("gave up after"), "{stderr}");
        let top = markdown.find("## Organisation").unwrap();
        let warning = markdown.find("> [!WARNING]").unwrap();
        assert!(warning < top);
        assert!(markdown[..top].contains("toil figures not available for checkout-web"));
        assert!(markdown[..top].contains("broken/prr.toml:4:15"));
        assert!(
            html.find("id=\"unavailable\"").unwrap() < html.find("id=\"organisation\"").unwrap()
        );
        let review: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(review["unavailable"].as_array().unwrap().len(), 2, "{json}");
        // The figures are all there: the review, not the toil, is what the pack is for.
        assert_eq!(review["organisation"]["figures"]["incidents"], 5);
        let checkout = review["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team"] == "@acme/checkout")
            .unwrap();
        let backlog = &checkout["toil"]["backlogs"][0];
        assert!(backlog["figures"].is_null());
        assert!(backlog["unavailable"]
            .as_str()
            .unwrap()
            .contains("cannot reach the API"));
    }
}

#[test]
fn no_readable_incident_source_is_exit_2_and_one_of_two_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let (code, markdown, _, json, stderr) = layout_review(
        dir.path(),
        &["--toil", "off", "--incidents", missing.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("incident source") && stderr.contains("missing.csv"),
        "{stderr}"
    );
    assert!(markdown.contains("incident source"), "{markdown}");
    let review: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(review["incidents_used"], 9);

    let out = prr()
        .current_dir(dir.path())
        .args([
            "review",
            "quarterly",
            "--quarter",
            "2026Q3",
            "--toil",
            "off",
        ])
        .arg("--manifest")
        .arg(layout())
        .arg("--incidents")
        .arg(&missing)
        .arg("--incidents")
        .arg(dir.path().join("also-missing.csv"))
        .args(["--format", "markdown=r2.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !dir.path().join("r2.md").exists(),
        "no pack without incidents"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no incident source could be read") && stderr.contains("also-missing.csv"),
        "{stderr}"
    );
}

#[test]
fn chromium_shows_teams_with_incidents_first() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (code, _, _, _, stderr) = layout_review(dir.path(), &["--toil", "off"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let dom = browser::dump_dom(&chromium, &dir.path().join("r.html"));
    let first_team = dom.find("<section class=\"team\"").expect("a team section");
    let section = &dom[first_team..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("data-incidents=\"4\""), "{section}");
    assert!(section.contains("Team @acme/gamma"), "{section}");
    let position = |needle: &str| dom.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(position("id=\"organisation\"") < position("id=\"unowned\""));
    assert!(position("id=\"unowned\"") < first_team);
    assert!(first_team < position("id=\"quiet\""));
    // The quiet teams are rows of one table, not sections.
    assert_eq!(dom.matches("<section class=\"team\"").count(), 2);
}

fn repository_with_incidents(incidents: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ready = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ready/prr.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("prr.toml"), ready).unwrap();
    std::fs::create_dir_all(dir.path().join("pack")).unwrap();
    std::fs::write(
        dir.path().join("pack/pack.toml"),
        "[pack]\nname = \"acme\"\nextends = [\"builtin\"]\n\n[source.incidents]\nfiles = [\"ops/incidents.csv\"]\n\n[override.\"incidents.postmortem\"]\nenabled = true\n",
    )
    .unwrap();
    if let Some(text) = incidents {
        std::fs::create_dir_all(dir.path().join("ops")).unwrap();
        std::fs::write(dir.path().join("ops/incidents.csv"), text).unwrap();
    }
    dir
}

/// `prr check` of the repository as of 2027-02-15 (after the rule's `enforce_after`; the
/// last full quarter is 2026Q4): exit code and the JSON report's results by rule.
fn check_with(dir: &Path, rules: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = prr()
        .current_dir(dir)
        .args([
            "check",
            "--as-of",
            "2027-02-15",
            "--format",
            "json",
            "--rules",
            rules,
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("a JSON report: {}", String::from_utf8_lossy(&out.stderr)));
    let results = report["results"].as_array().cloned().unwrap_or_default();
    (out.status.code(), results)
}

fn results_of<'a>(results: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    results.iter().filter(|r| r["rule"] == rule).collect()
}

#[test]
fn the_gate_reads_the_packs_incident_records_for_postmortems_and_the_review_message() {
    // payments-api in 2026Q4: INC-2 (SEV1) has no postmortem, INC-1 (SEV2) has one, INC-3
    // is not severe; INC-4 (SEV1) is of another service, INC-5 of 2026Q3.
    let dir = repository_with_incidents(Some(
        "id,service,severity,started,resolved,postmortem,commander\n\
         INC-1,payments-api,SEV2,2026-10-03T10:00:00Z,2026-10-03T11:00:00Z,https://wiki.acme.dev/pm/1,Alice Liddell\n\
         INC-2,payments-api,SEV1,2026-11-20T08:00:00Z,2026-11-20T09:30:00Z,,Bob Marley\n\
         INC-3,payments-api,SEV4,2026-12-01T08:00:00Z,2026-12-01T08:10:00Z,,\n\
         INC-4,ledger,SEV1,2026-12-02T08:00:00Z,2026-12-02T08:10:00Z,,\n\
         INC-5,payments-api,SEV1,2026-08-02T08:00:00Z,2026-08-02T08:10:00Z,,\n",
    ));
    let (code, results) = check_with(dir.path(), "pack");
    assert_eq!(code, Some(1), "{results:#?}");
    let postmortem = results_of(&results, "incidents.postmortem");
    assert_eq!(postmortem.len(), 1, "{postmortem:#?}");
    assert_eq!(postmortem[0]["status"], "fail");
    assert_eq!(postmortem[0]["severity"], "error");
    let message = postmortem[0]["message"].as_str().unwrap();
    assert!(
        message.contains("severe incident INC-2 (SEV1") && message.contains("2026Q4"),
        "{message}"
    );
    let review = results_of(&results, "review.mttr-mttf-fresh");
    let message = review[0]["message"].as_str().unwrap();
    assert!(
        message.contains("incident figures exist up to 2026Q4")
            && message.contains("prr review quarterly --quarter 2026Q4"),
        "{message}"
    );
    let text = serde_json::to_string(&results).unwrap();
    for (name, _) in PEOPLE {
        assert!(!text.contains(name), "the report names {name}");
    }

    // With the postmortem written the rule passes, and says how many it checked.
    let fixed = std::fs::read_to_string(dir.path().join("ops/incidents.csv"))
        .unwrap()
        .replace("09:30:00Z,,", "09:30:00Z,https://wiki.acme.dev/pm/2,");
    std::fs::write(dir.path().join("ops/incidents.csv"), fixed).unwrap();
    let (_, results) = check_with(dir.path(), "pack");
    let postmortem = results_of(&results, "incidents.postmortem");
    assert_eq!(postmortem[0]["status"], "pass", "{postmortem:#?}");
    assert!(
        postmortem[0]["message"]
            .as_str()
            .unwrap()
            .contains("all 2 severe incidents of `payments-api` in 2026Q4"),
        "{postmortem:#?}"
    );

    // The built-in pack has the rule off: no result, and the review message is unchanged.
    let (_, results) = check_with(dir.path(), "builtin");
    assert!(results_of(&results, "incidents.postmortem").is_empty());
    let review = results_of(&results, "review.mttr-mttf-fresh");
    assert!(!review[0]["message"]
        .as_str()
        .unwrap()
        .contains("incident figures"));
}

#[test]
fn incident_records_that_cannot_be_read_are_could_not_verify_never_a_pass() {
    let dir = repository_with_incidents(None);
    let (_, results) = check_with(dir.path(), "pack");
    let postmortem = results_of(&results, "incidents.postmortem");
    assert_eq!(postmortem.len(), 1, "{postmortem:#?}");
    assert_ne!(postmortem[0]["status"], "pass");
    let message = postmortem[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("could not verify: the incident records (ops/incidents.csv)"),
        "{message}"
    );
}

/// The gate reads incident records as the review does: one resolved after the run's date
/// (and a day), such as in the year 9999, is left out rather than counted, so it can make
/// no figure and no finding of its own.
#[test]
fn the_gate_leaves_out_incident_records_from_after_the_run() {
    let dir = repository_with_incidents(Some(
        "id,service,severity,started,resolved,postmortem\n\
         INC-1,payments-api,SEV2,2026-10-03T10:00:00Z,2026-10-03T11:00:00Z,https://wiki.acme.dev/pm/1\n\
         INC-9,payments-api,SEV1,2026-11-20T08:00:00Z,9999-01-01T00:00:00Z,\n",
    ));
    let (_, results) = check_with(dir.path(), "pack");
    let postmortem = results_of(&results, "incidents.postmortem");
    assert_eq!(postmortem[0]["status"], "pass", "{postmortem:#?}");
    let text = serde_json::to_string(&results).unwrap();
    assert!(!text.contains("INC-9"), "{text}");
    // The same file with the record resolved in time: it counts, and it fails the rule.
    let fixed = std::fs::read_to_string(dir.path().join("ops/incidents.csv"))
        .unwrap()
        .replace("9999-01-01T00:00:00Z", "2026-11-20T09:00:00Z");
    std::fs::write(dir.path().join("ops/incidents.csv"), fixed).unwrap();
    let (_, results) = check_with(dir.path(), "pack");
    let postmortem = results_of(&results, "incidents.postmortem");
    assert_eq!(postmortem[0]["status"], "fail", "{postmortem:#?}");
    assert!(postmortem[0]["message"].as_str().unwrap().contains("INC-9"));
}

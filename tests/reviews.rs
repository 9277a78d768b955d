//! `prr review quarterly`: the incident file readers, the figures against hand-worked
//! values on the committed data set, the formats, and blamelessness.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use prr_gate::review::figures::{self, Quarter};
use prr_gate::review::incident;

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

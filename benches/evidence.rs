//! The evidence stage against a real, local Prometheus (Debian's package, backfilled with
//! 28 days of counters as the tests do): one service with 10 SLOs (20 SLI queries over 28
//! days) and 4 alerting rules. Target: under 1 s. Run with `cargo bench --bench evidence`;
//! without Prometheus installed it says so and measures nothing.

#[path = "../tests/common/prometheus.rs"]
mod prometheus;

use std::fmt::Write as _;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use prr_gate::evidence::prometheus::{gather, queries_of, Client, Config};
use prr_gate::manifest::Manifest;

const SLOS: usize = 10;

/// A manifest with 10 SLOs, each measured on its own job, and its 4 golden signals' alerts.
fn manifest() -> String {
    let mut text = String::from(
        "[service]\nname = \"payments\"\ntier = 1\nlifecycle = \"production\"\n\
         [docs]\nrunbook = \"https://wiki.acme.dev/payments/runbook\"\n\
         [monitoring.alerts]\nlatency = \"PaymentsLatencyHigh\"\ntraffic = \"PaymentsTrafficLow\"\n\
         errors = \"PaymentsErrorsHigh\"\nsaturation = \"PaymentsSaturationHigh\"\n",
    );
    for i in 0..SLOS {
        write!(
            text,
            "[[slo]]\nname = \"slo{i}\"\ntarget = 99.9\nwindow = \"28d\"\n[slo.sli]\n\
             good = 'sum(increase(http_requests_total{{job=\"pay{i}\",code!~\"5..\"}}[{{{{window}}}}]))'\n\
             total = 'sum(increase(http_requests_total{{job=\"pay{i}\"}}[{{{{window}}}}]))'\n"
        )
        .unwrap();
    }
    text
}

fn bench(c: &mut Criterion) {
    let traffic: Vec<prometheus::Traffic> = (0..SLOS)
        .map(|i| prometheus::Traffic::new(&format!("pay{i}"), 999, 1))
        .collect();
    let Some(server) = prometheus::Prometheus::start(&traffic, &["payments.rules.yml"]) else {
        return;
    };
    let manifest = Manifest::from_text("prr.toml", &manifest()).expect("the manifest parses");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let config = Config {
        url: server.url(),
        token: None,
        timeout: Duration::from_secs(5),
    };
    let bound = Duration::from_secs(10);
    // The work of one `prr check`: a client, every SLI query and the alerting rules.
    let once = || {
        runtime.block_on(async {
            let client = Client::new(&config).expect("a client");
            let deadline = tokio::time::Instant::now() + bound;
            let gathering = gather(&client, queries_of([&manifest]), deadline, bound).await;
            let evidence = gathering.readings(&manifest);
            assert_eq!(evidence.queries.len(), 2 * SLOS);
            assert!(evidence.queries.values().all(Result::is_ok));
            assert_eq!(evidence.alerts.as_ref().map(|a| a.len()).ok(), Some(4));
            evidence
        })
    };
    once();
    let mut group = c.benchmark_group("evidence");
    group.sample_size(20);
    group.bench_function("10 SLOs and 4 alerts, local Prometheus", |b| b.iter(once));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

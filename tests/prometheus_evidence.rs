//! The Prometheus evidence against a real Prometheus (Debian's package): backfilled request
//! counters and alerting rules, queried by prr's own client.

#[path = "common/prometheus.rs"]
mod prometheus;

use prometheus::{Prometheus, Traffic};

#[test]
fn the_backfilled_counters_are_queryable_now() {
    let Some(server) =
        Prometheus::start(&[Traffic::new("payments", 999, 1)], &["payments.rules.yml"])
    else {
        return;
    };
    let good =
        server.query(r#"sum(increase(http_requests_total{job="payments",code!~"5.."}[28d]))"#);
    let total = server.query(r#"sum(increase(http_requests_total{job="payments"}[28d]))"#);
    eprintln!("{good}\n{total}");
}

//! The Prometheus evidence against a real Prometheus (Debian's package): backfilled request
//! counters and alerting rules, read by prr's own client.

#[path = "common/prometheus.rs"]
mod prometheus;

use std::time::Duration;

use prometheus::{Prometheus, Traffic};
use prr_gate::evidence::prometheus::{Answer, Client, Config};

fn client(server: &Prometheus) -> Client {
    Client::new(&Config {
        url: server.url(),
        token: None,
        timeout: Duration::from_secs(10),
    })
    .expect("a client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn the_client_reads_alerting_rules_and_backfilled_counters() {
    let Some(server) =
        Prometheus::start(&[Traffic::new("payments", 999, 1)], &["payments.rules.yml"])
    else {
        return;
    };
    let prom = client(&server);
    runtime().block_on(async {
        let alerts = prom.alert_rules().await.expect("the rules");
        // The recording rule in the same group is not an alert.
        assert_eq!(
            alerts.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "PaymentsErrorsHigh",
                "PaymentsLatencyHigh",
                "PaymentsSaturationHigh",
                "PaymentsTrafficLow"
            ]
        );
        assert_eq!(
            alerts["PaymentsErrorsHigh"].runbook_url.as_deref(),
            Some("https://wiki.acme.dev/payments/old-runbook")
        );
        assert_eq!(alerts["PaymentsTrafficLow"].runbook_url, None);

        let value = |answer: Answer| match answer {
            Answer::Series(series) if series.len() == 1 => series[0].value,
            other => panic!("expected one series, got {other:?}"),
        };
        // 999 good and 1 bad request a minute: good / total is 0.999 over any window the
        // data covers, whatever increase() extrapolates at the window's edges (it does so
        // for both series alike: they share their sample times), to float rounding.
        let good = value(
            prom.query(r#"sum(increase(http_requests_total{job="payments",code!~"5.."}[28d]))"#)
                .await
                .expect("an answer"),
        );
        let total = value(
            prom.query(r#"sum(increase(http_requests_total{job="payments"}[28d]))"#)
                .await
                .expect("an answer"),
        );
        assert!(total > 0.0);
        assert!((good / total - 0.999).abs() < 1e-6, "{good} / {total}");

        let nothing = prom
            .query(r#"sum(increase(http_requests_total{job="nobody"}[28d]))"#)
            .await
            .expect("an answer");
        assert_eq!(nothing, Answer::Series(Vec::new()));

        match prom.query("sum(increase(http_requests_total[28d]").await {
            Ok(Answer::Rejected(why)) => assert!(why.contains("parse error"), "{why}"),
            other => panic!("expected a refused query, got {other:?}"),
        }
    });
}

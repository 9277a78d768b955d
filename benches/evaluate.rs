//! Parse + evaluate with the built-in pack: one manifest, and 10,000 manifests.
//! Run with `cargo bench --bench evaluate`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use prr_gate::engine;
use prr_gate::manifest::Manifest;
use prr_gate::rules::{self, RulesSource};

const READY: &str = include_str!("../examples/ready/prr.toml");
const UNREADY: &str = include_str!("../examples/unready/prr.toml");

fn bench(c: &mut Criterion) {
    let set =
        rules::load(&[RulesSource::Builtin], Path::new(".")).expect("the built-in pack loads");
    let as_of = "2026-11-21".parse().expect("a date");

    c.bench_function("load the built-in pack", |b| {
        b.iter(|| {
            rules::load(black_box(&[RulesSource::Builtin]), Path::new(".")).map(|s| s.rules.len())
        });
    });

    let mut one = c.benchmark_group("one manifest");
    for (name, text) in [("ready", READY), ("unready", UNREADY)] {
        one.bench_function(name, |b| {
            b.iter(|| {
                let manifest = Manifest::from_text("prr.toml", black_box(text)).expect("parses");
                engine::evaluate(&manifest, &set, as_of).findings.len()
            });
        });
    }
    one.finish();

    // 10,000 distinct manifests (names differ), half ready and half unready.
    let texts: Vec<String> = (0..10_000)
        .map(|i| {
            let base = if i % 2 == 0 { READY } else { UNREADY };
            base.replacen("name = \"", &format!("name = \"svc{i}-"), 1)
        })
        .collect();
    let mut many = c.benchmark_group("10,000 manifests");
    many.sample_size(10);
    many.throughput(Throughput::Elements(texts.len() as u64));
    many.bench_function("parse + evaluate", |b| {
        b.iter_batched(
            || texts.clone(),
            |texts| {
                texts
                    .iter()
                    .map(|text| {
                        let manifest = Manifest::from_text("prr.toml", text).expect("parses");
                        engine::evaluate(&manifest, &set, as_of).findings.len()
                    })
                    .sum::<usize>()
            },
            BatchSize::LargeInput,
        );
    });
    many.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

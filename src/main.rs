//! `prr`: the thin binary over the `prr_gate` library.

fn main() -> std::process::ExitCode {
    prr_gate::cli::main()
}

/// mimalloc: faster than the system's allocator for the many small strings a run of
/// thousands of manifests makes on every core (Cargo.toml says why, docs/performance.md how
/// much).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

//! `prr`: the thin binary over the `prr_gate` library.

fn main() -> std::process::ExitCode {
    prr_gate::cli::main()
}

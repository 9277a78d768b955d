//! The platform team's toolkit: what the people who write an organisation's rules, and the
//! teams starting a new service, use besides `prr check`. Pure functions from a loaded pack
//! (or a few answers) to findings or text; the commands in `cli` only read and write.
//!
//! - [`lint`]: a pack's rules judged as rules (ids, documentation, examples, dates).
//! - [`reference`]: a pack described for people (`prr rules list`, `prr explain`,
//!   `docs/rules.md`).
//! - [`init`]: the commented `prr.toml` that `prr init` writes.

pub mod export;
pub mod init;
pub mod lint;
pub mod reference;

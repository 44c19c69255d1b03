//! The `skillmeat` CLI with the `failpoints` feature: `SKILLMEAT_FAILPOINT=<name>`
//! aborts it at that point. Used only by the crash-safety tests.

fn main() {
    std::process::exit(skillmeat::cli::run());
}

//! The `skillmeat` command line.

fn main() {
    std::process::exit(skillmeat::cli::run());
}

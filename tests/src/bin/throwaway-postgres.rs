//! `throwaway-postgres <command> [args…]`: runs the command with a throwaway
//! PostgreSQL cluster up (`skillmeat_tests::postgres`), its admin URL in
//! `SKILLMEAT_TEST_DATABASE_URL`, and exits with the command's status once
//! the cluster is stopped. `make test-postgres` runs the engine's tests
//! under it.

use std::process::Command;

use skillmeat_tests::postgres::Cluster;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: throwaway-postgres <command> [args…]");
        std::process::exit(1);
    };
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("throwaway-postgres: {e}");
            std::process::exit(1);
        }
    };
    let status = Command::new(&program)
        .args(args)
        .env("SKILLMEAT_TEST_DATABASE_URL", cluster.url("postgres"))
        .status();
    drop(cluster);
    match status {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => {
            eprintln!("throwaway-postgres: {}: {e}", program.to_string_lossy());
            std::process::exit(1);
        }
    }
}

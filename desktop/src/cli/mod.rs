//! The `skillmeat` CLI: argument parsing and printing, nothing else. Every
//! handler calls one engine function and prints its result.
//!
//! Exit codes: 0 success, 1 a problem with the user's input, 2 internal.

mod hash;
mod inspect;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "skillmeat",
    version,
    about = "Collection manager for Claude Code skills, commands, agents, hooks, MCP servers and the plugins that bundle them"
)]
struct Cli {
    /// Log format on stderr (`SKILLMEAT_LOG` sets the filter, e.g. `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogArg::Text)]
    log_format: LogArg,

    /// More logging (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical content hash of files or folders, like sha256sum.
    Hash {
        /// Files or folders to hash.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print JSON: [{"path", "content_hash", "kind", "files"}].
        #[arg(long)]
        json: bool,
    },
    /// Show the plugins in a folder (plugin, marketplace or repository) with their children and hashes.
    Inspect {
        /// A plugin folder, a marketplace folder, or a folder of plugins.
        path: PathBuf,
        /// Print JSON: {"plugins": [...]}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let format = match cli.log_format {
        LogArg::Text => LogFormat::Text,
        LogArg::Json => LogFormat::Json,
    };
    telemetry::init(format, cli.verbose);
    let result = match cli.command {
        Command::Hash { paths, json } => hash::run(&paths, json),
        Command::Inspect { path, json } => inspect::run(&path, json),
    };
    match result {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// Prints an error the way every command does and returns its exit code.
fn report(e: &Error) -> i32 {
    let _ = writeln!(std::io::stderr(), "skillmeat: error: {e}");
    e.exit_code()
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Internal(format!("writing to stdout: {e}"))),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("serialising JSON: {e}")))
}

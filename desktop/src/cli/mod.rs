//! The `skillmeat` CLI: argument parsing and printing, nothing else. Every
//! handler calls one function of the operations layer ([`crate::ops`]) and
//! prints its result.
//!
//! Exit codes: 0 success, 1 a problem with the user's input, 2 internal
//! ([`ErrorCode::exit_code`](crate::error::ErrorCode::exit_code)).

mod bundle;
mod collection;
mod deploy;
mod hash;
mod inspect;
mod lifecycle;
mod updates;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use bytesize::ByteSize;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::home::Home;
use crate::ops::Scope;
use crate::ops::transfer::{
    DeployArgs, DeployMode, ExportArgs, ImportArgs, Kind, ListArgs, LockArgs, MigrateArgs,
    OutdatedArgs, Policy, PreviewArgs, ProjectArgs, RemoveArgs, ShowArgs, SizeLimits, UndeployArgs,
    UpdateArgs,
};
use crate::serve;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "skillmeat",
    version,
    about = "Collection manager for Claude Code skills, commands, agents, hooks, MCP and LSP servers and the plugins that bundle them"
)]
struct Cli {
    /// Log format on stderr (`SKILLMEAT_LOG` sets the filter, e.g. `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogArg::Text)]
    log_format: LogArg,

    /// The collection to use (created on first use).
    #[arg(
        long,
        global = true,
        default_value = "default",
        env = "SKILLMEAT_COLLECTION"
    )]
    collection: String,

    /// Keep the collection's rows in this PostgreSQL database
    /// (postgres://user:password@host:port/database) instead of the
    /// home's SQLite file.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "SKILLMEAT_DATABASE_URL",
        hide_env_values = true
    )]
    database: Option<String>,

    /// More logging (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

/// The size limits a plugin folder or bundle is read under.
#[derive(Debug, Clone, Copy, clap::Args)]
struct SizeArgs {
    /// Refuse a plugin with a file larger than this [default: 256MiB]
    /// (`512MiB`, `2GiB`, `500MB`, or bytes).
    #[arg(long, value_name = "SIZE")]
    max_file_size: Option<ByteSize>,
    /// Refuse a plugin whose files add up to more than this [default: 1GiB].
    #[arg(long, value_name = "SIZE")]
    max_plugin_size: Option<ByteSize>,
}

impl SizeArgs {
    fn limits(self) -> SizeLimits {
        SizeLimits {
            file_bytes: self.max_file_size.map(|s| s.as_u64()),
            plugin_bytes: self.max_plugin_size.map(|s| s.as_u64()),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PolicyArg {
    NewVersion,
    Keep,
    Fork,
}

impl From<PolicyArg> for Policy {
    fn from(p: PolicyArg) -> Self {
        match p {
            PolicyArg::NewVersion => Policy::NewVersion,
            PolicyArg::Keep => Policy::Keep,
            PolicyArg::Fork => Policy::Fork,
        }
    }
}

/// Which plugins of a source, and whether to fetch.
#[derive(Debug, Args)]
struct FromArgs {
    /// Only this plugin of a marketplace (repeatable); an unknown name lists the closest.
    #[arg(long = "plugin", value_name = "NAME")]
    plugins: Vec<String>,
    /// Fetch nothing: read git repositories from the cache ($SKILLMEAT_HOME/cache/git) only.
    #[arg(long)]
    offline: bool,
}

impl FromArgs {
    fn plugins(&self) -> Option<Vec<String>> {
        (!self.plugins.is_empty()).then(|| self.plugins.clone())
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    Plugin,
    Unpacked,
}

impl From<ModeArg> for DeployMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Plugin => DeployMode::Plugin,
            ModeArg::Unpacked => DeployMode::Unpacked,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Composite,
    Skill,
    Command,
    Agent,
    Hook,
    #[value(name = "mcp_server", alias = "mcp")]
    McpServer,
    #[value(name = "lsp_server", alias = "lsp")]
    LspServer,
}

impl Command {
    /// Whether the output is JSON (errors then also go to stdout as
    /// `{"error": "..."}`).
    fn wants_json(&self) -> bool {
        match self {
            Command::Hash { json, .. }
            | Command::Inspect { json, .. }
            | Command::Add { json, .. }
            | Command::Preview { json, .. }
            | Command::List { json, .. }
            | Command::Show { json, .. }
            | Command::Verify { json }
            | Command::Lock { json, .. }
            | Command::Migrate { json, .. }
            | Command::Deploy { json, .. }
            | Command::Undeploy { json, .. }
            | Command::Status { json, .. }
            | Command::Export { json, .. }
            | Command::Remove { json, .. }
            | Command::Use { json, .. }
            | Command::Outdated { json, .. }
            | Command::Update { json, .. } => *json,
            Command::Serve { .. } => false,
        }
    }
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Composite => Kind::Composite,
            KindArg::Skill => Kind::Skill,
            KindArg::Command => Kind::Command,
            KindArg::Agent => Kind::Agent,
            KindArg::Hook => Kind::Hook,
            KindArg::McpServer => Kind::McpServer,
            KindArg::LspServer => Kind::LspServer,
        }
    }
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
    /// Import a plugin or every plugin of a marketplace, each in one transaction.
    Add {
        /// A plugin or marketplace folder, a bundle zip (`skillmeat export`), or a git
        /// repository: a URL (https, ssh, git, file, user@host:path) or GitHub owner/repo,
        /// with @REF (branch, tag or commit) and #PATH (a folder in it). A path that
        /// exists on disk wins over owner/repo; gh:owner/repo forces GitHub.
        source: PathBuf,
        #[command(flatten)]
        from: FromArgs,
        /// What to do when a child's name exists with other content.
        #[arg(long, value_enum, default_value_t = PolicyArg::NewVersion)]
        on_conflict: PolicyArg,
        /// Show what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        sizes: SizeArgs,
        /// Print JSON: {"results": [ImportResult...]}.
        #[arg(long)]
        json: bool,
    },
    /// Show what an import would do: NEW, EXISTING and CONFLICT children. Writes nothing.
    Preview {
        /// A plugin or marketplace folder, a bundle zip, or a git repository (as for add).
        source: PathBuf,
        #[command(flatten)]
        from: FromArgs,
        #[arg(long, value_enum, default_value_t = PolicyArg::NewVersion)]
        on_conflict: PolicyArg,
        #[command(flatten)]
        sizes: SizeArgs,
        /// Print JSON: {"plugins": [{"name", "buckets": {"new", "existing", "conflict"}}]}.
        #[arg(long)]
        json: bool,
    },
    /// List the artifacts of the collection, plugins first.
    List {
        /// Only this type.
        #[arg(long = "type", value_enum)]
        kind: Option<KindArg>,
        /// Only names containing this (case-insensitive; `_` and a space match `-`).
        #[arg(long)]
        search: Option<String>,
        /// At most this many items.
        #[arg(long)]
        limit: Option<u32>,
        /// Skip this many items first.
        #[arg(long)]
        offset: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Details of one artifact: versions, the plugins it is part of, what it contains.
    Show {
        /// Name, id, or TYPE:NAME (`skill:brainstorming`).
        name: String,
        /// Disambiguate a name shared by several types.
        #[arg(long = "type", value_enum)]
        kind: Option<KindArg>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a plugin (with the children no other plugin contains) or one artifact,
    /// and the stored files nothing else references.
    Remove {
        /// Name, id, or TYPE:NAME (`composite:superpowers`).
        name: String,
        /// Keep a plugin's children in the collection.
        #[arg(long)]
        keep_children: bool,
        /// Remove an artifact that is part of a plugin or deployed in a project.
        #[arg(long)]
        force: bool,
        /// Print what would be removed and freed; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Make an earlier stored version of an artifact current again (plugins keep their pins).
    Use {
        /// NAME@HASH: the hash as sha256:<hex> or its first 8 or more hex characters.
        #[arg(value_name = "NAME@HASH")]
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// Check plugins against their recorded sources by content hash: up to date, changed
    /// (which children are new, changed or gone), source unreachable, source gone.
    /// Exits 0 whatever it finds.
    Outdated {
        /// Plugins to check (all when none).
        names: Vec<String>,
        /// Fetch nothing: read git repositories from the cache only.
        #[arg(long)]
        offline: bool,
        /// Print JSON: {"plugins": [{"name", "state", "children", ...}]}.
        #[arg(long)]
        json: bool,
    },
    /// Import the changed plugins again from their sources (each in one transaction).
    /// Deployed projects are not touched.
    Update {
        /// Plugins to update (all changed ones when none).
        names: Vec<String>,
        /// Print the NEW, EXISTING and CONFLICT children of each changed plugin; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// What to do when a child's name exists with other content.
        #[arg(long, value_enum, default_value_t = PolicyArg::NewVersion)]
        on_conflict: PolicyArg,
        /// Fetch nothing: read git repositories from the cache only.
        #[arg(long)]
        offline: bool,
        #[arg(long)]
        json: bool,
    },
    /// Re-hash everything stored and check the database, files and lock file agree.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Write skillmeat.lock and manifest.toml, made from the database, into a folder (what an embedded collection keeps in its folder; a collection on a database server keeps none).
    Lock {
        /// The folder to write them in.
        #[arg(short, long, default_value = ".")]
        output: PathBuf,
        /// Print JSON: {"lock", "manifest", "artifacts"}.
        #[arg(long)]
        json: bool,
    },
    /// Copy an embedded collection (every version, pin, source and deployment record, and its files) into a PostgreSQL database, then check the copy equals it; running it again copies nothing.
    Migrate {
        /// A skillmeat home (the folder with skillmeat.db; --collection picks the collection) or one of its collection folders.
        #[arg(long, value_name = "HOME_OR_FOLDER")]
        from: PathBuf,
        /// The database: postgres://user:password@host:port/database.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Print JSON: {"collection", "to", "artifacts", "rows_copied", "rows_present", "contents_copied", "contents_present", "bytes_copied"}.
        #[arg(long)]
        json: bool,
    },
    /// Deploy a plugin (all its children and files) or one artifact into a project's .claude/.
    Deploy {
        /// Plugin or artifact name (or id).
        name: String,
        /// The project's root folder.
        #[arg(long)]
        project: PathBuf,
        /// Only claude-code is supported in v1.
        #[arg(long, default_value = "claude-code")]
        platform: String,
        /// Deploy each child's current version instead of the version the plugin pins.
        #[arg(long)]
        use_current: bool,
        /// Replace files skillmeat did not write (a backup is kept next to each).
        #[arg(long)]
        force: bool,
        /// Print the planned file operations; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// plugin (the default for a plugin): its own tree in .claude/skills/<plugin>/, loaded
        /// by Claude Code as <plugin>@skills-dir, LSP servers included; unpacked (what one
        /// artifact and --use-current use): skills, commands and agents in their places, hooks
        /// merged into .claude/settings.json, MCP servers into .mcp.json, no LSP servers.
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        #[arg(long)]
        json: bool,
    },
    /// Remove exactly what a deployment wrote from a project.
    Undeploy {
        name: String,
        #[arg(long)]
        project: PathBuf,
        /// Also remove files changed since they were deployed.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Deployed artifacts of a project: ok, modified, missing or outdated.
    Status {
        #[arg(long)]
        project: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Export a plugin (or one artifact) as a reproducible bundle zip that is itself a Claude Code plugin.
    Export {
        /// Plugin or artifact name (or id).
        name: String,
        /// The zip to write, or a folder to write it in (default: ./<name>-<version>.zip).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Export files that look like secrets (.env, *.pem, *.key, id_rsa* …) instead of refusing.
        #[arg(long)]
        allow_secrets: bool,
        /// Print JSON: {"path", "content_hash", "files", "bytes"}.
        #[arg(long)]
        json: bool,
    },
    /// Serve the collection over HTTP: the browser UI at /, the API under /api/v1 (bearer token), its page at /api/docs.
    Serve {
        /// The address to listen on: loopback unless --public.
        #[arg(long, value_name = "ADDR", default_value_t = serve::DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// Read the token from this file (one line, 0600) instead of
        /// $SKILLMEAT_HOME/server-token, which is made on first start.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// Allow an address other machines can reach; deploy, undeploy and status are then
        /// refused (403).
        #[arg(long)]
        public: bool,
    },
    /// Show the plugins in a folder (plugin, marketplace or repository) with their children and hashes.
    Inspect {
        /// A plugin folder, a marketplace folder, or a folder of plugins.
        path: PathBuf,
        #[command(flatten)]
        sizes: SizeArgs,
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
    // Held to the end: dropping it flushes the spans not yet exported.
    let _telemetry = telemetry::init(format, cli.verbose);
    let json = cli.command.wants_json();
    let result = match cli.command {
        Command::Hash { paths, json } => hash::run(&paths, json),
        Command::Inspect { path, sizes, json } => inspect::run(&path, sizes.limits(), json),
        Command::Migrate { from, to, json } => {
            let args = MigrateArgs {
                from: from.display().to_string(),
                to,
                collection: cli.collection,
            };
            block_on(collection::migrate(args, json))
        }
        Command::Serve {
            listen,
            token_file,
            public,
        } => with_home(cli.database, |home| {
            let config = serve::Config {
                listen,
                collection: cli.collection,
                token_file,
                public,
            };
            serve::run(home, config)
        }),
        command => with_home(cli.database, |home| {
            let scope = Scope::per_call(home, &cli.collection);
            block_on(dispatch(&scope, command))
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if json {
                let _ = emit(&format!(
                    "{}\n",
                    serde_json::json!({ "error": e.to_string() })
                ));
            }
            report(&e)
        }
    }
}

fn with_home(
    database: Option<String>,
    f: impl FnOnce(Home) -> Result<i32, Error>,
) -> Result<i32, Error> {
    let home = Home::from_env()?.with_server(database.filter(|url| !url.is_empty()));
    f(home)
}

/// Runs a command that uses the collection.
async fn dispatch(scope: &Scope, command: Command) -> Result<i32, Error> {
    match command {
        Command::Add {
            source,
            from,
            on_conflict,
            dry_run,
            sizes,
            json,
        } => {
            let args = ImportArgs {
                path: source,
                plugins: from.plugins(),
                offline: Some(from.offline),
                policy: on_conflict.into(),
                choices: Vec::new(),
                dry_run: Some(dry_run),
                limits: sizes.limits(),
            };
            collection::add(scope, args, json).await
        }
        Command::Preview {
            source,
            from,
            on_conflict,
            sizes,
            json,
        } => {
            let args = PreviewArgs {
                path: source,
                plugins: from.plugins(),
                offline: Some(from.offline),
                policy: Some(on_conflict.into()),
                limits: sizes.limits(),
            };
            collection::preview(scope, args, json).await
        }
        Command::List {
            kind,
            search,
            limit,
            offset,
            json,
        } => {
            let args = ListArgs {
                kind: kind.map(Kind::from),
                subtype: None,
                search,
                limit,
                offset,
            };
            collection::list(scope, args, json).await
        }
        Command::Show { name, kind, json } => {
            let args = ShowArgs {
                name_or_id: name,
                kind: kind.map(Kind::from),
            };
            collection::show(scope, args, json).await
        }
        Command::Verify { json } => collection::verify(scope, json).await,
        Command::Lock { output, json } => {
            let args = LockArgs {
                out: output.display().to_string(),
            };
            collection::lock(scope, args, json).await
        }
        Command::Remove {
            name,
            keep_children,
            force,
            dry_run,
            json,
        } => {
            let args = RemoveArgs {
                name,
                keep_children,
                force,
                dry_run,
            };
            lifecycle::remove(scope, args, json).await
        }
        Command::Use { target, json } => {
            let args = lifecycle::name_at_hash(&target)?;
            lifecycle::use_version(scope, args, json).await
        }
        Command::Outdated {
            names,
            offline,
            json,
        } => {
            let args = OutdatedArgs {
                names: Some(names),
                offline: Some(offline),
            };
            updates::outdated(scope, args, json).await
        }
        Command::Update {
            names,
            dry_run,
            on_conflict,
            offline,
            json,
        } => {
            let args = UpdateArgs {
                names: Some(names),
                dry_run: Some(dry_run),
                on_conflict: Some(on_conflict.into()),
                offline: Some(offline),
            };
            updates::update(scope, args, json).await
        }
        Command::Deploy {
            name,
            project,
            platform,
            use_current,
            force,
            dry_run,
            mode,
            json,
        } => {
            let args = DeployArgs {
                name,
                project,
                platform,
                dry_run,
                use_current,
                force,
                mode: mode.map(ModeArg::into),
            };
            deploy::deploy(scope, args, json).await
        }
        Command::Undeploy {
            name,
            project,
            force,
            json,
        } => {
            let args = UndeployArgs {
                name,
                project,
                force,
            };
            deploy::undeploy(scope, args, json).await
        }
        Command::Status { project, json } => {
            let args = ProjectArgs { project };
            deploy::status(scope, args, json).await
        }
        Command::Export {
            name,
            output,
            allow_secrets,
            json,
        } => {
            let args = ExportArgs {
                name,
                out: output,
                allow_secrets: Some(allow_secrets),
            };
            bundle::export(scope, args, json).await
        }
        Command::Hash { .. }
        | Command::Inspect { .. }
        | Command::Serve { .. }
        | Command::Migrate { .. } => Ok(0),
    }
}

/// Runs a future on a single-threaded runtime (the CLI does one thing at a time).
fn block_on<F: std::future::Future<Output = Result<i32, Error>>>(f: F) -> Result<i32, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the async runtime: {e}")))?
        .block_on(f)
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

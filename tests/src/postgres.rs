//! A throwaway PostgreSQL cluster for tests (DESIGN.md §14): Debian's server
//! binaries (`initdb`, `pg_ctl`, `createdb` under
//! `/usr/lib/postgresql/<version>/bin`, the newest version found, or
//! `SKILLMEAT_PG_BIN`) start a cluster in a temp folder that listens only on
//! a Unix socket in that folder (no TCP port to collide with anyone), trust
//! authentication, and stop it (immediately: it is thrown away) when the
//! [`Cluster`] drops. Tests never depend on a server the machine happens to
//! run.
//!
//! `initdb` refuses to run as root: as root, the cluster runs as the
//! `postgres` user of Debian's package (or `nobody`), through `runuser`, and
//! the temp folder is handed to that user.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The role every test connects as (the cluster's superuser).
pub const USER: &str = "skillmeat";

/// A running throwaway cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct Cluster {
    dir: TempDir,
    bin: PathBuf,
    runner: Runner,
}

/// Why a cluster could not be started: the step and what it printed.
#[derive(Debug)]
pub struct StartError(String);

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Who runs the server's binaries: ourselves, or (as root) another user.
#[derive(Debug, Clone)]
enum Runner {
    Me,
    User(String),
}

impl Cluster {
    /// initdb + pg_ctl start in a fresh temp folder (about 1.5 s).
    pub fn start() -> Result<Cluster, StartError> {
        let bin = server_bin()?;
        let runner = runner()?;
        let dir = tempfile::Builder::new()
            .prefix("skillmeat-pg.")
            .tempdir()
            .map_err(|e| StartError(format!("a temp folder for the cluster: {e}")))?;
        if let Runner::User(user) = &runner {
            run(
                Command::new("chown").arg(user).arg(dir.path()),
                "chown of the cluster's folder",
            )?;
        }
        let cluster = Cluster { dir, bin, runner };
        cluster.initdb()?;
        cluster.pg_ctl_start()?;
        Ok(cluster)
    }

    /// The folder holding the server's Unix socket (`.s.PGSQL.5432`).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL of database `name` (`postgres` exists from the start).
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{USER}@localhost/{name}?host={}",
            self.socket_dir().display()
        )
    }

    /// Creates database `name` and returns its URL.
    pub fn database(&self, name: &str) -> Result<String, StartError> {
        let mut createdb = self.command("createdb");
        createdb
            .arg("-h")
            .arg(self.socket_dir())
            .args(["-U", USER, name]);
        run(&mut createdb, &format!("createdb {name}"))?;
        Ok(self.url(name))
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn initdb(&self) -> Result<(), StartError> {
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(self.data())
            .args(["-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .args(["--locale=C.UTF-8"]);
        run(&mut initdb, "initdb").map(drop)
    }

    fn pg_ctl_start(&self) -> Result<(), StartError> {
        // No TCP (listen_addresses ''), the socket in our folder, no fsync:
        // nothing here outlives the test.
        let options = format!(
            "-c listen_addresses= -k {} -F -c max_connections=50",
            self.socket_dir().display()
        );
        let mut start = self.command("pg_ctl");
        start
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-o", &options, "-w", "start"]);
        run(&mut start, "pg_ctl start").map(drop).map_err(|e| {
            let log = fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            StartError(format!("{e}\nserver log:\n{log}"))
        })
    }

    /// Stops the database server at once (as a crash would), keeping its
    /// data; [`Cluster::start_server`] starts it again.
    pub fn stop_server(&self) -> Result<(), StartError> {
        self.stop()
    }

    /// Starts the database server again after [`Cluster::stop_server`].
    pub fn start_server(&self) -> Result<(), StartError> {
        self.pg_ctl_start()
    }

    /// `pg_ctl stop -m immediate`: the server exits at once.
    fn stop(&self) -> Result<(), StartError> {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        run(&mut stop, "pg_ctl stop").map(drop)
    }

    /// One of the server's binaries, run as the cluster's user.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match &self.runner {
            Runner::Me => Command::new(program),
            Runner::User(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("the throwaway PostgreSQL cluster did not stop: {e}");
        }
    }
}

/// `SKILLMEAT_PG_BIN`, else the newest `/usr/lib/postgresql/<version>/bin`
/// that has `initdb`.
fn server_bin() -> Result<PathBuf, StartError> {
    if let Some(bin) = std::env::var_os("SKILLMEAT_PG_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        StartError(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin \
             (install Debian's `postgresql`: make setup)"
                .into(),
        )
    })
}

/// Ourselves, unless we are root (initdb refuses root): then `postgres`
/// when it exists, else `nobody`.
fn runner() -> Result<Runner, StartError> {
    let uid = run(Command::new("id").arg("-u"), "id -u")?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(Runner::Me);
    }
    let has_postgres = Command::new("id")
        .arg("postgres")
        .output()
        .is_ok_and(|o| o.status.success());
    Ok(Runner::User(
        if has_postgres { "postgres" } else { "nobody" }.into(),
    ))
}

fn run(command: &mut Command, what: &str) -> Result<Output, StartError> {
    let output = command
        .output()
        .map_err(|e| StartError(format!("{what}: {e}")))?;
    if output.status.success() {
        return Ok(output);
    }
    Err(StartError(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )))
}

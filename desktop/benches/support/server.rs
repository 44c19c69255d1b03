//! The real `skillmeat serve` of this build on an ephemeral loopback port
//! (the benches' copy of `tests/tests/util/server.rs`, which they cannot
//! reach): started, its token read from the startup line, stopped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `skillmeat serve`, stopped (SIGTERM) when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub token: String,
}

impl Server {
    /// `skillmeat serve --listen 127.0.0.1:0` with `SKILLMEAT_HOME=home`.
    pub fn start(home: &Path) -> Server {
        Server::start_with(home, &[])
    }

    /// [`Server::start`] with more arguments (`--database URL`).
    pub fn start_with(home: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skillmeat"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("SKILLMEAT_HOME", home)
            .env_remove("SKILLMEAT_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting skillmeat serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("its startup line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let (base, token) = url.split_once("/#token=").expect("#token= in the URL");
        Server {
            child,
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, and wait for the exit.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .arg(self.child.id().to_string())
                .status();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

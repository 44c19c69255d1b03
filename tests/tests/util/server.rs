//! A real `skillmeat serve` on an ephemeral loopback port, for the tests
//! that talk HTTP to it: started, its token read from the startup line,
//! requests with the token, stopped (SIGTERM), killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

use super::Home;

/// A running `skillmeat serve`, killed when dropped unless stopped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub token: String,
    stderr: Arc<Mutex<String>>,
    pub client: Client,
}

impl Server {
    /// `skillmeat serve --listen 127.0.0.1:0 ARGS` in `home`, once it has
    /// printed its startup line.
    pub fn start(home: &Home, args: &[&str]) -> Server {
        Server::spawn(home.cmd_std(), args, &[])
    }

    /// `command` (a `skillmeat` of some home) with
    /// `serve --listen 127.0.0.1:0 ARGS` and the variables `env`.
    pub fn spawn(
        mut command: std::process::Command,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawning skillmeat serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("the stderr buffer").push_str(&text);
            }
        });
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the startup line within 30 s");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in the startup line {line:?}"));
        let (base, token) = url
            .split_once("/#token=")
            .unwrap_or_else(|| panic!("no #token= in {url:?}"));
        let client = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Server {
            child,
            base: base.to_owned(),
            addr: base.trim_start_matches("http://").to_owned(),
            token: token.to_owned(),
            stderr,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with the token.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    /// POST of a JSON body with the token.
    pub fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
    }

    /// PUT of raw bytes with the token.
    pub fn put(&self, path: &str, bytes: Vec<u8>) -> RequestBuilder {
        self.client
            .put(self.url(path))
            .bearer_auth(&self.token)
            .body(bytes)
    }

    /// DELETE with the token.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(&self.token)
    }

    /// GET with the token: status and JSON body.
    pub fn json(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.get(path))
    }

    /// POST with the token: status and JSON body.
    pub fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(self.post(path, body))
    }

    /// `PUT /api/v1/blobs/{sha256}`: status and JSON body.
    pub fn put_blob(&self, sha256: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.send(self.put(&format!("/api/v1/blobs/{sha256}"), bytes))
    }

    /// Sends `request` as built (with the token or not): status and JSON body.
    pub fn send(&self, request: RequestBuilder) -> (StatusCode, Value) {
        parse(request.send().expect("the server answers"))
    }

    /// POST to `path` a head declaring `length` bytes of body and no body,
    /// then the answer: a refusal by the declared length must come before
    /// the body. (A client writing a body the server refused races the
    /// connection's close: hyper's client reports the broken pipe instead
    /// of the answer.)
    pub fn declared(&self, path: &str, length: usize) -> (StatusCode, Value) {
        self.declared_by(path, length, Some(&self.token))
    }

    /// [`Server::declared`] with `token` (or no `Authorization` at all).
    pub fn declared_by(
        &self,
        path: &str,
        length: usize,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let authorization =
            token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let mut stream = TcpStream::connect(&self.addr).expect("connecting");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a timeout");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\n{authorization}Content-Type: application/json\r\n\
             Connection: close\r\nContent-Length: {length}\r\n\r\n",
            self.addr
        )
        .expect("sending the head");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the answer");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        let code = head.split(' ').nth(1).expect("a status line");
        let status = StatusCode::from_u16(code.parse().expect("a status")).expect("a status");
        let value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {body:?}"));
        (status, value)
    }

    /// `GET /metrics` (Prometheus text).
    pub fn metrics(&self) -> String {
        let response = self.get("/metrics").send().expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().expect("a body")
    }

    /// Waits (up to 10 s) until the server has printed `needle` on stderr:
    /// its two outputs are read by separate threads, so a line printed
    /// before the startup line may arrive after it.
    pub fn printed(&self, needle: &str) -> bool {
        let start = Instant::now();
        while !self.stderr().contains(needle) {
            if start.elapsed() > Duration::from_secs(10) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// What the server printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("the stderr buffer").clone()
    }

    /// SIGTERM, then the exit status (within `limit`).
    pub fn stop(&mut self, limit: Duration) -> ExitStatus {
        signal(&self.child, "TERM");
        wait(&mut self.child, limit)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `kill -NAME` to `child`.
pub fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{name}");
}

/// `child`'s exit status, waited for at most `limit`.
pub fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the server") {
            return status;
        }
        assert!(
            start.elapsed() < limit,
            "the server still runs after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Status and JSON body of an answer.
pub fn parse(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().expect("a body");
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text:?}"));
    (status, value)
}

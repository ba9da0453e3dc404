//! A real `nats-server` process for integration tests.
//!
//! [`NatsServer`] listens on free `127.0.0.1` ports (NATS over TCP and over WebSocket),
//! writes its config and log into a fresh temp dir and kills the process by its PID on drop.
#![allow(dead_code)]

use std::env;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to accept connections after it was spawned.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Fresh port pairs to try when another process grabbed a port before the server bound it.
const START_ATTEMPTS: usize = 3;

/// Start error when a different server answered on the port we picked.
const ANOTHER_SERVER: &str = "another server answered on the TCP port";

/// User in [`users_config`] with every permission.
pub const ALICE_USER: &str = "alice";
/// Password of [`ALICE_USER`].
pub const ALICE_PASS: &str = "secret-a";
/// User in [`users_config`] who may not publish to `secret.>`.
pub const LIMITED_USER: &str = "limited";
/// Password of [`LIMITED_USER`].
pub const LIMITED_PASS: &str = "secret-l";
/// Token required by [`token_config`].
pub const TOKEN: &str = "s3cr3t-token";

/// Config block with two users: `alice` (all permissions) and `limited` (no publish to
/// `secret.>`). Pass it to [`NatsServer::start_with`].
pub fn users_config() -> &'static str {
    r#"
authorization {
  users: [
    { user: "alice", password: "secret-a" }
    { user: "limited", password: "secret-l", permissions: { publish: { deny: ["secret.>"] } } }
  ]
}
"#
}

/// Config block that requires the token [`TOKEN`]. Pass it to [`NatsServer::start_with`].
pub fn token_config() -> &'static str {
    r#"
authorization {
  token: "s3cr3t-token"
}
"#
}

/// Path of the `nats-server` binary: `$NATS_SERVER_BIN`, else `nats-server` on `PATH`,
/// else `/usr/sbin/nats-server`. Panics with install instructions when there is none.
pub fn nats_server_bin() -> PathBuf {
    if let Some(bin) = env::var_os("NATS_SERVER_BIN").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "NATS_SERVER_BIN={} is not a file; unset it or point it at nats-server",
            bin.display()
        );
        return bin;
    }
    let on_path = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("nats-server"));
    let fallback = PathBuf::from("/usr/sbin/nats-server");
    on_path
        .chain(std::iter::once(fallback))
        .find(|bin| bin.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nats-server not found (tried $NATS_SERVER_BIN, PATH, /usr/sbin/nats-server). \
                 Install it with `apt-get install nats-server` (Debian/Ubuntu), or run \
                 scripts/test.sh, which installs it"
            )
        })
}

/// A running `nats-server` bound to `127.0.0.1`, killed (SIGKILL + wait) on drop.
pub struct NatsServer {
    child: Option<Child>,
    pid: u32,
    tcp_port: u16,
    ws_port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

impl NatsServer {
    /// Starts a server with a TCP client port and a plain (`no_tls`) WebSocket listener.
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// Like [`start`](Self::start), with `extra_config` appended to the config file
    /// (e.g. [`users_config`] or [`token_config`]).
    pub fn start_with(extra_config: &str) -> Self {
        let mut server = NatsServer {
            child: None,
            pid: 0,
            tcp_port: 0,
            ws_port: 0,
            dir: fresh_temp_dir(),
            bin: nats_server_bin(),
        };
        for attempt in 1..=START_ATTEMPTS {
            (server.tcp_port, server.ws_port) = free_ports();
            let config = config_text(&server.dir, server.tcp_port, server.ws_port, extra_config);
            fs::write(server.dir.join("nats.conf"), config).expect("write nats.conf");
            match server.spawn() {
                Ok(()) => return server,
                Err(why) if attempt < START_ATTEMPTS && is_port_clash(&why, &server.log()) => {
                    server.kill();
                }
                Err(why) => server.fail(&why),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Address of the NATS TCP client port.
    pub fn tcp_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.tcp_port))
    }

    /// Address of the WebSocket listener.
    pub fn ws_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.ws_port))
    }

    /// URL of the WebSocket listener, e.g. `ws://127.0.0.1:40123`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr())
    }

    /// PID of the current server process (of the last one after [`kill`](Self::kill)).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether a server process is running (possibly paused).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Everything the server printed so far (all runs, including restarts).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Kills the server (SIGKILL) and waits for it to exit. Does nothing if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server if it runs, then starts it again on the same ports and config.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(why) = self.spawn() {
            self.fail(&why);
        }
    }

    /// Freezes the server with SIGSTOP: connections stay open but nothing is answered.
    /// Returns once every thread of the process is stopped (checked in `/proc`).
    pub fn pause(&self) {
        self.signal("-STOP");
        self.wait_stopped(true);
    }

    /// Unfreezes a server stopped by [`pause`](Self::pause) (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
        self.wait_stopped(false);
    }

    /// Polls `/proc/<pid>/task/*/stat` until all threads are (or none is) in state `T`.
    /// Signal delivery is asynchronous, so `kill` may return before the process stops.
    fn wait_stopped(&self, stopped: bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match thread_states(self.pid) {
                Some(states) if states.iter().all(|&s| (s == 'T') == stopped) => return,
                Some(_) => thread::sleep(Duration::from_millis(5)),
                None => return, // no /proc: nothing to wait on
            }
        }
        panic!("nats-server {} did not reach stopped={stopped}", self.pid);
    }

    fn signal(&self, sig: &str) {
        assert!(self.is_running(), "nats-server is not running");
        let status = Command::new("kill")
            .args([sig, &self.pid.to_string()])
            .status()
            .expect("run `kill`");
        assert!(status.success(), "kill {sig} {} failed: {status}", self.pid);
    }

    /// Spawns the process and waits until it serves both ports.
    fn spawn(&mut self) -> Result<(), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .map_err(|e| format!("open server.log: {e}"))?;
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(self.dir.join("nats.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", self.bin.display()))?;
        self.pid = child.id();
        self.child = Some(child);
        self.wait_ready()
    }

    /// Polls until the TCP port sends this server's INFO and the WebSocket port accepts.
    fn wait_ready(&mut self) -> Result<(), String> {
        let name = format!("\"server_name\":\"{}\"", server_name(&self.dir));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let child = self.child.as_mut().expect("spawned");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Err(format!("nats-server exited early ({status})"));
            }
            if let Ok(info) = read_first_line(self.tcp_addr()) {
                if !info.contains(&name) {
                    return Err(format!("{ANOTHER_SERVER}: {info}"));
                }
                if TcpStream::connect(self.ws_addr()).is_ok() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("not ready within {START_TIMEOUT:?}"));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server and panics with the reason, the config and the server's output.
    fn fail(&mut self, why: &str) -> ! {
        self.kill();
        let config = fs::read_to_string(self.dir.join("nats.conf")).unwrap_or_default();
        panic!(
            "nats-server ({}) failed to start: {why}\n--- config ---\n{config}\n--- output ---\n{}",
            self.bin.display(),
            self.log()
        );
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        if thread::panicking() {
            eprintln!("nats-server files kept in {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// State letters (`R`, `S`, `T`, ...) of every thread of `pid`, or `None` without `/proc`.
fn thread_states(pid: u32) -> Option<Vec<char>> {
    let tasks = fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let states = tasks
        .filter_map(|task| fs::read_to_string(task.ok()?.path().join("stat")).ok())
        // The state follows the command name, which is in parentheses: "12 (cmd) S ...".
        .filter_map(|stat| stat.rsplit_once(") ")?.1.chars().next())
        .collect();
    Some(states)
}

/// Reads the first line the server sends on `addr` (its `INFO`), with short timeouts.
fn read_first_line(addr: SocketAddr) -> std::io::Result<String> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    Ok(line)
}

/// Whether a failed start looks like another process took one of the ports first.
fn is_port_clash(why: &str, log: &str) -> bool {
    why.starts_with(ANOTHER_SERVER) || log.contains("address already in use")
}

/// Two distinct free ports, found by binding `127.0.0.1:0` and dropping the listeners.
fn free_ports() -> (u16, u16) {
    let bind = || TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    let (a, b) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("local_addr").port();
    (port(&a), port(&b))
}

/// A new empty directory under the system temp dir, unique to this server.
fn fresh_temp_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = env::temp_dir().join(format!("nats-web-test-{}-{n}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The server name, unique per server: the temp dir's name.
fn server_name(dir: &Path) -> String {
    dir.file_name()
        .expect("temp dir has a name")
        .to_string_lossy()
        .into_owned()
}

fn config_text(dir: &Path, tcp_port: u16, ws_port: u16, extra: &str) -> String {
    format!(
        "# Written by tests/support/server.rs\n\
         server_name: \"{}\"\n\
         listen: 127.0.0.1:{tcp_port}\n\
         websocket {{\n  host: 127.0.0.1\n  port: {ws_port}\n  no_tls: true\n}}\n\
         {extra}\n",
        server_name(dir)
    )
}

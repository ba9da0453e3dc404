//! A real `nats-server` process for integration tests.
//!
//! [`NatsServer`] listens on free `127.0.0.1` ports (NATS over TCP, over WebSocket and HTTP
//! monitoring), writes its config and log into a fresh temp dir and kills the process by its
//! PID on drop. [`NatsServer::cluster`] starts several that are routed to each other.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to accept connections after it was spawned.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Fresh port sets to try when another process grabbed a port before the server bound it.
const START_ATTEMPTS: usize = 3;
/// How long the servers of a [`NatsServer::cluster`] may take to route to each other.
const MESH_TIMEOUT: Duration = Duration::from_secs(15);
/// Cluster name of every [`NatsServer::cluster`].
pub const CLUSTER_NAME: &str = "test-cluster";

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

/// Stands for the server's own temp dir in an extra config; [`NatsServer::start_with`] and
/// the restarts put the dir in its place (so a store dir survives restarts).
pub const SERVER_DIR: &str = "{{server_dir}}";

/// Config block that enables JetStream, storing in `jetstream/` inside the server's temp dir
/// (the same dir across [`NatsServer::restart`]s, removed with the server). Pass it to
/// [`NatsServer::start_with`], alone or after other blocks.
pub fn jetstream_config() -> String {
    format!(
        "jetstream {{\n  store_dir: \"{SERVER_DIR}/jetstream\"\n  max_memory_store: 256MB\n  \
         max_file_store: 1GB\n}}\n"
    )
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
    monitor_port: u16,
    /// Set for members of a [`cluster`](NatsServer::cluster).
    cluster: Option<ClusterPorts>,
    /// Appended to the generated config; replaced by [`restart_with`](NatsServer::restart_with).
    extra_config: String,
    dir: PathBuf,
    bin: PathBuf,
}

/// The route ports of one cluster member.
#[derive(Clone, Debug)]
struct ClusterPorts {
    /// Where this server accepts routes.
    listen: u16,
    /// Route ports of the other members, dialled as `nats-route://127.0.0.1:<port>`.
    routes: Vec<u16>,
}

impl NatsServer {
    /// Starts a server with a TCP client port and a plain (`no_tls`) WebSocket listener.
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// Like [`start`](Self::start), with `extra_config` appended to the config file
    /// (e.g. [`users_config`] or [`token_config`]).
    pub fn start_with(extra_config: &str) -> Self {
        let mut server = NatsServer::unstarted(extra_config);
        for attempt in 1..=START_ATTEMPTS {
            let ports = free_ports(3);
            (server.tcp_port, server.ws_port, server.monitor_port) = (ports[0], ports[1], ports[2]);
            server.write_config();
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

    /// Starts `n` servers that form one cluster ([`CLUSTER_NAME`]): each has its own TCP,
    /// WebSocket, monitoring and route ports and a distinct `server_name`, and lists the
    /// route ports of all the others. Returns once every server has a route to every other
    /// one (its `/routez` shows exactly the other servers), so each server's INFO lists the
    /// others' client URLs in `connect_urls`. Panics with the logs after [`MESH_TIMEOUT`].
    pub fn cluster(n: usize) -> Vec<NatsServer> {
        assert!(n >= 1, "a cluster needs at least one server");
        for attempt in 1..=START_ATTEMPTS {
            let ports = free_ports(4 * n);
            let route_ports: Vec<u16> = ports[3 * n..].to_vec();
            let mut nodes: Vec<NatsServer> = (0..n)
                .map(|i| {
                    let mut node = NatsServer::unstarted("");
                    (node.tcp_port, node.ws_port, node.monitor_port) =
                        (ports[i], ports[n + i], ports[2 * n + i]);
                    node.cluster = Some(ClusterPorts {
                        listen: route_ports[i],
                        routes: (0..n).filter(|&j| j != i).map(|j| route_ports[j]).collect(),
                    });
                    node.write_config();
                    node
                })
                .collect();
            // Launch all before waiting on any: a route to a server that is not up yet is
            // retried only after a second, while the late server dials the early ones at once.
            let mut failure = None;
            for (i, node) in nodes.iter_mut().enumerate() {
                if let Err(why) = node.launch() {
                    failure = Some((i, why));
                    break;
                }
            }
            if failure.is_none() {
                failure = nodes
                    .iter_mut()
                    .enumerate()
                    .find_map(|(i, node)| Some((i, node.wait_ready().err()?)));
            }
            match failure {
                None => {
                    wait_for_mesh(&nodes.iter().collect::<Vec<_>>());
                    return nodes;
                }
                // Dropping `nodes` at the end of the iteration kills the ones that run.
                Some((i, why))
                    if attempt < START_ATTEMPTS && is_port_clash(&why, &nodes[i].log()) => {}
                Some((i, why)) => {
                    nodes.iter_mut().for_each(NatsServer::kill);
                    let logs = cluster_logs(&nodes);
                    panic!("cluster of {n}: server {i} failed to start: {why}\n{logs}");
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// A server with fresh dir and no ports or process yet.
    fn unstarted(extra_config: &str) -> Self {
        NatsServer {
            child: None,
            pid: 0,
            tcp_port: 0,
            ws_port: 0,
            monitor_port: 0,
            cluster: None,
            extra_config: extra_config.to_owned(),
            dir: fresh_temp_dir(),
            bin: nats_server_bin(),
        }
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

    /// Port of the HTTP monitoring endpoint (`/varz`, `/routez`, `/connz`, ...).
    pub fn monitor_port(&self) -> u16 {
        self.monitor_port
    }

    /// Body of `GET http://127.0.0.1:<monitor_port><path>`, e.g. `monitor_get("/routez")`.
    /// Panics when the server does not answer 200.
    pub fn monitor_get(&self, path: &str) -> String {
        http_get(self.monitor_port, path)
            .unwrap_or_else(|why| panic!("GET {path} on nats-server {}: {why}", self.pid))
    }

    /// The server's `server_name`, distinct for every server.
    pub fn name(&self) -> String {
        server_name(&self.dir)
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

    /// Kills the server if it runs, then starts it again on the same ports (and cluster
    /// routes) with `extra_config` in place of the extra config it had, e.g. another token,
    /// so a client that reconnects meets new credentials. Later [`restart`](Self::restart)s
    /// keep the new config.
    pub fn restart_with(&mut self, extra_config: &str) {
        self.kill();
        extra_config.clone_into(&mut self.extra_config);
        self.write_config();
        if let Err(why) = self.spawn() {
            self.fail(&why);
        }
    }

    /// Writes the config again with `extra_config` in place of the extra config it had and
    /// asks the running server to reload it (SIGHUP); returns at once (the reload is
    /// asynchronous).
    pub fn reload_with(&mut self, extra_config: &str) {
        extra_config.clone_into(&mut self.extra_config);
        self.write_config();
        self.signal("-HUP");
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

    /// Spawns the process and waits until it serves its ports.
    fn spawn(&mut self) -> Result<(), String> {
        self.launch()?;
        self.wait_ready()
    }

    /// Spawns the process without waiting for it.
    fn launch(&mut self) -> Result<(), String> {
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
        Ok(())
    }

    /// Polls until the TCP port sends this server's INFO and the WebSocket and monitoring
    /// ports accept.
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
                let monitor = SocketAddr::from((Ipv4Addr::LOCALHOST, self.monitor_port));
                if TcpStream::connect(self.ws_addr()).is_ok() && TcpStream::connect(monitor).is_ok()
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("not ready within {START_TIMEOUT:?}"));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Writes `nats.conf` from the ports, the cluster routes and the extra config.
    fn write_config(&self) {
        let mut config = format!(
            "# Written by tests/support/server.rs\n\
             server_name: \"{}\"\n\
             listen: 127.0.0.1:{}\n\
             http: 127.0.0.1:{}\n\
             websocket {{\n  host: 127.0.0.1\n  port: {}\n  no_tls: true\n}}\n",
            self.name(),
            self.tcp_port,
            self.monitor_port,
            self.ws_port,
        );
        if let Some(cluster) = &self.cluster {
            let routes: String = cluster
                .routes
                .iter()
                .map(|port| format!("    nats-route://127.0.0.1:{port}\n"))
                .collect();
            config += &format!(
                "cluster {{\n  name: \"{CLUSTER_NAME}\"\n  listen: 127.0.0.1:{}\n  \
                 routes: [\n{routes}  ]\n}}\n",
                cluster.listen
            );
        }
        config += &self
            .extra_config
            .replace(SERVER_DIR, &self.dir.to_string_lossy());
        config += "\n";
        fs::write(self.dir.join("nats.conf"), config).expect("write nats.conf");
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

/// Waits until every server in `servers` has a route to each of the others and to no other
/// server (by `server_id` in `/routez`). [`NatsServer::cluster`] calls it; call it again after
/// restarting a member to wait until it has rejoined. Panics with the `/routez` answers and
/// logs after [`MESH_TIMEOUT`].
pub fn wait_for_mesh(servers: &[&NatsServer]) {
    let deadline = Instant::now() + MESH_TIMEOUT;
    let mut routez: Vec<Result<String, String>>;
    loop {
        routez = servers
            .iter()
            .map(|server| http_get(server.monitor_port, "/routez"))
            .collect();
        let pool_sizes: Vec<u64> = servers
            .iter()
            .map(|s| route_pool_size(s.monitor_port))
            .collect();
        if is_full_mesh(&routez, &pool_sizes) {
            return;
        }
        if Instant::now() > deadline {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let answers: String = routez
        .iter()
        .enumerate()
        .map(|(i, answer)| format!("--- server {i} /routez ---\n{answer:?}\n"))
        .collect();
    panic!(
        "{} servers did not route to each other within {MESH_TIMEOUT:?}\n{answers}{}",
        servers.len(),
        cluster_logs(servers.iter().copied())
    );
}

/// How many routes a server opens to each other server for the accounts that have no route of
/// their own: `/varz` `cluster.pool_size` (route pooling, nats-server 2.10+), else 1.
fn route_pool_size(monitor_port: u16) -> u64 {
    http_get(monitor_port, "/varz")
        .ok()
        .and_then(|varz| json_number(&varz, "pool_size"))
        .filter(|&size| size > 0)
        .unwrap_or(1)
}

/// Whether the `/routez` answers show each server routed to exactly all the others, with all
/// `pool_sizes[i]` pooled routes to each (routes pinned to one account, as the system
/// account's is by default since 2.10, are not counted: client traffic does not use them).
fn is_full_mesh(routez: &[Result<String, String>], pool_sizes: &[u64]) -> bool {
    let Ok(bodies) = routez.iter().cloned().collect::<Result<Vec<_>, _>>() else {
        return false;
    };
    let ids: Vec<String> = bodies
        .iter()
        .filter_map(|body| json_strings(body, "server_id").into_iter().next())
        .collect();
    ids.len() == bodies.len()
        && bodies
            .iter()
            .zip(&ids)
            .zip(pool_sizes)
            .all(|((body, own), &pool)| {
                let routes = pooled_routes(body);
                let others: BTreeSet<String> =
                    ids.iter().filter(|id| *id != own).cloned().collect();
                routes.keys().cloned().collect::<BTreeSet<_>>() == others
                    && routes.values().all(|&count| count == pool)
            })
}

/// The number of pooled (not account-pinned) routes to each remote `server_id` in a `/routez`
/// answer; each route object there starts with its `"rid"`.
fn pooled_routes(routez: &str) -> BTreeMap<String, u64> {
    let mut routes = BTreeMap::new();
    for route in routez.split("\"rid\"").skip(1) {
        if let Some(remote) = json_strings(route, "remote_id").into_iter().next() {
            let pooled = u64::from(json_values(route, "account").is_empty());
            *routes.entry(remote).or_insert(0) += pooled;
        }
    }
    routes
}

/// Every string value of `"key"` in a JSON text, in order (no unescaping: enough for ids).
fn json_strings(json: &str, key: &str) -> Vec<String> {
    json_values(json, key)
        .into_iter()
        .filter_map(|value| Some(value.strip_prefix('"')?.split('"').next()?.to_owned()))
        .collect()
}

/// The first number value of `"key"` in a JSON text.
fn json_number(json: &str, key: &str) -> Option<u64> {
    let value = *json_values(json, key).first()?;
    let digits = value.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// The text after each `"key":` (and any whitespace) in a JSON text.
fn json_values<'a>(json: &'a str, key: &str) -> Vec<&'a str> {
    let pattern = format!("\"{key}\"");
    json.match_indices(&pattern)
        .filter_map(|(at, _)| json[at + pattern.len()..].trim_start().strip_prefix(':'))
        .map(str::trim_start)
        .collect()
}

/// `GET path` over HTTP/1.0 on `127.0.0.1:port`; the body when the status is 200.
fn http_get(port: u16, path: &str) -> Result<String, String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {response:?}"))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("status {status:?}, body {body:?}"));
    }
    Ok(body.to_owned())
}

/// Config and output of every server, for panic messages.
fn cluster_logs<'a>(servers: impl IntoIterator<Item = &'a NatsServer>) -> String {
    servers
        .into_iter()
        .enumerate()
        .map(|(i, server)| {
            let config = fs::read_to_string(server.dir.join("nats.conf")).unwrap_or_default();
            format!(
                "--- server {i} config ---\n{config}--- server {i} output ---\n{}",
                server.log()
            )
        })
        .collect()
}

/// Whether a failed start looks like another process took one of the ports first.
fn is_port_clash(why: &str, log: &str) -> bool {
    why.starts_with(ANOTHER_SERVER) || log.contains("address already in use")
}

/// `count` distinct free ports, found by binding `127.0.0.1:0` (all at once, so they
/// differ) and dropping the listeners.
fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local_addr").port())
        .collect()
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

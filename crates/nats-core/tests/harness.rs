//! Checks the test harness itself: `tests/support/server.rs` against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::server::{self, NatsServer};

/// How long a [`Conn`] waits for a line before the test fails.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A plain TCP NATS connection that reads protocol lines.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        let writer = stream.try_clone().unwrap();
        Conn {
            reader: BufReader::new(stream),
            writer,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read line");
        line
    }

    /// The next line if one starts arriving within `wait`, else `None` (nothing is lost:
    /// it only peeks before reading the line).
    fn line_within(&mut self, wait: Duration) -> Option<String> {
        self.reader.get_ref().set_read_timeout(Some(wait)).unwrap();
        let ready = match self.reader.fill_buf() {
            Ok(_) => true, // data, or EOF: `line` returns "" for EOF
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
            Err(e) => panic!("read: {e}"),
        };
        self.reader
            .get_ref()
            .set_read_timeout(Some(READ_TIMEOUT))
            .unwrap();
        ready.then(|| self.line())
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("write");
    }

    /// Reads INFO, sends CONNECT with `fields` plus PING and returns the answer line.
    fn connect(addr: SocketAddr, fields: &str) -> (Self, String) {
        let mut conn = Conn::open(addr);
        assert!(conn.line().starts_with("INFO "));
        conn.send(&format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false{fields}}}\r\nPING\r\n"
        ));
        let answer = conn.line();
        (conn, answer)
    }
}

fn refuses(addr: SocketAddr) -> bool {
    matches!(
        TcpStream::connect(addr).map_err(|e| e.kind()),
        Err(ErrorKind::ConnectionRefused)
    )
}

#[test]
fn server_sends_info_and_closes_port_on_drop() {
    let server = NatsServer::start();
    let addr = server.tcp_addr();
    assert!(server.ws_url().starts_with("ws://127.0.0.1:"));
    assert!(server.pid() > 0);
    let mut conn = Conn::open(addr);
    let info = conn.line();
    assert!(info.starts_with("INFO "), "first line: {info:?}");
    drop(server);
    assert!(refuses(addr), "port {addr} still open after drop");
}

#[test]
fn websocket_listener_upgrades() {
    let server = NatsServer::start();
    let mut conn = Conn::open(server.ws_addr());
    conn.send(&format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.ws_addr()
    ));
    let status = conn.line();
    assert!(status.starts_with("HTTP/1.1 101"), "status: {status:?}");
}

#[test]
fn users_config_is_accepted_and_enforced() {
    let server = NatsServer::start_with(server::users_config());
    let addr = server.tcp_addr();
    let alice = format!(
        ",\"user\":\"{}\",\"pass\":\"{}\"",
        server::ALICE_USER,
        server::ALICE_PASS
    );
    assert_eq!(Conn::connect(addr, &alice).1, "PONG\r\n");

    let wrong = format!(",\"user\":\"{}\",\"pass\":\"nope\"", server::ALICE_USER);
    assert_eq!(
        Conn::connect(addr, &wrong).1,
        "-ERR 'Authorization Violation'\r\n"
    );

    let limited = format!(
        ",\"user\":\"{}\",\"pass\":\"{}\"",
        server::LIMITED_USER,
        server::LIMITED_PASS
    );
    let (mut conn, answer) = Conn::connect(addr, &limited);
    assert_eq!(answer, "PONG\r\n");
    conn.send("PUB secret.x 0\r\n\r\nPUB public.x 0\r\n\r\nPING\r\n");
    assert_eq!(
        conn.line(),
        "-ERR 'Permissions Violation for Publish to \"secret.x\"'\r\n"
    );
    assert_eq!(conn.line(), "PONG\r\n");
}

#[test]
fn token_config_is_accepted_and_enforced() {
    let server = NatsServer::start_with(server::token_config());
    let addr = server.tcp_addr();
    let token = format!(",\"auth_token\":\"{}\"", server::TOKEN);
    assert_eq!(Conn::connect(addr, &token).1, "PONG\r\n");
    assert_eq!(
        Conn::connect(addr, "").1,
        "-ERR 'Authorization Violation'\r\n"
    );
}

#[test]
fn kill_and_restart_reuse_the_ports() {
    let mut server = NatsServer::start();
    let (addr, url, old_pid) = (server.tcp_addr(), server.ws_url(), server.pid());
    server.kill();
    assert!(!server.is_running());
    assert!(refuses(addr));
    server.restart();
    assert_ne!(server.pid(), old_pid);
    assert_eq!((server.tcp_addr(), server.ws_url()), (addr, url));
    assert!(Conn::open(addr).line().starts_with("INFO "));
}

#[test]
fn pause_freezes_and_resume_thaws() {
    let server = NatsServer::start();
    server.pause();
    let mut conn = Conn::open(server.tcp_addr());
    conn.reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut line = String::new();
    let err = conn.reader.read_line(&mut line).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "paused server answered: {err:?} {line:?}"
    );
    server.resume();
    conn.reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(conn.line().starts_with("INFO "));
}

/// `connect_urls` of an INFO line: the JSON array's strings.
fn connect_urls(info: &str) -> Vec<String> {
    let Some((_, rest)) = info.split_once("\"connect_urls\":[") else {
        return Vec::new();
    };
    let array = rest.split(']').next().unwrap_or_default();
    array
        .split(',')
        .map(|url| url.trim().trim_matches('"').to_owned())
        .filter(|url| !url.is_empty())
        .collect()
}

/// Whether `urls` has `127.0.0.1:<port>` for each of `ports`.
fn lists_ports(urls: &[String], ports: &[u16]) -> bool {
    ports
        .iter()
        .all(|port| urls.contains(&format!("127.0.0.1:{port}")))
}

#[test]
fn cluster_of_three_forms_routes_and_advertises_connect_urls() {
    let nodes = NatsServer::cluster(3);
    let mut names: Vec<String> = nodes.iter().map(NatsServer::name).collect();
    let mut ports: Vec<u16> = nodes
        .iter()
        .flat_map(|n| [n.tcp_addr().port(), n.ws_addr().port(), n.monitor_port()])
        .collect();
    names.sort();
    names.dedup();
    ports.sort();
    ports.dedup();
    assert_eq!((names.len(), ports.len()), (3, 9), "names or ports shared");
    // Each node routes to both others, by server_id (nats-server 2.10+ opens several routes to
    // each, pooled and per account, so `num_routes` is 2 only up to 2.9).
    let routez: Vec<String> = nodes.iter().map(|n| n.monitor_get("/routez")).collect();
    let ids: Vec<String> = routez
        .iter()
        .filter_map(|r| {
            Some(
                r.split("\"server_id\": \"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(ids.len(), 3, "{routez:?}");
    for (node, answer) in routez.iter().enumerate() {
        for (other, id) in ids.iter().enumerate() {
            let listed = answer.contains(&format!("\"remote_id\": \"{id}\""));
            assert_eq!(
                listed,
                other != node,
                "node {node}, remote {other}: {answer}"
            );
        }
    }

    // The first INFO, or an async INFO (sent to clients that said "protocol":1), lists the
    // other servers' client URLs. Async because a route is counted before its URLs are.
    let others = [nodes[1].tcp_addr().port(), nodes[2].tcp_addr().port()];
    let mut conn = Conn::open(nodes[0].tcp_addr());
    let mut infos = vec![conn.line()];
    conn.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n");
    let deadline = Instant::now() + READ_TIMEOUT;
    while !infos
        .iter()
        .any(|info| lists_ports(&connect_urls(info), &others))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match conn.line_within(left.max(Duration::from_millis(1))) {
            Some(line) if line.starts_with("INFO ") => infos.push(line),
            Some(line) if !line.is_empty() => {} // PONG, PING
            _ => panic!("no INFO lists ports {others:?} in connect_urls: {infos:#?}"),
        }
    }
    assert!(infos[0].contains(&format!("\"server_name\":\"{}\"", nodes[0].name())));
}

#[test]
fn cluster_websocket_info_lists_websocket_urls() {
    let nodes = NatsServer::cluster(3);
    let mut conn = Conn::open(nodes[0].ws_addr());
    conn.send(&format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        nodes[0].ws_addr()
    ));
    assert!(conn.line().starts_with("HTTP/1.1 101"));
    while conn.line() != "\r\n" {}
    // The INFO is the first frame: binary, unmasked, 16-bit length (it is > 125 bytes).
    let mut head = [0u8; 4];
    conn.reader.read_exact(&mut head).unwrap();
    assert_eq!(head[..2], [0x82, 126], "frame header {head:?}");
    let mut payload = vec![0u8; u16::from_be_bytes([head[2], head[3]]).into()];
    conn.reader.read_exact(&mut payload).unwrap();
    let info = String::from_utf8(payload).unwrap();
    assert!(info.starts_with("INFO "), "{info}");
    // A WebSocket client is told the WebSocket ports (as host:port, no scheme), this
    // server's own included. "port" is the TCP client port up to nats-server 2.9 and the
    // WebSocket port from 2.10 on; the client does not use it.
    let ws_ports: Vec<u16> = nodes.iter().map(|n| n.ws_addr().port()).collect();
    let urls = connect_urls(&info);
    assert!(lists_ports(&urls, &ws_ports), "{info}");
    assert_eq!(urls.len(), 3, "{info}");
    let (tcp_port, ws_port) = (nodes[0].tcp_addr().port(), nodes[0].ws_addr().port());
    assert!(
        [tcp_port, ws_port]
            .iter()
            .any(|port| info.contains(&format!("\"port\":{port},"))),
        "{info}"
    );
}

#[test]
fn cluster_keeps_serving_without_a_killed_node_which_rejoins() {
    let mut nodes = NatsServer::cluster(3);
    let gone = nodes[1].tcp_addr();
    let (mut sub, answer) = Conn::connect(nodes[2].tcp_addr(), "");
    assert_eq!(answer, "PONG\r\n");
    sub.send("SUB greet.* 1\r\nPING\r\n");
    assert_eq!(sub.line(), "PONG\r\n");

    nodes[1].kill();
    assert!(refuses(gone));
    let (mut publisher, answer) = Conn::connect(nodes[0].tcp_addr(), "");
    assert_eq!(answer, "PONG\r\n");
    // The subscription reaches server 0 over its route some time after the SUB: publish
    // until a message arrives.
    let deadline = Instant::now() + READ_TIMEOUT;
    loop {
        publisher.send("PUB greet.joe 2\r\nhi\r\n");
        match sub.line_within(Duration::from_millis(50)) {
            Some(line) if line.starts_with("MSG greet.joe 1 2") => break,
            Some(line) if line.is_empty() => panic!("server 2 closed the subscriber"),
            _ => assert!(
                Instant::now() < deadline,
                "no message from server 0 via route"
            ),
        }
    }
    assert_eq!(sub.line(), "hi\r\n");
    // The two left route only to each other.
    server::wait_for_mesh(&[&nodes[0], &nodes[2]]);

    // Restarted, the server rejoins on its old ports.
    nodes[1].restart();
    server::wait_for_mesh(&nodes.iter().collect::<Vec<_>>());
    assert_eq!(nodes[1].tcp_addr(), gone);
}

#[test]
fn restart_with_changes_the_accepted_token() {
    let mut server = NatsServer::start_with(server::token_config());
    let (addr, url) = (server.tcp_addr(), server.ws_url());
    let old_token = format!(",\"auth_token\":\"{}\"", server::TOKEN);
    let (mut old_conn, answer) = Conn::connect(addr, &old_token);
    assert_eq!(answer, "PONG\r\n");

    server.restart_with("authorization { token: \"new-token\" }");
    assert_eq!((server.tcp_addr(), server.ws_url()), (addr, url));
    assert_eq!(old_conn.line(), "", "old connection not closed");
    let new_token = ",\"auth_token\":\"new-token\"";
    assert_eq!(Conn::connect(addr, new_token).1, "PONG\r\n");
    assert_eq!(
        Conn::connect(addr, &old_token).1,
        "-ERR 'Authorization Violation'\r\n"
    );

    // A plain restart keeps the new config.
    server.restart();
    assert_eq!(Conn::connect(addr, new_token).1, "PONG\r\n");
}

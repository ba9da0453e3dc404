//! Checks the test harness itself: `tests/support/server.rs` against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use support::server::{self, NatsServer};

/// A plain TCP NATS connection that reads protocol lines.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
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

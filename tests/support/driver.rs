//! A blocking std::net driver for the sans-IO [`Connection`]: the native twin of the browser's
//! WebSocket transport, so integration tests exercise the same core against a real server.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use nats_web::nats::conn::{
    CloseReason, ConnectOptions, Connection, Event, Message, RequestFailure, RequestId,
};
use web_time::Instant;

/// How long any one wait in a test may take before the test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

type Responder = Box<dyn FnMut(&Message) -> Vec<u8> + Send>;

/// One NATS connection over TCP, driven on the calling thread.
pub struct Driver {
    /// The protocol state; commands are given to it directly.
    pub conn: Connection,
    stream: TcpStream,
    read_buf: Vec<u8>,
    write_buf: Vec<u8>,
    responders: HashMap<u64, Responder>,
}

impl Driver {
    /// Opens a TCP connection and runs the handshake; the error is why the server refused.
    pub fn connect(addr: SocketAddr, options: ConnectOptions) -> Result<Self, CloseReason> {
        let stream = TcpStream::connect(addr).expect("TCP connect to nats-server");
        stream.set_nodelay(true).ok();
        let mut driver = Driver {
            conn: Connection::new(Instant::now(), options),
            stream,
            read_buf: vec![0; 64 * 1024],
            write_buf: Vec::new(),
            responders: HashMap::new(),
        };
        driver.run_until(PATIENCE, |_, event| match event {
            Event::Connected(_) => Some(Ok(())),
            Event::Closed(reason) => Some(Err(reason)),
            _ => None,
        })?;
        Ok(driver)
    }

    /// Answers every message on `sid` with `reply(msg)`, from inside the driver loop.
    pub fn respond_on(
        &mut self,
        sid: u64,
        reply: impl FnMut(&Message) -> Vec<u8> + Send + 'static,
    ) {
        self.responders.insert(sid, Box::new(reply));
    }

    /// Sends what the connection has queued, as one write.
    pub fn transmit(&mut self) {
        self.conn.poll_transmit(&mut self.write_buf);
        if !self.write_buf.is_empty() {
            // A write error shows up as a closed socket on the next read.
            let _ = self.stream.write_all(&self.write_buf);
            self.write_buf.clear();
        }
    }

    /// Drives the connection until `f` returns `Some` for an event (messages for
    /// [`Driver::respond_on`] subscriptions are answered and not shown to `f`). Panics after
    /// `limit`, so a broken test fails rather than hangs.
    pub fn run_until<T>(
        &mut self,
        limit: Duration,
        mut f: impl FnMut(&mut Connection, Event) -> Option<T>,
    ) -> T {
        let give_up = Instant::now() + limit;
        loop {
            self.transmit();
            while let Some(event) = self.conn.poll_event() {
                if let Some(result) = self.dispatch(event, &mut f) {
                    self.transmit();
                    return result;
                }
            }
            self.transmit();
            let now = Instant::now();
            assert!(now < give_up, "nothing matched within {limit:?}");
            if self.conn.is_closed() {
                // Only Closed could still match, and it has been seen: wait no longer.
                panic!("connection closed before the awaited event");
            }
            let wake = self.conn.poll_timeout().unwrap_or(give_up).min(give_up);
            self.read_once(wake.saturating_duration_since(now));
        }
    }

    /// Drives the connection for `duration`, answering responders, reporting nothing.
    pub fn run_for(&mut self, duration: Duration) {
        let end = Instant::now() + duration;
        while Instant::now() < end && !self.conn.is_closed() {
            self.transmit();
            while let Some(event) = self.conn.poll_event() {
                self.dispatch(event, &mut |_: &mut Connection, _| None::<()>);
            }
            self.transmit();
            let wake = self.conn.poll_timeout().unwrap_or(end).min(end);
            self.read_once(wake.saturating_duration_since(Instant::now()));
        }
    }

    /// Sends a request and waits for its outcome.
    pub fn request(
        &mut self,
        subject: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Message, RequestFailure> {
        let id = self
            .conn
            .request(Instant::now(), subject, None, payload, timeout)
            .expect("request accepted");
        self.await_request(id)
    }

    /// Waits for the outcome of request `id`.
    pub fn await_request(&mut self, id: RequestId) -> Result<Message, RequestFailure> {
        self.run_until(PATIENCE, |_, event| match event {
            Event::Response { id: got, message } if got == id => Some(Ok(message)),
            Event::RequestFailed { id: got, kind } if got == id => Some(Err(kind)),
            _ => None,
        })
    }

    /// Flushes and waits for the server to confirm.
    pub fn flush(&mut self) {
        let id = self.conn.flush().expect("flush accepted");
        self.run_until(PATIENCE, |_, e| (e == Event::Flushed(id)).then_some(()));
    }

    /// Drains the connection and waits until it is closed; returns why it closed.
    pub fn drain(&mut self) -> CloseReason {
        self.conn.drain(Instant::now()).expect("drain accepted");
        self.run_until(PATIENCE, |_, e| match e {
            Event::Closed(reason) => Some(reason),
            _ => None,
        })
    }

    fn dispatch<T>(
        &mut self,
        event: Event,
        f: &mut impl FnMut(&mut Connection, Event) -> Option<T>,
    ) -> Option<T> {
        if let Event::Message { sid, message } = &event {
            if let (Some(responder), Some(reply)) = (self.responders.get_mut(sid), &message.reply) {
                let body = responder(message);
                self.conn
                    .publish(reply, None, None, &body)
                    .expect("reply accepted");
                return None;
            }
        }
        f(&mut self.conn, event)
    }

    fn read_once(&mut self, wait: Duration) {
        let wait = wait.max(Duration::from_millis(1));
        self.stream.set_read_timeout(Some(wait)).ok();
        match self.stream.read(&mut self.read_buf) {
            Ok(0) => self
                .conn
                .handle_transport_closed("server closed the TCP connection"),
            Ok(n) => self.conn.handle_input(Instant::now(), &self.read_buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => self.conn.handle_transport_closed(e.to_string()),
        }
        self.conn.handle_timeout(Instant::now());
    }
}

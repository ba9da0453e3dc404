//! A blocking std::net driver for the sans-IO [`Connection`]: the native twin of the browser's
//! WebSocket transport, so integration tests exercise the same core against a real server.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use nats_core::conn::{
    Auth, CloseReason, ConnectOptions, Connection, Event, Message, RequestFailure, RequestId,
    Transport,
};
use nats_core::Instant;

/// A seed for a connection's generator, from the operating system.
pub fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).expect("the OS random source");
    seed
}

/// How long any one wait in a test may take before the test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

type Responder = Box<dyn FnMut(&Message) -> Vec<u8> + Send>;

/// The owner's answer to [`Event::CredentialsNeeded`], given the server's nonce (if it sent
/// one); `None` never answers.
pub type AuthCallback = Box<dyn FnMut(Option<&str>) -> Option<Result<Auth, String>> + Send>;

/// One NATS connection over TCP, driven on the calling thread.
pub struct Driver {
    /// The protocol state; commands are given to it directly.
    pub conn: Connection,
    stream: Option<TcpStream>,
    read_buf: Vec<u8>,
    write_buf: Vec<u8>,
    responders: HashMap<u64, Responder>,
    /// The driver handles each message as it hands it out, so it tells a connection drain
    /// at once that all are handled ([`Connection::messages_handled`]). A test that handles
    /// messages later sets this and calls it itself.
    pub defer_messages_handled: bool,
    /// Answers [`Event::CredentialsNeeded`] (with [`Auth::Callback`]), as the browser client
    /// calls the page's auth callback; the event is still shown to `run_until`.
    pub auth_callback: Option<AuthCallback>,
    /// The time last given to the connection: what its deadlines were computed from.
    last_now: Instant,
    /// When the driver last told the connection its transport closed: the instant the
    /// connection schedules its next attempt from.
    pub lost_at: Option<Instant>,
}

impl Driver {
    /// Connects to `addr` (or to `options.servers`, `nats://host:port`, when given) and runs
    /// the handshake; the error is why the server refused.
    pub fn connect(addr: SocketAddr, options: ConnectOptions) -> Result<Self, CloseReason> {
        Self::connect_with_auth_callback(addr, options, None)
    }

    /// [`Driver::connect`], answering every [`Event::CredentialsNeeded`] with `callback`.
    pub fn connect_with_auth_callback(
        addr: SocketAddr,
        mut options: ConnectOptions,
        auth_callback: Option<AuthCallback>,
    ) -> Result<Self, CloseReason> {
        if options.servers.is_empty() {
            options.servers = vec![format!("nats://{addr}")];
        }
        let mut conn = Connection::new(Instant::now(), options, random_seed());
        // As every owner should: the wall clock, so a refusal past a JWT's exp is reported expired.
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        conn.set_wall_clock(Instant::now(), unix);
        let mut driver = Driver {
            conn,
            stream: None,
            read_buf: vec![0; 64 * 1024],
            write_buf: Vec::new(),
            responders: HashMap::new(),
            defer_messages_handled: false,
            auth_callback,
            last_now: Instant::now(),
            lost_at: None,
        };
        driver.run_until(PATIENCE, |_, event| match event {
            Event::Connected(_) => Some(Ok(())),
            Event::Closed(reason) => Some(Err(reason)),
            _ => None,
        })?;
        Ok(driver)
    }

    /// A driver whose connection is created now with `options` (servers required) and not
    /// driven yet: no transport is open until the first [`Driver::run_until`] or turn.
    pub fn start(options: ConnectOptions) -> Self {
        Driver {
            conn: Connection::new(Instant::now(), options, random_seed()),
            stream: None,
            read_buf: vec![0; 64 * 1024],
            write_buf: Vec::new(),
            responders: HashMap::new(),
            defer_messages_handled: false,
            auth_callback: None,
            last_now: Instant::now(),
            lost_at: None,
        }
    }

    /// [`Connection::force_reconnect`], after sending what is queued to the old transport
    /// (as an owner's loop does before acting on a command).
    pub fn force_reconnect(&mut self) {
        self.transmit();
        self.conn
            .force_reconnect(Instant::now())
            .expect("force_reconnect accepted");
    }

    /// The time now, noted as the last one given to the connection.
    fn clock(&mut self) -> Instant {
        self.last_now = Instant::now();
        self.last_now
    }

    /// How long after the last time given to it the connection's next deadline is: right
    /// after a loss, the wait it planned before the next attempt. What the connection
    /// scheduled, not a measured gap.
    pub fn planned_wait(&self) -> Option<std::time::Duration> {
        let at = self.conn.poll_timeout()?;
        Some(at.saturating_duration_since(self.last_now))
    }

    /// Answers every message on `sid` with `reply(msg)`, from inside the driver loop.
    pub fn respond_on(
        &mut self,
        sid: u64,
        reply: impl FnMut(&Message) -> Vec<u8> + Send + 'static,
    ) {
        self.responders.insert(sid, Box::new(reply));
    }

    /// Opens and closes TCP connections as the connection asks, then sends what it has
    /// queued, as one write.
    pub fn transmit(&mut self) {
        while let Some(command) = self.conn.poll_transport() {
            self.stream = None;
            if let Transport::Open(url) = command {
                let host_port = url.split_once("://").map_or(url.as_str(), |(_, hp)| hp);
                match host_port
                    .parse::<SocketAddr>()
                    .map_err(|e| e.to_string())
                    .and_then(|a| {
                        TcpStream::connect_timeout(&a, Duration::from_secs(2))
                            .map_err(|e| e.to_string())
                    }) {
                    Ok(stream) => {
                        stream.set_nodelay(true).ok();
                        self.stream = Some(stream);
                    }
                    Err(e) => self.transport_closed(format!("{url}: {e}")),
                }
            }
        }
        self.conn.poll_transmit(&mut self.write_buf);
        if !self.write_buf.is_empty() {
            if let Some(stream) = self.stream.as_mut() {
                // A write error shows up as a closed socket on the next read.
                let _ = stream.write_all(&self.write_buf);
            }
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

    /// One turn of the loop without looking at events (they stay queued for the next
    /// [`Driver::run_until`]): open or close transports, send what is queued, read once (up
    /// to `wait`). Lets a test act between two reads, e.g. in a reconnect's handshake window.
    pub fn step(&mut self, wait: Duration) {
        self.transmit();
        self.read_once(wait);
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
        if let (Event::CredentialsNeeded { nonce }, Some(callback)) =
            (&event, &mut self.auth_callback)
        {
            if let Some(answer) = callback(nonce.as_deref()) {
                let now = self.clock();
                self.conn.provide_credentials(now, answer);
            }
        }
        if event == Event::AllSubscriptionsDrained && !self.defer_messages_handled {
            self.conn.messages_handled();
        }
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
        let Some(stream) = self.stream.as_mut() else {
            std::thread::sleep(wait.min(Duration::from_millis(50)));
            let now = self.clock();
            self.conn.handle_timeout(now);
            return;
        };
        stream.set_read_timeout(Some(wait)).ok();
        let read = stream.read(&mut self.read_buf);
        // One time for what was read and the deadlines after it.
        let now = self.clock();
        match read {
            Ok(0) => {
                self.stream = None;
                self.transport_closed("server closed the TCP connection".into());
            }
            Ok(n) => self.conn.handle_input(now, &self.read_buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                self.stream = None;
                self.transport_closed(e.to_string());
            }
        }
        self.conn.handle_timeout(now);
    }

    /// One turn of the loop: sends what is queued, waits up to `wait` for input (or the
    /// connection's deadline, if sooner) and handles it, and returns every event since the
    /// last turn (messages for [`Driver::respond_on`] subscriptions are answered, not
    /// returned). Lets a test act between any two ops, e.g. after INFO and before the PONG.
    pub fn turn(&mut self, wait: Duration) -> Vec<Event> {
        self.transmit();
        let mut events = self.take_events();
        if events.is_empty() && !self.conn.is_closed() {
            let now = Instant::now();
            let wake = self
                .conn
                .poll_timeout()
                .map_or(wait, |at| at.saturating_duration_since(now).min(wait));
            self.read_once(wake);
            events = self.take_events();
        }
        self.transmit();
        events
    }

    /// Every event queued now, with responders answered.
    fn take_events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.conn.poll_event() {
            if let Some(event) = self.dispatch(event, &mut |_: &mut Connection, e| Some(e)) {
                events.push(event);
            }
        }
        events
    }

    /// Drops the TCP connection as a network failure would, and tells the connection its
    /// transport closed. False when there was none.
    pub fn kill_transport(&mut self) -> bool {
        if self.stream.take().is_none() {
            return false;
        }
        self.transport_closed("transport killed by the test".into());
        true
    }

    /// Tells the connection its transport closed, now, and remembers when.
    fn transport_closed(&mut self, description: String) {
        let now = self.clock();
        self.lost_at = Some(now);
        self.conn.handle_transport_closed(now, description);
    }

    /// The local TCP port of the open transport: how the server's `/connz` names it.
    pub fn local_port(&self) -> Option<u16> {
        let stream = self.stream.as_ref()?;
        stream.local_addr().ok().map(|a| a.port())
    }

    /// Whether a TCP connection is open.
    pub fn has_stream(&self) -> bool {
        self.stream.is_some()
    }
}

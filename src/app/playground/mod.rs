//! The playground: a long-lived connection with the greet service (the example's responder
//! as an ADR-32 service) that can be started and stopped, and a requester for any name. Any
//! NATS client on the same server can talk to both, and discover and measure the service.
//! The connection also holds the page's [`Greetings`]: the KV bucket the responders answer
//! from, opened once the connection is up.

pub mod ask_all;
pub mod greet;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

use super::display;
use super::events;
use super::example::{elapsed_ms, TIMEOUT};
use super::greetings::Greetings;
use super::state::{Action, Conn, ConnStatus, LogLine, DEFAULT_BUCKET};
use nats_web::client::{channel, connect_with_events, Client};
use nats_web::proto::{validate, Quoted};
use nats_web::service::Service;
use nats_web::ConnectOptions;

/// Replies sent by this page's service, as (inbox subject, payload), not yet seen by "Ask
/// all" (a `Vec`: std's `HashMap` would add its code to the page's wasm).
type Answered = Vec<(String, Vec<u8>)>;

/// The playground's connection and greet service; cheap to clone, one per page.
#[derive(Clone)]
pub struct Playground {
    client: Rc<RefCell<Option<Client>>>,
    service: Rc<RefCell<Option<Service>>>,
    /// Replies this page's responder sent and "Ask all" has not seen yet, by inbox subject
    /// and payload: how a reply is known to be ours (a NATS message does not say who sent
    /// it).
    answered: Rc<RefCell<Answered>>,
    /// "Ask all" requests sent so far: the latest one's number tags its actions.
    asks: Rc<Cell<u64>>,
    /// Whether the greet service is being started (between the click and its endpoint).
    starting: Rc<Cell<bool>>,
    /// Whether the page shut the playground down: a connection or service that arrives
    /// later is ended at once.
    shut: Rc<Cell<bool>>,
    /// The greetings bucket, on this connection.
    greetings: Greetings,
    report: Callback<Action>,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.client, &other.client)
    }
}

impl Playground {
    /// A playground that reports to `report`, with the greetings in [`DEFAULT_BUCKET`]; not
    /// connected yet.
    pub fn new(report: Callback<Action>) -> Self {
        Self::with_bucket(report, DEFAULT_BUCKET)
    }

    /// A playground that reports to `report`, with the greetings in `bucket`; not connected
    /// yet.
    pub fn with_bucket(report: Callback<Action>, bucket: &str) -> Self {
        Playground {
            client: Rc::default(),
            service: Rc::default(),
            answered: Rc::default(),
            asks: Rc::default(),
            starting: Rc::default(),
            shut: Rc::default(),
            greetings: Greetings::new(bucket, report.clone()),
            report,
        }
    }

    /// The page's greetings (their bucket is opened on this playground's connection).
    pub fn greetings(&self) -> &Greetings {
        &self.greetings
    }

    fn log(&self, line: LogLine) {
        self.report.emit(Action::PlaygroundLog(line));
    }

    /// Notes that this page's responder answered `payload` on `reply`.
    fn note_answered(&self, reply: Option<&str>, payload: &[u8]) {
        let Some(reply) = reply else { return };
        let mut answered = self.answered.borrow_mut();
        // Bounded: entries of requests nobody here asked are dropped, oldest first.
        if answered.len() >= 1_000 {
            answered.remove(0);
        }
        answered.push((reply.to_owned(), payload.to_vec()));
    }

    /// Whether a reply of `payload` on `subject` is one this page's responder sent (counted
    /// once).
    fn take_answered(&self, subject: &str, payload: &[u8]) -> bool {
        let mut answered = self.answered.borrow_mut();
        let at = answered
            .iter()
            .position(|(s, p)| s == subject && p == payload);
        at.map(|at| answered.remove(at)).is_some()
    }

    /// What the page's service is called in the lists: `greet service <id>`.
    fn responder_name(&self) -> String {
        match &*self.service.borrow() {
            Some(service) => format!("greet service {}", service.id()),
            None => "greet service".into(),
        }
    }

    fn connected_client(&self) -> Option<Client> {
        let client = self.client.borrow().clone();
        if client.is_none() {
            self.log(LogLine::error(
                "not connected: see the playground status above",
            ));
        }
        client
    }

    /// The client and the subject `greet.<name>` to request, or `None` (logged why) when
    /// `name` is not one valid subject token or the playground is not connected.
    fn greet_target(&self, name: &str) -> Option<(Client, String)> {
        if let Err(e) = validate::subject_token(name) {
            self.log(LogLine::error(format!(
                "invalid name {}: a name must be one subject token, without spaces, dots, '*' or '>' ({e}); nothing was sent",
                Quoted(&display::subject(name))
            )));
            return None;
        }
        let client = self.connected_client()?;
        Some((client, format!("greet.{name}")))
    }

    /// Connects to the first server that answers. If the page shut the playground down
    /// meanwhile, the new connection is drained at once.
    pub async fn connect(&self, servers: Vec<String>) {
        self.report.emit(Action::Status(
            Conn::Playground,
            ConnStatus::Connecting(servers.join(", ")),
        ));
        let (events_tx, events_rx) = channel::unbounded();
        spawn_local(events::forward(
            Conn::Playground,
            events_rx,
            self.report.clone(),
        ));
        let options = ConnectOptions::new()
            .servers(servers)
            .name("nats-web playground")
            .max_reconnects(None)
            .trace(true);
        match connect_with_events(options, Some(events_tx)).await {
            Ok(client) if self.shut.get() => {
                let _ = client.drain().await;
            }
            Ok(client) => {
                *self.client.borrow_mut() = Some(client.clone());
                let greetings = self.greetings.clone();
                spawn_local(async move { greetings.open(client).await });
            }
            Err(e) => {
                self.greetings.not_connected(&e.to_string());
                self.report.emit(Action::Status(
                    Conn::Playground,
                    ConnStatus::Error(e.to_string()),
                ))
            }
        }
    }

    /// Requests `greet.<name>` with the example's 0.5 s timeout. A name that is not one valid
    /// subject token is refused before anything is sent.
    pub async fn send_request(&self, name: String) {
        let Some((client, subject)) = self.greet_target(&name) else {
            return;
        };
        self.log(LogLine::step(format!(
            "request {} sent (timeout 0.5 s)",
            display::subject(&subject)
        )));
        let started = Instant::now();
        let outcome = client.request(subject, "").timeout(TIMEOUT).await;
        let rtt = elapsed_ms(started);
        match outcome {
            Ok(msg) => self.log(LogLine::output(format!(
                "{} ({rtt})",
                display::payload(&msg.payload)
            ))),
            Err(e) => self.log(LogLine::error(format!("{} ({rtt})", display::error(&e)))),
        }
    }

    /// Drains the connection (when the page goes away), or the one still connecting once it
    /// is there.
    pub fn shut_down(&self) {
        self.shut.set(true);
        self.greetings.stop();
        if let Some(client) = self.client.borrow_mut().take() {
            spawn_local(async move {
                let _ = client.drain().await;
            });
        }
    }
}

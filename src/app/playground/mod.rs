//! The playground: a long-lived connection with a responder that can be started and drained,
//! and a requester for any name. Any NATS client on the same server can talk to both.

mod ask_all;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::StreamExt;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

use super::display;
use super::events;
use super::example::{elapsed_ms, greeting_for, not_a_greeting, TIMEOUT};
use super::state::{Action, Conn, ConnStatus, LogLine};
use nats_web::client::{channel, connect_with_events, Client, SubscriberHandle};
use nats_web::proto::{validate, Quoted};
use nats_web::ConnectOptions;

/// The playground's connection and responder; cheap to clone, one per page.
#[derive(Clone)]
pub struct Playground {
    client: Rc<RefCell<Option<Client>>>,
    responder: Rc<RefCell<Option<SubscriberHandle>>>,
    /// Replies this page's responder sent and "Ask all" has not seen yet, by inbox subject:
    /// how a reply is known to be ours (a NATS message does not say who sent it).
    answered: Rc<RefCell<HashMap<String, usize>>>,
    report: Callback<Action>,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.client, &other.client)
    }
}

impl Playground {
    /// A playground that reports to `report`; not connected yet.
    pub fn new(report: Callback<Action>) -> Self {
        Playground {
            client: Rc::default(),
            responder: Rc::default(),
            answered: Rc::default(),
            report,
        }
    }

    fn log(&self, line: LogLine) {
        self.report.emit(Action::PlaygroundLog(line));
    }

    /// Notes that this page's responder answered on `reply`.
    fn note_answered(&self, reply: Option<&str>) {
        let Some(reply) = reply else { return };
        let mut answered = self.answered.borrow_mut();
        // Bounded: entries of requests nobody here asked are dropped now and then.
        if answered.len() >= 1_000 {
            answered.clear();
        }
        *answered.entry(reply.to_owned()).or_default() += 1;
    }

    /// Whether a reply on `subject` is one this page's responder sent (counted once).
    fn take_answered(&self, subject: &str) -> bool {
        let mut answered = self.answered.borrow_mut();
        match answered.get_mut(subject) {
            Some(n) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => answered.remove(subject).is_some(),
            None => false,
        }
    }

    /// What the page's responder is called in the lists.
    fn responder_name(&self) -> String {
        "responder".into()
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

    /// Connects to the first server that answers.
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
            Ok(client) => *self.client.borrow_mut() = Some(client),
            Err(e) => self.report.emit(Action::Status(
                Conn::Playground,
                ConnStatus::Error(e.to_string()),
            )),
        }
    }

    /// Subscribes a responder to `greet.*` that answers `hello, <name>`.
    pub async fn start_responder(&self) {
        let Some(client) = self.connected_client() else {
            return;
        };
        if self.responder.borrow().is_some() {
            self.log(LogLine::step("the responder is already running"));
            return;
        }
        let mut subscriber = match client.subscribe("greet.*").await {
            Ok(s) => s,
            Err(e) => return self.log(LogLine::error(e.to_string())),
        };
        *self.responder.borrow_mut() = Some(subscriber.handle());
        self.report.emit(Action::Responder(true));
        self.log(LogLine::step("responder subscribed to greet.*"));
        let this = self.clone();
        let sid = subscriber.handle().sid();
        spawn_local(async move {
            while let Some(msg) = subscriber.next().await {
                let Some(greeting) = greeting_for(&msg.subject) else {
                    this.log(LogLine::error(not_a_greeting(&msg.subject)));
                    continue;
                };
                this.note_answered(msg.reply.as_deref());
                match msg.respond(&greeting).await {
                    Ok(()) => this.log(LogLine::step(format!(
                        "responder answered {} with {}",
                        display::subject(&msg.subject),
                        Quoted(&display::subject(&greeting))
                    ))),
                    Err(e) => this.log(LogLine::error(format!("responder could not answer: {e}"))),
                }
            }
            this.responder_ended(sid);
        });
    }

    /// The responder's stream ended without a drain from the page (the subscription or the
    /// connection ended): the page must not go on saying it runs.
    fn responder_ended(&self, sid: u64) {
        let mut responder = self.responder.borrow_mut();
        if responder.as_ref().is_some_and(|h| h.sid() == sid) {
            *responder = None;
            drop(responder);
            self.report.emit(Action::Responder(false));
            self.log(LogLine::error("responder stopped: its subscription ended"));
        }
    }

    /// Drains the responder: requests already on their way are still answered.
    pub async fn drain_responder(&self) {
        let Some(handle) = self.responder.borrow_mut().take() else {
            self.log(LogLine::step("no responder is running"));
            return;
        };
        self.log(LogLine::step("draining the responder's subscription"));
        match handle.drain().await {
            Ok(()) => self.log(LogLine::step("responder drained")),
            Err(e) => self.log(LogLine::error(format!("drain failed: {e}"))),
        }
        self.report.emit(Action::Responder(false));
    }

    /// Requests `greet.<name>` with the example's 0.5 s timeout. A name that is not one valid
    /// subject token is refused before anything is sent.
    pub async fn send_request(&self, name: String) {
        if let Err(e) = validate::subject_token(&name) {
            self.log(LogLine::error(format!(
                "invalid name {}: a name must be one subject token, without spaces, dots, '*' or '>' ({e}); nothing was sent",
                Quoted(&display::subject(&name))
            )));
            return;
        }
        let Some(client) = self.connected_client() else {
            return;
        };
        let subject = format!("greet.{name}");
        self.log(LogLine::step(format!(
            "request {subject} sent (timeout 0.5 s)"
        )));
        let started = Instant::now();
        let outcome = client.request(subject, "").timeout(TIMEOUT).await;
        let rtt = elapsed_ms(started);
        match outcome {
            Ok(msg) => self.log(LogLine::output(format!(
                "{} ({rtt})",
                display::payload(&msg.payload)
            ))),
            Err(e) => self.log(LogLine::error(format!("{e} ({rtt})"))),
        }
    }

    /// Drains the connection (when the page goes away).
    pub fn shut_down(&self) {
        if let Some(client) = self.client.borrow_mut().take() {
            spawn_local(async move {
                let _ = client.drain().await;
            });
        }
    }
}

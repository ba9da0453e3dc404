//! The playground's responder as ADR-32 service `greet`: endpoint `greet` on `greet.*` in
//! queue group `q`, answering with the greetings bucket's value for `<name>` (read from the
//! page's live watch, from the bucket only for what the watch does not keep) or `hello, <name>`, discoverable and measured
//! by any NATS tool.

use futures::StreamExt;
use wasm_bindgen_futures::spawn_local;

use super::Playground;
use crate::app::display;
use crate::app::state::{Action, LogLine};
use nats_web::client::Client;
use nats_web::proto::Quoted;
use nats_web::service::{Endpoint, Request, Service, ServiceError, DEFAULT_QUEUE_GROUP};

/// The service's name, as discovery shows it.
pub const NAME: &str = "greet";
/// Its version.
pub const VERSION: &str = "1.0.0";
/// Its description.
pub const DESCRIPTION: &str =
    "NATS by Example's request-reply responder: answers greet.<name> with the greetings bucket's value for <name>, or hello, <name>";
/// Its endpoint's subject.
pub const SUBJECT: &str = "greet.*";

impl Playground {
    /// Starts service `greet` with its endpoint on `greet.*`; once at a time (a double click
    /// starts one service), and never after the page shut the playground down.
    pub async fn start_service(&self) {
        if self.shut.get() {
            return;
        }
        let Some(client) = self.connected_client() else {
            return;
        };
        if self.starting.get() || self.service.borrow().is_some() {
            self.log(LogLine::step("the greet service is already running"));
            return;
        }
        self.starting.set(true);
        self.report.emit(Action::ResponderStarting);
        let started = self.start_greet(&client).await;
        self.starting.set(false);
        let Some((service, endpoint)) = started else {
            return self.report.emit(Action::Responder(false));
        };
        if self.shut.get() {
            let _ = service.stop().await;
            return;
        }
        let id = service.id();
        *self.service.borrow_mut() = Some(service);
        self.report.emit(Action::Responder(true));
        self.log(LogLine::step(format!(
            "service {NAME} {VERSION} started (id {id}): endpoint greet on {SUBJECT}, queue group {DEFAULT_QUEUE_GROUP}"
        )));
        let this = self.clone();
        spawn_local(async move {
            this.answer(endpoint).await;
            this.service_ended(&id);
        });
    }

    /// The service and its endpoint, or `None` (and why, in the log).
    async fn start_greet(&self, client: &Client) -> Option<(Service, Endpoint)> {
        let started = client
            .service_builder()
            .name(NAME)
            .version(VERSION)
            .description(DESCRIPTION)
            .metadata([("page", "nats-web playground")])
            .start()
            .await;
        let service = match started {
            Ok(service) => service,
            Err(e) => {
                self.log(LogLine::error(format!("the greet service: {e}")));
                return None;
            }
        };
        match service.endpoint("greet", SUBJECT).await {
            Ok(endpoint) => Some((service, endpoint)),
            Err(e) => {
                let _ = service.stop().await;
                self.log(LogLine::error(format!("the greet endpoint: {e}")));
                None
            }
        }
    }

    /// Answers every request of the endpoint until it ends, each in a task of its own (one
    /// whose greeting is read from the bucket holds up no other).
    async fn answer(&self, mut endpoint: Endpoint) {
        while let Some(request) = endpoint.next().await {
            let this = self.clone();
            spawn_local(async move { this.answer_one(request).await });
        }
    }

    async fn answer_one(&self, request: Request) {
        let subject = request.subject().to_owned();
        let Some(greeting) = self.greetings.reply_to(&subject).await else {
            let error = ServiceError::new(400, "not greet.<name>");
            let _ = request.respond(Err(error)).await;
            self.log(LogLine::error(format!(
                "greet refused {}: not greet.<name> (error 400 sent)",
                Quoted(&display::subject(&subject))
            )));
            return;
        };
        self.note_answered(request.message().reply.as_deref(), &greeting);
        let shown = display::payload(&greeting);
        match request.respond(Ok(greeting)).await {
            Ok(()) => self.log(LogLine::step(format!(
                "greet answered {} with {}",
                display::subject(&subject),
                Quoted(&shown)
            ))),
            Err(e) => self.log(LogLine::error(format!("greet could not answer: {e}"))),
        }
    }

    /// The endpoint's stream ended without a stop from the page (the connection ended): the
    /// page must not go on saying the service runs.
    fn service_ended(&self, id: &str) {
        let mut service = self.service.borrow_mut();
        if service.as_ref().is_some_and(|s| s.id() == id) {
            *service = None;
            drop(service);
            self.report.emit(Action::Responder(false));
            self.log(LogLine::error(
                "the greet service stopped: its subscriptions ended",
            ));
        }
    }

    /// Stops the service: its subscriptions drain (requests on their way are still
    /// answered), then it is gone from discovery.
    pub async fn stop_service(&self) {
        let Some(service) = self.service.borrow_mut().take() else {
            self.log(LogLine::step("the greet service is not running"));
            return;
        };
        self.log(LogLine::step(
            "stopping the greet service: draining its subscriptions",
        ));
        match service.stop().await {
            Ok(()) => self.log(LogLine::step("greet service stopped: gone from discovery")),
            Err(e) => self.log(LogLine::error(format!("stop failed: {e}"))),
        }
        self.report.emit(Action::Responder(false));
    }
}

//! The NATS by Example "request-reply" program, as its Python original runs it, reporting each
//! step to the page. Its responder answers from the page's greetings (the KV bucket's live
//! watch): on a fresh bucket, exactly the original's `hello, <name>`.

use std::time::Duration;

use futures::StreamExt;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

use super::display;
use super::events;
use super::greetings::{Greetings, SETTLE_WAIT};
use super::state::{Action, Conn, ConnStatus, LogLine};
use nats_web::client::{channel, connect_with_events, RequestErrorKind};
use nats_web::proto::Quoted;
use nats_web::ConnectOptions;

/// The names the requester asks for, in order.
pub const NAMES: [&str; 3] = ["joe", "sue", "bob"];
/// The request timeout of the original program.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// Runs the program once on a connection of its own, its responder answering from
/// `greetings`.
pub async fn run(servers: Vec<String>, report: Callback<Action>, greetings: Greetings) {
    report.emit(Action::ExampleStarted);
    if let Err(e) = program(servers, &report, greetings).await {
        report.emit(Action::ExampleLog(LogLine::error(e)));
    }
    report.emit(Action::ExampleFinished);
}

async fn program(
    servers: Vec<String>,
    report: &Callback<Action>,
    greetings: Greetings,
) -> Result<(), String> {
    let step = |text: String| report.emit(Action::ExampleLog(LogLine::step(text)));
    let output = |text: String| report.emit(Action::ExampleLog(LogLine::output(text)));

    report.emit(Action::Status(
        Conn::Example,
        ConnStatus::Connecting(servers.join(", ")),
    ));
    let (events_tx, events_rx) = channel::unbounded();
    spawn_local(events::forward(Conn::Example, events_rx, report.clone()));
    let options = ConnectOptions::new()
        .servers(servers)
        .name("nats-by-example request-reply")
        .trace(true);
    let client = connect_with_events(options, Some(events_tx))
        .await
        .map_err(|e| {
            report.emit(Action::Status(
                Conn::Example,
                ConnStatus::Error(e.to_string()),
            ));
            e.to_string()
        })?;
    step(format!("connected to {}", client.server_url()));
    step(greetings_step(
        &greetings,
        greetings.settled(SETTLE_WAIT).await,
    ));

    let mut responder = client
        .subscribe("greet.*")
        .await
        .map_err(|e| e.to_string())?;
    let responder_handle = responder.handle();
    let ignored = report.clone();
    spawn_local(async move {
        while let Some(msg) = responder.next().await {
            // A task per request: one reading the bucket holds up no other.
            let (greetings, ignored) = (greetings.clone(), ignored.clone());
            spawn_local(async move {
                match greetings.reply_to(&msg.subject).await {
                    Some(greeting) => {
                        let _ = msg.respond(greeting).await;
                    }
                    None => ignored.emit(Action::ExampleLog(LogLine::error(not_a_greeting(
                        &msg.subject,
                    )))),
                }
            });
        }
    });
    step("responder subscribed to greet.*".into());

    for name in NAMES {
        let subject = format!("greet.{name}");
        step(format!("request {subject} sent (timeout 0.5 s)"));
        let started = Instant::now();
        let reply = client.request(subject, "").timeout(TIMEOUT).await;
        let rtt = elapsed_ms(started);
        match reply {
            Ok(msg) => output(format!("{} ({rtt})", display::payload(&msg.payload))),
            Err(e) => report.emit(Action::ExampleLog(LogLine::error(format!(
                "{} ({rtt})",
                display::error(&e)
            )))),
        }
    }

    step("draining the responder's subscription".into());
    responder_handle.drain().await.map_err(|e| e.to_string())?;
    step("responder drained: greet.* has no subscriber now".into());

    step("request greet.joe sent (timeout 0.5 s)".into());
    let started = Instant::now();
    let outcome = client.request("greet.joe", "").timeout(TIMEOUT).await;
    let rtt = elapsed_ms(started);
    match outcome {
        Err(e) if e.kind() == RequestErrorKind::NoResponders => {
            output(format!("no responders ({rtt})"))
        }
        Err(e) => report.emit(Action::ExampleLog(LogLine::error(format!(
            "{} ({rtt})",
            display::error(&e)
        )))),
        Ok(msg) => report.emit(Action::ExampleLog(LogLine::error(format!(
            "unexpected reply {}: another responder on greet.* is running ({rtt})",
            Quoted(&display::payload(&msg.payload))
        )))),
    }

    step("draining the connection".into());
    report.emit(Action::Status(Conn::Example, ConnStatus::Draining));
    client.drain().await.map_err(|e| e.to_string())?;
    step("connection drained".into());
    Ok(())
}

/// The step that says where the responder's greetings come from.
fn greetings_step(greetings: &Greetings, settled: bool) -> String {
    let bucket = display::subject(greetings.bucket());
    match (settled, greetings.count()) {
        _ if greetings.no_jetstream() => {
            "this server has no JetStream, so no greetings bucket: the responder answers hello, <name>".into()
        }
        (false, _) => format!(
            "bucket {bucket} not loaded within {} s: the responder answers hello, <name> until it is",
            SETTLE_WAIT.as_secs()
        ),
        (true, 0) => format!("no greetings in bucket {bucket}: the responder answers hello, <name>"),
        (true, 1) => format!("1 greeting in bucket {bucket}: the responder answers with it"),
        (true, n) => format!("{n} greetings in bucket {bucket}: the responder answers with them"),
    }
}

/// What a responder logs for a message it cannot answer.
pub fn not_a_greeting(subject: &str) -> String {
    format!(
        "responder ignored a message on {}: not greet.<name>",
        Quoted(&display::subject(subject))
    )
}

/// Milliseconds since `started`, as text with one decimal.
pub fn elapsed_ms(started: Instant) -> String {
    tenths_of_ms(started.elapsed())
}

/// `duration` in milliseconds with one decimal ("12.3 ms"), rounded to the nearest tenth.
/// Integer arithmetic on purpose: formatting an `f64` would add about 10 KB of wasm to the page.
fn tenths_of_ms(duration: std::time::Duration) -> String {
    // In u64: formatting the u128 of as_micros() would add 1.3 KB of wasm.
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    let tenths = micros.saturating_add(50) / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::tenths_of_ms;
    use std::time::Duration;

    #[test]
    fn durations_show_as_milliseconds_with_one_decimal_rounded() {
        assert_eq!(tenths_of_ms(Duration::ZERO), "0.0 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(1_234)), "1.2 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(1_250)), "1.3 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(999_960)), "1000.0 ms");
    }
}

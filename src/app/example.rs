//! The NATS by Example "request-reply" program, as its Python original runs it, reporting each
//! step to the page.

use std::time::Duration;

use futures::StreamExt;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

use super::display;
use super::events;
use super::state::{Action, Conn, ConnStatus, LogLine};
use nats_web::client::{channel, connect_with_events, RequestErrorKind};
use nats_web::proto::Quoted;
use nats_web::ConnectOptions;

/// The names the requester asks for, in order.
pub const NAMES: [&str; 3] = ["joe", "sue", "bob"];
/// The request timeout of the original program.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// Runs the program once on a connection of its own.
pub async fn run(servers: Vec<String>, report: Callback<Action>) {
    report.emit(Action::ExampleStarted);
    if let Err(e) = program(servers, &report).await {
        report.emit(Action::ExampleLog(LogLine::error(e)));
    }
    report.emit(Action::ExampleFinished);
}

async fn program(servers: Vec<String>, report: &Callback<Action>) -> Result<(), String> {
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

    let mut responder = client
        .subscribe("greet.*")
        .await
        .map_err(|e| e.to_string())?;
    let responder_handle = responder.handle();
    let ignored = report.clone();
    spawn_local(async move {
        while let Some(msg) = responder.next().await {
            match greeting_for(&msg.subject) {
                Some(greeting) => {
                    let _ = msg.respond(greeting).await;
                }
                None => ignored.emit(Action::ExampleLog(LogLine::error(not_a_greeting(
                    &msg.subject,
                )))),
            }
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

/// The responders' answer to a message on `subject`: `hello, <name>` for `greet.<name>`, and
/// nothing for any other subject (a server may deliver anything; nothing here may panic).
pub fn greeting_for(subject: &str) -> Option<String> {
    let name = subject.strip_prefix("greet.")?;
    (!name.is_empty()).then(|| format!("hello, {name}"))
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
    use super::{greeting_for, tenths_of_ms};
    use std::time::Duration;

    #[test]
    fn only_greet_dot_a_name_gets_a_greeting_and_no_subject_panics() {
        assert_eq!(greeting_for("greet.joe").as_deref(), Some("hello, joe"));
        // Shorter than `greet.`, as a hostile server may deliver on a `greet.*` subscription.
        for subject in ["greet", "greet.", "gr", "", "other.joe", "gré"] {
            assert_eq!(greeting_for(subject), None, "{subject:?}");
        }
        // Byte 6 falls inside `é`: slicing at `"greet.".len()` panicked here.
        assert_eq!(greeting_for("greetéjoe"), None);
    }

    #[test]
    fn durations_show_as_milliseconds_with_one_decimal_rounded() {
        assert_eq!(tenths_of_ms(Duration::ZERO), "0.0 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(1_234)), "1.2 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(1_250)), "1.3 ms");
        assert_eq!(tenths_of_ms(Duration::from_micros(999_960)), "1000.0 ms");
    }
}

//! The NATS by Example "request-reply" program, as its Python original runs it, reporting each
//! step to the page.

use std::time::Duration;

use futures::StreamExt;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;
use yew::Callback;

use super::events;
use super::state::{Action, Conn, ConnStatus, LogLine};
use crate::nats::client::{channel, connect_with_events, RequestErrorKind};
use crate::nats::proto::Quoted;
use crate::nats::ConnectOptions;

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
    spawn_local(async move {
        while let Some(msg) = responder.next().await {
            let name = &msg.subject["greet.".len()..];
            let _ = msg.respond(format!("hello, {name}")).await;
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
            Ok(msg) => output(format!("{} ({rtt})", String::from_utf8_lossy(&msg.payload))),
            Err(e) => report.emit(Action::ExampleLog(LogLine::error(format!("{e} ({rtt})")))),
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
        Err(e) => report.emit(Action::ExampleLog(LogLine::error(format!("{e} ({rtt})")))),
        Ok(msg) => report.emit(Action::ExampleLog(LogLine::error(format!(
            "unexpected reply {}: another responder on greet.* is running ({rtt})",
            Quoted(&String::from_utf8_lossy(&msg.payload))
        )))),
    }

    step("draining the connection".into());
    report.emit(Action::Status(Conn::Example, ConnStatus::Draining));
    client.drain().await.map_err(|e| e.to_string())?;
    step("connection drained".into());
    Ok(())
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

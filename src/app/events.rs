//! Turns a connection's [`ClientEvent`]s into page [`Action`]s.

use futures::StreamExt;
use yew::Callback;

use super::display;
use super::state::{Action, Conn, ConnStatus, LogLine, TraceEntry};
use nats_web::client::{channel, ClientEvent};
use nats_web::conn::CloseReason;
use nats_web::proto::ServerInfo;

/// Forwards every event of one connection to the page until the connection closes.
pub async fn forward(
    conn: Conn,
    mut events: channel::Receiver<ClientEvent>,
    report: Callback<Action>,
) {
    while let Some(event) = events.next().await {
        for action in actions_for(conn, event, since_page_start_us()) {
            report.emit(action);
        }
    }
}

/// Microseconds since the page's first call (the trace's clock).
fn since_page_start_us() -> u64 {
    thread_local! {
        static START: web_time::Instant = web_time::Instant::now();
    }
    START.with(|start| u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
}

/// The page actions one client event, seen at `at_us`, stands for.
pub fn actions_for(conn: Conn, event: ClientEvent, at_us: u64) -> Vec<Action> {
    let log = |line| match conn {
        Conn::Example => Action::ExampleLog(line),
        Conn::Playground => Action::PlaygroundLog(line),
    };
    match event {
        ClientEvent::Connected { url, info } => vec![Action::Status(conn, connected(url, info))],
        ClientEvent::Disconnected { url, reason } => vec![
            log(LogLine::error(format!("lost {url}: {reason}"))),
            Action::Status(conn, ConnStatus::Disconnected(reason.to_string())),
        ],
        ClientEvent::Reconnecting { attempt, url } => {
            vec![Action::Status(
                conn,
                ConnStatus::Reconnecting { attempt, url },
            )]
        }
        ClientEvent::Reconnected { url, info } => vec![
            log(LogLine::step(format!(
                "reconnected to {url}; subscriptions restored"
            ))),
            Action::Status(conn, connected(url, info)),
        ],
        ClientEvent::ServerInfo(_) => vec![],
        ClientEvent::ServerError(e) => vec![log(LogLine::error(display::line(&e.to_string())))],
        ClientEvent::Trace(line) => vec![Action::Trace(TraceEntry { conn, line, at_us })],
        ClientEvent::SlowConsumer { sid, dropped } => vec![log(LogLine::error(format!(
            "subscription {sid} is not read fast enough: messages past its pending limits are \
             dropped ({dropped} so far)"
        )))],
        ClientEvent::LameDuckMode { url } => vec![log(LogLine::step(format!(
            "{url} is shutting down (lame-duck mode): moving to another server soon"
        )))],
        ClientEvent::PublishDropped { subject, reason } => vec![log(LogLine::error(format!(
            "a message to {} buffered while disconnected was not sent: {reason}",
            nats_web::proto::Quoted(&display::subject(&subject))
        )))],
        ClientEvent::HeldPublishesDiscarded { messages, bytes } => {
            vec![log(LogLine::error(format!(
                "closed while disconnected: {messages} buffered messages ({bytes} bytes) were \
                 never sent"
            )))]
        }
        ClientEvent::SendBacklogDiscarded { bytes } => vec![log(LogLine::error(format!(
            "the connection dropped with {bytes} bytes of messages not yet sent: they were lost"
        )))],
        ClientEvent::Draining => vec![Action::Status(conn, ConnStatus::Draining)],
        ClientEvent::Closed(CloseReason::Drained) => {
            vec![Action::Status(conn, ConnStatus::Closed("drained".into()))]
        }
        ClientEvent::Closed(CloseReason::ClosedByClient) => {
            vec![Action::Status(
                conn,
                ConnStatus::Closed("closed by the page".into()),
            )]
        }
        ClientEvent::Closed(reason) => {
            vec![Action::Status(conn, ConnStatus::Error(reason.to_string()))]
        }
    }
}

/// The status for a connection to `url`, naming the server by name (or id) and version.
fn connected(url: String, info: ServerInfo) -> ConnStatus {
    ConnStatus::Connected {
        server: if info.server_name.is_empty() {
            info.server_id
        } else {
            info.server_name
        },
        version: info.version,
        url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_names_the_server_and_its_version() {
        let info = ServerInfo {
            server_name: "dev".into(),
            version: "2.9.10".into(),
            ..Default::default()
        };
        let actions = actions_for(
            Conn::Example,
            ClientEvent::Connected {
                url: "ws://x".into(),
                info,
            },
            0,
        );
        assert_eq!(
            actions,
            [Action::Status(
                Conn::Example,
                ConnStatus::Connected {
                    server: "dev".into(),
                    version: "2.9.10".into(),
                    url: "ws://x".into()
                }
            )]
        );
    }

    #[test]
    fn an_unexpected_close_is_an_error_status_with_its_reason() {
        let actions = actions_for(
            Conn::Playground,
            ClientEvent::Closed(CloseReason::TransportClosed(
                "ws://x the connection dropped".into(),
            )),
            0,
        );
        assert_eq!(
            actions,
            [Action::Status(
                Conn::Playground,
                ConnStatus::Error("connection lost: ws://x the connection dropped".into())
            )]
        );
    }
}

//! The task that answers a service's discovery subjects and watches its connection: it stops
//! the service when the connection closes or the server refuses one of its subscriptions.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use nats_core::service::Verb;

use super::instance::{reply_json, State};
use super::lifecycle::fail;
use super::Error;
use crate::client::{channel, Error as ClientError, ErrorKind, Subscriber};
use crate::{Client, ClientEvent};

/// What [`Rotating`] yields.
pub(crate) enum Polled<K, S: Stream> {
    /// A message of the stream of key `K`.
    Item(K, S::Item),
    /// A stream ended (and was taken out): given back to ask it why.
    Ended(S),
}

/// Several streams as one, each poll starting after the stream that yielded last, so that a
/// steady flow on one (bare `$SRV.PING` from many tools) cannot starve the others; it ends
/// when all have (a few lines where `select_all` would cost kilobytes).
pub(crate) struct Rotating<K, S> {
    streams: Vec<(K, S)>,
    next: usize,
}

impl<K, S> Rotating<K, S> {
    pub(crate) fn new(streams: Vec<(K, S)>) -> Self {
        Rotating { streams, next: 0 }
    }
}

impl<K: Copy + Unpin, S: Stream + Unpin> Stream for Rotating<K, S> {
    type Item = Polled<K, S>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let len = self.streams.len();
        if len == 0 {
            return Poll::Ready(None);
        }
        let start = self.next % len;
        for k in 0..len {
            let i = (start + k) % len;
            let Some((key, stream)) = self.streams.get_mut(i) else {
                continue;
            };
            match Pin::new(stream).poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let key = *key;
                    self.next = i + 1;
                    return Poll::Ready(Some(Polled::Item(key, item)));
                }
                Poll::Ready(None) => {
                    self.next = i;
                    let (_, stream) = self.streams.remove(i);
                    return Poll::Ready(Some(Polled::Ended(stream)));
                }
                Poll::Pending => {}
            }
        }
        Poll::Pending
    }
}

/// One thing for the task to handle.
enum Input {
    Discovery(Polled<Verb, Subscriber>),
    Event(ClientEvent),
}

/// The error a service stops with when its connection closed.
fn closed_error(reason: impl std::fmt::Display) -> Error {
    ClientError::new(
        ErrorKind::Closed,
        format!("the connection closed: {reason}"),
    )
    .into()
}

/// The events the task acts on: a server error (it may refuse a subscription of the service)
/// and the close. Not the rest (a traced connection's every operation).
pub(crate) fn wanted(event: &ClientEvent) -> bool {
    matches!(event, ClientEvent::ServerError(_) | ClientEvent::Closed(_))
}

/// At most this many [`wanted`] events wait for the task; more are dropped. Each one only
/// makes the task look at the service's subscriptions (which all refusals so far have
/// marked), and a dropped `Closed` is seen when the discovery subscriptions end.
pub(crate) const WATCH_LIMIT: usize = 4;

/// Answers discovery until every discovery subscription has ended; stops the service (with
/// the reason) when the connection closes or the server refuses a subscription of it.
pub(crate) fn spawn(
    client: Client,
    state: Rc<RefCell<State>>,
    verbs: Vec<(Verb, Subscriber)>,
    events: channel::Receiver<ClientEvent>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut verbs = Rotating::new(verbs);
        let mut events = Some(events);
        loop {
            let input = futures::future::poll_fn(|cx| {
                if let Some(receiver) = events.as_mut() {
                    match receiver.poll_next_unpin(cx) {
                        Poll::Ready(Some(event)) => return Poll::Ready(Some(Input::Event(event))),
                        Poll::Ready(None) => events = None,
                        Poll::Pending => {}
                    }
                }
                verbs.poll_next_unpin(cx).map(|p| p.map(Input::Discovery))
            })
            .await;
            match input {
                None => break,
                Some(Input::Discovery(Polled::Item(verb, message))) => {
                    let Some(reply) = message.reply.as_deref() else {
                        continue;
                    };
                    let json = reply_json(&state, verb);
                    // A reply that cannot be sent (closed, buffer full) is the requester's loss.
                    let _ = client.publish_now(reply, &json);
                }
                Some(Input::Discovery(Polled::Ended(subscriber))) => {
                    if let Some(error) = subscriber.error() {
                        fail(&state, error.into());
                    }
                }
                Some(Input::Event(ClientEvent::ServerError(_))) => refused_endpoint(&state),
                Some(Input::Event(ClientEvent::Closed(reason))) => {
                    fail(&state, closed_error(reason))
                }
                Some(Input::Event(_)) => {}
            }
        }
        // Every discovery subscription ended: stopped, or the connection closed.
        if let Some(reason) = client.close_reason() {
            fail(&state, closed_error(reason));
        }
    });
}

/// After a server error: if it refused an endpoint's subscription, that endpoint counts the
/// error and the service stops with it (as nats.go does).
pub(crate) fn refused_endpoint(state: &Rc<RefCell<State>>) {
    let refused = {
        let Ok(mut state) = state.try_borrow_mut() else {
            return;
        };
        if state.stopped {
            return;
        }
        let found = state
            .endpoints
            .iter_mut()
            .find_map(|e| e.handle.error().map(|error| (e, error)));
        found.map(|(entry, error)| {
            entry.stats.record_error(error.to_string());
            error
        })
    };
    if let Some(error) = refused {
        fail(state, error.into());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::stream;

    #[test]
    fn the_task_watches_only_server_errors_and_the_close() {
        use nats_core::conn::CloseReason;
        assert!(wanted(&ClientEvent::Closed(CloseReason::ClosedByClient)));
        assert!(wanted(&ClientEvent::ServerError(
            nats_core::conn::ServerError::parse("Permissions Violation for Subscription to \"a\"")
        )));
        assert!(!wanted(&ClientEvent::LameDuckMode {
            url: "ws://x".into()
        }));
        assert!(!wanted(&ClientEvent::SlowConsumer { sid: 1, dropped: 2 }));
    }

    #[test]
    fn a_steady_stream_on_one_discovery_subject_does_not_starve_the_others() {
        let mut merged = Rotating::new(vec![
            ("ping", stream::repeat(1).boxed_local()),
            ("info", stream::repeat(2).boxed_local()),
            ("stats", stream::iter([3]).boxed_local()),
        ]);
        let seen: Vec<&str> = block_on(async {
            let mut seen = Vec::new();
            for _ in 0..7 {
                match merged.next().await {
                    Some(Polled::Item(key, _)) => seen.push(key),
                    Some(Polled::Ended(_)) => seen.push("ended"),
                    None => break,
                }
            }
            seen
        });
        assert_eq!(
            seen,
            ["ping", "info", "stats", "ping", "info", "ended", "ping"]
        );
    }
}

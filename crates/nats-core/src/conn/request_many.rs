//! Scatter-gather, as nats.js' `requestMany`: one request, several replies on the muxed inbox,
//! ended by a count, a total wait, a stall between replies or an empty sentinel message.
//!
//! A request made with [`Connection::request_many`] lives in the same table as the single
//! requests ([`Connection::request`]), under its own token of the muxed inbox
//! (`<inbox prefix>.<id>`). So everything that holds for a request holds for it: a connection
//! drain waits for it to end (or for the drain timeout), a lost transport ends it with
//! [`ResponsesEnd::Disconnected`] (not a lame-duck move, nor a forced reconnect), a close with
//! [`ResponsesEnd::Closed`], its publish never reaches the wire once it has ended, and the
//! connection's one deadline ([`Connection::poll_timeout`]) includes its deadlines.
//!
//! Each reply is reported as [`Event::RequestManyResponse`]; the end, exactly once, as
//! [`Event::RequestManyEnded`], after which no reply of it is reported.

use std::fmt;
use std::time::Duration;

use super::{Connection, Event, Message, PendingRequest, RequestFailure, RequestId, MAX_WAIT};
use crate::proto::HeaderMap;
use crate::time::Instant;

/// When a [`Connection::request_many`] ends, besides a failure. Every condition given applies;
/// the first one met ends it. Names as nats.js' `RequestManyOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestManyOptions {
    /// The longest the whole request waits, from the publish on (nats.js `maxWait`); capped at
    /// [`MAX_WAIT`]. Ends it with [`ResponsesEnd::MaxWait`].
    pub max_wait: Duration,
    /// End after this many replies (nats.js `maxMessages`, strategy `count`): the last one is
    /// reported, then [`ResponsesEnd::MaxMessages`]. `None` (or 0, as nats.js): no count.
    pub max_messages: Option<usize>,
    /// End when no reply came for this long after the previous one (nats.js strategy
    /// `stall`): [`ResponsesEnd::Stall`]. Until the first reply only `max_wait` applies.
    pub stall: Option<Duration>,
    /// End at a reply with an empty payload and no header block (nats.js strategy
    /// `sentinel`): it is not reported as a reply, [`ResponsesEnd::Sentinel`] is.
    pub sentinel: bool,
}

impl RequestManyOptions {
    /// Replies for up to `max_wait`, no other end.
    pub fn new(max_wait: Duration) -> Self {
        RequestManyOptions {
            max_wait,
            max_messages: None,
            stall: None,
            sentinel: false,
        }
    }
}

/// Why a [`Connection::request_many`] ended: a normal end (a condition of its
/// [`RequestManyOptions`]) or a failure ([`ResponsesEnd::failure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponsesEnd {
    /// [`RequestManyOptions::max_messages`] replies came.
    MaxMessages,
    /// [`RequestManyOptions::max_wait`] passed.
    MaxWait,
    /// No reply came within [`RequestManyOptions::stall`] of the previous one.
    Stall,
    /// The sentinel came: a reply with an empty payload and no headers.
    Sentinel,
    /// Nobody is subscribed to the subject: the server answered with status 503 before any
    /// reply (as [`RequestFailure::NoResponders`] for a single request).
    NoResponders,
    /// The connection closed (or its drain timed out) before the end.
    Closed,
    /// The transport was lost before the end; the client is reconnecting.
    Disconnected,
    /// The server refused the subscription to the request inbox: no reply can arrive.
    PermissionDenied,
    /// It had headers, was held while disconnected, and the server it then went to takes no
    /// headers: it was never sent.
    HeadersNotSupported,
}

impl ResponsesEnd {
    /// The failure it is, as a single request reports it; `None` for the normal ends
    /// (count, wait, stall, sentinel).
    pub fn failure(self) -> Option<RequestFailure> {
        match self {
            ResponsesEnd::MaxMessages
            | ResponsesEnd::MaxWait
            | ResponsesEnd::Stall
            | ResponsesEnd::Sentinel => None,
            ResponsesEnd::NoResponders => Some(RequestFailure::NoResponders),
            ResponsesEnd::Closed => Some(RequestFailure::Closed),
            ResponsesEnd::Disconnected => Some(RequestFailure::Disconnected),
            ResponsesEnd::PermissionDenied => Some(RequestFailure::PermissionDenied),
            ResponsesEnd::HeadersNotSupported => Some(RequestFailure::HeadersNotSupported),
        }
    }
}

impl From<RequestFailure> for ResponsesEnd {
    /// The end a single request's failure is for a request_many (`TimedOut`: its wait).
    fn from(failure: RequestFailure) -> Self {
        match failure {
            RequestFailure::TimedOut => ResponsesEnd::MaxWait,
            RequestFailure::NoResponders => ResponsesEnd::NoResponders,
            RequestFailure::Closed => ResponsesEnd::Closed,
            RequestFailure::Disconnected => ResponsesEnd::Disconnected,
            RequestFailure::PermissionDenied => ResponsesEnd::PermissionDenied,
            RequestFailure::HeadersNotSupported => ResponsesEnd::HeadersNotSupported,
        }
    }
}

impl fmt::Display for ResponsesEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failure() {
            Some(failure) => failure.fmt(f),
            None => f.write_str(match self {
                ResponsesEnd::MaxMessages => "maximum number of replies received",
                ResponsesEnd::MaxWait => "maximum wait passed",
                ResponsesEnd::Stall => "no reply within the stall time",
                _ => "sentinel received",
            }),
        }
    }
}

/// What a request_many waits for, besides what every request has.
#[derive(Debug, Clone)]
pub(super) struct Many {
    /// The end of its total wait.
    max_wait_at: Instant,
    /// Replies still to come before [`ResponsesEnd::MaxMessages`].
    remaining: Option<usize>,
    stall: Option<Duration>,
    sentinel: bool,
    /// Replies reported so far.
    received: usize,
}

impl PendingRequest {
    /// What to report when it ends with `failure`.
    pub(super) fn failed(&self, id: RequestId, kind: RequestFailure) -> Event {
        match self.many {
            Some(_) => Event::RequestManyEnded {
                id,
                end: kind.into(),
            },
            None => Event::RequestFailed { id, kind },
        }
    }
}

impl Connection {
    /// Sends a request to `subject` and takes every reply until one of the ends in `options`
    /// (or a failure): each reply is [`Event::RequestManyResponse`] with the returned id, the
    /// end [`Event::RequestManyEnded`]. Refused as [`Connection::request`] refuses.
    pub fn request_many(
        &mut self,
        now: Instant,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        options: &RequestManyOptions,
    ) -> Result<RequestId, super::CommandError> {
        let id = self.publish_request(subject, headers, payload)?;
        let max_wait_at = now + options.max_wait.min(MAX_WAIT);
        let many = Many {
            max_wait_at,
            remaining: options.max_messages.filter(|n| *n > 0),
            stall: options.stall.map(|s| s.min(MAX_WAIT)),
            sentinel: options.sentinel,
            received: 0,
        };
        self.requests.insert(
            id,
            PendingRequest {
                deadline: max_wait_at,
                many: Some(many),
            },
        );
        Ok(RequestId(id))
    }

    /// Forgets request `id` (single or many) whose owner no longer wants it: no event of it
    /// follows, its token of the inbox is free (a late reply is dropped), and if its publish
    /// still waits for a server it is never sent. A connection drain no longer waits for it.
    /// Does nothing for a request that already ended.
    pub fn cancel_request(&mut self, id: RequestId) {
        if self.requests.remove(&id.0).is_none() {
            return;
        }
        self.held.remove_requests(|held| held == id.0);
        self.advance_drain();
    }

    /// A reply on the inbox for token `id`: the request's reply or one of a request_many's.
    /// Nothing is reported for a token that has no request (it ended, or was canceled).
    pub(super) fn handle_reply(&mut self, now: Instant, id: u64, message: Message) {
        let Some(request) = self.requests.get_mut(&id) else {
            return;
        };
        let rid = RequestId(id);
        let Some(many) = request.many.as_mut() else {
            self.requests.remove(&id);
            self.events.push_back(if message.is_no_responders() {
                Event::RequestFailed {
                    id: rid,
                    kind: RequestFailure::NoResponders,
                }
            } else {
                Event::Response { id: rid, message }
            });
            return;
        };
        // The server answers 503 only when nobody was subscribed; after a reply it is a
        // responder's own message, delivered as such.
        let end = if many.received == 0 && message.is_no_responders() {
            Some(ResponsesEnd::NoResponders)
        } else if many.sentinel && message.payload.is_empty() && message.raw_headers.is_none() {
            Some(ResponsesEnd::Sentinel)
        } else {
            many.received += 1;
            if let Some(stall) = many.stall {
                request.deadline = many.max_wait_at.min(now + stall);
            }
            let last = many.remaining.map(|n| n.saturating_sub(1));
            many.remaining = last;
            self.events
                .push_back(Event::RequestManyResponse { id: rid, message });
            (last == Some(0)).then_some(ResponsesEnd::MaxMessages)
        };
        if let Some(end) = end {
            self.requests.remove(&id);
            self.events
                .push_back(Event::RequestManyEnded { id: rid, end });
        }
    }

    /// Ends every request whose deadline has passed: a single one fails with
    /// [`RequestFailure::TimedOut`], a request_many ends with [`ResponsesEnd::MaxWait`] or
    /// [`ResponsesEnd::Stall`].
    pub(super) fn expire_requests(&mut self, now: Instant) {
        let events = &mut self.events;
        let mut expired_any = false;
        self.requests.retain(|id, request| {
            let expired = request.deadline <= now;
            if expired {
                expired_any = true;
                let id = RequestId(id);
                events.push_back(match &request.many {
                    None => Event::RequestFailed {
                        id,
                        kind: RequestFailure::TimedOut,
                    },
                    Some(many) => Event::RequestManyEnded {
                        id,
                        end: if many.max_wait_at <= now {
                            ResponsesEnd::MaxWait
                        } else {
                            ResponsesEnd::Stall
                        },
                    },
                });
            }
            !expired
        });
        if expired_any {
            // A request reported ended must never reach the wire later.
            let requests = &self.requests;
            self.held.remove_requests(|id| !requests.contains_key(&id));
        }
    }
}

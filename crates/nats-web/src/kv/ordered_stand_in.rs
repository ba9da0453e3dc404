//! A stand-in for helper B's ordered consumer (`crate::jetstream::ordered_consumer`), with
//! its API, until it is merged. Removed at the merge.
#![allow(dead_code, missing_docs)]

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures::Stream;

use crate::jetstream::{Context, JetStreamError, JetStreamErrorKind, JsMessage};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DeliverFrom {
    #[default]
    All,
    New,
    LastPerSubject,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderedOptions {
    pub filter_subjects: Vec<String>,
    pub deliver: DeliverFrom,
    pub headers_only: bool,
    pub idle_heartbeat: std::time::Duration,
}

pub struct OrderedMessages;

impl OrderedMessages {
    pub fn pending(&self) -> u64 {
        0
    }
}

impl Stream for OrderedMessages {
    type Item = Result<JsMessage, JetStreamError>;
    fn poll_next(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(None)
    }
}

pub async fn ordered_consumer(
    _context: &Context,
    _stream: &str,
    _options: OrderedOptions,
) -> Result<OrderedMessages, JetStreamError> {
    Err(JetStreamError::new(
        JetStreamErrorKind::InvalidArgument,
        "the ordered consumer is not merged yet",
    ))
}

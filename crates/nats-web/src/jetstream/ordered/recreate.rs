//! Making, replacing and dropping the ordered consumer's server-side consumer: a fresh inbox
//! and name for each, the create, the retry wait after a refusal, the delete in the
//! background.

use nats_core::jetstream::consumer::ConsumerInfo;
use nats_core::jetstream::consumer_created::ConsumerCreated;
use nats_core::jetstream::ordered::retry::{is_temporary, retry_wait};
use nats_core::jetstream::ordered::{HeartbeatMonitor, ResetReason};

use super::MIN_PENDING_BYTES;
use super::{Context, JetStreamError, JetStreamErrorKind, OrderedMessages, Phase, Pinned};
use crate::platform::{now, random_seed};

impl OrderedMessages {
    /// Subscribes to a fresh inbox and sends the create of the next consumer; the future
    /// resolves with the server's answer.
    pub(super) fn start_consumer(
        &mut self,
    ) -> Result<Pinned<Result<ConsumerInfo, JetStreamError>>, JetStreamError> {
        let client = self.client().clone();
        let inbox = client.new_inbox();
        let name = inbox.rsplit('.').next().unwrap_or_default().to_owned();
        let version = client.server_info().map(|i| i.version).unwrap_or_default();
        let config = self
            .machine
            .consumer_config(&inbox, &name, &version)
            .map_err(JetStreamError::invalid)?;
        let mut limits = client.default_pending_limits();
        limits.bytes = limits.bytes.max(MIN_PENDING_BYTES);
        let subscription = client
            .subscribe_inner(&inbox, None, Some(limits))
            .map_err(|e| {
                JetStreamError::new(
                    JetStreamErrorKind::Connection,
                    format!("subscribing to the ordered consumer's inbox: {e}"),
                )
            })?;
        self.subscription = Some(subscription);
        self.consumer = Some(name);
        let context = self.context.clone();
        let stream = self.stream.clone();
        Ok(Box::pin(async move {
            // Reads only what `created` uses of the answer.
            let created: ConsumerCreated = context.create_consumer_reading(&stream, config).await?;
            Ok(ConsumerInfo::from(created))
        }))
    }

    /// A create the server answered with an error made no consumer: nothing to delete. (One
    /// that timed out may have: that one is deleted.)
    pub(super) fn not_created(&mut self, error: &JetStreamError) {
        if error.api_error().is_some() {
            self.consumer = None;
        }
    }

    /// The server accepted the consumer.
    pub(super) fn created(&mut self, info: &ConsumerInfo) {
        self.moves += 1;
        self.failures = 0;
        self.retrying = None;
        self.machine.created(info);
        self.phase = Phase::Running;
        self.restart_monitor();
    }

    pub(super) fn restart_monitor(&mut self) {
        self.monitor = HeartbeatMonitor::new(now(), self.machine.options().idle_heartbeat);
        self.probe = None;
        self.deadline.clear();
    }

    /// Drops the consumer in use (deleted in the background) and starts the next one. A
    /// `reason` is counted when there was a consumer to reset (not while waiting to retry: a
    /// reconnect then only cuts the wait short).
    pub(super) fn reset(&mut self, reason: Option<ResetReason>) {
        if let (Some(reason), Phase::Running | Phase::Creating(_)) = (reason, &self.phase) {
            self.machine.reset(reason);
        }
        self.forget_consumer();
        self.try_create();
    }

    /// Unsubscribes from the consumer in use and deletes it on the server, best effort.
    pub(super) fn forget_consumer(&mut self) {
        self.subscription = None;
        if let Some(name) = self.consumer.take() {
            delete_in_background(self.context.clone(), self.stream.clone(), name);
        }
    }

    /// Starts a create now; a config that cannot work any more ends the stream.
    pub(super) fn try_create(&mut self) {
        self.moves += 1;
        self.restart_monitor();
        match self.start_consumer() {
            Ok(create) => self.phase = Phase::Creating(create),
            Err(e) => self.end(Some(e)),
        }
    }

    /// A create failed: wait and retry a temporary refusal, or end with a permanent one
    /// (see [`nats_core::jetstream::ordered::retry`]).
    pub(super) fn create_failed(&mut self, error: JetStreamError) {
        self.moves += 1;
        self.not_created(&error);
        if self.is_terminal(&error) {
            self.forget_consumer();
            self.end(Some(error));
            return;
        }
        self.forget_consumer();
        self.failures = self.failures.saturating_add(1);
        let [a, b, c, d, ..] = random_seed();
        let wait = retry_wait(self.failures, u32::from_le_bytes([a, b, c, d]));
        self.deadline.set(now() + wait);
        self.retrying = Some(error);
        self.phase = Phase::Waiting;
    }

    /// Whether `error` ends the stream: the connection is closed, or retrying cannot help
    /// (an API refusal that is not [`is_temporary`], a config refused before sending, a
    /// reply that does not read). Timeouts, no responders (JetStream starting) and a lost
    /// connection are retried.
    pub(super) fn is_terminal(&self, error: &JetStreamError) -> bool {
        let permanent = match error.kind() {
            JetStreamErrorKind::Api => !error.api_error().is_some_and(is_temporary),
            JetStreamErrorKind::InvalidArgument
            | JetStreamErrorKind::Malformed
            | JetStreamErrorKind::PermissionDenied => true,
            JetStreamErrorKind::Timeout
            | JetStreamErrorKind::NoResponders
            | JetStreamErrorKind::Connection => false,
        };
        permanent || self.client().close_reason().is_some()
    }
}

/// Deletes consumer `name` without waiting for the answer (bounded by the context's timeout).
fn delete_in_background(context: Context, stream: String, name: String) {
    if context.client().close_reason().is_some() {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let _ = context.delete_consumer(&stream, &name).await;
    });
}

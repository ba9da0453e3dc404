//! Reading one stored message: by direct get (any replica answers; the stream needs
//! `allow_direct`) or by `STREAM.MSG.GET` (the leader answers; any stream).

use nats_core::jetstream::api::tail;
use nats_core::jetstream::direct::{GetError, GetRequest, StoredMessage};
use nats_core::jetstream::stream::validate_stream_name;

use super::{Context, JetStreamError, JetStreamErrorKind};

impl Context {
    /// The message `request` names, by direct get (`DIRECT.GET.<stream>`); `None` if there is
    /// no such message. If the stream does not allow direct get (`allow_direct`) or does not
    /// exist: [`JetStreamErrorKind::NoResponders`] from nats-server 2.10 on,
    /// [`JetStreamErrorKind::Timeout`] from 2.9, which does not answer.
    pub async fn direct_get(
        &self,
        stream: &str,
        request: &GetRequest,
    ) -> Result<Option<StoredMessage>, JetStreamError> {
        validate_stream_name(stream)?;
        request.validate().map_err(JetStreamError::invalid)?;
        let subject = self.prefix.subject(&tail::direct_get(stream));
        let reply = self
            .client
            .request(subject.as_str(), request.to_json())
            .timeout(self.timeout)
            .await
            .map_err(|e| {
                let error = JetStreamError::from_request(e, &subject, NO_DIRECT_GET);
                match error.kind() {
                    JetStreamErrorKind::Timeout => JetStreamError::new(
                        JetStreamErrorKind::Timeout,
                        format!("{error}: {NO_DIRECT_GET}? (nats-server 2.9 does not answer then)"),
                    ),
                    _ => error,
                }
            })?;
        found(
            StoredMessage::from_direct(reply.headers.as_ref(), &reply.payload),
            stream,
        )
    }

    /// The message `request` names, by `STREAM.MSG.GET.<stream>` (the stream's leader
    /// answers; no `allow_direct` needed); `None` if there is no such message.
    pub async fn stream_message(
        &self,
        stream: &str,
        request: &GetRequest,
    ) -> Result<Option<StoredMessage>, JetStreamError> {
        validate_stream_name(stream)?;
        request.validate().map_err(JetStreamError::invalid)?;
        let reply = self
            .request_raw(&tail::stream_msg_get(stream), request.to_json())
            .await?;
        found(StoredMessage::from_msg_get(&reply.payload), stream)
    }
}

/// Why nobody answers a direct get.
const NO_DIRECT_GET: &str =
    "the stream does not exist or does not allow direct get (allow_direct), or JetStream is \
     not enabled";

/// A get's outcome: the message, `None` for "no such message", or the error.
fn found(
    result: Result<StoredMessage, GetError>,
    stream: &str,
) -> Result<Option<StoredMessage>, JetStreamError> {
    let context = format!("getting a message of stream {stream}");
    match result {
        Ok(message) => Ok(Some(message)),
        Err(GetError::NotFound) => Ok(None),
        Err(GetError::Api(api)) => Err(JetStreamError::api(api, &context)),
        Err(GetError::Malformed(why)) => Err(JetStreamError::new(
            JetStreamErrorKind::Malformed,
            format!("{context}: {why}"),
        )),
    }
}

//! Reading a key's latest stored message: direct get when the bucket allows it (any replica
//! answers), else `STREAM.MSG.GET` (the leader answers).

use nats_core::jetstream::api::tail;
use nats_core::jetstream::direct::{GetError, GetRequest, StoredMessage};

use crate::jetstream::{Context, JetStreamError, JetStreamErrorKind};

/// The last message stored on `subject` in `stream`, `None` when there is none.
pub(crate) async fn last_message(
    context: &Context,
    stream: &str,
    subject: &str,
    direct: bool,
) -> Result<Option<StoredMessage>, JetStreamError> {
    let request = GetRequest::last_by_subject(subject).to_json();
    let api = if direct {
        tail::direct_get(stream)
    } else {
        tail::stream_msg_get(stream)
    };
    let reply = context.request_raw(&api, request).await?;
    let read = if direct {
        StoredMessage::from_direct(reply.headers.as_ref(), &reply.payload)
    } else {
        StoredMessage::from_msg_get(&reply.payload)
    };
    match read {
        Ok(message) => Ok(Some(message)),
        Err(GetError::NotFound) => Ok(None),
        Err(GetError::Api(error)) => Err(JetStreamError::api(error, &format!("reading {subject}"))),
        Err(GetError::Malformed(why)) => Err(JetStreamError::new(
            JetStreamErrorKind::Malformed,
            format!("reading {subject}: {why}"),
        )),
    }
}

//! The Greetings panel's edits of the bucket, and what each did, in the panel's log.

use super::Greetings;
use crate::app::display;
use crate::app::state::{GreetingEdit, LogLine, MAX_GREETING_BYTES};
use nats_web::kv::{KvError, KvErrorKind};

impl Greetings {
    /// Carries `edit` out on the bucket; the watch shows its effect, the log says how it went.
    /// A name the list does not show is written with `create`, so a value the page has not
    /// seen (written a moment ago elsewhere, or past the keys the page keeps) is never
    /// overwritten; a greeting longer than the page keeps is refused before anything is sent
    /// (the field's `maxlength` counts UTF-16 units, not bytes).
    pub async fn edit(&self, edit: GreetingEdit) {
        let store = self.store.borrow().clone();
        let Some(store) = store else {
            return self.log(LogLine::error(
                "the bucket is not open: see the Greetings status above; nothing was written",
            ));
        };
        if let GreetingEdit::Put { value, .. } | GreetingEdit::Update { value, .. } = &edit {
            if value.len() > MAX_GREETING_BYTES as usize {
                return self.log(LogLine::error(format!(
                    "a greeting of {} bytes is longer than the {MAX_GREETING_BYTES} bytes this page's bucket takes; nothing was written",
                    value.len()
                )));
            }
        }
        let line = match edit {
            GreetingEdit::Put { key, value } => {
                match store.create(&key, value.into_bytes()).await {
                    Ok(revision) => {
                        LogLine::step(format!("put {}: revision {revision}", name(&key)))
                    }
                    Err(e) => LogLine::error(failure("put", &key, &e, None)),
                }
            }
            GreetingEdit::Update {
                key,
                value,
                revision,
            } => match store.update(&key, value.into_bytes(), revision).await {
                Ok(new) => LogLine::step(format!(
                    "updated {} from revision {revision}: revision {new}",
                    name(&key)
                )),
                Err(e) => LogLine::error(failure("update", &key, &e, Some(revision))),
            },
            GreetingEdit::Delete { key } => match store.delete(&key).await {
                Ok(()) => LogLine::step(format!(
                    "deleted {}: its replies are hello, <name> again",
                    name(&key)
                )),
                Err(e) => LogLine::error(failure("delete", &key, &e, None)),
            },
        };
        self.log(line);
    }
}

/// A key as the log shows it.
fn name(key: &str) -> String {
    display::subject(key).into_owned()
}

/// What the log says of a failed edit: a change made elsewhere and an invalid name in words a
/// person acts on, anything else as the client says it.
fn failure(verb: &str, key: &str, e: &KvError, revision: Option<u64>) -> String {
    let key = name(key);
    match (e.kind(), revision) {
        (KvErrorKind::WrongLastRevision, Some(revision)) => format!(
            "{key} changed elsewhere since revision {revision}, reload: the list shows its latest value; Edit it and Put again (nothing was written)"
        ),
        (KvErrorKind::KeyExists, None) => format!(
            "{key} was given a greeting elsewhere a moment ago: the list shows it; Edit it and Put again (nothing was written)"
        ),
        (KvErrorKind::InvalidKey, _) => format!(
            "invalid name {key}: a key is letters, digits and - _ / = . (not starting or ending with a dot); nothing was written"
        ),
        _ => format!("{verb} {key} failed: {}", display::error(e)),
    }
}

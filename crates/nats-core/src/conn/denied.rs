//! A permission violation on SUB: the subscriptions it names end with the error and are not
//! sent again; a refused request inbox fails the requests at once.

use super::{Connection, Event, RequestFailure, ServerError};

impl Connection {
    /// A `-ERR` refusing a SUB for `subject` (in `queue`): every subscription it names ends
    /// with the error and is forgotten (never sent again). If it names the request inbox,
    /// waiting requests fail now and later ones are refused.
    pub(super) fn subscription_denied(
        &mut self,
        error: &ServerError,
        subject: &str,
        queue: Option<&str>,
    ) {
        let denied: Vec<u64> = self
            .subscriptions
            .iter()
            .filter(|(_, s)| s.subject == subject && s.queue.as_deref() == queue)
            .map(|(sid, _)| sid)
            .collect();
        for sid in denied {
            self.subscriptions.remove(&sid);
            self.events.push_back(Event::SubscriptionDenied {
                sid,
                error: error.clone(),
            });
        }
        let is_inbox = queue.is_none()
            && self.inbox.as_ref().is_some_and(|inbox| {
                subject
                    .strip_prefix(inbox.prefix.as_str())
                    .is_some_and(|rest| rest == ".*")
            });
        if is_inbox {
            self.inbox = None;
            self.inbox_denied = Some(error.clone());
            self.fail_requests(RequestFailure::PermissionDenied);
        }
    }
}

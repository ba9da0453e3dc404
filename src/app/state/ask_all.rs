//! What "Ask all" shows: one request to `greet.<name>` and every reply to it.

/// One reply to an "Ask all" request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskReply {
    /// The reply, shortened, with its size if it was long.
    pub text: String,
    /// Who answered: this page's greet service or another client.
    pub responder: String,
    /// Time since the request was sent, e.g. `1.2 ms`.
    pub after: String,
}

/// The latest "Ask all" request and its replies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AskAll {
    /// Which request this is: actions of any earlier one (an "Ask all" clicked while the
    /// previous one still gathers) are ignored.
    pub id: u64,
    /// The subject asked.
    pub subject: String,
    /// The replies, in the order received, at most [`ASK_ALL_LIMIT`].
    pub replies: Vec<AskReply>,
    /// Replies received past [`ASK_ALL_LIMIT`], counted, not listed.
    pub more: usize,
    /// Why it ended (or why it failed); `None` while replies may still come.
    pub end: Option<String>,
    /// Whether the end is a failure (no responders, closed, ...).
    pub failed: bool,
}

/// Replies one "Ask all" lists at most; the count of the rest is shown.
pub const ASK_ALL_LIMIT: usize = 100;

impl AskAll {
    /// Request `id` to `subject`, no replies yet.
    pub fn new(id: u64, subject: String) -> Self {
        AskAll {
            id,
            subject,
            ..AskAll::default()
        }
    }

    /// Adds a reply, up to [`ASK_ALL_LIMIT`]; counts the rest.
    pub fn push(&mut self, reply: AskReply) {
        if self.replies.len() < ASK_ALL_LIMIT {
            self.replies.push(reply);
        } else {
            self.more += 1;
        }
    }
}

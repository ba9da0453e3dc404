//! The lines of the page's logs.

/// One line of a log: what happened, and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// What the line says.
    pub text: String,
    /// How it reads: a result, a step, or an error.
    pub tone: Tone,
}

/// How a log line is shown (and announced); never the only carrier of meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A step of the program (subscribed, request sent, draining, ...).
    Step,
    /// An outcome the program prints (a reply, "no responders").
    Output,
    /// Something went wrong.
    Error,
}

/// Helpers to build log lines.
impl LogLine {
    /// A step of the program.
    pub fn step(text: impl Into<String>) -> Self {
        LogLine {
            text: text.into(),
            tone: Tone::Step,
        }
    }

    /// An outcome the program prints.
    pub fn output(text: impl Into<String>) -> Self {
        LogLine {
            text: text.into(),
            tone: Tone::Output,
        }
    }

    /// An error.
    pub fn error(text: impl Into<String>) -> Self {
        LogLine {
            text: text.into(),
            tone: Tone::Error,
        }
    }
}

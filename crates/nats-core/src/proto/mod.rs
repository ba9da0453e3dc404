//! The NATS client protocol as data: no I/O, no clock.
//!
//! [`parse_server_op`] turns received bytes into [`ServerOp`]s incrementally; [`ClientOp::encode`]
//! writes operations into a caller-owned buffer. Subjects, queue groups and headers are checked by
//! the functions in [`validate`] before anything is encoded, so that no user input can inject
//! protocol.

mod encode;
mod headers;
mod info;
pub(crate) mod json;
mod nuid;
mod op;
mod parser;
mod quoted;
pub mod validate;

pub use encode::Decimal;
pub use headers::{HeaderError, HeaderMap, StatusCode};
pub use info::{ConnectInfo, ServerInfo};
pub use nuid::{Nuid, NUID_LEN};
pub use op::{ClientOp, MsgOp, ServerOp};
pub use parser::{parse_server_op, ParseError, ParseLimits, Parsed};
pub use quoted::Quoted;

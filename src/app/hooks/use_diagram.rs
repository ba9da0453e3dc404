//! [`use_diagram`]: the sequence diagram of one connection, rebuilt only when the trace or the
//! connection changes (the page re-renders on every log line and status too).

use std::rc::Rc;

use yew::prelude::*;

use crate::app::diagram::{self, Diagram};
use crate::app::state::{Conn, PageState};

/// The diagram of `conn` from `state`'s trace.
#[hook]
pub fn use_diagram(state: &PageState, conn: Conn) -> Rc<Diagram> {
    // The trace only grows at its end (dropping from its front): its length, what it dropped
    // and its last entry's time tell a change.
    let key = (
        conn,
        state.trace.len(),
        state.trace_dropped,
        state.trace.back().map(|e| e.at_us),
    );
    use_memo(key, |(conn, ..)| diagram::build(state.trace.iter(), *conn))
}

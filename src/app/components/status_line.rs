//! A connection's status as a sentence, announced to screen readers when it changes.

use yew::prelude::*;

use crate::app::state::ConnStatus;

/// Props of [`StatusLine`].
#[derive(Properties, PartialEq)]
pub struct StatusLineProps {
    /// Which connection, e.g. "Example connection".
    pub label: AttrValue,
    /// Its status.
    pub status: ConnStatus,
}

/// `Example connection: connected to dev (nats-server 2.9.10) at ws://…`.
#[function_component(StatusLine)]
pub fn status_line(props: &StatusLineProps) -> Html {
    let state = match &props.status {
        ConnStatus::Idle | ConnStatus::Closed(_) => "idle",
        ConnStatus::Connecting(_) | ConnStatus::Draining => "busy",
        ConnStatus::Disconnected(_) | ConnStatus::Reconnecting { .. } => "error",
        ConnStatus::Connected { .. } => "ok",
        ConnStatus::Error(_) => "error",
    };
    html! {
        <p class="status" data-state={state} role="status" aria-live="polite">
            <strong>{ format!("{}: ", props.label) }</strong>
            { props.status.text() }
        </p>
    }
}

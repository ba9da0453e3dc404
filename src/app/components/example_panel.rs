//! The request-reply example: what it does, its steps and outputs, and a button to run it again.

use std::rc::Rc;

use yew::prelude::*;

use super::{LogList, StatusLine};
use crate::app::state::{ConnStatus, LogLine};

/// Props of [`ExamplePanel`].
#[derive(Properties, PartialEq)]
pub struct ExamplePanelProps {
    /// Status of the example's connection.
    pub status: ConnStatus,
    /// Steps and outputs of the latest run.
    pub log: Rc<Vec<LogLine>>,
    /// Whether a run is in progress.
    pub running: bool,
    /// Starts another run.
    pub on_run: Callback<()>,
    /// Whether the playground's greet service runs: it would answer the example's requests
    /// too (its "no responders" one included), so the example waits for it to stop.
    #[prop_or_default]
    pub blocked: bool,
}

/// The example section.
#[function_component(ExamplePanel)]
pub fn example_panel(props: &ExamplePanelProps) -> Html {
    let on_click = props.on_run.reform(|_: MouseEvent| ());
    html! {
        <section aria-labelledby="example-title">
            <h2 id="example-title">{ "Request-reply, as in NATS by Example" }</h2>
            <p>
                { "A responder subscribes to " }<code>{ "greet.*" }</code>
                { " and answers " }<code>{ "hello, <name>" }</code>
                { ". A requester asks " }<code>{ "greet.joe" }</code>{ ", " }<code>{ "greet.sue" }</code>
                { " and " }<code>{ "greet.bob" }</code>
                { " with a 0.5 s timeout. Then the responder's subscription is drained, so the next request gets "
                  }<em>{ "no responders" }</em>{ ", and the connection is drained. Every line below comes from a real nats-server over a WebSocket." }
            </p>
            <StatusLine label="Example connection" status={props.status.clone()} />
            <LogList label="Example output" lines={props.log.clone()} empty="Starting…" />
            <button type="button" onclick={on_click} disabled={props.running || props.blocked}>
                { if props.running { "Running…" } else { "Run example" } }
            </button>
            if props.blocked {
                <p class="empty">{ "The playground's greet service is running: it would answer the example's requests too. Stop it to run the example again." }</p>
            }
        </section>
    }
}

//! The protocol trace: the operations each connection sent and received.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

use crate::app::display;
use crate::app::state::{arrow, trace_jetstream, TraceEntry};

/// Props of [`TracePanel`].
#[derive(Properties)]
pub struct TracePanelProps {
    /// Lines, oldest first.
    pub lines: Rc<VecDeque<TraceEntry>>,
    /// How many older lines were dropped.
    pub dropped: usize,
    /// Service discovery operations (`$SRV.…`) counted, not kept.
    #[prop_or_default]
    pub discovery: usize,
    /// JetStream idle heartbeats counted, not kept.
    #[prop_or_default]
    pub heartbeats: usize,
}

impl PartialEq for TracePanelProps {
    /// The trace only grows at its end and drops from its front, counting what it dropped: its
    /// length and that count (and the discovery count) tell every change, without comparing
    /// 400 lines (or the wasm code to).
    fn eq(&self, other: &Self) -> bool {
        self.lines.len() == other.lines.len()
            && self.dropped == other.dropped
            && self.discovery == other.discovery
            && self.heartbeats == other.heartbeats
    }
}

/// The trace section; newest lines at the bottom.
#[function_component(TracePanel)]
pub fn trace_panel(props: &TracePanelProps) -> Html {
    html! {
        <section aria-labelledby="trace-title">
            <h2 id="trace-title">{ "Protocol trace" }</h2>
            <p>{ "What went over the WebSocket: → sent by the page, ← received from nats-server. Bodies are shortened. JetStream's traffic is tagged: its API requests (" }<code>{ "$JS.API.…" }</code>{ "), KV writes (" }<code>{ "$KV.…" }</code>{ ") and the watch's deliveries." }</p>
            if props.dropped > 0 {
                <p class="empty">{ format!("{} older lines not shown", props.dropped) }</p>
            }
            if props.discovery > 0 {
                <p class="empty">{ format!("{} service discovery operations ($SRV.…) counted, not shown", props.discovery) }</p>
            }
            if props.heartbeats > 0 {
                <p class="empty">{ format!("{} JetStream idle heartbeats (the Greetings watch's, while the bucket is quiet) counted, not shown", props.heartbeats) }</p>
            }
            <ol class="trace" aria-label="Protocol trace">
                { for props.lines.iter().map(|TraceEntry { conn, line, .. }| html! {
                    <li><span class="conn">{ conn.label() }</span>{ " " }{ arrow(line.direction) }{ " " }
                        if let Some(tag) = trace_jetstream::tag(&line.op) { <span class="tag">{ tag }</span>{ " " } }
                        <code>{ display::trace_line(line) }</code></li>
                }) }
            </ol>
        </section>
    }
}

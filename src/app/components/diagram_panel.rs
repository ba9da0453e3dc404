//! The live sequence diagram of one of the page's connections, with a switch between them.

use std::rc::Rc;

use yew::prelude::*;

use super::sequence_diagram;
use crate::app::diagram::{Arrow, Diagram};
use crate::app::display;
use crate::app::state::Conn;

/// Props of [`DiagramPanel`].
#[derive(Properties)]
pub struct DiagramPanelProps {
    /// The connection drawn.
    pub conn: Conn,
    /// Its diagram.
    pub diagram: Rc<Diagram>,
    /// Switches to another connection.
    pub on_show: Callback<Conn>,
    /// Service discovery operations of the connection the trace counted instead of keeping.
    #[prop_or_default]
    pub discovery: usize,
}

impl PartialEq for DiagramPanelProps {
    /// The diagram is rebuilt (a new `Rc`) whenever what it draws changes: comparing where it
    /// is is enough, and cheaper in wasm than comparing every arrow.
    fn eq(&self, other: &Self) -> bool {
        self.conn == other.conn
            && Rc::ptr_eq(&self.diagram, &other.diagram)
            && self.on_show == other.on_show
            && self.discovery == other.discovery
    }
}

/// The diagram section.
#[function_component(DiagramPanel)]
pub fn diagram_panel(props: &DiagramPanelProps) -> Html {
    let d = &props.diagram;
    let switch = |conn: Conn| {
        let on_show = props.on_show.clone();
        html! {
            <button type="button" class="toggle" aria-pressed={(props.conn == conn).to_string()}
                onclick={Callback::from(move |_: MouseEvent| on_show.emit(conn))}>
                { conn.label() }
            </button>
        }
    };
    let mut notes = Vec::new();
    if d.older > 0 {
        notes.push(format!("{} earlier operations not drawn", d.older));
    }
    let discovery = d.discovery + props.discovery;
    if discovery > 0 {
        notes.push(format!(
            "{discovery} service discovery operations ($SRV.…) left out"
        ));
    }
    html! {
        <section aria-labelledby="diagram-title" class="diagram-panel">
            <h2 id="diagram-title">{ "Sequence diagram" }</h2>
            <p>
                { "Drawn live from the connection's own trace. A request (" }<span class="key request">{ "blue" }</span>
                { ") goes to nats-server, which delivers it to every subscribed responder (" }<span class="key deliver">{ "green" }</span>
                { "); each reply (" }<span class="key reply">{ "purple" }</span>
                { ") goes to the requester's one muxed inbox subscription. With nobody subscribed the server itself answers with status 503, " }
                <span class="key no-responders">{ "no responders" }</span>
                { ". Times count from each arrow's request (before the first request: from the connection's CONNECT). JetStream's API (JS API …) and KV writes are answered by nats-server itself; the Greetings watch has a lane of its own (KV watch). Hover an arrow for its trace line." }
            </p>
            <div class="controls" role="group" aria-label="Connection drawn">
                { switch(Conn::Example) }{ switch(Conn::Playground) }
            </div>
            if !notes.is_empty() {
                <p class="empty">{ notes.join("; ") }</p>
            }
            <div class="diagram">
                if d.arrows.is_empty() {
                    <p class="empty">{ "No requests on this connection yet." }</p>
                } else {
                    { sequence_diagram(d, format!("Sequence diagram of the {} connection: {} operations, listed as text below", props.conn.label(), d.arrows.len())) }
                }
            </div>
            if !d.arrows.is_empty() {
                <details class="diagram-text">
                    <summary>{ "The diagram as text" }</summary>
                    <ol aria-label="Sequence diagram as text">
                        { for d.arrows.iter().map(|a| html! { <li>{ arrow_text(d, a) }</li> }) }
                    </ol>
                </details>
            }
        </section>
    }
}

/// One arrow as a sentence: `+0.3 ms example (requester) → nats-server: PUB greet.joe ↩ …`.
fn arrow_text(d: &Diagram, a: &Arrow) -> String {
    let lane = |i: usize| d.lanes.get(i).map_or("?", |l| l.label.as_str());
    format!(
        "+{} {} → {}: {}",
        display::millis(a.at_us),
        lane(a.from),
        lane(a.to),
        a.label
    )
}

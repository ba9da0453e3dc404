//! The live sequence diagram of one of the page's connections, with a switch between them.

use std::rc::Rc;

use yew::prelude::*;

use super::sequence_diagram;
use crate::app::diagram::Diagram;
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
}

impl PartialEq for DiagramPanelProps {
    /// The diagram is rebuilt (a new `Rc`) whenever what it draws changes: comparing where it
    /// is is enough, and cheaper in wasm than comparing every arrow.
    fn eq(&self, other: &Self) -> bool {
        self.conn == other.conn
            && Rc::ptr_eq(&self.diagram, &other.diagram)
            && self.on_show == other.on_show
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
    if d.discovery > 0 {
        notes.push(format!(
            "{} service discovery operations ($SRV.…) left out",
            d.discovery
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
                <span class="key no-responders">{ "no responders" }</span>{ ". Hover an arrow for its trace line." }
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
                    { sequence_diagram(d, format!("Sequence diagram of the {} connection: {} operations", props.conn.label(), d.arrows.len())) }
                }
            </div>
        </section>
    }
}

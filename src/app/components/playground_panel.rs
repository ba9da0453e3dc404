//! The playground: start and stop the greet service, send requests for any name, one reply
//! or all of them.

use std::rc::Rc;
use web_sys::HtmlInputElement;

use yew::prelude::*;

use super::{ask_all_list, LogList, StatusLine};
use crate::app::state::{AskAll, ConnStatus, LogLine};

/// Props of [`PlaygroundPanel`].
#[derive(Properties, PartialEq)]
pub struct PlaygroundPanelProps {
    /// Status of the playground connection.
    pub status: ConnStatus,
    /// Whether the greet service runs.
    pub responder_running: bool,
    /// Whether the greet service is being started.
    #[prop_or_default]
    pub responder_starting: bool,
    /// What happened so far.
    pub log: Rc<Vec<LogLine>>,
    /// Starts the greet service.
    pub on_start: Callback<()>,
    /// Stops the greet service.
    pub on_drain: Callback<()>,
    /// Requests `greet.<name>`.
    pub on_request: Callback<String>,
    /// Requests `greet.<name>` and takes every reply.
    pub on_ask_all: Callback<String>,
    /// The latest "Ask all".
    pub ask_all: Option<AskAll>,
}

/// The name the playground's field starts with.
const FIRST_NAME: &str = "ann";

/// The playground section.
#[function_component(PlaygroundPanel)]
pub fn playground_panel(props: &PlaygroundPanelProps) -> Html {
    let name = use_node_ref();
    {
        // The field's first value, set once: a `value` attribute would be put back by every
        // re-render (yew sets it whenever the field's text differs), erasing what was typed.
        let name = name.clone();
        use_effect_with((), move |_| {
            if let Some(input) = name.cast::<HtmlInputElement>() {
                input.set_value(FIRST_NAME);
            }
        });
    }
    let on_submit = {
        let (name, on_request) = (name.clone(), props.on_request.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = name.cast::<HtmlInputElement>() {
                on_request.emit(input.value());
            }
        })
    };
    let on_ask_all = {
        let (name, on_ask_all) = (name.clone(), props.on_ask_all.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = name.cast::<HtmlInputElement>() {
                on_ask_all.emit(input.value());
            }
        })
    };
    let connected = matches!(props.status, ConnStatus::Connected { .. });
    html! {
        <section aria-labelledby="playground-title">
            <h2 id="playground-title">{ "Playground" }</h2>
            <p>
                { "A second connection that stays open. Its responder is a NATS service, " }<code>{ "greet" }</code>
                { ": while it runs it answers any NATS client on the same server (" }
                <code>{ "nats req greet.ann ''" }</code>{ "), and every NATS tool can discover and measure it (" }
                <code>{ "nats micro ls" }</code>{ "). " }<em>{ "Send request" }</em>
                { " takes the first reply of any responder; " }<em>{ "Ask all" }</em>
                { " takes every reply within a second: one from each plain subscriber and one from each queue group (every instance of a service shares the queue group " }
                <code>{ "q" }</code>{ ", so one of them answers for all)." }
            </p>
            <StatusLine label="Playground connection" status={props.status.clone()} />
            <div class="controls">
                <button type="button" onclick={props.on_start.reform(|_: MouseEvent| ())}
                    disabled={!connected || props.responder_running || props.responder_starting}>{ "Start service" }</button>
                <button type="button" onclick={props.on_drain.reform(|_: MouseEvent| ())}
                    disabled={!props.responder_running}>{ "Stop service" }</button>
                <span class="responder-state" role="status">
                    { if props.responder_running { "greet service: running on greet.* (queue group q)" } else { "greet service: stopped" } }
                </span>
            </div>
            <form class="controls" onsubmit={on_submit}>
                <label for="name">{ "Name" }</label>
                <input id="name" name="name" ref={name} autocomplete="off" spellcheck="false" />
                <button type="submit" disabled={!connected}>{ "Send request" }</button>
                <button type="button" onclick={on_ask_all} disabled={!connected}>{ "Ask all" }</button>
            </form>
            if let Some(ask) = &props.ask_all {
                { ask_all_list(ask) }
            }
            <LogList label="Playground log" lines={props.log.clone()} empty="Nothing yet." />
        </section>
    }
}

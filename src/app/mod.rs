//! The page: the NATS by Example request-reply program, a playground with the greet service
//! and "Ask all", the greetings both answer with (a KV bucket, watched live and edited in its
//! panel), the services on the server, a live sequence diagram and the protocol trace.
//!
//! State lives in one reducer ([`state::PageState`]); the example ([`example`]) and the
//! playground ([`playground`]) report into it through actions; components only render it.

pub mod components;
pub mod config;
pub mod diagram;
pub mod display;
pub mod events;
pub mod example;
pub mod greetings;
pub mod hooks;
pub mod playground;
pub mod services;
pub mod state;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use components::{
    DiagramPanel, ExamplePanel, GreetingsPanel, PlaygroundPanel, ServicesPanel, TracePanel,
};
use playground::Playground;
use state::{Action, PageState};

/// Props of [`App`].
#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// The servers to connect to.
    pub servers: Vec<String>,
    /// The KV bucket of the greetings.
    #[prop_or(AttrValue::Static(state::DEFAULT_BUCKET))]
    pub bucket: AttrValue,
}

/// The whole page.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| PageState::with_bucket(props.servers.clone(), &props.bucket));
    let report = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| {
            Callback::from(move |a: Action| dispatcher.dispatch(a))
        })
    };
    let playground = {
        let (report, bucket) = ((*report).clone(), props.bucket.clone());
        use_memo((), move |_| Playground::with_bucket(report, &bucket))
    };
    let greeting_actions = hooks::use_greeting_actions(playground.greetings());
    let monitor = use_memo((), |_| services::Monitor::default());
    let diagram = hooks::use_diagram(&state, state.diagram_conn);

    {
        let (servers, report, playground, monitor) = (
            props.servers.clone(),
            (*report).clone(),
            (*playground).clone(),
            (*monitor).clone(),
        );
        use_effect_with((), move |_| {
            let greetings = playground.greetings().clone();
            spawn_local(example::run(servers.clone(), report.clone(), greetings));
            let connecting = playground.clone();
            let monitoring = monitor.clone();
            let monitor_servers = servers.clone();
            spawn_local(async move { connecting.connect(servers).await });
            spawn_local(async move { monitoring.run(monitor_servers, report).await });
            move || {
                playground.shut_down();
                monitor.stop();
            }
        });
    }

    let on_run = {
        let (servers, report) = (props.servers.clone(), (*report).clone());
        let greetings = playground.greetings().clone();
        Callback::from(move |()| {
            let (servers, report) = (servers.clone(), report.clone());
            spawn_local(example::run(servers, report, greetings.clone()))
        })
    };
    let on_start = {
        let p = (*playground).clone();
        Callback::from(move |()| {
            let p = p.clone();
            spawn_local(async move { p.start_service().await })
        })
    };
    let on_drain = {
        let p = (*playground).clone();
        Callback::from(move |()| {
            let p = p.clone();
            spawn_local(async move { p.stop_service().await })
        })
    };
    let on_request = {
        let (p, report) = ((*playground).clone(), (*report).clone());
        Callback::from(move |name: String| {
            report.emit(Action::ShowDiagram(state::Conn::Playground));
            let p = p.clone();
            spawn_local(async move { p.send_request(name).await })
        })
    };

    let on_ask_all = {
        let (p, report) = ((*playground).clone(), (*report).clone());
        Callback::from(move |name: String| {
            report.emit(Action::ShowDiagram(state::Conn::Playground));
            let p = p.clone();
            spawn_local(async move { p.ask_all(name).await })
        })
    };

    html! {
        <main>
            <header>
                <h1>{ "NATS in the browser, in Rust" }</h1>
                <p>
                    { "A NATS client written in Rust, compiled to WebAssembly, talking to nats-server's WebSocket listener at " }
                    <code>{ state.servers.join(", ") }</code>
                    { ". Add " }<code>{ "?servers=ws://host:port" }</code>{ " to the address to use another server." }
                </p>
            </header>
            <ExamplePanel status={state.example_status.clone()} log={state.example_log.clone()}
                running={state.example_running} on_run={on_run} blocked={state.responder_running} />
            <PlaygroundPanel status={state.playground_status.clone()} responder_running={state.responder_running}
                responder_starting={state.responder_starting}
                log={state.playground_log.clone()} on_start={on_start} on_drain={on_drain} on_request={on_request}
                on_ask_all={on_ask_all} ask_all={state.ask_all.clone()} />
            <GreetingsPanel view={state.greetings.clone()} on_edit={greeting_actions.on_edit}
                on_retry={greeting_actions.on_retry} />
            <ServicesPanel services={state.services.clone()} />
            <DiagramPanel conn={state.diagram_conn} diagram={diagram.clone()}
                discovery={state.discovery_ops(state.diagram_conn)}
                on_show={report.reform(Action::ShowDiagram)} />
            <TracePanel lines={state.trace.clone()} dropped={state.trace_dropped} heartbeats={state.heartbeats}
                discovery={state.discovery_ops(state::Conn::Example) + state.discovery_ops(state::Conn::Playground)} />
        </main>
    }
}

/// Mounts the page into `root`, connecting to `servers` (used by the browser tests).
pub fn mount(root: web_sys::Element, servers: Vec<String>) -> yew::AppHandle<App> {
    mount_with_bucket(root, servers, state::DEFAULT_BUCKET)
}

/// Mounts the page into `root`, connecting to `servers`, with the greetings in `bucket` (the
/// browser tests give each page a fresh one).
pub fn mount_with_bucket(
    root: web_sys::Element,
    servers: Vec<String>,
    bucket: &str,
) -> yew::AppHandle<App> {
    let props = AppProps {
        servers,
        bucket: AttrValue::from(bucket.to_owned()),
    };
    yew::Renderer::<App>::with_root_and_props(root, props).render()
}

/// Mounts the page into `<body>`, with the servers from `?servers=` or the dev server.
pub fn start() {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let props = AppProps {
        servers: config::servers_from_query(&query),
        bucket: AttrValue::from(config::bucket_from_query(&query)),
    };
    yew::Renderer::<App>::with_props(props).render();
}

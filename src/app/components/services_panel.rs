//! The Services panel: every service on the server (this page's greet and anyone else's),
//! with its info and live statistics.

use std::rc::Rc;

use yew::prelude::*;

use crate::app::display;
use crate::app::state::{ServiceRow, ServicesView, SERVICES_LIMIT};
use nats_web::service::{EndpointInfo, EndpointStats, Metadata};

/// Props of [`ServicesPanel`].
#[derive(Properties)]
pub struct ServicesPanelProps {
    /// What the latest refresh found.
    pub services: Rc<ServicesView>,
}

impl PartialEq for ServicesPanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.services.same(&other.services)
    }
}

/// The Services section.
#[function_component(ServicesPanel)]
pub fn services_panel(props: &ServicesPanelProps) -> Html {
    let view = &props.services;
    let summary = match (view.refreshes, view.rows.len()) {
        (0, _) => "looking for services…".to_owned(),
        (_, 0) => "no services on this server right now".to_owned(),
        (_, 1) => "1 service instance".to_owned(),
        (_, n) if n >= SERVICES_LIMIT => format!("the first {n} service instances"),
        (_, n) => format!("{n} service instances"),
    };
    html! {
        <section aria-labelledby="services-title" class="services-panel">
            <h2 id="services-title">{ "Services" }</h2>
            <p>
                { "Every NATS service on the server, found with " }<code>{ "$SRV.INFO" }</code>{ " and " }
                <code>{ "$SRV.STATS" }</code>{ " (the ADR-32 protocol of " }<code>{ "nats micro" }</code>
                { "), on a connection of this panel's own; the statistics refresh every 2 s." }
            </p>
            // Only the summary is a live region: it changes when what was found does, not at
            // every refresh.
            <p class="status" data-state={if view.error.is_some() { "error" } else { "ok" }}>
                <strong>{ "Services: " }</strong>
                <span role="status">
                    { summary }
                    if let Some(e) = &view.error { { format!("; last refresh failed: {}", display::line(e)) } }
                </span>
                <span class="refreshes">{ format!(" (refresh {})", view.refreshes) }</span>
            </p>
            <div class="services">
                { for view.rows.iter().map(service) }
            </div>
        </section>
    }
}

/// The endpoint table's column headers (one loop in the view: less wasm than seven `<th>`s).
const COLUMNS: [&str; 7] = [
    "endpoint",
    "subject",
    "queue",
    "requests",
    "errors",
    "avg time",
    "last error",
];

fn service(row: &ServiceRow) -> Html {
    let info = &row.info;
    let stats = row.stats.as_ref();
    let started = stats
        .map(|s| format!("started {}", display::subject(&s.started)))
        .unwrap_or_default();
    html! {
        <article class="service" aria-label={format!("service {}", display::subject(&info.name))}>
            <h3>
                { display::subject(&info.name).into_owned() }{ " " }
                <span class="version">{ display::subject(&info.version).into_owned() }</span>
            </h3>
            <p class="service-id">{ format!("id {} · {started}", display::subject(&info.id)) }</p>
            if !info.description.is_empty() {
                <p>{ display::shorten(&info.description, display::PAYLOAD_CHARS).into_owned() }</p>
            }
            { metadata(&info.metadata) }
            <div class="table">
                <table>
                    <thead><tr>
                        { for COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }
                    </tr></thead>
                    <tbody>
                        { for row.endpoints.iter().map(|e| endpoint(&e.info, e.stats.as_ref())) }
                    </tbody>
                </table>
            </div>
            if row.more_endpoints > 0 {
                <p class="empty">{ format!("… and {} more endpoints", row.more_endpoints) }</p>
            }
        </article>
    }
}

fn metadata(metadata: &Metadata) -> Html {
    if metadata.is_empty() {
        return html! {};
    }
    let text = metadata
        .iter()
        .take(10)
        .map(|(k, v)| format!("{}={}", display::subject(k), display::subject(v)))
        .collect::<Vec<_>>()
        .join(", ");
    html! { <p class="metadata">{ format!("metadata: {text}") }</p> }
}

fn endpoint(info: &EndpointInfo, stats: Option<&EndpointStats>) -> Html {
    let cell = |f: &dyn Fn(&EndpointStats) -> String| stats.map(f).unwrap_or_else(|| "–".into());
    html! {
        <tr>
            <td>{ display::subject(&info.name).into_owned() }</td>
            <td><code>{ display::subject(&info.subject).into_owned() }</code></td>
            <td>{ display::subject(&info.queue_group).into_owned() }</td>
            <td class="number">{ cell(&|s| s.num_requests.to_string()) }</td>
            <td class="number">{ cell(&|s| s.num_errors.to_string()) }</td>
            <td class="number">{ cell(&|s| display::nanos(s.average_processing_time)) }</td>
            <td>{ cell(&|s| display::subject(&s.last_error).into_owned()) }</td>
        </tr>
    }
}

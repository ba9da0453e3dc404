//! The Services panel's monitor: a connection of its own (untraced, so that monitoring does not
//! crowd the trace) that asks every service on the server for its info and statistics, with
//! the client's `service::Discovery`, every [`REFRESH`].

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

use super::state::{service_rows, Action};
use nats_web::client::connect;
use nats_web::service::Discovery;
use nats_web::ConnectOptions;

/// Time between two refreshes of the panel.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The monitor; cheap to clone, one per page.
#[derive(Clone, Default)]
pub struct Monitor {
    stopped: Rc<Cell<bool>>,
}

impl PartialEq for Monitor {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.stopped, &other.stopped)
    }
}

impl Monitor {
    /// Connects and refreshes until [`Monitor::stop`]; reports each refresh to `report`.
    pub async fn run(&self, servers: Vec<String>, report: Callback<Action>) {
        let options = ConnectOptions::new()
            .servers(servers)
            .name("nats-web services panel")
            .max_reconnects(None);
        let client = match connect(options).await {
            Ok(client) => client,
            Err(e) => return report.emit(Action::Services(Err(e.to_string()))),
        };
        let discovery = Discovery::new(&client);
        while !self.stopped.get() {
            let (infos, stats) = futures::join!(discovery.info(None), discovery.stats(None));
            let found = match (infos, stats) {
                (Ok(infos), Ok(stats)) => Ok(service_rows(infos, stats)),
                (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
            };
            report.emit(Action::Services(found));
            sleep(REFRESH).await;
        }
        let _ = client.drain().await;
    }

    /// Ends the refreshes (when the page goes away).
    pub fn stop(&self) {
        self.stopped.set(true);
    }
}

/// Resolves after `duration` (the page's `setTimeout`).
pub(crate) async fn sleep(duration: Duration) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), millis);
    });
    let _ = JsFuture::from(promise).await;
}

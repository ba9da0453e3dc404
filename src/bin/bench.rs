//! The benchmark page for this client (`bench/ours.html`): runs one workload named in the query
//! (`?servers=ws://…&workload=seq&n=2000`) and writes its result as JSON into
//! `<pre id="result">`, exactly as the nats-core and raw-WebSocket pages in `bench/js/` do.
//! `scripts/bench.sh` opens the pages in turn and prints the table. Built with the `jetstream`
//! feature (`bench/ours-kv.html`) it also runs the Key-Value workloads `kv_*` (`bench/kv.rs`).

use std::future::IntoFuture;
use std::time::Duration;

use futures::channel::oneshot;
use futures::stream::{self, StreamExt, TryStreamExt};
use nats_web::client::{Client, RequestErrorKind};
use nats_web::{connect, ConnectOptions};
use nats_web_demo::app::config::servers_from_query;
use wasm_bindgen_futures::spawn_local;

/// The Key-Value workloads (`bench/ours-kv.html` builds this page with `jetstream`).
#[cfg(feature = "jetstream")]
#[path = "bench/kv.rs"]
mod kv;

/// talc instead of dlmalloc: 2.7 KB less gzip for the page (README, "Page weight").
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

const TIMEOUT: Duration = Duration::from_secs(5);
/// `seq`: uncounted requests first, as `WARMUP` in `bench/js/page.js`: V8 moves hot wasm to its
/// optimizing tier during the first few hundred requests.
const WARMUP: usize = 500;

fn main() {
    spawn_local(async {
        let result = run()
            .await
            .unwrap_or_else(|e| Json::object().string("error", &e));
        if let Some(pre) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("result"))
        {
            pre.set_text_content(Some(&result.end()));
        }
    });
}

/// Milliseconds since navigation started.
fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn param(query: &str, key: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
}

async fn run() -> Result<Json, String> {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let servers = servers_from_query(&query);
    let n = |default: usize| {
        param(&query, "n")
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    let connect = || connect(ConnectOptions::new().servers(servers.clone()));
    match param(&query, "workload").as_deref() {
        Some("seed") => {
            let start_ms = now();
            let client = connect().await.map_err(|e| e.to_string())?;
            let connected_ms = now();
            Ok(seed(client)
                .await?
                .number("start_ms", start_ms)
                .number("connected_ms", connected_ms))
        }
        Some("seq") => seq(pair(connect().await, connect().await)?, n(2000)).await,
        Some("inflight") => inflight(pair(connect().await, connect().await)?, n(20_000)).await,
        Some("pubsub") => pubsub(pair(connect().await, connect().await)?, n(200_000)).await,
        Some("big") => big(pair(connect().await, connect().await)?, n(200)).await,
        #[cfg(feature = "jetstream")]
        Some(workload) if workload.starts_with("kv_") => {
            let (client, other) = pair(connect().await, connect().await)?;
            let default = match workload {
                "kv_put" | "kv_get" => 2000,
                "kv_load" => 10_000,
                _ => 20_000,
            };
            kv::run(workload, client, other, n(default)).await
        }
        other => Err(format!("unknown workload {other:?}")),
    }
    .map_err(|e| e.to_string())
}

type Connected = Result<Client, nats_web::client::ConnectError>;

fn pair(a: Connected, b: Connected) -> Result<(Client, Client), String> {
    Ok((a.map_err(|e| e.to_string())?, b.map_err(|e| e.to_string())?))
}

/// Subscribes `client` to `subject`, answering every request with `reply`.
async fn respond(client: &Client, subject: &str, reply: Vec<u8>) -> Result<(), String> {
    let mut sub = client.subscribe(subject).await.map_err(|e| e.to_string())?;
    spawn_local(async move {
        while let Some(msg) = sub.next().await {
            let _ = msg.respond(&reply).await;
        }
    });
    client.flush().await.map_err(|e| e.to_string())
}

async fn seed(client: Client) -> Result<Json, String> {
    let mut sub = client
        .subscribe("greet.*")
        .await
        .map_err(|e| e.to_string())?;
    let handle = sub.handle();
    spawn_local(async move {
        while let Some(msg) = sub.next().await {
            if let Some(name) = msg.subject.strip_prefix("greet.") {
                let _ = msg.respond(format!("hello, {name}")).await;
            }
        }
    });
    let mut first_reply_ms = None;
    for name in ["joe", "sue", "bob"] {
        let timeout = Duration::from_millis(500);
        let reply = client
            .request(format!("greet.{name}"), "")
            .timeout(timeout)
            .await;
        reply.map_err(|e| e.to_string())?;
        first_reply_ms.get_or_insert_with(now);
    }
    handle.drain().await.map_err(|e| e.to_string())?;
    let outcome = client
        .request("greet.joe", "")
        .timeout(Duration::from_millis(500))
        .await;
    if outcome.err().map(|e| e.kind()) != Some(RequestErrorKind::NoResponders) {
        return Err("expected no responders".into());
    }
    client.drain().await.map_err(|e| e.to_string())?;
    Ok(Json::object()
        .number("done_ms", now())
        .optional_number("first_reply_ms", first_reply_ms))
}

async fn seq((responder, requester): (Client, Client), n: usize) -> Result<Json, String> {
    respond(&responder, "bench.echo", Vec::new()).await?;
    for _ in 0..WARMUP {
        requester
            .request("bench.echo", "")
            .timeout(TIMEOUT)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut latencies = Vec::with_capacity(n);
    let start = now();
    for _ in 0..n {
        let t = now();
        requester
            .request("bench.echo", "")
            .timeout(TIMEOUT)
            .await
            .map_err(|e| e.to_string())?;
        latencies.push(now() - t);
    }
    Ok(Json::object()
        .numbers("latencies_ms", &latencies)
        .number("total_ms", now() - start))
}

async fn inflight((responder, requester): (Client, Client), n: usize) -> Result<Json, String> {
    respond(&responder, "bench.echo", Vec::new()).await?;
    let start = now();
    stream::iter(0..n)
        .map(|_| {
            requester
                .request("bench.echo", "")
                .timeout(TIMEOUT)
                .into_future()
        })
        .buffer_unordered(100)
        .map_err(|e| e.to_string())
        .try_for_each(|_| async { Ok(()) })
        .await?;
    Ok(Json::object()
        .integer("n", n)
        .number("total_ms", now() - start))
}

async fn pubsub((subscriber, publisher): (Client, Client), n: usize) -> Result<Json, String> {
    let mut sub = subscriber
        .subscribe("bench.pub")
        .await
        .map_err(|e| e.to_string())?;
    subscriber.flush().await.map_err(|e| e.to_string())?;
    let (done_tx, done_rx) = oneshot::channel();
    spawn_local(async move {
        let mut count = 0;
        while sub.next().await.is_some() {
            count += 1;
            if count == n {
                let _ = done_tx.send(now());
                break;
            }
        }
    });
    let payload = [b'x'; 16];
    let start = now();
    for _ in 0..n {
        publisher
            .publish("bench.pub", payload)
            .await
            .map_err(|e| e.to_string())?;
    }
    publisher.flush().await.map_err(|e| e.to_string())?;
    let publish_ms = now() - start;
    let received_at = done_rx
        .await
        .map_err(|_| "subscriber ended early".to_string())?;
    Ok(Json::object()
        .integer("n", n)
        .number("publish_ms", publish_ms)
        .number("receive_ms", received_at - start))
}

async fn big((responder, requester): (Client, Client), n: usize) -> Result<Json, String> {
    const SIZE: usize = 256 * 1024;
    respond(&responder, "bench.big", vec![b'b'; SIZE]).await?;
    let start = now();
    for _ in 0..n {
        let reply = requester.request("bench.big", "").timeout(TIMEOUT).await;
        let reply = reply.map_err(|e| e.to_string())?;
        if reply.payload.len() != SIZE {
            return Err(format!("reply of {} bytes", reply.payload.len()));
        }
    }
    Ok(Json::object()
        .integer("bytes", SIZE)
        .integer("n", n)
        .number("total_ms", now() - start))
}

/// A result object, written as `serde_json::json!` printed one before: compact, members in the
/// order given (callers give them sorted, as `json!` sorted them), numbers that are not finite or
/// absent as `null`.
struct Json(String);

impl Json {
    fn object() -> Self {
        Json("{".into())
    }

    fn member(mut self, name: &str, value: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&format!("\"{name}\":{value}"));
        self
    }

    fn integer(self, name: &str, value: usize) -> Self {
        self.member(name, &value.to_string())
    }

    fn number(self, name: &str, value: f64) -> Self {
        self.member(name, &float(Some(value)))
    }

    fn optional_number(self, name: &str, value: Option<f64>) -> Self {
        self.member(name, &float(value))
    }

    fn numbers(self, name: &str, values: &[f64]) -> Self {
        let items: Vec<String> = values.iter().map(|v| float(Some(*v))).collect();
        self.member(name, &format!("[{}]", items.join(",")))
    }

    /// A string member, escaped as serde_json escapes: `"`, `\` and control characters.
    fn string(self, name: &str, value: &str) -> Self {
        let mut text = String::from("\"");
        for c in value.chars() {
            match c {
                '"' => text.push_str("\\\""),
                '\\' => text.push_str("\\\\"),
                '\u{8}' => text.push_str("\\b"),
                '\u{c}' => text.push_str("\\f"),
                '\n' => text.push_str("\\n"),
                '\r' => text.push_str("\\r"),
                '\t' => text.push_str("\\t"),
                c if c < ' ' => text.push_str(&format!("\\u{:04x}", c as u32)),
                c => text.push(c),
            }
        }
        text.push('"');
        self.member(name, &text)
    }

    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// A number as JSON: the shortest text that reads back as the same float (`12.5`, `3.0`), or
/// `null` for none, NaN and infinities, which JSON cannot write.
fn float(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:?}"),
        _ => "null".into(),
    }
}

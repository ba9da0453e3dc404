//! The server's own view of a client: its entry in `/connz?subs=detail`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::server::NatsServer;

/// One subscription as nats-server holds it for a client.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerSub {
    /// The subject.
    pub subject: String,
    /// The queue group, if any.
    pub queue: Option<String>,
    /// Messages the server will still deliver before the `UNSUB <max>` limit, if one is set.
    pub remaining: Option<u64>,
}

/// The subscriptions (by sid) the server holds for the client connected from local TCP port
/// `port`, or `None` when the server lists no connection from that port.
pub fn server_subscriptions(server: &NatsServer, port: u16) -> Option<BTreeMap<u64, ServerSub>> {
    let body = server.monitor_get("/connz?subs=detail&limit=4096");
    let json: Value = serde_json::from_str(&body).expect("/connz answers JSON");
    let conns = json["connections"].as_array()?;
    let conn = conns
        .iter()
        .find(|c| c["port"].as_u64() == Some(u64::from(port)))?;
    let mut subs = BTreeMap::new();
    for sub in conn["subscriptions_list_detail"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        // nats-server 2.9 writes the sid as a string, `max` only when a limit is set, and
        // `msgs` as what it delivered on this connection.
        let sid = match &sub["sid"] {
            Value::String(s) => s.parse().unwrap_or(u64::MAX),
            other => other.as_u64().unwrap_or(u64::MAX),
        };
        let max = sub["max"].as_u64().filter(|m| *m > 0);
        let msgs = sub["msgs"].as_u64().unwrap_or(0);
        subs.insert(
            sid,
            ServerSub {
                subject: sub["subject"].as_str().unwrap_or_default().to_owned(),
                queue: sub["qgroup"]
                    .as_str()
                    .filter(|q| !q.is_empty())
                    .map(str::to_owned),
                remaining: max.map(|m| m.saturating_sub(msgs)),
            },
        );
    }
    Some(subs)
}

/// The client ids (`cid`) of every connection the server lists in `/connz`.
pub fn client_ids(server: &NatsServer) -> Vec<u64> {
    let body = server.monitor_get("/connz?limit=4096");
    let json: Value = serde_json::from_str(&body).expect("/connz answers JSON");
    json["connections"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["cid"].as_u64())
        .collect()
}

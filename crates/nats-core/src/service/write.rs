//! The JSON of the discovery responses, written by hand on `proto::json`'s writer (the client
//! has no serde): compact, with every member nats.go writes, in its order, and `type` as the
//! protocol's constant. `metadata` is always an object (`{}` when empty, where nats.go writes
//! `null` for an endpoint without metadata: nats-py and nats.js read both). An endpoint's
//! `data` is always written, `null` when there is none: nats.go leaves it out then, but
//! nats-py's `EndpointStats.from_dict` requires the member.

use crate::proto::json::{ObjectWriter, Reader};

use super::types::{Info, Metadata, PingResponse, Stats};
use super::{INFO_RESPONSE_TYPE, PING_RESPONSE_TYPE, STATS_RESPONSE_TYPE};

/// Writes the members every response starts with: name, id, version, metadata, type.
fn identity(w: &mut ObjectWriter<'_>, name: &str, id: &str, version: &str, metadata: &Metadata) {
    w.string("name", name);
    w.string("id", id);
    w.string("version", version);
    metadata_member(w, metadata);
}

fn metadata_member(w: &mut ObjectWriter<'_>, metadata: &Metadata) {
    w.name("metadata");
    let mut m = ObjectWriter::new(w.out);
    for (key, value) in metadata.iter() {
        m.string(key, value);
    }
    m.end();
}

/// Writes the member `endpoints`: an array with one object per endpoint, whose members
/// `endpoint` writes.
fn endpoint_array<E>(
    w: &mut ObjectWriter<'_>,
    endpoints: &[E],
    mut endpoint: impl FnMut(&mut ObjectWriter<'_>, &E),
) {
    w.name("endpoints");
    w.out.push(b'[');
    for (i, item) in endpoints.iter().enumerate() {
        if i > 0 {
            w.out.push(b',');
        }
        let mut e = ObjectWriter::new(w.out);
        endpoint(&mut e, item);
        e.end();
    }
    w.out.push(b']');
}

/// Writes the members every endpoint starts with: name, subject, queue_group.
fn endpoint_head(e: &mut ObjectWriter<'_>, name: &str, subject: &str, queue_group: &str) {
    e.string("name", name);
    e.string("subject", subject);
    e.string("queue_group", queue_group);
}

/// Writes `ping` as the JSON of a `PING` reply.
pub fn write_ping(ping: &PingResponse, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    identity(&mut w, &ping.name, &ping.id, &ping.version, &ping.metadata);
    w.string("type", PING_RESPONSE_TYPE);
    w.end();
}

/// Writes `info` as the JSON of an `INFO` reply.
pub fn write_info(info: &Info, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    identity(&mut w, &info.name, &info.id, &info.version, &info.metadata);
    w.string("type", INFO_RESPONSE_TYPE);
    w.string("description", &info.description);
    endpoint_array(&mut w, &info.endpoints, |e, endpoint| {
        endpoint_head(e, &endpoint.name, &endpoint.subject, &endpoint.queue_group);
        metadata_member(e, &endpoint.metadata);
    });
    w.end();
}

/// Writes `stats` as the JSON of a `STATS` reply.
pub fn write_stats(stats: &Stats, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    identity(
        &mut w,
        &stats.name,
        &stats.id,
        &stats.version,
        &stats.metadata,
    );
    w.string("type", STATS_RESPONSE_TYPE);
    w.string("started", &stats.started);
    endpoint_array(&mut w, &stats.endpoints, |e, endpoint| {
        endpoint_head(e, &endpoint.name, &endpoint.subject, &endpoint.queue_group);
        e.number("num_requests", endpoint.num_requests);
        e.number("num_errors", endpoint.num_errors);
        e.string("last_error", &endpoint.last_error);
        e.number("processing_time", endpoint.processing_time);
        e.number("average_processing_time", endpoint.average_processing_time);
        e.name("data");
        match endpoint
            .data
            .as_deref()
            .filter(|d| is_one_value(d.as_bytes()))
        {
            Some(data) => e.out.extend_from_slice(data.trim().as_bytes()),
            None => e.out.extend_from_slice(b"null"),
        }
    });
    w.end();
}

/// Whether `json` is exactly one JSON value (whitespace around it allowed).
fn is_one_value(json: &[u8]) -> bool {
    let mut r = Reader { json, pos: 0 };
    r.skip_value().is_ok() && r.peek().is_none()
}

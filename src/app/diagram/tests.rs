use super::*;
use nats_web::conn::TraceLine;
use nats_web::proto::{ClientOp, ConnectInfo, HeaderMap, MsgOp, ServerOp, StatusCode};

fn entry(line: TraceLine, at_us: u64) -> TraceEntry {
    TraceEntry {
        conn: Conn::Example,
        line,
        at_us,
    }
}

fn publish(subject: &str, reply: Option<&str>, payload: &str, at: u64) -> TraceEntry {
    entry(
        TraceLine::sent(&ClientOp::Pub {
            subject,
            reply,
            payload: payload.as_bytes(),
        }),
        at,
    )
}

fn sub(subject: &str, queue: Option<&str>, sid: u64, at: u64) -> TraceEntry {
    entry(
        TraceLine::sent(&ClientOp::Sub {
            subject,
            queue,
            sid,
        }),
        at,
    )
}

fn msg(subject: &str, sid: u64, reply: Option<&str>, payload: &str, at: u64) -> TraceEntry {
    msg_with(subject, sid, reply, None, payload, at)
}

fn msg_with(
    subject: &str,
    sid: u64,
    reply: Option<&str>,
    headers: Option<HeaderMap>,
    payload: &str,
    at: u64,
) -> TraceEntry {
    entry(
        TraceLine::received(&ServerOp::Msg(MsgOp {
            subject: subject.into(),
            sid,
            reply: reply.map(Into::into),
            headers,
            raw_headers: None,
            header_error: None,
            payload: payload.as_bytes().to_vec(),
        })),
        at,
    )
}

fn connect(at: u64) -> TraceEntry {
    entry(
        TraceLine::sent(&ClientOp::Connect(&ConnectInfo::default())),
        at,
    )
}

fn no_responders(subject: &str, sid: u64, at: u64) -> TraceEntry {
    let mut h = HeaderMap::new();
    h.set_status(StatusCode::NO_RESPONDERS, None);
    msg_with(subject, sid, None, Some(h), "", at)
}

/// (from, to, style, label) of every arrow.
fn arrows(d: &Diagram) -> Vec<(usize, usize, Style, &str)> {
    d.arrows
        .iter()
        .map(|a| (a.from, a.to, a.style, a.label.as_str()))
        .collect()
}

const INBOX: &str = "_INBOX.AbC.*";

/// The seed program's first request and its "no responders" one, as the trace has them.
fn seed_run() -> Vec<TraceEntry> {
    vec![
        connect(0),
        sub("greet.*", None, 1, 1_000),
        sub(INBOX, None, 2, 2_000),
        publish("greet.joe", Some("_INBOX.AbC.1"), "", 2_500),
        msg("greet.joe", 1, Some("_INBOX.AbC.1"), "", 3_000),
        publish("_INBOX.AbC.1", None, "hello, joe", 3_500),
        msg("_INBOX.AbC.1", 2, None, "hello, joe", 4_000),
        entry(
            TraceLine::sent(&ClientOp::Unsub { sid: 1, max: None }),
            5_000,
        ),
        publish("greet.joe", Some("_INBOX.AbC.4"), "", 6_000),
        no_responders("_INBOX.AbC.4", 2, 7_000),
    ]
}

#[test]
fn a_request_goes_requester_server_responder_and_its_reply_back_through_the_muxed_inbox() {
    let d = build(&seed_run(), Conn::Example);
    let labels: Vec<_> = d.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        ["example (requester)", "nats-server", "responder (sid 1)"]
    );
    assert_eq!(d.lanes[REQUESTER].note, "muxed inbox _INBOX.AbC.*");
    let long = sub("_INBOX.KlMnOpQrStUvWxYz0123.*", None, 2, 0);
    let d2 = build(
        &[
            connect(0),
            long,
            publish("a", Some("_INBOX.KlMnOpQrStUvWxYz0123.1"), "", 1),
        ],
        Conn::Example,
    );
    assert_eq!(d2.lanes[REQUESTER].note, "muxed inbox _INBOX.Kl…WxYz0123.*");
    assert_eq!(d.lanes[2].note, "greet.*");
    assert_eq!(
        arrows(&d),
        [
            (2, SERVER, Style::Control, "SUB greet.*"),
            (REQUESTER, SERVER, Style::Control, "SUB _INBOX.AbC.*"),
            (
                REQUESTER,
                SERVER,
                Style::Request,
                "PUB greet.joe ↩ _INBOX.AbC.1"
            ),
            (SERVER, 2, Style::Deliver, "MSG greet.joe ↩ _INBOX.AbC.1"),
            (2, SERVER, Style::Reply, "PUB _INBOX.AbC.1 (reply) (10 B)"),
            (SERVER, REQUESTER, Style::Deliver, "MSG _INBOX.AbC.1 (10 B)"),
            (2, SERVER, Style::Control, "UNSUB 1"),
            (
                REQUESTER,
                SERVER,
                Style::Request,
                "PUB greet.joe ↩ _INBOX.AbC.4"
            ),
            (
                SERVER,
                REQUESTER,
                Style::NoResponders,
                "HMSG _INBOX.AbC.4: 503 no responders"
            ),
        ]
    );
    let times: Vec<_> = d.arrows.iter().map(|a| a.at_us).collect();
    assert_eq!(
        times,
        [1_000, 2_000, 0, 500, 1_000, 1_500, 2_500, 0, 1_000],
        "times since each arrow's request; before the first, since CONNECT"
    );
    assert_eq!(
        d.arrows.last().unwrap().title,
        "HMSG _INBOX.AbC.4 2 16 16 [status 503]"
    );
}

#[test]
fn only_the_latest_connection_is_drawn() {
    let mut trace = seed_run();
    trace.push(connect(10_000));
    trace.push(sub("other.*", None, 1, 11_000));
    let d = build(&trace, Conn::Example);
    assert_eq!(arrows(&d), [(2, SERVER, Style::Control, "SUB other.*")]);
    assert_eq!(d.arrows[0].at_us, 1_000, "since its CONNECT");
    assert!(build(&trace, Conn::Playground).arrows.is_empty());
}

#[test]
fn ask_all_draws_each_reply_ours_from_our_lane_the_others_from_other_clients() {
    let trace = vec![
        connect(0),
        sub("greet.*", Some("q"), 1, 10),
        sub(INBOX, None, 2, 20),
        publish("greet.ann", Some("_INBOX.AbC.1"), "", 30),
        msg("greet.ann", 1, Some("_INBOX.AbC.1"), "", 40),
        msg("_INBOX.AbC.1", 2, None, "hi from nats-py, ann", 45),
        publish("_INBOX.AbC.1", None, "hello, ann", 50),
        // Over TCP nats-py's reply may come first even after ours was sent: told by size.
        msg("_INBOX.AbC.1", 2, None, "hi from nats-py, ann", 55),
        msg("_INBOX.AbC.1", 2, None, "hello, ann", 60),
        msg("_INBOX.AbC.1", 2, None, "hi from another page, ann", 70),
    ];
    let d = build(&trace, Conn::Example);
    assert_eq!(d.lanes[2].note, "greet.* (queue q)");
    assert_eq!(d.lanes[3].label, "other clients");
    let replies: Vec<_> = arrows(&d)
        .into_iter()
        .filter(|a| a.2 == Style::Reply)
        .map(|a| a.0)
        .collect();
    assert_eq!(
        replies,
        [3, 2, 3, 3],
        "nats-py, this page, nats-py, another page"
    );
    let delivered = arrows(&d)
        .iter()
        .filter(|a| a.1 == REQUESTER && a.2 == Style::Deliver)
        .count();
    assert_eq!(delivered, 4);
}

#[test]
fn service_discovery_is_left_out_and_counted() {
    let trace = vec![
        connect(0),
        sub("$SRV.PING", None, 1, 10),
        sub("greet.*", Some("q"), 2, 15),
        msg("$SRV.PING", 1, Some("_INBOX.Zz.1"), "", 20),
        publish("_INBOX.Zz.1", None, "{}", 30),
    ];
    let d = build(&trace, Conn::Example);
    assert_eq!(d.discovery, 3);
    assert_eq!(
        d.arrows[0].at_us, 15,
        "before the first request, times count from CONNECT"
    );
    assert_eq!(
        arrows(&d),
        [(2, SERVER, Style::Control, "SUB greet.* (queue q)")]
    );
}

#[test]
fn the_diagram_keeps_the_newest_arrows_and_counts_the_older_ones() {
    let mut trace = vec![connect(0)];
    trace.extend((0..MAX_ARROWS as u64 + 3).map(|i| publish("x", None, "", i)));
    let d = build(&trace, Conn::Example);
    assert_eq!(d.arrows.len(), MAX_ARROWS);
    assert_eq!(d.older, 3);
    assert_eq!(d.arrows[0].at_us, 3);
    assert_eq!(d.arrows[1].at_us, 4);
}

#[test]
fn times_count_from_each_arrows_request_however_long_the_connection_ran() {
    let hour = 3_600_000_000;
    let trace = vec![
        connect(0),
        sub("greet.*", None, 1, 10),
        sub(INBOX, None, 2, 20),
        publish("greet.ann", Some("_INBOX.AbC.1"), "", 30),
        msg("greet.ann", 1, Some("_INBOX.AbC.1"), "", 40),
        publish("greet.bob", Some("_INBOX.AbC.2"), "", hour),
        msg("greet.bob", 1, Some("_INBOX.AbC.2"), "", hour + 700),
        publish("_INBOX.AbC.2", None, "hello, bob", hour + 900),
    ];
    let d = build(&trace, Conn::Example);
    let times: Vec<_> = d.arrows.iter().map(|a| a.at_us).collect();
    assert_eq!(times, [10, 20, 0, 10, 0, 700, 900]);
}

/// SUB, one request answered, UNSUB, on subscription `sid`.
fn start_stop(sid: u64, at: u64) -> Vec<TraceEntry> {
    let reply = format!("_INBOX.AbC.{sid}");
    vec![
        sub("greet.*", Some("q"), sid, at),
        publish("greet.ann", Some(&reply), "", at + 1),
        msg("greet.ann", sid, Some(&reply), "", at + 2),
        publish(&reply, None, "hello, ann", at + 3),
        msg(&reply, 2, None, "hello, ann", at + 4),
        entry(TraceLine::sent(&ClientOp::Unsub { sid, max: None }), at + 5),
    ]
}

#[test]
fn lanes_of_unsubscribed_responders_go_once_no_drawn_arrow_uses_them() {
    let mut trace = vec![connect(0), sub(INBOX, None, 2, 1)];
    // An idle subscription that stays: its lane stays too.
    trace.push(sub("idle.*", None, 9, 2));
    for sid in [3, 4, 5] {
        trace.extend(start_stop(sid, sid * 100));
    }
    let d = build(&trace, Conn::Example);
    assert_eq!(d.lanes.len(), 6, "all in the drawn window");
    // The fourth service, answering long enough to push the others out of the window.
    trace.push(sub("greet.*", Some("q"), 6, 1_000));
    for i in 0..MAX_ARROWS as u64 {
        let reply = format!("_INBOX.AbC.x{i}");
        let at = 2_000 + 10 * i;
        trace.push(publish("greet.ann", Some(&reply), "", at));
        trace.push(msg("greet.ann", 6, Some(&reply), "", at + 1));
    }
    let d = build(&trace, Conn::Example);
    let labels: Vec<_> = d.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "example (requester)",
            "nats-server",
            "responder (sid 9)",
            "responder (sid 6)"
        ]
    );
    assert!(d.arrows.iter().all(|a| a.from < 4 && a.to < 4));
    assert!(
        d.arrows.iter().any(|a| a.to == 3),
        "remapped to its new lane"
    );
}

#[test]
fn long_subjects_keep_their_start_and_their_token() {
    let long = format!("_INBOX.{}.17", "N".repeat(40));
    let short = short_subject(&long);
    assert!(short.starts_with("_INBOX.NN…"), "{short}");
    assert!(short.ends_with(".17"), "{short}");
    assert_eq!(short.chars().count(), LABEL_SUBJECT);
    assert_eq!(short_subject("greet.joe"), "greet.joe");
    assert_eq!(
        short_subject(&"é".repeat(100)).chars().count(),
        LABEL_SUBJECT
    );
}

#[test]
fn any_trace_builds_without_panicking() {
    // Messages on subscriptions the trace never showed, unsubscribes of unknown sids,
    // replies to nothing.
    let trace = vec![
        msg("a", 9, Some("r"), "", 5),
        entry(
            TraceLine::sent(&ClientOp::Unsub {
                sid: 7,
                max: Some(1),
            }),
            1,
        ),
        publish("r", None, "", 0),
        no_responders("b", 9, 0),
        msg("_INBOX.x", 2, None, "", 0),
    ];
    let d = build(&trace, Conn::Example);
    assert_eq!(d.lanes[2].label, "subscription 9");
    assert_eq!(d.arrows.len(), 5);
}

/// The Greetings watch (on the playground's connection in the page): the bucket's info and the consumer's creation asked
/// of JetStream, a KV write, the consumer's deliveries, and a request answered by nobody
/// because the server has no JetStream.
#[test]
fn jetstream_requests_are_answered_by_the_server_and_the_watch_has_a_lane_of_its_own() {
    let ack = "$JS.ACK.KV_greetings.c.1.5.5.1700000000000000000.0";
    let trace = vec![
        connect(0),
        sub(INBOX, None, 1, 10),
        publish(
            "$JS.API.STREAM.INFO.KV_greetings",
            Some("_INBOX.AbC.1"),
            "",
            20,
        ),
        msg("_INBOX.AbC.1", 1, None, "{\"config\":{}}", 30),
        sub("_INBOX.deliver", None, 2, 40),
        publish(
            "$JS.API.CONSUMER.CREATE.KV_greetings",
            Some("_INBOX.AbC.2"),
            "{}",
            50,
        ),
        msg("_INBOX.AbC.2", 1, None, "{}", 60),
        msg("$KV.greetings.joe", 2, Some(ack), "hi joe", 70),
        publish("$KV.greetings.sue", Some("_INBOX.AbC.3"), "hey", 80),
        no_responders("_INBOX.AbC.3", 1, 90),
    ];
    let d = build(&trace, Conn::Example);
    let labels: Vec<_> = d.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        ["example (requester)", "nats-server", "KV watch (sid 2)"],
        "no \"other clients\": JetStream's answers are the server's"
    );
    assert_eq!(d.lanes[2].note, "$KV.greetings.>");
    let drawn: Vec<_> = arrows(&d)
        .into_iter()
        .filter(|a| a.2 != Style::Control)
        .collect();
    assert_eq!(
        drawn,
        [
            (
                REQUESTER,
                SERVER,
                Style::Request,
                "JS API STREAM.INFO KV_greetings ↩ _INBOX.AbC.1"
            ),
            (
                SERVER,
                REQUESTER,
                Style::Deliver,
                "MSG _INBOX.AbC.1: JetStream's answer (13 B)"
            ),
            (
                REQUESTER,
                SERVER,
                Style::Request,
                "JS API CONSUMER.CREATE KV_greetings ↩ _INBOX.AbC.2 (2 B)"
            ),
            (
                SERVER,
                REQUESTER,
                Style::Deliver,
                "MSG _INBOX.AbC.2: JetStream's answer (2 B)"
            ),
            (
                SERVER,
                2,
                Style::Deliver,
                "KV entry $KV.greetings.joe (6 B)"
            ),
            (
                REQUESTER,
                SERVER,
                Style::Request,
                "KV write $KV.greetings.sue ↩ _INBOX.AbC.3 (3 B)"
            ),
            (
                SERVER,
                REQUESTER,
                Style::NoResponders,
                "HMSG _INBOX.AbC.3: 503 no responders (no JetStream)"
            ),
        ]
    );
}

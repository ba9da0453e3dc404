//! What the browser client promises about memory and about what it was given to send, in real
//! headless Chromium over a real nats-server: publishes made before `close()` (or before the
//! last `Client` is dropped) still go out; a subscriber that is not read holds at most its
//! pending limits and the rest is dropped, counted and reported; the WebSocket's own send
//! buffer stays under its high-water mark, and a publish past the client's buffer is refused.

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use nats_web::client::{
    channel, connect_with_events, ClientEvent, ErrorKind, SubscribeOptions, MAX_FRAME_BYTES,
    SEND_HIGH_WATER_MARK,
};
use nats_web::{connect, Client, ConnectOptions, Subscriber};
use wasm_bindgen_test::*;
use web::{sleep, within_patience, WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

async fn client() -> Client {
    connect(ConnectOptions::new().servers([WS_URL]))
        .await
        .expect("connect to the test server")
}

/// A subscriber on `subject` on a connection of its own, known to the server.
async fn peer(subject: &str) -> (Client, Subscriber) {
    let peer = client().await;
    let sub = peer
        .subscribe_with(
            subject,
            SubscribeOptions::new().pending_limits(1_000_000, 256 << 20),
        )
        .await
        .unwrap();
    peer.flush().await.unwrap();
    (peer, sub)
}

/// The payloads of the next `n` messages of `sub`, failing the test if they do not come.
async fn receive(sub: &mut Subscriber, n: usize) -> Vec<Vec<u8>> {
    let mut payloads = Vec::with_capacity(n);
    while payloads.len() < n {
        match within_patience(sub.next()).await {
            Some(Some(msg)) => payloads.push(msg.payload),
            other => panic!(
                "{} of {n} messages arrived, then {}",
                payloads.len(),
                if other.is_none() {
                    "nothing for 15 s"
                } else {
                    "the stream ended"
                }
            ),
        }
    }
    payloads
}

fn numbered(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| i.to_string().into_bytes()).collect()
}

#[wasm_bindgen_test]
async fn publishes_made_before_close_in_the_same_task_all_arrive() {
    const N: usize = 200;
    let (_peer, mut sub) = peer("limits.close").await;
    let publisher = client().await;
    for payload in numbered(N) {
        publisher.publish("limits.close", payload).await.unwrap();
    }
    publisher.close();
    assert_eq!(receive(&mut sub, N).await, numbered(N));
}

#[wasm_bindgen_test]
async fn publishes_made_before_the_last_client_is_dropped_all_arrive() {
    const N: usize = 200;
    let (_peer, mut sub) = peer("limits.drop").await;
    let publisher = client().await;
    for payload in numbered(N) {
        publisher.publish("limits.drop", payload).await.unwrap();
    }
    drop(publisher);
    assert_eq!(receive(&mut sub, N).await, numbered(N));
}

/// Every event that has arrived on `events` so far, without waiting.
fn events_so_far(events: &mut channel::Receiver<ClientEvent>) -> Vec<ClientEvent> {
    std::iter::from_fn(|| events.next().now_or_never().flatten()).collect()
}

#[wasm_bindgen_test]
async fn an_unread_subscriber_holds_its_limits_drops_the_rest_once_reported_and_the_connection_keeps_working(
) {
    const SENT: usize = 10_000;
    const LIMIT: usize = 1_000;
    let (events_tx, mut events) = channel::unbounded();
    let client = connect_with_events(ConnectOptions::new().servers([WS_URL]), Some(events_tx))
        .await
        .unwrap();
    let mut unread = client
        .subscribe_with(
            "limits.slow",
            SubscribeOptions::new().pending_limits(LIMIT, 1 << 20),
        )
        .await
        .unwrap();
    client.flush().await.unwrap();
    let publisher = self::client().await;
    for payload in numbered(SENT) {
        publisher.publish("limits.slow", payload).await.unwrap();
    }
    publisher.flush().await.unwrap();
    // The server queued every message for `client` before its PONG to the publisher, so they
    // arrive before the PONG of this flush.
    client.flush().await.unwrap();

    assert_eq!(unread.pending_messages(), LIMIT);
    assert!(unread.pending_bytes() <= 1 << 20);
    assert_eq!(unread.dropped(), (SENT - LIMIT) as u64);
    let sid = unread.handle().sid();
    let slow: Vec<_> = events_so_far(&mut events)
        .into_iter()
        .filter(|e| matches!(e, ClientEvent::SlowConsumer { .. }))
        .collect();
    assert_eq!(slow, [ClientEvent::SlowConsumer { sid, dropped: 1 }]);

    // The connection works, and the messages kept are the first ones, in order.
    let (_peer, mut other) = peer("limits.after").await;
    client.publish("limits.after", "still here").await.unwrap();
    assert_eq!(receive(&mut other, 1).await, [b"still here".to_vec()]);
    assert_eq!(receive(&mut unread, LIMIT).await, numbered(LIMIT));
    assert_eq!((unread.pending_messages(), unread.pending_bytes()), (0, 0));

    // Read again, the subscriber takes messages again; a new overflow is a new episode.
    for payload in numbered(LIMIT + 1) {
        publisher.publish("limits.slow", payload).await.unwrap();
    }
    publisher.flush().await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(unread.dropped(), (SENT - LIMIT + 1) as u64);
    let slow: Vec<_> = events_so_far(&mut events)
        .into_iter()
        .filter(|e| matches!(e, ClientEvent::SlowConsumer { .. }))
        .collect();
    assert_eq!(
        slow,
        [ClientEvent::SlowConsumer {
            sid,
            dropped: (SENT - LIMIT + 1) as u64
        }]
    );
}

#[wasm_bindgen_test]
async fn the_client_default_pending_limits_apply_to_every_subscription() {
    let client = connect(
        ConnectOptions::new()
            .servers([WS_URL])
            .subscription_pending_limits(1_000, 10 * 1024),
    )
    .await
    .unwrap();
    let unread = client.subscribe("limits.default").await.unwrap();
    client.flush().await.unwrap();
    let payload = vec![b'x'; 1024];
    for _ in 0..100 {
        client.publish("limits.default", &payload).await.unwrap();
    }
    client.flush().await.unwrap();
    assert!(
        unread.pending_bytes() <= 10 * 1024,
        "{}",
        unread.pending_bytes()
    );
    assert_eq!(unread.pending_messages(), 9); // 1024 + the subject's 14 bytes each
    assert_eq!(unread.dropped(), 91);
}

#[wasm_bindgen_test]
async fn a_burst_of_large_publishes_keeps_buffered_amount_under_the_mark_and_is_refused_past_the_buffer(
) {
    const BUFFER: usize = 4 << 20;
    let payload = vec![b'p'; 512 * 1024];
    let (peer_client, mut sub) = peer("limits.burst").await;
    let publisher = connect(
        ConnectOptions::new()
            .servers([WS_URL])
            .send_buffer_size(BUFFER),
    )
    .await
    .unwrap();
    let bound = SEND_HIGH_WATER_MARK as usize + MAX_FRAME_BYTES;
    let (mut accepted, mut refused, mut most_buffered) = (0, 0, 0);
    for _round in 0..3 {
        // One task: nothing reaches the socket until it ends.
        for _ in 0..20 {
            match publisher.publish("limits.burst", &payload).await {
                Ok(()) => accepted += 1,
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::BufferFull, "{e}");
                    refused += 1;
                }
            }
            let (waiting, _) = publisher.send_backlog();
            assert!(
                waiting <= BUFFER + payload.len() + 64,
                "{waiting} bytes wait"
            );
        }
        // Until everything is on the network, bufferedAmount stays under the mark + a frame.
        let deadline = web_time::Instant::now() + web::PATIENCE;
        loop {
            assert!(
                web_time::Instant::now() < deadline,
                "the backlog never drained"
            );
            sleep(Duration::ZERO).await;
            let (waiting, buffered) = publisher.send_backlog();
            most_buffered = most_buffered.max(buffered as usize);
            assert!(buffered as usize <= bound, "bufferedAmount {buffered}");
            if waiting == 0 && buffered == 0 {
                break;
            }
        }
    }
    assert!(refused > 0, "nothing was refused");
    // Each burst fills the buffer: all but its last fitting publish (PUB lines count too).
    assert!(
        accepted >= 3 * (BUFFER / payload.len() - 1),
        "{accepted} accepted"
    );
    // Every accepted publish arrives, intact, and nothing else.
    for received in receive(&mut sub, accepted).await {
        assert!(received == payload, "a payload changed on the way");
    }
    publisher.flush().await.unwrap();
    peer_client.flush().await.unwrap();
    assert!(
        sub.next().now_or_never().is_none(),
        "more than was accepted arrived"
    );
    console_log!("accepted {accepted}, refused {refused}, most bufferedAmount {most_buffered}");
}

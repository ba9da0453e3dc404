//! The page in real headless Chromium against a real nats-server: mounted into a div, it runs
//! the example by itself, and its playground answers and refuses as a person would expect.

#![cfg(target_arch = "wasm32")]

mod web;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{button, click_when_enabled, fresh_root, wait_for_text, wait_for_text_in, WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

fn positions(text: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| {
            text.find(n)
                .unwrap_or_else(|| panic!("{n:?} missing from:\n{text}"))
        })
        .collect()
}

/// One test, so the parts never run at once: the playground's greet service on `greet.*`
/// would otherwise answer the example's "no responders" request.
#[wasm_bindgen_test]
async fn the_page_runs_the_example_and_its_playground_answers_and_refuses() {
    let root = fresh_root();
    let _app = nats_web_demo::app::mount(root.clone().into(), vec![WS_URL.to_owned()]);
    the_example_runs_on_load_and_shows_the_four_outputs_in_order(&root).await;
    the_playground_answers_refuses_invalid_names_and_stays_usable(&root).await;
    a_200_kb_reply_is_shown_shortened_with_its_size_and_the_page_stays_short(&root).await;
}

async fn the_example_runs_on_load_and_shows_the_four_outputs_in_order(root: &web_sys::HtmlElement) {
    let text = wait_for_text(root, "connection drained").await;
    let output: web_sys::HtmlElement = root
        .query_selector("ol[aria-label='Example output']")
        .unwrap()
        .expect("the example output is an ordered list")
        .dyn_into()
        .unwrap();
    let at = positions(
        &output.inner_text(),
        &["hello, joe", "hello, sue", "hello, bob", "no responders"],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "out of order:\n{text}");
    assert!(
        text.contains("Example connection: closed: drained"),
        "{text}"
    );
    assert!(
        text.contains("SUB greet.* "),
        "the trace shows the wire: {text}"
    );
    assert!(
        text.contains("[status 503]"),
        "the trace shows the 503: {text}"
    );
    the_sequence_diagram_draws_the_run(root);
}

/// The diagram of the seed run: requester, server and the responder; 3 requests with their
/// deliveries and replies, and the server's own 503 drawn as no responders.
fn the_sequence_diagram_draws_the_run(root: &web_sys::HtmlElement) {
    let svg = root
        .query_selector("svg.sequence")
        .unwrap()
        .expect("the page draws a sequence diagram");
    let count = |selector: &str| svg.query_selector_all(selector).unwrap().length();
    assert_eq!(count("g.lane"), 3, "requester, nats-server, responder");
    assert_eq!(
        count("g.arrow[data-style=request]"),
        4,
        "3 requests and the unanswered one"
    );
    assert_eq!(count("g.arrow[data-style=reply]"), 3);
    assert_eq!(count("g.arrow[data-style=no-responders]"), 1);
    let text = svg.text_content().unwrap_or_default();
    for needle in [
        "muxed inbox _INBOX.",
        "503 no responders",
        "PUB greet.joe ↩ _INBOX.",
        "+0.0 ms",
        "its request",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the diagram: {text}"
        );
    }
    the_diagram_has_a_text_alternative_with_one_line_per_arrow(root, count("g.arrow"));
}

/// Screen readers (and keyboards: an SVG `<title>` is hover-only) get the arrows as an ordered
/// list, each from lane to lane with its time.
fn the_diagram_has_a_text_alternative_with_one_line_per_arrow(
    root: &web_sys::HtmlElement,
    arrows: u32,
) {
    let list = root
        .query_selector("details.diagram-text ol[aria-label='Sequence diagram as text']")
        .unwrap()
        .expect("the diagram as text");
    assert_eq!(list.query_selector_all("li").unwrap().length(), arrows);
    let text = list.text_content().unwrap_or_default();
    for needle in [
        "+0.0 ms example (requester) → nats-server: PUB greet.joe ↩ _INBOX.",
        "nats-server → example (requester): HMSG _INBOX.",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

async fn the_playground_answers_refuses_invalid_names_and_stays_usable(
    root: &web_sys::HtmlElement,
) {
    wait_for_text(root, "Playground connection: connected to").await;

    a_double_click_on_start_service_starts_one_service(root).await;
    assert!(
        button(root, "Run example").disabled(),
        "the service would answer the example's requests too"
    );

    let name: web_sys::HtmlInputElement = root
        .query_selector("#name")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let send = button(root, "Send request");
    name.set_value("ann");
    click_when_enabled(&send).await;
    wait_for_text(root, "hello, ann").await;

    name.set_value("a b");
    send.click();
    let text = wait_for_text(root, "invalid name").await;
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(!text.contains("request greet.a b sent"), "{text}");

    name.set_value("zoe");
    send.click();
    wait_for_text(root, "hello, zoe").await;
    assert_eq!(
        name.value(),
        "zoe",
        "what was typed stays in the field through the page's re-renders"
    );

    the_services_panel_shows_the_greet_service_with_its_live_statistics(root).await;
    ask_all_lists_every_reply_with_its_responder(root, &name).await;

    click_when_enabled(&button(root, "Stop service")).await;
    wait_for_text(root, "greet service stopped: gone from discovery").await;
    name.set_value("ann");
    send.click();
    wait_for_text(root, "no responders for greet.ann").await;
    let deadline = web_time::Instant::now() + web::PATIENCE;
    while root
        .query_selector("article[aria-label='service greet']")
        .unwrap()
        .is_some()
    {
        assert!(
            web_time::Instant::now() < deadline,
            "the stopped service is still listed"
        );
        web::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Two clicks in a row (before the page re-renders): one greet service from this page in
/// discovery, not two (the second would take half the queue group's requests, unstoppable).
async fn a_double_click_on_start_service_starts_one_service(root: &web_sys::HtmlElement) {
    let start = button(root, "Start service");
    click_when_enabled(&start).await;
    start.click();
    wait_for_text(root, "service greet 1.0.0 started (id ").await;
    let peer = nats_web::connect(nats_web::ConnectOptions::new().servers([WS_URL]))
        .await
        .unwrap();
    let found = nats_web::service::Discovery::new(&peer)
        .info(Some("greet"))
        .await
        .unwrap();
    let ours = found
        .iter()
        .filter(|i| i.metadata.get("page") == Some("nats-web playground"))
        .count();
    assert_eq!(ours, 1, "{found:?}");
    peer.drain().await.unwrap();
}

/// Two requests (ann, zoe) were answered: the panel's refresh shows them in the endpoint's
/// statistics, found over `$SRV.INFO` / `$SRV.STATS` on the panel's own connection. It lists
/// anyone's services too: the nats-py `nats.micro` one the test command runs
/// (scripts/micro_peer.py), with its statistics.
async fn the_services_panel_shows_the_greet_service_with_its_live_statistics(
    root: &web_sys::HtmlElement,
) {
    // One request to each of the nats-py endpoints: their statistics cells show them.
    let peer = nats_web::connect(nats_web::ConnectOptions::new().servers([WS_URL]))
        .await
        .unwrap();
    peer.request("py.echo", "hi").await.unwrap();
    peer.request("py.fail", "hi").await.unwrap();
    peer.drain().await.unwrap();
    // (Other tests may have asked them too: at least one request each.)
    let requests = |text: &str, row: &str| -> u64 {
        let cells = text.split(row).nth(1).unwrap_or_default();
        let n: String = cells.chars().take_while(char::is_ascii_digit).collect();
        n.parse().unwrap_or(0)
    };
    let deadline = web_time::Instant::now() + web::PATIENCE;
    let py = loop {
        let py = wait_for_text_in(root, "article[aria-label='service py-echo']", "py.fail").await;
        if requests(&py, "py.echo\tq\t") >= 1 && requests(&py, "py.fail\tq\t") >= 1 {
            break py;
        }
        assert!(
            web_time::Instant::now() < deadline,
            "nats-py's statistics do not show the requests: {py}"
        );
        web::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(py.contains("nats-py echo service"), "{py}");
    assert!(py.contains("metadata: language=python"), "{py}");
    let status = root
        .query_selector("section.services-panel [role=status]")
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert!(
        status.contains("service instances") && !status.contains("refresh"),
        "the live region changes only with what was found: {status:?}"
    );
    let text = wait_for_text_in(
        root,
        "article[aria-label='service greet']",
        "greet.*\tq\t2\t0",
    )
    .await;
    assert!(text.contains("greet 1.0.0"), "{text}");
    assert!(
        text.contains("NATS by Example's request-reply responder"),
        "{text}"
    );
    assert!(
        text.contains("metadata: page=nats-web playground"),
        "{text}"
    );
}

/// One request, two replies: the page's greet service's and a second responder's (a client
/// of the test, outside the queue group), each named and timed; the diagram draws both.
async fn ask_all_lists_every_reply_with_its_responder(
    root: &web_sys::HtmlElement,
    name: &web_sys::HtmlInputElement,
) {
    use futures::StreamExt;
    let peer = nats_web::connect(nats_web::ConnectOptions::new().servers([WS_URL]))
        .await
        .unwrap();
    let mut other = peer.subscribe("greet.*").await.unwrap();
    peer.flush().await.unwrap();
    let handle = other.handle();
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(msg) = other.next().await {
            let _ = msg
                .respond(format!("hi from the test, {}", msg.subject))
                .await;
        }
    });
    name.set_value("ann");
    click_when_enabled(&button(root, "Ask all")).await;
    let text = wait_for_text_in(root, ".ask-all", "done: no further reply").await;
    assert!(text.contains("Ask all: 2 replies to greet.ann"), "{text}");
    let replies: web_sys::HtmlElement = root
        .query_selector("ol[aria-label='Ask all replies']")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let replies = replies.inner_text();
    assert!(
        replies.contains("hello, ann from this page's greet service "),
        "{replies}"
    );
    assert!(
        replies.contains("hi from the test, greet.ann from another client after "),
        "{replies}"
    );
    handle.drain().await.unwrap();

    let svg = root.query_selector("svg.sequence").unwrap().unwrap();
    let diagram = svg.text_content().unwrap_or_default();
    assert!(diagram.contains("playground (requester)"), "{diagram}");
    assert!(diagram.contains("other clients"), "{diagram}");
    let replies = svg
        .query_selector_all("g.arrow[data-style=reply]")
        .unwrap()
        .length();
    assert!(replies >= 2, "{diagram}");
}

async fn a_200_kb_reply_is_shown_shortened_with_its_size_and_the_page_stays_short(
    root: &web_sys::HtmlElement,
) {
    use futures::StreamExt;
    // The page's own stylesheet, as index.html links it.
    let document = web_sys::window().unwrap().document().unwrap();
    let style = document.create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../static/style.css")));
    document.head().unwrap().append_child(&style).unwrap();

    let height_before = root.scroll_height();
    let peer = nats_web::connect(nats_web::ConnectOptions::new().servers([WS_URL]))
        .await
        .unwrap();
    let mut big = peer.subscribe("greet.big").await.unwrap();
    peer.flush().await.unwrap();
    // Words, so that printed whole it would wrap into thousands of lines.
    let reply = "lorem ipsum ".repeat(200_000 / 12 + 1)[..200_000].to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(msg) = big.next().await {
            msg.respond(reply).await.unwrap();
        }
    });
    let name: web_sys::HtmlInputElement = root
        .query_selector("#name")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    name.set_value("big");
    button(root, "Send request").click();
    let text = wait_for_text(root, "… (200.0 kB)").await;
    assert!(text.len() < 60_000, "the page prints {} bytes", text.len());
    let height = root.scroll_height();
    assert!(
        height < height_before + 1_000,
        "the page grew from {height_before} px to {height} px"
    );

    // A 3,000-character name (one valid token): its subject is shortened wherever it shows.
    let long = "n".repeat(3_000);
    name.set_value(&long);
    button(root, "Ask all").click();
    button(root, "Send request").click();
    let text = wait_for_text(root, "error: no responders for greet.nnn").await;
    wait_for_text(root, "Ask all: 0 replies to greet.nnn").await;
    assert!(
        !text.contains(&long[..200]),
        "a long subject is printed whole:\n{text}"
    );
    assert!(text.contains("request greet.nnn"), "{text}");

    a_reply_with_a_5_kb_header_value_is_shown_shortened(root, &peer, &name).await;
}

/// A service's error reply whose `Nats-Service-Error` header is 5 kB: "Ask all" lists it
/// shortened, with its size, through a real server.
async fn a_reply_with_a_5_kb_header_value_is_shown_shortened(
    root: &web_sys::HtmlElement,
    peer: &nats_web::Client,
    name: &web_sys::HtmlInputElement,
) {
    use futures::StreamExt;
    use nats_web::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};
    let long = "x".repeat(5_000);
    let mut headers = nats_web::proto::HeaderMap::new();
    headers.insert(NATS_SERVICE_ERROR_CODE, "400").unwrap();
    headers.insert(NATS_SERVICE_ERROR, long.clone()).unwrap();
    let mut hdr = peer.subscribe("greet.hdr").await.unwrap();
    peer.flush().await.unwrap();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(msg) = hdr.next().await {
            msg.respond_with_headers(&headers, "").await.unwrap();
        }
    });
    name.set_value("hdr");
    click_when_enabled(&button(root, "Ask all")).await;
    let shown = wait_for_text_in(root, ".ask-all", "done:").await;
    assert!(
        shown.contains("service error 400: xxx") && shown.contains("… (5.0 kB)"),
        "{shown}"
    );
    assert!(shown.len() < 1_000, "{shown}");
    let page = root.inner_text();
    assert!(
        !page.contains(&long[..200]),
        "a long header is printed whole"
    );
}

/// The page went away (the component was destroyed) while its playground was connecting: the
/// connection that arrives afterwards is drained at once, not left open (and reconnecting)
/// for good.
#[wasm_bindgen_test]
async fn a_playground_shut_down_while_connecting_closes_its_connection() {
    use nats_web_demo::app::playground::Playground;
    use nats_web_demo::app::state::{Action, Conn, ConnStatus};
    use std::cell::RefCell;
    use std::rc::Rc;

    let seen: Rc<RefCell<Vec<Action>>> = Rc::default();
    let playground: Rc<RefCell<Option<Playground>>> = Rc::default();
    let report = {
        let (seen, playground) = (seen.clone(), playground.clone());
        yew::Callback::from(move |action: Action| {
            // Shut down as the page would unmount: while `connect` is under way.
            if matches!(action, Action::Status(_, ConnStatus::Connecting(_))) {
                if let Some(p) = playground.borrow().as_ref() {
                    p.shut_down();
                }
            }
            seen.borrow_mut().push(action);
        })
    };
    let p = Playground::new(report);
    *playground.borrow_mut() = Some(p.clone());
    p.connect(vec![WS_URL.to_owned()]).await;
    let closed = web::within_patience(async {
        loop {
            let done = seen.borrow().iter().any(|a| {
                matches!(
                    a,
                    Action::Status(Conn::Playground, ConnStatus::Closed(why)) if why == "drained"
                )
            });
            if done {
                return;
            }
            web::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(closed.is_some(), "still open: {:?}", seen.borrow());
}

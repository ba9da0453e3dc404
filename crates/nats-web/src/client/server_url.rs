//! Server URLs given as `host:port`, without a scheme, as nats.js takes them.
//!
//! The rule: a URL without a scheme gets `wss://`, unless the page itself was loaded over
//! plain `http:`, then `ws://`. So `demo.nats.io:8443` means `wss://demo.nats.io:8443` on an
//! `https:` page (and in a worker or extension page, or wherever the page's protocol is not
//! known), and `127.0.0.1:4280` means `ws://127.0.0.1:4280` on an `http:` page. The rule
//! looks at the page, never at the host: on an `https:` page `localhost:4280` and
//! `127.0.0.1:4280` mean `wss://` too, although a local nats-server usually has a plain
//! (`no_tls`) listener; write `ws://localhost:4280` for it (browsers allow `ws://` to a
//! loopback host from an `https:` page). A URL with a scheme is taken as it is.

/// The scheme a server URL without one gets on a page loaded over `page_protocol`
/// (`location.protocol`, e.g. `"http:"`): `ws` for `http:`, `wss` for anything else,
/// `https:` included, and when it is not known (`None`).
pub fn default_scheme(page_protocol: Option<&str>) -> &'static str {
    match page_protocol {
        Some(p) if p.eq_ignore_ascii_case("http:") => "ws",
        _ => "wss",
    }
}

/// `location.protocol` of the page (or worker) this runs in, if it has one.
fn page_protocol() -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    js_sys::Reflect::get(&location, &"protocol".into())
        .ok()?
        .as_string()
}

/// Every server URL without a scheme, with this page's [`default_scheme`].
pub(crate) fn with_page_scheme(servers: &mut [String]) {
    if servers.iter().all(|url| url.contains("://")) {
        return; // the common case: nothing to ask the page
    }
    let scheme = default_scheme(page_protocol().as_deref());
    for url in servers {
        *url = nats_core::conn::with_default_scheme(url, scheme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_plain_http_page_means_ws_anything_else_wss() {
        assert_eq!(default_scheme(Some("http:")), "ws");
        assert_eq!(default_scheme(Some("HTTP:")), "ws");
        assert_eq!(default_scheme(Some("https:")), "wss");
        assert_eq!(default_scheme(Some("chrome-extension:")), "wss");
        assert_eq!(default_scheme(Some("file:")), "wss");
        assert_eq!(default_scheme(None), "wss");
    }
}

//! Server URLs given without a scheme (`host:port`), as nats.js accepts them.

/// `url` with `default_scheme` put in front when it has no scheme of its own: `host:port`
/// becomes `<default_scheme>://host:port`, a scheme-relative `//host:port` becomes
/// `<default_scheme>://host:port`, and a URL with a scheme (`ws://`, `wss://`, even
/// `nats://`, left for the owner to refuse with its own hint) is returned as it is. Spaces
/// around the URL are dropped.
///
/// The owner picks the default, since only it knows where it runs: the browser client takes
/// `wss` unless the page itself was loaded over plain `http:` (then `ws`), as nats.js does.
/// Servers announced by a cluster in INFO (`connect_urls`, always without a scheme) take the
/// scheme of the server in use instead (see [`super::ServerPool::update_discovered`]).
///
/// ```
/// use nats_core::conn::with_default_scheme;
/// assert_eq!(with_default_scheme("demo.nats.io:8443", "wss"), "wss://demo.nats.io:8443");
/// assert_eq!(with_default_scheme("ws://127.0.0.1:4280", "wss"), "ws://127.0.0.1:4280");
/// ```
pub fn with_default_scheme(url: &str, default_scheme: &str) -> String {
    let url = url.trim();
    if has_scheme(url) {
        return url.to_owned();
    }
    let rest = url.strip_prefix("//").unwrap_or(url);
    format!("{default_scheme}://{rest}")
}

/// Whether `url` starts with `scheme://`, a scheme being a letter, then letters, digits,
/// `+`, `-` or `.` (RFC 3986).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_host_and_port_without_scheme_takes_the_default_scheme() {
        assert_eq!(
            with_default_scheme("127.0.0.1:4280", "ws"),
            "ws://127.0.0.1:4280"
        );
        assert_eq!(
            with_default_scheme("demo.nats.io:8443", "wss"),
            "wss://demo.nats.io:8443"
        );
        assert_eq!(
            with_default_scheme(" localhost:4280 ", "wss"),
            "wss://localhost:4280"
        );
        assert_eq!(
            with_default_scheme("//host:1/path", "wss"),
            "wss://host:1/path"
        );
        assert_eq!(with_default_scheme("[::1]:4280", "ws"), "ws://[::1]:4280");
    }

    #[test]
    fn a_url_with_a_scheme_is_left_as_it_is() {
        for url in [
            "ws://h:1",
            "wss://h:1",
            "WSS://h:1",
            "nats://h:4222",
            "http://h:80",
        ] {
            assert_eq!(with_default_scheme(url, "wss"), url);
        }
        // Not a scheme: a path or query that holds "://".
        assert_eq!(
            with_default_scheme("h:1/?next=ws://x", "ws"),
            "ws://h:1/?next=ws://x"
        );
    }
}

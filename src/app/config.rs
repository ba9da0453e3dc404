//! Where the page connects: `?servers=ws://host:port[,ws://host2:port]`, like the original
//! program's `NATS_URL`; without it, the development server from the README. Which KV bucket
//! holds the greetings: `?bucket=name`, else `greetings`.

/// The WebSocket listener of `nats/dev.conf`.
pub const DEV_SERVER: &str = "ws://127.0.0.1:4280";

/// The servers named by a query string such as `?servers=ws://a:1,ws://b:2`, or
/// [`DEV_SERVER`] when it names none.
pub fn servers_from_query(query: &str) -> Vec<String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let servers: Vec<String> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == "servers")
        .flat_map(|(_, value)| {
            percent_decode(value)
                .split(',')
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if servers.is_empty() {
        vec![DEV_SERVER.to_owned()]
    } else {
        servers
    }
}

/// The greetings bucket named by `?bucket=` (the last one), or
/// [`crate::app::state::DEFAULT_BUCKET`]. Not checked here: the KV client refuses an invalid
/// name before anything is sent, and the Greetings panel says so.
pub fn bucket_from_query(query: &str) -> String {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| *key == "bucket" && !value.is_empty())
        .map(|(_, value)| percent_decode(value))
        .next_back()
        .unwrap_or_else(|| crate::app::state::DEFAULT_BUCKET.to_owned())
}

/// Decodes `%XX` escapes and `+` (as a space); leaves malformed escapes as they are.
fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? << 4 | hex(bytes[i + 2])?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_servers_the_page_uses_the_dev_server() {
        assert_eq!(servers_from_query(""), [DEV_SERVER]);
        assert_eq!(servers_from_query("?other=1"), [DEV_SERVER]);
        assert_eq!(servers_from_query("?servers="), [DEV_SERVER]);
    }

    #[test]
    fn the_bucket_is_greetings_unless_the_query_names_one() {
        assert_eq!(bucket_from_query(""), "greetings");
        assert_eq!(bucket_from_query("?servers=ws://a:1&bucket="), "greetings");
        assert_eq!(bucket_from_query("?servers=ws://a:1&bucket=e2e_1"), "e2e_1");
        assert_eq!(
            bucket_from_query("?bucket=a%20b"),
            "a b",
            "refused later, by the client"
        );
    }

    #[test]
    fn servers_are_a_comma_separated_list_plain_or_escaped() {
        assert_eq!(
            servers_from_query("?servers=ws://127.0.0.1:4280,ws://127.0.0.1:4281"),
            ["ws://127.0.0.1:4280", "ws://127.0.0.1:4281"]
        );
        assert_eq!(
            servers_from_query("?x=1&servers=ws%3A%2F%2Fa%3A1%2Cws%3A%2F%2Fb%3A2"),
            ["ws://a:1", "ws://b:2"]
        );
        assert_eq!(servers_from_query("?servers=ws://a:1%zz"), ["ws://a:1%zz"]);
        assert_eq!(servers_from_query("?servers=ws://a:1%"), ["ws://a:1%"]);
        assert_eq!(servers_from_query("?servers=%é"), ["%é"]);
    }
}

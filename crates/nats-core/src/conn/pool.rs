//! The servers a connection may use: the ones it was given and the ones the cluster announced
//! in INFO `connect_urls`, tried in turn.

use crate::time::Instant;

use crate::random::Random;

/// One server of the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Server {
    url: String,
    /// [`server_key`] of the URL, computed once.
    key: String,
    /// Learned from INFO rather than given.
    discovered: bool,
    /// Announced lame-duck mode: used only when no other server is left.
    lame_duck: bool,
    /// When a transport to it was last opened.
    last_attempt: Option<Instant>,
}

impl Server {
    fn new(url: String, key: String, discovered: bool) -> Self {
        Server {
            url,
            key,
            discovered,
            lame_duck: false,
            last_attempt: None,
        }
    }
}

/// The servers, in the order they are tried.
#[derive(Debug, Clone)]
pub struct ServerPool {
    servers: Vec<Server>,
    current: Option<usize>,
    /// Shuffles servers when set (given ones at the start, discovered ones as they join).
    shuffler: Option<Random>,
}

impl ServerPool {
    /// A pool of `urls`, shuffled with `shuffler` when there is one.
    pub fn new(urls: &[String], mut shuffler: Option<Random>) -> Self {
        let mut servers: Vec<Server> = Vec::new();
        let mut seen: Vec<String> = Vec::with_capacity(urls.len());
        for url in urls {
            let key = server_key(url);
            if !seen.contains(&key) {
                seen.push(key.clone());
                servers.push(Server::new(url.clone(), key, false));
            }
        }
        if let Some(random) = shuffler.as_mut() {
            shuffle(&mut servers, random);
        }
        ServerPool {
            servers,
            current: None,
            shuffler,
        }
    }

    /// Number of servers.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// True when there is no server at all.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// The URL in use (or last tried).
    pub fn current_url(&self) -> Option<&str> {
        self.current.map(|i| self.servers[i].url.as_str())
    }

    /// Moves to the next server after the current one (the first, at the start) and returns its
    /// URL. Lame-duck servers are skipped while another one is left.
    pub fn advance(&mut self) -> Option<&str> {
        let pick = self.clone_cursor().advance_index()?;
        self.current = Some(pick);
        Some(self.servers[pick].url.as_str())
    }

    /// Records that a transport to the current server is being opened at `now`.
    pub fn mark_attempt(&mut self, now: Instant) {
        if let Some(server) = self.current.and_then(|i| self.servers.get_mut(i)) {
            server.last_attempt = Some(now);
        }
    }

    /// When the server [`ServerPool::advance`] would pick next was last tried, if ever.
    pub fn next_last_attempt(&self) -> Option<Instant> {
        self.clone_cursor()
            .advance_index()
            .and_then(|i| self.servers[i].last_attempt)
    }

    fn clone_cursor(&self) -> Cursor<'_> {
        Cursor {
            servers: &self.servers,
            current: self.current,
        }
    }

    /// True once every server has been tried since the start (for the first connect).
    pub fn tried_all_from_start(&self) -> bool {
        self.current.is_none_or(|i| i + 1 >= self.servers.len())
    }

    /// Takes the servers a cluster announces in INFO `connect_urls` (`host:port`, no scheme):
    /// new ones join with the scheme of the current URL (shuffled first, when the pool
    /// randomizes, so that the clients of a cluster do not all fail over in the same order),
    /// and discovered ones no longer announced (nodes that left the cluster) leave the pool,
    /// unless in use. Servers given in the options always stay. An empty list changes
    /// nothing: a server that announces none says nothing about its cluster. Returns how many
    /// joined. Near-linear: each URL's key is computed once and looked up in a sorted list,
    /// since a server may send thousands of URLs, and send them again at any time.
    pub fn update_discovered(&mut self, host_ports: &[String]) -> usize {
        if host_ports.is_empty() {
            return 0;
        }
        let scheme = self
            .current_url()
            .and_then(|u| u.split_once("://"))
            .map_or("ws", |(scheme, _)| scheme)
            .to_owned();
        let mut announced: Vec<String> = host_ports.iter().map(|hp| server_key(hp)).collect();
        // The announced URLs that are new, each once, in the order announced.
        let mut fresh: Vec<usize> = (0..announced.len()).collect();
        fresh.sort_by(|&a, &b| announced[a].cmp(&announced[b]).then(a.cmp(&b)));
        fresh.dedup_by(|later, first| announced[*later] == announced[*first]);
        let mut known: Vec<&str> = self.servers.iter().map(|s| s.key.as_str()).collect();
        known.sort_unstable();
        fresh.retain(|&i| known.binary_search(&announced[i].as_str()).is_err());
        fresh.sort_unstable();
        let mut joining: Vec<Server> = fresh
            .iter()
            .filter_map(|&i| {
                let hp = host_ports.get(i)?;
                let url = if hp.contains("://") {
                    hp.clone()
                } else {
                    format!("{scheme}://{hp}")
                };
                Some(Server::new(url, announced.get(i)?.clone(), true))
            })
            .collect();
        let added = joining.len();
        if let Some(random) = self.shuffler.as_mut() {
            shuffle(&mut joining, random);
        }
        self.servers.append(&mut joining);
        announced.sort_unstable();
        let current = self.current.map(|i| self.servers[i].key.clone());
        self.servers.retain(|s| {
            !s.discovered
                || current.as_ref() == Some(&s.key)
                || announced.binary_search(&s.key).is_ok()
        });
        self.current = current.and_then(|key| self.servers.iter().position(|s| s.key == key));
        added
    }

    /// Marks the current server as about to shut down.
    pub fn mark_current_lame_duck(&mut self) {
        if let Some(i) = self.current {
            self.servers[i].lame_duck = true;
        }
    }

    /// Clears the lame-duck mark of the current server (it answered again).
    pub fn mark_current_healthy(&mut self) {
        if let Some(i) = self.current {
            self.servers[i].lame_duck = false;
        }
    }

    /// Every URL, in order; discovered ones are flagged.
    pub fn urls(&self) -> impl Iterator<Item = (&str, bool)> {
        self.servers.iter().map(|s| (s.url.as_str(), s.discovered))
    }
}

/// What identifies a server in a URL: `ws://Host:1/` and `host:1` are the same server.
fn server_key(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.trim_end_matches('/').to_ascii_lowercase()
}

/// The pool's turn order, read without moving it.
struct Cursor<'a> {
    servers: &'a [Server],
    current: Option<usize>,
}

impl Cursor<'_> {
    /// The server after the current one (the first, at the start), skipping lame-duck servers
    /// while another one is left.
    fn advance_index(&self) -> Option<usize> {
        let n = self.servers.len();
        if n == 0 {
            return None;
        }
        let start = self.current.map_or(0, |i| (i + 1) % n);
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| !self.servers[i].lame_duck)
            .or(Some(start))
    }
}

/// Fisher-Yates.
fn shuffle<T>(items: &mut [T], random: &mut Random) {
    for i in (1..items.len()).rev() {
        let j = random.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn servers_are_tried_in_turn_and_wrap_around() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://b:2"]), None);
        assert_eq!(pool.advance(), Some("ws://a:1"));
        assert!(!pool.tried_all_from_start());
        assert_eq!(pool.advance(), Some("ws://b:2"));
        assert!(pool.tried_all_from_start());
        assert_eq!(pool.advance(), Some("ws://a:1"));
    }

    #[test]
    fn discovered_servers_take_the_current_scheme_and_are_not_duplicated() {
        let mut pool = ServerPool::new(&urls(&["wss://a:1"]), None);
        pool.advance();
        let added = pool.update_discovered(&urls(&["b:2", "A:1", "c:3", "b:2"]));
        assert_eq!(added, 2);
        let all: Vec<_> = pool.urls().collect();
        assert_eq!(
            all,
            [
                ("wss://a:1", false),
                ("wss://b:2", true),
                ("wss://c:3", true)
            ]
        );
    }

    #[test]
    fn discovered_servers_that_are_no_longer_announced_leave_unless_in_use() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://z:9"]), None);
        pool.advance();
        pool.update_discovered(&urls(&["a:1", "b:2", "c:3", "d:4"]));
        assert_eq!(pool.advance(), Some("ws://z:9"));
        assert_eq!(pool.advance(), Some("ws://b:2"));
        assert_eq!(pool.advance(), Some("ws://c:3"), "c is in use now");

        // b and c left the cluster; z was given, so it stays although it is not announced.
        assert_eq!(pool.update_discovered(&urls(&["a:1", "d:4", "e:5"])), 1);
        let all: Vec<_> = pool.urls().collect();
        assert_eq!(
            all,
            [
                ("ws://a:1", false),
                ("ws://z:9", false),
                ("ws://c:3", true),
                ("ws://d:4", true),
                ("ws://e:5", true)
            ]
        );
        assert_eq!(pool.current_url(), Some("ws://c:3"));
        assert_eq!(pool.advance(), Some("ws://d:4"), "the turn goes on after c");

        // Once c is no longer in use, the next INFO removes it.
        pool.update_discovered(&urls(&["a:1", "d:4", "e:5"]));
        assert!(pool.urls().all(|(url, _)| url != "ws://c:3"));
        assert_eq!(pool.current_url(), Some("ws://d:4"));
    }

    #[test]
    fn an_info_without_connect_urls_leaves_the_pool_as_it_is() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1"]), None);
        pool.advance();
        pool.update_discovered(&urls(&["b:2"]));
        assert_eq!(pool.update_discovered(&[]), 0);
        assert_eq!(pool.len(), 2);
    }

    #[test]
    fn a_lame_duck_server_is_skipped_while_another_is_left() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://b:2", "ws://c:3"]), None);
        pool.advance();
        pool.mark_current_lame_duck();
        assert_eq!(pool.advance(), Some("ws://b:2"));
        assert_eq!(pool.advance(), Some("ws://c:3"));
        assert_eq!(pool.advance(), Some("ws://b:2"), "a is skipped");
    }

    #[test]
    fn thousands_of_announced_servers_join_once_each_with_the_current_scheme() {
        let mut pool = ServerPool::new(&urls(&["wss://Own:4222/", "wss://given:1"]), None);
        pool.advance();
        let mut announced: Vec<String> = (0..3_597)
            .map(|i| format!("10.0.{}.{}:4222", i / 250, i % 250))
            .collect();
        announced.push("OWN:4222".into());
        announced.push("10.0.0.0:4222".into()); // a duplicate
        assert_eq!(announced.len(), 3_599);
        assert_eq!(pool.update_discovered(&announced), 3_597);
        assert_eq!(pool.len(), 2 + 3_597);
        assert_eq!(pool.current_url(), Some("wss://Own:4222/"));
        let all: Vec<_> = pool.urls().collect();
        assert_eq!(all[2], ("wss://10.0.0.0:4222", true));
        assert_eq!(all[3_598], ("wss://10.0.14.96:4222", true));
        // Sent again (the server may resend INFO at any time), nothing changes.
        assert_eq!(pool.update_discovered(&announced), 0);
        assert_eq!(pool.len(), 2 + 3_597);
        // Half the cluster leaves.
        announced.truncate(1_800);
        pool.update_discovered(&announced);
        assert_eq!(pool.len(), 2 + 1_800);
        assert_eq!(pool.current_url(), Some("wss://Own:4222/"));
    }

    #[test]
    fn announced_servers_are_shuffled_before_joining_unless_randomize_is_off() {
        let announced: Vec<String> = (0..50).map(|i| format!("h{i}:1")).collect();
        let in_order: Vec<String> = announced.iter().map(|hp| format!("ws://{hp}")).collect();
        let joined = |randomize: bool| {
            let mut pool = ServerPool::new(
                &urls(&["ws://a:1"]),
                randomize.then(|| Random::from_seed([6; 32])),
            );
            pool.advance();
            pool.update_discovered(&announced);
            pool.urls()
                .skip(1)
                .map(|(u, _)| u.to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(joined(false), in_order);
        let shuffled = joined(true);
        assert_ne!(
            shuffled, in_order,
            "every client would fail over in the same order"
        );
        let mut sorted = shuffled.clone();
        sorted.sort();
        let mut expected = in_order.clone();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    #[test]
    fn randomizing_keeps_every_server_once() {
        let given = urls(&["ws://a:1", "ws://b:2", "ws://c:3", "ws://d:4"]);
        let mut pool = ServerPool::new(&given, Some(Random::from_seed([5; 32])));
        let mut seen: Vec<String> = (0..4).map(|_| pool.advance().unwrap().to_owned()).collect();
        seen.sort();
        assert_eq!(seen, given);
    }
}

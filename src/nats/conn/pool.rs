//! The servers a connection may use: the ones it was given and the ones the cluster announced
//! in INFO `connect_urls`, tried in turn.

use crate::nats::proto::fill_random;

/// One server of the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Server {
    url: String,
    /// Learned from INFO rather than given.
    discovered: bool,
    /// Announced lame-duck mode: used only when no other server is left.
    lame_duck: bool,
}

/// The servers, in the order they are tried.
#[derive(Debug, Clone, Default)]
pub struct ServerPool {
    servers: Vec<Server>,
    current: Option<usize>,
}

impl ServerPool {
    /// A pool of `urls`, shuffled when `randomize` is set.
    pub fn new(urls: &[String], randomize: bool) -> Self {
        let mut servers: Vec<Server> = Vec::new();
        for url in urls {
            if !servers.iter().any(|s| same_server(&s.url, url)) {
                servers.push(Server {
                    url: url.clone(),
                    discovered: false,
                    lame_duck: false,
                });
            }
        }
        if randomize {
            shuffle(&mut servers);
        }
        ServerPool {
            servers,
            current: None,
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
        let n = self.servers.len();
        if n == 0 {
            return None;
        }
        let start = self.current.map_or(0, |i| (i + 1) % n);
        let pick = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| !self.servers[i].lame_duck)
            .unwrap_or(start);
        self.current = Some(pick);
        Some(self.servers[pick].url.as_str())
    }

    /// True once every server has been tried since the start (for the first connect).
    pub fn tried_all_from_start(&self) -> bool {
        self.current.is_none_or(|i| i + 1 >= self.servers.len())
    }

    /// Takes the servers a cluster announces in INFO `connect_urls` (`host:port`, no scheme):
    /// new ones join with the scheme of the current URL, and discovered ones no longer
    /// announced (nodes that left the cluster) leave the pool, unless in use. Servers given
    /// in the options always stay. An empty list changes nothing: a server that announces
    /// none says nothing about its cluster. Returns how many joined.
    pub fn update_discovered(&mut self, host_ports: &[String]) -> usize {
        if host_ports.is_empty() {
            return 0;
        }
        let scheme = self
            .current_url()
            .and_then(|u| u.split_once("://"))
            .map_or("ws", |(scheme, _)| scheme)
            .to_owned();
        let mut added = 0;
        for hp in host_ports {
            let url = if hp.contains("://") {
                hp.clone()
            } else {
                format!("{scheme}://{hp}")
            };
            if !self.servers.iter().any(|s| same_server(&s.url, &url)) {
                self.servers.push(Server {
                    url,
                    discovered: true,
                    lame_duck: false,
                });
                added += 1;
            }
        }
        let current = self.current_url().map(str::to_owned);
        self.servers.retain(|s| {
            !s.discovered
                || current.as_deref() == Some(s.url.as_str())
                || host_ports.iter().any(|hp| same_server(&s.url, hp))
        });
        self.current = current.and_then(|url| self.servers.iter().position(|s| s.url == url));
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

/// `ws://Host:1/` and `ws://host:1` are the same server.
fn same_server(a: &str, b: &str) -> bool {
    let key = |u: &str| {
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.trim_end_matches('/').to_ascii_lowercase()
    };
    key(a) == key(b)
}

fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let mut bytes = [0u8; 4];
        fill_random(&mut bytes);
        let j = u32::from_le_bytes(bytes) as usize % (i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn servers_are_tried_in_turn_and_wrap_around() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://b:2"]), false);
        assert_eq!(pool.advance(), Some("ws://a:1"));
        assert!(!pool.tried_all_from_start());
        assert_eq!(pool.advance(), Some("ws://b:2"));
        assert!(pool.tried_all_from_start());
        assert_eq!(pool.advance(), Some("ws://a:1"));
    }

    #[test]
    fn discovered_servers_take_the_current_scheme_and_are_not_duplicated() {
        let mut pool = ServerPool::new(&urls(&["wss://a:1"]), false);
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
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://z:9"]), false);
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
        let mut pool = ServerPool::new(&urls(&["ws://a:1"]), false);
        pool.advance();
        pool.update_discovered(&urls(&["b:2"]));
        assert_eq!(pool.update_discovered(&[]), 0);
        assert_eq!(pool.len(), 2);
    }

    #[test]
    fn a_lame_duck_server_is_skipped_while_another_is_left() {
        let mut pool = ServerPool::new(&urls(&["ws://a:1", "ws://b:2", "ws://c:3"]), false);
        pool.advance();
        pool.mark_current_lame_duck();
        assert_eq!(pool.advance(), Some("ws://b:2"));
        assert_eq!(pool.advance(), Some("ws://c:3"));
        assert_eq!(pool.advance(), Some("ws://b:2"), "a is skipped");
    }

    #[test]
    fn randomizing_keeps_every_server_once() {
        let given = urls(&["ws://a:1", "ws://b:2", "ws://c:3", "ws://d:4"]);
        let mut pool = ServerPool::new(&given, true);
        let mut seen: Vec<String> = (0..4).map(|_| pool.advance().unwrap().to_owned()).collect();
        seen.sort();
        assert_eq!(seen, given);
    }
}

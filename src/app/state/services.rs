//! What the Services panel shows: every service discovered on the server, with its info and
//! its latest statistics.

use std::rc::Rc;

use nats_web::service::{Info, Stats};

/// One service instance: what `$SRV.INFO` and `$SRV.STATS` said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// Its info.
    pub info: Info,
    /// Its statistics, if it answered `$SRV.STATS` too.
    pub stats: Option<Stats>,
}

/// Services shown at most (anyone may start services on a server).
pub const SERVICES_LIMIT: usize = 50;

/// The Services panel's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServicesView {
    /// The services found by the latest refresh, by name and id; shared, so that the page's
    /// state and the panel's props copy a pointer, not every service's info and statistics.
    pub rows: Rc<Vec<ServiceRow>>,
    /// Refreshes done so far.
    pub refreshes: u64,
    /// Why the latest refresh failed, if it did.
    pub error: Option<String>,
}

impl ServicesView {
    /// Whether `self` and `other` are the same refresh's view: each refresh makes new rows, so
    /// comparing where the rows are is enough (the derived `==` compares every field of every
    /// service, 1 KB of wasm the page does not need).
    pub fn same(&self, other: &Self) -> bool {
        self.refreshes == other.refreshes
            && Rc::ptr_eq(&self.rows, &other.rows)
            && self.error == other.error
    }
}

/// Pairs each service's info with its statistics (by id), sorted by name and id, at most
/// [`SERVICES_LIMIT`] of them; a service that answered twice is shown once.
///
/// Each row goes into its place by binary search, and rows past the limit are never kept
/// (at most `SERVICES_LIMIT` moves per row, whatever a server sends): no sort, whose code for
/// a type as large as `ServiceRow` costs the page 2.7 KB of wasm.
pub fn rows(infos: Vec<Info>, mut stats: Vec<Stats>) -> Vec<ServiceRow> {
    let mut rows: Vec<ServiceRow> = Vec::new();
    for info in infos {
        let at = rows.binary_search_by(|r| (&r.info.name, &r.info.id).cmp(&(&info.name, &info.id)));
        let Err(at) = at else { continue };
        if at >= SERVICES_LIMIT {
            continue;
        }
        let found = stats
            .iter()
            .position(|s| s.id == info.id && s.name == info.name);
        let stats = found.map(|found| stats.swap_remove(found));
        rows.insert(at, ServiceRow { info, stats });
        rows.truncate(SERVICES_LIMIT);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, id: &str) -> Info {
        Info {
            name: name.into(),
            id: id.into(),
            ..Info::default()
        }
    }

    fn stats(name: &str, id: &str, started: &str) -> Stats {
        Stats {
            name: name.into(),
            id: id.into(),
            started: started.into(),
            ..Stats::default()
        }
    }

    #[test]
    fn each_service_gets_its_own_statistics_sorted_by_name_and_id() {
        let rows = rows(
            vec![info("greet", "B"), info("echo", "Z"), info("greet", "A")],
            vec![stats("greet", "A", "a"), stats("greet", "B", "b")],
        );
        let shown: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.info.id.as_str(),
                    r.stats.as_ref().map(|s| s.started.as_str()),
                )
            })
            .collect();
        assert_eq!(shown, [("Z", None), ("A", Some("a")), ("B", Some("b"))]);
    }

    #[test]
    fn a_service_answering_twice_is_shown_once_and_the_list_is_bounded() {
        let rows = rows(vec![info("a", "1"), info("a", "1")], vec![]);
        assert_eq!(rows.len(), 1);
        let many = (0..SERVICES_LIMIT + 5).map(|i| info("s", &format!("{i:03}")));
        assert_eq!(super::rows(many.collect(), vec![]).len(), SERVICES_LIMIT);
    }

    #[test]
    fn a_view_is_the_same_only_as_its_own_copies_so_each_refresh_redraws() {
        let view = ServicesView {
            rows: Rc::new(rows(vec![info("a", "1")], vec![])),
            refreshes: 1,
            error: None,
        };
        assert!(view.same(&view.clone()));
        let next = ServicesView {
            rows: Rc::new(rows(vec![info("a", "1")], vec![])),
            ..view.clone()
        };
        assert_eq!(next, view, "equal contents");
        assert!(!next.same(&view), "but another refresh's rows");
    }
}

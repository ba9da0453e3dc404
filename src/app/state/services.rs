//! What the Services panel shows: every service discovered on the server, with its info and
//! its latest statistics.

use std::rc::Rc;

use nats_web::service::{EndpointInfo, EndpointStats, Info, Stats};

/// One service instance: what `$SRV.INFO` and `$SRV.STATS` said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// Its info; its endpoints are in [`ServiceRow::endpoints`] (this list is empty).
    pub info: Info,
    /// Its statistics, if it answered `$SRV.STATS` too; their endpoints are in
    /// [`ServiceRow::endpoints`] (this list is empty).
    pub stats: Option<Stats>,
    /// Its first [`ENDPOINTS_SHOWN`] endpoints, each with its statistics.
    pub endpoints: Vec<EndpointRow>,
    /// Endpoints past [`ENDPOINTS_SHOWN`], counted, not shown.
    pub more_endpoints: usize,
}

/// One endpoint of a service: its info and its statistics, paired once per refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// What `$SRV.INFO` said about it.
    pub info: EndpointInfo,
    /// What `$SRV.STATS` said about it, if anything.
    pub stats: Option<EndpointStats>,
}

/// Endpoints shown per service (a peer's INFO may list thousands).
pub const ENDPOINTS_SHOWN: usize = 20;

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
        rows.insert(
            at,
            ServiceRow {
                info,
                stats,
                endpoints: Vec::new(),
                more_endpoints: 0,
            },
        );
        rows.truncate(SERVICES_LIMIT);
    }
    for row in &mut rows {
        pair_endpoints(row);
    }
    rows
}

/// Moves the row's first [`ENDPOINTS_SHOWN`] endpoints, each with its statistics (by name),
/// into [`ServiceRow::endpoints`] and counts the rest.
fn pair_endpoints(row: &mut ServiceRow) {
    let infos = std::mem::take(&mut row.info.endpoints);
    let mut stats = row
        .stats
        .as_mut()
        .map(|s| std::mem::take(&mut s.endpoints))
        .unwrap_or_default();
    row.more_endpoints = infos.len().saturating_sub(ENDPOINTS_SHOWN);
    row.endpoints = infos
        .into_iter()
        .take(ENDPOINTS_SHOWN)
        .map(|info| {
            let at = stats.iter().position(|s| s.name == info.name);
            EndpointRow {
                stats: at.map(|at| stats.swap_remove(at)),
                info,
            }
        })
        .collect();
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
    fn a_service_with_a_thousand_endpoints_shows_the_first_ones_each_with_its_stats_and_counts_the_rest(
    ) {
        let endpoint = |i: usize| EndpointInfo {
            name: format!("e{i}"),
            ..EndpointInfo::default()
        };
        let endpoint_stats = |i: usize| EndpointStats {
            name: format!("e{i}"),
            num_requests: i as u64,
            ..EndpointStats::default()
        };
        let mut big = info("big", "1");
        big.endpoints = (0..1_000).map(endpoint).collect();
        let mut big_stats = stats("big", "1", "t");
        // In another order than the info's.
        big_stats.endpoints = (0..1_000).rev().map(endpoint_stats).collect();
        let rows = rows(vec![big], vec![big_stats]);
        let row = &rows[0];
        assert_eq!(row.endpoints.len(), ENDPOINTS_SHOWN);
        assert_eq!(row.more_endpoints, 1_000 - ENDPOINTS_SHOWN);
        for (i, e) in row.endpoints.iter().enumerate() {
            assert_eq!(e.info.name, format!("e{i}"));
            assert_eq!(e.stats.as_ref().map(|s| s.num_requests), Some(i as u64));
        }
        assert!(row.info.endpoints.is_empty() && row.stats.as_ref().unwrap().endpoints.is_empty());
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

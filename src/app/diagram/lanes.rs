//! Which lanes the diagram keeps once its arrows are trimmed to [`super::MAX_ARROWS`].

use super::{Builder, SERVER};

impl Builder {
    /// Keeps the requester, the server, the lanes of subscriptions still alive and the lanes
    /// an arrow drawn uses; so that Start/Stop after Start/Stop does not widen the diagram.
    pub(super) fn drop_unused_lanes(&mut self) {
        let d = &mut self.diagram;
        let used = |lane: usize| d.arrows.iter().any(|a| a.from == lane || a.to == lane);
        let keep: Vec<bool> = (0..d.lanes.len())
            .map(|lane| {
                let alive = !self.dead.contains(&lane) && Some(lane) != self.others;
                lane <= SERVER || alive || used(lane)
            })
            .collect();
        let mut new_index = Vec::with_capacity(keep.len());
        let mut next = 0;
        for kept in &keep {
            new_index.push(next);
            next += usize::from(*kept);
        }
        let mut kept = keep.iter();
        d.lanes.retain(|_| kept.next().copied().unwrap_or(true));
        for a in &mut d.arrows {
            a.from = new_index.get(a.from).copied().unwrap_or(a.from);
            a.to = new_index.get(a.to).copied().unwrap_or(a.to);
        }
    }
}

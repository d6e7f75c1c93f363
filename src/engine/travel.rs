//! Travel over the border graph: shortest paths (petgraph Dijkstra) on road distance, with
//! closed and slowed links. Distances are cached per source and dropped when a disruption
//! changes the graph.

use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use petgraph::unionfind::UnionFind;
use petgraph::visit::{EdgeFiltered, EdgeRef};

use crate::model::{Dataset, DisruptionKind, ForceId};
use crate::time::Minutes;

/// The border graph in its current state (some links closed or slowed).
pub struct TravelNetwork {
    graph: UnGraph<(), u64>,
    closed: Vec<u32>,
    /// Travel-time multiplier per link (1 = normal), in thousandths so arithmetic stays integral.
    slow_permille: Vec<u64>,
    /// Effective metres from a source force to every force; `None` = not computed yet.
    cache: Vec<Option<Vec<Option<u64>>>>,
    /// Minutes from a source force to every force at a speed (by its bits), from `cache`.
    minutes_rows: std::collections::BTreeMap<(usize, u64), Vec<Option<Minutes>>>,
}

impl TravelNetwork {
    /// The graph of `data`'s border links with nothing closed or slowed.
    pub fn new(data: &Dataset) -> Self {
        let mut graph = UnGraph::with_capacity(data.forces.len(), data.borders.len());
        for _ in &data.forces {
            graph.add_node(());
        }
        for b in &data.borders {
            let metres = (b.road_km * 1000.0).round().max(1.0) as u64;
            graph.add_edge(NodeIndex::new(usize::from(b.a.0)), NodeIndex::new(usize::from(b.b.0)), metres);
        }
        let edges = graph.edge_count();
        Self {
            graph,
            closed: vec![0; edges],
            slow_permille: vec![1000; edges],
            cache: vec![None; data.forces.len()],
            minutes_rows: std::collections::BTreeMap::new(),
        }
    }

    fn edge(&self, a: ForceId, b: ForceId) -> Option<EdgeIndex> {
        self.graph.find_edge(NodeIndex::new(usize::from(a.0)), NodeIndex::new(usize::from(b.0)))
    }

    /// Set the state of every link from the disruptions active now (in scenario order).
    pub fn set_disruptions<'a>(&mut self, active: impl IntoIterator<Item = &'a DisruptionKind>) {
        self.closed.fill(0);
        self.slow_permille.fill(1000);
        for kind in active {
            match *kind {
                DisruptionKind::LinkClosed { a, b } => {
                    if let Some(e) = self.edge(a, b) {
                        self.closed[e.index()] += 1;
                    }
                }
                DisruptionKind::LinkSlowed { a, b, factor } => {
                    if let Some(e) = self.edge(a, b) {
                        let s = &mut self.slow_permille[e.index()];
                        *s = *s * (factor * 1000.0).round() as u64 / 1000;
                    }
                }
                DisruptionKind::CommsOutage { .. } | DisruptionKind::SlowComms { .. } => {}
            }
        }
        self.cache.iter_mut().for_each(|c| *c = None);
        self.minutes_rows.clear();
    }

    /// Which forces are cut off: not in the connected part of the open graph that holds the
    /// most officers (ties go to the part with the lowest force id). With nothing closed, none.
    pub fn cut_off(&self, officers: &[u32]) -> Vec<bool> {
        let n = self.graph.node_count();
        let mut parts = UnionFind::<usize>::new(n);
        for e in self.graph.edge_references() {
            if self.closed[e.id().index()] == 0 {
                parts.union(e.source().index(), e.target().index());
            }
        }
        let mut strength = vec![0u64; n];
        for (i, &o) in officers.iter().enumerate().take(n) {
            strength[parts.find(i)] += u64::from(o);
        }
        // A part is first met at its lowest force id, and only a strictly stronger part replaces it.
        let mut main: Option<(u64, usize)> = None;
        for i in 0..n {
            let root = parts.find(i);
            if main.is_none_or(|(s, _)| strength[root] > s) {
                main = Some((strength[root], root));
            }
        }
        (0..n).map(|i| main.map(|(_, root)| root) != Some(parts.find(i))).collect()
    }

    /// Effective road distance (metres, slowdowns applied) from `from` to `to`, if connected.
    /// Links are two-way with the same length both ways, so a row computed from either end
    /// answers: allocation asks from each host, and one Dijkstra per host serves every donor.
    pub fn distance_m(&mut self, from: ForceId, to: ForceId) -> Option<u64> {
        let (src, dst) = (usize::from(from.0), usize::from(to.0));
        if self.cache[src].is_none()
            && let Some(row) = &self.cache[dst]
        {
            return row[src];
        }
        if self.cache[src].is_none() {
            let closed = &self.closed;
            let slow = &self.slow_permille;
            let open = EdgeFiltered::from_fn(&self.graph, |e| closed[e.id().index()] == 0);
            // petgraph returns a HashMap; read it by key only, never iterate it.
            let map = petgraph::algo::dijkstra(&open, NodeIndex::new(src), None, |e| {
                e.weight() * slow[e.id().index()] / 1000
            });
            let row = (0..self.graph.node_count()).map(|i| map.get(&NodeIndex::new(i)).copied()).collect();
            self.cache[src] = Some(row);
        }
        self.cache[src].as_ref().and_then(|row| row[dst])
    }

    /// Minutes to drive from `from` to `to` at `speed_kmh`, if connected.
    pub fn minutes(&mut self, from: ForceId, to: ForceId, speed_kmh: f64) -> Option<Minutes> {
        self.distance_m(from, to).map(|m| drive_minutes(m, speed_kmh))
    }

    /// [`minutes`](Self::minutes) from `from` to every force (indexed by force id), kept
    /// until a disruption changes the graph: allocation reads a whole row per host each step.
    pub fn minutes_row(&mut self, from: ForceId, speed_kmh: f64) -> &[Option<Minutes>] {
        let key = (usize::from(from.0), speed_kmh.to_bits());
        if !self.minutes_rows.contains_key(&key) {
            let row = (0..self.graph.node_count())
                .map(|to| self.distance_m(from, ForceId(to as u16)).map(|m| drive_minutes(m, speed_kmh)))
                .collect();
            self.minutes_rows.insert(key, row);
        }
        self.minutes_rows.get(&key).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Minutes to drive `metres` at `speed_kmh`, rounded up.
fn drive_minutes(metres: u64, speed_kmh: f64) -> Minutes {
    (metres as f64 * 60.0 / (speed_kmh * 1000.0)).ceil() as Minutes
}

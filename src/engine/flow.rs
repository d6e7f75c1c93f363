//! Minimum-cost flow by successive shortest paths with Dijkstra and node potentials.
//!
//! Integer capacities; costs are lexicographic pairs ([`Cost`]), every one non-negative. Ties
//! are broken by node index, so the same problem always gives the same flow.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

/// A cost compared first by `primary`, then by `secondary`: no amount of secondary cost
/// outweighs one unit of primary cost, whatever the sizes (no big-M weight to run out).
///
/// Pairs under component-wise addition and lexicographic order form an ordered group, which is
/// all that shortest paths with potentials need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cost {
    /// Compared first.
    pub primary: i64,
    /// Compared only between equal primaries.
    pub secondary: i64,
}

impl Cost {
    /// No cost.
    pub const ZERO: Cost = Cost { primary: 0, secondary: 0 };
    const INFINITE: Cost = Cost { primary: i64::MAX, secondary: i64::MAX };

    /// A cost with only a primary part.
    pub const fn primary(primary: i64) -> Cost {
        Cost { primary, secondary: 0 }
    }

    /// A cost with only a secondary part.
    pub const fn secondary(secondary: i64) -> Cost {
        Cost { primary: 0, secondary }
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost { primary: self.primary + o.primary, secondary: self.secondary + o.secondary }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}

impl Sub for Cost {
    type Output = Cost;
    fn sub(self, o: Cost) -> Cost {
        Cost { primary: self.primary - o.primary, secondary: self.secondary - o.secondary }
    }
}

impl Neg for Cost {
    type Output = Cost;
    fn neg(self) -> Cost {
        Cost { primary: -self.primary, secondary: -self.secondary }
    }
}

impl Mul<i64> for Cost {
    type Output = Cost;
    fn mul(self, k: i64) -> Cost {
        Cost { primary: self.primary * k, secondary: self.secondary * k }
    }
}

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: Cost,
}

/// A flow network; add edges, then [`MinCostFlow::solve`].
#[derive(Debug, Clone, Default)]
pub struct MinCostFlow {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl MinCostFlow {
    /// An empty network with `nodes` nodes numbered from 0.
    pub fn new(nodes: usize) -> Self {
        Self { edges: Vec::new(), adj: vec![Vec::new(); nodes] }
    }

    /// Add a directed edge and return its id (for [`MinCostFlow::flow_on`]).
    pub fn add_edge(&mut self, from: usize, to: usize, cap: i64, cost: Cost) -> usize {
        debug_assert!(cost >= Cost::ZERO && cap >= 0);
        let id = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.adj[from].push(id);
        self.edges.push(Edge { to: from, cap: 0, cost: -cost });
        self.adj[to].push(id + 1);
        id
    }

    /// Flow sent along edge `id` by the last solve.
    pub fn flow_on(&self, id: usize) -> i64 {
        self.edges[id ^ 1].cap
    }

    /// Send up to `limit` units from `s` to `t` at least total cost; returns (flow, cost).
    pub fn solve(&mut self, s: usize, t: usize, limit: i64) -> (i64, Cost) {
        let n = self.adj.len();
        let mut potential = vec![Cost::ZERO; n];
        let (mut flow, mut cost) = (0i64, Cost::ZERO);
        let mut dist = vec![Cost::INFINITE; n];
        let mut via = vec![usize::MAX; n];
        while flow < limit {
            dist.fill(Cost::INFINITE);
            via.fill(usize::MAX);
            dist[s] = Cost::ZERO;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((Cost::ZERO, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                for &e in &self.adj[u] {
                    let edge = &self.edges[e];
                    if edge.cap <= 0 {
                        continue;
                    }
                    let nd = d + edge.cost + potential[u] - potential[edge.to];
                    if nd < dist[edge.to] {
                        dist[edge.to] = nd;
                        via[edge.to] = e;
                        heap.push(Reverse((nd, edge.to)));
                    }
                }
            }
            if dist[t] == Cost::INFINITE {
                break;
            }
            for v in 0..n {
                if dist[v] != Cost::INFINITE {
                    potential[v] += dist[v];
                }
            }
            let mut push = limit - flow;
            let mut v = t;
            while v != s {
                let e = via[v];
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while v != s {
                let e = via[v];
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                cost += self.edges[e].cost * push;
                v = self.edges[e ^ 1].to;
            }
            flow += push;
        }
        (flow, cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_cheaper_route() {
        // s=0 -> a=1 -> t=3 costs 1+1; s -> b=2 -> t costs 5+5; capacity 1 each.
        let mut g = MinCostFlow::new(4);
        let c = Cost::secondary;
        g.add_edge(0, 1, 1, c(1));
        g.add_edge(1, 3, 1, c(1));
        g.add_edge(0, 2, 1, c(5));
        g.add_edge(2, 3, 1, c(5));
        assert_eq!(g.solve(0, 3, 1), (1, c(2)));
        assert_eq!(g.solve(0, 3, 5), (1, c(10)));
    }

    #[test]
    fn reroutes_through_residual_edges() {
        // Classic case where the greedy first path must be undone.
        let mut g = MinCostFlow::new(4);
        let c = Cost::secondary;
        let e01 = g.add_edge(0, 1, 1, c(1));
        g.add_edge(0, 2, 1, c(3));
        g.add_edge(1, 2, 1, c(0));
        g.add_edge(1, 3, 1, c(3));
        g.add_edge(2, 3, 1, c(1));
        assert_eq!(g.solve(0, 3, 2), (2, c(8)));
        assert_eq!(g.flow_on(e01), 1);
    }

    #[test]
    fn one_primary_unit_outweighs_any_secondary_cost() {
        // s -> t directly costs (1, 0); s -> a -> t costs (0, 10^15): the second is cheaper.
        let mut g = MinCostFlow::new(3);
        let direct = g.add_edge(0, 2, 1, Cost::primary(1));
        g.add_edge(0, 1, 1, Cost::secondary(1_000_000_000_000_000));
        g.add_edge(1, 2, 1, Cost::ZERO);
        assert_eq!(g.solve(0, 2, 1), (1, Cost::secondary(1_000_000_000_000_000)));
        assert_eq!(g.flow_on(direct), 0);
    }
}

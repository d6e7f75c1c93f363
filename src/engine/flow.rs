//! Minimum-cost flow by successive shortest paths with Dijkstra and node potentials.
//!
//! Integer capacities and costs; every cost must be non-negative. Ties are broken by node
//! index, so the same problem always gives the same flow.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
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
    pub fn add_edge(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        debug_assert!(cost >= 0 && cap >= 0);
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
    pub fn solve(&mut self, s: usize, t: usize, limit: i64) -> (i64, i64) {
        let n = self.adj.len();
        let mut potential = vec![0i64; n];
        let (mut flow, mut cost) = (0i64, 0i64);
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![usize::MAX; n];
        while flow < limit {
            dist.fill(i64::MAX);
            via.fill(usize::MAX);
            dist[s] = 0;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((0i64, s)));
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
            if dist[t] == i64::MAX {
                break;
            }
            for v in 0..n {
                if dist[v] != i64::MAX {
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
                cost += push * self.edges[e].cost;
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
        g.add_edge(0, 1, 1, 1);
        g.add_edge(1, 3, 1, 1);
        g.add_edge(0, 2, 1, 5);
        g.add_edge(2, 3, 1, 5);
        assert_eq!(g.solve(0, 3, 1), (1, 2));
        assert_eq!(g.solve(0, 3, 5), (1, 10));
    }

    #[test]
    fn reroutes_through_residual_edges() {
        // Classic case where the greedy first path must be undone.
        let mut g = MinCostFlow::new(4);
        let e01 = g.add_edge(0, 1, 1, 1);
        g.add_edge(0, 2, 1, 3);
        g.add_edge(1, 2, 1, 0);
        g.add_edge(1, 3, 1, 3);
        g.add_edge(2, 3, 1, 1);
        assert_eq!(g.solve(0, 3, 2), (2, 8));
        assert_eq!(g.flow_on(e01), 1);
    }
}

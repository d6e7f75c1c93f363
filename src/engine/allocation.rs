//! Assigning donor units to shortfalls at tier 2 (regional) and tier 3 (national).
//!
//! Pure functions over plain data, so they can be tested against brute force. The engine
//! groups available units into [`SupplyGroup`]s (same home force, location and notice) and
//! turns open requests into [`Need`]s.

use super::flow::{Cost, MinCostFlow};
use crate::model::{AllocationPolicy, ForceId, RegionId};
use crate::time::Minutes;

/// Interchangeable units: same home force, location and notice.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplyGroup {
    /// The units' home force.
    pub home: ForceId,
    /// The home force's region.
    pub home_region: RegionId,
    /// Where the units are now (their home, or a force where they rested).
    pub location: ForceId,
    /// Minutes from being asked to departure.
    pub notice: Minutes,
    /// Units available to lend.
    pub count: u32,
    /// The home force's officer strength (officers): the basis of its fair share.
    pub strength: u32,
    /// What the home force has lent so far: unit-minutes on task elsewhere, plus a tour for
    /// each unit away now (unit-minutes).
    pub burden: f64,
}

/// How fair-share allocation weighs donors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FairShare {
    /// Donors arriving within this many minutes of the soonest count as equally quick.
    pub window: Minutes,
    /// What one more unit adds to a donor's burden (unit-minutes: a tour).
    pub per_unit: f64,
}

/// An open request for units of one capability at one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The force asking for help.
    pub host: ForceId,
    /// The host's region.
    pub host_region: RegionId,
    /// Weight of this need (1 or more).
    pub priority: u32,
    /// Units still wanted.
    pub units: u32,
}

/// `units` units of group `group` go to need `need`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Index into the groups.
    pub group: usize,
    /// Index into the needs.
    pub need: usize,
    /// Units granted.
    pub units: u32,
}

/// Assign supply to needs. `arrival[g][n]` is the minutes from now until a unit of group `g`
/// would reach need `n`'s host, or `None` when it may not or cannot go there.
pub fn allocate(
    policy: AllocationPolicy,
    groups: &[SupplyGroup],
    needs: &[Need],
    arrival: &[Vec<Option<Minutes>>],
    fair: &FairShare,
) -> Vec<Grant> {
    match policy {
        AllocationPolicy::FairShare => fair_share(groups, needs, arrival, fair),
        AllocationPolicy::Optimal => optimal(groups, needs, arrival),
        AllocationPolicy::Nearest => greedy(groups, needs, arrival, false),
        AllocationPolicy::RegionalFirst => greedy(groups, needs, arrival, true),
    }
}

/// What the optimal policy minimises, lexicographically: first Σ priority over unplaced units
/// (primary), then Σ priority × arrival minutes over placed ones (secondary). A grant along a
/// forbidden route counts as unplaced.
///
/// Lexicographic, not one sum with a large weight on the unmet part: a fixed weight is
/// outgrown once priority × arrival along a chain of reroutes passes it.
pub fn objective(needs: &[Need], arrival: &[Vec<Option<Minutes>>], grants: &[Grant]) -> Cost {
    let mut placed = vec![0u32; needs.len()];
    let mut cost = Cost::ZERO;
    for g in grants {
        if let Some(a) = arrival[g.group][g.need] {
            cost += Cost::secondary(i64::from(needs[g.need].priority) * i64::from(a)) * i64::from(g.units);
            placed[g.need] += g.units;
        }
    }
    for (n, need) in needs.iter().enumerate() {
        cost += Cost::primary(i64::from(need.priority)) * i64::from(need.units.saturating_sub(placed[n]));
    }
    cost
}

fn optimal(groups: &[SupplyGroup], needs: &[Need], arrival: &[Vec<Option<Minutes>>]) -> Vec<Grant> {
    // Groups that can reach no need are dead ends: leaving them out of the network changes no
    // path, and numbering the rest in the same order keeps every tie broken the same way.
    let live: Vec<usize> = (0..groups.len()).filter(|&g| arrival[g].iter().any(Option::is_some)).collect();
    // Nodes: source, live groups, needs, sink.
    let (source, sink) = (0, 1 + live.len() + needs.len());
    let need_node = |n: usize| 1 + live.len() + n;
    let mut net = MinCostFlow::new(sink + 1);
    for (k, &g) in live.iter().enumerate() {
        net.add_edge(source, 1 + k, i64::from(groups[g].count), Cost::ZERO);
    }
    let mut arcs = Vec::new();
    for (k, &g) in live.iter().enumerate() {
        for (n, a) in arrival[g].iter().enumerate() {
            if let Some(a) = a {
                let id = net.add_edge(
                    1 + k,
                    need_node(n),
                    i64::from(groups[g].count),
                    Cost::secondary(i64::from(needs[n].priority) * i64::from(*a)),
                );
                arcs.push((g, n, id));
            }
        }
    }
    let mut total = 0i64;
    for (n, need) in needs.iter().enumerate() {
        net.add_edge(need_node(n), sink, i64::from(need.units), Cost::ZERO);
        // The "unmet" route: always possible, and dearer in the primary part than any real
        // placement, however long its arrival.
        net.add_edge(source, need_node(n), i64::from(need.units), Cost::primary(i64::from(need.priority)));
        total += i64::from(need.units);
    }
    net.solve(source, sink, total);
    arcs.into_iter()
        .filter_map(|(g, n, id)| {
            let f = net.flow_on(id);
            (f > 0).then_some(Grant { group: g, need: n, units: f as u32 })
        })
        .collect()
}

/// Needs in priority order (the engine lists them oldest first, which breaks ties), one unit at
/// a time: among the groups that can go, those arriving within the window of the soonest are
/// equally quick; of them, the unit comes from the force whose burden, with this unit, is the
/// smallest for its strength (ties: sooner, then the group listed first).
fn fair_share(
    groups: &[SupplyGroup],
    needs: &[Need],
    arrival: &[Vec<Option<Minutes>>],
    fair: &FairShare,
) -> Vec<Grant> {
    let mut left: Vec<u32> = groups.iter().map(|g| g.count).collect();
    // Units given in this allocation, by home force (in group order of first appearance).
    let mut given: Vec<(crate::model::ForceId, u32)> = Vec::new();
    let given_of =
        |given: &[(crate::model::ForceId, u32)], f| given.iter().find(|(h, _)| *h == f).map_or(0, |g| g.1);
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&n| std::cmp::Reverse(needs[n].priority));
    let mut placed: Vec<Vec<u32>> = vec![vec![0; needs.len()]; groups.len()];
    for n in order {
        for _ in 0..needs[n].units {
            let soonest = (0..groups.len()).filter(|&g| left[g] > 0).filter_map(|g| arrival[g][n]).min();
            let Some(soonest) = soonest else { break };
            let limit = soonest.saturating_add(fair.window);
            let pick = (0..groups.len())
                .filter(|&g| left[g] > 0)
                .filter_map(|g| arrival[g][n].filter(|&a| a <= limit).map(|a| (g, a)))
                .map(|(g, a)| {
                    let group = &groups[g];
                    let after = group.burden + f64::from(given_of(&given, group.home) + 1) * fair.per_unit;
                    (after / f64::from(group.strength.max(1)), a, g)
                })
                .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
            let Some((_, _, g)) = pick else { break };
            left[g] -= 1;
            placed[g][n] += 1;
            match given.iter_mut().find(|(h, _)| *h == groups[g].home) {
                Some(entry) => entry.1 += 1,
                None => given.push((groups[g].home, 1)),
            }
        }
    }
    let mut grants = Vec::new();
    for (g, row) in placed.iter().enumerate() {
        for (n, &units) in row.iter().enumerate() {
            if units > 0 {
                grants.push(Grant { group: g, need: n, units });
            }
        }
    }
    grants
}

fn greedy(
    groups: &[SupplyGroup],
    needs: &[Need],
    arrival: &[Vec<Option<Minutes>>],
    regional_first: bool,
) -> Vec<Grant> {
    let mut left: Vec<u32> = groups.iter().map(|g| g.count).collect();
    let mut order: Vec<usize> = (0..needs.len()).collect();
    // Highest priority first; the engine lists needs oldest first, which breaks ties.
    order.sort_by_key(|&n| std::cmp::Reverse(needs[n].priority));
    let mut grants = Vec::new();
    for n in order {
        let need = &needs[n];
        let mut options: Vec<(bool, Minutes, usize)> = (0..groups.len())
            .filter_map(|g| {
                arrival[g][n].map(|a| (regional_first && groups[g].home_region != need.host_region, a, g))
            })
            .collect();
        options.sort();
        let mut wanted = need.units;
        for (_, _, g) in options {
            if wanted == 0 {
                break;
            }
            let take = wanted.min(left[g]);
            if take > 0 {
                left[g] -= take;
                wanted -= take;
                grants.push(Grant { group: g, need: n, units: take });
            }
        }
    }
    grants.sort_by_key(|g| (g.group, g.need));
    grants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(home: u16, region: u16, notice: Minutes, count: u32) -> SupplyGroup {
        SupplyGroup {
            home: ForceId(home),
            home_region: RegionId(region),
            location: ForceId(home),
            notice,
            count,
            strength: 1000,
            burden: 0.0,
        }
    }

    const FAIR: FairShare = FairShare { window: 60, per_unit: 720.0 };

    #[test]
    fn optimal_gives_scarce_units_to_the_higher_priority() {
        let groups = [group(1, 0, 0, 1)];
        let needs = [
            Need { host: ForceId(2), host_region: RegionId(0), priority: 1, units: 1 },
            Need { host: ForceId(3), host_region: RegionId(0), priority: 3, units: 1 },
        ];
        let arrival = vec![vec![Some(10), Some(500)]];
        let grants = allocate(AllocationPolicy::Optimal, &groups, &needs, &arrival, &FAIR);
        assert_eq!(grants, vec![Grant { group: 0, need: 1, units: 1 }]);
    }

    #[test]
    fn optimal_beats_greedy_on_a_crossing_instance() {
        // Greedy serves need 0 with the group that need 1 needs most.
        let groups = [group(1, 0, 0, 1), group(2, 0, 0, 1)];
        let needs = [
            Need { host: ForceId(3), host_region: RegionId(0), priority: 1, units: 1 },
            Need { host: ForceId(4), host_region: RegionId(0), priority: 1, units: 1 },
        ];
        let arrival = vec![vec![Some(10), Some(20)], vec![Some(15), Some(200)]];
        let opt = allocate(AllocationPolicy::Optimal, &groups, &needs, &arrival, &FAIR);
        let near = allocate(AllocationPolicy::Nearest, &groups, &needs, &arrival, &FAIR);
        assert_eq!(objective(&needs, &arrival, &opt), Cost::secondary(15 + 20));
        assert_eq!(objective(&needs, &arrival, &near), Cost::secondary(10 + 200));
    }

    #[test]
    fn optimal_places_every_unit_it_can_however_long_the_reroute() {
        // Group 0 (one unit) reaches both needs; group 1 (one unit) only the priority-10 need,
        // and only after 20,000,000 minutes. Both can be placed (0 -> need 1, 1 -> need 0);
        // a fixed weight of 10^8 per unmet unit of priority chose to leave need 1 unmet,
        // because 10 × 2×10^7 passes it.
        let groups = [group(1, 0, 0, 1), group(2, 0, 0, 1)];
        let needs = [
            Need { host: ForceId(3), host_region: RegionId(0), priority: 10, units: 1 },
            Need { host: ForceId(4), host_region: RegionId(0), priority: 1, units: 1 },
        ];
        let arrival = vec![vec![Some(5), Some(5)], vec![Some(20_000_000), None]];
        let mut grants = allocate(AllocationPolicy::Optimal, &groups, &needs, &arrival, &FAIR);
        grants.sort_by_key(|g| g.group);
        assert_eq!(
            grants,
            vec![Grant { group: 0, need: 1, units: 1 }, Grant { group: 1, need: 0, units: 1 }]
        );
        assert_eq!(objective(&needs, &arrival, &grants), Cost::secondary(10 * 20_000_000 + 5));
    }

    #[test]
    fn unplaced_units_weigh_their_priority_first() {
        let needs = [Need { host: ForceId(3), host_region: RegionId(0), priority: 7, units: 3 }];
        let arrival = vec![vec![Some(60)]];
        let grants = [Grant { group: 0, need: 0, units: 1 }];
        assert_eq!(objective(&needs, &arrival, &grants), Cost { primary: 14, secondary: 420 });
    }

    #[test]
    fn regional_first_prefers_own_region_over_a_nearer_outsider() {
        let groups = [group(1, 5, 0, 1), group(2, 0, 0, 1)];
        let needs = [Need { host: ForceId(3), host_region: RegionId(0), priority: 1, units: 1 }];
        let arrival = vec![vec![Some(10)], vec![Some(90)]];
        let rf = allocate(AllocationPolicy::RegionalFirst, &groups, &needs, &arrival, &FAIR);
        assert_eq!(rf, vec![Grant { group: 1, need: 0, units: 1 }]);
        let near = allocate(AllocationPolicy::Nearest, &groups, &needs, &arrival, &FAIR);
        assert_eq!(near, vec![Grant { group: 0, need: 0, units: 1 }]);
    }
}

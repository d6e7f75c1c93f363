//! The optimal allocation against brute force on small random instances, including arrivals
//! long enough to outgrow any fixed weight on unmet units.

use muster::engine::{Cost, FairShare, Need, SupplyGroup, allocate, objective};
use muster::model::{AllocationPolicy, ForceId, RegionId};
use proptest::prelude::*;

const FAIR: FairShare = FairShare { window: 60, per_unit: 720.0 };

fn instance() -> impl Strategy<Value = (Vec<SupplyGroup>, Vec<Need>, Vec<Vec<Option<u32>>>)> {
    (1usize..=3, 1usize..=3).prop_flat_map(|(g, n)| {
        (
            proptest::collection::vec((0u32..=3, 0u32..=2), g),
            // Priorities to the scenario maximum (10); arrivals short, or long enough that a
            // fixed big-M weight for unmet units would have been outgrown.
            proptest::collection::vec((1u32..=10, 0u32..=3), n),
            proptest::collection::vec(
                proptest::collection::vec(
                    proptest::option::weighted(
                        0.8,
                        prop_oneof![4 => 0u32..500, 1 => 10_000_000u32..400_000_000],
                    ),
                    n,
                ),
                g,
            ),
        )
            .prop_map(|(gs, ns, arrival)| {
                let groups = gs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (count, region))| SupplyGroup {
                        home: ForceId(i as u16),
                        home_region: RegionId(region as u16),
                        location: ForceId(i as u16),
                        notice: 0,
                        count,
                        strength: 1000,
                        burden: 0.0,
                    })
                    .collect();
                let needs = ns
                    .into_iter()
                    .enumerate()
                    .map(|(i, (priority, units))| Need {
                        host: ForceId(10 + i as u16),
                        host_region: RegionId(0),
                        priority,
                        units,
                    })
                    .collect();
                (groups, needs, arrival)
            })
    })
}

/// Every feasible integer assignment, by recursion over (group, need) cells.
fn brute_force(groups: &[SupplyGroup], needs: &[Need], arrival: &[Vec<Option<u32>>]) -> Cost {
    let cells: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..needs.len()).map(move |n| (g, n)))
        .filter(|&(g, n)| arrival[g][n].is_some())
        .collect();
    let mut best = Cost { primary: i64::MAX, secondary: i64::MAX };
    let mut x = vec![0u32; cells.len()];
    fn rec(
        k: usize,
        cells: &[(usize, usize)],
        x: &mut Vec<u32>,
        groups: &[SupplyGroup],
        needs: &[Need],
        arrival: &[Vec<Option<u32>>],
        best: &mut Cost,
    ) {
        if k == cells.len() {
            let grants: Vec<muster::engine::Grant> = cells
                .iter()
                .zip(x.iter())
                .filter(|(_, u)| **u > 0)
                .map(|(&(g, n), &u)| muster::engine::Grant { group: g, need: n, units: u })
                .collect();
            *best = (*best).min(objective(needs, arrival, &grants));
            return;
        }
        let (g, n) = cells[k];
        let used_g: u32 =
            cells[..k].iter().zip(x.iter()).filter(|((gg, _), _)| *gg == g).map(|(_, u)| *u).sum();
        let used_n: u32 =
            cells[..k].iter().zip(x.iter()).filter(|((_, nn), _)| *nn == n).map(|(_, u)| *u).sum();
        let max = (groups[g].count - used_g).min(needs[n].units - used_n);
        for u in 0..=max {
            x[k] = u;
            rec(k + 1, cells, x, groups, needs, arrival, best);
        }
        x[k] = 0;
    }
    rec(0, &cells, &mut x, groups, needs, arrival, &mut best);
    best
}

fn feasible(
    groups: &[SupplyGroup],
    needs: &[Need],
    arrival: &[Vec<Option<u32>>],
    grants: &[muster::engine::Grant],
) -> bool {
    let mut used_g = vec![0u32; groups.len()];
    let mut used_n = vec![0u32; needs.len()];
    for g in grants {
        if arrival[g.group][g.need].is_none() || g.units == 0 {
            return false;
        }
        used_g[g.group] += g.units;
        used_n[g.need] += g.units;
    }
    used_g.iter().zip(groups).all(|(u, g)| *u <= g.count)
        && used_n.iter().zip(needs).all(|(u, n)| *u <= n.units)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn optimal_matches_brute_force((groups, needs, arrival) in instance()) {
        let grants = allocate(AllocationPolicy::Optimal, &groups, &needs, &arrival, &FAIR);
        prop_assert!(feasible(&groups, &needs, &arrival, &grants));
        prop_assert_eq!(objective(&needs, &arrival, &grants), brute_force(&groups, &needs, &arrival));
    }

    #[test]
    fn greedy_policies_are_feasible_and_never_beat_optimal((groups, needs, arrival) in instance()) {
        let best = objective(&needs, &arrival, &allocate(AllocationPolicy::Optimal, &groups, &needs, &arrival, &FAIR));
        for policy in [AllocationPolicy::Nearest, AllocationPolicy::RegionalFirst, AllocationPolicy::FairShare] {
            let grants = allocate(policy, &groups, &needs, &arrival, &FAIR);
            prop_assert!(feasible(&groups, &needs, &arrival, &grants));
            prop_assert!(objective(&needs, &arrival, &grants) >= best);
        }
    }
}

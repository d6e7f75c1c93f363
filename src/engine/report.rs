//! Turning the World's totals into a plain [`RunResult`].

use bevy_ecs::prelude::*;

use super::measures::Measures;
use super::state::*;
use crate::model::Model;
use crate::results::*;
use crate::time::Minutes;

fn share(met: f64, demanded: f64) -> f64 {
    if demanded > 0.0 { round3((met / demanded).min(1.0)) } else { 1.0 }
}

fn tier_arrivals(tier: u8, v: &[u32]) -> TierArrivals {
    let mut v = v.to_vec();
    v.sort_unstable();
    let n = v.len();
    TierArrivals {
        tier,
        arrivals: n as u32,
        mean_minutes: (n > 0).then(|| round3(v.iter().map(|&x| f64::from(x)).sum::<f64>() / n as f64)),
        median_minutes: (n > 0).then(|| v[(n - 1) / 2]),
        p90_minutes: (n > 0).then(|| v[(n * 9).div_ceil(10) - 1]),
        max_minutes: v.last().copied(),
    }
}

/// The run so far as a [`RunResult`]; the World keeps its series and events (mid-run views).
/// `until`: the minute the result is taken at, when before the horizon (a tabletop session).
pub fn build(world: &mut World, model: &Model, until: Option<Minutes>) -> RunResult {
    let m = world.resource::<Measures>();
    let series = (m.series_incidents.clone(), m.series_national.clone());
    let events = world.resource::<EventLog>().events.clone();
    build_with(world, model, series, events, until)
}

/// The finished run as a [`RunResult`], moving the series and events out of the World rather
/// than copying them: an ensemble builds one per replication and then drops the World.
pub fn finish(world: &mut World, model: &Model) -> RunResult {
    let mut m = world.resource_mut::<Measures>();
    let series = (std::mem::take(&mut m.series_incidents), std::mem::take(&mut m.series_national));
    let events = std::mem::take(&mut world.resource_mut::<EventLog>().events);
    build_with(world, model, series, events, None)
}

/// Round a series' fractional figures for output (to 0.001 units).
fn rounded(mut points: Vec<SeriesPoint>) -> Vec<SeriesPoint> {
    for p in &mut points {
        p.effective = round3(p.effective);
        p.shortfall = round3(p.shortfall);
    }
    points
}

fn build_with(
    world: &mut World,
    model: &Model,
    (series_incidents, series_national): (Vec<SeriesPoint>, Vec<SeriesPoint>),
    events: Vec<crate::results::Event>,
    until: Option<Minutes>,
) -> RunResult {
    let data = &model.dataset;
    let scen = &model.scenario;
    let end = until.unwrap_or(scen.horizon);
    let trigger = *world.resource::<TriggerState>();
    let mut incidents_state: Vec<(usize, &IncidentState)> =
        world.query::<(&Incident, &IncidentState)>().iter(world).map(|(i, s)| (i.index, s)).collect();
    incidents_state.sort_by_key(|(i, _)| *i);
    let m: &Measures = world.resource::<Measures>();

    let demanded: f64 = m.cap_demanded_um.iter().sum();
    let met: f64 = m.cap_met_um.iter().sum();
    let total_lent: f64 = m.lent_um.iter().sum();
    let total_officers: f64 = data.forces.iter().map(|f| f64::from(f.officers)).sum();

    let summary = Summary {
        demand_met: share(met, demanded),
        demanded_unit_hours: round3(demanded / 60.0),
        met_unit_hours: round3(met / 60.0),
        unmet_unit_hours: round3((demanded - met) / 60.0),
        peak_shortfall_units: round3(m.peak_total),
        peak_shortfall_at: m.peak_at,
        national_trigger_at: trigger.fired_at,
        request_to_arrival: (1..=3).map(|t| tier_arrivals(t, &m.arrivals[usize::from(t - 1)])).collect(),
        donor_hours_below_cover: round3(m.below_cover_min.iter().sum::<f64>() / 60.0),
        tour_limit_breaches: m.tour_breaches,
        tour_overrun_unit_hours: round3(m.overrun_unit_minutes / 60.0),
        effectiveness_lost_unit_hours: round3(m.lost_unit_minutes / 60.0),
        aid_deployments: m.aid_deployments,
        deployed_unit_hours: round3(m.deployed_um.iter().sum::<f64>() / 60.0),
        regional_shortfall_at: m.regional_shortfall_at,
        regional_unfilled_minutes: m
            .regional_unfilled_longest
            .max(m.regional_unfilled_since.map_or(0, |since| end.saturating_sub(since))),
        time_off_cancelled_officer_days: m.time_off_cancelled,
        planned_arrivals: PlannedArrivals {
            arrivals: m.planned_arrivals,
            late: m.planned_late,
            mean_late_minutes: (m.planned_late > 0)
                .then(|| round3(m.planned_late_minutes as f64 / f64::from(m.planned_late))),
        },
        lodging_travel_unit_hours: round3(m.lodging_travel_um / 60.0),
    };
    let capabilities = data
        .capabilities
        .iter()
        .enumerate()
        .map(|(c, cap)| CapabilitySummary {
            capability: cap.id.clone(),
            demanded_unit_hours: round3(m.cap_demanded_um[c] / 60.0),
            met_unit_hours: round3(m.cap_met_um[c] / 60.0),
            demand_met: share(m.cap_met_um[c], m.cap_demanded_um[c]),
            unmet_unit_hours: round3((m.cap_demanded_um[c] - m.cap_met_um[c]) / 60.0),
            peak_shortfall_units: round3(m.cap_peak[c]),
        })
        .collect();
    let plans = &world.resource::<IncidentPlans>().0;
    let incidents = plans
        .iter()
        .zip(&incidents_state)
        .map(|(plan, (_, st))| IncidentSummary {
            id: plan.id.clone(),
            kind: plan.kind.name().into(),
            host: data.force(plan.host).code.clone(),
            start: plan.start,
            end: plan.end,
            priority: plan.priority,
            capabilities: st
                .caps
                .iter()
                .enumerate()
                .filter(|&(c, cs)| is_demanded(plan, cs, c))
                .map(|(c, cs)| {
                    let since = |t: Option<u32>| t.zip(cs.first_demand_at).map(|(t, d)| t.saturating_sub(d));
                    IncidentCapability {
                        capability: data.capabilities[c].id.clone(),
                        demanded_unit_hours: round3(cs.demanded_um / 60.0),
                        met_unit_hours: round3(cs.met_um / 60.0),
                        demand_met: share(cs.met_um, cs.demanded_um),
                        peak_shortfall_units: round3(cs.peak_shortfall),
                        first_demand_at: cs.first_demand_at,
                        time_to_first_cover: since(cs.first_cover_at),
                        time_to_full_cover: since(cs.full_cover_at),
                        units_by_tier: cs.units_by_tier,
                        donor_forces: cs.donors.iter().map(|&f| data.force(f).code.clone()).collect(),
                    }
                })
                .collect(),
        })
        .collect();
    let forces = data
        .forces
        .iter()
        .enumerate()
        .map(|(f, force)| {
            let fair = if total_officers > 0.0 {
                total_lent * f64::from(force.officers) / total_officers
            } else {
                0.0
            };
            ForceSummary {
                code: force.code.clone(),
                region: data.regions[usize::from(force.region.0)].clone(),
                officers: force.officers,
                lent_unit_hours: round3(m.lent_um[f] / 60.0),
                received_unit_hours: round3(m.received_um[f] / 60.0),
                fair_share_unit_hours: round3(fair / 60.0),
                contribution_ratio: (fair > 0.0).then(|| round3(m.lent_um[f] / fair)),
                hours_below_cover: round3(m.below_cover_min[f] / 60.0),
                deployed_unit_hours: round3(m.deployed_um[f] / 60.0),
                effectiveness_lost_unit_hours: round3(m.lost_um[f] / 60.0),
                cut_off_hours: round3(m.cut_off_min[f] / 60.0),
                arrivals_by_tier: m.host_arrivals[f].map(|(n, _)| n),
                arrival_minutes_by_tier: m.host_arrivals[f].map(|(_, sum)| sum),
            }
        })
        .collect();
    let aid_flows = m
        .flow_um
        .iter()
        .map(|(&(from, to), &um)| AidFlow {
            from: data.forces[usize::from(from)].code.clone(),
            to: data.forces[usize::from(to)].code.clone(),
            unit_hours: round3(um / 60.0),
        })
        .collect();
    RunResult {
        aid_flows,
        manifest: Manifest {
            inputs: Provenance::of(model),
            replication: world.resource::<Replication>().0,
            horizon_minutes: scen.horizon,
            until,
            tick_minutes: scen.tick,
            allocation: scen.policy.allocation.name().into(),
        },
        summary,
        capabilities,
        incidents,
        forces,
        series: Series {
            interval_minutes: scen.report_interval,
            incidents: rounded(series_incidents),
            national: rounded(series_national),
        },
        events,
        geography: Geography::of(model),
        assessment: None,
    }
}

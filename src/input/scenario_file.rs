//! The scenario file: header, policy overrides, capability patches, incidents, disruptions and
//! what-if overrides of the dataset.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use super::dataset_file::{CapabilityPatch, DatasetDraft, readiness};
use super::disorder_file::{DisorderFile, SizeFile, ThreatLevelFile, size};
use super::policy_file::PolicyFile;
use super::uncertainty_file::UncertaintyFile;
use crate::model::{
    DemandCurve, DisorderModel, Disruption, DisruptionKind, ForceId, IncidentDynamics, IncidentKind,
    IncidentPlan, MAX_DEMAND, MAX_PRIORITY, MAX_SAMPLES, Policy, Scenario, ThreatLevelRise, Uncertainty,
};
use crate::time::{HOUR, MAX_DURATION, Minutes};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    scenario: Spanned<Header>,
    #[serde(default)]
    pub policy: PolicyFile,
    #[serde(default)]
    pub disorder: DisorderFile,
    #[serde(default)]
    pub threat_level: ThreatLevelFile,
    #[serde(default)]
    pub uncertainty: UncertaintyFile,
    #[serde(default)]
    capability: BTreeMap<Spanned<String>, CapabilityPatch>,
    #[serde(default)]
    incident: Vec<IncidentFile>,
    #[serde(default)]
    disruption: Vec<Spanned<DisruptionFile>>,
    #[serde(default, rename = "override")]
    overrides: Vec<OverrideFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    description: String,
    horizon: Spanned<String>,
    #[serde(default)]
    seed: u64,
    tick: Option<Spanned<String>>,
    report_interval: Option<Spanned<String>>,
    /// Multiplier on all demand (default 1).
    demand_scale: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentFile {
    id: Spanned<String>,
    kind: Spanned<String>,
    force: Spanned<String>,
    start: Spanned<String>,
    duration: Option<Spanned<String>>,
    priority: Option<Spanned<u32>>,
    /// Disorder: peak public-order demand at intensity 1 (PSUs); other kinds: the size the
    /// curves are scaled by (÷ median). Drawn from this distribution at the start.
    size: Option<Spanned<SizeFile>>,
    /// Planned events only: aid booked ahead (default true).
    booked: Option<Spanned<bool>>,
    demand: Option<Spanned<DemandTable>>,
    /// Further forces with the same demand (a flood across several forces, a multi-force
    /// operation): each gets its own incident `ID@force`.
    #[serde(default)]
    forces: Vec<Spanned<String>>,
    /// Border links closed while the incident lasts (roads cut by a flood, a cordon).
    #[serde(default)]
    closes: Vec<Spanned<(Spanned<String>, Spanned<String>)>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisruptionFile {
    kind: Spanned<String>,
    force: Option<Spanned<String>>,
    /// comms-outage / slow-comms: every force of this region.
    region: Option<Spanned<String>>,
    /// comms-outage / slow-comms: every force.
    national: Option<Spanned<bool>>,
    link: Option<Spanned<(Spanned<String>, Spanned<String>)>>,
    start: Spanned<String>,
    end: Spanned<String>,
    delay: Option<Spanned<String>>,
    factor: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    force: Spanned<String>,
    capability: Spanned<String>,
    units: Option<Spanned<i64>>,
    consistency: Option<Spanned<f64>>,
}

/// `{ capability = [[time, units], ...] }` or `{ capability = units }` as written.
type DemandTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

const CURVE_HINT: &str = "write a curve as [[\"0h\", 10], [\"4h\", 20]] (units from each time on), or a number for a constant demand";

/// The steps of one demand curve: a number (constant from the incident's start) or a list of
/// `[time, units]` pairs in increasing time, each within the incident's `duration`.
fn curve_steps(
    c: &mut Checker<'_, '_>,
    v: &Spanned<toml::Value>,
    duration: Option<Minutes>,
) -> Option<Vec<(Minutes, u32)>> {
    let span = v.span();
    let units = |c: &mut Checker<'_, '_>, n: &toml::Value, which: &str| -> Option<u32> {
        match n {
            toml::Value::Integer(n) if (0..=i64::from(MAX_DEMAND)).contains(n) => Some(*n as u32),
            toml::Value::Integer(n) => {
                c.error(span.clone(), format!("{which}: {n} units is not between 0 and {MAX_DEMAND}"), None);
                None
            }
            other => {
                c.error(
                    span.clone(),
                    format!("{which}: units must be a whole number, not {other}"),
                    Some(CURVE_HINT.into()),
                );
                None
            }
        }
    };
    let steps: Vec<(Minutes, u32)> = match v.get_ref() {
        toml::Value::Integer(_) => vec![(0, units(c, v.get_ref(), "the demand")?)],
        toml::Value::Array(items) if items.is_empty() => {
            c.error(span, "a demand curve needs at least one [time, units] step", Some(CURVE_HINT.into()));
            return None;
        }
        toml::Value::Array(items) => {
            let mut steps: Vec<(Minutes, u32)> = Vec::new();
            let mut ok = true;
            for (k, item) in items.iter().enumerate() {
                let which = format!("step {}", k + 1);
                let pair = match item {
                    toml::Value::Array(pair) if pair.len() == 2 => pair,
                    toml::Value::Array(pair) => {
                        c.error(
                            span.clone(),
                            format!("{which} has {} values; a step is [time, units]", pair.len()),
                            Some(CURVE_HINT.into()),
                        );
                        ok = false;
                        continue;
                    }
                    _ => {
                        c.error(
                            span.clone(),
                            format!("{which} is not a [time, units] pair"),
                            Some(CURVE_HINT.into()),
                        );
                        ok = false;
                        continue;
                    }
                };
                let time = match &pair[0] {
                    toml::Value::String(t) => {
                        c.duration(&Spanned::new(span.clone(), t.clone()), &format!("{which} time"))
                    }
                    other => {
                        c.error(
                            span.clone(),
                            format!("{which}: the time must be a duration string, not {other}"),
                            Some(CURVE_HINT.into()),
                        );
                        None
                    }
                };
                let n = units(c, &pair[1], &which);
                let (Some(t), Some(n)) = (time, n) else {
                    ok = false;
                    continue;
                };
                if steps.last().is_some_and(|&(prev, _)| t <= prev) {
                    c.error(span.clone(), format!("{which}: demand steps must be in increasing time"), None);
                    ok = false;
                }
                if duration.is_some_and(|d| t >= d) {
                    c.error(
                        span.clone(),
                        format!("{which} at {} is at or after the incident's end", crate::time::Duration(t)),
                        Some("drop the step, or lengthen the incident's duration".into()),
                    );
                    ok = false;
                }
                steps.push((t, n));
            }
            if !ok {
                return None;
            }
            steps
        }
        _ => {
            c.error(
                span,
                "a demand curve is a number or a list of [time, units] steps",
                Some(CURVE_HINT.into()),
            );
            return None;
        }
    };
    Some(steps)
}

/// A national threat-level rise from `start` for `duration` (both required).
fn threat_level_incidents(
    c: &mut Checker<'_, '_>,
    data: &crate::model::Dataset,
    start: &Spanned<String>,
    duration: Option<&Spanned<String>>,
    horizon: Minutes,
    rise: ThreatLevelRise,
) -> Vec<IncidentPlan> {
    let start_min = c.duration(start, "threat_level.start");
    let length = match duration {
        Some(d) => c.duration(d, "threat_level.duration"),
        None => {
            c.error(start.span(), "a threat-level rise needs duration = \"5d\" as well as start", None);
            None
        }
    };
    let (Some(start_min), Some(length)) = (start_min, length) else { return Vec::new() };
    if length == 0 {
        if let Some(d) = duration {
            c.error(d.span(), "a threat-level rise must last longer than 0m", None);
        }
        return Vec::new();
    }
    if data.capability_by_id("firearms").is_none() {
        c.error(start.span(), "a threat-level rise needs a 'firearms' capability in the dataset", None);
        return Vec::new();
    }
    rise.incidents(data, start_min.min(horizon), start_min.saturating_add(length).min(horizon), "")
}

/// The forces a comms disruption hits: one `force`, every force of a `region`, or all
/// (`national = true`); exactly one of the three.
fn comms_targets(
    c: &mut Checker<'_, '_>,
    data: &crate::model::Dataset,
    d: &DisruptionFile,
    span: std::ops::Range<usize>,
) -> Option<Vec<ForceId>> {
    let national = d.national.as_ref().is_some_and(|n| *n.get_ref());
    match (&d.force, &d.region, national) {
        (Some(f), None, false) => c.force(data, f).map(|f| vec![f]),
        (None, Some(r), false) => match data.regions.binary_search(r.get_ref()) {
            Ok(ri) => Some(data.force_ids().filter(|&f| usize::from(data.force(f).region.0) == ri).collect()),
            Err(_) => {
                let hint = crate::diagnostics::suggest(r.get_ref(), data.regions.iter().map(String::as_str));
                c.error(r.span(), format!("unknown region '{}'", r.get_ref()), hint);
                None
            }
        },
        (None, None, true) => Some(data.force_ids().collect()),
        _ => {
            c.error(
                span,
                format!(
                    "a {} needs exactly one of force = \"code\", region = \"name\" or national = true",
                    d.kind.get_ref()
                ),
                None,
            );
            None
        }
    }
}

/// The border link between two named forces (lower id first), or a located error listing the
/// first force's neighbours.
fn border(
    c: &mut Checker<'_, '_>,
    data: &crate::model::Dataset,
    span: std::ops::Range<usize>,
    a: &Spanned<String>,
    b: &Spanned<String>,
) -> Option<(ForceId, ForceId)> {
    let fa = c.force(data, a)?;
    let fb = c.force(data, b)?;
    let (lo, hi) = (fa.min(fb), fa.max(fb));
    if data.borders.iter().any(|x| x.a == lo && x.b == hi) {
        return Some((lo, hi));
    }
    let near: Vec<&str> = data
        .borders
        .iter()
        .filter(|x| x.a == fa || x.b == fa)
        .map(|x| data.force(if x.a == fa { x.b } else { x.a }).code.as_str())
        .collect();
    c.error(
        span,
        format!("there is no border link between '{}' and '{}'", a.get_ref(), b.get_ref()),
        Some(format!("'{}' borders: {}", a.get_ref(), near.join(", "))),
    );
    None
}

/// Apply the scenario's capability patches to the draft dataset, then fix establishment.
pub fn patch_capabilities(file: &ScenarioFile, draft: &mut DatasetDraft, c: &mut Checker<'_, '_>) {
    for (id, patch) in &file.capability {
        let Some(ci) = c.capability(&draft.dataset, id) else {
            continue;
        };
        let cap = &mut draft.dataset.capabilities[usize::from(ci.0)];
        if let Some(n) = &patch.officers_per_unit {
            if *n.get_ref() == 0 {
                c.error(n.span(), "officers_per_unit must be 1 or more", None);
            } else {
                cap.officers_per_unit = *n.get_ref();
            }
        }
        if let Some(s) = &patch.convoy_speed_kmh
            && let Some(s) = c.positive(s, "convoy_speed_kmh")
        {
            cap.convoy_speed_kmh = s;
        }
        if let Some(r) = &patch.readiness
            && let Some(r) = readiness(c, r)
        {
            cap.readiness = r;
        }
        if let Some(a) = &patch.abstracted
            && let Some(a) = c.unit_interval(a, "abstracted")
        {
            cap.abstracted = a;
        }
        if let Some(n) = &patch.mobilised_notice
            && let Some(n) = c.duration(n, "mobilised_notice")
        {
            cap.mobilised_notice = n;
        }
    }
    draft.establish();
}

/// Check the scenario against the (patched) dataset and apply its what-if overrides to it.
pub fn build_scenario(
    file: &ScenarioFile,
    draft: &mut DatasetDraft,
    policy: Option<Policy>,
    disorder: Option<DisorderModel>,
    threat_level: Option<ThreatLevelRise>,
    uncertainty: Option<Uncertainty>,
    c: &mut Checker<'_, '_>,
) -> Option<Scenario> {
    let data = &mut draft.dataset;
    let header = file.scenario.get_ref();
    let horizon = c.duration(&header.horizon, "horizon");
    if horizon == Some(0) {
        c.error(header.horizon.span(), "horizon must be longer than 0m", None);
    }
    let tick = match &header.tick {
        Some(t) => c.duration(t, "tick").filter(|&t| {
            if t == 0 {
                c.error(header.tick.as_ref().map_or(0..0, |t| t.span()), "tick must be at least 1m", None);
            }
            t > 0
        }),
        None => Some(1),
    };
    let report_interval = match &header.report_interval {
        Some(r) => c.duration(r, "report_interval").filter(|&r| {
            if r == 0 {
                c.error(
                    header.report_interval.as_ref().map_or(0..0, |r| r.span()),
                    "report_interval must be at least 1m",
                    None,
                );
            }
            r > 0
        }),
        None => Some(HOUR),
    };
    if header.name.trim().is_empty() {
        c.error(file.scenario.span(), "scenario name is empty", None);
    }

    let mut ids = BTreeSet::new();
    let mut incidents = Vec::new();
    let mut closures = Vec::new();
    for inc in &file.incident {
        let id = inc.id.get_ref();
        if id.trim().is_empty() {
            c.error(inc.id.span(), "incident id is empty", None);
        } else if id.chars().any(char::is_control) {
            c.error(
                inc.id.span(),
                "an incident id may not hold control characters",
                Some("use letters, digits and dashes".into()),
            );
        } else if !ids.insert(id.clone()) {
            c.error(
                inc.id.span(),
                format!("incident '{id}' is defined twice"),
                Some("give each incident its own id".into()),
            );
        }
        let kind = c.choice(&inc.kind, "incident kind", &IncidentKind::NAMES, IncidentKind::parse);
        let host = c.force(data, &inc.force);
        let start = c.duration(&inc.start, "start");
        if let (Some(s), Some(h)) = (start, horizon)
            && s >= h
        {
            c.error(
                inc.start.span(),
                "the incident starts after the horizon",
                Some("start it earlier or lengthen [scenario] horizon".into()),
            );
        }
        let duration = match &inc.duration {
            Some(d) => match c.duration(d, "duration") {
                Some(0) => {
                    c.error(d.span(), "duration must be longer than 0m", None);
                    None
                }
                other => other,
            },
            None => Some(MAX_DURATION),
        };
        let priority = match &inc.priority {
            Some(p) if *p.get_ref() == 0 || *p.get_ref() > MAX_PRIORITY => {
                c.error(
                    p.span(),
                    format!("priority must be between 1 and {MAX_PRIORITY}, not {}", p.get_ref()),
                    Some("terrorism is 3, disorder and civil emergencies 2, the rest 1 by default".into()),
                );
                None
            }
            Some(p) => Some(*p.get_ref()),
            None => kind.map(IncidentKind::default_priority),
        };
        let mut demand = Vec::new();
        let dynamics = match &inc.size {
            Some(s) if kind == Some(IncidentKind::Disorder) => {
                size(c, s).map(|size| Some(IncidentDynamics::Disorder { size, outbreak: None }))
            }
            Some(s) => {
                if inc.demand.is_none() {
                    c.error(s.span(), "size scales the demand curves: give demand = { ... } too", None);
                }
                size(c, s).map(|size| Some(IncidentDynamics::Scaled { size }))
            }
            None => Some(None),
        };
        let booked = match &inc.booked {
            Some(b) if kind != Some(IncidentKind::PlannedEvent) => {
                c.error(b.span(), "booked applies to planned-event incidents", None);
                false
            }
            Some(b) => *b.get_ref(),
            None => kind == Some(IncidentKind::PlannedEvent),
        };
        let no_demand = DemandTable::new();
        let (demand_table, demand_span) = match &inc.demand {
            Some(d) => (d.get_ref(), d.span()),
            None => (&no_demand, inc.id.span()),
        };
        if demand_table.is_empty() && inc.size.is_none() {
            c.error(
                demand_span,
                "the incident demands nothing",
                Some("add e.g. demand = { public-order = [[\"0h\", 10]] }".into()),
            );
        }
        for (cap_id, curve) in demand_table {
            let cap = c.capability(data, cap_id);
            let written = inc.duration.as_ref().and(duration);
            if let (Some(cap), Some(steps)) = (cap, curve_steps(c, curve, written)) {
                demand.push(DemandCurve { capability: cap, steps });
            }
        }
        demand.sort_by_key(|d| d.capability);
        if let (
            Some(kind),
            Some(host),
            Some(start),
            Some(duration),
            Some(priority),
            Some(h),
            Some(dynamics),
        ) = (kind, host, start, duration, priority, horizon, dynamics)
        {
            let plan = IncidentPlan {
                id: id.clone(),
                kind,
                host,
                start,
                end: start.saturating_add(duration).min(h),
                priority,
                demand,
                dynamics,
                booked,
                uncertain: kind != IncidentKind::PlannedEvent,
            };
            for f in &inc.forces {
                let Some(other) = c.force(data, f) else { continue };
                if other == host
                    || incidents.iter().any(|p: &IncidentPlan| p.id == format!("{id}@{}", f.get_ref()))
                {
                    c.error(
                        f.span(),
                        format!("'{}' is already a host of incident '{id}'", f.get_ref()),
                        None,
                    );
                    continue;
                }
                incidents.push(IncidentPlan {
                    id: format!("{id}@{}", f.get_ref()),
                    host: other,
                    ..plan.clone()
                });
            }
            for link in &inc.closes {
                let (a, b) = link.get_ref();
                if let Some((a, b)) = border(c, data, link.span(), a, b) {
                    closures.push(Disruption {
                        kind: DisruptionKind::LinkClosed { a, b },
                        start: plan.start,
                        end: plan.end,
                    });
                }
            }
            incidents.push(plan);
        }
    }
    if let (Some(start), Some(h), Some(rise)) = (&file.threat_level.start, horizon, threat_level) {
        incidents.extend(threat_level_incidents(
            c,
            data,
            start,
            file.threat_level.duration.as_ref(),
            h,
            rise,
        ));
    }
    incidents.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in incidents.windows(2) {
        if pair[0].id == pair[1].id {
            c.error(
                0..0,
                format!(
                    "two incidents are both called '{}' (an id@force copy clashes with an id)",
                    pair[0].id
                ),
                None,
            );
        }
    }

    let mut disruptions = Vec::new();
    for d in &file.disruption {
        let span = d.span();
        let d = d.get_ref();
        let start = c.duration(&d.start, "start");
        let end = c.duration(&d.end, "end");
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            c.error(d.end.span(), "a disruption must end after it starts", None);
        }
        let link = |c: &mut Checker<'_, '_>, data: &crate::model::Dataset| -> Option<(ForceId, ForceId)> {
            let Some(l) = &d.link else {
                c.error(
                    span.clone(),
                    format!("a {} disruption needs link = [\"force-a\", \"force-b\"]", d.kind.get_ref()),
                    None,
                );
                return None;
            };
            let (a, b) = l.get_ref();
            border(c, data, l.span(), a, b)
        };
        // Keys that mean nothing for this kind are mistakes, not to be passed over.
        let allowed: &[&str] = match d.kind.get_ref().as_str() {
            "link-closed" => &["link"],
            "link-slowed" => &["link", "factor"],
            "comms-outage" => &["force", "region", "national", "delay"],
            "slow-comms" => &["force", "region", "national", "factor"],
            _ => &["link", "factor", "force", "region", "national", "delay"],
        };
        let given = [
            ("link", d.link.as_ref().map(Spanned::span)),
            ("factor", d.factor.as_ref().map(Spanned::span)),
            ("force", d.force.as_ref().map(Spanned::span)),
            ("region", d.region.as_ref().map(Spanned::span)),
            ("national", d.national.as_ref().map(Spanned::span)),
            ("delay", d.delay.as_ref().map(Spanned::span)),
        ];
        for (key, at) in given {
            if let Some(at) = at.filter(|_| !allowed.contains(&key)) {
                c.error(
                    at,
                    format!("{key} does not apply to a {} disruption", d.kind.get_ref()),
                    Some(format!("a {} takes {}", d.kind.get_ref(), allowed.join(", "))),
                );
            }
        }
        let kind = match d.kind.get_ref().as_str() {
            "link-closed" => link(c, data).map(|(a, b)| vec![DisruptionKind::LinkClosed { a, b }]),
            "link-slowed" => {
                let ab = link(c, data);
                let factor = match &d.factor {
                    Some(f) if f.get_ref().is_finite() && *f.get_ref() >= 1.0 && *f.get_ref() <= 100.0 => {
                        Some(*f.get_ref())
                    }
                    Some(f) => {
                        c.error(
                            f.span(),
                            "factor multiplies travel time and must be between 1 and 100",
                            None,
                        );
                        None
                    }
                    None => {
                        c.error(
                            span.clone(),
                            "a link-slowed disruption needs factor = 2.0 (travel takes twice as long)",
                            None,
                        );
                        None
                    }
                };
                ab.zip(factor).map(|((a, b), factor)| vec![DisruptionKind::LinkSlowed { a, b, factor }])
            }
            "comms-outage" | "slow-comms" => {
                let forces = comms_targets(c, data, d, span.clone());
                if d.kind.get_ref() == "comms-outage" {
                    let delay = match &d.delay {
                        Some(x) => c.duration(x, "delay").map(Some),
                        None => Some(None),
                    };
                    forces.zip(delay).map(|(fs, delay)| {
                        fs.into_iter().map(|force| DisruptionKind::CommsOutage { force, delay }).collect()
                    })
                } else {
                    let factor = match &d.factor {
                        Some(f) if f.get_ref().is_finite() && (1.0..=100.0).contains(f.get_ref()) => {
                            Some(*f.get_ref())
                        }
                        Some(f) => {
                            c.error(
                                f.span(),
                                "factor multiplies request latency and must be between 1 and 100",
                                None,
                            );
                            None
                        }
                        None => {
                            c.error(
                                span.clone(),
                                "a slow-comms disruption needs factor = 3.0 (latency three times as long)",
                                None,
                            );
                            None
                        }
                    };
                    forces.zip(factor).map(|(fs, factor)| {
                        fs.into_iter().map(|force| DisruptionKind::SlowComms { force, factor }).collect()
                    })
                }
            }
            _ => {
                let hint = crate::diagnostics::suggest(
                    d.kind.get_ref(),
                    ["link-closed", "link-slowed", "comms-outage", "slow-comms"],
                );
                c.error(d.kind.span(), format!("unknown disruption kind '{}'", d.kind.get_ref()), hint);
                None
            }
        };
        if let (Some(kinds), Some(start), Some(end)) = (kind, start, end) {
            disruptions.extend(kinds.into_iter().map(|kind| Disruption { kind, start, end }));
        }
    }

    disruptions.extend(closures);

    for o in &file.overrides {
        let force = c.force(data, &o.force);
        let cap = c.capability(data, &o.capability);
        if o.units.is_none() && o.consistency.is_none() {
            c.error(
                o.force.span(),
                "an override changes nothing",
                Some("give units = -5 and/or consistency = 0.8".into()),
            );
        }
        let (Some(f), Some(ci)) = (force, cap) else {
            continue;
        };
        let fi = usize::from(f.0);
        let ci = usize::from(ci.0);
        if let Some(u) = &o.units {
            let now = i64::from(data.forces[fi].establishment[ci]);
            let after = now + *u.get_ref();
            if after < 0 || after > i64::from(MAX_DEMAND) {
                c.error(
                    u.span(),
                    format!(
                        "{} has {now} {} units; changing that by {} is impossible",
                        o.force.get_ref(),
                        o.capability.get_ref(),
                        u.get_ref()
                    ),
                    Some(format!(
                        "units is a change: use a value between -{now} and {}",
                        i64::from(MAX_DEMAND) - now
                    )),
                );
            } else {
                data.forces[fi].establishment[ci] = after as u32;
            }
        }
        if let Some(x) = &o.consistency
            && let Some(x) = c.unit_interval(x, "consistency")
        {
            data.forces[fi].consistency[ci] = x;
        }
    }

    // What the time grid and the series can hold, and what demand can reach.
    if let (Some(h), Some(t)) = (horizon, tick) {
        let shortest = incidents.iter().map(|i| i.end.saturating_sub(i.start)).filter(|&d| d > 0).min();
        let span = header.tick.as_ref().map_or(file.scenario.span(), Spanned::span);
        if t > h {
            c.error(span, format!("tick {} is longer than the horizon", crate::time::Duration(t)), None);
        } else if let Some(shortest) = shortest.filter(|&d| t > d) {
            c.error(
                span,
                format!(
                    "tick {} is longer than the shortest incident ({}): its demand would be lost between steps",
                    crate::time::Duration(t),
                    crate::time::Duration(shortest)
                ),
                Some("use a tick no longer than the shortest incident".into()),
            );
        }
    }
    if let (Some(h), Some(r)) = (horizon, report_interval)
        && h / r > MAX_SAMPLES
    {
        let fine = h.div_ceil(MAX_SAMPLES);
        c.error(
            header.report_interval.as_ref().map_or(file.scenario.span(), Spanned::span),
            format!(
                "report_interval {} gives {} points per series over the horizon; at most {MAX_SAMPLES}",
                crate::time::Duration(r),
                h / r
            ),
            Some(format!("use a report_interval of at least {}", crate::time::Duration(fine))),
        );
    }
    let demand_scale = match &header.demand_scale {
        Some(s) => {
            let x = c.positive(s, "demand_scale");
            let most = incidents.iter().flat_map(|i| &i.demand).flat_map(|d| &d.steps).map(|&(_, u)| u).max();
            match (x, most) {
                (Some(x), _) if x > 1000.0 => {
                    c.error(s.span(), format!("demand_scale {x} is more than 1000"), None);
                    None
                }
                (Some(x), Some(most)) if f64::from(most) * x > f64::from(MAX_DEMAND) => {
                    c.error(
                        s.span(),
                        format!(
                            "demand_scale {x} makes a curve of {most} units ask for more than {MAX_DEMAND}"
                        ),
                        None,
                    );
                    None
                }
                (x, _) => x,
            }
        }
        None => Some(1.0),
    };
    Some(Scenario {
        name: header.name.clone(),
        question: header.question.clone(),
        description: header.description.clone(),
        horizon: horizon?,
        seed: header.seed,
        tick: tick?,
        report_interval: report_interval?,
        demand_scale: vec![demand_scale?; data.capabilities.len()],
        policy: policy?,
        disorder: disorder?,
        incidents,
        disruptions,
        threat_level: threat_level?,
        uncertainty: uncertainty?,
        written: (file.incident.len(), file.disruption.len()),
    })
}

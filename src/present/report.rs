//! The content of a report, built once from a run's result or an ensemble's aggregate and then
//! written as HTML, Markdown or GIS files. Everything here is plain data in display order.

use std::collections::BTreeMap;

use crate::analysis::ensemble::{Aggregate, Records};
use crate::analysis::observations::{ENSEMBLE_PREFIX, observation_values};
use crate::assessment;
use crate::model::Thresholds;
use crate::results::{Assessment, EventKind, Geography, Grade, RunResult, ScopeAssessment};
use crate::time::Minutes;

pub use super::format::{clock, evidence_grade, evidence_value, format_measure};

/// What a report is made from.
#[derive(Debug, Clone)]
pub enum ReportSource {
    /// One run's `--json` output.
    Run(Box<RunResult>),
    /// An ensemble's aggregate (from NAME.aggregate.json, or recomputed from its JSON Lines).
    Ensemble(Box<Aggregate>),
}

/// One line of a chart, with a percentile band for ensembles.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Value at each time (units): the run's value, or the ensemble median.
    pub values: Vec<f64>,
    /// 5th and 95th percentiles at each time (units), for ensembles.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

/// The caption of a run's or an ensemble's chart.
const NATIONAL_CAPTION: &str = "units demanded and on task, nationally";
/// The text alternative of a run's or an ensemble's chart.
const NATIONAL_TITLE: &str =
    "demand, strength on task and shortfall in units against time from the start; the data table follows";

/// A moment marked on every time chart: an incident starting, the national trigger, a
/// disruption beginning.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Minute from the start.
    pub t: Minutes,
    /// What happened ("birmingham-attack begins", "national mobilisation triggered").
    pub what: String,
}

/// Marks shown on a chart at most; the timeline has the rest.
const MARKS_MAX: usize = 12;

/// Demand against strength over time for one capability, nationally.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Capability id.
    pub capability: String,
    /// What it shows, after the capability in its caption ("units demanded and on task,
    /// nationally").
    pub caption: String,
    /// Its text alternative, after the capability.
    pub title: String,
    /// Sample times (minutes from the start).
    pub times: Vec<Minutes>,
    /// Demand first, then the strengths, then the shortfall.
    pub curves: Vec<Curve>,
    /// Moments to mark, in time order (at most 12).
    pub marks: Vec<Mark>,
    /// For ensembles: what the line and band are, and whether the band has any width.
    pub band_note: Option<String>,
}

/// One force's burden and grades.
#[derive(Debug, Clone, PartialEq)]
pub struct ForceRow {
    /// Force code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Mutual-aid region.
    pub region: String,
    /// HQ latitude and longitude (degrees).
    pub hq: Option<(f64, f64)>,
    /// Unit-hours lent to other forces' incidents.
    pub lent: f64,
    /// Unit-hours received at its incidents.
    pub received: f64,
    /// Fair share of all lending by officer strength (unit-hours).
    pub fair_share: f64,
    /// Hours below retained cover while lending.
    pub hours_below_cover: f64,
    /// Hours cut off by closed links.
    pub cut_off_hours: f64,
    /// Grade per SPR area (capacity, capability, consistency, connectivity).
    pub grades: Vec<Option<Grade>>,
}

impl ForceRow {
    /// Titles of [`ForceRow::figures`], for tables.
    pub const FIGURE_TITLES: [&'static str; 5] =
        ["Lent (unit-hours)", "Received", "Fair share", "Hours below cover", "Hours cut off"];

    /// The burden figures in table order: lent, received, fair share (unit-hours), hours below
    /// cover, hours cut off.
    pub fn figures(&self) -> [f64; 5] {
        [self.lent, self.received, self.fair_share, self.hours_below_cover, self.cut_off_hours]
    }

    /// The force's lowest grade: how it is coloured on the map.
    pub fn strain(&self) -> Option<Grade> {
        self.grades.iter().flatten().max().copied()
    }
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// Scenario name.
    pub title: String,
    /// "One run" or "Ensemble of N replications".
    pub kind: String,
    /// Headline measures as (label, value).
    pub headline: Vec<(String, String)>,
    /// The graded assessment.
    pub assessment: Assessment,
    /// One chart per capability with demand.
    pub charts: Vec<Chart>,
    /// Every force, sorted by code.
    pub forces: Vec<ForceRow>,
    /// Forces and links, for the map.
    pub geography: Geography,
    /// Aid from donor to host force (runs; empty for ensembles).
    pub flows: Vec<crate::results::AidFlow>,
    /// Notable events (runs only): minute and description.
    pub timeline: Vec<(Minutes, String)>,
    /// Events left out of the timeline (unit movements), by kind.
    pub timeline_omitted: usize,
    /// What the timeline's moments are, when they are not one run's events.
    pub timeline_note: Option<String>,
    /// Manifest entries as (key, value).
    pub manifest: Vec<(String, String)>,
    /// The executive summary.
    pub summary: super::summary::ExecutiveSummary,
    /// Methods and caveats.
    pub caveats: super::summary::Caveats,
}

/// Events shown in a timeline at most; the rest are counted.
const TIMELINE_MAX: usize = 400;

fn manifest_pairs(value: &serde_json::Value) -> Vec<(String, String)> {
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    map.iter()
        // The geography is drawn on the map and the unverified figures are listed under methods
        // and caveats.
        .filter(|(k, _)| !matches!(k.as_str(), "geography" | "unverified"))
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "—".into(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// The moments to mark on a run's charts: incident starts, the trigger, disruptions beginning.
fn run_marks(r: &RunResult) -> Vec<Mark> {
    let mut marks: Vec<Mark> =
        r.incidents.iter().map(|i| Mark { t: i.start, what: format!("{} begins", i.id) }).collect();
    marks.extend(r.events.iter().filter_map(|e| match &e.kind {
        EventKind::NationalTrigger => Some(Mark { t: e.t, what: "national mobilisation triggered".into() }),
        EventKind::DisruptionStarted { disruption } => {
            Some(Mark { t: e.t, what: format!("{disruption} begins") })
        }
        _ => None,
    }));
    marks.sort_by_key(|m| m.t);
    marks.truncate(MARKS_MAX);
    marks
}

fn run_chart(r: &RunResult, capability: &str, marks: &[Mark]) -> Chart {
    let points: Vec<_> = r.series.national.iter().filter(|p| &*p.capability == capability).collect();
    let curve = |label: &str, f: &dyn Fn(&crate::results::SeriesPoint) -> f64| Curve {
        label: label.into(),
        values: points.iter().map(|p| f(p)).collect(),
        band: None,
    };
    Chart {
        capability: capability.into(),
        caption: NATIONAL_CAPTION.into(),
        title: NATIONAL_TITLE.into(),
        times: points.iter().map(|p| p.t).collect(),
        curves: vec![
            curve("demand", &|p| f64::from(p.demand)),
            curve("deployed", &|p| f64::from(p.deployed)),
            curve("effective", &|p| p.effective),
            curve("shortfall", &|p| p.shortfall),
        ],
        marks: marks.to_vec(),
        band_note: None,
    }
}

fn ensemble_chart(a: &Aggregate, capability: &str) -> Chart {
    let bands = a.series.get(capability).map(Vec::as_slice).unwrap_or_default();
    let curve =
        |label: &str,
         f: &dyn Fn(&crate::analysis::ensemble::SeriesBand) -> &crate::analysis::ensemble::Band| {
            Curve {
                label: label.into(),
                values: bands.iter().map(|b| f(b).p50).collect(),
                band: Some((
                    bands.iter().map(|b| f(b).p5).collect(),
                    bands.iter().map(|b| f(b).p95).collect(),
                )),
            }
        };
    let flat = bands.iter().all(|b| [&b.demand, &b.effective, &b.shortfall].iter().all(|x| x.p5 == x.p95));
    let band_note = if flat {
        format!(
            "Lines are the median over {} replications; the 5–95% bands have no width here: every \
             replication gave the same series.",
            a.completed
        )
    } else {
        format!(
            "Lines are the median over {} replications; shading is the 5th to 95th percentile.",
            a.completed
        )
    };
    // The median trigger time, when more than half the replications triggered.
    let marks = a
        .measures
        .get("national_trigger_at")
        .filter(|t| 2 * t.n > a.completed)
        .map(|t| Mark { t: t.p50.round() as Minutes, what: "national mobilisation (median)".into() })
        .into_iter()
        .collect();
    Chart {
        capability: capability.into(),
        caption: NATIONAL_CAPTION.into(),
        title: NATIONAL_TITLE.into(),
        times: bands.iter().map(|b| b.t).collect(),
        curves: vec![
            curve("demand", &|b| &b.demand),
            curve("effective", &|b| &b.effective),
            curve("shortfall", &|b| &b.shortfall),
        ],
        marks,
        band_note: Some(band_note),
    }
}

/// An ensemble's timeline: the median moment of each thing that happens in replications,
/// with how often and how spread it was.
fn ensemble_timeline(a: &Aggregate) -> Vec<(Minutes, String)> {
    let mut out = Vec::new();
    for (key, what) in [
        ("regional_shortfall_at", "a regional request first goes unfilled"),
        ("national_trigger_at", "national mobilisation is triggered"),
        ("peak_shortfall_at", "the worst shortfall"),
    ] {
        let Some(st) = a.measures.get(key) else { continue };
        let spread = if st.p5 == st.p95 {
            String::new()
        } else {
            format!("; 5–95%: {} – {}", clock(st.p5.round() as Minutes), clock(st.p95.round() as Minutes))
        };
        out.push((
            st.p50.round() as Minutes,
            format!(
                "{what} (median of the {} of {} replications where it happened{spread})",
                st.n, a.completed
            ),
        ));
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

pub(crate) fn describe_event(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::RequestRaised { incident, capability, tier, units, .. } if *tier >= 2 => {
            let level = if *tier == 2 { "regional" } else { "national" };
            format!("{incident} asks for {units} {capability} unit(s) ({level})")
        }
        EventKind::NationalTrigger => "national mobilisation triggered".into(),
        EventKind::DisorderSpread { incident, from, force } => {
            format!("disorder spreads from {from} to {force} ({incident})")
        }
        EventKind::DisorderCalmed { incident } => format!("{incident} calms and ends"),
        EventKind::DisruptionStarted { disruption } => format!("disruption begins: {disruption}"),
        EventKind::DisruptionEnded { disruption } => format!("disruption ends: {disruption}"),
        EventKind::Injected { inject } => format!("inject: {inject}"),
        EventKind::Decided { decision } => format!("players' decision: {decision}"),
        EventKind::RouteBlocked { unit, incident } => {
            format!("{unit} cannot reach {incident}: no open route")
        }
        _ => return None,
    })
}

impl Report {
    /// Build the report of `source`, graded against `thresholds`.
    pub fn build(source: &ReportSource, thresholds: &Thresholds) -> Self {
        let (geography, figures, assessment, title): (&Geography, BTreeMap<String, f64>, Assessment, String) =
            match source {
                ReportSource::Run(r) => (
                    &r.geography,
                    observation_values(r),
                    assessment::assess_run(r, thresholds),
                    r.manifest.inputs.scenario.clone(),
                ),
                ReportSource::Ensemble(a) => (
                    &a.manifest.geography,
                    a.measures
                        .iter()
                        .filter_map(|(k, s)| k.strip_prefix(ENSEMBLE_PREFIX).map(|k| (k.to_string(), s.mean)))
                        .collect(),
                    assessment::assess_ensemble(a, thresholds),
                    a.manifest.inputs.scenario.clone(),
                ),
            };
        let grades_of = |scope: &ScopeAssessment| scope.areas.iter().map(|a| a.grade).collect::<Vec<_>>();
        let forces = geography
            .forces
            .iter()
            .map(|p| {
                let fig = |what: &str| {
                    figures.get(&format!("force:{}/burden.{what}", p.code)).copied().unwrap_or(0.0)
                };
                ForceRow {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    region: p.region.clone(),
                    hq: p.lat.zip(p.lon),
                    lent: fig("lent_unit_hours"),
                    received: fig("received_unit_hours"),
                    fair_share: fig("fair_share_unit_hours"),
                    hours_below_cover: fig("hours_below_cover"),
                    cut_off_hours: fig("cut_off_hours"),
                    grades: assessment
                        .forces
                        .iter()
                        .find(|s| s.scope == p.code)
                        .map(grades_of)
                        .unwrap_or_default(),
                }
            })
            .collect();
        let (kind, headline, charts, timeline, omitted, manifest) = match source {
            ReportSource::Run(r) => {
                let s = &r.summary;
                let headline = vec![
                    ("Share of demand met".into(), format!("{:.1}%", s.demand_met * 100.0)),
                    ("Unmet demand".into(), format!("{:.0} unit-hours", s.unmet_unit_hours)),
                    (
                        "Peak shortfall".into(),
                        format!("{:.0} units at {}", s.peak_shortfall_units, clock(s.peak_shortfall_at)),
                    ),
                    (
                        "National mobilisation".into(),
                        s.national_trigger_at
                            .map_or("not triggered".into(), |t| format!("triggered at {}", clock(t))),
                    ),
                    ("Mutual-aid deployments".into(), s.aid_deployments.to_string()),
                    ("Donor hours below retained cover".into(), format!("{:.1}", s.donor_hours_below_cover)),
                ];
                let marks = run_marks(r);
                let charts = r
                    .capabilities
                    .iter()
                    .filter(|c| c.demanded_unit_hours > 0.0)
                    .map(|c| run_chart(r, &c.capability, &marks))
                    .collect();
                let mut timeline: Vec<(Minutes, String)> = r
                    .incidents
                    .iter()
                    .map(|i| (i.start, format!("{} ({}) begins in {}", i.id, i.kind, i.host)))
                    .collect();
                timeline.extend(r.events.iter().filter_map(|e| describe_event(&e.kind).map(|d| (e.t, d))));
                // Stable sort: incident starts come before the events of the same minute.
                timeline.sort_by_key(|(t, _)| *t);
                timeline.truncate(TIMELINE_MAX);
                let omitted = r.events.len() + r.incidents.len() - timeline.len();
                let manifest = manifest_pairs(&serde_json::to_value(&r.manifest).unwrap_or_default());
                ("One run".to_string(), headline, charts, timeline, omitted, manifest)
            }
            ReportSource::Ensemble(a) => {
                let m = |k: &str| a.measures.get(k);
                let mut headline = Vec::new();
                for (label, key, scale, unit) in [
                    ("Share of demand met", "demand_met", 100.0, "%"),
                    ("Unmet demand", "unmet_unit_hours", 1.0, " unit-hours"),
                    ("Peak shortfall", "peak_shortfall_units", 1.0, " units"),
                    ("Donor hours below retained cover", "donor_hours_below_cover", 1.0, " hours"),
                ] {
                    if let Some(s) = m(key) {
                        headline.push((
                            label.to_string(),
                            format!(
                                "mean {:.1}{unit} (5–95%: {:.1}–{:.1})",
                                s.mean * scale,
                                s.p5 * scale,
                                s.p95 * scale
                            ),
                        ));
                    }
                }
                if let Some(s) = m("national_trigger_at") {
                    headline.push((
                        "National mobilisation".into(),
                        format!("triggered in {} of {} replications", s.n, a.completed),
                    ));
                }
                let charts = a
                    .series
                    .keys()
                    .filter(|c| a.series[*c].iter().any(|b| b.demand.p95 > 0.0))
                    .map(|c| ensemble_chart(a, c))
                    .collect();
                let mut manifest = manifest_pairs(&serde_json::to_value(&a.manifest).unwrap_or_default());
                manifest.push(("completed".into(), a.completed.to_string()));
                manifest.push(("failed".into(), a.failed.len().to_string()));
                let kind = if a.all_equal() {
                    format!(
                        "Ensemble of {} replications — all gave the same result: nothing in this \
                         scenario is drawn at random, so the 5–95% ranges below have no width",
                        a.completed
                    )
                } else {
                    format!("Ensemble of {} replications", a.completed)
                };
                (kind, headline, charts, ensemble_timeline(a), 0, manifest)
            }
        };
        let (summary, caveats) = match source {
            ReportSource::Run(r) => (
                super::summary::of_run(r, &assessment.nation),
                super::summary::caveats(&r.manifest.inputs, &assessment.thresholds, None),
            ),
            ReportSource::Ensemble(a) => {
                let mut caveats =
                    super::summary::caveats(&a.manifest.inputs, &assessment.thresholds, Some(a.all_equal()));
                caveats.uncertainty.push_str(match a.manifest.records {
                    Records::Summary => {
                        " The replications were kept as `--records summary`: they hold no SPR \
                         observations, so nothing is graded, and no series, so no charts over time."
                    }
                    Records::Evidence => {
                        " The replications were kept as `--records evidence`: they hold no series, \
                         so there are no charts over time."
                    }
                    Records::Full => "",
                });
                (super::summary::of_ensemble(a, &assessment.nation), caveats)
            }
        };
        let flows = match source {
            ReportSource::Run(r) => r.aid_flows.clone(),
            ReportSource::Ensemble(_) => Vec::new(),
        };
        let timeline_note = matches!(source, ReportSource::Ensemble(_)).then(|| {
            "Median moments over the replications. An ensemble keeps no event log; `muster run` \
             gives one run's events in full."
                .to_string()
        });
        Report {
            timeline_note,
            flows,
            summary,
            caveats,
            title,
            kind,
            headline,
            assessment,
            charts,
            forces,
            geography: geography.clone(),
            timeline,
            timeline_omitted: omitted,
            manifest,
        }
    }

    /// Forces that any figure or grade concerns (the rest had no part in the scenario).
    pub fn involved_forces(&self) -> impl Iterator<Item = &ForceRow> {
        self.forces.iter().filter(|f| {
            f.lent > 0.0
                || f.received > 0.0
                || f.hours_below_cover > 0.0
                || f.cut_off_hours > 0.0
                || f.strain().is_some()
        })
    }
}

/// Largest result `muster report` reads (bytes): a national run's JSON is about 250 KB and a
/// run of 10,000 incidents about 120 MB; anything far larger is not a result.
pub const MAX_RESULT_BYTES: u64 = 2 << 30;

/// Read what `muster report` was given: a run's JSON, an ensemble's aggregate JSON, or an
/// ensemble's JSON Lines (aggregated here). Problems are located `file:line:col`.
pub fn read_source(path: &std::path::Path) -> Result<ReportSource, crate::diagnostics::Diagnostic> {
    use crate::diagnostics::{Diagnostic, Location};
    let file = path.display().to_string();
    let at = |line: usize, col: usize, message: String, hint: &str| {
        Diagnostic::new(Location::File { file: file.clone(), line: line.max(1), col: col.max(1) }, message)
            .with_hint(Some(hint.to_string()))
    };
    const HINT: &str =
        "give the file written by `muster run --json`, or an ensemble's .jsonl or .aggregate.json";
    let bytes = crate::diagnostics::read_bounded(path, MAX_RESULT_BYTES, HINT)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| at(1, 1, "the file is not UTF-8 text".into(), HINT))?;
    // Several JSON values, one per line, the first a manifest: an ensemble's JSON Lines.
    if text.starts_with("{\"manifest\"") && text.trim_end().contains('\n') {
        // Aggregated a record at a time, as merge does.
        let mut parts = super::ensemble_files::Parts::open(&[path.to_path_buf()])
            .map_err(|m| at(m.line, 1, m.message, HINT))?;
        let mut agg = crate::analysis::ensemble::Aggregator::default();
        while let Some(r) = parts.next_record().map_err(|m| at(m.line, 1, m.message, HINT))? {
            agg.push(&r);
        }
        let manifest = parts.manifest;
        return Ok(ReportSource::Ensemble(Box::new(agg.finish(manifest))));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| at(e.line(), e.column(), format!("not valid JSON: {e}"), HINT))?;
    let has = |key: &str| value.get(key).is_some();
    if has("summary") && has("series") {
        serde_json::from_value::<RunResult>(value)
            .map(|r| ReportSource::Run(Box::new(r)))
            .map_err(|e| at(1, 1, format!("not a Muster run result: {e}"), HINT))
    } else if has("measures") && has("manifest") {
        serde_json::from_value::<Aggregate>(value)
            .map(|a| ReportSource::Ensemble(Box::new(a)))
            .map_err(|e| at(1, 1, format!("not a Muster ensemble aggregate: {e}"), HINT))
    } else {
        Err(at(1, 1, "this JSON is neither a run result nor an ensemble aggregate".into(), HINT))
    }
}

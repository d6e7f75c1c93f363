//! Reference-case files (`data/validation.toml`, or a user's held-out cases): each case is a
//! figure from the record, its tolerance and source, the scenario that stands for it (a
//! shipped one by name with `--set` overrides, or written inline) and the figure to read.

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use super::source::SourceDocument;
use super::{InputFile, SetOverride, load_model};
use crate::diagnostics::{Diagnostics, Location};
use crate::model::{Figure, Model, ReferenceCase};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesFile {
    #[serde(rename = "case")]
    cases: Vec<Spanned<CaseFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    id: Spanned<String>,
    title: String,
    record: Spanned<f64>,
    unit: String,
    tolerance: Spanned<(f64, f64)>,
    source: String,
    #[serde(default)]
    note: String,
    figure: Spanned<FigureFile>,
    /// A shipped scenario by name ...
    shipped: Option<Spanned<String>>,
    /// ... with these `KEY=VALUE` overrides; or a scenario written out.
    #[serde(default)]
    set: Vec<Spanned<String>>,
    scenario: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FigureFile {
    kind: Spanned<String>,
    capability: Spanned<String>,
    host: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    incident: Option<Spanned<String>>,
    units: Option<Spanned<u32>>,
}

/// The figure kinds a case can read.
const KINDS: [&str; 6] = [
    "max-aid-on-task",
    "max-in-transit",
    "peak-on-task",
    "aid-share-at-peak",
    "time-until-on-task",
    "time-until-arrived",
];

/// Read a file of reference cases, loading each case's scenario against the built-in dataset.
/// Every problem is reported, located in the cases file (an inline scenario's own problems at
/// their line in it).
pub fn load_cases(file: InputFile<'_>) -> Result<Vec<ReferenceCase>, Diagnostics> {
    // Located at the first byte that is not UTF-8.
    let text = super::decode(&file).map_err(|d| Diagnostics(vec![d]))?;
    let doc = SourceDocument::new(file.name, text, &[]);
    let parsed: CasesFile = doc.deserialize()?;
    let mut c = Checker::new(&doc);
    let mut cases = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for case in &parsed.cases {
        let f = case.get_ref();
        if !ids.insert(f.id.get_ref().clone()) {
            c.error(f.id.span(), format!("case '{}' is listed twice", f.id.get_ref()), None);
        }
        let (lo, hi) = *f.tolerance.get_ref();
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            c.error(
                f.tolerance.span(),
                format!("tolerance [{lo}, {hi}] must be two numbers, low first"),
                None,
            );
        }
        if !f.record.get_ref().is_finite() {
            c.error(f.record.span(), "record must be a number", None);
        }
        let Some(model) = case_model(&doc, &mut c, f, case.span()) else { continue };
        let Some(figure) = figure(&mut c, &model, &f.figure, &f.unit) else { continue };
        cases.push(ReferenceCase {
            id: f.id.get_ref().clone(),
            title: f.title.clone(),
            record: *f.record.get_ref(),
            unit: f.unit.clone(),
            tolerance: (lo, hi),
            source: f.source.clone(),
            note: f.note.clone(),
            figure,
            model,
        });
    }
    if parsed.cases.is_empty() {
        c.error(0..0, "the file has no [[case]]", None);
    }
    if c.problems.is_empty() { Ok(cases) } else { Err(Diagnostics(c.problems)) }
}

/// The model a case runs: a shipped scenario with its overrides, or its inline scenario.
fn case_model(
    doc: &SourceDocument<'_>,
    c: &mut Checker<'_, '_>,
    f: &CaseFile,
    span: std::ops::Range<usize>,
) -> Option<Model> {
    let mut sets = Vec::new();
    for s in &f.set {
        match SetOverride::parse(s.get_ref()) {
            Ok(o) => sets.push(o),
            Err(e) => c.error(s.span(), format!("set: {e}"), Some("write KEY=VALUE".into())),
        }
    }
    let (name, text, at) = match (&f.shipped, &f.scenario) {
        (Some(name), None) => match crate::shipped::find(name.get_ref()) {
            Some(text) => (name.get_ref().clone(), text, None),
            None => {
                let hint = crate::diagnostics::suggest(
                    name.get_ref(),
                    crate::shipped::SHIPPED.iter().map(|(n, _)| *n),
                );
                c.error(name.span(), format!("no shipped scenario '{}'", name.get_ref()), hint);
                return None;
            }
        },
        (None, Some(text)) => (doc.name.to_string(), text.get_ref().as_str(), Some(text.span().start)),
        _ => {
            c.error(
                span,
                "a case needs exactly one of shipped = \"NAME\" or scenario = \"\"\"...\"\"\"",
                None,
            );
            return None;
        }
    };
    match load_model(InputFile { name: &name, bytes: text.as_bytes() }, &sets, None) {
        Ok(model) => Some(model),
        Err(problems) => {
            // An inline scenario's problems are placed at their line in the cases file: its
            // text starts on the line after the opening quotes.
            let first = at.map(|offset| match doc.locate(offset) {
                Location::File { line, .. } => line,
                _ => 0,
            });
            for mut d in problems.0 {
                if let (Some(first), Location::File { line, .. }) = (first, &mut d.location) {
                    *line += first;
                }
                c.problems.push(d);
            }
            None
        }
    }
}

fn figure(c: &mut Checker<'_, '_>, model: &Model, f: &Spanned<FigureFile>, unit: &str) -> Option<Figure> {
    let data = &model.dataset;
    let g = f.get_ref();
    let capability = c.capability(data, &g.capability)?;
    let time = |c: &mut Checker<'_, '_>, v: &Option<Spanned<String>>, default| match v {
        Some(v) => c.duration(v, "figure time"),
        None => Some(default),
    };
    let need = |c: &mut Checker<'_, '_>, what: &str| {
        c.error(f.span(), format!("a {} figure needs {what}", g.kind.get_ref()), None);
        None
    };
    match g.kind.get_ref().as_str() {
        "max-aid-on-task" => {
            let Some(host) = &g.host else { return need(c, "host = \"FORCE\"") };
            let host = c.force(data, host)?;
            let from = time(c, &g.from, 0)?;
            let to = time(c, &g.to, model.scenario.horizon)?;
            Some(Figure::MaxAidOnTask { host, capability, from, to })
        }
        "max-in-transit" => {
            let from = time(c, &g.from, 0)?;
            let to = time(c, &g.to, model.scenario.horizon)?;
            Some(Figure::MaxInTransit { capability, from, to })
        }
        "peak-on-task" => Some(Figure::PeakOnTask { capability }),
        "aid-share-at-peak" => Some(Figure::AidShareAtPeak { capability }),
        kind @ ("time-until-on-task" | "time-until-arrived") => {
            let (Some(incident), Some(units)) = (&g.incident, &g.units) else {
                return need(c, "incident = \"ID\" and units = N");
            };
            if !model.scenario.incidents.iter().any(|i| i.id == *incident.get_ref()) {
                c.error(
                    incident.span(),
                    format!("the scenario has no incident '{}'", incident.get_ref()),
                    None,
                );
                return None;
            }
            let per = match unit {
                "hours" => 60,
                "minutes" => 1,
                _ => {
                    c.error(f.span(), format!("a {kind} figure is in \"hours\" or \"minutes\""), None);
                    return None;
                }
            };
            let (incident, units) = (incident.get_ref().clone(), *units.get_ref());
            Some(if kind == "time-until-on-task" {
                Figure::TimeUntilOnTask { incident, capability, units, per }
            } else {
                Figure::TimeUntilArrived { incident, capability, units, per }
            })
        }
        other => {
            let hint = crate::diagnostics::suggest(other, KINDS.iter().copied());
            c.error(g.kind.span(), format!("unknown figure kind '{other}'"), hint);
            None
        }
    }
}

//! An exercise file: the seats of the room (who decides which requests) and the scripted
//! inject timeline the facilitator releases, holds or skips.
//!
//! ```toml
//! [exercise]
//! name = "Summer 2024: the national Gold group"
//!
//! [[seat]]
//! id = "npocc"
//! name = "National Police Coordination Centre"
//! tiers = [3]          # national requests
//! trigger = true       # may trigger national mobilisation
//!
//! [[seat]]
//! id = "north-west-coordinator"
//! tiers = [2]
//! regions = ["north-west"]
//!
//! [[inject]]
//! at = "D1+18:00"
//! title = "Disorder spreads to Hartlepool"
//! command = "inject incident hartlepool disorder cleveland public-order=6 for 8h"
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::command::{self, Command, Until, Word};
use crate::diagnostics::{Diagnostic, Diagnostics, suggest};
use crate::input::source::SourceDocument;
use crate::model::Model;
use crate::time::Minutes;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    exercise: Option<Header>,
    #[serde(default)]
    seat: Vec<SeatFile>,
    #[serde(default)]
    inject: Vec<InjectFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: Option<String>,
    decision_timer: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeatFile {
    id: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    tiers: Vec<Spanned<i64>>,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    #[serde(default)]
    forces: Vec<Spanned<String>>,
    #[serde(default)]
    trigger: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectFile {
    at: Spanned<String>,
    command: Spanned<String>,
    title: Option<String>,
}

/// A place at the table: the requests it decides.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Seat {
    /// Short id, used in addresses (`/seat/npocc`) and the log.
    pub id: String,
    /// Name shown on its screen.
    pub name: String,
    /// Request tiers it decides (2 regional, 3 national).
    pub tiers: Vec<u8>,
    /// Only requests hosted in these regions (all if empty).
    pub regions: Vec<String>,
    /// Only requests hosted by these forces (all if empty).
    pub forces: Vec<String>,
    /// Whether it may trigger national mobilisation.
    pub trigger: bool,
}

impl Seat {
    /// Whether it decides a request of `tier` hosted by `host` (in `region`).
    pub fn decides(&self, tier: u8, host: &str, region: &str) -> bool {
        self.tiers.contains(&tier)
            && (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && (self.forces.is_empty() || self.forces.iter().any(|f| f == host))
    }

    /// Whether it commands `force` (in `region`): may send its units and hold them back. A
    /// seat commands the forces it decides for (every force, if it names none).
    pub fn commands(&self, force: &str, region: &str) -> bool {
        (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && (self.forces.is_empty() || self.forces.iter().any(|f| f == force))
    }
}

/// One scripted inject.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScriptedInject {
    /// When it is due (minute).
    pub at: Minutes,
    /// What the room is told.
    pub title: String,
    /// The inject, in the command language.
    pub command: String,
}

/// A loaded exercise file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exercise {
    /// Its name.
    pub name: Option<String>,
    /// The seats, in file order.
    pub seats: Vec<Seat>,
    /// The timeline, by time due (file order among equals).
    pub injects: Vec<ScriptedInject>,
    /// How long a request may await the players before the policy's proposal is approved for
    /// them (minutes of the scenario); none if absent.
    pub decision_timer: Option<Minutes>,
}

/// Read an exercise file (`name` for messages) against `model`; every problem is located.
pub fn load(name: &str, text: &str, model: &Model) -> Result<Exercise, Diagnostics> {
    let doc = SourceDocument::new(name, text, &[]);
    let file: File = doc.deserialize()?;
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut error = |span: std::ops::Range<usize>, message: String, hint: Option<String>| {
        problems.push(doc.diag(span, message).with_hint(hint));
    };
    let data = &model.dataset;
    let mut seats: Vec<Seat> = Vec::new();
    for s in &file.seat {
        let id = s.id.get_ref();
        if id.is_empty()
            || id.len() > 40
            || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            error(
                s.id.span(),
                format!("seat id '{id}' must be 1 to 40 lower-case letters, digits or dashes"),
                Some("e.g. id = \"met-gold\"".into()),
            );
        } else if seats.iter().any(|o| o.id == *id) {
            error(
                s.id.span(),
                format!("two seats are called '{id}'"),
                Some("give every seat its own id".into()),
            );
        }
        let mut tiers = Vec::new();
        for t in &s.tiers {
            match u8::try_from(*t.get_ref()) {
                Ok(t @ (2 | 3)) => tiers.push(t),
                _ => error(
                    t.span(),
                    format!("tier {} is not a request tier", t.get_ref()),
                    Some("requests are tier 2 (regional) or 3 (national)".into()),
                ),
            }
        }
        for r in &s.regions {
            if !data.regions.iter().any(|x| x == r.get_ref()) {
                error(
                    r.span(),
                    format!("unknown region '{}'", r.get_ref()),
                    suggest(r.get_ref(), data.regions.iter().map(String::as_str)),
                );
            }
        }
        for f in &s.forces {
            if data.force_by_code(f.get_ref()).is_none() {
                error(f.span(), format!("unknown force '{}'", f.get_ref()), data.force_hint(f.get_ref()));
            }
        }
        if tiers.is_empty() && !s.trigger && s.tiers.is_empty() {
            error(
                s.id.span(),
                format!("seat '{id}' decides nothing"),
                Some("give it tiers = [2] or [3], or trigger = true".into()),
            );
        }
        seats.push(Seat {
            id: id.clone(),
            name: s.name.clone().unwrap_or_else(|| id.clone()),
            tiers,
            regions: s.regions.iter().map(|r| r.get_ref().clone()).collect(),
            forces: s.forces.iter().map(|f| f.get_ref().clone()).collect(),
            trigger: s.trigger,
        });
    }
    let mut injects = Vec::new();
    for i in &file.inject {
        let at = match command::moment(&Word { text: i.at.get_ref().clone(), col: 1 }) {
            Ok(Until::Minute(m)) if m <= model.scenario.horizon => Some(m),
            Ok(Until::Minute(m)) => {
                error(i.at.span(), format!("{} is after the scenario's end", crate::time::Clock(m)), None);
                None
            }
            _ => {
                error(
                    i.at.span(),
                    format!("'{}' is not a moment of the scenario", i.at.get_ref()),
                    Some("write D1+18:00 (day 1, 18:00) or 42h from the start".into()),
                );
                None
            }
        };
        match command::parse(i.command.get_ref()) {
            Ok(Some(Command::Inject(_))) => {}
            Ok(_) => error(
                i.command.span(),
                "a scripted inject must be an inject command".into(),
                Some("e.g. command = \"inject comms-outage north-west for 2h\"".into()),
            ),
            Err(e) => {
                // The command's column inside the string: one past the opening quote.
                let start = i.command.span().start + e.col;
                error(start..start + 1, e.message, e.hint);
            }
        }
        if let Some(at) = at {
            injects.push(ScriptedInject {
                at,
                title: i.title.clone().unwrap_or_else(|| i.command.get_ref().clone()),
                command: i.command.get_ref().clone(),
            });
        }
    }
    let mut decision_timer = None;
    if let Some(t) = file.exercise.as_ref().and_then(|h| h.decision_timer.as_ref()) {
        match crate::time::parse_duration(t.get_ref()) {
            Ok(m) if m > 0 => decision_timer = Some(m),
            _ => error(
                t.span(),
                format!("decision_timer '{}' is not a duration", t.get_ref()),
                Some("write it as \"30m\" or \"2h\" of the scenario's time".into()),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    injects.sort_by_key(|i| i.at);
    Ok(Exercise { name: file.exercise.and_then(|h| h.name), seats, injects, decision_timer })
}

//! The scripted inject timeline of an exercise: injects due at simulated moments, released as
//! the clock passes them, unless the facilitator holds or skips one (or releases it early).
//!
//! An advance that would pass a due inject stops at its moment (kept in the log as `until
//! MOMENT`), the inject is carried out there (kept with a `# timeline: TITLE` note), and the
//! advance goes on to where it was asked to go. So the log holds exactly what happened, and a
//! replay needs no timeline.

use serde::Serialize;

use super::command::{self, Command, CommandError, Until};
use super::exercise::ScriptedInject;
use super::session::{Reply, Session};
use crate::time::{Clock, Minutes};

/// Where one scripted inject stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum InjectState {
    /// Released when the clock reaches its moment.
    Due,
    /// Kept back until the facilitator resumes or releases it.
    Held,
    /// Carried out at this minute.
    Released {
        /// When (minute).
        #[serde(rename = "released_at")]
        at: Minutes,
    },
    /// Not to be carried out.
    Skipped,
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// The inject.
    #[serde(flatten)]
    pub inject: ScriptedInject,
    /// Where it stands.
    #[serde(flatten)]
    pub state: InjectState,
}

/// What the facilitator does with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Carry it out now.
    Release,
    /// Keep it back.
    Hold,
    /// Let it release itself again when due (at the start of the next advance if its moment
    /// has passed meanwhile).
    Resume,
    /// Never carry it out.
    Skip,
}

impl Action {
    /// The action of this name (`release`, `hold`, `resume`, `skip`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "release" => Some(Action::Release),
            "hold" => Some(Action::Hold),
            "resume" => Some(Action::Resume),
            "skip" => Some(Action::Skip),
            _ => None,
        }
    }
}

/// The timeline of one session.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    entries: Vec<TimelineEntry>,
}

/// What a timeline step did: the replies in order, and the injects it released.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Replies of every command carried out, in order.
    pub replies: Vec<Reply>,
    /// Titles of the injects released, with their minute.
    pub released: Vec<(Minutes, String)>,
}

impl Timeline {
    /// A timeline of `injects` (in the order they are due), all due.
    pub fn new(injects: &[ScriptedInject]) -> Self {
        Timeline {
            entries: injects
                .iter()
                .map(|i| TimelineEntry { inject: i.clone(), state: InjectState::Due })
                .collect(),
        }
    }

    /// The timeline of a session that has already run `entries` (resumed from its log, or
    /// branched): each inject the log says was released (`# timeline: TITLE`) is released.
    /// Holds and skips are not in the log: those injects are due again.
    pub fn resumed(injects: &[ScriptedInject], entries: &[super::session::Entry]) -> Self {
        let mut timeline = Self::new(injects);
        for e in entries {
            let Some((_, title)) = e.line.split_once("# timeline: ") else { continue };
            if let Some(t) = timeline
                .entries
                .iter_mut()
                .find(|t| t.state == InjectState::Due && t.inject.title == title.trim())
            {
                t.state = InjectState::Released { at: e.at };
            }
        }
        timeline
    }

    /// The entries, in the order they are due.
    pub fn entries(&self) -> &[TimelineEntry] {
        &self.entries
    }

    /// The next due inject's moment, at or after `now`.
    fn next_due(&self, now: Minutes) -> Option<Minutes> {
        self.entries
            .iter()
            .filter(|e| e.state == InjectState::Due && e.inject.at >= now)
            .map(|e| e.inject.at)
            .min()
    }

    fn release_entry(
        &mut self,
        session: &mut Session,
        i: usize,
        out: &mut Outcome,
    ) -> Result<(), CommandError> {
        let inject = self.entries[i].inject.clone();
        let reply = session.execute(&inject.command)?;
        session.annotate_last(&format!("timeline: {}", inject.title));
        let at = session.now();
        self.entries[i].state = InjectState::Released { at };
        out.replies.push(reply);
        out.released.push((at, inject.title));
        Ok(())
    }

    /// Release every due inject whose moment has come (a resumed one may be late).
    fn release_due_now(&mut self, session: &mut Session, out: &mut Outcome) -> Result<(), CommandError> {
        let now = session.now();
        for i in 0..self.entries.len() {
            if self.entries[i].state == InjectState::Due && self.entries[i].inject.at <= now {
                self.release_entry(session, i, out)?;
            }
        }
        Ok(())
    }

    /// Carry out `line`; if it moves time past due injects, stop at each, release it, and go
    /// on to where the command was going.
    pub fn execute(&mut self, session: &mut Session, line: &str) -> Result<Outcome, CommandError> {
        let mut out = Outcome::default();
        let Some(cmd) = command::parse(line)? else {
            out.replies.push(Reply::Nothing);
            return Ok(out);
        };
        if !matches!(cmd, Command::Step(_) | Command::Until(_)) {
            out.replies.push(session.execute(line)?);
            return Ok(out);
        }
        // Injects due at the moment shown go first (a resumed one, or one due at the start).
        self.release_due_now(session, &mut out)?;
        let target = session.target_of(&cmd);
        let mut next_line = line.to_string();
        loop {
            let Some(due) = self.next_due(session.now()).filter(|&d| target.is_none_or(|t| d < t)) else {
                out.replies.push(session.execute(&next_line)?);
                return Ok(out);
            };
            let (reply, clamped) = session.execute_within(&next_line, due)?;
            out.replies.push(reply);
            if !clamped || session.now() != due {
                // The command ended before the inject was due (the next request came first).
                return Ok(out);
            }
            self.release_due_now(session, &mut out)?;
            next_line = match (target, &cmd) {
                (Some(t), _) if t > session.now() => format!("until {}", Clock(t)),
                (Some(_), _) => return Ok(out),
                (None, Command::Until(Until::NextRequest)) => "until next-request".into(),
                (None, _) => return Ok(out),
            };
            if session.finished() {
                return Ok(out);
            }
        }
    }

    /// Apply the facilitator's `action` to entry `index` (0-based).
    pub fn act(
        &mut self,
        session: &mut Session,
        index: usize,
        action: Action,
    ) -> Result<Outcome, CommandError> {
        let mut out = Outcome::default();
        let Some(entry) = self.entries.get(index) else {
            return Err(CommandError::at(
                1,
                format!("the timeline has no inject {} (it has {})", index + 1, self.entries.len()),
                None,
            ));
        };
        let settled = matches!(entry.state, InjectState::Released { .. } | InjectState::Skipped);
        if settled {
            return Err(CommandError::at(
                1,
                format!(
                    "'{}' has already been {}",
                    entry.inject.title,
                    if entry.state == InjectState::Skipped { "skipped" } else { "released" }
                ),
                None,
            ));
        }
        match action {
            Action::Release => self.release_entry(session, index, &mut out)?,
            Action::Hold => self.entries[index].state = InjectState::Held,
            Action::Resume => self.entries[index].state = InjectState::Due,
            Action::Skip => self.entries[index].state = InjectState::Skipped,
        }
        Ok(out)
    }
}

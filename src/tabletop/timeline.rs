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
    /// How long a request may await the players before its proposal is approved for them
    /// (minutes of the scenario), if the exercise sets a decision timer.
    timer: Option<Minutes>,
}

/// What a timeline step did: the replies in order, and the injects it released.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Replies of every command carried out, in order.
    pub replies: Vec<Reply>,
    /// Titles of the injects released, with their minute.
    pub released: Vec<(Minutes, String)>,
    /// Requests whose decision timer ran out (approved as the policy proposed), with the minute.
    pub timed_out: Vec<(Minutes, u32)>,
}

impl Outcome {
    /// Add a reply; an advance continuing the one before it (the timeline split it) joins it,
    /// so a command reads as one stretch of time.
    fn push(&mut self, reply: Reply) {
        if let (
            Some(Reply::Advanced { to, events, started, stopped_for, .. }),
            Reply::Advanced { from, to: later, events: more, started: begun, stopped_for: stop },
        ) = (self.replies.last_mut(), &reply)
            && *to == *from
        {
            *to = *later;
            events.extend(more.iter().cloned());
            started.extend(begun.iter().cloned());
            *stopped_for = *stop;
            return;
        }
        self.replies.push(reply);
    }
}

impl Timeline {
    /// A timeline of `injects` (in the order they are due), all due.
    pub fn new(injects: &[ScriptedInject]) -> Self {
        Timeline {
            entries: injects
                .iter()
                .map(|i| TimelineEntry { inject: i.clone(), state: InjectState::Due })
                .collect(),
            timer: None,
        }
    }

    /// With a decision timer: a request left awaiting the players this long (minutes) has the
    /// policy's proposal approved for them, at the moment the timer runs out.
    pub fn with_timer(mut self, timer: Option<Minutes>) -> Self {
        self.timer = timer.filter(|&t| t > 0);
        self
    }

    /// The decision timer (minutes), if there is one.
    pub fn timer(&self) -> Option<Minutes> {
        self.timer
    }

    /// The next moment an advance must stop at for the decision timer: the earliest expiry of
    /// a request awaiting the players, and (since a request raised meanwhile expires no
    /// sooner than one timer from now) one timer from now while the players decide.
    fn next_timer_stop(&self, session: &mut Session) -> Option<Minutes> {
        let timer = self.timer?;
        let status = session.status();
        let now = status.now;
        let expiries = status
            .requests
            .iter()
            .filter(|r| r.awaits_players())
            .map(|r| r.raised_at.saturating_add(timer).max(now));
        let watch = status.players_decide.then(|| now.saturating_add(timer));
        expiries.chain(watch).min()
    }

    /// Approve, as the policy proposes, every request whose timer has run out.
    fn hand_over_expired(&mut self, session: &mut Session, out: &mut Outcome) -> Result<(), CommandError> {
        let Some(timer) = self.timer else { return Ok(()) };
        let status = session.status();
        let expired: Vec<u32> = status
            .requests
            .iter()
            .filter(|r| r.awaits_players() && r.raised_at.saturating_add(timer) <= status.now)
            .map(|r| r.number)
            .collect();
        for number in expired {
            out.push(session.execute(&format!("approve R{number}"))?);
            session.annotate_last(&format!(
                "timer: undecided for {}, the policy's proposal approved",
                crate::time::Duration(timer)
            ));
            out.timed_out.push((session.now(), number));
        }
        Ok(())
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
        out.push(reply);
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
            out.push(Reply::Nothing);
            return Ok(out);
        };
        if !matches!(cmd, Command::Step(_) | Command::Until(_)) {
            out.push(session.execute(line)?);
            return Ok(out);
        }
        // Injects due at the moment shown go first (a resumed one, or one due at the start).
        self.release_due_now(session, &mut out)?;
        self.hand_over_expired(session, &mut out)?;
        let target = session.target_of(&cmd);
        let mut next_line = line.to_string();
        loop {
            let stop =
                [self.next_due(session.now()), self.next_timer_stop(session)].into_iter().flatten().min();
            let Some(due) = stop.filter(|&d| d > session.now() && target.is_none_or(|t| d < t)) else {
                out.push(session.execute(&next_line)?);
                self.release_due_now(session, &mut out)?;
                self.hand_over_expired(session, &mut out)?;
                return Ok(out);
            };
            let (reply, clamped) = session.execute_within(&next_line, due)?;
            out.push(reply);
            if !clamped || session.now() != due {
                // The command ended before the stop (the next request came first).
                self.hand_over_expired(session, &mut out)?;
                return Ok(out);
            }
            self.release_due_now(session, &mut out)?;
            self.hand_over_expired(session, &mut out)?;
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

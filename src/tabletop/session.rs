//! A tabletop session: one replication stepped by people. Commands are parsed, names resolved
//! against the dataset and the run, and orders handed to the engine at the first tick after
//! the moment shown. Every accepted command that changes the run is kept with the moment it
//! was given, which is all a replay, a branch or a debrief needs.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::command::{self, Command, CommandError, Inject, Requests, THREAT_LEVELS, Until, Word};
use crate::diagnostics::suggest;
use crate::engine::{Order, ScheduleError, Simulation};
use crate::model::{
    CapabilityId, DemandCurve, Disruption, DisruptionKind, ForceId, IncidentKind, IncidentPlan, Model,
    ThreatLevelRise,
};
use crate::results::{Event, RequestStatus, RunResult, Status};
use crate::time::{Clock, DAY, Minutes};

/// An accepted command that changed the run, and the moment shown when it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The moment shown when it was given (minute).
    pub at: Minutes,
    /// The command as written (without comments), as the log keeps it.
    pub line: String,
    /// The command.
    pub command: Command,
}

/// A session's record: the model it started from, its accepted commands and the moment shown.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    base: &'a Arc<Model>,
    entries: &'a [Entry],
    shown: Minutes,
}

impl Record<'_> {
    /// The accepted commands that changed the run, in order.
    pub fn entries(&self) -> &[Entry] {
        self.entries
    }

    /// Re-run from the start with the entries `keep` selects, applied at the moments they were
    /// given, to the moment shown. Time commands are not needed: orders carry their time.
    /// Returns the result and how many kept orders could no longer be carried out.
    pub fn rerun(&self, players_decide: bool, keep: impl Fn(usize, &Entry) -> bool) -> (RunResult, u32) {
        let skip: Vec<usize> = (0..self.entries.len()).filter(|&i| !keep(i, &self.entries[i])).collect();
        self.variant(players_decide, &Variant { skip, ..Variant::default() })
    }

    /// Re-run from the start as `variant` departs from the session, to the moment shown.
    /// Returns the result and how many kept orders could no longer be carried out.
    pub fn variant(&self, players_decide: bool, variant: &Variant) -> (RunResult, u32) {
        let mut other = self.start(players_decide, &variant.policy_decides);
        let mut failed = 0;
        for (i, e) in self.entries.iter().enumerate() {
            if !variant.skip.contains(&i) && !other.replay_entry(e) {
                failed += 1;
            }
            if let Some((_, command)) = variant.also.as_ref().filter(|(j, _)| *j == i) {
                // Carried out at the same moment as entry i, whose moment has been reached.
                let _ = other.apply(command, &mut false);
            }
        }
        if other.shown < self.shown {
            other.advance(self.shown, &mut false);
        }
        (other.result(), failed)
    }

    /// Re-play the session as it was, and say which requests were open just before each entry
    /// that decides requests or who decides them (`None` for other entries).
    pub fn open_requests(&self, players_decide: bool) -> Vec<Option<Vec<RequestStatus>>> {
        let mut other = self.start(players_decide, &BTreeSet::new());
        let mut open = Vec::with_capacity(self.entries.len());
        for e in self.entries {
            if matches!(e.command, Command::Decide { .. } | Command::Modify { .. } | Command::Mode(_)) {
                other.reach(e.at);
                open.push(Some(other.status().requests));
            } else {
                open.push(None);
            }
            other.replay_entry(e);
        }
        open
    }

    fn start(&self, players_decide: bool, policy_decides: &BTreeSet<u32>) -> Session {
        match Session::starting(Arc::clone(self.base), players_decide, policy_decides.clone()) {
            Ok(s) => s,
            Err(_) => unreachable!("the session's own schedule was built from the same model"),
        }
    }
}

/// How a re-run departs from the session (for a debrief's counterfactuals).
#[derive(Debug, Clone, Default)]
pub struct Variant {
    /// Entries (by index) left out.
    pub skip: Vec<usize>,
    /// After entry `.0`, also carry out this command at the same moment.
    pub also: Option<(usize, Command)>,
    /// Requests (by number) the policy decides from the moment they are raised.
    pub policy_decides: BTreeSet<u32>,
}

/// What a command did, for the presentation layer to show.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Nothing to show (a blank line or a comment).
    Nothing,
    /// The status view.
    Status {
        /// The state.
        status: Box<Status>,
        /// Every force, not only those lending or short.
        full: bool,
    },
    /// Time moved on.
    Advanced {
        /// From (minute).
        from: Minutes,
        /// To (minute).
        to: Minutes,
        /// What happened in between. (The state now is `Session::status`, asked for only by
        /// those who show it: a replay does not.)
        events: Vec<Event>,
        /// Incidents that began in between and are still on, with their start (minute) and
        /// "id (kind, host)".
        started: Vec<(Minutes, String)>,
        /// The request it stopped early for, waiting for the players' decision.
        stopped_for: Option<u32>,
    },
    /// An order was carried out: what happened, one line each.
    Done(Vec<String>),
    /// The debrief was asked for (the caller builds and writes it).
    Debrief(Option<String>),
    /// Help text.
    Help(String),
    /// Clear the screen (a terminal does; a script or a web page shows nothing).
    Clear,
    /// End of the session.
    Quit,
}

/// One tabletop session.
pub struct Session {
    sim: Simulation,
    base: Arc<Model>,
    players_decide: bool,
    shown: Minutes,
    entries: Vec<Entry>,
    /// While re-playing a log up to a branch point: no advance goes past it.
    limit: Option<Minutes>,
    /// Check the invariants after every step (tests), keeping the first failure.
    checked: Option<Result<(), String>>,
    /// Advances stop where a request starts waiting for the players.
    stop_at_decisions: bool,
    /// The request the last advance stopped for, if it stopped for one.
    stopped_for: Option<u32>,
}

impl Session {
    /// Start a session of `model` at minute 0 (the first step has run). `players_decide`:
    /// new mutual-aid requests wait for players instead of going to the policy.
    pub fn new(model: Arc<Model>, players_decide: bool) -> Result<Self, ScheduleError> {
        Self::starting(model, players_decide, BTreeSet::new())
    }

    /// As [`Session::new`], with requests (by number) that the policy decides from the moment
    /// they are raised, whoever decides the rest.
    fn starting(
        model: Arc<Model>,
        players_decide: bool,
        policy_decides: BTreeSet<u32>,
    ) -> Result<Self, ScheduleError> {
        let mut sim = Simulation::new(Arc::clone(&model))?;
        sim.set_players_decide(players_decide);
        sim.set_policy_decides(policy_decides);
        sim.advance_to(0);
        Ok(Self {
            sim,
            base: model,
            players_decide,
            shown: 0,
            entries: Vec::new(),
            limit: None,
            checked: None,
            stop_at_decisions: false,
            stopped_for: None,
        })
    }

    /// The moment shown (minute): every step at or before it has run.
    pub fn now(&self) -> Minutes {
        self.shown
    }

    /// Whether the horizon has been reached.
    pub fn finished(&self) -> bool {
        self.sim.finished()
    }

    /// Whether new requests waited for players at the start.
    pub fn players_decided_at_start(&self) -> bool {
        self.players_decide
    }

    /// The model the session started from (before any inject).
    pub fn base_model(&self) -> &Arc<Model> {
        &self.base
    }

    /// The accepted commands that changed the run, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The disruptions in force at the moment shown, injected ones included.
    pub fn disruptions_in_force(&self) -> Vec<DisruptionKind> {
        let model = self.sim.model();
        model
            .scenario
            .disruptions
            .iter()
            .filter(|d| d.start <= self.shown && self.shown < d.end)
            .map(|d| d.kind.clone())
            .collect()
    }

    /// The state now.
    pub fn status(&mut self) -> Status {
        self.sim.status(self.shown, true)
    }

    /// From now on, check the World's invariants after every step and every order.
    pub fn check_every_step(&mut self) {
        self.checked = Some(self.sim.check_invariants());
    }

    /// The first invariant found broken since [`Session::check_every_step`] (with the minute).
    pub fn invariants(&mut self) -> Result<(), String> {
        match &self.checked {
            Some(r) => r.clone(),
            None => self.sim.check_invariants(),
        }
    }

    fn check(&mut self) {
        if let Some(Ok(())) = self.checked
            && let Err(e) = self.sim.check_invariants()
        {
            self.checked = Some(Err(format!("at {}: {e}", Clock(self.sim.last_step().unwrap_or(0)))));
        }
    }

    /// One step (checked when asked); false once finished.
    fn step(&mut self) -> bool {
        let more = self.sim.step();
        self.check();
        more
    }

    /// The result covering the start to the moment shown. The totals are brought up to that
    /// moment as the next step would bring them, so ask for it when the session ends (a session
    /// that carries on afterwards splits that stretch in two: equal in value, but the float sums
    /// may differ in the last bit from a session that did not stop there).
    pub fn result(&mut self) -> RunResult {
        self.sim.result_at(self.shown)
    }

    /// Parse and carry out one line. On success, a command that changed the run is kept.
    pub fn execute(&mut self, line: &str) -> Result<Reply, CommandError> {
        self.execute_clamped(line).map(|(reply, _)| reply)
    }

    /// As [`Session::execute`], but no advance goes past `limit` (a scripted inject due
    /// then): an advance cut short there is kept as `until LIMIT`. Says whether it was.
    pub fn execute_within(&mut self, line: &str, limit: Minutes) -> Result<(Reply, bool), CommandError> {
        let outer = self.limit;
        self.limit = Some(outer.map_or(limit, |o| o.min(limit)));
        let done = self.execute_clamped(line);
        self.limit = outer;
        done
    }

    /// The minute a time command aims for: `None` for `until next-request` and for commands
    /// that do not move time.
    pub fn target_of(&self, cmd: &Command) -> Option<Minutes> {
        match cmd {
            Command::Step(d) => Some(self.shown.saturating_add(*d)),
            Command::Until(Until::Minute(m)) => Some(*m),
            Command::Until(Until::TimeOfDay(tod)) => {
                let t = self.shown / DAY * DAY + tod;
                Some(if t <= self.shown { t + DAY } else { t })
            }
            Command::Until(Until::End) => Some(self.sim.model().scenario.horizon),
            _ => None,
        }
    }

    fn execute_clamped(&mut self, line: &str) -> Result<(Reply, bool), CommandError> {
        let Some(cmd) = command::parse(line)? else { return Ok((Reply::Nothing, false)) };
        let at = self.shown;
        let mut clamped = false;
        let reply = self.apply(&cmd, &mut clamped)?;
        if cmd.changes_run() {
            let text = line.split('#').next().unwrap_or("").trim();
            // An advance cut short at a branch point is kept as the advance that happened.
            let (line, command) = if clamped {
                let until = Until::Minute(self.shown);
                (format!("until {}", Clock(self.shown)), Command::Until(until))
            } else {
                (text.to_string(), cmd)
            };
            self.entries.push(Entry { at, line, command });
        }
        Ok((reply, clamped))
    }

    /// Add a note to the last entry's line, as a `#` comment the log keeps and a replay
    /// ignores (who decided it, and why).
    pub fn annotate_last(&mut self, note: &str) {
        if let Some(e) = self.entries.last_mut() {
            let note: String = note.chars().filter(|c| !c.is_control()).collect();
            e.line = format!("{}  # {note}", e.line);
        }
    }

    /// Re-play `entries` (a log): all of them, or (`branch_at`) those given before that minute,
    /// stopping there, so that the session is in the state the recorded one was in at it. An
    /// entry given at a moment the re-play is not at means the log does not belong to this
    /// scenario: the error names the entry.
    pub fn replay(
        &mut self,
        entries: &[Entry],
        branch_at: Option<Minutes>,
    ) -> Result<(), (usize, CommandError)> {
        self.limit = branch_at;
        for (i, e) in entries.iter().enumerate() {
            if branch_at.is_some_and(|b| e.at >= b) {
                break;
            }
            if self.shown != e.at {
                self.limit = None;
                return Err((
                    i,
                    CommandError::at(
                        1,
                        format!(
                            "this command was given at {}, but the re-play is at {}",
                            Clock(e.at),
                            Clock(self.shown)
                        ),
                        Some("the log was recorded with another scenario, dataset or version".into()),
                    ),
                ));
            }
            let before = self.entries.len();
            if let Err(err) = self.execute(&e.line) {
                self.limit = None;
                return Err((i, err));
            }
            // Who decided and why (a seat's note) stays with the command.
            if let Some((_, note)) = e.line.split_once('#')
                && self.entries.len() > before
            {
                self.annotate_last(note.trim());
            }
        }
        self.limit = None;
        if let Some(at) = branch_at
            && self.shown < at
            && !self.finished()
        {
            self.execute(&format!("until {}", Clock(at))).map_err(|err| (entries.len(), err))?;
        }
        Ok(())
    }

    /// Re-run from the start with the entries `keep` selects, applied at the moments they were
    /// given, to the moment shown now. Time commands are not needed: orders carry their time.
    /// Returns the result and how many kept orders could no longer be carried out.
    pub fn rerun(&self, players_decide: bool, keep: impl Fn(usize, &Entry) -> bool) -> (RunResult, u32) {
        self.record().rerun(players_decide, keep)
    }

    /// What a re-run needs of the session: plain data, shareable between threads (a debrief
    /// re-runs the session once per decision, in parallel).
    pub fn record(&self) -> Record<'_> {
        Record { base: &self.base, entries: &self.entries, shown: self.shown }
    }

    /// Bring the moment shown up to `at` (a re-play reaching an entry's moment).
    fn reach(&mut self, at: Minutes) {
        if self.shown < at {
            self.advance(at, &mut false);
        }
    }

    /// Carry out a recorded entry at its moment in a re-run; false if it could not be.
    fn replay_entry(&mut self, e: &Entry) -> bool {
        if matches!(e.command, Command::Step(_) | Command::Until(_)) {
            return true;
        }
        self.reach(e.at);
        self.apply(&e.command, &mut false).is_ok()
    }

    fn apply(&mut self, cmd: &Command, clamped: &mut bool) -> Result<Reply, CommandError> {
        match cmd {
            Command::Status { full } => Ok(Reply::Status { status: Box::new(self.status()), full: *full }),
            Command::Help(topic) => Ok(Reply::Help(help(topic.as_deref()))),
            Command::Quit => Ok(Reply::Quit),
            Command::Clear => Ok(Reply::Clear),
            Command::Note(text) => Ok(Reply::Done(vec![format!("{}: note: {text}", Clock(self.shown))])),
            Command::Debrief(file) => Ok(Reply::Debrief(file.clone())),
            Command::Step(_) => {
                let target = self.target_of(cmd).unwrap_or(self.shown);
                self.advance_reply(target, clamped)
            }
            Command::Until(until) => {
                let Some(target) = self.target_of(cmd) else {
                    debug_assert!(matches!(until, Until::NextRequest));
                    return Ok(self.next_request(clamped));
                };
                if target <= self.shown {
                    return Err(CommandError::at(
                        7,
                        format!("{} is not after the moment shown ({})", Clock(target), Clock(self.shown)),
                        Some("time only moves forward; branch from a log with --from LOG --at TIME".into()),
                    ));
                }
                self.advance_reply(target, clamped)
            }
            Command::Mode(players) => self.orders(vec![Order::PlayersDecide(*players)]),
            Command::TriggerNational => self.orders(vec![Order::TriggerNational]),
            Command::Hold { force, capability, held } => {
                let force = self.force(force)?;
                let capability = capability.as_ref().map(|c| self.capability(c)).transpose()?;
                self.orders(vec![Order::Hold { force, capability, held: *held }])
            }
            Command::Decide { requests, approve } => {
                let numbers = match requests {
                    Requests::One(n) => vec![*n],
                    Requests::All => {
                        let waiting: Vec<u32> = self
                            .sim
                            .status(self.shown, false)
                            .requests
                            .iter()
                            .filter(|r| r.awaits_players())
                            .map(|r| r.number)
                            .collect();
                        // A prepared script cannot know whether any will be waiting: not an error.
                        if waiting.is_empty() {
                            return Ok(Reply::Done(vec!["no request is awaiting a decision".into()]));
                        }
                        waiting
                    }
                };
                // An approval the policy has nothing to send for yet is said so, not silent.
                let empty: Vec<(u32, String)> = if *approve {
                    let open = self.sim.status(self.shown, true).requests;
                    numbers
                        .iter()
                        .filter_map(|n| open.iter().find(|r| r.number == *n && r.proposal.is_empty()))
                        .map(|r| (r.number, r.capability.clone()))
                        .collect()
                } else {
                    Vec::new()
                };
                let reply = self.orders(
                    numbers.into_iter().map(|number| Order::Decide { number, approve: *approve }).collect(),
                )?;
                Ok(match reply {
                    Reply::Done(mut lines) => {
                        lines.extend(empty.into_iter().map(|(n, cap)| {
                            format!(
                                "  R{n}: nothing is sent yet: every force that could send {cap} is at its \
                                 retained cover, held back or out of reach; the tier sends units as they \
                                 become free"
                            )
                        }));
                        Reply::Done(lines)
                    }
                    other => other,
                })
            }
            Command::Modify { number, sends } => self.modify(*number, sends),
            Command::Send { units, capability, from, to } => {
                let capability_id = self.capability(capability)?;
                let from = self.force(from)?;
                let incident = self.destination(to, capability_id)?;
                self.orders(vec![Order::Send { units: *units, capability: capability_id, from, incident }])
            }
            Command::Inject(inject) => {
                let orders = self.inject(inject)?;
                self.orders(orders)
            }
        }
    }

    fn finished_error(&self) -> CommandError {
        CommandError::at(
            1,
            format!("the scenario ended at {}", Clock(self.sim.model().scenario.horizon)),
            Some("write the debrief (debrief FILE.md) or quit".into()),
        )
    }

    fn orders(&mut self, orders: Vec<Order>) -> Result<Reply, CommandError> {
        if self.finished() {
            return Err(self.finished_error());
        }
        let at = self.sim.order_time(self.shown);
        let mut done = Vec::new();
        for order in orders {
            // Steps before the order's minute run here, checked like any other.
            while !self.sim.finished() && self.sim.now() < at {
                self.step();
            }
            let outcome = self.sim.order(at, order);
            self.check();
            match outcome {
                Ok(text) => done.push(format!("{}: {text}", Clock(self.sim.now()))),
                Err(e) if done.is_empty() => return Err(CommandError::at(1, e.to_string(), None)),
                Err(e) => done.push(format!("not done: {e}")),
            }
        }
        Ok(Reply::Done(done))
    }

    /// Run every step up to `target` (or the branch limit); the moment shown becomes `target`.
    fn advance(&mut self, target: Minutes, clamped: &mut bool) {
        let mut target = target.min(self.sim.model().scenario.horizon);
        self.stopped_for = None;
        if let Some(limit) = self.limit
            && target > limit
        {
            target = limit;
            *clamped = true;
        }
        while !self.sim.finished() && self.sim.now() <= target {
            let raised = self.sim.requests_raised();
            self.step();
            // People at a screen are stopped where a request starts waiting for them; the
            // advance is kept as the `until` that happened.
            if self.stop_at_decisions && self.sim.requests_raised() > raised {
                let at = self.sim.last_step().unwrap_or(self.shown);
                let awaiting = self
                    .sim
                    .status(at.max(self.shown), false)
                    .requests
                    .iter()
                    .find(|r| r.number > raised && r.awaits_players())
                    .map(|r| r.number);
                if awaiting.is_some() && at < target {
                    self.shown = at.max(self.shown);
                    self.stopped_for = awaiting;
                    *clamped = true;
                    return;
                }
            }
        }
        self.shown =
            if self.sim.finished() { self.sim.model().scenario.horizon } else { target.max(self.shown) };
    }

    /// Stop advances where a request starts waiting for the players (a person at a terminal or
    /// a screen; a script and a replay run as written).
    pub fn set_stop_at_decisions(&mut self, on: bool) {
        self.stop_at_decisions = on;
    }

    fn advance_reply(&mut self, target: Minutes, clamped: &mut bool) -> Result<Reply, CommandError> {
        if self.finished() {
            return Err(self.finished_error());
        }
        let (from, seen) = (self.shown, self.sim.events().len());
        self.advance(target, clamped);
        Ok(self.advanced(from, seen))
    }

    fn advanced(&mut self, from: Minutes, seen: usize) -> Reply {
        let events = self.sim.events()[seen..].to_vec();
        // Incidents that began in the stretch (and are still on at its end), to announce.
        let started = self
            .sim
            .status(self.shown, false)
            .incidents
            .into_iter()
            .filter(|i| i.start > from && i.start <= self.shown)
            .map(|i| (i.start, format!("{} ({}, {})", i.id, i.kind, i.host)))
            .collect();
        Reply::Advanced { from, to: self.shown, events, started, stopped_for: self.stopped_for.take() }
    }

    fn next_request(&mut self, clamped: &mut bool) -> Reply {
        let (from, seen, before) = (self.shown, self.sim.events().len(), self.sim.requests_raised());
        if !self.finished() {
            loop {
                if let Some(limit) = self.limit
                    && self.sim.now() > limit
                {
                    *clamped = true;
                    self.shown = limit;
                    break;
                }
                if !self.step() {
                    self.shown = self.sim.model().scenario.horizon;
                    break;
                }
                if self.sim.requests_raised() > before {
                    self.shown = self.sim.last_step().unwrap_or(self.shown);
                    break;
                }
            }
        }
        self.advanced(from, seen)
    }

    fn force(&self, w: &Word) -> Result<ForceId, CommandError> {
        let data = &self.sim.model().dataset;
        data.force_by_code(&w.text.to_lowercase()).ok_or_else(|| {
            CommandError::at(w.col, format!("unknown force '{}'", w.text), data.force_hint(&w.text))
        })
    }

    fn capability(&self, w: &Word) -> Result<CapabilityId, CommandError> {
        let data = &self.sim.model().dataset;
        data.capability_by_id(&w.text.to_lowercase()).ok_or_else(|| {
            CommandError::at(
                w.col,
                format!("unknown capability '{}'", w.text),
                suggest(&w.text, data.capabilities.iter().map(|c| c.id.as_str())),
            )
        })
    }

    /// An incident by id, or a force's neediest active incident for `cap`.
    /// The players fill request `number` themselves: the tier's fill is refused (unless it
    /// already was) and each named force sends its units to the request's incident. Every name
    /// is checked before anything changes.
    fn modify(&mut self, number: u32, sends: &[(Word, u32)]) -> Result<Reply, CommandError> {
        let Some(request) =
            self.sim.status(self.shown, false).requests.into_iter().find(|r| r.number == number)
        else {
            // The engine says which requests are open.
            return self.orders(vec![Order::Decide { number, approve: false }]);
        };
        // The request names one of the run's capabilities and incidents.
        let capability = self.capability(&Word { text: request.capability.clone(), col: 1 })?;
        let incident = self.destination(&Word { text: request.incident.clone(), col: 1 }, capability)?;
        let mut orders = Vec::new();
        if request.decision != "refused" {
            orders.push(Order::Decide { number, approve: false });
        }
        for (force, units) in sends {
            let from = self.force(force)?;
            orders.push(Order::Send { units: *units, capability, from, incident });
        }
        self.orders(orders)
    }

    fn destination(&mut self, w: &Word, cap: CapabilityId) -> Result<usize, CommandError> {
        let status = self.sim.status(self.shown, false);
        let cap_id = self.sim.model().dataset.capability(cap).id.clone();
        let ids: Vec<String> = self.sim.incident_ids();
        if let Some(i) = ids.iter().position(|id| *id == w.text) {
            return Ok(i);
        }
        if let Ok(force) = self.force(w) {
            let code = &self.sim.model().dataset.force(force).code;
            let neediest = status
                .incidents
                .iter()
                .filter(|inc| inc.host == *code)
                .filter_map(|inc| {
                    let c = inc.capabilities.iter().find(|c| c.capability == cap_id)?;
                    let wanted = c.demand.saturating_sub(c.on_task + c.en_route);
                    (wanted > 0).then_some((wanted, &inc.id))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)));
            return match neediest {
                Some((_, id)) => Ok(ids.iter().position(|x| x == id).unwrap_or(0)),
                None => Err(CommandError::at(
                    w.col,
                    format!("no incident in {code} needs more {cap_id} units"),
                    Some("name the incident; `status` lists them".into()),
                )),
            };
        }
        let active: Vec<&str> = status.incidents.iter().map(|i| i.id.as_str()).collect();
        Err(CommandError::at(
            w.col,
            format!("no incident or force called '{}'", w.text),
            suggest(&w.text, active.iter().copied()),
        ))
    }

    fn inject(&mut self, inject: &Inject) -> Result<Vec<Order>, CommandError> {
        let model = Arc::clone(self.sim.model());
        let data = &model.dataset;
        let at = self.sim.order_time(self.shown);
        let horizon = model.scenario.horizon;
        if at > horizon || self.finished() {
            return Err(self.finished_error());
        }
        let until = |d: Minutes| at.saturating_add(d).min(horizon);
        Ok(match inject {
            Inject::Incident { id, kind, host, demand, duration, priority } => {
                let kind_value = IncidentKind::parse(&kind.text.to_lowercase()).ok_or_else(|| {
                    CommandError::at(
                        kind.col,
                        format!("unknown incident kind '{}'", kind.text),
                        suggest(&kind.text, IncidentKind::NAMES),
                    )
                })?;
                if id.text.contains(['#', '"']) {
                    return Err(CommandError::at(id.col, "an incident id cannot contain '#' or '\"'", None));
                }
                let host = self.force(host)?;
                let mut curves: Vec<DemandCurve> = Vec::new();
                for (cap, units) in demand {
                    let capability = self.capability(cap)?;
                    if curves.iter().any(|c| c.capability == capability) {
                        return Err(CommandError::at(
                            cap.col,
                            format!("{} is demanded twice", cap.text),
                            None,
                        ));
                    }
                    curves.push(DemandCurve { capability, steps: vec![(0, *units)] });
                }
                curves.sort_by_key(|c| c.capability);
                vec![Order::AddIncident(IncidentPlan {
                    id: id.text.clone(),
                    kind: kind_value,
                    host,
                    start: at,
                    end: until(*duration),
                    priority: priority.unwrap_or(kind_value.default_priority()),
                    demand: curves,
                    dynamics: None,
                    booked: false,
                    uncertain: false,
                })]
            }
            Inject::Link { a, b, factor, duration } => {
                let (fa, fb) = (self.force(a)?, self.force(b)?);
                let (lo, hi) = (fa.min(fb), fa.max(fb));
                if !data.borders.iter().any(|x| x.a == lo && x.b == hi) {
                    let neighbours: Vec<&str> = data
                        .borders
                        .iter()
                        .filter_map(|x| (x.a == fa).then_some(x.b).or((x.b == fa).then_some(x.a)))
                        .map(|f| data.force(f).code.as_str())
                        .collect();
                    return Err(CommandError::at(
                        b.col,
                        format!("{} and {} share no border", data.force(fa).code, data.force(fb).code),
                        suggest(&b.text, neighbours),
                    ));
                }
                let kind = match factor {
                    Some(f) => DisruptionKind::LinkSlowed { a: lo, b: hi, factor: *f },
                    None => DisruptionKind::LinkClosed { a: lo, b: hi },
                };
                vec![Order::AddDisruptions(vec![Disruption { kind, start: at, end: until(*duration) }])]
            }
            Inject::Comms { target, factor, duration, delay } => {
                let forces: Vec<ForceId> = if target.text.eq_ignore_ascii_case("national") {
                    data.force_ids().collect()
                } else if let Ok(r) = data.regions.binary_search(&target.text) {
                    data.force_ids().filter(|&f| usize::from(data.force(f).region.0) == r).collect()
                } else {
                    let all = data
                        .forces
                        .iter()
                        .map(|f| f.code.as_str())
                        .chain(data.regions.iter().map(String::as_str));
                    let f = data.force_by_code(&target.text.to_lowercase()).ok_or_else(|| {
                        CommandError::at(
                            target.col,
                            format!("no force or region called '{}' (or say national)", target.text),
                            suggest(&target.text, all),
                        )
                    })?;
                    vec![f]
                };
                let disruptions = forces
                    .into_iter()
                    .map(|force| Disruption {
                        kind: match factor {
                            Some(f) => DisruptionKind::SlowComms { force, factor: *f },
                            None => DisruptionKind::CommsOutage { force, delay: *delay },
                        },
                        start: at,
                        end: until(*duration),
                    })
                    .collect();
                vec![Order::AddDisruptions(disruptions)]
            }
            Inject::ThreatLevel { level, duration } => {
                let name = level.text.to_lowercase();
                if !THREAT_LEVELS.contains(&name.as_str()) {
                    return Err(CommandError::at(
                        level.col,
                        format!("unknown threat level '{}'", level.text),
                        suggest(&level.text, THREAT_LEVELS),
                    ));
                }
                match duration {
                    Some(d) => {
                        let rise: ThreatLevelRise = model.scenario.threat_level;
                        let ids = self.sim.incident_ids();
                        let rises =
                            ids.iter().filter(|id| id.starts_with(ThreatLevelRise::ID_PREFIX)).count();
                        let suffix = if rises == 0 { String::new() } else { format!("~{}", ids.len()) };
                        let plans = rise.incidents(data, at, until(*d), &suffix);
                        if plans.is_empty() {
                            return Err(CommandError::at(
                                level.col,
                                "a threat-level rise needs firearms units and an armed uplift above 0",
                                None,
                            ));
                        }
                        plans.into_iter().map(Order::AddIncident).collect()
                    }
                    None => vec![Order::EndIncidents {
                        prefix: ThreatLevelRise::ID_PREFIX.into(),
                        why: format!("threat level lowered to {name}"),
                    }],
                }
            }
        })
    }
}

fn help(topic: Option<&str>) -> String {
    match topic.and_then(|t| command::VERBS.iter().find(|(v, _)| *v == t)) {
        Some((_, usage)) => format!("{usage}\n"),
        None => {
            let mut text =
                String::from("Commands (orders take effect at the next tick after the time shown):\n");
            for (_, usage) in command::VERBS {
                text.push_str(&format!("  {usage}\n"));
            }
            text
        }
    }
}

//! The console's shared state: the session behind a lock, a version number every screen
//! follows (bumped by each accepted command, sent to the screens as a server-sent event), and
//! the ticker of the last events.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use muster::model::IncidentKind;
use muster::present::room_map::RoomMap;
use muster::present::tabletop as view;
use muster::results::Status;
use muster::tabletop::command::{self, Command, Requests};
use muster::tabletop::exercise::{Exercise, Seat};
use muster::tabletop::timeline::{Action, Outcome, Timeline, TimelineEntry};
use muster::tabletop::{Reply, Session};
use serde::Serialize;
use tokio::sync::watch;

/// Called after every accepted command, before it is acknowledged (the log is written here);
/// an error stops the command's acknowledgement and is shown to whoever gave it.
pub type AfterEach = Box<dyn FnMut(&Session) -> Result<(), String> + Send>;

/// Lines of the ticker kept.
const TICKER: usize = 12;

/// A run rate in words: "1 h", "30 min", "1 day".
fn rate_words(rate: u32) -> String {
    match rate {
        r if r % 1440 == 0 => format!("{} day", r / 1440),
        r if r % 60 == 0 => format!("{} h", r / 60),
        r => format!("{r} min"),
    }
}

/// Add a line to the ticker, dropping the oldest beyond [`TICKER`].
fn push_ticker(ticker: &mut VecDeque<String>, line: &str) {
    if line.trim().is_empty() {
        return;
    }
    if ticker.len() == TICKER {
        ticker.pop_front();
    }
    ticker.push_back(line.trim().to_string());
}

/// What the screens show, as `/api/state` sends it.
#[derive(Serialize)]
pub struct Snapshot {
    /// Bumped by every accepted command.
    pub version: u64,
    /// The exercise's name.
    pub title: String,
    /// The moment shown, as D+hh:mm.
    pub clock: String,
    /// Whether the scenario has run to its end.
    pub finished: bool,
    /// Whether the session has been ended by the facilitator.
    pub ended: bool,
    /// The session's state.
    pub status: Status,
    /// The seats of the exercise (none without an exercise file).
    pub seats: Vec<Seat>,
    /// Which seat decides each open request (by request number), when one does.
    pub owners: BTreeMap<u32, String>,
    /// The scripted injects and where each stands.
    pub timeline: Vec<TimelineEntry>,
    /// The decision timer (minutes of the scenario), if the exercise sets one.
    pub decision_timer: Option<u32>,
    /// Disruptions in force, summarised (a national outage is one line).
    pub disruptions: Vec<String>,
    /// The last events, newest last.
    pub ticker: Vec<String>,
    /// The room map's overlay now: SVG elements for the base map's `map-overlay` group.
    pub map: String,
    /// The forces, capabilities and other names the forms offer.
    pub names: Names,
    /// When time runs by itself: simulated minutes per real minute (`None`: paused).
    pub running: Option<u32>,
}

/// The names a form may offer, fixed for a session.
#[derive(Serialize, Clone)]
pub struct Names {
    /// Forces: code, name and region.
    pub forces: Vec<ForceName>,
    /// Capability ids.
    pub capabilities: Vec<String>,
    /// Region names.
    pub regions: Vec<String>,
    /// Incident kinds.
    pub kinds: Vec<&'static str>,
    /// National threat levels, highest first.
    pub levels: Vec<&'static str>,
}

/// A force as a form offers it.
#[derive(Serialize, Clone)]
pub struct ForceName {
    /// Its code (what commands take).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its region.
    pub region: String,
}

/// Fastest run rate (simulated minutes per real minute): a day a minute.
pub const MAX_RATE: u32 = 1440;

/// How a run at `rate` simulated minutes per real minute moves: a step of this many minutes
/// every this many real milliseconds (about every 5 s, never less than a minute's step, so
/// the log gains a line per step, not per second).
pub fn pace(rate: u32) -> (u32, u64) {
    let rate = rate.clamp(1, MAX_RATE);
    let step = ((rate + 6) / 12).max(1);
    (step, u64::from(step) * 60_000 / u64::from(rate))
}

/// What a command gave back.
#[derive(Serialize)]
pub struct Answer {
    /// The version after it.
    pub version: u64,
    /// The reply, as the terminal would print it.
    pub text: String,
}

/// A command that was not carried out: nothing changed.
#[derive(Serialize)]
pub struct Refusal {
    /// The HTTP status to answer with (422: the command is wrong; 403: not this seat's; 404:
    /// no such seat).
    #[serde(skip)]
    pub status: u16,
    /// What is wrong.
    pub error: String,
    /// What to do instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Column of the problem in the command (1-based), if it is in the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub col: Option<usize>,
}

impl Refusal {
    /// Anything asked of a session that has ended.
    fn ended() -> Self {
        Refusal {
            status: 422,
            error: "the session has ended".into(),
            hint: Some("its outputs are written; start a new session".into()),
            col: None,
        }
    }
}

struct Inner {
    timeline: Timeline,
    /// Taken out when the server stops, to finish the session's outputs.
    session: Option<Session>,
    after_each: AfterEach,
    version: u64,
    ticker: VecDeque<String>,
    ended: bool,
    /// Simulated minutes per real minute while time runs by itself.
    running: Option<u32>,
}

/// The session and everything the screens follow.
pub struct Console {
    inner: Mutex<Inner>,
    /// The exercise's seats and timeline.
    exercise: Exercise,
    /// Each force's region, by code (which seat decides a request).
    regions: BTreeMap<String, String>,
    /// The current version, for the event stream.
    pub changes: watch::Sender<u64>,
    /// The exercise's name.
    pub title: String,
    /// The run rate, for the task that moves time (simulated minutes per real minute).
    pub rate: watch::Sender<Option<u32>>,
    map: RoomMap,
    /// The base map, drawn once.
    pub base_map: String,
    names: Names,
}

impl Console {
    /// A console over `session`.
    pub fn new(session: Session, after_each: AfterEach, title: String, exercise: Exercise) -> Self {
        let (changes, _) = watch::channel(0);
        let data = &session.base_model().dataset;
        let region_of =
            |f: &muster::model::Force| data.regions.get(usize::from(f.region.0)).cloned().unwrap_or_default();
        let regions = data.forces.iter().map(|f| (f.code.clone(), region_of(f))).collect();
        let names = Names {
            forces: data
                .forces
                .iter()
                .map(|f| ForceName { code: f.code.clone(), name: f.name.clone(), region: region_of(f) })
                .collect(),
            capabilities: data.capabilities.iter().map(|c| c.id.clone()).collect(),
            regions: data.regions.clone(),
            kinds: IncidentKind::NAMES.to_vec(),
            levels: command::THREAT_LEVELS.to_vec(),
        };
        let map = RoomMap::new(data);
        let base_map = map.base();
        // People in the room are stopped where a request starts waiting for them.
        let mut session = session;
        session.set_stop_at_decisions(true);
        let inner = Inner {
            timeline: Timeline::resumed(&exercise.injects, session.entries())
                .with_timer(exercise.decision_timer),
            session: Some(session),
            after_each,
            version: 0,
            ticker: VecDeque::new(),
            ended: false,
            running: None,
        };
        let (rate, _) = watch::channel(None);
        Console { inner: Mutex::new(inner), exercise, regions, changes, title, rate, map, base_map, names }
    }

    /// The seat called `id`.
    pub fn seat(&self, id: &str) -> Option<&Seat> {
        self.exercise.seats.iter().find(|s| s.id == id)
    }

    /// The seat that decides a request of `tier` hosted by `host`.
    fn owner(&self, tier: u8, host: &str) -> Option<&Seat> {
        let region = self.regions.get(host).map_or("", String::as_str);
        self.exercise.seats.iter().find(|s| s.decides(tier, host, region))
    }

    /// Whether `seat` may give `line`: its own requests' decisions, and the national trigger
    /// if it holds it; time, injects and everything else are the facilitator's.
    fn permitted(&self, seat: &Seat, line: &str, status: &Status) -> Result<(), Refusal> {
        let forbidden =
            |error: String, hint: &str| Refusal { status: 403, error, hint: Some(hint.into()), col: None };
        let own_request = |n: u32| {
            let Some(r) = status.requests.iter().find(|r| r.number == n) else {
                // The session explains a request that is not open.
                return Ok(());
            };
            match self.owner(r.tier, &r.host) {
                Some(o) if o.id == seat.id => Ok(()),
                Some(o) => Err(forbidden(
                    format!("R{n} is decided by the seat {}", o.name),
                    "decide the requests shown on your screen",
                )),
                None => Err(forbidden(
                    format!("no seat decides R{n}: the facilitator does"),
                    "ask the facilitator",
                )),
            }
        };
        // A force the seat does not command; names the session cannot resolve are left to it.
        let foreign = |force: &str| {
            let force = force.to_lowercase();
            let region = self.regions.get(&force)?;
            (!seat.commands(&force, region)).then(|| {
                forbidden(
                    format!("{} does not command {force}", seat.name),
                    "send and hold the forces listed on your screen; ask their seat or the facilitator",
                )
            })
        };
        match command::parse(line) {
            Ok(Some(Command::Decide { requests: Requests::One(n), .. })) => own_request(n),
            Ok(Some(Command::Modify { number, sends })) => {
                own_request(number)?;
                sends.iter().find_map(|(force, _)| foreign(&force.text)).map_or(Ok(()), Err)
            }
            Ok(Some(Command::Send { from, .. })) => foreign(&from.text).map_or(Ok(()), Err),
            Ok(Some(Command::Hold { force, .. })) => foreign(&force.text).map_or(Ok(()), Err),
            Ok(Some(Command::Decide { requests: Requests::All, .. })) => Err(forbidden(
                format!("{} decides its requests one at a time", seat.name),
                "approve or refuse each request by its number",
            )),
            Ok(Some(Command::TriggerNational)) if seat.trigger => Ok(()),
            Ok(Some(Command::TriggerNational)) => Err(forbidden(
                format!("{} does not hold the national trigger", seat.name),
                "ask the seat that does, or the facilitator",
            )),
            Ok(Some(_)) => Err(forbidden(
                format!(
                    "{} decides requests and commands its forces; time, injects and the rest are the facilitator's",
                    seat.name
                ),
                "approve, modify or refuse its requests; send or hold its forces",
            )),
            Ok(None) | Err(_) => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the session as the last command left it.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the screens show now (`None` once the server has taken the session back).
    pub fn snapshot(&self) -> Option<Snapshot> {
        let mut inner = self.lock();
        let session = inner.session.as_mut()?;
        let status = session.status();
        let finished = session.finished();
        let active = session.disruptions_in_force();
        let map =
            self.map.overlay(&session.base_model().dataset, &status, &active.iter().collect::<Vec<_>>());
        let owners = status
            .requests
            .iter()
            .filter_map(|r| Some((r.number, self.owner(r.tier, &r.host)?.id.clone())))
            .collect();
        Some(Snapshot {
            seats: self.exercise.seats.clone(),
            owners,
            timeline: inner.timeline.entries().to_vec(),
            decision_timer: inner.timeline.timer(),
            disruptions: view::disruptions(&status.disruptions),
            version: inner.version,
            title: self.title.clone(),
            clock: muster::time::Clock(status.now).to_string(),
            finished,
            ended: inner.ended,
            status,
            ticker: inner.ticker.iter().cloned().collect(),
            map,
            names: self.names.clone(),
            running: inner.running,
        })
    }

    /// Carry out one command line, as the terminal would. Commands are applied one at a time,
    /// in the order the lock is taken; a refused command changes nothing.
    /// A seat's command is kept in the log with the seat and its rationale (a `#` comment).
    pub fn execute(
        &self,
        line: &str,
        seat: Option<&str>,
        rationale: Option<&str>,
    ) -> Result<Answer, Refusal> {
        let seat = match seat {
            Some(id) => Some(self.seat(id).ok_or_else(|| Refusal {
                status: 404,
                error: format!("there is no seat '{id}'"),
                hint: Some("the seats are in the exercise file (--exercise)".into()),
                col: None,
            })?),
            None => None,
        };
        let mut guard = self.lock();
        let inner = &mut *guard;
        let Some(session) = inner.session.as_mut().filter(|_| !inner.ended) else {
            return Err(Refusal::ended());
        };
        if line.trim_start().starts_with("debrief") && line.split_whitespace().nth(1).is_some() {
            return Err(Refusal {
                status: 422,
                error: "the console does not write files for a command".into(),
                hint: Some("type debrief alone to read it here, or pass --debrief FILE at the start".into()),
                col: line.find(char::is_whitespace).map(|c| c + 2),
            });
        }
        if let Some(seat) = seat {
            self.permitted(seat, line, &session.status())?;
        }
        let entries_before = session.entries().len();
        // The facilitator's time commands release the timeline's injects as they pass them.
        let done = match seat {
            Some(_) => {
                session.execute(line).map(|reply| Outcome { replies: vec![reply], ..Outcome::default() })
            }
            None => inner.timeline.execute(session, line),
        };
        if let Ok(outcome) = &done
            && session.entries().len() == entries_before + 1
        {
            let note = match (seat, rationale.map(str::trim).filter(|r| !r.is_empty())) {
                (Some(s), Some(r)) => Some(format!("seat {}: {r}", s.id)),
                (Some(s), None) => Some(format!("seat {}", s.id)),
                (None, Some(r)) if outcome.released.is_empty() => Some(format!("facilitator: {r}")),
                _ => None,
            };
            if let Some(note) = note {
                session.annotate_last(&note);
            }
        }
        self.conclude(inner, entries_before, done)
    }

    /// Apply the facilitator's `action` to timeline entry `index` (0-based).
    pub fn timeline(&self, index: usize, action: Action) -> Result<Answer, Refusal> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let Some(session) = inner.session.as_mut().filter(|_| !inner.ended) else {
            return Err(Refusal::ended());
        };
        let entries_before = session.entries().len();
        let done = inner.timeline.act(session, index, action);
        self.conclude(inner, entries_before, done)
    }

    /// Show what a command did, log what it changed (even when it failed part way: a time
    /// command may have moved and released injects before a later step was refused), and tell
    /// the screens.
    fn conclude(
        &self,
        inner: &mut Inner,
        entries_before: usize,
        done: Result<Outcome, muster::tabletop::CommandError>,
    ) -> Result<Answer, Refusal> {
        let Some(session) = inner.session.as_mut() else { return Err(Refusal::ended()) };
        let changed = session.entries().len() != entries_before;
        let mut text = String::new();
        if let Ok(outcome) = &done {
            for reply in &outcome.replies {
                let (part, ticker) = match reply {
                    Reply::Nothing => (String::new(), false),
                    Reply::Status { status, full } => (view::status(status, *full), false),
                    Reply::Advanced { from, to, events, started, stopped_for } => {
                        (view::advance(*from, *to, events, started, *stopped_for), true)
                    }
                    Reply::Done(lines) => {
                        (lines.iter().map(|l| view::done_line(l) + "\n").collect::<String>(), false)
                    }
                    Reply::Help(help) => (help.clone(), false),
                    Reply::Clear => (String::new(), false),
                    Reply::Debrief(_) => {
                        (view::debrief(&muster::tabletop::debrief::build(session, &|_, _| {})), false)
                    }
                    Reply::Quit => {
                        inner.ended = true;
                        ("The session has ended; its outputs are being written.\n".into(), false)
                    }
                };
                if ticker {
                    // While time runs by itself the clock says where it is: the ticker keeps
                    // the events, not a "from → to" line every few seconds.
                    let skip = usize::from(inner.running.is_some());
                    part.lines().skip(skip).for_each(|l| push_ticker(&mut inner.ticker, l));
                }
                text.push_str(&part);
            }
            // The room is told of each timed-out request, and each scripted inject by its title.
            let timed_out = outcome.timed_out.iter().map(|(at, number)| {
                format!(
                    "{} R{number} left undecided: the policy's proposal approved",
                    muster::time::Clock(*at)
                )
            });
            let released = outcome
                .released
                .iter()
                .map(|(at, title)| format!("{} inject: {title}", muster::time::Clock(*at)));
            for line in timed_out.chain(released) {
                push_ticker(&mut inner.ticker, &line);
                text.push_str(&line);
                text.push('\n');
            }
        }
        if changed {
            // The log is written before the command is acknowledged.
            (inner.after_each)(session).map_err(|e| Refusal {
                status: 500,
                error: format!("the command was carried out but could not be logged: {e}"),
                hint: Some("free the log's disk or folder, then carry on; the log lacks this command".into()),
                col: None,
            })?;
        }
        let bumped = changed || done.is_ok();
        if bumped {
            inner.version += 1;
            self.changes.send_replace(inner.version);
        }
        match done {
            Ok(_) => Ok(Answer { version: inner.version, text }),
            Err(e) => Err(Refusal { status: 422, error: e.message, hint: e.hint, col: Some(e.col) }),
        }
    }

    /// Let time run by itself at `rate` simulated minutes per real minute, or pause (`None`).
    pub fn set_rate(&self, rate: Option<u32>) -> Result<Answer, Refusal> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let Some(session) = inner.session.as_ref().filter(|_| !inner.ended) else {
            return Err(Refusal::ended());
        };
        if rate.is_some() && session.finished() {
            return Err(Refusal {
                status: 422,
                error: "the scenario has reached its end".into(),
                hint: Some("read the debrief, or end the session".into()),
                col: None,
            });
        }
        let clock = muster::time::Clock(session.now());
        inner.running = rate;
        let text = match rate {
            Some(r) => {
                let (step, ms) = pace(r);
                format!(
                    "{clock} running: {} a minute ({step} min every {:.1} s)",
                    rate_words(r),
                    ms as f64 / 1000.0
                )
            }
            None => format!("{clock} paused"),
        };
        push_ticker(&mut inner.ticker, &text);
        inner.version += 1;
        self.changes.send_replace(inner.version);
        self.rate.send_replace(rate);
        Ok(Answer { version: inner.version, text: text + "\n" })
    }

    /// One step of a run at `rate`: time moves on by the pace's step (releasing the timeline's
    /// injects as it goes). The run pauses itself where a request starts waiting for a
    /// decision, at the end of the scenario, or when a step fails (its reason in the ticker).
    pub fn run_step(&self, rate: u32) {
        let line = format!("step {}m", pace(rate).0);
        let mut guard = self.lock();
        let inner = &mut *guard;
        if inner.running != Some(rate) {
            return; // paused (or the rate changed) while this step waited for the lock
        }
        let Some(session) = inner.session.as_mut().filter(|_| !inner.ended) else { return };
        let entries_before = session.entries().len();
        let done = inner.timeline.execute(session, &line);
        let waiting = match &done {
            Ok(outcome) => outcome.replies.iter().find_map(|r| match r {
                Reply::Advanced { stopped_for, .. } => *stopped_for,
                _ => None,
            }),
            Err(_) => None,
        };
        let finished = session.finished();
        let why = match (&done, waiting, finished) {
            (Err(e), _, _) => Some(format!("paused: {}", e.message)),
            (Ok(_), Some(n), _) => Some(format!("paused: R{n} waits for a decision")),
            (Ok(_), None, true) => Some("paused: the scenario has reached its end".to_string()),
            _ => None,
        };
        if let Some(why) = why {
            inner.running = None;
            self.rate.send_replace(None);
            let clock = muster::time::Clock(session.now());
            push_ticker(&mut inner.ticker, &format!("{clock} {why}"));
        }
        // A failure to log shows in the ticker too: the run has paused.
        if let Err(refusal) = self.conclude(inner, entries_before, done) {
            inner.running = None;
            self.rate.send_replace(None);
            push_ticker(&mut inner.ticker, &format!("paused: {}", refusal.error));
            inner.version += 1;
            self.changes.send_replace(inner.version);
        }
    }

    /// The debrief of the session so far against the automatic policy (re-runs the session
    /// once per decision): Markdown and HTML.
    pub fn debrief(&self) -> Option<(String, String)> {
        let inner = self.lock();
        let d = muster::tabletop::debrief::build(inner.session.as_ref()?, &|_, _| {});
        Some((view::debrief(&d), muster::present::debrief_page::page(&d)))
    }

    /// Whether the facilitator has ended the session.
    pub fn ended(&self) -> bool {
        self.lock().ended
    }

    /// Take the session back (once, when the server stops); later requests are refused.
    pub fn take_session(&self) -> Option<Session> {
        let mut inner = self.lock();
        inner.ended = true;
        inner.session.take()
    }
}

//! The tabletop's command language: one line, one command. Parsing checks the shape of a line
//! (verbs, numbers, durations, times); names of forces, capabilities and incidents are resolved
//! by the session, which knows them. Every error carries the column it refers to.

use crate::diagnostics::suggest;
use crate::time::{DAY, HOUR, Minutes, parse_duration};

/// A word of the line and the column (1-based, in characters) where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Column of its first character (1-based).
    pub col: usize,
}

/// A command that could not be understood or carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// Column the message refers to (1-based; 1 for the whole line).
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to put it right.
    pub hint: Option<String>,
}

impl CommandError {
    /// An error at `col`.
    pub fn at(col: usize, message: impl Into<String>, hint: Option<String>) -> Self {
        Self { col, message: message.into(), hint }
    }
}

/// When an advance stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Until {
    /// At this minute from the start.
    Minute(Minutes),
    /// The next time the clock shows this time of day (minutes after midnight).
    TimeOfDay(Minutes),
    /// At the step in which the next mutual-aid request is raised.
    NextRequest,
    /// At the horizon.
    End,
}

/// What a facilitator can inject.
#[derive(Debug, Clone, PartialEq)]
pub enum Inject {
    /// A new incident: id, kind, host, demand per capability (units), duration, priority.
    Incident {
        /// New incident id.
        id: Word,
        /// Kind name.
        kind: Word,
        /// Host force code.
        host: Word,
        /// (capability, units).
        demand: Vec<(Word, u32)>,
        /// How long it lasts (minutes).
        duration: Minutes,
        /// Allocation weight, if not the kind's default.
        priority: Option<u32>,
    },
    /// A border link closed (`factor` None) or slowed by `factor`.
    Link {
        /// One end.
        a: Word,
        /// The other end.
        b: Word,
        /// Slowing factor (≥ 1), or closed.
        factor: Option<f64>,
        /// How long (minutes).
        duration: Minutes,
    },
    /// Comms of a force, a region or the nation out (`factor` None) or slowed by `factor`.
    Comms {
        /// Force code, region name or "national".
        target: Word,
        /// Latency factor (≥ 1), or an outage.
        factor: Option<f64>,
        /// How long (minutes).
        duration: Minutes,
        /// For an outage: requests are held this long instead of until it ends (minutes).
        delay: Option<Minutes>,
    },
    /// The national threat level changes: "critical" raises it for `duration`; lower levels
    /// end a rise.
    ThreatLevel {
        /// The new level.
        level: Word,
        /// How long a rise to critical lasts (minutes).
        duration: Option<Minutes>,
    },
}

/// Which requests a decision names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requests {
    /// One request by number.
    One(u32),
    /// Every request awaiting a decision.
    All,
}

/// One line of a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show the status view (`full` lists every force).
    Status {
        /// Every force's cover, not only those lending or short.
        full: bool,
    },
    /// Move time on by a duration (minutes).
    Step(Minutes),
    /// Move time on until a moment.
    Until(Until),
    /// Change the world.
    Inject(Inject),
    /// Approve (`true`) or refuse requests.
    Decide {
        /// Which.
        requests: Requests,
        /// Approve or refuse.
        approve: bool,
    },
    /// Send units from a force to an incident (or to the neediest incident in a force).
    Send {
        /// Units.
        units: u32,
        /// Capability id.
        capability: Word,
        /// Donor force code.
        from: Word,
        /// Incident id or host force code.
        to: Word,
    },
    /// Decide a request the players' way: the tier does not fill it (as if refused) and
    /// these forces send these units to it instead.
    Modify {
        /// The request's number.
        number: u32,
        /// (donor force, units), in the order given.
        sends: Vec<(Word, u32)>,
    },
    /// Hold back (or release) a force's units from mutual aid.
    Hold {
        /// Force code.
        force: Word,
        /// One capability, or all.
        capability: Option<Word>,
        /// Hold or release.
        held: bool,
    },
    /// Trigger national mobilisation now.
    TriggerNational,
    /// Players decide new requests (`true`) or the policy does.
    Mode(bool),
    /// Write (or print) the after-action comparison with the automatic policy.
    Debrief(Option<String>),
    /// Show help (on one command).
    Help(Option<String>),
    /// Clear the screen.
    Clear,
    /// A note for the debrief at the moment shown (kept in the log; changes nothing).
    Note(String),
    /// End the session.
    Quit,
}

impl Command {
    /// Whether the command changes the run (and so belongs in the session log).
    pub fn changes_run(&self) -> bool {
        !matches!(
            self,
            Command::Status { .. } | Command::Debrief(_) | Command::Help(_) | Command::Clear | Command::Quit
        )
    }

    /// Whether it is a players' decision (left out of the automatic policy's run in the debrief).
    pub fn is_decision(&self) -> bool {
        matches!(
            self,
            Command::Decide { .. }
                | Command::Modify { .. }
                | Command::Send { .. }
                | Command::Hold { .. }
                | Command::TriggerNational
                | Command::Mode(_)
        )
    }
}

/// The national threat levels, highest first: "critical" raises demand for a while, the
/// others end a rise.
pub const THREAT_LEVELS: [&str; 5] = ["critical", "severe", "substantial", "moderate", "low"];

/// Every verb, for help and suggestions.
pub const VERBS: [(&str, &str); 16] = [
    ("status", "status [full] — incidents, requests, cover, units en route (alias: s)"),
    ("step", "step 30m — move time on (default 30m)"),
    ("until", "until 18:00 | until D2+06:00 | until 14h | until next-request | until end"),
    (
        "inject",
        "inject incident ID KIND FORCE CAP=N [CAP=N ...] for 6h [priority P]\n  \
         inject link-closed A B for 6h | inject link-slowed A B x2 for 6h\n  \
         inject comms-outage FORCE|REGION|national for 2h [delay 30m]\n  \
         inject slow-comms FORCE|REGION|national x3 for 4h\n  \
         inject threat-level critical for 5d | inject threat-level severe (ends a rise)",
    ),
    ("approve", "approve R3 | approve all — let the tier fill the request as the policy proposes"),
    ("refuse", "refuse R3 | refuse all — the tier does not act on it while it stays open"),
    (
        "modify",
        "modify R3 lancs=2 [cumbria=1 ...] — decide R3 your way: these forces send these units, \
         the tier sends nothing more for it",
    ),
    ("send", "send 3 public-order from FORCE to INCIDENT|FORCE — players' own dispatch"),
    ("hold", "hold FORCE [CAP] — keep a force's units out of mutual aid"),
    ("unhold", "unhold FORCE [CAP] — offer them again"),
    ("trigger", "trigger national — national mobilisation now"),
    ("mode", "mode players | mode auto — who decides new requests"),
    ("debrief", "debrief [FILE.md] — compare with the automatic policy from the same start"),
    ("note", "note TEXT — a note for the debrief, stamped with the moment shown (no # in it)"),
    ("clear", "clear — clear the terminal (the session is unchanged)"),
    ("quit", "quit — end the session (alias: exit); help [COMMAND] lists commands"),
];

fn words(line: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current: Option<Word> = None;
    for (col, ch) in line.chars().enumerate() {
        if ch.is_whitespace() {
            out.extend(current.take());
        } else {
            current.get_or_insert_with(|| Word { text: String::new(), col: col + 1 }).text.push(ch);
        }
    }
    out.extend(current);
    out
}

/// Reads the words of one line in order.
struct Reader {
    words: Vec<Word>,
    next: usize,
    end_col: usize,
}

impl Reader {
    fn peek(&self) -> Option<&Word> {
        self.words.get(self.next)
    }

    fn take(&mut self, what: &str, usage: &str) -> Result<Word, CommandError> {
        let w = self.words.get(self.next).cloned().ok_or_else(|| {
            CommandError::at(self.end_col, format!("missing {what}"), Some(format!("usage: {usage}")))
        })?;
        self.next += 1;
        Ok(w)
    }

    fn keyword(&mut self, keyword: &str, usage: &str) -> Result<(), CommandError> {
        let w = self.take(&format!("'{keyword}'"), usage)?;
        if w.text.eq_ignore_ascii_case(keyword) {
            Ok(())
        } else {
            Err(CommandError::at(
                w.col,
                format!("expected '{keyword}', found '{}'", w.text),
                Some(format!("usage: {usage}")),
            ))
        }
    }

    fn done(&self, usage: &str) -> Result<(), CommandError> {
        match self.peek() {
            None => Ok(()),
            Some(w) => Err(CommandError::at(
                w.col,
                format!("unexpected '{}' at the end of the command", w.text),
                Some(format!("usage: {usage}")),
            )),
        }
    }

    fn duration(&mut self, what: &str, usage: &str) -> Result<Minutes, CommandError> {
        let w = self.take(what, usage)?;
        duration(&w)
    }

    /// `for DURATION`.
    fn lasting(&mut self, usage: &str) -> Result<Minutes, CommandError> {
        self.keyword("for", usage)?;
        let col = self.peek().map_or(self.end_col, |w| w.col);
        let d = self.duration("a duration such as 6h", usage)?;
        if d == 0 {
            return Err(CommandError::at(col, "the duration must be longer than 0m", None));
        }
        Ok(d)
    }
}

fn duration(w: &Word) -> Result<Minutes, CommandError> {
    parse_duration(&w.text).map_err(|e| {
        CommandError::at(
            w.col,
            format!("'{}' is not a duration: {e}", w.text),
            Some("write e.g. 30m, 6h, 1d12h".into()),
        )
    })
}

fn count(w: &Word, what: &str) -> Result<u32, CommandError> {
    match w.text.parse::<u32>() {
        Ok(n) if n > 0 && n <= 100_000 => Ok(n),
        _ => Err(CommandError::at(
            w.col,
            format!("'{}' is not a number of {what}", w.text),
            Some("write a whole number from 1 to 100000".into()),
        )),
    }
}

/// A request named by its number, `R3` or `3`.
fn request(w: &Word) -> Result<u32, CommandError> {
    let digits = w.text.strip_prefix(['R', 'r']).unwrap_or(&w.text);
    digits.parse().map_err(|_| {
        CommandError::at(
            w.col,
            format!("'{}' is not a request", w.text),
            Some("name a request by its number as the status shows it, e.g. R3, or say all".into()),
        )
    })
}

/// The `NAME=N` words that follow, each name with its column and a checked count.
fn pairs(r: &mut Reader, what: &str) -> Result<Vec<(Word, u32)>, CommandError> {
    let mut out = Vec::new();
    while let Some(w) = r.peek().cloned() {
        let Some((name, n)) = w.text.split_once('=') else { break };
        r.next += 1;
        let n_word = Word { text: n.to_string(), col: w.col + name.chars().count() + 1 };
        out.push((Word { text: name.to_string(), col: w.col }, count(&n_word, what)?));
    }
    Ok(out)
}

fn factor(w: &Word) -> Result<f64, CommandError> {
    let text = w.text.strip_prefix(['x', 'X', '×']).unwrap_or(&w.text);
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && (1.0..=100.0).contains(&f) => Ok(f),
        _ => Err(CommandError::at(
            w.col,
            format!("'{}' is not a slowing factor", w.text),
            Some("write x2 for twice as long (from x1 to x100)".into()),
        )),
    }
}

/// A moment: `HH:MM` (the next time the clock shows it), `D2+06:00`, or a duration from the
/// start (`14h`).
pub fn moment(w: &Word) -> Result<Until, CommandError> {
    let text = w.text.as_str();
    let clock = |t: &str| -> Option<Minutes> {
        let (h, m) = t.split_once(':')?;
        let (h, m) = (h.parse::<Minutes>().ok()?, m.parse::<Minutes>().ok()?);
        (h < 24 && m < 60 && !t.starts_with('+')).then_some(h * HOUR + m)
    };
    let bad = || {
        CommandError::at(
            w.col,
            format!("'{text}' is not a time"),
            Some("write 18:00 (next time the clock shows it), D2+06:00 (day 2), 14h (from the start), next-request or end".into()),
        )
    };
    if let Some(rest) = text.strip_prefix(['D', 'd']) {
        let (day, tod) = rest.split_once('+').ok_or_else(bad)?;
        let day: Minutes = day.parse().map_err(|_| bad())?;
        let tod = clock(tod).ok_or_else(bad)?;
        return day.checked_mul(DAY).and_then(|d| d.checked_add(tod)).map(Until::Minute).ok_or_else(bad);
    }
    if text.contains(':') {
        return clock(text).map(Until::TimeOfDay).ok_or_else(bad);
    }
    parse_duration(text).map(Until::Minute).map_err(|_| bad())
}

/// Parse one line. Blank lines and `#` comments are `Ok(None)`.
pub fn parse(line: &str) -> Result<Option<Command>, CommandError> {
    let line = line.split('#').next().unwrap_or("");
    let words = words(line);
    let end_col = line.trim_end().chars().count() + 1;
    let Some(verb) = words.first().cloned() else { return Ok(None) };
    let mut r = Reader { words, next: 1, end_col };
    let lower = verb.text.to_lowercase();
    let usage = VERBS.iter().find(|(v, _)| *v == lower).map_or("", |(_, u)| *u);
    let command = match lower.as_str() {
        "status" | "s" => {
            let full = match r.peek() {
                Some(w) if w.text.eq_ignore_ascii_case("full") => {
                    r.next += 1;
                    true
                }
                _ => false,
            };
            Command::Status { full }
        }
        "step" => {
            if r.peek().is_some() {
                let col = r.peek().map_or(end_col, |w| w.col);
                let d = r.duration("a duration", usage)?;
                if d == 0 {
                    return Err(CommandError::at(col, "step by more than 0m", None));
                }
                Command::Step(d)
            } else {
                Command::Step(30)
            }
        }
        "until" => {
            let w = r.take("a time", usage)?;
            Command::Until(match w.text.to_lowercase().as_str() {
                "next-request" | "next" => Until::NextRequest,
                "end" => Until::End,
                _ => moment(&w)?,
            })
        }
        "inject" => Command::Inject(inject(&mut r)?),
        "approve" | "refuse" => {
            let w = r.take("a request such as R3 (or all)", usage)?;
            let requests =
                if w.text.eq_ignore_ascii_case("all") { Requests::All } else { Requests::One(request(&w)?) };
            Command::Decide { requests, approve: lower == "approve" }
        }
        "modify" => {
            let number = request(&r.take("a request such as R3", usage)?)?;
            let sends = pairs(&mut r, "units")?;
            if sends.is_empty() {
                let col = r.peek().map_or(r.end_col, |w| w.col);
                return Err(CommandError::at(
                    col,
                    "say which forces send how many units, e.g. lancs=2 cumbria=1",
                    Some(format!("usage: {usage}")),
                ));
            }
            Command::Modify { number, sends }
        }
        "send" => {
            let units = count(&r.take("a number of units", usage)?, "units")?;
            let capability = r.take("a capability", usage)?;
            r.keyword("from", usage)?;
            let from = r.take("the donor force", usage)?;
            r.keyword("to", usage)?;
            let to = r.take("an incident or force", usage)?;
            Command::Send { units, capability, from, to }
        }
        "hold" | "unhold" => {
            let force = r.take("a force", usage)?;
            let capability = r.peek().cloned();
            if capability.is_some() {
                r.next += 1;
            }
            Command::Hold { force, capability, held: lower == "hold" }
        }
        "trigger" => {
            r.keyword("national", usage)?;
            Command::TriggerNational
        }
        "mode" => {
            let w = r.take("players or auto", usage)?;
            match w.text.to_lowercase().as_str() {
                "players" => Command::Mode(true),
                "auto" | "policy" => Command::Mode(false),
                _ => {
                    return Err(CommandError::at(
                        w.col,
                        format!("unknown mode '{}'", w.text),
                        suggest(&w.text, ["players", "auto"]),
                    ));
                }
            }
        }
        "debrief" => {
            let file = r.peek().map(|w| w.text.clone());
            if file.is_some() {
                r.next += 1;
            }
            Command::Debrief(file)
        }
        "help" | "?" => {
            let topic = r.peek().map(|w| w.text.to_lowercase());
            if topic.is_some() {
                r.next += 1;
            }
            Command::Help(topic)
        }
        "quit" | "exit" | "q" => Command::Quit,
        "clear" | "cls" => Command::Clear,
        "note" => {
            let text = line.trim_start()[verb.text.len()..].trim();
            if text.is_empty() {
                return Err(CommandError::at(end_col, "a note needs its text", Some(usage.to_string())));
            }
            // The note is the rest of the line, whatever its words.
            r.next = r.words.len();
            Command::Note(text.to_string())
        }
        _ => {
            let names = VERBS.iter().map(|(v, _)| *v);
            return Err(CommandError::at(
                verb.col,
                format!("unknown command '{}'", verb.text),
                suggest(&verb.text, names).map(|h| format!("{h} (type help for every command)")),
            ));
        }
    };
    r.done(usage)?;
    Ok(Some(command))
}

fn inject(r: &mut Reader) -> Result<Inject, CommandError> {
    const KINDS: [&str; 6] =
        ["incident", "link-closed", "link-slowed", "comms-outage", "slow-comms", "threat-level"];
    let usage = VERBS[3].1;
    let what = r.take("what to inject", usage)?;
    Ok(match what.text.to_lowercase().as_str() {
        "incident" => {
            let usage = "inject incident ID KIND FORCE CAP=N [CAP=N ...] for 6h [priority P]";
            let id = r.take("an incident id", usage)?;
            let kind = r.take("a kind (disorder, terrorism, ...)", usage)?;
            let host = r.take("the host force", usage)?;
            let demand = pairs(r, "units")?;
            if demand.is_empty() {
                let col = r.peek().map_or(r.end_col, |w| w.col);
                return Err(CommandError::at(
                    col,
                    "say what the incident demands, e.g. public-order=10 firearms=2",
                    Some(format!("usage: {usage}")),
                ));
            }
            let duration = r.lasting(usage)?;
            let priority = match r.peek() {
                Some(w) if w.text.eq_ignore_ascii_case("priority") => {
                    r.next += 1;
                    Some(count(&r.take("a priority", usage)?, "priority")?)
                }
                _ => None,
            };
            Inject::Incident { id, kind, host, demand, duration, priority }
        }
        "link-closed" | "link-slowed" => {
            let slowed = what.text.eq_ignore_ascii_case("link-slowed");
            let a = r.take("a force", usage)?;
            let b = r.take("the neighbouring force", usage)?;
            let factor = if slowed { Some(factor(&r.take("a factor such as x2", usage)?)?) } else { None };
            Inject::Link { a, b, factor, duration: r.lasting(usage)? }
        }
        "comms-outage" | "slow-comms" => {
            let slowed = what.text.eq_ignore_ascii_case("slow-comms");
            let target = r.take("a force, region or national", usage)?;
            let factor = if slowed { Some(factor(&r.take("a factor such as x3", usage)?)?) } else { None };
            let duration = r.lasting(usage)?;
            let delay = match r.peek() {
                Some(w) if !slowed && w.text.eq_ignore_ascii_case("delay") => {
                    r.next += 1;
                    Some(r.duration("a delay", usage)?)
                }
                _ => None,
            };
            Inject::Comms { target, factor, duration, delay }
        }
        "threat-level" => {
            let level = r.take("a level (critical, severe, substantial, moderate, low)", usage)?;
            let duration =
                if level.text.eq_ignore_ascii_case("critical") { Some(r.lasting(usage)?) } else { None };
            Inject::ThreatLevel { level, duration }
        }
        _ => {
            return Err(CommandError::at(
                what.col,
                format!("cannot inject '{}'", what.text),
                suggest(&what.text, KINDS),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_commands_of_the_issue() {
        assert_eq!(parse("step 30m"), Ok(Some(Command::Step(30))));
        assert_eq!(parse("until 18:00"), Ok(Some(Command::Until(Until::TimeOfDay(18 * 60)))));
        assert_eq!(parse("until D2+06:00"), Ok(Some(Command::Until(Until::Minute(2 * DAY + 360)))));
        assert_eq!(parse("until next-request"), Ok(Some(Command::Until(Until::NextRequest))));
        assert_eq!(
            parse("approve R3"),
            Ok(Some(Command::Decide { requests: Requests::One(3), approve: true }))
        );
        assert_eq!(parse("  # a comment"), Ok(None));
        assert!(matches!(parse("send 3 public-order from a to b"), Ok(Some(Command::Send { units: 3, .. }))));
        let Ok(Some(Command::Modify { number: 3, sends })) = parse("modify R3 lancs=2 cumbria=1") else {
            panic!("modify did not parse")
        };
        assert_eq!(
            sends.iter().map(|(w, n)| (w.text.as_str(), w.col, *n)).collect::<Vec<_>>(),
            [("lancs", 11, 2), ("cumbria", 19, 1)]
        );
    }

    #[test]
    fn mistakes_get_a_column_and_a_suggestion() {
        let e = parse("stpe 30m").unwrap_err();
        assert_eq!(e.col, 1);
        assert!(e.hint.unwrap().contains("'step'"));
        let e = parse("step 30x").unwrap_err();
        assert_eq!(e.col, 6);
        let e = parse("until 25:00").unwrap_err();
        assert_eq!(e.col, 7);
        let e = parse("inject link-closd a b for 1h").unwrap_err();
        assert!(e.hint.unwrap().contains("link-closed"));
        let e = parse("send 3 public-order to b").unwrap_err();
        assert!(e.message.contains("'from'"), "{}", e.message);
        let e = parse("modify R3").unwrap_err();
        assert!(e.message.contains("which forces"), "{}", e.message);
        let e = parse("modify R3 lancs=0").unwrap_err();
        assert_eq!(e.col, 17);
        let e = parse("status please").unwrap_err();
        assert_eq!(e.col, 8);
    }
}

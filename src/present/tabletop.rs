//! Text for a tabletop session: the status view, what an advance brought, and the debrief
//! (Markdown, which also reads well on a terminal).

use std::fmt::Write;

use super::format::clock;
use crate::results::{Event, Status};
use crate::tabletop::debrief::Debrief;
use crate::time::{Duration, Minutes};

/// Columns a status line keeps within (a projector-sized terminal).
const STATUS_WIDTH: usize = 100;

/// Width of a cover column: its capability's name, and room for a cell such as "!10/12 +4".
fn cover_width(capability: &str) -> usize {
    capability.chars().count().max(9)
}

/// Lines a status keeps within unless `status full` is asked for (a projector-sized
/// terminal is 30 rows).
const STATUS_LINES: usize = 30;

/// One part of the status: its heading, its entries (most important first; an entry may
/// take several lines), what to say when there are none, and how to say some were left out.
struct Section {
    heading: String,
    entries: Vec<String>,
    empty: Option<&'static str>,
    /// What the entries are, for "… 12 more {what} (`status full`)".
    what: &'static str,
    shown: usize,
}

impl Section {
    fn new(heading: String, entries: Vec<String>, empty: Option<&'static str>, what: &'static str) -> Self {
        let shown = entries.len();
        Section { heading, entries, empty, what, shown }
    }

    fn lines(&self) -> usize {
        let body: usize = self.entries[..self.shown].iter().map(|e| e.lines().count()).sum();
        let extra =
            usize::from(self.shown < self.entries.len() || (self.entries.is_empty() && self.empty.is_some()));
        self.heading.lines().count() + body + extra
    }

    fn render(&self, out: &mut String) {
        if self.heading.is_empty() {
            return;
        }
        out.push_str(&self.heading);
        for e in &self.entries[..self.shown] {
            out.push_str(e);
        }
        if self.entries.is_empty()
            && let Some(empty) = self.empty
        {
            let _ = writeln!(out, "  ({empty})");
        }
        let hidden = self.entries.len() - self.shown;
        if hidden > 0 {
            let _ = writeln!(out, "  … {hidden} more {} (`status full` lists every one)", self.what);
        }
    }
}

/// An incident's lines, one per capability in demand, under a name of at most 34 columns
/// where the name allows.
fn incident_lines(name: &str, rows: &[(String, u32, u32, f64, u32, f64)]) -> String {
    let mut out = String::new();
    for (k, (capability, demand, on_task, effective, en_route, short)) in rows.iter().enumerate() {
        let name = if k == 0 { name } else { "" };
        let _ = writeln!(
            out,
            "  {name:<34} {capability:<13} {demand:>6} {on_task:>8} {effective:>10.1} {en_route:>9} {short:>6.1}"
        );
    }
    out
}

/// The incidents as status entries, most short first unless `full`. A national inject's
/// incidents (ids `KIND@force`, as many as [`SUMMARISE_FROM`] or more) are one entry with
/// their sums unless `full`.
fn incident_entries(s: &Status, full: bool) -> Vec<String> {
    type Rows = Vec<(String, u32, u32, f64, u32, f64)>;
    let rows = |inc: &crate::results::IncidentStatus| -> Rows {
        inc.capabilities
            .iter()
            .map(|c| (c.capability.clone(), c.demand, c.on_task, c.effective, c.en_route, c.shortfall))
            .collect()
    };
    let prefix = |id: &str| id.split_once('@').map(|(p, _)| p.to_string());
    let mut groups: Vec<(String, Vec<&crate::results::IncidentStatus>)> = Vec::new();
    for inc in &s.incidents {
        match prefix(&inc.id).filter(|_| !full) {
            Some(p) => match groups.iter_mut().find(|g| g.0 == p) {
                Some(g) => g.1.push(inc),
                None => groups.push((p, vec![inc])),
            },
            None => groups.push((inc.id.clone(), vec![inc])),
        }
    }
    let mut entries: Vec<(f64, String)> = Vec::new();
    for (key, members) in groups {
        if members.len() < SUMMARISE_FROM || full {
            for inc in members {
                let r = rows(inc);
                let short = r.iter().map(|x| x.5).sum();
                entries
                    .push((short, incident_lines(&format!("{} ({}, {})", inc.id, inc.kind, inc.host), &r)));
            }
            continue;
        }
        // Summed per capability, in the order the capabilities first appear.
        let mut summed: Rows = Vec::new();
        for inc in &members {
            for r in rows(inc) {
                match summed.iter_mut().find(|x| x.0 == r.0) {
                    Some(x) => {
                        x.1 += r.1;
                        x.2 += r.2;
                        x.3 += r.3;
                        x.4 += r.4;
                        x.5 += r.5;
                    }
                    None => summed.push(r),
                }
            }
        }
        let short_in = members.iter().filter(|i| i.capabilities.iter().any(|c| c.shortfall > 0.0)).count();
        let short = summed.iter().map(|x| x.5).sum();
        let name = format!("{key}: {} forces, {short_in} short", members.len());
        entries.push((short, incident_lines(&name, &summed)));
    }
    if !full {
        // Stable: equal shortfalls keep the order by id.
        entries.sort_by(|a, b| b.0.total_cmp(&a.0));
    }
    entries.into_iter().map(|(_, e)| e).collect()
}

fn request_entry(r: &crate::results::RequestStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  R{:<4} {} ({}) {} · tier {} · {} wanted · {}\n         raised {} · tier acts {}",
        r.number,
        r.incident,
        r.host,
        r.capability,
        r.tier,
        r.outstanding,
        r.decision,
        clock(r.raised_at),
        clock(r.acts_at)
    );
    if !r.proposal.is_empty() && r.decision != "policy" {
        let parts: Vec<String> = r
            .proposal
            .iter()
            .map(|p| format!("{} from {} (on task ~{})", p.units, p.from, clock(p.arrives_at)))
            .collect();
        // Wrapped to the width of a projector-sized terminal (100 columns).
        let mut line = String::from("         policy proposes:");
        for (k, p) in parts.iter().enumerate() {
            let piece = if k + 1 < parts.len() { format!(" {p},") } else { format!(" {p}") };
            if line.chars().count() + piece.chars().count() > STATUS_WIDTH {
                let _ = writeln!(out, "{line}");
                line = String::from("          ");
            }
            line.push_str(&piece);
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

fn movement_entry(m: &crate::results::Movement) -> String {
    let when =
        if m.first == m.last { clock(m.first) } else { format!("{}–{}", clock(m.first), clock(m.last)) };
    let verb = if m.state == "mobilising" { "set off" } else { "arrive" };
    format!("  {} {} → {}: {} {}, {verb} {when}\n", m.from, m.capability, m.incident, m.units, m.state)
}

fn cover_entry(f: &crate::results::ForceStatus) -> String {
    let mut out = format!("  {:<17}", f.code);
    for c in &f.cover {
        let mut cell = format!("{}/{}", c.at_home, c.retained);
        if c.lent > 0 {
            cell.push_str(&format!(" +{}", c.lent));
        }
        if c.at_home < c.retained {
            cell.insert(0, '!');
        }
        let _ = write!(out, " {cell:>w$}", w = cover_width(&c.capability));
    }
    out.push('\n');
    out
}

/// The status view, its lines within 100 columns wherever the names allow, and within 30 lines
/// unless `full`: a national inject's incidents are one line, the most short incidents and the
/// requests awaiting a decision come first, and the longest lists are cut, each saying how many
/// it left out.
pub fn status(s: &Status, full: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {} (ends {}) · {} decide requests · national mobilisation {} ==",
        clock(s.now),
        clock(s.horizon),
        if s.players_decide { "players" } else { "the policy" },
        s.national_trigger_at.map_or("not triggered".to_string(), |t| format!("triggered {}", clock(t)))
    );
    for d in disruptions(&s.disruptions) {
        let _ = writeln!(out, "In force: {d}");
    }
    let mut requests: Vec<_> = s.requests.iter().collect();
    if !full {
        requests.sort_by_key(|r| (!r.awaits_players(), r.number));
    }
    let cover: Vec<_> = s
        .forces
        .iter()
        .filter(|f| full || f.cover.iter().any(|c| c.lent > 0 || c.at_home < c.retained))
        .collect();
    let mut cover_heading = format!(
        "Cover: units at home / retained (+ lent){}\n",
        if full { "" } else { ", forces lending or below cover (`status full`: all)" }
    );
    if let Some(first) = s.forces.first().filter(|_| !cover.is_empty()) {
        let _ = write!(cover_heading, "  {:<17}", "force");
        for c in &first.cover {
            let _ = write!(cover_heading, " {:>w$}", c.capability, w = cover_width(&c.capability));
        }
        cover_heading.push('\n');
    }
    let mut sections = [
        Section::new(
            "Incidents                                         demand  on task  effective  en route  short\n"
                .into(),
            incident_entries(s, full),
            Some("none active"),
            "incidents",
        ),
        Section::new(
            "Mutual-aid requests\n".into(),
            requests.into_iter().map(request_entry).collect(),
            Some("none open"),
            "open requests",
        ),
        Section::new(
            if s.en_route.is_empty() { String::new() } else { "Units on the way\n".into() },
            s.en_route.iter().map(movement_entry).collect(),
            None,
            "groups of units on the way",
        ),
        Section::new(
            cover_heading,
            cover.into_iter().map(cover_entry).collect(),
            Some("no force is lending or below its retained cover"),
            "forces",
        ),
    ];
    if !full {
        let fixed = out.lines().count() + usize::from(!s.held.is_empty());
        // Cut one entry at a time from the longest list until the view fits.
        while fixed + sections.iter().map(Section::lines).sum::<usize>() > STATUS_LINES {
            let Some(longest) = sections.iter_mut().filter(|x| x.shown > 1).max_by_key(|x| x.lines()) else {
                break;
            };
            longest.shown -= 1;
        }
    }
    for section in &sections {
        section.render(&mut out);
    }
    if !s.held.is_empty() {
        let _ = writeln!(out, "Held back from mutual aid: {}", s.held.join(", "));
    }
    out
}

/// What a disruption of this kind is placed on: border links, or forces.
fn places(kind: &str) -> &'static str {
    if kind.starts_with("link") { "links" } else { "forces" }
}

/// Places a disruption must reach before its lines are summarised as one.
const SUMMARISE_FROM: usize = 4;

/// What happened during an advance: the incidents that began, then the notable events, one
/// line each. A disruption that begins (or ends) in many forces at once, as a national inject
/// does, is one line.
pub fn advance(
    from: Minutes,
    to: Minutes,
    events: &[Event],
    started: &[(Minutes, String)],
    stopped_for: Option<u32>,
) -> String {
    use crate::results::EventKind;
    let mut out = format!("{} → {} ({})\n", clock(from), clock(to), Duration(to - from));
    for (t, incident) in started {
        let _ = writeln!(out, "  {}  new incident: {incident}", clock(*t));
    }
    let mut arrivals = 0;
    let mut i = 0;
    while i < events.len() {
        let e = &events[i];
        // A run of disruptions of one kind beginning (or ending) at one minute.
        let disruption = |k: &EventKind| match k {
            EventKind::DisruptionStarted { disruption } => Some((true, disruption.clone())),
            EventKind::DisruptionEnded { disruption } => Some((false, disruption.clone())),
            _ => None,
        };
        if let Some((began, text)) = disruption(&e.kind) {
            let kind = text.split_whitespace().next().unwrap_or("").to_string();
            let run: Vec<String> = events[i..]
                .iter()
                .take_while(|x| {
                    x.t == e.t
                        && disruption(&x.kind)
                            .is_some_and(|(b, t)| b == began && t.split_whitespace().next() == Some(&kind))
                })
                .filter_map(|x| disruption(&x.kind).map(|(_, t)| t))
                .collect();
            if run.len() >= SUMMARISE_FROM {
                let verb = if began { "begins" } else { "ends" };
                let _ = writeln!(
                    out,
                    "  {}  disruption {verb}: {kind} in {} {}",
                    clock(e.t),
                    run.len(),
                    places(&kind)
                );
                i += run.len();
                continue;
            }
        }
        if let EventKind::RequestClosed { incident, capability, tier } = &e.kind
            && *tier >= 2
        {
            let _ = writeln!(
                out,
                "  {}  {incident} {capability} request (tier {tier}) closed: gap filled",
                clock(e.t)
            );
        } else if let Some(text) = super::report::describe_event(&e.kind) {
            let _ = writeln!(out, "  {}  {text}", clock(e.t));
        } else if matches!(e.kind, EventKind::Arrived { .. }) {
            arrivals += 1;
        }
        i += 1;
    }
    if arrivals > 0 {
        let _ = writeln!(out, "  ({arrivals} unit arrival(s) on task)");
    }
    if let Some(n) = stopped_for {
        let _ = writeln!(
            out,
            "Stopped at {}: R{n} waits for a decision (approve R{n} or refuse R{n}; give the time again to go on)",
            clock(to)
        );
    }
    out
}

/// Disruptions in force ("comms-outage gmp until D1+04:00"), one line per kind and end, the
/// places counted when there are many (a national outage is one line, not 48).
pub fn disruptions(list: &[String]) -> Vec<String> {
    group_places(list.iter().map(String::as_str)).into_iter().map(|g| g.line()).collect()
}

/// Disruptions of one kind with the same end ("until D0+02:01"), and their places.
struct PlaceGroup {
    kind: String,
    rest: String,
    places: Vec<String>,
}

impl PlaceGroup {
    /// "comms-outage in 48 forces until …", or the places named when there are few.
    fn line(&self) -> String {
        let (kind, rest) = (&self.kind, &self.rest);
        if self.places.len() >= SUMMARISE_FROM {
            format!("{kind} in {} {} {rest}", self.places.len(), places(kind))
        } else {
            format!("{kind} {} {rest}", self.places.join(", "))
        }
    }
}

/// "kind place rest…" descriptions grouped by kind and rest, in order of first appearance;
/// a description of fewer than two words is left out.
fn group_places<'a>(list: impl Iterator<Item = &'a str>) -> Vec<PlaceGroup> {
    let mut groups: Vec<PlaceGroup> = Vec::new();
    for d in list {
        let mut w = d.split_whitespace();
        let (Some(kind), Some(place)) = (w.next(), w.next()) else { continue };
        let rest = w.collect::<Vec<_>>().join(" ");
        match groups.iter_mut().find(|g| g.kind == kind && g.rest == rest) {
            Some(g) => g.places.push(place.to_string()),
            None => groups.push(PlaceGroup { kind: kind.to_string(), rest, places: vec![place.to_string()] }),
        }
    }
    groups
}

/// An order's reply, with a long list of one disruption in many places ("comms-outage
/// avon-somerset until D0+02:01; comms-outage bedfordshire until ...") said once.
pub fn done_line(line: &str) -> String {
    let parts: Vec<&str> = line.split("; ").collect();
    if parts.len() < SUMMARISE_FROM {
        return line.to_string();
    }
    // "D0+00:01: comms-outage avon-somerset until D0+02:01": the moment prefixes the first.
    let (prefix, first) = match parts[0].split_once(": ") {
        Some((p, rest)) => (format!("{p}: "), rest),
        None => (String::new(), parts[0]),
    };
    match group_places(std::iter::once(first).chain(parts[1..].iter().copied())).as_slice() {
        [one] if one.places.len() == parts.len() => format!("{prefix}{}", one.line()),
        _ => line.to_string(),
    }
}

/// A figure with its sign and `decimals` decimals ("+12.5", "-3", "0").
/// Who took a decision: the seat named in its log comment (`# seat ID: reason`), the decision
/// timer, or else the facilitator.
pub fn decided_by(command: &str) -> &str {
    let Some((_, comment)) = command.split_once('#') else { return "facilitator" };
    let comment = comment.trim();
    if let Some(seat) = comment.strip_prefix("seat ") {
        return seat.split(':').next().unwrap_or(seat).trim();
    }
    if comment.starts_with("timer") { "decision timer" } else { "facilitator" }
}

/// The decisions' worth added up by who took them, in order of first decision.
fn by_seat(out: &mut String, d: &Debrief) {
    let mut seats: Vec<(&str, usize, f64)> = Vec::new();
    for e in &d.decisions {
        let who = decided_by(&e.command);
        match seats.iter_mut().find(|s| s.0 == who) {
            Some(s) => {
                s.1 += 1;
                s.2 += e.unmet_saved;
            }
            None => seats.push((who, 1, e.unmet_saved)),
        }
    }
    out.push_str("\n### By seat\n\n| decided by | decisions | unmet saved (unit-hours) |\n|---|---:|---:|\n");
    for (who, n, saved) in seats {
        let _ = writeln!(out, "| {who} | {n} | {} |", signed(saved, 1));
    }
}

pub(super) fn signed(v: f64, decimals: usize) -> String {
    let text = format!("{:+.*}", decimals, v);
    if text.trim_start_matches(['+', '-']).chars().all(|c| c == '0' || c == '.') {
        format!("{:.*}", decimals, 0.0)
    } else {
        text
    }
}

fn minutes(v: Option<Minutes>) -> String {
    v.map_or("—".into(), |m| Duration(m).to_string())
}

/// The debrief as Markdown.
pub fn debrief(d: &Debrief) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Debrief: {}\n", d.scenario);
    let _ = writeln!(
        out,
        "The session against the automatic policy on the same seed ({}) from the same start, with \
         the same injects at the same moments, from {} to {}.\n",
        d.seed,
        clock(0),
        clock(d.until)
    );
    out.push_str("## Outcome\n\n| measure | unit | players | policy | |\n|---|---|---:|---:|---|\n");
    for c in &d.headline {
        let verdict = match (c.players_better, c.differs) {
            (Some(true), _) => "players better",
            (Some(false), _) => "policy better",
            (None, true) => "differs",
            (None, false) => "same",
        };
        // Times are minutes from the start: show them on the clock.
        // Each unit at the precision its source can carry: a share as a percentage to one
        // decimal, unit-hours and force-hours to one decimal, units and minutes whole.
        let show = |v: Option<f64>| match (c.unit.as_str(), v) {
            ("time", Some(m)) => clock(m as Minutes),
            ("time", None) => "never".to_string(),
            (_, None) => "—".to_string(),
            ("share", Some(v)) => format!("{:.1}%", v * 100.0),
            ("units" | "minutes", Some(v)) => format!("{v:.0}"),
            (_, Some(v)) => format!("{v:.1}"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {verdict} |",
            c.measure,
            c.unit,
            show(c.session),
            show(c.policy)
        );
    }
    out.push_str("\n## Decisions\n\n");
    if d.decisions.is_empty() {
        out.push_str("The players took no decision: the session is the policy's run.\n");
    } else {
        out.push_str(
            "Each decision is priced against what the automatic policy would have done in its place, \
             that alone changed: a refusal against approving the request at the same moment, an \
             approval against the policy having had the request since it was raised, a `send`, \
             `hold` or `trigger` against the session without it. `approve all`, `refuse all` and \
             `mode auto` have one line per request they decided.\n\n\
             **Unmet saved** is unit-hours of unmet demand (units short × hours) the decision \
             saved: positive helped, negative cost. **Aid arrival** is the change in the mean time \
             from a regional or national request to its units arriving, in minutes: negative is \
             sooner.\n\n\
             | at | decision | request | compared with | unmet saved (unit-hours) | aid arrival (min) |\n\
             |---|---|---|---|---:|---:|\n",
        );
        for e in &d.decisions {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} |",
                clock(e.at),
                e.command,
                e.request.as_deref().unwrap_or("—"),
                e.against,
                signed(e.unmet_saved, 1),
                e.arrival_change.map_or("—".into(), |m| signed(m, 0)),
            );
        }
        let later: u32 = d.decisions.iter().map(|e| e.later_not_applied).sum();
        if later > 0 {
            let _ = writeln!(
                out,
                "\nIn the comparisons, {later} later decision(s) could no longer be carried out (the \
                 request they named was not raised, or already decided)."
            );
        }
        by_seat(&mut out, d);
        out.push_str("\n### The decisions that mattered most\n\n");
        if d.most_mattered.is_empty() {
            out.push_str("No decision changed unmet demand.\n");
        }
        for (rank, &k) in d.most_mattered.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", rank + 1, d.decisions[k].narrative);
        }
    }
    out.push_str("\n## Where the outcomes differ\n\n");
    if d.incidents.is_empty() {
        out.push_str("Every incident fared the same.\n");
    } else {
        out.push_str(
            "| incident | capability | unmet unit-hours (players) | unmet unit-hours (policy) | first unit (players / policy) | full cover (players / policy) |\n\
             |---|---|---:|---:|---|---|\n",
        );
        for r in &d.incidents {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {:.1} | {} / {} | {} / {} |",
                r.incident,
                r.capability,
                r.session_unmet,
                r.policy_unmet,
                minutes(r.session_first_cover),
                minutes(r.policy_first_cover),
                minutes(r.session_full_cover),
                minutes(r.policy_full_cover)
            );
        }
    }
    if !d.injects.is_empty() {
        out.push_str("\n## Injects (in both runs)\n\n");
        for (at, line) in &d.injects {
            let _ = writeln!(out, "- {}: `{line}`", clock(*at));
        }
    }
    if !d.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for (at, text) in &d.notes {
            let _ = writeln!(out, "- {}: {text}", clock(*at));
        }
    }
    out
}

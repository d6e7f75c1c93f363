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

/// The status view, its lines within 100 columns wherever the names allow.
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
    out.push_str(
        "Incidents                                         demand  on task  effective  en route  short\n",
    );
    if s.incidents.is_empty() {
        out.push_str("  (none active)\n");
    }
    for inc in &s.incidents {
        for (k, c) in inc.capabilities.iter().enumerate() {
            let name =
                if k == 0 { format!("{} ({}, {})", inc.id, inc.kind, inc.host) } else { String::new() };
            let _ = writeln!(
                out,
                "  {name:<34} {:<13} {:>6} {:>8} {:>10.1} {:>9} {:>6.1}",
                c.capability, c.demand, c.on_task, c.effective, c.en_route, c.shortfall
            );
        }
    }
    out.push_str("Mutual-aid requests\n");
    if s.requests.is_empty() {
        out.push_str("  (none open)\n");
    }
    for r in &s.requests {
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
    }
    if !s.en_route.is_empty() {
        out.push_str("Units on the way\n");
        for m in &s.en_route {
            let when = if m.first == m.last {
                clock(m.first)
            } else {
                format!("{}–{}", clock(m.first), clock(m.last))
            };
            let verb = if m.state == "mobilising" { "set off" } else { "arrive" };
            let _ = writeln!(
                out,
                "  {} {} → {}: {} {}, {verb} {when}",
                m.from, m.capability, m.incident, m.units, m.state
            );
        }
    }
    let shown: Vec<_> = s
        .forces
        .iter()
        .filter(|f| full || f.cover.iter().any(|c| c.lent > 0 || c.at_home < c.retained))
        .collect();
    let _ = writeln!(
        out,
        "Cover: units at home / retained (+ lent){}",
        if full { "" } else { ", forces lending or below cover (`status full`: all)" }
    );
    if let Some(first) = s.forces.first().filter(|_| !shown.is_empty()) {
        let _ = write!(out, "  {:<17}", "force");
        for c in &first.cover {
            let _ = write!(out, " {:>w$}", c.capability, w = cover_width(&c.capability));
        }
        out.push('\n');
    }
    if shown.is_empty() {
        out.push_str("  (no force is lending or below its retained cover)\n");
    }
    for f in shown {
        let _ = write!(out, "  {:<17}", f.code);
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
fn signed(v: f64, decimals: usize) -> String {
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

/// The debrief as a page of its own (the Markdown rendered, with a stylesheet inside it, so the
/// file can be sent on as it is).
pub fn debrief_html(d: &Debrief) -> String {
    let markdown = debrief(d);
    let parser = pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Debrief: {}</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:60em;margin:1.5em auto;padding:0 1em}}\
         table{{border-collapse:collapse;display:block;overflow-x:auto;margin:1em 0}}th,td{{border-bottom:1px solid #d0d7de;padding:0.25em 0.6em;text-align:left}}\
         code{{font:0.9em ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 0.2em}}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        super::format::escape(&d.scenario)
    )
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

//! The debrief as a page of its own: the Markdown debrief rendered, with two kinds of chart
//! after its outcome table — each capability's national shortfall over time in the session
//! and in the policy's run, and what each decision was worth — and a stylesheet inside it, so
//! the file can be sent on as it is.

use std::fmt::Write;

use super::format::{clock, escape};
use super::html::chart;
use super::page::{html_of, standalone};
use super::report::{Chart, Curve};
use super::tabletop::{debrief, decided_by, signed};
use crate::tabletop::debrief::Debrief;

/// Decisions drawn in the worth chart at most (those that mattered most); the table has all.
const WORTH_BARS: usize = 20;

/// The debrief page (HTML).
pub fn page(d: &Debrief) -> String {
    let markdown = debrief(d);
    // The charts go after the outcome, before the decisions.
    let (outcome, rest) = match markdown.find("\n## Decisions\n") {
        Some(at) => markdown.split_at(at),
        None => (markdown.as_str(), ""),
    };
    let mut body = html_of(outcome);
    charts(&mut body, d);
    body.push_str(&html_of(rest));
    standalone(
        &format!("Debrief: {}", d.scenario),
        "body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:60em;margin:1.5em auto;padding:0 1em}\
         table{border-collapse:collapse;display:block;overflow-x:auto;margin:1em 0}th,td{border-bottom:1px solid #d0d7de;padding:0.25em 0.6em;text-align:left}\
         td.num{text-align:right;font-variant-numeric:tabular-nums}\
         code{font:0.9em ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 0.2em}\
         figure{margin:1em 0}figcaption{font-weight:600}svg{max-width:100%;height:auto;display:block;background:#fff;border:1px solid #d0d7de}\
         .legend>span{display:inline-block;margin-right:1.2em}.legend svg{display:inline;border:0;vertical-align:middle}.sub{color:#57606a}",
        &body,
    )
}

fn charts(h: &mut String, d: &Debrief) {
    h.push_str("<h2>Shortfall over time</h2>\n");
    if d.shortfall.is_empty() {
        let _ = writeln!(
            h,
            "<p>No sample (every {}) up to {} finds either run short of any capability; the outcome \
             table above counts every minute.</p>",
            crate::time::Duration(d.sample_every),
            clock(d.until)
        );
    }
    for s in &d.shortfall {
        let curve =
            |label: &str, values: &[f64]| Curve { label: label.into(), values: values.to_vec(), band: None };
        chart(
            h,
            &Chart {
                capability: s.capability.clone(),
                caption: "units short nationally, the players' session against the automatic policy".into(),
                title: "units short against time from the start, the players' session and the policy's run; \
                        the data table follows"
                    .into(),
                times: s.times.clone(),
                curves: vec![curve("players' shortfall", &s.players), curve("policy's shortfall", &s.policy)],
                marks: Vec::new(),
                band_note: None,
            },
        );
    }
    worth(h, d);
}

/// Each decision's unmet unit-hours saved (right, green) or added (left, red), largest first.
fn worth(h: &mut String, d: &Debrief) {
    let mut shown: Vec<_> = d.decisions.iter().filter(|e| e.unmet_saved != 0.0).collect();
    if shown.is_empty() {
        if !d.decisions.is_empty() {
            h.push_str(
                "<p id=\"worth-cap\">No decision changed unmet demand against the policy in its place \
                 (the decisions table below has each one).</p>\n",
            );
        }
        return;
    }
    shown.sort_by(|a, b| b.unmet_saved.abs().total_cmp(&a.unmet_saved.abs()).then(a.at.cmp(&b.at)));
    shown.truncate(WORTH_BARS);
    const W: f64 = 760.0;
    const LABEL: f64 = 330.0;
    const ROW: f64 = 24.0;
    let height = ROW * shown.len() as f64 + 30.0;
    let most = shown.iter().map(|e| e.unmet_saved.abs()).fold(0.0f64, f64::max).max(0.1);
    let has_negative = shown.iter().any(|e| e.unmet_saved < 0.0);
    let has_positive = shown.iter().any(|e| e.unmet_saved > 0.0);
    // The zero line in the middle when decisions went both ways, else at an edge.
    let span = W - LABEL - 70.0;
    let zero = match (has_negative, has_positive) {
        (true, true) => LABEL + span / 2.0,
        (true, false) => LABEL + span,
        _ => LABEL,
    };
    let scale = if has_negative && has_positive { span / 2.0 } else { span } / most;
    let _ = writeln!(
        h,
        "<figure aria-labelledby=\"worth-cap\">\n<figcaption id=\"worth-cap\">What each decision was worth: unit-hours of unmet demand saved (green, right) or added (red, left) against the policy in its place</figcaption>\n\
         <svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\" role=\"img\" aria-labelledby=\"worth-title\" data-points=\"{}\">\n\
         <title id=\"worth-title\">Bars of unit-hours saved or added by each decision, largest first; the decisions table gives every figure</title>",
        shown.len()
    );
    for (k, e) in shown.iter().enumerate() {
        let y = 10.0 + ROW * k as f64;
        let length = e.unmet_saved.abs() * scale;
        let (x, colour) = if e.unmet_saved > 0.0 { (zero, "#1a7f37") } else { (zero - length, "#a40e26") };
        let command = e.command.split('#').next().unwrap_or(&e.command).trim();
        let label = format!("{} {command} ({})", clock(e.at), decided_by(&e.command));
        let shortened: String = if label.chars().count() > 46 {
            label.chars().take(45).chain(['…']).collect()
        } else {
            label.clone()
        };
        let value_x = if e.unmet_saved > 0.0 { x + length + 4.0 } else { x - 4.0 };
        let _ = writeln!(
            h,
            "<g><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{length:.1}\" height=\"{:.1}\" fill=\"{colour}\"/><text x=\"{value_x:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"{}\">{}</text><title>{}: {} unit-hours</title></g>",
            LABEL - 8.0,
            y + ROW * 0.6,
            escape(&shortened),
            ROW - 8.0,
            y + ROW * 0.6,
            if e.unmet_saved > 0.0 { "start" } else { "end" },
            signed(e.unmet_saved, 1),
            escape(&label),
            signed(e.unmet_saved, 1)
        );
    }
    let _ = writeln!(
        h,
        "<line x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"4\" y2=\"{:.1}\" stroke=\"#57606a\"/>\n</svg>\n</figure>",
        height - 16.0
    );
}

//! The report as one self-contained HTML file: inline CSS, inline SVG charts and map, a few
//! lines of inline script to sort the force table. No network, no external files. The markup
//! is well-formed XML (every element closed, every attribute quoted), so it can be checked.

use std::fmt::Write;

pub use super::format::escape;
use super::format::{clock, evidence_grade, evidence_value, format_measure};
use super::report::{Chart, ForceRow, Report};
use crate::results::{AreaAssessment, Grade, ScopeAssessment};

/// Fill colour of a grade (ungraded: grey). Each carries white text at a contrast of at least
/// 4.5:1 (WCAG 2.2 AA); the grade is also always written, never told by colour alone.
fn colour(grade: Option<Grade>) -> &'static str {
    match grade {
        Some(Grade::Outstanding) => "#116329",
        Some(Grade::Good) => "#1a7f37",
        Some(Grade::Adequate) => "#7d4e00",
        Some(Grade::RequiresImprovement) => "#a0410d",
        Some(Grade::Inadequate) => "#a40e26",
        None => "#57606a",
    }
}

fn badge(grade: Option<Grade>) -> String {
    let text = grade.map_or("Not tested", Grade::title);
    format!(r#"<span class="grade" style="background:{}">{}</span>"#, colour(grade), escape(text))
}

const STYLE: &str = "*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1f2328;line-height:1.45}\
h1{margin-bottom:0.2em;overflow-wrap:anywhere}h2{border-bottom:2px solid #d0d7de;padding-bottom:0.2em;margin-top:2em}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:0.8em 0;font-size:0.92em}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.grade{display:inline-block;color:#fff;border-radius:3px;padding:1px 7px;font-size:0.88em;white-space:nowrap}\
.sub{color:#57606a}figure{margin:1em 0}figcaption{font-weight:600}\
svg{background:#fff;border:1px solid #d0d7de;margin:0.4em 0;max-width:100%;height:auto;display:block}\
.legend>span{display:inline-block;margin-right:1.2em;max-width:100%}.legend svg{display:inline;border:0;margin:0;vertical-align:middle}\
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-align:left}\
th button:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid #0969da;outline-offset:2px}\
.summary{border:2px solid #1f2328;border-radius:6px;padding:0.2em 1em 0.8em}.summary h2{margin-top:0.5em}\
.question{font-size:1.1em}.grades{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:0.4em 1.4em}\
.caveats{background:#f6f8fa;border-left:4px solid #57606a;padding:0.2em 1em 0.6em;margin:1.5em 0}.caveats h2{margin-top:0.5em;border:0}\
nav.sub a{white-space:nowrap}code{overflow-wrap:anywhere}\
@media print{body{max-width:none;margin:0;font-size:10pt}nav{display:none}h2,h3{break-after:avoid}\
figure,table,svg,.summary,.caveats{break-inside:avoid}.scroll{overflow:visible}a{color:inherit;text-decoration:none}\
#summary{break-after:page}}";

/// Sorts the force table by the clicked column heading (a button, so the keyboard reaches it);
/// numbers numerically, and says the order in `aria-sort`. Written without `<` or `&` so the
/// page stays well-formed XML.
const SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){\
t.querySelectorAll('th').forEach(function(th,i){var b=th.querySelector('button');if(!b){return;}b.addEventListener('click',function(){\
var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);var asc=th.getAttribute('aria-sort')!=='ascending';\
t.querySelectorAll('th').forEach(function(o){o.removeAttribute('aria-sort');});th.setAttribute('aria-sort',asc?'ascending':'descending');\
rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].textContent;var y=b.cells[i].dataset.v||b.cells[i].textContent;\
var nx=parseFloat(x),ny=parseFloat(y);var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny;return asc?c:-c;});\
rows.forEach(function(r){body.appendChild(r);});});});});";

fn summary(h: &mut String, r: &Report) {
    let s = &r.summary;
    h.push_str("<section class=\"summary\" id=\"summary\" aria-labelledby=\"summary-title\">\n<h2 id=\"summary-title\">Executive summary</h2>\n");
    if !s.question.is_empty() {
        let _ = writeln!(h, "<p class=\"question\"><strong>Question:</strong> {}</p>", escape(&s.question));
    }
    let _ = writeln!(h, "<p class=\"answer\">{}</p>", escape(&s.answer.join(" ")));
    h.push_str("<ul class=\"grades\" aria-label=\"Headline grades (nation)\">\n");
    for (area, grade) in &s.grades {
        let _ = writeln!(h, "<li>{}: {}</li>", escape(area), badge(*grade));
    }
    h.push_str("</ul>\n<p><strong>What would change the answer</strong></p>\n<ul>\n");
    for c in &s.change {
        let _ = writeln!(h, "<li>{}</li>", code_spans(c));
    }
    h.push_str("</ul>\n</section>\n");
}

/// Text with `code` spans, escaped.
fn code_spans(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
        .collect()
}

fn caveats(h: &mut String, r: &Report) {
    let c = &r.caveats;
    h.push_str("<aside class=\"caveats\" id=\"methods\" aria-labelledby=\"methods-title\">\n<h2 id=\"methods-title\">Methods and caveats</h2>\n");
    let _ = writeln!(h, "<p>{}</p>", code_spans(&c.thresholds));
    let _ = writeln!(h, "<p>{}</p>", code_spans(&c.uncertainty));
    if c.unverified.is_empty() {
        h.push_str("<p>The run used no figure marked unverified.</p>\n");
    } else {
        let _ = writeln!(
            h,
            "<details><summary>{} figures this run takes on trust (marked unverified [U] in the dataset; docs/data.md)</summary>\n<ul>",
            c.unverified.len()
        );
        for u in &c.unverified {
            let _ = writeln!(h, "<li><code>{}</code></li>", escape(u));
        }
        h.push_str("</ul>\n</details>\n");
    }
    h.push_str("<p>What the model leaves out (docs/model.md):</p>\n<ul>\n");
    for o in &c.omissions {
        let _ = writeln!(h, "<li>{}</li>", escape(o));
    }
    h.push_str("</ul>\n</aside>\n");
}

/// A table that scrolls sideways on its own on a narrow screen, not the page.
fn open_table(h: &mut String, class: &str) {
    let _ = write!(
        h,
        "<div class=\"scroll\">\n<table{}>\n",
        if class.is_empty() { String::new() } else { format!(" class=\"{class}\"") }
    );
}

fn close_table(h: &mut String) {
    h.push_str("</tbody>\n</table>\n</div>\n");
}

/// The whole report as HTML.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&format!("Muster report: {}", r.title))
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&r.title));
    let _ = writeln!(
        h,
        "<p class=\"sub\">{} · graded against {} · values are {}</p>",
        escape(&r.kind),
        escape(&r.assessment.thresholds),
        escape(&r.assessment.basis)
    );
    h.push_str("<nav class=\"sub\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a> · <a href=\"#methods\">Methods and caveats</a> · <a href=\"#grades\">Headline grades</a> · <a href=\"#evidence\">Evidence (nation)</a> · <a href=\"#unmet\">Demand we could not meet</a> · <a href=\"#charts\">Demand against strength over time</a> · <a href=\"#regions\">Regions</a> · <a href=\"#forces\">Burden by force</a> · <a href=\"#map\">Map</a> · <a href=\"#timeline\">Timeline</a> · <a href=\"#manifest\">Manifest</a></nav>\n<p class=\"sub\">Times are D<i>day</i>+<i>hh</i>:<i>mm</i> from the start of the scenario.</p>\n");
    summary(&mut h, r);
    caveats(&mut h, r);
    h.push_str("<h2 id=\"grades\">Headline grades</h2>\n");
    grade_table(&mut h, std::iter::once(&r.assessment.nation), "Scope");
    open_table(&mut h, "");
    h.push_str("<tbody>\n");
    for (k, v) in &r.headline {
        let _ = writeln!(h, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    close_table(&mut h);

    h.push_str("<h2 id=\"evidence\">Evidence (nation)</h2>\n");
    for area in &r.assessment.nation.areas {
        evidence(&mut h, area);
    }

    h.push_str("<h2 id=\"unmet\">Demand we could not meet</h2>\n");
    unmet_table(&mut h, &r.assessment.nation);

    h.push_str("<h2 id=\"charts\">Demand against strength over time</h2>\n");
    if r.charts.is_empty() {
        h.push_str("<p>No capability was demanded.</p>\n");
    }
    for c in &r.charts {
        chart(&mut h, c);
    }

    h.push_str("<h2 id=\"regions\">Regions</h2>\n");
    grade_table(&mut h, r.assessment.regions.iter(), "Region");

    h.push_str("<h2 id=\"forces\">Burden by force</h2>\n");
    burden_chart(&mut h, r);
    force_table(&mut h, r);

    h.push_str("<h2 id=\"map\">Map</h2>\n");
    super::map::html(&mut h, r);

    h.push_str("<h2 id=\"timeline\">Timeline</h2>\n");
    if r.timeline.is_empty() {
        h.push_str("<p>Nothing happened that the timeline shows.</p>\n");
    } else {
        if let Some(note) = &r.timeline_note {
            let _ = writeln!(h, "<p class=\"sub\">{}</p>", code_spans(note));
        }
        open_table(&mut h, "");
        h.push_str(
            "<thead><tr><th scope=\"col\">When</th><th scope=\"col\">What</th></tr></thead>\n<tbody>\n",
        );
        for (t, what) in &r.timeline {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", clock(*t), escape(what));
        }
        close_table(&mut h);
        if r.timeline_omitted > 0 {
            let _ = writeln!(
                h,
                "<p class=\"sub\">{} unit movements and later events are in the run's JSON event log.</p>",
                r.timeline_omitted
            );
        }
    }

    h.push_str("<h2 id=\"manifest\">Manifest</h2>\n");
    open_table(&mut h, "");
    h.push_str("<tbody>\n");
    for (k, v) in &r.manifest {
        let _ =
            writeln!(h, "<tr><th scope=\"row\">{}</th><td><code>{}</code></td></tr>", escape(k), escape(v));
    }
    close_table(&mut h);
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

fn grade_table<'a>(h: &mut String, scopes: impl Iterator<Item = &'a ScopeAssessment>, first: &str) {
    open_table(h, "");
    let _ = write!(h, "<thead><tr><th scope=\"col\">{}</th>", escape(first));
    for area in crate::model::Area::ALL {
        let _ = write!(h, "<th scope=\"col\">{}</th>", escape(area.title()));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for s in scopes {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(&s.scope));
        for a in &s.areas {
            let _ = write!(h, "<td>{}</td>", badge(a.grade));
        }
        h.push_str("</tr>\n");
    }
    close_table(h);
}

fn evidence(h: &mut String, area: &AreaAssessment) {
    let title = crate::model::Area::ALL
        .iter()
        .find(|a| a.key() == area.area)
        .map_or(area.area.as_str(), |a| a.title());
    let _ = writeln!(h, "<h3>{} {}</h3>", escape(title), badge(area.grade));
    if area.evidence.is_empty() {
        h.push_str("<p class=\"sub\">Nothing in this scenario tested this area.</p>\n");
        return;
    }
    open_table(h, "");
    h.push_str("<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\">Value</th><th scope=\"col\">Grade</th><th scope=\"col\">Limits (O / G / A / RI)</th><th scope=\"col\">Note</th></tr></thead>\n<tbody>\n");
    for e in &area.evidence {
        let mut value = evidence_value(e);
        if let (Some(lo), Some(hi)) = (e.p5, e.p95) {
            let _ =
                write!(value, " (5–95%: {} – {})", format_measure(lo, &e.unit), format_measure(hi, &e.unit));
        }
        let limits = e.limits.map_or("—".to_string(), |l| {
            l.iter().map(|x| format_measure(*x, &e.unit)).collect::<Vec<_>>().join(" / ")
        });
        let grade = if e.grade.is_some() { badge(e.grade) } else { escape(evidence_grade(e)) };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.description),
            escape(&value),
            grade,
            escape(&limits),
            escape(e.note.as_deref().unwrap_or(""))
        );
    }
    close_table(h);
}

fn unmet_table(h: &mut String, scope: &ScopeAssessment) {
    if scope.unmet_demand.is_empty() {
        h.push_str("<p>No demand.</p>\n");
        return;
    }
    open_table(h, "");
    h.push_str("<thead><tr><th scope=\"col\">Threat</th><th scope=\"col\">Capability</th><th scope=\"col\">Demanded (unit-hours)</th><th scope=\"col\">Met (unit-hours)</th><th scope=\"col\">Unmet (unit-hours)</th><th scope=\"col\">Share met</th><th scope=\"col\">Worst incident's peak shortfall (units)</th></tr></thead>\n<tbody>\n");
    for u in &scope.unmet_demand {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{:.0}</td></tr>",
            escape(&u.threat),
            escape(&u.capability),
            u.demanded_unit_hours,
            u.met_unit_hours,
            u.unmet_unit_hours,
            format_measure(u.demand_met, "share"),
            u.peak_shortfall_units
        );
    }
    close_table(h);
}

/// How each series is drawn: colour and dash pattern, so no two differ by colour alone.
fn curve_style(label: &str) -> (&'static str, &'static str, f64) {
    match label {
        "demand" => ("#1f2328", "", 2.4),
        "deployed" => ("#0969da", "", 1.2),
        "effective" => ("#8250df", "7 4", 1.8),
        "shortfall" => ("#a40e26", "2 3", 1.8),
        "players' shortfall" => ("#a40e26", "", 2.2),
        "policy's shortfall" => ("#0969da", "6 4", 1.8),
        _ => ("#57606a", "", 1.4),
    }
}

/// Spacing of time-axis ticks (minutes): the smallest round step giving at most 8 ticks.
fn tick_step(span: u32) -> u32 {
    [60, 120, 180, 360, 720, 1440, 2 * 1440, 7 * 1440, 14 * 1440, 28 * 1440]
        .into_iter()
        .find(|&step| span / step <= 8)
        .unwrap_or(span.div_ceil(8).max(1))
}

/// A whole-number axis from 0: the step (1, 2, 5 × 10ⁿ, at least 1) giving at most 5 intervals
/// up to `max`, and the top tick.
fn unit_axis(max: f64) -> (f64, f64) {
    let raw = (max / 5.0).max(1.0);
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|&c| c >= raw).unwrap_or(10.0 * mag);
    let top = (max / step).ceil().max(1.0) * step;
    (step, top)
}

/// A line sample for a legend.
fn legend_line(colour: &str, dash: &str, width: f64) -> String {
    format!(
        "<svg width=\"26\" height=\"10\" viewBox=\"0 0 26 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"25\" y2=\"5\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/></svg>"
    )
}

/// Rows of a chart's data table at most (the rest are every n-th sample).
const TABLE_ROWS: usize = 48;

/// A time chart of `c` with its legend, marks and data table, as a `<figure>`.
pub fn chart(h: &mut String, c: &Chart) {
    const W: f64 = 760.0;
    const H: f64 = 290.0;
    const L: f64 = 62.0;
    const B: f64 = 46.0;
    const T: f64 = 44.0;
    const R: f64 = 36.0;
    let t_max = c.times.last().copied().unwrap_or(0).max(1);
    let y_max = c
        .curves
        .iter()
        .flat_map(|cv| cv.values.iter().chain(cv.band.iter().flat_map(|(_, hi)| hi.iter())))
        .fold(1.0f64, |m, &v| m.max(v));
    let (y_step, y_top) = unit_axis(y_max);
    let x = |t: u32| L + (W - L - R) * f64::from(t) / f64::from(t_max);
    let y = |v: f64| T + (H - T - B) * (1.0 - v / y_top);
    let id = format!("chart-{}", c.capability);
    let _ = writeln!(h, "<figure aria-labelledby=\"{}-cap\">", escape(&id));
    let _ = writeln!(
        h,
        "<figcaption id=\"{}-cap\">{}: {}</figcaption>",
        escape(&id),
        escape(&c.capability),
        escape(&c.caption)
    );
    let _ = writeln!(
        h,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{}-title\" data-points=\"{}\">",
        escape(&id),
        c.times.len()
    );
    let _ = writeln!(
        h,
        "<title id=\"{}-title\">{}: {}</title>",
        escape(&id),
        escape(&c.capability),
        escape(&c.title)
    );
    // Value axis: whole units.
    let mut v = 0.0;
    while v <= y_top + 1e-9 {
        let _ = writeln!(
            h,
            "<line x1=\"{L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d8dee4\"/><text class=\"tick-y\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{v:.0}</text>",
            W - R,
            y(v),
            y(v),
            L - 5.0,
            y(v) + 4.0,
        );
        v += y_step;
    }
    let _ = writeln!(
        h,
        "<text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">units</text>",
        T + (H - T - B) / 2.0
    );
    // Time axis: D+hh:mm.
    let step = tick_step(t_max);
    for t in (0..=t_max).step_by(step as usize) {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#57606a\"/><text class=\"tick-x\" x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>",
            x(t),
            H - B,
            H - B + 4.0,
            H - B + 16.0,
            clock(t)
        );
    }
    let _ = writeln!(
        h,
        "<line x1=\"{L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#57606a\"/><text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">time from the start (D+hh:mm)</text>",
        W - R,
        H - B,
        H - B,
        L + (W - L - R) / 2.0,
        H - 8.0
    );
    // Marks: numbered at the top, told in the key below; a number that would touch the one
    // before it goes on the next of three rows.
    let mut row_ends = [f64::NEG_INFINITY; 3];
    for (k, m) in c.marks.iter().enumerate() {
        let mx = x(m.t.min(t_max));
        let row = row_ends.iter().position(|&end| mx - end >= 14.0).unwrap_or(k % 3);
        row_ends[row] = mx;
        let label_y = T - 30.0 + 12.0 * row as f64;
        let _ = writeln!(
            h,
            "<g class=\"mark\"><line x1=\"{mx:.1}\" x2=\"{mx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bc4c00\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/><text x=\"{mx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#953800\">{}</text><title>{} {}</title></g>",
            label_y + 2.0,
            H - B,
            label_y,
            k + 1,
            clock(m.t),
            escape(&m.what)
        );
    }
    for cv in &c.curves {
        let (colour, dash, width) = curve_style(&cv.label);
        if let Some((lo, hi)) = &cv.band {
            let mut pts: Vec<String> =
                c.times.iter().zip(hi).map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))).collect();
            pts.extend(c.times.iter().zip(lo).rev().map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))));
            let _ = writeln!(
                h,
                "<polygon class=\"band\" points=\"{}\" fill=\"{colour}\" fill-opacity=\"0.14\" stroke=\"none\"/>",
                pts.join(" ")
            );
        }
        let pts: Vec<String> =
            c.times.iter().zip(&cv.values).map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))).collect();
        // Deployed strength is a shaded area under its line, so the effective line drawn over
        // it stays visible where the two are equal.
        if cv.label == "deployed" && !pts.is_empty() {
            let _ = writeln!(
                h,
                "<polygon class=\"deployed-area\" points=\"{:.1},{:.1} {} {:.1},{:.1}\" fill=\"#b6e3ff\" fill-opacity=\"0.7\" stroke=\"none\"/>",
                x(c.times[0]),
                y(0.0),
                pts.join(" "),
                x(*c.times.last().unwrap_or(&0)),
                y(0.0)
            );
        }
        let _ = writeln!(
            h,
            "<polyline class=\"series\" data-label=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/>",
            escape(&cv.label),
            pts.join(" ")
        );
    }
    h.push_str("</svg>\n<p class=\"legend\">");
    for cv in &c.curves {
        let (colour, dash, width) = curve_style(&cv.label);
        let what = match cv.label.as_str() {
            "demand" => "demand (units wanted)",
            "deployed" => "deployed (units on task, shaded)",
            "effective" => "effective (on task × standards factor)",
            "shortfall" => "shortfall (units short, summed over incidents)",
            other => other,
        };
        let _ = write!(h, "<span>{} {}</span>", legend_line(colour, dash, width), escape(what));
    }
    h.push_str("</p>\n");
    if let Some(note) = &c.band_note {
        let _ = writeln!(h, "<p class=\"sub band-note\">{}</p>", escape(note));
    }
    if !c.marks.is_empty() {
        h.push_str("<ol class=\"marks sub\">\n");
        for m in &c.marks {
            let _ = writeln!(h, "<li>{} {}</li>", clock(m.t), escape(&m.what));
        }
        h.push_str("</ol>\n");
    }
    chart_table(h, c);
    h.push_str("</figure>\n");
}

/// The chart's text alternative: its data, every n-th sample.
fn chart_table(h: &mut String, c: &Chart) {
    h.push_str("<details><summary>Data table</summary>\n");
    open_table(h, "");
    h.push_str("<thead><tr><th scope=\"col\">When</th>");
    for cv in &c.curves {
        let _ = write!(h, "<th scope=\"col\">{} (units)</th>", escape(&cv.label));
        if cv.band.is_some() {
            let _ = write!(h, "<th scope=\"col\">{} 5–95%</th>", escape(&cv.label));
        }
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let n = c.times.len();
    for i in (0..n).step_by(n.div_ceil(TABLE_ROWS).max(1)) {
        let _ = write!(h, "<tr><td>{}</td>", clock(c.times[i]));
        for cv in &c.curves {
            let _ = write!(h, "<td class=\"num\">{:.1}</td>", cv.values[i]);
            if let Some((lo, hi)) = &cv.band {
                let _ = write!(h, "<td class=\"num\">{:.1}–{:.1}</td>", lo[i], hi[i]);
            }
        }
        h.push_str("</tr>\n");
    }
    close_table(h);
    h.push_str("</details>\n");
}

/// One bar series of a per-force bar chart: label, colour, value of a force.
type BarSeries<'a> = (&'a str, &'a str, &'a dyn Fn(&ForceRow) -> f64);

/// Forces drawn in a bar chart at most; the table below has every force.
const BARS_MAX: usize = 20;

/// Horizontal bars per force, largest first (by the largest of its series), with a value axis; forces
/// where every series is zero are left out.
fn bars(h: &mut String, r: &Report, title: &str, unit: &str, series: &[BarSeries<'_>]) -> bool {
    let mut rows: Vec<&ForceRow> =
        r.forces.iter().filter(|f| series.iter().any(|(_, _, v)| v(f) > 0.0)).collect();
    if rows.is_empty() {
        return false;
    }
    let largest = |f: &ForceRow| series.iter().map(|(_, _, v)| v(f)).fold(0.0f64, f64::max);
    rows.sort_by(|a, b| largest(b).total_cmp(&largest(a)).then_with(|| a.code.cmp(&b.code)));
    let left_out = rows.len().saturating_sub(BARS_MAX);
    rows.truncate(BARS_MAX);
    const W: f64 = 760.0;
    const L: f64 = 170.0;
    const R: f64 = 44.0;
    const TOP: f64 = 8.0;
    const AXIS: f64 = 44.0;
    let bar = 9.0;
    let row = bar * series.len() as f64 + 6.0;
    let height = TOP + row * rows.len() as f64 + AXIS;
    let max = rows.iter().flat_map(|f| series.iter().map(|(_, _, v)| v(f))).fold(0.0f64, f64::max);
    let (step, top) = unit_axis(max);
    let scale = (W - L - R) / top;
    let _ = writeln!(h, "<figure>\n<figcaption>{}</figcaption>", escape(title));
    let _ = writeln!(
        h,
        "<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\" role=\"img\" data-points=\"{}\">",
        rows.len()
    );
    let _ =
        writeln!(h, "<title>{}, largest first; the force table below has the figures</title>", escape(title));
    let base = TOP + row * rows.len() as f64;
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let vx = L + v * scale;
        let _ = writeln!(
            h,
            "<line x1=\"{vx:.1}\" x2=\"{vx:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#d8dee4\"/><text class=\"tick-x\" x=\"{vx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{v:.0}</text>",
            base + 4.0,
            base + 16.0
        );
        v += step;
    }
    let _ = writeln!(
        h,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
        L + (W - L - R) / 2.0,
        height - 8.0,
        escape(unit)
    );
    for (i, f) in rows.iter().enumerate() {
        let y = TOP + row * i as f64;
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            L - 6.0,
            y + bar * series.len() as f64 / 2.0 + 4.0,
            escape(&f.code)
        );
        for (k, (label, colour, value)) in series.iter().enumerate() {
            let _ = write!(
                h,
                "<rect x=\"{L}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{colour}\"><title>{} {label}: {:.1} {unit}</title></rect>",
                y + bar * k as f64,
                value(f) * scale,
                escape(&f.code),
                value(f)
            );
            // The value at the bar's end, so a short bar beside a long one still reads.
            if value(f) > 0.0 {
                let _ = write!(
                    h,
                    "<text class=\"bar-value\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\">{:.0}</text>",
                    L + value(f) * scale + 3.0,
                    y + bar * k as f64 + bar - 1.0,
                    value(f)
                );
            }
        }
        h.push('\n');
    }
    h.push_str("</svg>\n<p class=\"legend\">");
    for (label, colour, _) in series {
        let _ = write!(
            h,
            "<span><svg width=\"14\" height=\"10\" viewBox=\"0 0 14 10\" aria-hidden=\"true\"><rect width=\"14\" height=\"10\" fill=\"{colour}\"/></svg> {label}</span>"
        );
    }
    h.push_str("</p>\n");
    if left_out > 0 {
        let _ = writeln!(h, "<p class=\"sub\">{left_out} more forces are in the table below.</p>");
    }
    h.push_str("</figure>\n");
    true
}

fn burden_chart(h: &mut String, r: &Report) {
    let lent = |f: &ForceRow| f.lent;
    let received = |f: &ForceRow| f.received;
    let aid = [("lent", "#8250df", &lent as &dyn Fn(&ForceRow) -> f64), ("received", "#0969da", &received)];
    if !bars(h, r, "Unit-hours lent and received per force", "unit-hours on task", &aid) {
        h.push_str("<p>No force lent or received aid.</p>\n");
    }
    let below = |f: &ForceRow| f.hours_below_cover;
    let cover = [("below retained cover", "#a0410d", &below as &dyn Fn(&ForceRow) -> f64)];
    if !bars(h, r, "Hours below retained cover while lending, per force", "hours", &cover) {
        h.push_str("<p>No lending force fell below its cover standard.</p>\n");
    }
}

fn force_table(h: &mut String, r: &Report) {
    h.push_str("<p class=\"sub\">Choose a column heading to sort by it.</p>\n");
    open_table(h, "sortable");
    h.push_str("<thead><tr><th scope=\"col\"><button type=\"button\">Force</button></th><th scope=\"col\"><button type=\"button\">Region</button></th>");
    for title in ForceRow::FIGURE_TITLES.iter().copied().chain(crate::model::Area::ALL.map(|a| a.title())) {
        let _ = write!(h, "<th scope=\"col\"><button type=\"button\">{}</button></th>", escape(title));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for f in &r.forces {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td>", escape(&f.code), escape(&f.region));
        for v in f.figures() {
            let _ = write!(h, "<td class=\"num\">{v:.1}</td>");
        }
        for g in &f.grades {
            // Sort grades by rank, not by name.
            let rank = g.map_or(9, |g| g as u8);
            let _ = write!(h, "<td data-v=\"{rank}\">{}</td>", badge(*g));
        }
        h.push_str("</tr>\n");
    }
    close_table(h);
}

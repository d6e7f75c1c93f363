//! The report as one self-contained HTML file: inline CSS, inline SVG charts and map, a few
//! lines of inline script to sort the force table. No network, no external files. The markup
//! is well-formed XML (every element closed, every attribute quoted), so it can be checked.

use std::fmt::Write;

use super::report::{Chart, ForceRow, Report, clock, evidence_grade, evidence_value, format_measure};
use crate::results::{AreaAssessment, Grade, ScopeAssessment};

/// Escape text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fill colour of a grade (ungraded: grey).
fn colour(grade: Option<Grade>) -> &'static str {
    match grade {
        Some(Grade::Outstanding) => "#1a7f37",
        Some(Grade::Good) => "#57a773",
        Some(Grade::Adequate) => "#d4a72c",
        Some(Grade::RequiresImprovement) => "#e07b39",
        Some(Grade::Inadequate) => "#c0392b",
        None => "#9aa0a6",
    }
}

fn badge(grade: Option<Grade>) -> String {
    let text = grade.map_or("Not tested", Grade::title);
    format!(r#"<span class="grade" style="background:{}">{}</span>"#, colour(grade), escape(text))
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328;line-height:1.45}\
h1{margin-bottom:0.2em}h2{border-bottom:2px solid #d0d7de;padding-bottom:0.2em;margin-top:2em}\
table{border-collapse:collapse;margin:0.8em 0;font-size:0.92em}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.grade{display:inline-block;color:#fff;border-radius:3px;padding:1px 7px;font-size:0.88em;white-space:nowrap}\
.sub{color:#57606a}svg{background:#fff;border:1px solid #d0d7de;margin:0.4em 0}\
th.sortable{cursor:pointer}th.sortable:hover{background:#eaeef2}.legend span{margin-right:1.2em}";

/// Sorts the force table by the clicked column; numbers numerically. Written without `<` or
/// `&` so the page stays well-formed XML.
const SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){\
t.querySelectorAll('th').forEach(function(th,i){th.classList.add('sortable');th.addEventListener('click',function(){\
var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';\
rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].textContent;var y=b.cells[i].dataset.v||b.cells[i].textContent;\
var nx=parseFloat(x),ny=parseFloat(y);var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny;return asc?c:-c;});\
rows.forEach(function(r){body.appendChild(r);});});});});";

/// The whole report as HTML.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
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

    h.push_str("<p class=\"sub\"><a href=\"#grades\">Headline grades</a> · <a href=\"#evidence\">Evidence (nation)</a> · <a href=\"#unmet\">Demand we could not meet</a> · <a href=\"#charts\">Demand against strength over time</a> · <a href=\"#regions\">Regions</a> · <a href=\"#forces\">Burden by force</a> · <a href=\"#map\">Map</a> · <a href=\"#timeline\">Timeline</a> · <a href=\"#manifest\">Manifest</a> · times are D<i>day</i>+<i>hh</i>:<i>mm</i> from the start</p>\n");
    h.push_str("<h2 id=\"grades\">Headline grades</h2>\n");
    grade_table(&mut h, std::iter::once(&r.assessment.nation), "Scope");
    h.push_str("<table>\n<tbody>\n");
    for (k, v) in &r.headline {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    h.push_str("</tbody>\n</table>\n");

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
    map(&mut h, r);

    h.push_str("<h2 id=\"timeline\">Timeline</h2>\n");
    if r.timeline.is_empty() {
        h.push_str("<p>No event timeline: an ensemble's replications each have their own.</p>\n");
    } else {
        h.push_str("<table>\n<thead><tr><th>When</th><th>What</th></tr></thead>\n<tbody>\n");
        for (t, what) in &r.timeline {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", clock(*t), escape(what));
        }
        h.push_str("</tbody>\n</table>\n");
        if r.timeline_omitted > 0 {
            let _ = writeln!(
                h,
                "<p class=\"sub\">{} unit movements and later events are in the run's JSON event log.</p>",
                r.timeline_omitted
            );
        }
    }

    h.push_str("<h2 id=\"manifest\">Manifest</h2>\n<table>\n<tbody>\n");
    for (k, v) in &r.manifest {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    h.push_str("</tbody>\n</table>\n");
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

fn grade_table<'a>(h: &mut String, scopes: impl Iterator<Item = &'a ScopeAssessment>, first: &str) {
    let _ = write!(h, "<table>\n<thead><tr><th>{}</th>", escape(first));
    for area in crate::model::Area::ALL {
        let _ = write!(h, "<th>{}</th>", escape(area.title()));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for s in scopes {
        let _ = write!(h, "<tr><td>{}</td>", escape(&s.scope));
        for a in &s.areas {
            let _ = write!(h, "<td>{}</td>", badge(a.grade));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
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
    h.push_str("<table>\n<thead><tr><th>Measure</th><th>Value</th><th>Grade</th><th>Limits (O / G / A / RI)</th><th>Note</th></tr></thead>\n<tbody>\n");
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
    h.push_str("</tbody>\n</table>\n");
}

fn unmet_table(h: &mut String, scope: &ScopeAssessment) {
    if scope.unmet_demand.is_empty() {
        h.push_str("<p>No demand.</p>\n");
        return;
    }
    h.push_str("<table>\n<thead><tr><th>Threat</th><th>Capability</th><th>Demanded (unit-hours)</th><th>Met</th><th>Unmet</th><th>Share met</th><th>Worst incident's peak shortfall (units)</th></tr></thead>\n<tbody>\n");
    for u in &scope.unmet_demand {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{:.1}</td></tr>",
            escape(&u.threat),
            escape(&u.capability),
            u.demanded_unit_hours,
            u.met_unit_hours,
            u.unmet_unit_hours,
            u.demand_met * 100.0,
            u.peak_shortfall_units
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

const CURVE_COLOURS: [&str; 3] = ["#1f2328", "#8250df", "#0969da"];

/// Spacing of time-axis ticks (minutes): the smallest round step giving at most 8 ticks.
fn tick_step(span: u32) -> u32 {
    [60, 120, 180, 360, 720, 1440, 2 * 1440, 7 * 1440, 14 * 1440, 28 * 1440]
        .into_iter()
        .find(|&step| span / step <= 8)
        .unwrap_or(span.div_ceil(8).max(1))
}

/// Time-axis label: hours from the start, or the day (`D2`) when ticks fall on whole days.
fn time_label(t: u32, step: u32) -> String {
    if step.is_multiple_of(1440) { format!("D{}", t / 1440) } else { format!("{}h", t / 60) }
}

fn chart(h: &mut String, c: &Chart) {
    const W: f64 = 760.0;
    const H: f64 = 250.0;
    const L: f64 = 50.0;
    const B: f64 = 30.0;
    const T: f64 = 10.0;
    const R: f64 = 10.0;
    let t_max = c.times.last().copied().unwrap_or(0).max(1);
    let y_max = c
        .curves
        .iter()
        .flat_map(|cv| cv.values.iter().chain(cv.band.iter().flat_map(|(_, hi)| hi.iter())))
        .fold(1.0f64, |m, &v| m.max(v));
    let y_top = nice_ceiling(y_max);
    let x = |t: u32| L + (W - L - R) * f64::from(t) / f64::from(t_max);
    let y = |v: f64| T + (H - T - B) * (1.0 - v / y_top);
    let _ = writeln!(h, "<h3>{}</h3>", escape(&c.capability));
    let _ = writeln!(
        h,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" data-points=\"{}\">",
        c.times.len()
    );
    let _ = writeln!(h, "<title>{}: demand and strength on task (units)</title>", escape(&c.capability));
    for i in 0..=4 {
        let v = y_top * f64::from(i) / 4.0;
        let _ = writeln!(
            h,
            "<line x1=\"{L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eaeef2\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            W - R,
            y(v),
            y(v),
            L - 4.0,
            y(v) + 3.0,
            fmt_axis(v)
        );
    }
    let step = tick_step(t_max);
    for t in (0..=t_max).step_by(step as usize) {
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x(t),
            H - B + 14.0,
            time_label(t, step)
        );
    }
    for (i, cv) in c.curves.iter().enumerate() {
        let colour = CURVE_COLOURS[i % CURVE_COLOURS.len()];
        if let Some((lo, hi)) = &cv.band {
            let mut pts: Vec<String> =
                c.times.iter().zip(hi).map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))).collect();
            pts.extend(c.times.iter().zip(lo).rev().map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))));
            let _ = writeln!(
                h,
                "<polygon class=\"band\" points=\"{}\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>",
                pts.join(" ")
            );
        }
        let pts: Vec<String> =
            c.times.iter().zip(&cv.values).map(|(&t, &v)| format!("{:.1},{:.1}", x(t), y(v))).collect();
        // Effective strength is drawn dashed so it shows where it equals what is deployed.
        let dash = if cv.label == "effective" { " stroke-dasharray=\"5 3\"" } else { "" };
        let _ = writeln!(
            h,
            "<polyline class=\"series\" data-label=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash}/>",
            escape(&cv.label),
            pts.join(" ")
        );
    }
    h.push_str("</svg>\n<p class=\"legend\">");
    for (i, cv) in c.curves.iter().enumerate() {
        let band = if cv.band.is_some() { " (line: mean; shade: 5–95%)" } else { "" };
        let _ = write!(
            h,
            "<span><span style=\"color:{}\">■</span> {}{}</span>",
            CURVE_COLOURS[i % CURVE_COLOURS.len()],
            escape(&cv.label),
            band
        );
    }
    h.push_str("</p>\n");
}

/// A round number ≥ `v` for the top of an axis.
fn nice_ceiling(v: f64) -> f64 {
    let mag = 10f64.powi(v.log10().floor() as i32);
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|&c| c >= v).unwrap_or(10.0 * mag)
}

fn fmt_axis(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// One bar series of a per-force bar chart: label, colour, value of a force.
type BarSeries<'a> = (&'a str, &'a str, &'a dyn Fn(&ForceRow) -> f64);

/// Horizontal bars per force (forces where any series is above zero), one row per force.
fn bars(h: &mut String, r: &Report, title: &str, unit: &str, series: &[BarSeries<'_>]) -> bool {
    let rows: Vec<&ForceRow> =
        r.forces.iter().filter(|f| series.iter().any(|(_, _, v)| v(f) > 0.0)).collect();
    if rows.is_empty() {
        return false;
    }
    const W: f64 = 760.0;
    const L: f64 = 150.0;
    let bar = 6.0;
    let row = bar * series.len() as f64 + 4.0;
    let height = row * rows.len() as f64 + 20.0;
    let max = rows.iter().flat_map(|f| series.iter().map(|(_, _, v)| v(f))).fold(1.0f64, f64::max);
    let scale = (W - L - 20.0) / max;
    let _ = writeln!(
        h,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\" role=\"img\" data-points=\"{}\">",
        rows.len()
    );
    let _ = writeln!(h, "<title>{}</title>", escape(title));
    for (i, f) in rows.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            L - 6.0,
            y + bar + 2.0,
            escape(&f.code)
        );
        for (k, (label, colour, value)) in series.iter().enumerate() {
            let _ = write!(
                h,
                "<rect x=\"{L}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{colour}\"><title>{} {label} {:.1} {unit}</title></rect>",
                y + bar * k as f64,
                value(f) * scale,
                escape(&f.code),
                value(f)
            );
        }
        h.push('\n');
    }
    h.push_str("</svg>\n<p class=\"legend\">");
    for (label, colour, _) in series {
        let _ = write!(h, "<span><span style=\"color:{colour}\">■</span> {label}</span>");
    }
    let _ = writeln!(h, " ({})</p>", escape(unit));
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
    let cover = [("below retained cover", "#e07b39", &below as &dyn Fn(&ForceRow) -> f64)];
    if !bars(h, r, "Hours below retained cover while lending, per force", "hours", &cover) {
        h.push_str("<p>No lending force fell below its cover standard.</p>\n");
    }
}

fn force_table(h: &mut String, r: &Report) {
    h.push_str("<p class=\"sub\">Click a column heading to sort.</p>\n<table class=\"sortable\">\n<thead><tr><th>Force</th><th>Region</th>");
    for title in ForceRow::FIGURE_TITLES.iter().copied().chain(crate::model::Area::ALL.map(|a| a.title())) {
        let _ = write!(h, "<th>{}</th>", escape(title));
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
    h.push_str("</tbody>\n</table>\n");
}

fn map(h: &mut String, r: &Report) {
    let placed: Vec<_> = r.forces.iter().filter_map(|f| f.hq.map(|hq| (f, hq))).collect();
    if placed.is_empty() {
        h.push_str("<p>The dataset gives no HQ positions.</p>\n");
        return;
    }
    const W: f64 = 560.0;
    const H: f64 = 640.0;
    const PAD: f64 = 20.0;
    let (lat0, lat1) =
        placed.iter().fold((90.0f64, -90.0f64), |(a, b), (_, (lat, _))| (a.min(*lat), b.max(*lat)));
    let (lon0, lon1) =
        placed.iter().fold((180.0f64, -180.0f64), |(a, b), (_, (_, lon))| (a.min(*lon), b.max(*lon)));
    // Equirectangular, with longitude shrunk by the cosine of the middle latitude.
    let k = ((lat0 + lat1) / 2.0).to_radians().cos();
    let (span_x, span_y) = (((lon1 - lon0) * k).max(0.01), (lat1 - lat0).max(0.01));
    let scale = ((W - 2.0 * PAD) / span_x).min((H - 2.0 * PAD) / span_y);
    let px = |lon: f64| PAD + (lon - lon0) * k * scale;
    let py = |lat: f64| PAD + (lat1 - lat) * scale;
    let pos =
        |code: &str| placed.iter().find(|(f, _)| f.code == code).map(|(_, (lat, lon))| (px(*lon), py(*lat)));
    let _ = writeln!(
        h,
        "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" data-points=\"{}\">",
        placed.len()
    );
    h.push_str("<title>Forces at their HQ positions, coloured by their lowest grade; border links (red dashes: closed during the scenario)</title>\n");
    for l in &r.geography.links {
        if let (Some((x1, y1)), Some((x2, y2))) = (pos(&l.a), pos(&l.b)) {
            let style = if l.closed_hours > 0.0 {
                "stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"4 3\""
            } else {
                "stroke=\"#afb8c1\" stroke-width=\"1\""
            };
            let _ = writeln!(
                h,
                "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" {style}><title>{} – {} ({}, {:.0} km{})</title></line>",
                escape(&l.a),
                escape(&l.b),
                escape(&l.link),
                l.road_km,
                if l.closed_hours > 0.0 {
                    format!(", closed {:.0} h", l.closed_hours)
                } else {
                    String::new()
                }
            );
        }
    }
    for (f, (lat, lon)) in &placed {
        let strain = f.strain();
        let _ = writeln!(
            h,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{}\" stroke=\"#1f2328\" stroke-width=\"0.6\"><title>{} ({}): {}; lent {:.0}, received {:.0} unit-hours</title></circle>",
            px(*lon),
            py(*lat),
            colour(strain),
            escape(&f.name),
            escape(&f.code),
            strain.map_or("not tested", Grade::title),
            f.lent,
            f.received
        );
    }
    h.push_str("</svg>\n<p class=\"legend\">");
    for g in Grade::ALL.into_iter().map(Some).chain([None]) {
        let _ = write!(h, "<span>{}</span>", badge(g));
    }
    h.push_str("</p>\n");
}

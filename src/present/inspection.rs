//! The inspection report: Markdown (which also reads on a terminal) and a self-contained page
//! made from it, with the grades in words and colour. Headed by the scope, the battery, the
//! dataset's provenance and the date given; one judgement per SPR area with its evidence; the
//! demand that could not be met; the scope among its peers; an annex per test.

use std::fmt::Write;

use super::format::{escape, format_measure};
use super::map::{Frame, anchor, areas};
use crate::inspection::Inspection;
use crate::results::Grade;

fn grade(g: Option<Grade>) -> &'static str {
    g.map_or("not tested", Grade::title)
}

fn share(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The executive summary: each area's grade in a sentence with the measure that decided it
/// (the worst graded measure of each deciding test), the scope's rank among its peers, and
/// what would lift it.
fn summary(out: &mut String, i: &Inspection) {
    out.push_str("## Executive summary\n\n");
    let demand: Vec<String> =
        i.tests.iter().filter_map(|t| Some(format!("{} {}", t.id, share(Some(t.demand_met?))))).collect();
    if !demand.is_empty() {
        let _ = writeln!(
            out,
            "Share of the demand hosted in {} that was met, test by test: {}.\n",
            i.scope,
            demand.join(", ")
        );
    }
    for a in &i.areas {
        let Some(g) = a.grade else {
            let _ = writeln!(out, "- **{}**: not tested — no test exercised it in {}.", a.area, i.scope);
            continue;
        };
        // The worst graded measure of each deciding test, as the reason in a few words.
        let reasons: Vec<String> = a
            .deciding
            .iter()
            .filter_map(|t| {
                let worst = a.evidence.iter().find(|e| &e.test == t && e.grade == Some(g))?;
                Some(format!("{t}: {} {}", worst.description, format_measure(worst.value, &worst.unit)))
            })
            .take(3)
            .collect();
        let rank = i
            .peers
            .as_ref()
            .and_then(|p| p.areas.iter().find(|x| x.area == a.area))
            .map_or(String::new(), |r| format!("; {} of {} {}s", ordinal(r.rank), r.of, i.scope_kind));
        let lift =
            i.lifts.iter().flatten().find(|l| l.area == a.area).map_or(String::new(), |l| match l.to {
                Some(to) => format!("; {} with {}", to.title().to_lowercase(), l.change),
                None => format!("; {}", l.change),
            });
        let _ = writeln!(
            out,
            "- **{}: {}**{rank}{lift}. Decided by {}{}.",
            a.area,
            g.title(),
            if reasons.is_empty() { a.deciding.join(", ") } else { reasons.join("; ") },
            if a.deciding.len() > reasons.len() {
                format!(" (and {} more)", a.deciding.len() - reasons.len())
            } else {
                String::new()
            }
        );
    }
    out.push('\n');
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The report as Markdown. `date` is printed as given (the report holds no clock of its own,
/// so the same inputs give the same bytes).
pub fn markdown(i: &Inspection, date: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Inspection: {} ({})\n", i.scope, i.scope_kind);
    let _ = writeln!(
        out,
        "- **Battery**: {} ({} tests; {})\n- **Dataset**: {} (SHA-256 {})\n- **Muster**: {} · {} replications per test · thresholds: {}\n- **Date**: {}\n- **Forces**: {}\n- **Placed at**: host {} ({}), then {} and {}; region {}\n",
        i.battery,
        i.tests.len(),
        i.battery_source,
        i.dataset,
        i.dataset_sha256.get(..12).unwrap_or(&i.dataset_sha256),
        i.version,
        i.runs,
        i.thresholds,
        date.unwrap_or("not given (pass --date)"),
        i.forces.join(", "),
        i.placement.get("host").map_or("", String::as_str),
        i.placement.get("host_name").map_or("", String::as_str),
        i.placement.get("second").map_or("", String::as_str),
        i.placement.get("third").map_or("", String::as_str),
        i.placement.get("region").map_or("", String::as_str),
    );
    summary(&mut out, i);
    out.push_str("## Judgement\n\nEach area takes the worst grade any test gave it here; the tests that gave it decided it.\n\n");
    out.push_str("| SPR area | grade | decided by | graded by |\n|---|---|---|---|\n");
    for a in &i.areas {
        let _ = writeln!(
            out,
            "| {} | **{}** | {} | {} |",
            a.area,
            grade(a.grade),
            if a.deciding.is_empty() { "—".into() } else { a.deciding.join(", ") },
            if a.tested_by.is_empty() { "no test".into() } else { a.tested_by.join(", ") }
        );
    }
    out.push_str("\n## Evidence\n");
    for a in &i.areas {
        let _ = writeln!(out, "\n### {} — {}\n", a.area, grade(a.grade));
        if a.evidence.is_empty() {
            out.push_str("No test graded this area in the scope.\n");
            continue;
        }
        out.push_str("| test | measure | value | 5–95% | grade |\n|---|---|---:|---|---|\n");
        for e in &a.evidence {
            let range = match (e.p5, e.p95) {
                (Some(lo), Some(hi)) => {
                    format!("{} – {}", format_measure(lo, &e.unit), format_measure(hi, &e.unit))
                }
                _ => "—".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {range} | {} |",
                e.test,
                e.description,
                e.note.as_ref().map_or(String::new(), |n| format!(" ({n})")),
                format_measure(e.value, &e.unit),
                grade(e.grade)
            );
        }
    }
    if let Some(lifts) = &i.lifts {
        out.push_str(
            "\n## What would change the grade\n\nFor each area below good, the smallest change found that lifts it one grade in every test that graded it (each candidate re-run with the same runs and seeds).\n\n",
        );
        if lifts.is_empty() {
            out.push_str("No area is below good.\n");
        } else {
            out.push_str("| SPR area | now | with the change | change | cost |\n|---|---|---|---|---|\n");
            for l in lifts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    l.area,
                    l.from.title(),
                    l.to.map_or("no change found", Grade::title),
                    l.change,
                    l.officers.map_or("—".into(), |o| format!("{o} officers"))
                );
            }
        }
    }
    out.push_str("\n## Demand the scope could not meet\n\n");
    if i.unmet.is_empty() {
        out.push_str("Every test's demand in the scope was met.\n");
    } else {
        out.push_str("| test | threat | capability | demanded (unit-hours) | unmet (unit-hours) | met | peak short (units) |\n|---|---|---|---:|---:|---:|---:|\n");
        for row in &i.unmet {
            let u = &row.demand;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.1} | {:.1}% | {:.1} |",
                row.test,
                u.threat,
                u.capability,
                u.demanded_unit_hours,
                u.unmet_unit_hours,
                u.demand_met * 100.0,
                u.peak_shortfall_units
            );
        }
    }
    if let Some(p) = &i.peers {
        let _ = writeln!(
            out,
            "\n## Among its peers\n\nThe same battery placed in each of {} {}s. Ranked per area by grade, then by the share of hosted demand the whole battery met.\n",
            p.count, i.scope_kind
        );
        out.push_str("| SPR area | rank | best | worst |\n|---|---|---|---|\n");
        for a in &p.areas {
            let name = |t: Option<&(String, Option<Grade>, Option<f64>)>| {
                t.map_or("—".into(), |t| format!("{} ({}, {})", t.0, grade(t.1), share(t.2)))
            };
            let _ = writeln!(
                out,
                "| {} | {} of {} | {} | {} |",
                a.area,
                a.rank,
                a.of,
                name(a.table.first()),
                name(a.table.last())
            );
        }
        out.push_str(
            "\n| test | demand met here | rank | peers' lowest / median / highest |\n|---|---:|---|---|\n",
        );
        for t in &p.tests {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.test,
                share(t.demand_met),
                t.rank.map_or("—".into(), |r| format!("{r} of {}", t.of)),
                t.range.map_or("—".into(), |(lo, mid, hi)| format!(
                    "{} / {} / {}",
                    share(Some(lo)),
                    share(Some(mid)),
                    share(Some(hi))
                ))
            );
        }
        if !p.left_out.is_empty() {
            let _ = writeln!(out, "\nLeft out: {}.", p.left_out.join("; "));
        }
        for a in &p.areas {
            let _ = writeln!(
                out,
                "\n### Ranking: {}\n\n| rank | {} | grade | battery demand met |\n|---:|---|---|---:|",
                a.area, i.scope_kind
            );
            for (k, (name, g, met)) in a.table.iter().enumerate() {
                let mark = if *name == i.scope { " ◀" } else { "" };
                let _ = writeln!(out, "| {} | {name}{mark} | {} | {} |", k + 1, grade(*g), share(*met));
            }
        }
    }
    out.push_str("\n## Annex: the tests\n");
    for t in &i.tests {
        let _ = writeln!(
            out,
            "\n### {}: {}\n\n- **SPR threat**: {}\n- **Why**: {}\n- **Scenario**: {} (seed {}, {} replications)\n- **Hosted demand met**: {}\n- **Grades here**: {}",
            t.id,
            t.title,
            t.threat,
            t.why,
            t.scenario,
            t.seed,
            t.completed,
            share(t.demand_met),
            t.grades.iter().map(|(a, g)| format!("{a} {}", grade(*g))).collect::<Vec<_>>().join(" · ")
        );
        if !t.assessment.exercised.is_empty() {
            let _ = writeln!(out, "- **What it asked of the scope**: {}", t.assessment.exercised.join("; "));
        }
    }
    out
}

/// Fill of a share of demand met on the map: five bands, darker for less met.
fn band(met: Option<f64>) -> (&'static str, &'static str) {
    match met {
        Some(m) if m >= 0.95 => ("#c6e9cf", "95% or more"),
        Some(m) if m >= 0.9 => ("#e6f2c2", "90–95%"),
        Some(m) if m >= 0.8 => ("#ffe08a", "80–90%"),
        Some(m) if m >= 0.6 => ("#f8b98b", "60–80%"),
        Some(_) => ("#f19a9a", "under 60%"),
        None => ("#eef0f2", "no demand hosted"),
    }
}

/// The map: the scope's forces outlined; with peers, every peer's forces shaded by the share
/// of its hosted demand the battery met. England and Wales (the forces the SPR binds) frame
/// it. Nothing when the dataset's forces have no built-in areas.
fn map(i: &Inspection) -> String {
    let home = |country: &str| matches!(country, "england" | "wales");
    let framed: Vec<(&str, (f64, f64))> = i
        .geography
        .iter()
        .filter(|(code, _, country)| home(country) && areas().contains_key(code))
        .filter_map(|(code, _, _)| Some((code.as_str(), anchor(code, None)?)))
        .collect();
    let Some(frame) = Frame::fit(framed.iter().copied(), 520.0, 640.0) else { return String::new() };
    // Each force's peer: itself, or its region.
    let peer_of = |code: &str, region: &str| {
        if i.scope_kind == "region" { region.to_string() } else { code.to_string() }
    };
    let met_of = |peer: &str| {
        i.peers
            .as_ref()
            .and_then(|p| p.areas.first())
            .and_then(|a| a.table.iter().find(|t| t.0 == peer))
            .and_then(|t| t.2)
    };
    let mut h = format!(
        "<figure>\n<figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" viewBox=\"0 0 {:.0} {:.0}\" role=\"img\" aria-labelledby=\"map-title\"><title id=\"map-title\">Map of the force areas{}; the tables give the same figures</title>\n",
        if i.peers.is_some() {
            "Where the battery's demand was met: each peer shaded by the share it met, the scope outlined"
        } else {
            "The scope's forces, outlined"
        },
        frame.width,
        frame.height,
        frame.width,
        frame.height,
        if i.peers.is_some() {
            " shaded by the share of hosted demand the battery met in each peer, the scope's forces outlined"
        } else {
            " with the scope's forces outlined"
        }
    );
    for (code, region, country) in &i.geography {
        if !home(country) || !areas().contains_key(code) {
            continue;
        }
        let peer = peer_of(code, region);
        let inside = i.forces.contains(code);
        let fill = if i.peers.is_some() {
            band(met_of(&peer)).0
        } else if inside {
            "#b6e3ff"
        } else {
            "#eef0f2"
        };
        let _ = writeln!(
            h,
            "<path d=\"{}\" fill=\"{fill}\" fill-rule=\"evenodd\" stroke=\"{}\" stroke-width=\"{}\"><title>{}{}</title></path>",
            frame.area_path(code),
            if inside { "#0a3069" } else { "#8c959f" },
            if inside { 1.6 } else { 0.5 },
            escape(code),
            if i.peers.is_some() {
                format!(" ({}): {} met", escape(&peer), share(met_of(&peer)))
            } else {
                String::new()
            }
        );
    }
    h.push_str("</svg>\n");
    if i.peers.is_some() {
        h.push_str("<p class=\"legend\">");
        for m in [Some(0.95), Some(0.9), Some(0.8), Some(0.6), Some(0.0), None] {
            let (fill, text) = band(m);
            let _ = write!(
                h,
                "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" height=\"10\" fill=\"{fill}\" stroke=\"#57606a\" stroke-width=\"0.5\"/></svg> {text}</span> "
            );
        }
        h.push_str("</p>\n");
    }
    let _ = writeln!(h, "<p class=\"sub\">{}</p>\n</figure>", escape(super::map::AREAS_ATTRIBUTION));
    h
}

/// The share of hosted demand met in each test as bars, with the peers' median marked when
/// there are peers.
fn bars(i: &Inspection) -> String {
    let rows: Vec<(&str, f64, Option<f64>)> = i
        .tests
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let median =
                i.peers.as_ref().and_then(|p| p.tests.get(k)).and_then(|s| s.range).map(|(_, mid, _)| mid);
            Some((t.id.as_str(), t.demand_met?, median))
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    const W: f64 = 640.0;
    const LABEL: f64 = 150.0;
    const ROW: f64 = 26.0;
    let span = W - LABEL - 60.0;
    let height = ROW * rows.len() as f64 + 34.0;
    let mut h = format!(
        "<figure>\n<figcaption>Share of the demand hosted in {} that was met, per test{}</figcaption>\n<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\" role=\"img\" aria-labelledby=\"met-title\"><title id=\"met-title\">Bars of the share of hosted demand met in each test, from 0 to 100%{}; the annex gives the same figures</title>\n",
        escape(&i.scope),
        if i.peers.is_some() { " (a black tick: the peers' median)" } else { "" },
        if i.peers.is_some() { ", with the peers' median as a tick" } else { "" }
    );
    for (k, (id, met, median)) in rows.iter().enumerate() {
        let y = 8.0 + ROW * k as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            LABEL - 8.0,
            y + ROW * 0.6,
            escape(id),
            met * span,
            ROW - 8.0,
            band(Some(*met)).0,
            LABEL + met * span + 4.0,
            y + ROW * 0.6,
            share(Some(*met))
        );
        if let Some(m) = *median {
            let x = LABEL + m * span;
            let _ = writeln!(
                h,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1f2328\" stroke-width=\"2\"><title>peers' median {}</title></line>",
                y - 2.0,
                y + ROW - 6.0,
                share(Some(m))
            );
        }
    }
    for pct in [0.0, 0.5, 1.0] {
        let x = LABEL + pct * span;
        let _ = writeln!(
            h,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{:.0}%</text>",
            height - 6.0,
            pct * 100.0
        );
    }
    h.push_str("</svg>\n</figure>\n");
    h
}

/// The report as a page of its own (the Markdown rendered, grades coloured, with the map).
pub fn html(i: &Inspection, date: Option<&str>) -> String {
    let mut body = super::page::html_of(&markdown(i, date));
    // The charts after the executive summary, before the judgement.
    if let Some(at) = body.find("<h2>Judgement</h2>") {
        body.insert_str(at, &(bars(i) + &map(i)));
    }
    // Grades in colour as well as words (the words stay: colour is never the only sign).
    for g in Grade::ALL {
        body = body.replace(
            &format!("<strong>{}</strong>", g.title()),
            &format!(
                "<strong class=\"grade g-{}\">{}</strong>",
                g.title().to_lowercase().replace(' ', "-"),
                g.title()
            ),
        );
    }
    super::page::standalone(
        &format!("Inspection: {}", i.scope),
        "body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:64em;margin:1.5em auto;padding:0 1em}\
         table{border-collapse:collapse;display:block;overflow-x:auto;margin:1em 0}th,td{border-bottom:1px solid #d0d7de;padding:0.25em 0.6em;text-align:left;vertical-align:top}\
         .grade{padding:0.05em 0.4em;border-radius:3px}.g-outstanding{background:#8fd19e}.g-good{background:#c6e9cf}.g-adequate{background:#ffe08a}\
         .g-requires-improvement{background:#f8b98b}.g-inadequate{background:#f19a9a}\
         figure{margin:1em 0}figcaption{font-weight:600}svg{max-width:100%;height:auto}.legend span{margin-right:1em;white-space:nowrap}.sub{color:#57606a;font-size:0.9em}\
         @media print{body{max-width:none}table{display:table}}",
        &body,
    )
}

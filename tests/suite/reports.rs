//! Reports people read: an executive summary and a methods box on every report, charts with
//! labelled axes, whole-unit ticks, D+hh:mm times and marked moments, sorted bars. The pages
//! as a browser shows them are checked in `browser.rs`.

use muster::model::Thresholds;
use muster::present::report::{Report, ReportSource};

use super::common::*;

fn builtin() -> Thresholds {
    muster::input::load_thresholds(None, &[]).expect("built-in thresholds load")
}

fn london() -> muster::results::RunResult {
    let model =
        load(muster::shipped::find("london-disorder-2011").expect("shipped"), None, &[]).expect("loads");
    run_checked(model)
}

/// The text of every element `<tag class="class" ...>TEXT</tag>` in `html`.
fn texts<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
    html.split(&format!("class=\"{class}\""))
        .skip(1)
        .filter_map(|s| s.split_once('>').and_then(|(_, rest)| rest.split('<').next()))
        .collect()
}

fn is_clock(s: &str) -> bool {
    // D<day>+hh:mm
    let Some(rest) = s.strip_prefix('D') else { return false };
    let Some((day, hm)) = rest.split_once('+') else { return false };
    day.parse::<u32>().is_ok()
        && hm.len() == 5
        && hm.as_bytes()[2] == b':'
        && hm[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && hm[3..].parse::<u32>().is_ok_and(|m| m < 60)
}

#[test]
fn every_report_opens_with_a_summary_that_answers_the_scenarios_question() {
    let r = london();
    let report = Report::build(&ReportSource::Run(Box::new(r.clone())), &builtin());
    let html = muster::present::html::render(&report);
    let md = muster::present::markdown::render(&report);
    let question = &r.manifest.inputs.question;
    assert!(!question.is_empty(), "the result keeps the scenario's question");
    let headings = [
        ["id=\"summary\"", "id=\"methods\"", "id=\"evidence\""],
        ["## Executive summary", "## Methods and caveats", "## Evidence (nation)"],
    ];
    for (page, [summary, methods, evidence]) in [&html, &md].into_iter().zip(headings) {
        let summary_at = page.find(summary).expect("a summary");
        let methods_at = page.find(methods).expect("a methods box");
        let evidence_at = page.find(evidence).expect("evidence");
        assert!(summary_at < methods_at && methods_at < evidence_at, "summary and caveats come first");
        assert!(page.contains(question.as_str()), "the question is asked");
        // The answer gives the figures a reader wants first.
        let share = format!("{:.1}% of the demand was met", r.summary.demand_met * 100.0);
        assert!(page.contains(&share), "no {share:?}");
        assert!(page.contains("The worst moment was D"), "the worst gap and when");
        assert!(page.contains("not an HMICFRS standard"), "the thresholds' provenance");
        assert!(page.contains("policy.retained_cover = 0.5"), "an unverified figure in use is listed");
        assert!(page.contains("Standby mobilisation"), "what the model leaves out");
        assert!(page.contains("muster headroom london-disorder-2011"), "what would change the answer");
        assert!(!page.contains("minute "), "times are D+hh:mm, not minute counts");
    }
    // A figure the scenario overrides is the user's own, no longer listed as unverified.
    let model = load(
        muster::shipped::find("london-disorder-2011").expect("shipped"),
        None,
        &["policy.retained_cover=0.4"],
    )
    .expect("loads");
    assert!(!model.unverified.iter().any(|u| u.starts_with("policy.retained_cover")));
    assert!(model.unverified.iter().any(|u| u.starts_with("policy.tour")));
}

#[test]
fn charts_have_titled_axes_whole_unit_ticks_clock_times_and_marks() {
    let r = london();
    let html =
        muster::present::html::render(&Report::build(&ReportSource::Run(Box::new(r.clone())), &builtin()));
    let charts: Vec<&str> =
        html.split("<svg class=\"chart\"").skip(1).map(|s| s.split("</svg>").next().unwrap_or("")).collect();
    assert!(!charts.is_empty());
    for c in &charts {
        let titles = texts(c, "axis-title");
        assert_eq!(titles, ["units", "time from the start (D+hh:mm)"], "axis titles with units");
        let ys = texts(c, "tick-y");
        assert!(ys.len() >= 2);
        for y in &ys {
            assert!(y.parse::<u32>().is_ok(), "a value tick {y:?} is not a whole number of units");
        }
        for x in texts(c, "tick-x") {
            assert!(is_clock(x), "a time tick {x:?} is not D+hh:mm");
        }
        // Every series is drawn, each with its own dash pattern or colour.
        for label in ["demand", "deployed", "effective", "shortfall"] {
            assert!(c.contains(&format!("data-label=\"{label}\"")), "no {label} series");
        }
        // Every incident's start is marked, and the national trigger if it fired.
        let marks = c.matches("class=\"mark\"").count();
        let trigger = usize::from(r.summary.national_trigger_at.is_some());
        assert_eq!(marks, (r.incidents.len() + trigger).min(12), "incident starts are marked");
        for i in &r.incidents {
            assert!(c.contains(&format!("{} begins", i.id)), "{} not marked", i.id);
        }
    }
}

#[test]
fn bar_charts_are_sorted_largest_first_with_a_value_axis() {
    let r = london();
    let html = muster::present::html::render(&Report::build(&ReportSource::Run(Box::new(r)), &builtin()));
    let bars = html
        .split("<svg class=\"chart bars\"")
        .nth(1)
        .expect("a bar chart")
        .split("</svg>")
        .next()
        .unwrap_or("");
    assert!(!texts(bars, "axis-title").is_empty(), "the value axis has a title");
    assert!(texts(bars, "tick-x").iter().all(|t| t.parse::<u32>().is_ok()), "whole-number value ticks");
    // Each force's largest bar, in drawing order.
    let mut largest: Vec<(String, f64)> = Vec::new();
    for title in bars.split("<title>").skip(2).filter_map(|s| s.split("</title>").next()) {
        let (who, value) = title.split_once(": ").expect("code label: value unit");
        let code = who.split(' ').next().unwrap_or("").to_string();
        let v: f64 = value.split(' ').next().and_then(|v| v.parse().ok()).expect("a value");
        match largest.last_mut() {
            Some((c, m)) if *c == code => *m = m.max(v),
            _ => largest.push((code, v)),
        }
    }
    assert!(largest.len() >= 3);
    assert!(largest.windows(2).all(|w| w[0].1 >= w[1].1), "not sorted largest first: {largest:?}");
}

#[test]
fn an_ensemble_chart_draws_medians_and_says_when_its_band_has_no_width() {
    let model = std::sync::Arc::new(
        load(
            muster::shipped::find("london-disorder-2011").expect("shipped"),
            None,
            &["uncertainty.deterministic=true"],
        )
        .expect("loads"),
    );
    let agg = muster::analysis::ensemble::run_aggregate(&model, 3, || {});
    let report = Report::build(&ReportSource::Ensemble(Box::new(agg.clone())), &builtin());
    let note = report.charts[0].band_note.as_deref().expect("an ensemble chart has a band note");
    assert!(note.contains("median") && note.contains("no width"), "{note}");
    let html = muster::present::html::render(&report);
    assert!(html.contains("Every replication gave the same result"), "the caveats say so too");
    // The line is the median of the replications, point by point.
    let series = &agg.series[&report.charts[0].capability];
    let demand = &report.charts[0].curves[0];
    assert_eq!(demand.values, series.iter().map(|b| b.demand.p50).collect::<Vec<_>>());
    // An ensemble has a timeline of median moments, in time order.
    assert!(
        report.timeline.iter().any(|(_, w)| w.starts_with("the worst shortfall")),
        "{:?}",
        report.timeline
    );
    assert!(report.timeline.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(html.contains("Median moments over the replications"));
}

#[test]
fn aid_flows_add_up_to_what_each_force_lent_and_received() {
    // The riot at alpha draws aid from bravo and charlie.
    let r = three(&[]);
    assert!(!r.aid_flows.is_empty(), "the riot at alpha received aid");
    for f in &r.forces {
        let out: f64 = r.aid_flows.iter().filter(|x| x.from == f.code).map(|x| x.unit_hours).sum();
        let inn: f64 = r.aid_flows.iter().filter(|x| x.to == f.code).map(|x| x.unit_hours).sum();
        assert!(
            (out - f.lent_unit_hours).abs() < 0.01,
            "{}: flows out {out} vs lent {}",
            f.code,
            f.lent_unit_hours
        );
        assert!(
            (inn - f.received_unit_hours).abs() < 0.01,
            "{}: flows in {inn} vs received {}",
            f.code,
            f.received_unit_hours
        );
    }
    assert!(r.aid_flows.iter().all(|x| x.from != x.to && x.unit_hours > 0.0));
    let mut sorted = r.aid_flows.clone();
    sorted.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    assert_eq!(sorted, r.aid_flows, "sorted by donor then host");
}

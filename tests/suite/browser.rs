//! Reports as a reader sees them, in headless Chromium through WebDriver (webdriver.rs): the
//! summary is there, every chart's axes are labelled, the map is drawn with force areas, the
//! page does not scroll sideways at 390 px, nothing is logged as an error, axe-core finds no
//! serious or critical accessibility violation, the force table sorts from the keyboard, and
//! the print stylesheet hides the navigation. Screenshots at 390 px are kept in
//! target/browser-screenshots for a person to look at.

use std::path::{Path, PathBuf};

use muster::model::Thresholds;
use muster::present::report::{Report, ReportSource};

use super::common::*;
use super::webdriver::{Browser, png_size, tools};

fn builtin() -> Thresholds {
    muster::input::load_thresholds(None, &[]).expect("built-in thresholds load")
}

fn page(name: &str, report: &Report) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-pages");
    std::fs::create_dir_all(&dir).expect("a folder for the pages");
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, muster::present::html::render(report)).expect("page written");
    path
}

/// Everything the tests read off a page at once.
const SURVEY: &str = "var charts = Array.prototype.map.call(document.querySelectorAll('svg.chart'), function (svg) {
  return Array.prototype.filter.call(svg.querySelectorAll('.axis-title'), function (t) {
    var r = t.getBoundingClientRect(); return r.width > 0 && r.height > 0 && t.textContent.trim().length > 0;
  }).length;
});
var summary = document.querySelector('#summary');
var box = summary ? summary.getBoundingClientRect() : null;
return {
  summary: summary ? summary.innerText : '',
  summaryVisible: box !== null && box.width > 0 && box.height > 0,
  methods: (document.querySelector('#methods') || {innerText: ''}).innerText,
  charts: charts,
  mapAreas: document.querySelectorAll('svg.map .area').length,
  mapLabels: document.querySelectorAll('svg.map .label').length,
  mapLegend: document.querySelectorAll('.map-legend .grade').length,
  innerWidth: window.innerWidth,
  wide: Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) {
    return e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.scroll');
  }).slice(0, 5).map(function (e) { return e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right); }),
  scrollWidth: document.documentElement.scrollWidth
};";

/// Open `file` at desktop width and at 390 px and check what a reader sees.
fn check_page(name: &str, file: &Path, question: &str) {
    let axe = match tools() {
        Ok(axe) => axe,
        Err(e) => panic!("the browser tests need Chromium, ChromeDriver and axe-core: {e}"),
    };
    let desk = Browser::start(1280, 900).expect("Chromium starts");
    desk.open(file).expect("the page opens");
    let seen = desk.eval(SURVEY).expect("the page can be read");
    assert!(seen["summaryVisible"] == true, "{name}: the executive summary is not shown");
    let summary = seen["summary"].as_str().unwrap_or("");
    assert!(summary.contains("Executive summary") && summary.contains(question), "{name}: {summary}");
    assert!(summary.contains("of the demand was met"), "{name}: the answer's first figure: {summary}");
    assert!(seen["methods"].as_str().unwrap_or("").contains("not an HMICFRS standard"), "{name}: caveats");
    let charts = seen["charts"].as_array().expect("charts");
    assert!(!charts.is_empty(), "{name}: no chart");
    for (i, c) in charts.iter().enumerate() {
        // Time charts have a value and a time axis title; bar charts a value axis title.
        assert!(c.as_u64().unwrap_or(0) >= 1, "{name}: chart {i} has no visible axis title");
    }
    assert!(seen["mapAreas"].as_u64().unwrap_or(0) >= 40, "{name}: the map has no force areas: {seen}");
    assert!(seen["mapLabels"].as_u64().unwrap_or(0) >= 40, "{name}: the map does not name the forces");
    assert!(seen["mapLegend"].as_u64().unwrap_or(0) >= 6, "{name}: the map has no legend");
    assert_eq!(desk.console_errors().expect("the log"), Vec::<String>::new(), "{name}: console errors");

    let serious = desk.serious_violations(axe).expect("axe-core runs");
    assert!(serious.is_empty(), "{name}: serious accessibility violations: {serious:#?}");

    // The force table sorts from the keyboard: Enter on a column heading's button.
    desk.press_enter("table.sortable th:nth-child(3) button").expect("a sort button takes Enter");
    let sorted = desk
        .eval("return document.querySelector('table.sortable th:nth-child(3)').getAttribute('aria-sort');")
        .expect("read");
    assert_eq!(sorted, "ascending", "{name}: Enter on a heading sorts the table");
    desk.emulate_print().expect("print media");
    let nav = desk.eval("return getComputedStyle(document.querySelector('nav')).display;").expect("read");
    assert_eq!(nav, "none", "{name}: the print stylesheet hides the navigation");
    drop(desk);

    let phone = Browser::start(800, 900).expect("Chromium starts");
    phone.emulate_phone(390, 844).expect("phone metrics");
    phone.open(file).expect("the page opens");
    let seen = phone.eval(SURVEY).expect("the page can be read");
    let (inner, scroll) =
        (seen["innerWidth"].as_u64().unwrap_or(0), seen["scrollWidth"].as_u64().unwrap_or(0));
    assert_eq!(inner, 390, "{name}: the window is not phone width");
    assert!(
        scroll <= inner,
        "{name}: the page scrolls sideways at 390 px ({scroll} px wide): {}",
        seen["wide"]
    );
    let png = phone.screenshot().expect("a screenshot");
    assert_eq!(png_size(&png).map(|(w, _)| w), Some(390), "{name}: a 390 px screenshot");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::create_dir_all(&shots);
    let _ = std::fs::write(shots.join(format!("{name}-390.png")), &png);
}

#[test]
fn a_run_report_reads_well_in_a_real_browser() {
    let model =
        load(muster::shipped::find("london-disorder-2011").expect("shipped"), None, &[]).expect("loads");
    let r = run_checked(model);
    let question = r.manifest.inputs.question.clone();
    let report = Report::build(&ReportSource::Run(Box::new(r)), &builtin());
    check_page("run-london-2011", &page("run-london-2011", &report), &question);
}

#[test]
fn an_ensemble_report_reads_well_in_a_real_browser() {
    let model = std::sync::Arc::new(
        load(muster::shipped::find("birmingham-attack-cyber").expect("shipped"), None, &[]).expect("loads"),
    );
    let mut agg = muster::analysis::ensemble::run_aggregate(&model, 4, || {});
    agg.assessment = Some(muster::assessment::assess_ensemble(&agg, &builtin()));
    let question = agg.manifest.inputs.question.clone();
    let report = Report::build(&ReportSource::Ensemble(Box::new(agg)), &builtin());
    check_page("ensemble-birmingham", &page("ensemble-birmingham", &report), &question);
}

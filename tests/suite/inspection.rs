//! `muster inspect`: a battery of two tests on the three-force world checked by hand, the same
//! bytes on one thread and on two, peers ranked with a weakened force last, and malformed
//! batteries and scopes located with nothing written.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{muster, scratch};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Run `muster inspect` with `args`; its status, stderr and (when it wrote one) its JSON.
fn inspect(args: &[&str], out: &Path) -> (Option<i32>, String, Option<Value>) {
    let output = muster().arg("inspect").args(args).arg("--out").arg(out).output().expect("muster runs");
    let json = std::fs::read_to_string(out.join("inspection.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("JSON"));
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned(), json)
}

fn small(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--dataset".into(),
        data("three-forces.toml").display().to_string(),
        "--battery".into(),
        data("battery-two-tests.toml").display().to_string(),
        "--runs".into(),
        "3".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Alpha hosts 5 PSUs for 10 hours (50 unit-hours). Its own 2 are on task at 1h30 (1 h notice
/// and 30 min local travel): 2 × 8.5 = 17 unit-hours. In `riot` bravo's 2 spare (it keeps 2 of
/// 4) arrive at 3h (regional latency 1 h, notice 1 h, 60 min drive): 14 more; national aid,
/// raised at the 2h trigger and acted on at 4h, brings charlie's 1 at 8h (1 h notice, 180 min):
/// 2 more. 33 of 50 = 66%. In `riot-cut-off` alpha's links are closed: its own 17, 34%, and 10
/// hours cut off. Connectivity: `riot` grades tier-2 arrival (3 h) and tier-3 (6 h) good, the
/// cut-off 10 h adequate; the judgement takes the worse, decided by `riot-cut-off`.
#[test]
fn a_two_test_battery_on_the_three_force_world_is_graded_as_worked_by_hand() {
    let d = scratch("inspection", "hand");
    let args = small(&["alpha", "--date", "2026-11-30"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err, json) = inspect(&args, &d);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("2 tests × 3 runs = 6 replications"), "the cost up front: {err}");
    let json = json.expect("inspection.json");
    assert_eq!(json["date"], "2026-11-30");
    let i = &json["inspection"];
    assert_eq!((i["scope"].as_str(), i["scope_kind"].as_str()), (Some("alpha"), Some("force")));
    let tests = i["tests"].as_array().expect("tests");
    assert_eq!(tests.iter().map(|t| t["demand_met"].as_f64()).collect::<Vec<_>>(), [Some(0.66), Some(0.34)]);
    let unmet: Vec<(f64, f64)> = i["unmet"]
        .as_array()
        .expect("unmet")
        .iter()
        .map(|u| {
            (u["demanded_unit_hours"].as_f64().unwrap_or(0.0), u["unmet_unit_hours"].as_f64().unwrap_or(0.0))
        })
        .collect();
    assert_eq!(unmet, [(50.0, 17.0), (50.0, 33.0)]);
    let area = |name: &str| {
        i["areas"].as_array().and_then(|a| a.iter().find(|x| x["area"] == name)).cloned().expect(name)
    };
    let connectivity = area("connectivity");
    assert_eq!(connectivity["grade"], "adequate");
    assert_eq!(connectivity["deciding"], serde_json::json!(["riot-cut-off"]));
    let arrival: Vec<f64> = connectivity["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["test"] == "riot")
        .map(|e| e["value"].as_f64().unwrap_or(0.0))
        .collect();
    assert_eq!(arrival, [180.0, 360.0], "tier-2 and tier-3 request to arrival (minutes)");
    // The capacity judgement is the worse of 66% and 34% met: both below the adequate limit.
    let capacity = area("capacity");
    assert_eq!(capacity["grade"], "inadequate");
    assert_eq!(capacity["deciding"], serde_json::json!(["riot", "riot-cut-off"]));
    let md = std::fs::read_to_string(d.join("inspection.md")).expect("markdown");
    assert!(
        md.contains("- **Date**: 2026-11-30")
            && md.contains("| connectivity | **Adequate** | riot-cut-off |"),
        "{md}"
    );
    let html = std::fs::read_to_string(d.join("inspection.html")).expect("html");
    assert!(
        html.contains("<strong class=\"grade g-adequate\">Adequate</strong>"),
        "grades in colour and words"
    );
}

/// What would lift alpha's capacity one grade (inadequate to requires improvement, 80% met):
/// with 2 more PSUs the cut-off riot meets 4 × 8.5 = 34 of 50 unit-hours (68%), with 3 more
/// 5 × 8.5 = 42.5 (85%), and the riot with aid as much: 3 PSUs, 75 officers. Connectivity is
/// held down by the 10 hours cut off, which no regional latency shortens.
#[test]
fn the_smallest_change_that_lifts_a_grade_is_found_and_costed() {
    let d = scratch("inspection", "lift");
    let args = small(&["alpha", "--what-would-change"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err, json) = inspect(&args, &d);
    assert_eq!(code, Some(0), "{err}");
    let lifts = json.expect("JSON")["inspection"]["lifts"].as_array().cloned().expect("lifts");
    let of = |area: &str| lifts.iter().find(|l| l["area"] == area).cloned().expect(area);
    let capacity = of("capacity");
    assert_eq!(
        (capacity["from"].as_str(), capacity["to"].as_str(), capacity["officers"].as_u64()),
        (Some("inadequate"), Some("requires-improvement"), Some(75))
    );
    assert_eq!(capacity["change"], "3 more public-order unit(s) at alpha");
    let connectivity = of("connectivity");
    assert_eq!(connectivity["to"], Value::Null, "{connectivity}");
    assert!(lifts.iter().all(|l| l["area"] != "consistency"), "consistency is outstanding: nothing to lift");
    let md = std::fs::read_to_string(d.join("inspection.md")).expect("markdown");
    assert!(md.contains("| capacity | Inadequate | Requires improvement | 3 more public-order unit(s) at alpha | 75 officers |"), "{md}");
}

#[test]
fn an_inspection_is_the_same_bytes_on_one_thread_and_on_two() {
    let outs: Vec<Vec<Vec<u8>>> = ["1", "2"]
        .iter()
        .map(|threads| {
            let d = scratch("inspection", &format!("threads-{threads}"));
            let args = small(&["alpha", "--compare-all", "--threads", threads]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, err, _) = inspect(&args, &d);
            assert_eq!(code, Some(0), "{err}");
            ["inspection.json", "inspection.md", "inspection.html"]
                .iter()
                .map(|f| std::fs::read(d.join(f)).expect("written"))
                .collect()
        })
        .collect();
    assert_eq!(outs[0], outs[1]);
}

/// Charlie cut to one PSU hosts the riot worst: last on capacity among the three forces.
#[test]
fn compare_all_ranks_a_weakened_force_last() {
    let d = scratch("inspection", "peers");
    let weak = d.join("weakened.toml");
    let text = std::fs::read_to_string(data("three-forces.toml")).expect("dataset");
    let at = text.find("code = \"charlie\"").expect("charlie");
    let units = at + text[at..].find("units = { public-order = ").expect("charlie's units");
    let end = units + text[units..].find('}').expect("closing brace") + 1;
    let weakened = format!("{}units = {{ public-order = 1 }}{}", &text[..units], &text[end..]);
    std::fs::create_dir_all(&d).expect("folder");
    std::fs::write(&weak, weakened).expect("written");
    let out = d.join("out");
    let battery = data("battery-two-tests.toml").display().to_string();
    let args = [
        "bravo",
        "--dataset",
        weak.to_str().expect("path"),
        "--battery",
        &battery,
        "--runs",
        "2",
        "--compare-all",
    ];
    let (code, err, json) = inspect(&args, &out);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("× 3 forces = 12 replications"), "{err}");
    let peers = &json.expect("JSON")["inspection"]["peers"];
    assert_eq!(peers["count"], 3);
    let capacity =
        peers["areas"].as_array().and_then(|a| a.iter().find(|x| x["area"] == "capacity")).expect("capacity");
    let order: Vec<&str> =
        capacity["table"].as_array().expect("table").iter().filter_map(|r| r[0].as_str()).collect();
    assert_eq!(order.last(), Some(&"charlie"), "{capacity}");
    assert_eq!(capacity["of"], 3);
}

#[test]
fn malformed_batteries_and_scopes_are_located_and_nothing_is_written() {
    let d = scratch("inspection", "malformed");
    std::fs::create_dir_all(&d).expect("folder");
    let good = std::fs::read_to_string(data("battery-two-tests.toml")).expect("battery");
    let cases = [
        // An unknown placeholder, at its own line and column.
        (
            good.replacen("force = \"${host}\"", "force = \"${hots}\"", 1),
            "bad-placeholder.toml",
            ":23:10: unknown placeholder '${hots}'",
            "'host'",
        ),
        // A threat the SPR does not name.
        (
            good.replacen("threat = \"public disorder\"", "threat = \"public disorda\"", 1),
            "bad-threat.toml",
            ":12:10:",
            "'public disorder'",
        ),
        // A placed scenario that does not load: its line in the battery file.
        (
            good.replacen(
                "demand = { public-order = [[\"0h\", 5]] }",
                "demand = { public-ordr = [[\"0h\", 5]] }",
                1,
            ),
            "bad-scenario.toml",
            ":26:",
            "public-order",
        ),
    ];
    let dataset = data("three-forces.toml").display().to_string();
    for (text, name, at, hint) in cases {
        let file = d.join(name);
        std::fs::write(&file, text).expect("written");
        let out = d.join(format!("{name}.out"));
        let args = ["alpha", "--dataset", &dataset, "--battery", file.to_str().expect("path"), "--runs", "2"];
        let (code, err, _) = inspect(&args, &out);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{}{at}", file.display())), "{name}: {err}");
        assert!(err.contains(hint), "{name}: {err}");
        assert!(!out.exists(), "{name}: nothing written");
    }
    let out = d.join("scope.out");
    let args = ["greater-manchestr", "--runs", "2"];
    let (code, err, _) = inspect(&args, &out);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no force or region called 'greater-manchestr'"), "{err}");
    assert!(!out.exists());
}

/// The inspection page as a reader sees it, in headless Chromium: the judgement table with
/// grades in words, the map of England and Wales with the scope outlined, no error logged, no
/// serious accessibility violation, no sideways scrolling on a phone.
#[test]
fn the_inspection_page_reads_well_in_a_real_browser() {
    use super::webdriver::{Browser, tools};
    let axe = match tools() {
        Ok(axe) => axe,
        Err(e) => panic!("the browser tests need Chromium, ChromeDriver and axe-core: {e}"),
    };
    let d = scratch("inspection", "page");
    let (code, err, _) = inspect(&["cleveland", "--runs", "1", "--date", "2026-11-30"], &d);
    assert_eq!(code, Some(0), "{err}");
    let page = d.join("inspection.html");
    let survey = "return {
      h1: document.querySelector('h1').textContent,
      areas: document.querySelectorAll('figure svg path').length,
      outlined: Array.prototype.filter.call(document.querySelectorAll('figure svg path'), function (p) { return p.getAttribute('stroke') === '#0a3069'; }).length,
      judged: Array.prototype.map.call(document.querySelectorAll('h2'), function (h) { return h.textContent; }),
      grades: document.querySelectorAll('strong.grade').length,
      bars: document.querySelectorAll('svg.bars rect').length,
      summary: (Array.prototype.filter.call(document.querySelectorAll('h2'), function (h) { return h.textContent === 'Executive summary'; })[0] || {nextElementSibling: {textContent: ''}}).nextElementSibling.textContent,
      scroll: document.documentElement.scrollWidth, inner: window.innerWidth
    };";
    let desk = Browser::start(1280, 900).expect("Chromium starts");
    desk.open(&page).expect("the page opens");
    let seen = desk.eval(survey).expect("read");
    assert_eq!(seen["h1"], "Inspection: cleveland (force)");
    assert!(seen["areas"].as_u64().unwrap_or(0) >= 40, "{seen}");
    assert_eq!(seen["outlined"], 1, "cleveland outlined: {seen}");
    assert_eq!(seen["grades"], 4, "one grade per area in words and colour: {seen}");
    assert!(seen["bars"].as_u64().unwrap_or(0) >= 1, "demand met per test as bars: {seen}");
    assert!(seen["summary"].as_str().unwrap_or("").contains("that was met, test by test"), "{seen}");
    let headings = seen["judged"].to_string();
    for h in ["Judgement", "Evidence", "Demand the scope could not meet", "Annex: the tests"] {
        assert!(headings.contains(h), "{h}: {headings}");
    }
    assert_eq!(desk.console_errors().expect("the log"), Vec::<String>::new());
    let serious = desk.serious_violations(axe).expect("axe-core runs");
    assert!(serious.is_empty(), "serious accessibility violations: {serious:#?}");
    drop(desk);
    let phone = Browser::start(800, 900).expect("Chromium starts");
    phone.emulate_phone(390, 844).expect("phone metrics");
    phone.open(&page).expect("the page opens");
    let seen = phone.eval(survey).expect("read");
    assert!(seen["scroll"].as_u64() <= seen["inner"].as_u64(), "the page scrolls sideways at 390 px: {seen}");
}

/// Slices for a batch scheduler (`--shard K/N`), merged with `--parts`, give the one-machine
/// bytes; a missing slice or a part of another inspection is refused, nothing written.
#[test]
fn a_sharded_inspection_merges_to_the_one_machine_bytes() {
    let d = scratch("inspection", "shards");
    let base = small(&["alpha", "--compare-all"]);
    let run = |extra: &[&str], out: &Path| {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        inspect(&args, out)
    };
    let parts = d.join("parts");
    for k in ["1/2", "2/2"] {
        let (code, err, _) = run(&["--shard", k], &parts);
        assert_eq!(code, Some(0), "{k}: {err}");
    }
    let part = |k: u32| parts.join(format!("inspection-part-{k}-of-2.jsonl")).display().to_string();
    let (p1, p2) = (part(1), part(2));
    let (code, err, _) = run(&["--parts", &p1, &p2], &d.join("merged"));
    assert_eq!(code, Some(0), "{err}");
    let (code, err, _) = run(&[], &d.join("one"));
    assert_eq!(code, Some(0), "{err}");
    for f in ["inspection.json", "inspection.md", "inspection.html"] {
        assert_eq!(
            std::fs::read(d.join("merged").join(f)).expect("merged"),
            std::fs::read(d.join("one").join(f)).expect("one machine"),
            "{f}"
        );
    }
    let (code, err, _) = run(&["--parts", &p1], &d.join("missing"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the parts lack slice 2/2"), "{err}");
    assert!(!d.join("missing").exists());
    let mut other: Vec<&str> = base.iter().map(String::as_str).collect();
    other[5] = "4"; // --runs 4, not 3
    other.extend_from_slice(&["--parts", &p1, &p2]);
    let (code, err, _) = inspect(&other, &d.join("other"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{p1}:1:1: this part is of an inspection of alpha")), "{err}");
}

/// An inspection interrupted part way resumes from its partial file (whole tests kept, the
/// line the interruption tore dropped) to the bytes of one uninterrupted run; a partial file
/// is not overwritten without --resume; a finished inspection leaves none behind.
#[test]
fn an_interrupted_inspection_resumes_to_the_same_bytes() {
    let d = scratch("inspection", "resume");
    let base = small(&["alpha", "--compare-all"]);
    let run = |extra: &[&str], out: &Path| {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        inspect(&args, out)
    };
    let (code, err, _) = run(&[], &d.join("one"));
    assert_eq!(code, Some(0), "{err}");
    assert!(!d.join("one/inspection.partial.jsonl").exists(), "a finished inspection keeps no partial file");
    // The partial file has the part format: what a whole slice holds, cut short mid-line.
    let (code, err, _) = run(&["--shard", "1/1"], &d.join("slice"));
    assert_eq!(code, Some(0), "{err}");
    let whole = std::fs::read_to_string(d.join("slice/inspection-part-1-of-1.jsonl")).expect("the slice");
    let lines: Vec<&str> = whole.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 2 * 3, "a header, then 3 forces × 2 tests × 3 runs");
    let torn = format!("{}\n{}", lines[..8].join("\n"), &lines[8][..40]);
    let two = d.join("two");
    std::fs::create_dir_all(&two).expect("folder");
    std::fs::write(two.join("inspection.partial.jsonl"), torn).expect("written");
    let (code, err, _) = run(&[], &two);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("holds an interrupted inspection") && err.contains("--resume"), "{err}");
    let (code, err, _) = run(&["--resume"], &two);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("resuming: 2 test(s) already done"), "{err}");
    for f in ["inspection.json", "inspection.md", "inspection.html"] {
        assert_eq!(
            std::fs::read(two.join(f)).expect("resumed"),
            std::fs::read(d.join("one").join(f)).expect("one"),
            "{f}"
        );
    }
    assert!(!two.join("inspection.partial.jsonl").exists());
}

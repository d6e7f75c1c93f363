//! Bad input never panics: every malformed scenario or dataset gives located problems.

use muster::diagnostics::Location;
use muster::input::{InputFile, SetOverride, load_model};
use proptest::prelude::*;

use super::common::*;

const GOOD: &str = RIOT_AT_ALPHA;

/// A session log as `muster tabletop --log` writes it (for the riot at alpha).
const SESSION_LOG: &str = "# Muster tabletop session log.\nmuster-tabletop-log 1\nversion 0.2.0\nscenario \"riot.toml\"\nplayers-decide true\nscenario-sha256 8bfe199c4baf5310c65d576de37c9767594de0794bc87ee48804774609957205\ndataset-sha256 c930c0b35279674e791ba2bdc28e3aa5abf9fb3cfbe8f88ac7a8b46eb9940c6f\nat D0+00:00 step 2h\nat D0+02:00 refuse R1\nat D0+02:00 send 1 public-order from bravo to riot\nat D0+02:00 until end\n";

/// The riot's run as `muster run --json` writes it (trimmed to its summary and one series
/// point, which keeps the mutations near the parts a reader checks).
static RUN_JSON: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut r = three(&[]);
    r.series.incidents.truncate(1);
    r.series.national.truncate(1);
    r.events.truncate(2);
    muster::present::files::to_json(&r)
});

/// Two replications of the riot as `muster ensemble --out` writes them.
static ENSEMBLE_LINES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let model = std::sync::Arc::new(load(GOOD, Some(THREE_FORCES), &[]).expect("valid"));
    let manifest = muster::analysis::ensemble::manifest(&model, 2, None);
    let mut text = serde_json::json!({ "manifest": manifest }).to_string() + "\n";
    for r in 0..2 {
        text += &(serde_json::to_string(&muster::analysis::ensemble::replicate(&model, r)).unwrap() + "\n");
    }
    text
});

/// Each case: a name, the scenario text, and a fragment the first message must contain.
const SCENARIOS: &[(&str, &str, &str)] = &[
    ("empty file", "", "missing field `scenario`"),
    ("truncated table header", "[scenario\nname = \"x\"", ""),
    ("unterminated string", "[scenario]\nname = \"x\nhorizon = \"1h\"\n", ""),
    ("binary junk", "\u{1}\u{2}\u{3}PK\u{0}\u{0}", ""),
    ("missing horizon", "[scenario]\nname = \"x\"\n", "missing field `horizon`"),
    ("horizon wrong type", "[scenario]\nname = \"x\"\nhorizon = 12\n", "invalid type"),
    ("negative horizon", "[scenario]\nname = \"x\"\nhorizon = \"-12h\"\n", "negative"),
    ("horizon no unit", "[scenario]\nname = \"x\"\nhorizon = \"12\"\n", "not a duration"),
    ("horizon zero", "[scenario]\nname = \"x\"\nhorizon = \"0m\"\n", "longer than 0m"),
    ("horizon huge", "[scenario]\nname = \"x\"\nhorizon = \"99999d\"\n", "too long"),
    (
        "unknown top-level key",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[weather]\nrain = true\n",
        "unknown field `weather`",
    ),
    (
        "unknown scenario key",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\nhorizn = \"2h\"\n",
        "unknown field `horizn`",
    ),
    (
        "unknown policy key",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nretained = 0.5\n",
        "unknown field `retained`",
    ),
    (
        "retained cover above 1",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nretained_cover = 1.5\n",
        "between 0 and 1",
    ),
    (
        "retained cover string",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nretained_cover = \"half\"\n",
        "invalid type",
    ),
    (
        "bad allocation",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nallocation = \"fastest\"\n",
        "unknown allocation policy",
    ),
    (
        "bad trigger shape",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nnational_trigger = 5\n",
        "national_trigger",
    ),
    (
        "bad trigger keys",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nnational_trigger = { when = \"2h\" }\n",
        "wrong keys",
    ),
    (
        "zero tour",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\ntour = \"0m\"\n",
        "tour must be longer",
    ),
    (
        "unknown force",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpah\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "unknown force 'alpah'",
    ),
    (
        "unknown kind",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"riot\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "unknown incident kind",
    ),
    (
        "unknown capability",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-ordr = [[\"0h\", 1]] }\n",
        "unknown capability",
    ),
    (
        "demand not increasing",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"2h\", 1], [\"1h\", 2]] }\n",
        "increasing time",
    ),
    (
        "demand negative units",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", -3]] }\n",
        "-3 units is not between 0 and 100000",
    ),
    (
        "demand huge",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 4000000]] }\n",
        "not between 0 and 100000",
    ),
    (
        "demand empty",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = {}\n",
        "demands nothing",
    ),
    (
        "demand step not a pair",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\"]] }\n",
        "",
    ),
    (
        "start after horizon",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"5h\"\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "after the horizon",
    ),
    (
        "duplicate incident",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"bravo\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "defined twice",
    ),
    (
        "zero priority",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\npriority = 0\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "priority",
    ),
    (
        "missing incident force",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n",
        "missing field `force`",
    ),
    (
        "disruption ends before start",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"comms-outage\"\nforce = \"alpha\"\nstart = \"3h\"\nend = \"1h\"\n",
        "end after it starts",
    ),
    (
        "disruption unknown kind",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"flood\"\nforce = \"alpha\"\nstart = \"1h\"\nend = \"2h\"\n",
        "unknown disruption kind",
    ),
    (
        "link that does not exist",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-closed\"\nlink = [\"alpha\", \"charlie\"]\nstart = \"1h\"\nend = \"2h\"\n",
        "no border link",
    ),
    (
        "link without link key",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-closed\"\nstart = \"1h\"\nend = \"2h\"\n",
        "needs link",
    ),
    (
        "slowed without factor",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-slowed\"\nlink = [\"alpha\", \"bravo\"]\nstart = \"1h\"\nend = \"2h\"\n",
        "needs factor",
    ),
    (
        "slowed factor below 1",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-slowed\"\nlink = [\"alpha\", \"bravo\"]\nfactor = 0.5\nstart = \"1h\"\nend = \"2h\"\n",
        "between 1 and 100",
    ),
    (
        "comms outage without force",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"comms-outage\"\nstart = \"1h\"\nend = \"2h\"\n",
        "needs exactly one of force",
    ),
    (
        "override below zero",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[override]]\nforce = \"alpha\"\ncapability = \"public-order\"\nunits = -9\n",
        "impossible",
    ),
    (
        "override nothing",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[override]]\nforce = \"alpha\"\ncapability = \"public-order\"\n",
        "changes nothing",
    ),
    (
        "override consistency above 1",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[override]]\nforce = \"alpha\"\ncapability = \"public-order\"\nconsistency = 2.0\n",
        "between 0 and 1",
    ),
    (
        "capability patch unknown",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[capability.dogs]\nofficers_per_unit = 2\n",
        "unknown capability 'dogs'",
    ),
    (
        "readiness not ending at 1",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[capability.public-order]\nreadiness = [{ notice = \"1h\", share = 0.5 }]\n",
        "share = 1.0",
    ),
    (
        "readiness decreasing",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[capability.public-order]\nreadiness = [{ notice = \"1h\", share = 0.5 }, { notice = \"2h\", share = 0.4 }, { notice = \"3h\", share = 1.0 }]\n",
        "cannot fall",
    ),
    ("tick zero", "[scenario]\nname = \"x\"\nhorizon = \"4h\"\ntick = \"0m\"\n", "tick"),
    ("seed negative", "[scenario]\nname = \"x\"\nhorizon = \"4h\"\nseed = -1\n", "invalid value"),
    ("duplicate key", "[scenario]\nname = \"x\"\nname = \"y\"\nhorizon = \"4h\"\n", "duplicate"),
    ("array where table", "scenario = [1, 2]\n", "invalid type"),
    (
        "size without curves on a terrorism incident",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"terrorism\"\nforce = \"alpha\"\nstart = \"0h\"\nsize = { median = 3, p90 = 5 }\n",
        "size scales the demand curves",
    ),
    (
        "size p90 below median",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\nsize = { median = 3, p90 = 1 }\n",
        "at least the median",
    ),
    (
        "night profile too short",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[disorder]\nnight_profile = [1.0, 0.5]\n",
        "24 shares",
    ),
    (
        "unknown disorder key",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[disorder]\nspreading = 0.1\n",
        "unknown field `spreading`",
    ),
    (
        "spread above 1",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[disorder]\nspread = 2.0\n",
        "between 0 and 1",
    ),
    (
        "unknown duty state",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[capability.public-order]\nreadiness = [{ state = \"asleep\", notice = \"1h\", share = 1.0 }]\n",
        "unknown duty state 'asleep'",
    ),
    (
        "abstracted above 1",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[capability.public-order]\nabstracted = 1.5\n",
        "abstracted must be between 0 and 1",
    ),
    (
        "mobilised notice not a duration",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[capability.public-order]\nmobilised_notice = \"soon\"\n",
        "not a duration",
    ),
    (
        "zero tours in a run",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nmax_consecutive_tours = 0\n",
        "max_consecutive_tours must be 1 or more",
    ),
    (
        "escalation not a duration",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nescalate_after = \"later\"\n",
        "escalate_after",
    ),
    (
        "trigger lasting not a duration",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[policy]\nnational_trigger = { regional_shortfall = 5, sustained = \"1h\", lasting = 3 }\n",
        "lasting must be a duration",
    ),
    (
        "notice spread out of range",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[uncertainty]\nnotice_spread = -0.5\n",
        "notice_spread must be between 0 and 2",
    ),
    (
        "travel spread not a number",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[uncertainty]\ntravel_spread = \"wide\"\n",
        "invalid type",
    ),
    (
        "congestion too short",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[uncertainty]\ncongestion = [1.0, 1.2]\n",
        "congestion needs 24",
    ),
    (
        "demand spread below 1",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[uncertainty]\ndemand_spread = 0.5\n",
        "demand_spread is a 90th-percentile factor",
    ),
    (
        "unknown uncertainty key",
        "[scenario]\nname = \"x\"\nhorizon = \"1h\"\n[uncertainty]\nnoise = 1.0\n",
        "unknown field `noise`",
    ),
    (
        "a demand step with three values",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\nduration = \"3h\"\ndemand = { public-order = [[\"0h\", 20, 5]] }\n",
        "step 1 has 3 values; a step is [time, units]",
    ),
    (
        "a demand step after the incident ends",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\nduration = \"2h\"\ndemand = { public-order = [[\"0h\", 2], [\"3h\", 4]] }\n",
        "step 2 at 3h is at or after the incident's end",
    ),
    (
        "a demand curve of the wrong shape",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = \"lots\" }\n",
        "a demand curve is a number or a list",
    ),
    (
        "factor on a link-closed",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-closed\"\nlink = [\"alpha\", \"bravo\"]\nfactor = 2.0\nstart = \"0h\"\nend = \"1h\"\n",
        "factor does not apply to a link-closed disruption",
    ),
    (
        "delay and force on a link-closed",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[disruption]]\nkind = \"link-closed\"\nlink = [\"alpha\", \"bravo\"]\nforce = \"alpha\"\nstart = \"0h\"\nend = \"1h\"\n",
        "force does not apply to a link-closed",
    ),
    (
        "a zero-length threat level",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[threat_level]\nstart = \"1h\"\nduration = \"0m\"\n",
        "must last longer than 0m",
    ),
    (
        "relief sought before the tour",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[policy]\nrelief_lookahead = \"13h\"\n",
        "relief_lookahead is longer than the tour",
    ),
    ("a duration with a unit twice", "[scenario]\nname = \"x\"\nhorizon = \"1h1h\"\n", "not a duration"),
    (
        "a control character in an id",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\\u001b[31m\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = 2 }\n",
        "may not hold control characters",
    ),
    (
        "a tick longer than the horizon",
        "[scenario]\nname = \"x\"\nhorizon = \"2d\"\ntick = \"10d\"\n",
        "tick 10d is longer than the horizon",
    ),
    (
        "a tick longer than an incident",
        "[scenario]\nname = \"x\"\nhorizon = \"2d\"\ntick = \"6h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\nduration = \"2h\"\ndemand = { public-order = 2 }\n",
        "longer than the shortest incident",
    ),
    (
        "a report interval too fine",
        "[scenario]\nname = \"x\"\nhorizon = \"3650d\"\nreport_interval = \"1m\"\n",
        "at most 20000",
    ),
    (
        "a demand scale that overflows",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\ndemand_scale = 1.1e8\n",
        "more than 1000",
    ),
    (
        "a demand scale past the cap",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\ndemand_scale = 900.0\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndemand = { public-order = 500 }\n",
        "ask for more than 100000",
    ),
    (
        "a priority out of range",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\npriority = 100000\ndemand = { public-order = 2 }\n",
        "priority must be between 1 and 10",
    ),
    (
        "units beyond what a run can hold",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[override]]\nforce = \"alpha\"\ncapability = \"public-order\"\nunits = 2000000\n",
        "",
    ),
    (
        "a misspelt key",
        "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[[incident]]\nid = \"a\"\nkind = \"disorder\"\nforce = \"alpha\"\nstart = \"0h\"\ndurration = \"2h\"\n",
        "did you mean 'duration'?",
    ),
];

fn location_is_in_file(loc: &Location) -> bool {
    matches!(loc, Location::File { file, line, col } if file == "scenario.toml" && *line >= 1 && *col >= 1)
        || matches!(loc, Location::Whole { .. })
}

#[test]
fn every_malformed_scenario_is_rejected_with_a_location() {
    assert!(SCENARIOS.len() >= 40);
    for (name, text, fragment) in SCENARIOS {
        let err = match load(text, Some(THREE_FORCES), &[]) {
            Ok(_) => panic!("case '{name}' was accepted"),
            Err(e) => e,
        };
        assert!(!err.0.is_empty(), "case '{name}' gave no message");
        let first = &err.0[0];
        assert!(location_is_in_file(&first.location), "case '{name}': location {:?}", first.location);
        let all = err.to_string();
        assert!(all.contains(fragment), "case '{name}': expected '{fragment}' in:\n{all}");
        assert!(all.starts_with("scenario.toml:"), "case '{name}': {all}");
    }
}

#[test]
fn unknown_force_hint_names_the_nearest_codes() {
    let text = GOOD.replace("force = \"alpha\"", "force = \"alpah\"");
    let err = load(&text, Some(THREE_FORCES), &[]).unwrap_err();
    assert_eq!(err.0[0].hint.as_deref(), Some("did you mean 'alpha'?"));
    assert_eq!(err.0[0].location, Location::File { file: "scenario.toml".into(), line: 12, col: 9 });
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n[policy]\nretained_cover = 3.0\ntour = \"zz\"\n[[incident]]\nid = \"a\"\nkind = \"riot\"\nforce = \"nowhere\"\nstart = \"0h\"\ndemand = { public-order = [[\"0h\", 1]] }\n";
    let err = load(text, Some(THREE_FORCES), &[]).unwrap_err();
    assert_eq!(err.0.len(), 4, "{err}");
}

#[test]
fn bad_set_overrides_point_at_the_argument() {
    for (set, fragment) in [
        ("policy.retained_cover=lots", "invalid type"),
        ("policy.tour=12", "invalid type"),
        ("incident.nope.start=1h", "no entry 'nope'"),
        ("scenario.horizon=-3h", "negative"),
        ("policy.bogus=1", "unknown field `bogus`"),
        ("scenario..name=x", "empty segment"),
    ] {
        let err = load(GOOD, Some(THREE_FORCES), &[set]).unwrap_err();
        let all = err.to_string();
        assert!(all.contains(&format!("--set {set}")), "{set}: {all}");
        assert!(all.contains(fragment), "{set}: expected '{fragment}' in {all}");
    }
}

const DATASETS: &[(&str, &str)] = &[
    (
        "no forces",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\nforce = []\n",
    ),
    (
        "border to unknown force",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n[[border]]\na = \"a\"\nb = \"zz\"\nroad_km = 5\n",
    ),
    (
        "negative road",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n[[force]]\ncode = \"b\"\nname = \"B\"\nregion = \"r\"\nofficers = 10\n[[border]]\na = \"a\"\nb = \"b\"\nroad_km = -5\n",
    ),
    (
        "duplicate force",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n[[force]]\ncode = \"a\"\nname = \"A2\"\nregion = \"r\"\nofficers = 10\n",
    ),
    (
        "bad basis",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"staff\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n",
    ),
    (
        "zero speed",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 0\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n",
    ),
    (
        "negative officers",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = -10\n",
    ),
    (
        "unknown capability in units",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\nunits = { dogs = 3 }\n",
    ),
    (
        "latitude out of range",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\nhq = { lat = 123.0, lon = 0.0 }\n",
    ),
    ("truncated", "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po"),
    ("no dataset header", "[[force]]\ncode = \"a\"\n"),
    (
        "bad policy in dataset",
        "[dataset]\nname = \"d\"\n[policy]\ntour = \"forever\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n",
    ),
    (
        "patrol circuity below 1",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"fa\"\nunit = \"ARV\"\nofficers_per_unit = 3\nconvoy_speed_kmh = 90\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\npatrol = { speed_kmh = 60, circuity = 0.5, dispatch = \"2m\" }\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n",
    ),
    (
        "negative area",
        "[dataset]\nname = \"d\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\narea_km2 = -4.0\n",
    ),
    (
        "bad uncertainty in dataset",
        "[dataset]\nname = \"d\"\n[uncertainty]\nstart_spread = \"sometimes\"\n[[capability]]\nid = \"po\"\nunit = \"PSU\"\nofficers_per_unit = 25\nconvoy_speed_kmh = 60\nestablishment = { basis = \"officers\", share = 0.1 }\nreadiness = [{ notice = \"1h\", share = 1.0 }]\n[[force]]\ncode = \"a\"\nname = \"A\"\nregion = \"r\"\nofficers = 10\n",
    ),
];

#[test]
fn every_malformed_dataset_is_rejected_with_a_location() {
    let scenario = "[scenario]\nname = \"x\"\nhorizon = \"4h\"\n";
    for (name, text) in DATASETS {
        let err = match load(scenario, Some(text), &[]) {
            Ok(_) => panic!("dataset case '{name}' was accepted"),
            Err(e) => e,
        };
        assert!(err.to_string().starts_with("dataset.toml:"), "dataset case '{name}': {err}");
    }
}

#[test]
fn non_utf8_input_is_located() {
    let bytes = b"[scenario]\nname = \"\xff\xfe\"\n";
    let err = load_model(InputFile { name: "s.toml", bytes }, &[], None).unwrap_err();
    assert_eq!(err.0[0].location, Location::File { file: "s.toml".into(), line: 2, col: 9 });
}

/// The texts the property tests mutate are themselves valid: a mutation test of a text that
/// never loaded would test nothing.
#[test]
fn the_unmutated_texts_load() {
    assert!(
        muster::input::load_dataset(InputFile { name: "d.toml", bytes: THREE_FORCES.as_bytes() }).is_ok()
    );
    let log = muster::tabletop::log::parse("s.log", SESSION_LOG).expect("the log parses");
    assert_eq!(log.entries.len(), 4);
    for (name, text) in [("r.json", &*RUN_JSON), ("e.jsonl", &*ENSEMBLE_LINES)] {
        let path = std::env::temp_dir().join(format!("muster-unmutated-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let read = muster::present::report::read_source(&path);
        let _ = std::fs::remove_file(&path);
        assert!(read.is_ok(), "{name}: {:?}", read.err());
    }
}

/// `good` with `len` characters cut out at `cut` and the character at `at` replaced by `c`.
fn mutate(good: &str, cut: usize, len: usize, at: usize, c: char) -> String {
    let mut text: Vec<char> = good.chars().collect();
    let cut = cut.min(text.len());
    let end = (cut + len).min(text.len());
    text.drain(cut..end);
    if !text.is_empty() {
        let at = at % text.len();
        text[at] = c;
    }
    text.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Random bytes never panic the loader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = load_model(InputFile { name: "s.toml", bytes: &bytes }, &[], Some(InputFile { name: "d.toml", bytes: THREE_FORCES.as_bytes() }));
    }

    /// A valid scenario with a slice cut out or a character changed either loads or gives
    /// located problems; it never panics.
    #[test]
    fn mutated_scenarios_never_panic(cut in 0usize..400, len in 0usize..20, at in 0usize..400, c in any::<char>()) {
        let text = mutate(GOOD, cut, len, at, c);
        match load(&text, Some(THREE_FORCES), &[]) {
            Err(e) => prop_assert!(!e.0.is_empty()),
            // Whatever loads must also run.
            Ok(model) => { let _ = run_checked(model); }
        }
    }

    /// A thresholds file with a slice cut out or a character changed either loads (with every
    /// limit in order) or gives located problems; it never panics.
    #[test]
    fn mutated_thresholds_never_panic(cut in 0usize..1600, len in 0usize..30, at in 0usize..1600, c in any::<char>()) {
        let text = mutate(muster::input::BUILTIN_THRESHOLDS, cut, len, at, c);
        match muster::input::load_thresholds(Some(InputFile { name: "t.toml", bytes: text.as_bytes() }), &["firearms", "cbrn"]) {
            Err(e) => prop_assert!(e.0.iter().all(|d| d.to_string().starts_with("t.toml:"))),
            Ok(t) => {
                let ordered = t.limits.iter().all(|(id, l)| {
                    let def = muster::model::Thresholds::definition(id).expect("only known measures");
                    let higher = def.better == muster::model::Better::Higher;
                    l.windows(2).all(|w| if higher { w[0] >= w[1] } else { w[0] <= w[1] })
                });
                prop_assert!(ordered, "limits out of order");
            }
        }
    }

    /// A dataset with a slice cut out or a character changed either loads or gives problems
    /// located in it; it never panics.
    #[test]
    fn mutated_datasets_never_panic(cut in 0usize..2000, len in 0usize..30, at in 0usize..2000, c in any::<char>()) {
        let text = mutate(THREE_FORCES, cut, len, at, c);
        if let Err(e) = muster::input::load_dataset(InputFile { name: "d.toml", bytes: text.as_bytes() }) {
            prop_assert!(!e.0.is_empty());
            prop_assert!(e.0.iter().all(|d| d.to_string().starts_with("d.toml:")), "{}", e);
        }
    }

    /// A session log with a slice cut out or a character changed either parses or gives
    /// problems located in it; it never panics.
    #[test]
    fn mutated_session_logs_never_panic(cut in 0usize..600, len in 0usize..20, at in 0usize..600, c in any::<char>()) {
        let text = mutate(SESSION_LOG, cut, len, at, c);
        if let Err(e) = muster::tabletop::log::parse("s.log", &text) {
            prop_assert!(!e.0.is_empty());
            prop_assert!(e.0.iter().all(|d| d.to_string().starts_with("s.log:")), "{}", e);
        }
    }

    /// A run's JSON or an ensemble's JSON Lines with a slice cut out or a character changed is
    /// read by `muster report` or refused at a place in it; never a panic.
    #[test]
    fn mutated_results_never_panic(ensemble in any::<bool>(), cut in 0usize..3000, len in 0usize..40, at in 0usize..3000, c in any::<char>()) {
        let (good, name) = if ensemble { (&*ENSEMBLE_LINES, "e.jsonl") } else { (&*RUN_JSON, "r.json") };
        let text = mutate(good, cut, len, at, c);
        let path = std::env::temp_dir().join(format!("muster-mutated-{}-{name}", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let read = muster::present::report::read_source(&path);
        let _ = std::fs::remove_file(&path);
        if let Err(e) = read {
            prop_assert!(e.to_string().starts_with(&path.display().to_string()), "{}", e);
        }
    }

    /// Any --set value on any known key never panics.
    #[test]
    fn arbitrary_set_values_never_panic(key in prop::sample::select(vec![
        "scenario.horizon", "scenario.seed", "policy.tour", "policy.retained_cover", "policy.national_trigger",
        "incident.riot.force", "incident.riot.demand", "incident.0.start", "disruption", "override",
    ]), value in "\\PC{0,30}") {
        let set = SetOverride { key: key.to_string(), value };
        let _ = load_model(
            InputFile { name: "s.toml", bytes: GOOD.as_bytes() },
            &[set],
            Some(InputFile { name: "d.toml", bytes: THREE_FORCES.as_bytes() }),
        );
    }
}

/// The same cases through the binary: exit code 2, a located message, never a panic, and no
/// output file.
#[test]
fn every_malformed_scenario_exits_2_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("muster-malformed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dataset = dir.join("three.toml");
    std::fs::write(&dataset, THREE_FORCES).unwrap();
    for (i, (name, text, _)) in SCENARIOS.iter().enumerate() {
        let file = dir.join(format!("case{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let json = dir.join(format!("case{i}.json"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_muster"))
            .arg("run")
            .arg(&file)
            .arg("--dataset")
            .arg(&dataset)
            .arg("--json")
            .arg(&json)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case '{name}': {stderr}");
        assert!(stderr.starts_with(&file.display().to_string()), "case '{name}': {stderr}");
        assert!(!stderr.contains("panicked"), "case '{name}': {stderr}");
        assert!(!json.exists(), "case '{name}' wrote output");
    }
}

#[test]
fn every_malformed_dataset_exits_2_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("muster-malformed-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (name, text)) in DATASETS.iter().enumerate() {
        let file = dir.join(format!("data{i}.toml"));
        std::fs::write(&file, text).unwrap();
        for args in [vec!["run", "tests/data/riot-at-alpha.toml", "--dataset"], vec!["dataset", "--dataset"]]
        {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_muster"))
                .args(&args)
                .arg(&file)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "dataset case '{name}' ({args:?}): {stderr}");
            assert!(stderr.contains(&format!("{}:", file.display())), "dataset case '{name}': {stderr}");
        }
    }
}

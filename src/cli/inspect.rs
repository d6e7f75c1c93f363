//! `muster inspect SCOPE`: the standard battery (or a user's) placed in a force, a region or
//! the nation, each test run as an ensemble, one judgement per SPR area; with `--compare-all`,
//! the same battery in every peer. Writes DIR/inspection.{md,html,json}.

use std::path::PathBuf;

use muster::analysis::ensemble::{ReplicationRecord, Shard};
use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::input::battery_file::{BUILTIN_BATTERY, BUILTIN_BATTERY_NAME, load_battery};
use muster::input::{InputFile, SetOverride, load_dataset};
use muster::inspection::{self, InspectionError, Request, Scope};

use super::args::{claim, pool, progress, read, report_written, thresholds};
use super::failure::Failure;

/// Inspect a force, a region or the nation against a battery of SPR threat tests
#[derive(clap::Args)]
pub struct Args {
    /// A force code (gmp), a region (north-west) or national
    scope: String,
    /// Battery file (TOML); the standard battery by default (docs/inspection.md)
    #[arg(long, value_name = "FILE")]
    battery: Option<PathBuf>,
    /// Dataset file (e.g. a force's declared capability return); the built-in one by default
    #[arg(long, value_name = "FILE")]
    dataset: Option<PathBuf>,
    /// Replications per test
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    runs: u64,
    /// Override every test's seed
    #[arg(long)]
    seed: Option<u64>,
    /// Grade against these thresholds (over the built-in ones)
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
    /// Run the battery in every force (or region) of the dataset too, and rank the scope
    #[arg(long)]
    compare_all: bool,
    /// For each area below good, search the smallest change that lifts it one grade (more
    /// units at the host, faster regional decisions); re-runs the tests for every candidate
    #[arg(long)]
    what_would_change: bool,
    /// The date to print in the report's heading (it holds no clock of its own)
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Run only slice K of N of every test's replications, for a batch scheduler: writes
    /// DIR/inspection-part-K-of-N.jsonl; merge the parts with --parts
    #[arg(long, value_name = "K/N", conflicts_with_all = ["parts", "what_would_change"])]
    shard: Option<String>,
    /// Make the inspection from the parts of a sharded one (every slice 1..N once), with the
    /// same scope, battery, dataset, --runs, --seed and --compare-all
    #[arg(long, value_name = "PART", num_args = 1..)]
    parts: Vec<PathBuf>,
    /// Continue an interrupted inspection from DIR/inspection.partial.jsonl (the tests it
    /// finished are not run again; the outputs are the same bytes)
    #[arg(long, conflicts_with_all = ["shard", "parts"])]
    resume: bool,
    /// Worker threads (default: all cores); the output does not depend on it
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Folder for inspection.md, inspection.html and inspection.json
    #[arg(long, value_name = "DIR", default_value = "inspection")]
    out: PathBuf,
}

pub fn exec(args: Args) -> Result<(), Failure> {
    let argument = |flag: &str, value: &str, message: String, hint: Option<String>| {
        Failure::Input(Diagnostics(vec![
            Diagnostic::new(Location::Argument { argument: format!("{flag} {value}") }, message)
                .with_hint(hint),
        ]))
    };
    if let Some(d) = &args.date
        && !(d.len() == 10
            && d.chars()
                .enumerate()
                .all(|(k, c)| if k == 4 || k == 7 { c == '-' } else { c.is_ascii_digit() }))
    {
        return Err(argument(
            "--date",
            d,
            "the date must be written YYYY-MM-DD".into(),
            Some("e.g. --date 2026-11-30".into()),
        ));
    }
    let shard = match &args.shard {
        Some(text) => Some(
            Shard::parse(text).map_err(|e| argument("--shard", text, e, Some("e.g. --shard 2/8".into())))?,
        ),
        None => None,
    };
    let paths: Vec<PathBuf> = match shard {
        Some(s) => vec![args.out.join(format!("inspection-part-{}-of-{}.jsonl", s.k, s.n))],
        None => {
            ["inspection.md", "inspection.html", "inspection.json"].iter().map(|f| args.out.join(f)).collect()
        }
    };
    let inputs: Vec<&std::path::Path> = args
        .battery
        .iter()
        .chain(args.dataset.iter())
        .chain(args.thresholds.iter())
        .chain(args.parts.iter())
        .map(PathBuf::as_path)
        .collect();
    // A whole inspection keeps each finished test's records here as it goes, for --resume.
    let partial =
        (shard.is_none() && args.parts.is_empty()).then(|| args.out.join("inspection.partial.jsonl"));
    let mut outputs = claim(inputs, paths.iter().cloned().chain(partial.clone()))?;
    if let Some(p) = &partial {
        match (p.exists(), args.resume) {
            (true, false) => {
                return Err(argument(
                    "--out",
                    &args.out.display().to_string(),
                    format!("{} holds an interrupted inspection", p.display()),
                    Some("pass --resume to continue it, or delete the file to start again".into()),
                ));
            }
            (false, true) => {
                return Err(argument(
                    "--resume",
                    "",
                    format!("there is no {} to resume", p.display()),
                    Some("start the inspection without --resume".into()),
                ));
            }
            _ => {}
        }
    }
    let battery_file = match &args.battery {
        Some(p) => (p.display().to_string(), read(p)?),
        None => (BUILTIN_BATTERY_NAME.to_string(), BUILTIN_BATTERY.as_bytes().to_vec()),
    };
    let battery = load_battery(InputFile { name: &battery_file.0, bytes: &battery_file.1 })?;
    let dataset_file = match &args.dataset {
        Some(p) => Some((p.display().to_string(), read(p)?)),
        None => None,
    };
    let dataset_input = dataset_file.as_ref().map(|(n, b)| InputFile { name: n, bytes: b });
    let dataset = load_dataset(dataset_input.unwrap_or_else(InputFile::builtin_dataset))?;
    let scope = Scope::find(&dataset, &args.scope).map_err(|e| {
        argument(
            "SCOPE",
            &args.scope,
            e.to_string(),
            e.hint.or(Some("a force code, a region or national".into())),
        )
    })?;
    let capabilities: Vec<&str> = dataset.capabilities.iter().map(|c| c.id.as_str()).collect();
    let thresholds = thresholds(args.thresholds.as_deref(), &capabilities)?;
    let sets: Vec<SetOverride> = args
        .seed
        .map(|s| SetOverride { key: "scenario.seed".into(), value: s.to_string() })
        .into_iter()
        .collect();
    let request = Request {
        battery: &battery,
        scope: &scope,
        dataset: &dataset,
        dataset_file: dataset_input,
        runs: args.runs,
        sets: &sets,
        thresholds: &thresholds,
    };
    let header = PartHeader {
        scope: scope.name.clone(),
        battery: battery.name.clone(),
        runs: args.runs,
        seed: args.seed,
        compare_all: args.compare_all,
        shard: shard.unwrap_or(Shard { k: 1, n: 1 }),
    };
    let records = if args.parts.is_empty() { None } else { Some(read_parts(&args.parts, &header)?) };
    let peers = if args.compare_all { scope.peers(&dataset).len() } else { 1 };
    let total = match (shard, &records) {
        (_, Some(_)) => 0,
        (Some(s), None) => {
            inspection::cost(&battery, muster::analysis::ensemble::count(args.runs, Some(s)), peers)
        }
        (None, None) => inspection::cost(&battery, args.runs, peers),
    };
    // The cost up front: the battery × the runs (× the peers).
    eprintln!(
        "inspecting {} ({}): {} tests × {} runs{} = {total} replications",
        scope.name,
        scope.kind.name(),
        battery.tests.len(),
        args.runs,
        if args.compare_all { format!(" × {peers} {}s", scope.kind.name()) } else { String::new() }
    );
    let bar = progress(total, "replications");
    let tick = || bar.inc(1);
    let placement_failure = |e: InspectionError| match e {
        InspectionError::Placement { problems, .. } => Failure::Input(problems),
        e => Failure::Other(e.to_string()),
    };
    // Bad input stops here, before a partial file or a folder is made.
    inspection::check(&request).map_err(placement_failure)?;
    if let Some(p) = &partial {
        outputs.make_folder(p)?;
    }
    if let Some(s) = shard {
        // A slice: its records, after a header that says what they are a slice of.
        let mut lines = header_line(&header).map_err(|e| Failure::Other(e.to_string()))?;
        let made = pool(args.threads)?.install(|| {
            inspection::run_part(&request, s, args.compare_all, &mut |scope, test, record| {
                tick();
                push_record(&mut lines, scope, test, &record)
            })
        });
        bar.finish_and_clear();
        made.map_err(placement_failure)?;
        outputs.stage(&paths[0], lines.as_bytes())?;
        report_written(&outputs.commit()?);
        return Ok(());
    }
    let found = pool(args.threads)?.install(|| -> Result<_, InspectionError> {
        let mut found = match (records, &partial) {
            (Some(records), _) => inspection::from_records(&request, args.compare_all, records)?,
            (None, Some(p)) => {
                let (done, mut log) = keep_going(p, &header, args.resume).map_err(|e| {
                    InspectionError::Run { test: String::new(), message: format!("{}: {e}", p.display()) }
                })?;
                let whole = done.values().filter(|v| v.len() as u64 == args.runs).count();
                if args.resume {
                    eprintln!("resuming: {whole} test(s) already done in {}", p.display());
                }
                inspection::inspect_logged(&request, args.compare_all, done, &mut *log, &tick)?
            }
            (None, None) => unreachable!("a whole inspection keeps a partial file"),
        };
        if args.what_would_change {
            // Its cost depends on what it finds: the bar grows as it goes.
            bar.set_length(bar.length().unwrap_or(0) + 1);
            inspection::what_would_change(&request, &mut found, &|| {
                bar.inc_length(1);
                bar.inc(1)
            });
        }
        Ok(found)
    });
    bar.finish_and_clear();
    let found = found.map_err(placement_failure)?;
    let date = args.date.as_deref();
    let markdown = muster::present::inspection::markdown(&found, date);
    let mut json = serde_json::to_string_pretty(&serde_json::json!({ "date": date, "inspection": found }))
        .map_err(|e| Failure::Other(e.to_string()))?;
    json.push('\n');
    outputs.stage(&paths[0], markdown.as_bytes())?;
    outputs.stage(&paths[1], muster::present::inspection::html(&found, date).as_bytes())?;
    outputs.stage(&paths[2], json.as_bytes())?;
    println!("Inspection of {} ({}) on {}:", found.scope, found.scope_kind, found.battery);
    for a in &found.areas {
        println!(
            "  {:<13} {:<22} decided by {}",
            a.area,
            a.grade.map_or("not tested", |g| g.title()),
            if a.deciding.is_empty() { "no test".into() } else { a.deciding.join(", ") }
        );
    }
    for l in found.lifts.iter().flatten() {
        println!(
            "  {:<13} {} → {}: {}{}",
            l.area,
            l.from.title(),
            l.to.map_or("no change found", |g| g.title()),
            l.change,
            l.officers.map_or(String::new(), |o| format!(" ({o} officers)"))
        );
    }
    if let Some(p) = &found.peers {
        for a in &p.areas {
            println!("  {:<13} rank {} of {} {}s", a.area, a.rank, a.of, found.scope_kind);
        }
    }
    report_written(&outputs.commit()?);
    if let Some(p) = &partial {
        // Done: the records kept for a resume are no longer needed.
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// The records a resumed inspection already has (whole (scope, test) pairs from the partial
/// file; a line torn by the interruption, and anything after it, is dropped), and the log
/// that appends each pair run from now on, synced before the next begins.
fn keep_going(
    path: &std::path::Path,
    header: &PartHeader,
    resume: bool,
) -> std::io::Result<(Records, Box<inspection::TestLog<'static>>)> {
    use std::io::Write;
    let mut done = Records::default();
    let mut keep = 0usize;
    if resume {
        let text = std::fs::read_to_string(path)?;
        let mut offset = 0;
        for (k, line) in text.split_inclusive('\n').enumerate() {
            let whole = line.ends_with('\n');
            if k == 0 {
                let first: Result<PartFirst, _> = serde_json::from_str(line);
                if !whole || first.map(|f| f.inspection_part != *header).unwrap_or(true) {
                    return Err(std::io::Error::other(
                        "it is not the partial file of this inspection (scope, battery, --runs, --seed and --compare-all must be the same)",
                    ));
                }
            } else {
                let Some(part) = whole.then(|| serde_json::from_str::<PartLine>(line).ok()).flatten() else {
                    break;
                };
                done.entry((part.scope, part.test)).or_default().push(part.record);
            }
            offset += line.len();
        }
        keep = offset;
    }
    let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(!resume).open(path)?;
    if resume {
        file.set_len(keep as u64)?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))?;
    } else {
        file.write_all(header_line(header)?.as_bytes())?;
        file.sync_all()?;
    }
    let log = move |scope: &str, test: &str, records: &[ReplicationRecord]| -> std::io::Result<()> {
        let mut lines = String::new();
        for record in records {
            push_record(&mut lines, scope, test, record)?;
        }
        file.write_all(lines.as_bytes())?;
        file.sync_all()
    };
    Ok((done, Box::new(log)))
}

/// The first line of a part (and of the partial file): what its records are a slice of.
fn header_line(header: &PartHeader) -> std::io::Result<String> {
    let mut line = serde_json::to_string(&serde_json::json!({ "inspection_part": header }))
        .map_err(std::io::Error::other)?;
    line.push('\n');
    Ok(line)
}

/// Append one record's line, with the scope and test it belongs to.
fn push_record(
    lines: &mut String,
    scope: &str,
    test: &str,
    record: &ReplicationRecord,
) -> std::io::Result<()> {
    let line = serde_json::to_string(&serde_json::json!({ "scope": scope, "test": test, "record": record }))
        .map_err(std::io::Error::other)?;
    lines.push_str(&line);
    lines.push('\n');
    Ok(())
}

/// Replication records by (scope, test).
type Records = std::collections::BTreeMap<(String, String), Vec<ReplicationRecord>>;

/// What a part of a sharded inspection is a slice of: every part of one inspection has the
/// same, but for `shard`.
#[derive(Clone, serde::Serialize, serde::Deserialize, PartialEq)]
struct PartHeader {
    scope: String,
    battery: String,
    runs: u64,
    seed: Option<u64>,
    compare_all: bool,
    shard: Shard,
}

#[derive(serde::Deserialize)]
struct PartFirst {
    inspection_part: PartHeader,
}

#[derive(serde::Deserialize)]
struct PartLine {
    scope: String,
    test: String,
    record: ReplicationRecord,
}

/// The records of every part, by (scope, test); each part must be a slice of the inspection
/// `wanted` describes, and the slices 1..N must all be there, once each.
fn read_parts(
    parts: &[PathBuf],
    wanted: &PartHeader,
) -> Result<std::collections::BTreeMap<(String, String), Vec<ReplicationRecord>>, Failure> {
    let mut records: std::collections::BTreeMap<(String, String), Vec<ReplicationRecord>> =
        Default::default();
    let mut slices = Vec::new();
    let at = |p: &PathBuf, line: usize, message: String, hint: Option<String>| {
        Failure::Input(Diagnostics(vec![
            Diagnostic::new(Location::File { file: p.display().to_string(), line, col: 1 }, message)
                .with_hint(hint),
        ]))
    };
    for p in parts {
        let bytes = read(p)?;
        let text =
            std::str::from_utf8(&bytes).map_err(|_| at(p, 1, "the part is not UTF-8 text".into(), None))?;
        let mut lines = text.lines();
        let first: PartFirst = serde_json::from_str(lines.next().unwrap_or("")).map_err(|e| {
            at(
                p,
                1,
                format!("not a part of an inspection: {e}"),
                Some("write parts with muster inspect --shard K/N".into()),
            )
        })?;
        let h = first.inspection_part;
        let same = PartHeader { shard: h.shard, ..wanted.clone() };
        if h != same {
            return Err(at(
                p,
                1,
                format!(
                    "this part is of an inspection of {} on {} with --runs {}{}{}, not of this one",
                    h.scope,
                    h.battery,
                    h.runs,
                    h.seed.map_or(String::new(), |s| format!(" --seed {s}")),
                    if h.compare_all { " --compare-all" } else { "" }
                ),
                Some("give the scope, battery, dataset, --runs, --seed and --compare-all the parts were made with".into()),
            ));
        }
        if slices.contains(&h.shard) || slices.first().is_some_and(|s: &Shard| s.n != h.shard.n) {
            return Err(at(
                p,
                1,
                format!("slice {}/{} is given twice, or the parts have different N", h.shard.k, h.shard.n),
                None,
            ));
        }
        slices.push(h.shard);
        for (k, line) in lines.enumerate() {
            let part: PartLine = serde_json::from_str(line)
                .map_err(|e| at(p, k + 2, format!("not a record of the part: {e}"), None))?;
            records.entry((part.scope, part.test)).or_default().push(part.record);
        }
    }
    let n = slices.first().map_or(1, |s| s.n);
    let missing: Vec<String> =
        (1..=n).filter(|k| !slices.iter().any(|s| s.k == *k)).map(|k| format!("{k}/{n}")).collect();
    if !missing.is_empty() {
        return Err(Failure::Input(Diagnostics(vec![
            Diagnostic::new(
                Location::Argument { argument: "--parts".into() },
                format!("the parts lack slice {}", missing.join(", ")),
            )
            .with_hint(Some("give every part, 1/N to N/N".into())),
        ])));
    }
    Ok(records)
}

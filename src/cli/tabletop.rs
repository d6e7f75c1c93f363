//! `muster tabletop` and `muster replay`: the terminal around a `tabletop::Session` — reading
//! lines (terminal, script or pipe), printing replies, keeping the log, writing the outputs.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use muster::diagnostics::{Diagnostic, Diagnostics, Location};
use muster::present::{files, tabletop as view, terminal};
use muster::tabletop::log::{self, Log, LogHeader};
use muster::tabletop::{CommandError, Reply, Session, debrief};

use super::args::{
    InputArgs, capability_ids, claim, input_paths, load, progress, read, report_written, thresholds,
};
use super::failure::Failure;

/// Who decides mutual-aid requests in a tabletop session.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Requests wait for the players; the status shows the policy's proposal
    Players,
    /// The automatic policy acts on requests; players may still send, hold and trigger
    Auto,
}

/// Run a tabletop exercise: step the scenario, inject, decide; log, branch and debrief
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Record every command with the moment it was given (replay it with `muster replay`);
    /// a log that already holds a session is refused unless --overwrite
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Replace the --log file if it already holds a session
    #[arg(long, requires = "log")]
    overwrite: bool,
    /// Read the commands from FILE (stdin is read the same way when it is not a terminal)
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Start from a recorded session's log ... (with --at)
    #[arg(long, value_name = "LOG", requires = "at")]
    from: Option<PathBuf>,
    /// ... at this moment of it: 14h from the start, or D0+14:00
    #[arg(long, value_name = "MOMENT", requires = "from")]
    at: Option<String>,
    /// Who decides mutual-aid requests at the start: players (the policy proposes) or auto
    #[arg(long, value_enum, default_value_t = Mode::Players)]
    mode: Mode,
    /// At the end, write the session's result as JSON (as `run --json` does)
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// At the end, write the debrief against the automatic policy (Markdown)
    #[arg(long, value_name = "FILE")]
    debrief: Option<PathBuf>,
    /// Grade the SPR assessment against these thresholds (over the built-in ones)
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
    /// Run the session as a web console for the room's screens instead of at this terminal:
    /// PORT or ADDRESS:PORT (default 127.0.0.1:8080; port 0 picks a free one)
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8080", conflicts_with = "script")]
    serve: Option<String>,
    /// With --serve: every page and request must carry this code (required to listen on an
    /// address other than the loopback interface); 4 to 64 letters, digits or dashes
    #[arg(long, value_name = "CODE", requires = "serve")]
    join_code: Option<String>,
    /// With --serve: the exercise file giving the room's seats (docs/tabletop.md)
    #[arg(long, value_name = "FILE", requires = "serve")]
    exercise: Option<PathBuf>,
    /// Carry on a session cut short (a crash, a closed laptop) from its log: replay it to
    /// where it stopped and keep appending to it
    #[arg(long, value_name = "LOG", conflicts_with_all = ["log", "from", "at", "overwrite", "script"])]
    resume: Option<PathBuf>,
}

/// Where and how to serve the web console.
pub struct Serve {
    pub addr: std::net::SocketAddr,
    pub join_code: Option<String>,
    /// The exercise file, read once the scenario is loaded.
    pub exercise: Option<PathBuf>,
}

/// `--serve [ADDR]` and `--join-code`, checked: loopback unless a code guards the console.
fn serve_options(addr: &str, join_code: Option<String>, exercise: Option<PathBuf>) -> Result<Serve, Failure> {
    let argument = || Location::Argument { argument: format!("--serve {addr}") };
    let parsed: std::net::SocketAddr = match addr.parse::<u16>() {
        Ok(port) => std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Err(_) => addr.parse().map_err(|_| {
            input_error(
                argument(),
                format!("'{addr}' is not a port or an ADDRESS:PORT"),
                Some("e.g. --serve 8080, or --serve 127.0.0.1:8080".into()),
            )
        })?,
    };
    if let Some(code) = &join_code
        && !(4..=64).contains(&code.len()) | !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(input_error(
            Location::Argument { argument: format!("--join-code {code}") },
            "a join code is 4 to 64 letters, digits or dashes",
            Some("e.g. --join-code river-42".into()),
        ));
    }
    if !parsed.ip().is_loopback() && join_code.is_none() {
        return Err(input_error(
            argument(),
            format!("listening on {} lets anyone on that network into the session", parsed.ip()),
            Some("add --join-code CODE (every screen then asks for it), or serve on 127.0.0.1".into()),
        ));
    }
    Ok(Serve { addr: parsed, join_code, exercise })
}

/// Run `muster tabletop`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args {
        input,
        log,
        overwrite,
        script,
        from,
        at,
        mode,
        json,
        debrief,
        thresholds,
        serve,
        join_code,
        exercise,
        resume,
    } = args;
    let serve = match serve {
        Some(addr) => Some(serve_options(&addr, join_code, exercise)?),
        None => None,
    };
    run(Options {
        resume,
        serve,
        input,
        log,
        overwrite,
        script,
        from,
        at,
        players_decide: mode == Mode::Players,
        json,
        debrief,
        thresholds,
    })
}

/// Arguments of `muster tabletop`.
pub struct Options {
    pub input: InputArgs,
    pub log: Option<PathBuf>,
    /// Replace a log that already holds a session.
    pub overwrite: bool,
    pub script: Option<PathBuf>,
    pub from: Option<PathBuf>,
    pub at: Option<String>,
    pub players_decide: bool,
    pub json: Option<PathBuf>,
    pub debrief: Option<PathBuf>,
    pub thresholds: Option<PathBuf>,
    /// Serve the session as a web console instead of reading commands here.
    pub serve: Option<Serve>,
    /// The log of a session to carry on (and append to).
    pub resume: Option<PathBuf>,
}

fn input_error(location: Location, message: impl Into<String>, hint: Option<String>) -> Failure {
    Failure::Input(Diagnostics(vec![Diagnostic::new(location, message).with_hint(hint)]))
}

fn located(file: &str, line: usize, e: &CommandError) -> Diagnostic {
    Diagnostic::new(Location::File { file: file.to_string(), line, col: e.col }, e.message.clone())
        .with_hint(e.hint.clone())
}

fn read_log(path: &Path) -> Result<Log, Failure> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|_| {
        input_error(Location::Whole { file: name.clone() }, "the log is not UTF-8 text", None)
    })?;
    Ok(log::parse(&name, &text)?)
}

/// The log must have been recorded on these very inputs.
fn check_inputs(path: &Path, header: &LogHeader, model: &muster::model::Model) -> Result<(), Failure> {
    let file = path.display().to_string();
    if header.scenario_sha256 != model.scenario_sha256 || header.dataset_sha256 != model.dataset_sha256 {
        let what = if header.scenario_sha256 != model.scenario_sha256 { "scenario" } else { "dataset" };
        return Err(input_error(
            Location::Whole { file },
            format!("the log was recorded with another {what} (its SHA-256 differs)"),
            Some(format!("re-run with the {what} as it was when the session was recorded")),
        ));
    }
    if header.version != env!("CARGO_PKG_VERSION") {
        eprintln!(
            "warning: {file} was recorded by muster {}, this is {}; results may differ",
            header.version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(())
}

fn replay_entries(session: &mut Session, path: &Path, log: &Log, at: Option<u32>) -> Result<(), Failure> {
    session.replay(&log.entries, at).map_err(|(i, e)| {
        let line = log.lines.get(i).copied().unwrap_or(1);
        Failure::Input(Diagnostics(vec![located(&path.display().to_string(), line, &e)]))
    })
}

/// Where commands come from.
enum Source {
    Terminal,
    /// A file or a pipe: its name for messages, and its lines, read as they are needed (a pipe
    /// is acted on line by line, never read to its end first).
    Script(String, Box<dyn Iterator<Item = std::io::Result<String>>>),
}

/// The session log on disk, appended to after every command so that nothing is lost if the
/// session is cut short.
struct LogWriter {
    path: PathBuf,
    file: std::fs::File,
    written: usize,
}

impl LogWriter {
    /// Start the log at `path` (claimed as an output). A file that already holds a session is
    /// never truncated without `overwrite`: it is refused, naming it.
    fn create(path: &Path, header: &LogHeader, overwrite: bool) -> Result<Self, Failure> {
        let holds_something = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0);
        if holds_something && !overwrite {
            return Err(input_error(
                Location::Argument { argument: format!("--log {}", path.display()) },
                "the file already holds a session log; it would be lost",
                Some("give a new path, or add --overwrite to replace it".into()),
            ));
        }
        let mut file = std::fs::File::create(path)
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        file.write_all(log::render_header(header).as_bytes())
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        Ok(Self { path: path.to_path_buf(), file, written: 0 })
    }

    /// Carry on writing the log of a resumed session, whose first `written` entries it holds.
    fn append(path: &Path, written: usize) -> Result<Self, Failure> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        Ok(Self { path: path.to_path_buf(), file, written })
    }

    /// Append the entries not yet written, flushed to the file before returning.
    fn catch_up(&mut self, session: &Session) -> Result<(), String> {
        let new = &session.entries()[self.written..];
        let text: String = new.iter().map(log::render_entry).collect();
        self.written += new.len();
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// Write what the session's end asks for: the result and the debrief (claimed in `outputs`
/// before the session began), together.
fn finish(
    session: &mut Session,
    mut outputs: files::Outputs,
    json: Option<&Path>,
    debrief_file: Option<&Path>,
    thresholds_file: Option<&Path>,
    quiet: bool,
) -> Result<(), Failure> {
    let model = Arc::clone(session.base_model());
    let thresholds = thresholds(thresholds_file, &capability_ids(&model))?;
    let mut result = session.result();
    result.assessment = Some(muster::assessment::assess_run(&result, &thresholds));
    if let Some(p) = json {
        outputs.stage(p, files::to_json(&result).as_bytes())?;
    }
    if let Some(p) = debrief_file {
        outputs.stage(p, debrief_text(&priced(session), Some(p)).as_bytes())?;
    }
    report_written(&outputs.commit()?);
    if !quiet {
        if !session.finished() {
            println!(
                "The results cover {} to {}; the scenario runs to {}.",
                muster::time::Clock(0),
                muster::time::Clock(session.now()),
                muster::time::Clock(model.scenario.horizon)
            );
        }
        print!("{}", terminal::summary(&result, &model.scenario.question));
    }
    Ok(())
}

/// `muster tabletop`.
pub fn run(o: Options) -> Result<(), Failure> {
    // Every output is claimed before anything else: none may be an input (the script, the log
    // branched from) or another output.
    let inputs = input_paths(&o.input)
        .into_iter()
        .chain(o.thresholds.as_deref())
        .chain(o.script.as_deref())
        .chain(o.from.as_deref())
        .chain(o.serve.as_ref().and_then(|s| s.exercise.as_deref()));
    // A resumed log is read first, then appended to: an output, like --log.
    let outs = o.log.iter().chain(&o.resume).chain(&o.json).chain(&o.debrief).cloned();
    let outputs = claim(inputs, outs)?;
    let model = Arc::new(load(&o.input)?);
    // Every input is checked before the session starts or anything is written.
    thresholds(o.thresholds.as_deref(), &capability_ids(&model))?;
    let exercise = match o.serve.as_ref().and_then(|s| s.exercise.as_deref()) {
        Some(p) => {
            let name = p.display().to_string();
            let text = String::from_utf8(read(p)?).map_err(|_| {
                input_error(
                    Location::Whole { file: name.clone() },
                    "the exercise file is not UTF-8 text",
                    None,
                )
            })?;
            muster::tabletop::exercise::load(&name, &text, &model)?
        }
        None => muster::tabletop::exercise::Exercise::default(),
    };
    let branch = match (&o.from, &o.at) {
        (Some(path), Some(at)) => {
            let log = read_log(path)?;
            check_inputs(path, &log.header, &model)?;
            let minute = log::branch_point(at)
                .map_err(|m| input_error(Location::Argument { argument: format!("--at {at}") }, m, None))?;
            Some((path.clone(), log, minute))
        }
        _ => None,
    };
    let source = match &o.script {
        Some(p) => {
            let text = String::from_utf8(read(p)?).map_err(|_| {
                input_error(
                    Location::Whole { file: p.display().to_string() },
                    "the script is not UTF-8 text",
                    None,
                )
            })?;
            let lines: Vec<std::io::Result<String>> = text.lines().map(|l| Ok(l.to_string())).collect();
            Source::Script(p.display().to_string(), Box::new(lines.into_iter()))
        }
        None if !std::io::stdin().is_terminal() => {
            Source::Script("<stdin>".into(), Box::new(std::io::BufReader::new(std::io::stdin()).lines()))
        }
        None => Source::Terminal,
    };
    let resumed = match &o.resume {
        Some(path) => {
            let log = read_log(path)?;
            check_inputs(path, &log.header, &model)?;
            Some((path.clone(), log))
        }
        None => None,
    };
    let players_decide = branch
        .as_ref()
        .map(|(_, log, _)| log.header.players_decide)
        .or(resumed.as_ref().map(|(_, log)| log.header.players_decide))
        .unwrap_or(o.players_decide);
    let mut session =
        Session::new(Arc::clone(&model), players_decide).map_err(|e| Failure::Other(e.to_string()))?;
    if let Some((path, log, minute)) = &branch {
        replay_entries(&mut session, path, log, Some(*minute))?;
        eprintln!("branched from {} at {}", path.display(), muster::time::Clock(session.now()));
    }
    if let Some((path, log)) = &resumed {
        replay_entries(&mut session, path, log, None)?;
        eprintln!(
            "resumed {} at {} after {} commands",
            path.display(),
            muster::time::Clock(session.now()),
            log.entries.len()
        );
    }
    let header = LogHeader {
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: o.input.scenario.display().to_string(),
        dataset: o.input.dataset.as_ref().map(|d| d.display().to_string()),
        overrides: model.overrides.clone(),
        players_decide,
        scenario_sha256: model.scenario_sha256.clone(),
        dataset_sha256: model.dataset_sha256.clone(),
    };
    let mut log_writer = match (&o.log, &resumed) {
        (Some(p), _) => Some(LogWriter::create(p, &header, o.overwrite)?),
        (None, Some((p, _))) => Some(LogWriter::append(p, session.entries().len())?),
        (None, None) => None,
    };
    if let Some(w) = log_writer.as_mut() {
        w.catch_up(&session).map_err(Failure::Other)?;
    }
    if let Some(serve) = o.serve {
        let mut writer = log_writer;
        let after_each: crate::web::AfterEach = Box::new(move |session: &Session| match writer.as_mut() {
            Some(w) => w.catch_up(session),
            None => Ok(()),
        });
        let options = crate::web::Options {
            addr: serve.addr,
            join_code: serve.join_code,
            title: exercise.name.clone().unwrap_or_else(|| model.scenario.name.clone()),
            exercise,
        };
        let mut session =
            crate::web::serve(session, after_each, options).map_err(|e| Failure::Other(e.to_string()))?;
        if let Some(p) = o.log.as_ref().or(o.resume.as_ref()) {
            eprintln!("wrote {}", p.display());
        }
        return finish(
            &mut session,
            outputs,
            o.json.as_deref(),
            o.debrief.as_deref(),
            o.thresholds.as_deref(),
            false,
        );
    }
    let interactive = matches!(source, Source::Terminal);
    // A person at the terminal is stopped where a request starts waiting for them; a script
    // runs as written.
    session.set_stop_at_decisions(interactive);
    if interactive {
        println!("Muster tabletop: {} — type help for the commands, quit to end.", model.scenario.name);
        print!("{}", view::status(&session.status(), false));
    }
    let mut script = match source {
        Source::Script(name, lines) => Some((name, lines.enumerate())),
        Source::Terminal => None,
    };
    // A line editor (history, arrow keys) for people at a terminal.
    let mut editor = match script {
        None => Some(
            rustyline::DefaultEditor::new()
                .map_err(|e| Failure::Other(format!("cannot read from the terminal: {e}")))?,
        ),
        Some(_) => None,
    };
    let script_name = script.as_ref().map(|(name, _)| name.clone());
    let mut typed = 0;
    loop {
        let (line_no, line) = match (&mut script, &mut editor) {
            (Some((_, lines)), _) => match lines.next() {
                Some((n, Ok(l))) => (n + 1, l),
                Some((_, Err(e))) => return Err(Failure::Other(format!("cannot read the commands: {e}"))),
                None => break,
            },
            (None, Some(ed)) => {
                match ed.readline(&format!("muster {}> ", muster::time::Clock(session.now()))) {
                    Ok(l) => {
                        let _ = ed.add_history_entry(l.as_str());
                        typed += 1;
                        (typed, l)
                    }
                    Err(rustyline::error::ReadlineError::Interrupted) => {
                        println!("(quit, or Ctrl-D, ends the session and writes its outputs)");
                        continue;
                    }
                    Err(_) => break,
                }
            }
            (None, None) => break,
        };
        if !interactive && !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            println!("> {}", line.trim());
        }
        match session.execute(&line) {
            Ok(Reply::Quit) => break,
            Ok(reply) => {
                if let Err(message) = show(&mut session, reply, &outputs) {
                    match &script_name {
                        // A prepared script must run as written: a debrief it cannot write stops it.
                        Some(name) => {
                            let at = Location::File { file: name.clone(), line: line_no, col: 1 };
                            return Err(Failure::Stopped(Diagnostics(vec![Diagnostic::new(at, message)])));
                        }
                        None => println!("error: {message}"),
                    }
                }
            }
            Err(e) => match &script_name {
                // A prepared script must run as written: stop at the first line that does not.
                Some(name) => return Err(Failure::Stopped(Diagnostics(vec![located(name, line_no, &e)]))),
                None => {
                    println!(
                        "{}",
                        " ".repeat(e.col + 8 + muster::time::Clock(session.now()).to_string().len()) + "^"
                    );
                    println!("error: {}", e.message);
                    if let Some(h) = &e.hint {
                        println!("  hint: {h}");
                    }
                }
            },
        }
        if let Some(w) = log_writer.as_mut() {
            w.catch_up(&session).map_err(Failure::Other)?;
        }
    }
    if let Some(w) = &log_writer {
        eprintln!("wrote {}", w.path.display());
    }
    finish(&mut session, outputs, o.json.as_deref(), o.debrief.as_deref(), o.thresholds.as_deref(), false)
}

/// The session's debrief, with a progress bar while its re-runs go (one per decision).
fn priced(session: &Session) -> debrief::Debrief {
    let bar = progress(1, "re-runs of the session (debrief)");
    let d = debrief::build(session, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    d
}

/// The debrief as the file asks for it: a page for `.html`/`.htm`, else Markdown.
fn debrief_text(d: &debrief::Debrief, file: Option<&Path>) -> String {
    let html = file
        .and_then(|f| f.extension())
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if html { muster::present::debrief_page::page(d) } else { view::debrief(d) }
}

/// Show what a command replied; a debrief that could not be written is the error returned.
fn show(session: &mut Session, reply: Reply, outputs: &files::Outputs) -> Result<(), String> {
    match reply {
        Reply::Nothing => {}
        Reply::Status { status, full } => print!("{}", view::status(&status, full)),
        Reply::Advanced { from, to, events, started, stopped_for } => {
            print!("{}", view::advance(from, to, &events, &started, stopped_for));
            print!("{}", view::status(&session.status(), false));
        }
        Reply::Done(lines) => {
            for l in lines {
                println!("{}", view::done_line(&l));
            }
        }
        Reply::Help(text) => print!("{text}"),
        Reply::Clear => {
            // Only a person at a terminal has a screen to clear; a transcript keeps its lines.
            if std::io::stdout().is_terminal() {
                print!("\x1b[2J\x1b[H");
                print!("{}", view::status(&session.status(), false));
            }
        }
        Reply::Debrief(file) => {
            let text = debrief_text(&priced(session), file.as_deref().map(Path::new));
            match file {
                // A bad path typed in the session is the player's mistake: say so and carry on.
                // It may not be one of the session's inputs or outputs.
                Some(f) => {
                    outputs
                        .check(Path::new(&f))
                        .and_then(|()| files::write_atomic(Path::new(&f), text.as_bytes()))
                        .map_err(|e| e.to_string())?;
                    println!("wrote {f}");
                }
                None => print!("{text}"),
            }
        }
        Reply::Quit => {}
    }
    Ok(())
}

/// `muster replay`.
pub fn replay(
    path: &Path,
    json: Option<&Path>,
    debrief_file: Option<&Path>,
    quiet: bool,
    thresholds_file: Option<&Path>,
) -> Result<(), Failure> {
    let log = read_log(path)?;
    let h = &log.header;
    // Files as named when recording: from here, else beside the log (else a shipped name).
    let find = |name: &str| -> PathBuf {
        let here = PathBuf::from(name);
        match path.parent().map(|d| d.join(name)) {
            Some(beside) if !here.exists() && beside.exists() => beside,
            _ => here,
        }
    };
    let input = InputArgs {
        scenario: find(&h.scenario),
        dataset: h.dataset.as_deref().map(find),
        set: h.overrides.clone(),
        seed: None,
    };
    // No output may be the log, the files it names, or the thresholds.
    let inputs = input_paths(&input).into_iter().chain([path]).chain(thresholds_file);
    let outputs = claim(inputs, json.into_iter().chain(debrief_file).map(Path::to_path_buf))?;
    let model = Arc::new(load(&input)?);
    check_inputs(path, h, &model)?;
    thresholds(thresholds_file, &capability_ids(&model))?;
    let mut session =
        Session::new(Arc::clone(&model), h.players_decide).map_err(|e| Failure::Other(e.to_string()))?;
    replay_entries(&mut session, path, &log, None)?;
    finish(&mut session, outputs, json, debrief_file, thresholds_file, quiet)
}

//! The session log: a text file a person can read and edit, and a replay can follow. A header
//! names the inputs (with their hashes, so a replay against changed inputs is refused), then one
//! line per command that changed the run: `at D0+14:00 approve R3`.

use super::command::{self, Until, Word};
use super::session::Entry;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::time::{Clock, Minutes};

/// First line of every log (after comments).
const MAGIC: &str = "muster-tabletop-log 1";

/// What a log says about its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHeader {
    /// Program version that recorded it.
    pub version: String,
    /// The scenario as given on the command line (path or shipped name).
    pub scenario: String,
    /// The dataset file given with `--dataset`, if any.
    pub dataset: Option<String>,
    /// The `--set KEY=VALUE` overrides (the seed among them), in order.
    pub overrides: Vec<String>,
    /// Whether requests waited for players from the start.
    pub players_decide: bool,
    /// SHA-256 of the scenario text and overrides, as in every manifest.
    pub scenario_sha256: String,
    /// SHA-256 of the dataset text.
    pub dataset_sha256: String,
}

/// A parsed log.
#[derive(Debug, Clone, PartialEq)]
pub struct Log {
    /// Its inputs.
    pub header: LogHeader,
    /// The commands, in order.
    pub entries: Vec<Entry>,
    /// The line of the file each entry is on (1-based), to place problems found re-playing it.
    pub lines: Vec<usize>,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The header's lines.
pub fn render_header(h: &LogHeader) -> String {
    let mut out = format!(
        "# Muster tabletop session log. Replay it with: muster replay THIS_FILE --json OUT\n\
         # Lines: at MOMENT COMMAND, the moment being the one shown when the command was given.\n\
         {MAGIC}\nversion {}\nscenario {}\n",
        h.version,
        quoted(&h.scenario)
    );
    if let Some(d) = &h.dataset {
        out.push_str(&format!("dataset {}\n", quoted(d)));
    }
    for o in &h.overrides {
        out.push_str(&format!("set {}\n", quoted(o)));
    }
    out.push_str(&format!(
        "players-decide {}\nscenario-sha256 {}\ndataset-sha256 {}\n",
        h.players_decide, h.scenario_sha256, h.dataset_sha256
    ));
    out
}

/// One entry's line.
pub fn render_entry(e: &Entry) -> String {
    format!("at {} {}\n", Clock(e.at), e.line)
}

/// Parse a log; every problem is reported at its line and column.
pub fn parse(file: &str, text: &str) -> Result<Log, Diagnostics> {
    let mut problems = Vec::new();
    let at = |line: usize, col: usize| Location::File { file: file.to_string(), line, col };
    let mut fields: std::collections::BTreeMap<&str, (usize, String)> = Default::default();
    let mut overrides = Vec::new();
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    let mut magic = false;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !magic {
            if line.trim() == MAGIC {
                magic = true;
                continue;
            }
            problems.push(
                Diagnostic::new(at(line_no, 1), "this is not a Muster tabletop log").with_hint(Some(
                    format!("a log starts with the line '{MAGIC}'; write one with --log FILE"),
                )),
            );
            break;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let value_col = key.chars().count() + 2;
        match key {
            "at" => {
                let (moment, command_text) = rest.split_once(' ').unwrap_or((rest, ""));
                let moment_word = Word { text: moment.to_string(), col: value_col };
                let minute = match command::moment(&moment_word) {
                    Ok(Until::Minute(m)) => m,
                    _ => {
                        problems.push(
                            Diagnostic::new(at(line_no, value_col), format!("'{moment}' is not a moment"))
                                .with_hint(Some("write the moment as D0+14:00".into())),
                        );
                        continue;
                    }
                };
                let command_col = value_col + moment.chars().count() + 1;
                match command::parse(command_text) {
                    Ok(Some(command)) if command.changes_run() => {
                        entries.push(Entry { at: minute, line: command_text.trim().to_string(), command });
                        lines.push(line_no);
                    }
                    Ok(_) => problems.push(Diagnostic::new(
                        at(line_no, command_col),
                        "expected a command that changes the run (a log keeps no others)",
                    )),
                    Err(e) => problems.push(
                        Diagnostic::new(at(line_no, command_col + e.col - 1), e.message).with_hint(e.hint),
                    ),
                }
            }
            "set" | "scenario" | "dataset" => match serde_json::from_str::<String>(rest) {
                Ok(v) if key == "set" => overrides.push(v),
                Ok(v) => {
                    fields.insert(key, (line_no, v));
                }
                Err(_) => problems.push(
                    Diagnostic::new(at(line_no, value_col), format!("{key} needs a quoted value"))
                        .with_hint(Some(format!("write {key} \"...\""))),
                ),
            },
            "version" | "players-decide" | "scenario-sha256" | "dataset-sha256" => {
                fields.insert(key, (line_no, rest.trim().to_string()));
            }
            _ => {
                problems.push(Diagnostic::new(at(line_no, 1), format!("unknown log line '{key}'")).with_hint(
                    crate::diagnostics::suggest(
                        key,
                        [
                            "at",
                            "set",
                            "scenario",
                            "dataset",
                            "version",
                            "players-decide",
                            "scenario-sha256",
                            "dataset-sha256",
                        ],
                    ),
                ))
            }
        }
    }
    if !magic && problems.is_empty() {
        problems.push(Diagnostic::new(Location::Whole { file: file.to_string() }, "the log is empty"));
    }
    let mut take = |key: &str| -> Option<String> {
        let v = fields.get(key).map(|(_, v)| v.clone());
        if v.is_none() && magic {
            problems.push(Diagnostic::new(
                Location::Whole { file: file.to_string() },
                format!("the log's header has no '{key}' line"),
            ));
        }
        v
    };
    let (version, scenario, players, scenario_sha256, dataset_sha256) = (
        take("version"),
        take("scenario"),
        take("players-decide"),
        take("scenario-sha256"),
        take("dataset-sha256"),
    );
    let players_decide = match players.as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            let line = fields.get("players-decide").map_or(1, |(l, _)| *l);
            problems.push(Diagnostic::new(at(line, 16), "players-decide is true or false"));
            None
        }
        None => None,
    };
    for pair in entries.windows(2) {
        if pair[1].at < pair[0].at {
            problems.push(Diagnostic::new(
                Location::Whole { file: file.to_string() },
                format!("the moments go back in time ({} after {})", Clock(pair[1].at), Clock(pair[0].at)),
            ));
            break;
        }
    }
    match (version, scenario, players_decide, scenario_sha256, dataset_sha256) {
        (
            Some(version),
            Some(scenario),
            Some(players_decide),
            Some(scenario_sha256),
            Some(dataset_sha256),
        ) if problems.is_empty() => Ok(Log {
            header: LogHeader {
                version,
                scenario,
                dataset: fields.get("dataset").map(|(_, v)| v.clone()),
                overrides,
                players_decide,
                scenario_sha256,
                dataset_sha256,
            },
            entries,
            lines,
        }),
        _ => Err(Diagnostics(problems)),
    }
}

/// Minutes of a `--at` argument: `14h`, `D0+14:00`.
pub fn branch_point(text: &str) -> Result<Minutes, String> {
    match command::moment(&Word { text: text.to_string(), col: 1 }) {
        Ok(Until::Minute(m)) => Ok(m),
        _ => Err(format!("'{text}' is not a moment: write 14h (from the start) or D0+14:00")),
    }
}

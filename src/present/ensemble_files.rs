//! Ensemble files: JSON Lines (a manifest line, then one line per replication in replication
//! order) and the aggregate beside it. Shard files merge into exactly the bytes a single
//! machine would have written.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::files::OutputError;
use crate::analysis::ensemble::{Aggregate, Aggregator, EnsembleManifest, ReplicationRecord};
use crate::model::Thresholds;

/// Where the aggregate of `runs.jsonl` goes: `runs.aggregate.json`.
pub fn aggregate_path(jsonl: &Path) -> PathBuf {
    let stem =
        jsonl.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "ensemble".into());
    jsonl.with_file_name(format!("{stem}.aggregate.json"))
}

/// One line of JSON for a serialisable value (plain data cannot fail to serialise).
fn line<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The file an unfinished ensemble is written to: `runs.jsonl.partial` beside `runs.jsonl`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// Streams an ensemble to `NAME.partial` beside `path`; at the end the caller moves it into
/// place with the aggregate beside it (`files::Outputs`), so `path` only ever holds a complete
/// ensemble and an interrupted run can be resumed.
pub struct EnsembleWriter {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    aggregator: Aggregator,
    manifest: EnsembleManifest,
}

impl EnsembleWriter {
    /// Start afresh, with the manifest line.
    pub fn create(path: &Path, manifest: EnsembleManifest) -> Result<Self, OutputError> {
        let partial = partial_path(path);
        let io = |source| OutputError::Io { path: partial.clone(), source };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(io)?);
        out.write_all(line(&serde_json::json!({ "manifest": manifest })).as_bytes()).map_err(io)?;
        Ok(Self { path: path.to_path_buf(), out, aggregator: Aggregator::default(), manifest })
    }

    /// Continue an interrupted ensemble: keep the complete lines of `NAME.partial` (dropping a
    /// half-written last line) and return how many replications it already holds. Starts
    /// afresh when there is nothing to resume; refuses, at its line, a partial file of another
    /// ensemble or one whose replications are not the ensemble's own in order (a line
    /// duplicated, dropped or edited).
    pub fn resume(path: &Path, manifest: EnsembleManifest) -> Result<(Self, u64), OutputError> {
        let partial = partial_path(path);
        let Ok(text) = std::fs::read(&partial) else { return Ok((Self::create(path, manifest)?, 0)) };
        let io = |source| OutputError::Io { path: partial.clone(), source };
        let refused = |line: usize, message: String| OutputError::Refused {
            path: partial.clone(),
            line,
            message,
            hint: "delete the partial file to start again, or drop --resume".into(),
        };
        let mut expected = crate::analysis::ensemble::indices(manifest.runs, manifest.shard, 0);
        let mut aggregator = Aggregator::default();
        let (mut kept, mut done) = (0usize, 0u64);
        for (i, chunk) in text.split_inclusive(|&b| b == b'\n').enumerate() {
            if !chunk.ends_with(b"\n") {
                break;
            }
            if i == 0 {
                #[derive(serde::Deserialize)]
                struct Head {
                    manifest: EnsembleManifest,
                }
                match serde_json::from_slice::<Head>(chunk) {
                    Ok(h) if h.manifest == manifest => {}
                    _ => return Err(refused(1, "this partial file belongs to a different ensemble".into())),
                }
            } else {
                let Ok(record) = serde_json::from_slice::<ReplicationRecord>(chunk) else { break };
                match expected.next() {
                    Some(r) if r == record.replication => {}
                    Some(r) => {
                        return Err(refused(
                            i + 1,
                            format!("replication {} where replication {r} was expected", record.replication),
                        ));
                    }
                    None => {
                        return Err(refused(
                            i + 1,
                            format!("replication {} is beyond the ensemble", record.replication),
                        ));
                    }
                }
                aggregator.push(&record);
                done += 1;
            }
            kept += chunk.len();
        }
        if kept == 0 {
            return Ok((Self::create(path, manifest)?, 0));
        }
        let file = std::fs::OpenOptions::new().write(true).open(&partial).map_err(io)?;
        file.set_len(kept as u64).map_err(io)?;
        let mut out = std::io::BufWriter::new(file);
        std::io::Seek::seek(&mut out, std::io::SeekFrom::End(0)).map_err(io)?;
        Ok((Self { path: path.to_path_buf(), out, aggregator, manifest }, done))
    }

    /// Append the next replication (in replication order).
    pub fn push(&mut self, record: &ReplicationRecord) -> std::io::Result<()> {
        self.aggregator.push(record);
        self.out.write_all(line(record).as_bytes())
    }

    /// Finish the lines (flushed and synced in `NAME.partial`) and the aggregate, graded
    /// against `thresholds`: the partial file to move into place, the aggregate and its JSON.
    pub fn finish(mut self, thresholds: &Thresholds) -> Result<Finished, OutputError> {
        let partial = partial_path(&self.path);
        let io = |source| OutputError::Io { path: partial.clone(), source };
        self.out.flush().map_err(io)?;
        self.out.get_ref().sync_all().map_err(io)?;
        drop(self.out);
        let mut aggregate = self.aggregator.finish(self.manifest);
        aggregate.assessment = Some(crate::assessment::assess_ensemble(&aggregate, thresholds));
        let mut json = serde_json::to_string_pretty(&aggregate).unwrap_or_default();
        json.push('\n');
        Ok(Finished { partial, aggregate, json })
    }
}

/// A finished ensemble, not yet in place.
pub struct Finished {
    /// The lines, whole, in `NAME.partial`: to be moved to `NAME`.
    pub partial: PathBuf,
    /// The aggregate.
    pub aggregate: Aggregate,
    /// The aggregate as pretty JSON, for `NAME.aggregate.json`.
    pub json: String,
}

impl EnsembleWriter {
    /// Where the lines are being written.
    pub fn partial(&self) -> PathBuf {
        partial_path(&self.path)
    }
}

/// Why shard files cannot be merged.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct MergeError {
    /// The part file.
    pub file: String,
    /// Line number (1-based; 0 for the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Longest line a part may have (bytes): a replication record with a 20,000-sample national
/// series is a few MB.
const MAX_LINE_BYTES: u64 = 64 << 20;

/// Read shard files and merge them into one ensemble (records sorted by replication).
pub fn read_parts(parts: &[PathBuf]) -> Result<(EnsembleManifest, Vec<ReplicationRecord>), MergeError> {
    let mut manifest: Option<EnsembleManifest> = None;
    let mut records = Vec::new();
    let mut shards = Vec::new();
    for part in parts {
        let file = part.display().to_string();
        let err = |line: usize, message: String| MergeError { file: file.clone(), line, message };
        let f = std::fs::File::open(part).map_err(|e| err(0, format!("cannot read the file: {e}")))?;
        let mut reader = std::io::BufReader::new(f);
        let mut line = Vec::new();
        for i in 0.. {
            line.clear();
            // A line is read up to a bound, so a wrong path (a device, a file of one endless
            // line) is refused instead of read without end.
            let n = (&mut reader)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| err(i + 1, format!("cannot read: {e}")))?;
            if n == 0 {
                break;
            }
            if line.len() as u64 > MAX_LINE_BYTES {
                return Err(err(
                    i + 1,
                    format!("a line longer than {} MB is not a record", MAX_LINE_BYTES >> 20),
                ));
            }
            let text = std::str::from_utf8(&line)
                .map_err(|_| err(i + 1, "the line is not UTF-8 text".into()))?
                .trim_end_matches(['\n', '\r']);
            if i == 0 {
                #[derive(serde::Deserialize)]
                struct Head {
                    manifest: EnsembleManifest,
                }
                let head: Head = serde_json::from_str(text).map_err(|e| {
                    err(1, format!("not an ensemble file (first line must be the manifest): {e}"))
                })?;
                let mut whole = head.manifest.clone();
                whole.shard = None;
                if let Some(m) = &manifest {
                    if *m != whole {
                        return Err(err(1, "this part belongs to a different ensemble (scenario, dataset, seed, runs or version differ)".into()));
                    }
                } else {
                    manifest = Some(whole);
                }
                shards.push(head.manifest.shard);
                continue;
            }
            let record: ReplicationRecord = serde_json::from_str(text)
                .map_err(|e| err(i + 1, format!("not a replication record: {e}")))?;
            records.push(record);
        }
    }
    let manifest = manifest.ok_or_else(|| MergeError {
        file: "merge".into(),
        line: 0,
        message: "no parts given".into(),
    })?;
    records.sort_by_key(|r| r.replication);
    for (expected, r) in records.iter().enumerate() {
        if r.replication != expected as u64 {
            let message = if r.replication < expected as u64 {
                format!("replication {} appears twice (a shard given twice?)", r.replication)
            } else {
                format!("replication {expected} is missing (a shard not given, or not finished?)")
            };
            return Err(MergeError { file: "merge".into(), line: 0, message });
        }
    }
    if records.len() as u64 != manifest.runs {
        return Err(MergeError {
            file: "merge".into(),
            line: 0,
            message: format!(
                "{} of {} replications found (shards given: {:?})",
                records.len(),
                manifest.runs,
                shards
            ),
        });
    }
    Ok((manifest, records))
}

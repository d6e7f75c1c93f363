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

    /// Append the next replication (in replication order), holding what the manifest's
    /// `records` say: the aggregate is made of the lines, so a merge of shards gives it again.
    pub fn push(&mut self, mut record: ReplicationRecord) -> std::io::Result<()> {
        self.manifest.records.trim(&mut record);
        self.aggregator.push(&record);
        self.out.write_all(line(&record).as_bytes())
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
        // Summary lines hold no observations: there is nothing to grade.
        aggregate.assessment = aggregate
            .manifest
            .records
            .has_evidence()
            .then(|| crate::assessment::assess_ensemble(&aggregate, thresholds));
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

/// One part being read: its reader, where it is, and its next record.
struct Part {
    file: String,
    reader: std::io::BufReader<std::fs::File>,
    /// Lines read so far (the number of the line `head` came from).
    line: usize,
    head: Option<ReplicationRecord>,
}

impl Part {
    fn err(&self, line: usize, message: String) -> MergeError {
        MergeError { file: self.file.clone(), line, message }
    }

    /// The next line's text, or `None` at the end. A line is read up to a bound, so a wrong
    /// path (a device, a file of one endless line) is refused instead of read without end.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<String>, MergeError> {
        buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', buf)
            .map_err(|e| self.err(self.line + 1, format!("cannot read: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if buf.len() as u64 > MAX_LINE_BYTES {
            return Err(self
                .err(self.line, format!("a line longer than {} MB is not a record", MAX_LINE_BYTES >> 20)));
        }
        let text =
            std::str::from_utf8(buf).map_err(|_| self.err(self.line, "the line is not UTF-8 text".into()))?;
        Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// Read the next record into `head` (empty at the end); each part's records must rise in
    /// replication order, after `before`, the replication of the record just taken.
    fn advance(&mut self, before: Option<u64>, buf: &mut Vec<u8>) -> Result<(), MergeError> {
        let Some(text) = self.next_line(buf)? else { return Ok(()) };
        let record: ReplicationRecord = serde_json::from_str(&text)
            .map_err(|e| self.err(self.line, format!("not a replication record: {e}")))?;
        if before.is_some_and(|b| record.replication <= b) {
            return Err(self.err(
                self.line,
                format!("replication {} comes after replication {} (a part's lines must rise in replication order)", record.replication, before.unwrap_or(0)),
            ));
        }
        self.head = Some(record);
        Ok(())
    }
}

/// Shard files read as one ensemble in replication order, a record at a time: a k-way merge
/// holding one record per part, so memory does not grow with the number of replications.
pub struct Parts {
    parts: Vec<Part>,
    /// The ensemble's manifest (without the shard).
    pub manifest: EnsembleManifest,
    shards: Vec<Option<crate::analysis::ensemble::Shard>>,
    /// The replication expected next.
    expected: u64,
    buf: Vec<u8>,
}

impl Parts {
    /// Open the parts, check that their manifests are of one ensemble, and read each one's
    /// first record.
    pub fn open(paths: &[PathBuf]) -> Result<Self, MergeError> {
        let mut manifest: Option<EnsembleManifest> = None;
        let mut parts = Vec::new();
        let mut shards = Vec::new();
        let mut buf = Vec::new();
        for path in paths {
            let file = path.display().to_string();
            let f = std::fs::File::open(path).map_err(|e| MergeError {
                file: file.clone(),
                line: 0,
                message: format!("cannot read the file: {e}"),
            })?;
            let mut part = Part { file, reader: std::io::BufReader::new(f), line: 0, head: None };
            let Some(text) = part.next_line(&mut buf)? else {
                return Err(part.err(
                    1,
                    "not an ensemble file (first line must be the manifest): the file is empty".into(),
                ));
            };
            #[derive(serde::Deserialize)]
            struct Head {
                manifest: EnsembleManifest,
            }
            let head: Head = serde_json::from_str(&text).map_err(|e| {
                part.err(1, format!("not an ensemble file (first line must be the manifest): {e}"))
            })?;
            let mut whole = head.manifest.clone();
            whole.shard = None;
            match &manifest {
                Some(m) if m.records != whole.records => {
                    return Err(part.err(
                        1,
                        format!(
                            "this part holds --records {} but the first holds --records {}: rerun it with the same --records",
                            whole.records.name(),
                            m.records.name()
                        ),
                    ));
                }
                Some(m) if *m != whole => {
                    return Err(part.err(1, "this part belongs to a different ensemble (scenario, dataset, seed, runs or version differ)".into()));
                }
                Some(_) => {}
                None => manifest = Some(whole),
            }
            shards.push(head.manifest.shard);
            part.advance(None, &mut buf)?;
            parts.push(part);
        }
        let manifest = manifest.ok_or_else(|| MergeError {
            file: "merge".into(),
            line: 0,
            message: "no parts given".into(),
        })?;
        Ok(Self { parts, manifest, shards, expected: 0, buf })
    }

    /// The next record in replication order, `None` when every part is read and every
    /// replication was found once.
    pub fn next_record(&mut self) -> Result<Option<ReplicationRecord>, MergeError> {
        let merge_err = |message: String| MergeError { file: "merge".into(), line: 0, message };
        let next = self
            .parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.head.as_ref().map(|r| (r.replication, i)))
            .min();
        let Some((replication, i)) = next else {
            if self.expected != self.manifest.runs {
                return Err(merge_err(format!(
                    "{} of {} replications found (shards given: {:?})",
                    self.expected, self.manifest.runs, self.shards
                )));
            }
            return Ok(None);
        };
        if replication < self.expected {
            return Err(merge_err(format!("replication {replication} appears twice (a shard given twice?)")));
        }
        if replication > self.expected {
            return Err(merge_err(format!(
                "replication {} is missing (a shard not given, or not finished?)",
                self.expected
            )));
        }
        let part = &mut self.parts[i];
        let record = part.head.take();
        part.advance(Some(replication), &mut self.buf)?;
        self.expected += 1;
        Ok(record)
    }
}

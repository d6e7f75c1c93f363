//! Ensemble files: JSON Lines (a manifest line, then one line per replication in replication
//! order) and the aggregate beside it. Shard files merge into exactly the bytes a single
//! machine would have written.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::files::{OutputError, make_readable, write_atomic};
use crate::ensemble::{Aggregate, Aggregator, EnsembleManifest, ReplicationRecord};

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

/// Streams an ensemble to a temporary file beside `path` and renames it into place at the end.
pub struct EnsembleWriter {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    out: std::io::BufWriter<std::fs::File>,
    aggregator: Aggregator,
    manifest: EnsembleManifest,
}

impl EnsembleWriter {
    /// Start `path` with its manifest line.
    pub fn create(path: &Path, manifest: EnsembleManifest) -> Result<Self, OutputError> {
        let io = |source| OutputError::Io { path: path.to_path_buf(), source };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let mut out = std::io::BufWriter::new(tmp.reopen().map_err(io)?);
        out.write_all(line(&serde_json::json!({ "manifest": manifest })).as_bytes()).map_err(io)?;
        Ok(Self { path: path.to_path_buf(), tmp, out, aggregator: Aggregator::default(), manifest })
    }

    /// Append the next replication (in replication order).
    pub fn push(&mut self, record: &ReplicationRecord) -> std::io::Result<()> {
        self.aggregator.push(record);
        self.out.write_all(line(record).as_bytes())
    }

    /// Finish: rename the lines into place and write the aggregate beside them.
    pub fn finish(mut self) -> Result<(PathBuf, PathBuf, Aggregate), OutputError> {
        let io = |source| OutputError::Io { path: self.path.clone(), source };
        self.out.flush().map_err(io)?;
        drop(self.out);
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|source| OutputError::Io { path: self.path.clone(), source })?;
        self.tmp
            .persist(&self.path)
            .map_err(|e| OutputError::Io { path: self.path.clone(), source: e.error })?;
        make_readable(&self.path)?;
        let aggregate = self.aggregator.finish(self.manifest);
        let agg_path = aggregate_path(&self.path);
        let mut text = serde_json::to_string_pretty(&aggregate).unwrap_or_default();
        text.push('\n');
        write_atomic(&agg_path, text.as_bytes())?;
        Ok((self.path, agg_path, aggregate))
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

/// Read shard files and merge them into one ensemble (records sorted by replication).
pub fn read_parts(parts: &[PathBuf]) -> Result<(EnsembleManifest, Vec<ReplicationRecord>), MergeError> {
    let mut manifest: Option<EnsembleManifest> = None;
    let mut records = Vec::new();
    let mut shards = Vec::new();
    for part in parts {
        let file = part.display().to_string();
        let err = |line: usize, message: String| MergeError { file: file.clone(), line, message };
        let f = std::fs::File::open(part).map_err(|e| err(0, format!("cannot read the file: {e}")))?;
        for (i, text) in std::io::BufReader::new(f).lines().enumerate() {
            let text = text.map_err(|e| err(i + 1, format!("cannot read: {e}")))?;
            if i == 0 {
                #[derive(serde::Deserialize)]
                struct Head {
                    manifest: EnsembleManifest,
                }
                let head: Head = serde_json::from_str(&text).map_err(|e| {
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
            let record: ReplicationRecord = serde_json::from_str(&text)
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

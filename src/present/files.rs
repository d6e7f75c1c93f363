//! Output files. Each is written to a temporary file beside its target and renamed into
//! place, so a reader never sees half a file and a failed run leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::results::{RunResult, SeriesPoint};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum OutputError {
    /// The file system refused.
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// The data could not be encoded.
    #[error("cannot encode {path}: {message}")]
    Encode { path: PathBuf, message: String },
    /// An output is the same file as one of the command's inputs or another of its outputs:
    /// writing it would destroy that file. A problem with the user's arguments.
    #[error(
        "{path} is the same file as the {role} {other}: writing it would destroy that file; choose another path"
    )]
    Clash { path: PathBuf, other: PathBuf, role: &'static str },
    /// Another process is writing the same output.
    #[error("another muster is writing {path} (it holds {lock}); wait for it, or write elsewhere")]
    Locked { path: PathBuf, lock: PathBuf },
    /// A file the command was to continue (a partial ensemble) is not what it should be: a
    /// problem with the user's files, located at its line.
    #[error("{path}:{line}:1: {message}")]
    Refused { path: PathBuf, line: usize, message: String, hint: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Write `bytes` to `path` atomically (temporary file in the same directory, then rename).
/// Commands write through [`Outputs`], which also checks what a path is before writing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut tmp = temporary_beside(path)?;
    tmp.write_all(bytes).map_err(io(path))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    tmp.persist(path).map_err(|e| OutputError::Io { path: path.to_path_buf(), source: e.error })?;
    make_readable(path)
}

fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile, OutputError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::NamedTempFile::new_in(&dir).map_err(io(path))
}

/// Temporary files are private (0600); results are ordinary files (0644).
pub fn make_readable(path: &Path) -> Result<(), OutputError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|source| OutputError::Io { path: path.to_path_buf(), source })?;
    }
    Ok(())
}

/// What a path names, for telling whether two paths are one file: its canonical path (symbolic
/// links followed; for a file not yet there, its folder's canonical path and its name), and the
/// file's device and inode when it exists (hard links).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    canonical: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> Self {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            path.file_name().map_or(dir.clone(), |name| dir.join(name))
        });
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
        };
        #[cfg(not(unix))]
        let inode = None;
        Self { canonical, inode }
    }

    fn same(&self, other: &Identity) -> bool {
        self.canonical == other.canonical || (self.inode.is_some() && self.inode == other.inode)
    }
}

/// Where an output goes: a regular file (replaced whole, through a temporary file and a
/// rename onto the file a symbolic link points to), or a stream — standard output (`-`), a
/// device or a named pipe — written in place, never renamed over.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    File(PathBuf),
    Stream(PathBuf),
    Stdout,
}

impl Target {
    fn of(path: &Path) -> Self {
        if path.as_os_str() == "-" {
            return Target::Stdout;
        }
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() && !m.is_dir() => Target::Stream(path.to_path_buf()),
            // A symbolic link is followed: the file it points to is replaced, the link kept.
            _ => Target::File(Identity::of(path).canonical),
        }
    }
}

/// An output staged for commit: its bytes in a temporary file beside the target, or held for a
/// stream.
enum Staged {
    File {
        shown: PathBuf,
        target: PathBuf,
        tmp: tempfile::NamedTempFile,
    },
    Stream {
        shown: PathBuf,
        target: Target,
        bytes: Vec<u8>,
    },
    /// A file already written whole (an ensemble's lines), moved into place at commit; kept
    /// where it is if the commit never comes (it can be resumed).
    Move {
        shown: PathBuf,
        from: PathBuf,
        target: Target,
    },
}

/// A lock that keeps a second muster from writing the same output: an exclusive lock on a
/// hidden file beside it, released when the process ends however it ends.
struct Lock {
    path: PathBuf,
    _file: std::fs::File,
}

/// The outputs of one command. Every output path is claimed before any work is done: it must
/// not be one of the command's inputs or another of its outputs, and no other muster may be
/// writing it. Outputs are then staged — written whole to temporary files beside their
/// targets — and put in place together by [`Outputs::commit`], so a command writes all its
/// files or none of them.
pub struct Outputs {
    inputs: Vec<(PathBuf, Identity)>,
    claimed: Vec<(PathBuf, Identity)>,
    staged: Vec<Staged>,
    locks: Vec<Lock>,
    created_dirs: Vec<PathBuf>,
}

impl Outputs {
    /// The outputs of a command that reads `inputs` (paths as the user gave them; `-` and
    /// built-in names are passed over).
    pub fn new<'a>(inputs: impl IntoIterator<Item = &'a Path>) -> Self {
        let inputs = inputs
            .into_iter()
            .filter(|p| p.as_os_str() != "-" && p.exists())
            .map(|p| (p.to_path_buf(), Identity::of(p)))
            .collect();
        Self { inputs, claimed: Vec::new(), staged: Vec::new(), locks: Vec::new(), created_dirs: Vec::new() }
    }

    /// Claim `path` as an output: refused if it is an input or already claimed, or if another
    /// muster is writing it.
    pub fn claim(&mut self, path: &Path) -> Result<(), OutputError> {
        if path.as_os_str() == "-" {
            return Ok(());
        }
        self.check(path)?;
        if let Target::File(target) = Target::of(path) {
            self.lock(path, &target)?;
        }
        self.claimed.push((path.to_path_buf(), Identity::of(path)));
        Ok(())
    }

    /// Whether `path` may be written: not an input, and not already an output.
    pub fn check(&self, path: &Path) -> Result<(), OutputError> {
        let id = Identity::of(path);
        let clash = |(other, known): &(PathBuf, Identity), role| {
            id.same(known).then(|| OutputError::Clash {
                path: path.to_path_buf(),
                other: other.clone(),
                role,
            })
        };
        match self.inputs.iter().find_map(|x| clash(x, "input")) {
            Some(e) => Err(e),
            None => self.claimed.iter().find_map(|x| clash(x, "output")).map_or(Ok(()), Err),
        }
    }

    fn lock(&mut self, shown: &Path, target: &Path) -> Result<(), OutputError> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let lock = target.with_file_name(format!(".{name}.muster-lock"));
        // The folder may not exist yet: it is made when the output is staged, and locked then.
        if !lock.parent().is_some_and(Path::is_dir) || self.locks.iter().any(|l| l.path == lock) {
            return Ok(());
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io(shown))?;
        match file.try_lock() {
            Ok(()) => {
                self.locks.push(Lock { path: lock, _file: file });
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(OutputError::Locked { path: shown.to_path_buf(), lock })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                Err(OutputError::Io { path: shown.to_path_buf(), source: e })
            }
        }
    }

    /// Whether `path` was claimed (an unclaimed output is a programming error, reported).
    fn check_claimed(&self, path: &Path) -> Result<(), OutputError> {
        if path.as_os_str() == "-" || self.claimed.iter().any(|(p, _)| p == path) {
            Ok(())
        } else {
            Err(OutputError::Encode {
                path: path.to_path_buf(),
                message: "the output was not claimed first".into(),
            })
        }
    }

    /// Make the folder of `path` (claimed before) if it is missing, and lock the output in it.
    /// Folders made here are removed again if nothing is put in place (and they are empty).
    pub fn make_folder(&mut self, path: &Path) -> Result<(), OutputError> {
        self.check_claimed(path)?;
        if let Target::File(target) = Target::of(path)
            && let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            let missing: Vec<PathBuf> =
                dir.ancestors().take_while(|x| !x.exists()).map(Path::to_path_buf).collect();
            std::fs::create_dir_all(dir).map_err(io(path))?;
            self.created_dirs.extend(missing.into_iter().rev());
            self.lock(path, &target)?;
        }
        Ok(())
    }

    /// Stage `bytes` for `path` (claimed before): written to a temporary file beside the file
    /// it will replace (its folder made if missing), or held for a stream.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        self.check_claimed(path)?;
        match Target::of(path) {
            Target::File(target) => {
                self.make_folder(path)?;
                let mut tmp = temporary_beside(&target)?;
                tmp.write_all(bytes).map_err(io(path))?;
                tmp.as_file().sync_all().map_err(io(path))?;
                self.staged.push(Staged::File { shown: path.to_path_buf(), target, tmp });
            }
            target => {
                self.staged.push(Staged::Stream { shown: path.to_path_buf(), target, bytes: bytes.to_vec() })
            }
        }
        Ok(())
    }

    /// Stage `from`, a file already written whole, to be moved to `path` (claimed before) at
    /// commit: renamed onto a file, copied into a stream.
    pub fn stage_file(&mut self, path: &Path, from: &Path) -> Result<(), OutputError> {
        self.check_claimed(path)?;
        self.staged.push(Staged::Move {
            shown: path.to_path_buf(),
            from: from.to_path_buf(),
            target: Target::of(path),
        });
        Ok(())
    }

    /// Put every staged output in place, in the order staged: files renamed over their
    /// targets, streams written. Returns the paths as the user gave them.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        let mut written = Vec::new();
        for staged in std::mem::take(&mut self.staged) {
            match staged {
                Staged::File { shown, target, tmp } => {
                    tmp.persist(&target)
                        .map_err(|e| OutputError::Io { path: shown.clone(), source: e.error })?;
                    make_readable(&target)?;
                    written.push(shown);
                }
                Staged::Move { shown, from, target } => {
                    match &target {
                        Target::File(to) => {
                            // A rename, or a copy where the target is on another file system.
                            if std::fs::rename(&from, to).is_err() {
                                std::fs::copy(&from, to).map_err(io(&shown))?;
                                let _ = std::fs::remove_file(&from);
                            }
                            make_readable(to)?;
                        }
                        Target::Stream(p) => {
                            let mut source = std::fs::File::open(&from).map_err(io(&shown))?;
                            let mut sink =
                                std::fs::OpenOptions::new().write(true).open(p).map_err(io(&shown))?;
                            std::io::copy(&mut source, &mut sink).map_err(io(&shown))?;
                            let _ = std::fs::remove_file(&from);
                        }
                        Target::Stdout => {
                            let mut source = std::fs::File::open(&from).map_err(io(&shown))?;
                            std::io::copy(&mut source, &mut std::io::stdout().lock()).map_err(io(&shown))?;
                            let _ = std::fs::remove_file(&from);
                        }
                    }
                    written.push(shown);
                }
                Staged::Stream { shown, target, bytes } => {
                    let result = match &target {
                        Target::Stdout => std::io::stdout().lock().write_all(&bytes),
                        Target::Stream(p) | Target::File(p) => std::fs::OpenOptions::new()
                            .write(true)
                            .open(p)
                            .and_then(|mut f| f.write_all(&bytes)),
                    };
                    result.map_err(io(&shown))?;
                    written.push(shown);
                }
            }
        }
        self.created_dirs.clear();
        Ok(written)
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        // Staged temporary files delete themselves; the lock files go, and any folder made for
        // outputs that were never put in place (it is left if something else is in it).
        for lock in &self.locks {
            let _ = std::fs::remove_file(&lock.path);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The full result as pretty JSON, newline-terminated.
pub fn to_json(result: &RunResult) -> String {
    // Serialising plain structs of numbers and strings cannot fail.
    let mut s = serde_json::to_string_pretty(result).unwrap_or_default();
    s.push('\n');
    s
}

/// Encode a table (header, then one row per record) as CSV bytes.
pub(crate) fn table(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, OutputError> {
    let enc = |e: csv::Error| OutputError::Encode { path: path.to_path_buf(), message: e.to_string() };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(enc)?;
    for row in rows {
        w.write_record(&row).map_err(enc)?;
    }
    w.into_inner().map_err(|e| OutputError::Encode { path: path.to_path_buf(), message: e.to_string() })
}

fn series_csv(points: &[SeriesPoint], path: &Path) -> Result<Vec<u8>, OutputError> {
    let header =
        ["t_minutes", "incident", "capability", "demand", "deployed", "effective", "en_route", "shortfall"];
    let rows = points.iter().map(|p| {
        vec![
            p.t.to_string(),
            p.incident.to_string(),
            p.capability.to_string(),
            p.demand.to_string(),
            p.deployed.to_string(),
            p.effective.to_string(),
            p.en_route.to_string(),
            p.shortfall.to_string(),
        ]
    });
    table(path, &header, rows)
}

fn forces_csv(result: &RunResult, path: &Path) -> Result<Vec<u8>, OutputError> {
    let header = [
        "force",
        "region",
        "officers",
        "lent_unit_hours",
        "received_unit_hours",
        "fair_share_unit_hours",
        "contribution_ratio",
        "hours_below_cover",
        "deployed_unit_hours",
        "effectiveness_lost_unit_hours",
        "cut_off_hours",
    ];
    let rows = result.forces.iter().map(|f| {
        vec![
            f.code.clone(),
            f.region.clone(),
            f.officers.to_string(),
            f.lent_unit_hours.to_string(),
            f.received_unit_hours.to_string(),
            f.fair_share_unit_hours.to_string(),
            f.contribution_ratio.map(|r| r.to_string()).unwrap_or_default(),
            f.hours_below_cover.to_string(),
            f.deployed_unit_hours.to_string(),
            f.effectiveness_lost_unit_hours.to_string(),
            f.cut_off_hours.to_string(),
        ]
    });
    table(path, &header, rows)
}

fn incidents_csv(result: &RunResult, path: &Path) -> Result<Vec<u8>, OutputError> {
    let header = [
        "incident",
        "kind",
        "host",
        "capability",
        "demanded_unit_hours",
        "met_unit_hours",
        "demand_met",
        "peak_shortfall_units",
        "time_to_first_cover_minutes",
        "time_to_full_cover_minutes",
        "units_tier1",
        "units_tier2",
        "units_tier3",
    ];
    let opt = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
    let rows = result.incidents.iter().flat_map(|i| {
        i.capabilities.iter().map(move |c| {
            vec![
                i.id.clone(),
                i.kind.clone(),
                i.host.clone(),
                c.capability.clone(),
                c.demanded_unit_hours.to_string(),
                c.met_unit_hours.to_string(),
                c.demand_met.to_string(),
                c.peak_shortfall_units.to_string(),
                opt(c.time_to_first_cover),
                opt(c.time_to_full_cover),
                c.units_by_tier[0].to_string(),
                c.units_by_tier[1].to_string(),
                c.units_by_tier[2].to_string(),
            ]
        })
    });
    table(path, &header, rows)
}

/// The CSV tables of a run, each (file name, bytes), every one encoded before anything is
/// written.
pub fn csv_files(result: &RunResult) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    let p = |name: &str| PathBuf::from(name);
    Ok(vec![
        ("series_incidents.csv", series_csv(&result.series.incidents, &p("series_incidents.csv"))?),
        ("series_national.csv", series_csv(&result.series.national, &p("series_national.csv"))?),
        ("incidents.csv", incidents_csv(result, &p("incidents.csv"))?),
        ("forces.csv", forces_csv(result, &p("forces.csv"))?),
    ])
}

/// The names of the files [`csv_files`] makes, to claim them before a run.
pub const CSV_FILES: [&str; 4] =
    ["series_incidents.csv", "series_national.csv", "incidents.csv", "forces.csv"];

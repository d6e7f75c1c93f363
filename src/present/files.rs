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
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Write `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io(path))?;
    tmp.write_all(bytes).map_err(io(path))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    tmp.persist(path).map_err(|e| OutputError::Io { path: path.to_path_buf(), source: e.error })?;
    make_readable(path)
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

/// Write the CSV tables into `dir` (created if missing): every file is encoded first, so an
/// encoding problem writes nothing.
pub fn write_csv_dir(result: &RunResult, dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let files = [
        ("series_incidents.csv", series_csv(&result.series.incidents, &dir.join("series_incidents.csv"))?),
        ("series_national.csv", series_csv(&result.series.national, &dir.join("series_national.csv"))?),
        ("incidents.csv", incidents_csv(result, &dir.join("incidents.csv"))?),
        ("forces.csv", forces_csv(result, &dir.join("forces.csv"))?),
    ];
    write_dir(dir, files)
}

/// Write already-encoded files into `dir` (created if missing), each atomically.
pub(crate) fn write_dir(
    dir: &Path,
    files: impl IntoIterator<Item = (&'static str, Vec<u8>)>,
) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

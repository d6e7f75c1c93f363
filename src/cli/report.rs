//! `muster report`: write a report of a run or an ensemble: HTML, Markdown, GIS files (or grades on screen).

use std::path::{Path, PathBuf};

use muster::diagnostics::Diagnostics;
use muster::present::terminal;

use super::args::{claim, report_written, thresholds as load_thresholds};
use super::failure::Failure;

/// Write a report of a run or an ensemble: HTML, Markdown, GIS files (or grades on screen)
#[derive(clap::Args)]
pub struct Args {
    /// A run's JSON (`run --json`), an ensemble's JSON Lines, or its NAME.aggregate.json
    result: PathBuf,
    /// One self-contained HTML file (charts, map, sortable tables; no network needed)
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// An inspection-style Markdown report with the same content
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Per-force and per-link figures as CSV and GeoJSON, into this directory
    #[arg(long, value_name = "DIR")]
    gis: Option<PathBuf>,
    /// Grade against these thresholds (over the built-in ones)
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
}

/// Run `muster report`.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Args { result, html, markdown, gis, thresholds } = args;
    write_report(&result, html.as_deref(), markdown.as_deref(), gis.as_deref(), thresholds.as_deref())
}

/// `muster report`: read a result, grade it, write the reports asked for.
fn write_report(
    result: &Path,
    html: Option<&Path>,
    markdown: Option<&Path>,
    gis: Option<&Path>,
    thresholds_file: Option<&Path>,
) -> Result<(), Failure> {
    use muster::present::report::{Report, ReportSource, read_source};
    let source = read_source(result).map_err(|d| Failure::Input(Diagnostics(vec![d])))?;
    let capabilities: Vec<String> = match &source {
        ReportSource::Run(r) => r.capabilities.iter().map(|c| c.capability.clone()).collect(),
        ReportSource::Ensemble(a) => a.series.keys().cloned().collect(),
    };
    let caps: Vec<&str> = capabilities.iter().map(String::as_str).collect();
    let thresholds = load_thresholds(thresholds_file, &caps)?;
    let gis_paths: Vec<PathBuf> =
        gis.iter().flat_map(|d| muster::present::gis::GIS_FILES.map(|f| d.join(f))).collect();
    let outs = html.iter().chain(markdown.iter()).map(|p| p.to_path_buf()).chain(gis_paths);
    let mut outputs = claim(std::iter::once(result).chain(thresholds_file), outs)?;
    let report = Report::build(&source, &thresholds);
    // Everything is encoded and staged before anything is put in place.
    if let Some(path) = html {
        outputs.stage(path, muster::present::html::render(&report).as_bytes())?;
    }
    if let Some(path) = markdown {
        outputs.stage(path, muster::present::markdown::render(&report).as_bytes())?;
    }
    if let Some(dir) = gis {
        for (name, bytes) in muster::present::gis::gis_files(&report, dir)? {
            outputs.stage(&dir.join(name), &bytes)?;
        }
    }
    let written = outputs.commit()?;
    if written.is_empty() {
        print!("{}", terminal::assessment(&report.assessment));
        eprintln!("(write a report with --html FILE, --markdown FILE or --gis DIR)");
    }
    report_written(&written);
    Ok(())
}

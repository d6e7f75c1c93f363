//! The fit of the model to the record, as a terminal table and as Markdown.

use std::fmt::Write;

use crate::analysis::validation::CaseFit;
use crate::model::ReferenceCase;

fn value(x: Option<f64>, unit: &str) -> String {
    match x {
        None => "not reached".into(),
        Some(v) if unit == "share" => format!("{:.0}%", v * 100.0),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

fn verdict(f: &CaseFit) -> &'static str {
    if f.fits { "fits" } else { "OUTSIDE" }
}

/// One line per case, then each case's source: for a terminal.
pub fn text(cases: &[ReferenceCase], fits: &[CaseFit]) -> String {
    let mut o = String::new();
    let runs = fits.first().map_or(0, |f| f.runs);
    let _ = writeln!(o, "Reference cases from the published record ({runs} replications each)\n");
    let _ = writeln!(
        o,
        "{:<32} {:>10} {:>10} {:>21} {:>17}  fit",
        "case", "record", "model", "10–90% of runs", "tolerance"
    );
    for (c, f) in cases.iter().zip(fits) {
        let range = format!("{} – {}", value(f.p10, &f.unit), value(f.p90, &f.unit));
        let tol =
            format!("{} – {}", value(Some(f.tolerance.0), &f.unit), value(Some(f.tolerance.1), &f.unit));
        let _ = writeln!(
            o,
            "{:<32} {:>10} {:>10} {:>21} {:>17}  {} ({})",
            c.id,
            value(Some(f.record), &f.unit),
            value(f.median, &f.unit),
            range,
            tol,
            verdict(f),
            c.unit
        );
    }
    let _ = writeln!(o);
    for c in cases {
        let _ = writeln!(o, "{}: {}\n  source: {}", c.id, c.title, c.source);
    }
    let outside = fits.iter().filter(|f| !f.fits).count();
    let _ = writeln!(o, "\n{} of {} cases fit their tolerance.", fits.len() - outside, fits.len());
    o
}

/// A Markdown table of the fit and, per case, what it tests and where the record comes from.
pub fn markdown(cases: &[ReferenceCase], fits: &[CaseFit]) -> String {
    let mut m = String::new();
    let runs = fits.first().map_or(0, |f| f.runs);
    let _ = writeln!(m, "| case | record | model median | 10–90% of {runs} runs | tolerance | fit |");
    let _ = writeln!(m, "|---|---:|---:|---:|---:|---|");
    for (c, f) in cases.iter().zip(fits) {
        let _ = writeln!(
            m,
            "| `{}` | {} {} | {} | {} – {} | {} – {} | {} |",
            c.id,
            value(Some(f.record), &f.unit),
            c.unit,
            value(f.median, &f.unit),
            value(f.p10, &f.unit),
            value(f.p90, &f.unit),
            value(Some(f.tolerance.0), &f.unit),
            value(Some(f.tolerance.1), &f.unit),
            verdict(f)
        );
    }
    for c in cases {
        let _ = writeln!(m, "\n**`{}`** — {}\n\n- Source: {}\n- Note: {}", c.id, c.title, c.source, c.note);
    }
    m
}

//! Located input problems: `file:line:col: message` with a hint, collected so a user sees every
//! problem in one pass. The library returns these; only the CLI prints them. Also reading a
//! user's file with a bound on its size, so that a wrong path (`/dev/zero`) fails with one.

use std::fmt;

/// Where a problem is: a file position, or one of the `--set` overrides on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // struct-variant fields are described on their variant
pub enum Location {
    /// A position in a file; line and column start at 1 and count characters.
    File { file: String, line: usize, col: usize },
    /// A `--set KEY=VALUE` argument.
    Override { argument: String },
    /// Another command-line argument, as typed (`--shard 0/0`, an output path).
    Argument { argument: String },
    /// A whole file (unreadable, empty, or not text).
    Whole { file: String },
}

/// One problem in a scenario or dataset file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `location` with no hint yet.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Self { location, message: message.into(), hint: None }
    }

    /// The same problem with a hint.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { file, line, col } => write!(f, "{file}:{line}:{col}"),
            Location::Override { argument } => write!(f, "--set {argument}"),
            Location::Argument { argument } => write!(f, "{argument}"),
            Location::Whole { file } => write!(f, "{file}:1:1"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Every problem found in the inputs of one command; the input is rejected as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A hint naming the valid choices closest to what was written (by edit distance), or all of
/// them when there are few.
pub fn suggest<'a>(written: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let valid: Vec<&str> = valid.into_iter().collect();
    if valid.is_empty() {
        return None;
    }
    let mut scored: Vec<(f64, &str)> = valid
        .iter()
        .map(|v| (strsim::normalized_damerau_levenshtein(&written.to_lowercase(), v), *v))
        .collect();
    // Highest similarity first; ties by name so the hint is stable.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    // Close enough to be a typo, and not far behind the best match.
    let best = scored.first().map_or(0.0, |s| s.0);
    let close: Vec<&str> =
        scored.iter().filter(|(s, _)| *s >= 0.4 && *s >= best - 0.15).take(3).map(|(_, v)| *v).collect();
    if !close.is_empty() {
        Some(format!("did you mean {}?", quote_list(&close, "or")))
    } else if valid.len() <= 8 {
        Some(format!("valid values are {}", quote_list(&valid, "and")))
    } else {
        let first: Vec<&str> = valid.iter().take(6).copied().collect();
        Some(format!(
            "valid values include {} (run `muster dataset` for the full list)",
            quote_list(&first, "and")
        ))
    }
}

fn quote_list(items: &[&str], last_sep: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} {last_sep} {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Read the file at `path` whole, up to `max` bytes: a larger one, or an endless stream such as
/// `/dev/zero`, is refused with a message on the whole file rather than read without end.
/// `hint` is offered when the file cannot be opened or is too large.
pub fn read_bounded(path: &std::path::Path, max: u64, hint: &str) -> Result<Vec<u8>, Diagnostic> {
    use std::io::Read;
    let whole = || Location::Whole { file: path.display().to_string() };
    let file = std::fs::File::open(path).map_err(|e| {
        Diagnostic::new(whole(), format!("cannot read the file: {e}")).with_hint(Some(hint.into()))
    })?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::new(whole(), format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Diagnostic::new(whole(), format!("the file is larger than {} MB", max >> 20))
            .with_hint(Some(hint.into())));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_force_codes() {
        let codes = ["met", "merseyside", "gmp", "west-midlands", "west-mercia"];
        let hint = suggest("west-midland", codes).unwrap();
        assert!(hint.starts_with("did you mean 'west-midlands'"), "{hint}");
        let hint = suggest("zzzzzz", ["a", "b"]).unwrap();
        assert_eq!(hint, "valid values are 'a' and 'b'");
    }

    #[test]
    fn formats_file_line_col() {
        let d = Diagnostic::new(Location::File { file: "s.toml".into(), line: 3, col: 7 }, "bad")
            .with_hint(Some("fix it".into()));
        assert_eq!(d.to_string(), "s.toml:3:7: bad\n  hint: fix it");
    }
}

//! Shared checks that turn raw, spanned file values into model values, collecting every
//! problem instead of stopping at the first.

use std::ops::Range;

use toml::Spanned;

use super::source::SourceDocument;
use crate::diagnostics::{Diagnostic, suggest};
use crate::model::{Capability, CapabilityId, Dataset, ForceId};
use crate::time::{Minutes, parse_duration};

pub struct Checker<'d, 'a> {
    pub doc: &'d SourceDocument<'a>,
    pub problems: Vec<Diagnostic>,
}

impl<'d, 'a> Checker<'d, 'a> {
    pub fn new(doc: &'d SourceDocument<'a>) -> Self {
        Self { doc, problems: Vec::new() }
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        self.problems.push(self.doc.diag(span, message).with_hint(hint));
    }

    pub fn duration(&mut self, value: &Spanned<String>, what: &str) -> Option<Minutes> {
        match parse_duration(value.get_ref()) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(
                    value.span(),
                    format!("{what}: {e}"),
                    Some("write durations as a number and a unit: \"90m\", \"12h\", \"3d\"".into()),
                );
                None
            }
        }
    }

    /// A share or factor that must lie in `0..=1`.
    pub fn unit_interval(&mut self, value: &Spanned<f64>, what: &str) -> Option<f64> {
        let v = *value.get_ref();
        if v.is_finite() && (0.0..=1.0).contains(&v) {
            Some(v)
        } else {
            self.error(value.span(), format!("{what} must be between 0 and 1, not {v}"), None);
            None
        }
    }

    /// 24 values, one per hour from 00:00, each finite and within `range`; else `message`.
    pub fn hourly(
        &mut self,
        value: &Spanned<Vec<f64>>,
        range: std::ops::RangeInclusive<f64>,
        message: &str,
    ) -> Option<[f64; 24]> {
        let values = value.get_ref();
        if values.len() != 24 || values.iter().any(|x| !x.is_finite() || !range.contains(x)) {
            self.error(value.span(), message, None);
            return None;
        }
        let mut out = [0.0; 24];
        out.copy_from_slice(values);
        Some(out)
    }

    pub fn positive(&mut self, value: &Spanned<f64>, what: &str) -> Option<f64> {
        let v = *value.get_ref();
        if v.is_finite() && v > 0.0 {
            Some(v)
        } else {
            self.error(value.span(), format!("{what} must be a positive number, not {v}"), None);
            None
        }
    }

    pub fn force(&mut self, data: &Dataset, code: &Spanned<String>) -> Option<ForceId> {
        let found = data.force_by_code(code.get_ref());
        if found.is_none() {
            let hint = data.force_hint(code.get_ref());
            self.error(code.span(), format!("unknown force '{}'", code.get_ref()), hint);
        }
        found
    }

    pub fn capability(&mut self, data: &Dataset, id: &Spanned<String>) -> Option<CapabilityId> {
        self.capability_among(&data.capabilities, id).map(|i| CapabilityId(i as u8))
    }

    /// Index of the capability named `id` in `catalogue`, or a located error with a hint.
    pub fn capability_among(&mut self, catalogue: &[Capability], id: &Spanned<String>) -> Option<usize> {
        let found = catalogue.iter().position(|c| c.id == *id.get_ref());
        if found.is_none() {
            let hint = suggest(id.get_ref(), catalogue.iter().map(|c| c.id.as_str()));
            self.error(id.span(), format!("unknown capability '{}'", id.get_ref()), hint);
        }
        found
    }

    pub fn choice<T>(
        &mut self,
        value: &Spanned<String>,
        what: &str,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let found = parse(value.get_ref());
        if found.is_none() {
            let hint = suggest(value.get_ref(), names.iter().copied());
            self.error(value.span(), format!("unknown {what} '{}'", value.get_ref()), hint);
        }
        found
    }
}

/// Resolve one key from the first of several layered files that sets it (scenario, then
/// dataset, then built-in dataset), converting it with that file's checker so problems are
/// located in the file the value came from.
macro_rules! layered {
    ($layers:expr, $section:literal, $field:ident, |$c:ident, $v:ident| $conv:expr) => {{
        let mut out = None;
        let mut missing = true;
        for (file, $c) in $layers.iter_mut() {
            if let Some($v) = &file.$field {
                missing = false;
                out = $conv;
                break;
            }
        }
        if missing {
            // The built-in dataset sets every key, so this only fires if it is edited badly.
            if let Some((_, c)) = $layers.last_mut() {
                c.error(0..0, concat!($section, " key '", stringify!($field), "' has no value"), None);
            }
        }
        out
    }};
}
pub(crate) use layered;

//! A TOML source with `--set` overrides applied, and the map from byte spans back to
//! `file:line:col` (or to the `--set` argument that supplied a value).
//!
//! Overrides are spliced into the parsed tree (not the text), each given spans past the end of
//! the file so an error inside an override can be told apart from an error in the file.

use std::borrow::Cow;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, Diagnostics, Location};

/// One `--set KEY=VALUE` argument, e.g. `policy.retained_cover=0.5` or `incident.riot.start=2h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOverride {
    /// Dotted path; a segment after an array of tables picks an entry by its `id`/`code` or index.
    pub key: String,
    /// The value as typed; parsed as TOML, or taken as a plain string when it is not TOML.
    pub value: String,
}

impl SetOverride {
    /// Split `KEY=VALUE`; the error is a message for the user.
    pub fn parse(arg: &str) -> Result<Self, String> {
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok(Self { key: k.trim().to_string(), value: v.trim().to_string() })
            }
            _ => Err(format!("'--set {arg}' must have the form KEY=VALUE, e.g. policy.retained_cover=0.5")),
        }
    }

    fn argument(&self) -> String {
        format!("{}={}", self.key, self.value)
    }
}

/// The text of one input file and the overrides that apply to it.
pub struct SourceDocument<'a> {
    /// Name printed in diagnostics (the path as the user gave it).
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    sets: &'a [SetOverride],
    /// Byte offset of the start of every line, found once: locating a problem is then a binary
    /// search, so reporting many problems costs time linear in the file, not quadratic.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> SourceDocument<'a> {
    /// A document named `name` with `text`, to which `sets` apply.
    pub fn new(name: &'a str, text: &'a str, sets: &'a [SetOverride]) -> Self {
        Self { name, text, sets, line_starts: std::cell::OnceCell::new() }
    }

    fn set_base(&self, k: usize) -> usize {
        self.text.len() + 1 + self.sets[..k].iter().map(|s| s.value.len() + 1).sum::<usize>()
    }

    /// Where a byte offset points: a file position or an override.
    pub fn locate(&self, offset: usize) -> Location {
        if offset <= self.text.len() || self.sets.is_empty() {
            let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
            let starts = self.line_starts.get_or_init(|| {
                std::iter::once(0).chain(self.text.match_indices('\n').map(|(i, _)| i + 1)).collect()
            });
            let line = starts.partition_point(|&start| start <= offset);
            let col = self.text[starts[line - 1]..offset].chars().count() + 1;
            return Location::File { file: self.name.to_string(), line, col };
        }
        let k = (0..self.sets.len()).rev().find(|&k| self.set_base(k) <= offset).unwrap_or(0);
        Location::Override { argument: self.sets[k].argument() }
    }

    /// A diagnostic at the start of `span`.
    pub fn diag(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.locate(span.start), message)
    }

    /// Parse, apply overrides, and deserialize into `T`. Syntax errors are all reported; a type
    /// error stops deserialization (serde cannot continue past it).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Diagnostics> {
        let (mut root, errors) = DeTable::parse_recoverable(self.text);
        if !errors.is_empty() {
            return Err(Diagnostics(errors.iter().map(|e| self.toml_error(e)).collect()));
        }
        let mut problems = Vec::new();
        for (k, set) in self.sets.iter().enumerate() {
            let base = self.set_base(k);
            let value = match DeValue::parse(&set.value) {
                Ok(v) => rebase(v, base),
                // Not TOML (e.g. `allocation=nearest`): the user meant a plain string.
                Err(_) => {
                    Spanned::new(base..base + set.value.len(), DeValue::String(Cow::Borrowed(&set.value)))
                }
            };
            if let Err(message) = splice(root.get_mut(), &set.key, value, base) {
                problems.push(Diagnostic::new(Location::Override { argument: set.argument() }, message));
            }
        }
        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        T::deserialize(toml::de::Deserializer::from(root)).map_err(|e| Diagnostics(vec![self.toml_error(&e)]))
    }

    fn toml_error(&self, e: &toml::de::Error) -> Diagnostic {
        let message = e.message().trim().to_string();
        let location = match e.span() {
            Some(span) => self.locate(span.start),
            None => Location::Whole { file: self.name.to_string() },
        };
        let hint = hint_for_toml_message(&message);
        Diagnostic::new(location, message).with_hint(hint)
    }
}

/// Shift every span in `v` by `by` bytes, so an override's spans sit past the end of the file.
fn rebase<'i>(v: Spanned<DeValue<'i>>, by: usize) -> Spanned<DeValue<'i>> {
    let span = v.span();
    let inner = match v.into_inner() {
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let taken = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                *item = rebase(taken, by);
            }
            DeValue::Array(items)
        }
        DeValue::Table(table) => {
            let mut shifted = DeTable::new();
            for (k, v) in table {
                let ks = k.span();
                shifted.insert(Spanned::new(ks.start + by..ks.end + by, k.into_inner()), rebase(v, by));
            }
            DeValue::Table(shifted)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Hints for the serde and parser messages users meet most.
fn hint_for_toml_message(message: &str) -> Option<String> {
    if message.starts_with("unknown field") {
        // "unknown field `durration`, expected one of `id`, `kind`, ...": name the nearest.
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        let nearest = quoted.split_first().and_then(|(written, valid)| {
            crate::diagnostics::suggest(written, valid.iter().copied())
                .filter(|h| h.starts_with("did you mean"))
        });
        Some(nearest.unwrap_or_else(|| {
            "check the spelling; the scenario keys are listed in docs/scenarios.md".into()
        }))
    } else if message.starts_with("missing field") {
        Some("add the key; docs/scenarios.md lists the required keys of each section".into())
    } else if message.contains("expected a string") {
        Some("durations, names and codes are strings: write \"12h\", \"met\"".into())
    } else if message.contains("expected u32")
        || message.contains("expected u64")
        || message.contains("expected i64")
    {
        Some("this value is a whole number (no quotes, no decimals)".into())
    } else if message.contains("expected f64") {
        Some("this value is a number, e.g. 0.6".into())
    } else {
        None
    }
}

/// Put `value` at the dotted `key` under `table`. Missing tables on the way are created.
fn splice<'i>(
    table: &mut DeTable<'i>,
    key: &str,
    value: Spanned<DeValue<'i>>,
    base: usize,
) -> Result<(), String> {
    let segments: Vec<&str> = key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("'{key}' is not a valid key path (empty segment)"));
    }
    let mut current: &mut DeTable<'i> = table;
    let mut i = 0;
    while i + 1 < segments.len() {
        let seg = segments[i];
        let span = base..base;
        let entry = current
            .entry(Spanned::new(span.clone(), Cow::Owned(seg.to_string())))
            .or_insert_with(|| Spanned::new(span, DeValue::Table(DeTable::new())));
        match entry.get_mut() {
            DeValue::Table(t) => {
                current = t;
                i += 1;
            }
            DeValue::Array(items) => {
                let selector = segments[i + 1];
                let found = select_entry(items, selector).ok_or_else(|| {
                    let names: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.get_ref().as_table())
                        .filter_map(|t| t.get("id").or_else(|| t.get("code")))
                        .filter_map(|v| v.get_ref().as_str().map(str::to_string))
                        .collect();
                    format!(
                        "no entry '{selector}' in '{}' (entries: {})",
                        segments[..=i].join("."),
                        if names.is_empty() { "none".into() } else { names.join(", ") }
                    )
                })?;
                match items.get_mut(found).map(|v| v.get_mut()) {
                    Some(DeValue::Table(t)) => current = t,
                    _ => return Err(format!("'{}' is not a table", segments[..=i + 1].join("."))),
                }
                i += 2;
                if i == segments.len() {
                    return Err(format!("'{key}' names a whole entry; name one of its keys"));
                }
            }
            _ => {
                return Err(format!("'{}' is a value, not a section", segments[..=i].join(".")));
            }
        }
    }
    let last = segments[segments.len() - 1];
    current.insert(Spanned::new(base..base, Cow::Owned(last.to_string())), value);
    Ok(())
}

fn select_entry(items: &toml::de::DeArray<'_>, selector: &str) -> Option<usize> {
    let by_name = items.iter().position(|v| {
        v.get_ref()
            .as_table()
            .and_then(|t| t.get("id").or_else(|| t.get("code")))
            .and_then(|v| v.get_ref().as_str())
            == Some(selector)
    });
    by_name.or_else(|| selector.parse::<usize>().ok().filter(|&n| n < items.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        a: Option<Spanned<String>>,
        b: Option<u32>,
        #[serde(default)]
        item: Vec<Item>,
        sub: Option<Sub>,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Item {
        id: String,
        x: u32,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Sub {
        c: f64,
    }

    #[test]
    fn overrides_replace_insert_and_select_entries() {
        let text = "a = \"one\"\n[[item]]\nid = \"p\"\nx = 1\n[[item]]\nid = \"q\"\nx = 2\n";
        let sets = [
            SetOverride::parse("a=two").unwrap(),
            SetOverride::parse("b=7").unwrap(),
            SetOverride::parse("item.q.x=9").unwrap(),
            SetOverride::parse("sub.c=0.5").unwrap(),
        ];
        let doc = SourceDocument::new("t.toml", text, &sets);
        let d: Doc = doc.deserialize().unwrap();
        assert_eq!(d.a.unwrap().into_inner(), "two");
        assert_eq!(d.b, Some(7));
        assert_eq!(d.item[1].x, 9);
        assert_eq!(d.item[0].id, "p");
        assert_eq!(d.sub.unwrap().c, 0.5);
    }

    #[test]
    fn errors_point_at_file_or_override() {
        let text = "a = \"one\"\nb = \"x\"\n";
        let doc = SourceDocument::new("t.toml", text, &[]);
        let e = doc.deserialize::<Doc>().unwrap_err();
        assert_eq!(e.0[0].location, Location::File { file: "t.toml".into(), line: 2, col: 5 });

        let sets = [SetOverride::parse("b=notanumber").unwrap()];
        let doc = SourceDocument::new("t.toml", "a = \"x\"\n", &sets);
        let e = doc.deserialize::<Doc>().unwrap_err();
        assert_eq!(e.0[0].location, Location::Override { argument: "b=notanumber".into() });

        let sets = [SetOverride::parse("item.zz.x=1").unwrap()];
        let doc = SourceDocument::new("t.toml", "[[item]]\nid=\"p\"\nx=1\n", &sets);
        let e = doc.deserialize::<Doc>().unwrap_err();
        assert!(e.0[0].message.contains("no entry 'zz'"), "{}", e.0[0].message);
    }

    #[test]
    fn unknown_key_is_located() {
        let doc = SourceDocument::new("t.toml", "a = \"x\"\nbogus = 1\n", &[]);
        let e = doc.deserialize::<Doc>().unwrap_err();
        assert!(e.0[0].message.contains("unknown field"), "{}", e.0[0].message);
        assert!(matches!(e.0[0].location, Location::File { line: 2, .. }), "{:?}", e.0[0].location);
    }

    #[test]
    fn set_argument_needs_equals() {
        assert!(SetOverride::parse("policy.tour").is_err());
        assert!(SetOverride::parse("=3").is_err());
    }
}

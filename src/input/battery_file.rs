//! Inspection battery files (`data/inspection/battery.toml`, compiled in, or a user's): a
//! `[battery]` table and `[[test]]`s, each a scenario written with `${placeholder}`s. Reading
//! checks the file's shape, the threats and the placeholders; placing a test fills them in
//! and loads the scenario as any other, its problems located at their line in the battery.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use super::source::SourceDocument;
use super::{InputFile, SetOverride, load_model};
use crate::diagnostics::{Diagnostics, Location, suggest};
use crate::model::{Battery, BatteryTest, Model, PLACEHOLDERS, SPR_THREATS};

/// The standard battery, compiled in.
pub const BUILTIN_BATTERY: &str = include_str!("../../data/inspection/battery.toml");
/// How the standard battery is named in messages and reports.
pub const BUILTIN_BATTERY_NAME: &str = "the standard battery (built in)";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatteryFile {
    battery: Head,
    #[serde(rename = "test", default)]
    tests: Vec<Spanned<TestFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    id: Spanned<String>,
    title: String,
    threat: Spanned<String>,
    why: String,
    scenario: Spanned<String>,
}

/// The `${name}` placeholders of a template: (byte offset in it, name).
fn placeholders(template: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = template[from..].find("${") {
        let start = from + at;
        match template[start + 2..].find('}') {
            Some(len) => {
                out.push((start, &template[start + 2..start + 2 + len]));
                from = start + 2 + len + 1;
            }
            None => {
                out.push((start, ""));
                break;
            }
        }
    }
    out
}

/// Read a battery file. Every problem is reported, located in it.
pub fn load_battery(file: InputFile<'_>) -> Result<Battery, Diagnostics> {
    // Located at the first byte that is not UTF-8.
    let text = super::decode(&file).map_err(|d| Diagnostics(vec![d]))?;
    let doc = SourceDocument::new(file.name, text, &[]);
    let parsed: BatteryFile = doc.deserialize()?;
    let mut c = Checker::new(&doc);
    let mut tests = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for t in &parsed.tests {
        let f = t.get_ref();
        let id = f.id.get_ref();
        if id.is_empty() || !id.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            c.error(
                f.id.span(),
                format!("test id '{id}' must be lower-case letters, digits and dashes"),
                None,
            );
        } else if !ids.insert(id.clone()) {
            c.error(
                f.id.span(),
                format!("test '{id}' is listed twice"),
                Some("give each test its own id".into()),
            );
        }
        if !SPR_THREATS.contains(&f.threat.get_ref().as_str()) {
            c.error(
                f.threat.span(),
                format!("'{}' is not a threat of the Strategic Policing Requirement", f.threat.get_ref()),
                suggest(f.threat.get_ref(), SPR_THREATS)
                    .or_else(|| Some(format!("one of: {}", SPR_THREATS.join(", ")))),
            );
        }
        let template = f.scenario.get_ref();
        // The template's text starts after the opening quotes (and the newline that follows
        // triple quotes): where a placeholder is in the file, when nothing is escaped before it.
        let quotes =
            if text[f.scenario.span()].starts_with("\"\"\"") || text[f.scenario.span()].starts_with("'''") {
                3
            } else {
                1
            };
        let body = f.scenario.span().start + quotes;
        let body = if text[body..].starts_with('\n') { body + 1 } else { body };
        for (at, name) in placeholders(template) {
            if PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                continue;
            }
            let written = format!("${{{name}}}");
            let span = if text.get(body + at..).is_some_and(|rest| rest.starts_with(&written)) {
                body + at..body + at + written.len()
            } else {
                f.scenario.span()
            };
            c.error(
                span,
                if name.is_empty() {
                    "a '${' without its closing '}'".to_string()
                } else {
                    format!("unknown placeholder '${{{name}}}'")
                },
                suggest(name, PLACEHOLDERS.iter().map(|(p, _)| *p)).or_else(|| {
                    Some(format!(
                        "placeholders: {}",
                        PLACEHOLDERS.map(|(p, _)| format!("${{{p}}}")).join(", ")
                    ))
                }),
            );
        }
        let template_line = match doc.locate(f.scenario.span().start) {
            Location::File { line, .. } => line,
            _ => 0,
        };
        tests.push(BatteryTest {
            id: id.clone(),
            title: f.title.clone(),
            threat: f.threat.get_ref().clone(),
            why: f.why.clone(),
            template: template.clone(),
            template_line,
        });
    }
    if parsed.tests.is_empty() {
        c.error(
            0..0,
            "the battery has no [[test]]",
            Some("add [[test]] tables, each with a scenario".into()),
        );
    }
    if !c.problems.is_empty() {
        return Err(Diagnostics(c.problems));
    }
    Ok(Battery {
        name: parsed.battery.name,
        description: parsed.battery.description,
        source: file.name.to_string(),
        tests,
    })
}

/// The test's scenario with its placeholders filled in from `values` (every placeholder the
/// template names must have one).
pub fn fill(test: &BatteryTest, values: &BTreeMap<&str, String>) -> String {
    let mut out = test.template.clone();
    for (name, value) in values {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    out
}

/// Load `test` placed with `values`, as `muster run` loads a scenario (with `sets` and the
/// dataset `dataset`). Problems in the placed scenario are located at their line in the
/// battery file `battery_name`.
pub fn place(
    test: &BatteryTest,
    values: &BTreeMap<&str, String>,
    battery_name: &str,
    sets: &[SetOverride],
    dataset: Option<InputFile<'_>>,
) -> Result<Model, Diagnostics> {
    place_with(test, values, "", battery_name, sets, dataset)
}

/// As [`place`], with `extra` scenario text after the test's (a what-if `[[override]]`).
pub fn place_with(
    test: &BatteryTest,
    values: &BTreeMap<&str, String>,
    extra: &str,
    battery_name: &str,
    sets: &[SetOverride],
    dataset: Option<InputFile<'_>>,
) -> Result<Model, Diagnostics> {
    let text = fill(test, values) + extra;
    load_model(InputFile { name: battery_name, bytes: text.as_bytes() }, sets, dataset).map_err(|problems| {
        Diagnostics(
            problems
                .0
                .into_iter()
                .map(|mut d| {
                    if let Location::File { file, line, .. } = &mut d.location
                        && file == battery_name
                    {
                        *line += test.template_line;
                    }
                    d.hint = Some(match d.hint.take() {
                        Some(h) => format!(
                            "{h} (in test '{}', placed in {})",
                            test.id,
                            values.get("scope").map_or("", String::as_str)
                        ),
                        None => format!(
                            "in test '{}', placed in {}",
                            test.id,
                            values.get("scope").map_or("", String::as_str)
                        ),
                    });
                    d
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_where_written() {
        assert_eq!(placeholders("a ${host} b ${neighbours}"), vec![(2, "host"), (12, "neighbours")]);
        assert_eq!(placeholders("size = { median = 3 }"), vec![]);
        assert_eq!(placeholders("x ${open"), vec![(2, "")]);
    }

    #[test]
    fn the_standard_battery_reads() {
        let b = load_battery(InputFile { name: BUILTIN_BATTERY_NAME, bytes: BUILTIN_BATTERY.as_bytes() })
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert!(b.tests.len() >= 8);
    }
}

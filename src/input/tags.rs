//! Which figures a run takes on trust: the dataset marks each figure's provenance in a trailing
//! comment (`# [V]` verified, `# [U]` unverified, `# [D]` derived; docs/data.md), and a comment
//! line saying `All [U]` just before a table marks every key of that table, and a comment line
//! with `[U]` just before a key marks that key. A force's figures carry their provenance in its
//! `source` string (`armed=UNVERIFIED estimate; ...`), counted per figure. A report lists the
//! unverified figures the run actually used, so this follows the same layering as the values:
//! `--set`, then the scenario, then the dataset, then the built-in dataset.

/// Tables whose keys are model parameters (forces' own figures carry their provenance in their
/// `source` string instead).
const TABLES: [&str; 4] = ["policy", "disorder", "threat_level", "uncertainty"];

/// One parameter as written in one file.
#[derive(Debug, Clone, PartialEq)]
struct Written {
    /// `table.key`, or `capability.ID.key`.
    key: String,
    /// The value's TOML text.
    value: String,
    /// Marked `[U]`.
    unverified: bool,
}

/// The text of `line` before a `#` that is not inside a string.
fn before_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_string = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '#' if !in_string => return (&line[..i], Some(&line[i + 1..])),
            _ => {}
        }
    }
    (line, None)
}

/// Every parameter `text` writes in the model tables and in `[[capability]]` entries.
fn written(text: &str) -> Vec<Written> {
    let mut out = Vec::new();
    // The table keys are being read into, and whether the whole table is marked [U].
    let mut table: Option<String> = None;
    let mut table_unverified = false;
    let mut all_marked = false;
    let mut key_marked = false;
    // A `[[capability]]` entry's keys before its `id` line is seen.
    let mut pending: Vec<Written> = Vec::new();
    let mut in_capability = false;
    for line in text.lines() {
        let (code, comment) = before_comment(line.trim());
        let code = code.trim();
        let marked = comment.is_some_and(|c| c.contains("[U]"));
        if code.is_empty() {
            // A comment line just before a table can mark the whole table, or before a key
            // that key.
            all_marked = comment.is_some_and(|c| c.contains("All [U]"));
            key_marked = comment.is_some_and(|c| c.contains("[U]"));
            continue;
        }
        let marked = marked || std::mem::take(&mut key_marked);
        if code.starts_with('[') {
            in_capability = code == "[[capability]]";
            pending.clear();
            let name = code.trim_matches(|c| c == '[' || c == ']').trim();
            table = TABLES.contains(&name).then(|| name.to_string());
            table_unverified = all_marked;
            all_marked = false;
            continue;
        }
        all_marked = false;
        let Some((key, value)) = code.split_once('=') else { continue };
        let (key, value) = (key.trim(), value.trim());
        if in_capability {
            if key == "id" {
                let id = value.trim_matches('"');
                table = Some(format!("capability.{id}"));
                for mut w in pending.drain(..) {
                    w.key = format!("capability.{id}.{}", w.key);
                    out.push(w);
                }
            } else if table.is_none() {
                pending.push(Written { key: key.into(), value: value.into(), unverified: marked });
                continue;
            }
        }
        if let Some(t) = &table
            && key != "id"
        {
            out.push(Written {
                key: format!("{t}.{key}"),
                value: value.into(),
                unverified: marked || table_unverified,
            });
        }
    }
    out
}

/// Per figure named in the forces' `source` strings, how many forces mark it `UNVERIFIED`, and
/// the number of forces; `None` when `text` has no forces.
fn unverified_force_figures(text: &str) -> Option<(Vec<(String, usize)>, usize)> {
    let forces = text.lines().filter(|l| l.trim() == "[[force]]").count();
    if forces == 0 {
        return None;
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| l.starts_with("source")) {
        for (at, _) in line.match_indices("=UNVERIFIED") {
            let before = &line[..at];
            let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
            let figure = &before[start..];
            match counts.iter_mut().find(|(f, _)| f == figure) {
                Some((_, n)) => *n += 1,
                None => counts.push((figure.to_string(), 1)),
            }
        }
    }
    Some((counts, forces))
}

/// The unverified figures a run uses, as `key = value` in the order the lowest layer first
/// writes them. `layers` go from the lowest (the built-in dataset) to the highest (the
/// scenario); a key `overridden` by `--set` is the user's own and never listed.
pub fn unverified_in_use(layers: &[&str], overridden: &[&str]) -> Vec<String> {
    let mut merged: Vec<Written> = Vec::new();
    for text in layers {
        for w in written(text) {
            match merged.iter_mut().find(|m| m.key == w.key) {
                Some(m) => *m = w,
                None => merged.push(w),
            }
        }
    }
    let mut out: Vec<String> = merged
        .into_iter()
        .filter(|w| w.unverified && !overridden.contains(&w.key.as_str()))
        .map(|w| format!("{} = {}", w.key, w.value))
        .collect();
    // Forces come from the highest layer that lists any.
    if let Some((counts, forces)) = layers.iter().rev().find_map(|t| unverified_force_figures(t)) {
        out.extend(
            counts.into_iter().map(|(f, n)| format!("force.{f}: unverified for {n} of {forces} forces")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATASET: &str = "[policy]\ntour = \"12h\"   # [U] a tour\nrest = \"11h\"  # [V] law\n\n\
        # All [U]: see docs\n[disorder]\nescalation = 0.3  # per hour\n\n\
        [[capability]]\nunit = \"PSU\"  # [U] early key\nid = \"public-order\"\nspeed = 64  # [U]\nshare = 0.1  # [D]\n\
        # [D] shares; [U] notices\nreadiness = []\nabstracted = 0.05\n\
        [[force]]\nsource = \"fte=VERIFIED x; armed=UNVERIFIED estimate (a; b); hq=UNVERIFIED\"\n\
        [[force]]\nsource = \"fte=UNVERIFIED; armed=UNVERIFIED estimate\"\n";

    #[test]
    fn marked_and_whole_table_keys_are_listed() {
        assert_eq!(
            unverified_in_use(&[DATASET], &[]),
            [
                "policy.tour = \"12h\"",
                "disorder.escalation = 0.3",
                "capability.public-order.unit = \"PSU\"",
                "capability.public-order.speed = 64",
                "capability.public-order.readiness = []",
                "force.armed: unverified for 2 of 2 forces",
                "force.hq: unverified for 1 of 2 forces",
                "force.fte: unverified for 1 of 2 forces",
            ]
        );
    }

    #[test]
    fn a_higher_layer_or_a_set_makes_the_figure_the_users() {
        let scenario = "[scenario]\nname = \"x # not a comment\"\n[policy]\ntour = \"8h\"\n";
        let got = unverified_in_use(&[DATASET, scenario], &["disorder.escalation"]);
        assert_eq!(
            got[..2],
            ["capability.public-order.unit = \"PSU\"", "capability.public-order.speed = 64"]
        );
    }

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(before_comment("a = \"x#y\" # [U]"), ("a = \"x#y\" ", Some(" [U]")));
    }
}

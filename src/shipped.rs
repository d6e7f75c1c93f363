//! The scenarios shipped in `scenarios/`, compiled in so `muster scenarios` lists them and
//! `muster run NAME` runs one from anywhere. A test keeps this list equal to the folder.

/// (name, file text) of every shipped scenario, sorted by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("birmingham-attack-cyber", include_str!("../scenarios/birmingham-attack-cyber.toml")),
    (
        "critical-threat-terror-and-disorder",
        include_str!("../scenarios/critical-threat-terror-and-disorder.toml"),
    ),
    ("disorder-spreads-from-southport", include_str!("../scenarios/disorder-spreads-from-southport.toml")),
    ("flood-across-forces", include_str!("../scenarios/flood-across-forces.toml")),
    ("london-disorder-2011", include_str!("../scenarios/london-disorder-2011.toml")),
    (
        "manchester-marauding-attack-night",
        include_str!("../scenarios/manchester-marauding-attack-night.toml"),
    ),
    ("national-cyber-during-disorder", include_str!("../scenarios/national-cyber-during-disorder.toml")),
    ("organised-crime-surveillance", include_str!("../scenarios/organised-crime-surveillance.toml")),
    ("salisbury-chemical-cordon", include_str!("../scenarios/salisbury-chemical-cordon.toml")),
    ("state-funeral-planned", include_str!("../scenarios/state-funeral-planned.toml")),
    ("summer-2024-early-trigger", include_str!("../scenarios/summer-2024-early-trigger.toml")),
    ("summer-2024-late-trigger", include_str!("../scenarios/summer-2024-late-trigger.toml")),
];

/// The text of the shipped scenario `name` (with or without `scenarios/` and `.toml`).
pub fn find(name: &str) -> Option<&'static str> {
    let bare = name.trim_start_matches("scenarios/").trim_end_matches(".toml");
    SHIPPED.iter().find(|(n, _)| *n == bare).map(|(_, text)| *text)
}

/// The `question` from a scenario's `[scenario]` table, if it has one.
pub fn question(text: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    table.get("scenario")?.get("question")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_has_a_question() {
        for (name, text) in SHIPPED {
            assert!(question(text).is_some_and(|q| !q.is_empty()), "{name} has no question");
        }
        assert_eq!(
            find("scenarios/london-disorder-2011.toml").map(|t| t.len()),
            Some(SHIPPED.iter().find(|s| s.0 == "london-disorder-2011").unwrap().1.len())
        );
    }
}

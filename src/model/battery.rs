//! An inspection battery: standard threat tests, each a scenario written with placeholders
//! that an inspection fills in with the scope's forces (its largest urban centre, its other
//! towns, their neighbours). Plain data; `input::battery_file` reads it and places a test.

/// The threats of the Strategic Policing Requirement a test may stand for.
pub const SPR_THREATS: [&str; 6] = [
    "terrorism",
    "serious and organised crime",
    "national cyber incident",
    "public disorder",
    "civil emergencies",
    "child sexual abuse",
];

/// What a test's scenario may ask to be filled in, and what each becomes.
pub const PLACEHOLDERS: [(&str, &str); 8] = [
    ("host", "the scope's largest force by officers (its largest urban centre)"),
    ("host_name", "that force's name"),
    ("second", "the scope's second largest force (the host's largest neighbour when the scope is one force)"),
    ("third", "the scope's third largest force (the host's next neighbour when the scope is one force)"),
    ("region", "the host's mutual-aid region"),
    ("neighbours", "the host's neighbours, as a TOML list of codes"),
    ("closures", "the host's border links to its neighbours, as a TOML list of pairs"),
    ("scope", "the scope as the user named it"),
];

/// A battery of tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Where it was read from (a file name, or "built in").
    pub source: String,
    /// The tests, in file order.
    pub tests: Vec<BatteryTest>,
}

/// One test of a battery.
#[derive(Debug, Clone, PartialEq)]
pub struct BatteryTest {
    /// Short id (`mta-night`).
    pub id: String,
    /// What it is, in a line.
    pub title: String,
    /// The SPR threat it stands for (one of [`SPR_THREATS`]).
    pub threat: String,
    /// Why it is in the battery.
    pub why: String,
    /// The scenario, TOML with `{placeholder}`s.
    pub template: String,
    /// Line of the battery file on which the template's first line stands (0-based offset to
    /// add to a problem's line in the placed scenario).
    pub template_line: usize,
}

//! Formatting shared by every presentation: figures in their units at the precision the unit
//! deserves, times on the scenario clock, HTML escaping.

use crate::time::Minutes;

/// A figure with at most three decimals and no trailing zeros ("2.5", "10").
pub(crate) fn fmt_value(v: f64) -> String {
    format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Format a measure's value in its unit for reports, with the precision the unit deserves:
/// shares to 0.1% (a small loss is "<0.1%", never "0.0%"), unit-hours to 0.1, times to the
/// minute.
pub fn format_measure(value: f64, unit: &str) -> String {
    match unit {
        "share" if value > 0.0 && value < 0.0005 => "<0.1%".into(),
        "share" if (0.9995..1.0).contains(&value) => ">99.9%".into(),
        "share" => format!("{:.1}%", value * 100.0),
        "minutes" => {
            let m = value.round() as u64;
            if m >= 60 { format!("{}h {:02}m", m / 60, m % 60) } else { format!("{m}m") }
        }
        "hours" => format!("{value:.1} h"),
        "ratio" => format!("{value:.2}×"),
        "unit-hours" => format!("{value:.1} unit-hours"),
        _ => format!("{} {unit}", fmt_value(value)),
    }
}

/// An evidence value as a reader should see it: a censored time is "not reached in …".
pub fn evidence_value(e: &crate::results::Evidence) -> String {
    let value = format_measure(e.value, &e.unit);
    if e.censored { format!("not reached in {value}") } else { value }
}

/// What an evidence line's grade column says: the grade; for a censored value that no limit
/// can yet judge, that it was too soon; for a measure with no limits, that it is context.
pub fn evidence_grade(e: &crate::results::Evidence) -> &'static str {
    match (e.grade, e.censored) {
        (Some(g), _) => g.title(),
        (None, true) => "Too soon to judge",
        (None, false) => "Context",
    }
}

/// Minutes from the start as the terminal shows them: `D1+02:05` (day 1, 2 h 5 min in).
pub fn clock(t: Minutes) -> String {
    crate::time::Clock(t).to_string()
}

/// Escape text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

//! Assessment threshold files: `[capacity]`, `[capability]`, `[consistency]` and
//! `[connectivity]` tables of four limits per measure. A user's file is layered over the
//! built-in one, measure by measure.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::check::Checker;
use crate::diagnostics::suggest;
use crate::model::{Area, Better, Limits, MEASURES, MeasureDef, MeasureUnit};
use crate::time::parse_duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsFile {
    thresholds: Option<Header>,
    capacity: Option<BTreeMap<String, Spanned<toml::Value>>>,
    capability: Option<BTreeMap<String, Spanned<toml::Value>>>,
    consistency: Option<BTreeMap<String, Spanned<toml::Value>>>,
    connectivity: Option<BTreeMap<String, Spanned<toml::Value>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: Option<String>,
}

impl ThresholdsFile {
    fn section(&self, area: Area) -> Option<&BTreeMap<String, Spanned<toml::Value>>> {
        match area {
            Area::Capacity => self.capacity.as_ref(),
            Area::Capability => self.capability.as_ref(),
            Area::Consistency => self.consistency.as_ref(),
            Area::Connectivity => self.connectivity.as_ref(),
        }
    }

    /// The file's name line, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.thresholds.as_ref().and_then(|h| h.name.as_deref())
    }
}

/// Read every measure the file sets into `out` (replacing what is there). Capability ids in
/// `first_response` must be among `capabilities` when that list is not empty.
pub fn read_limits(
    file: &ThresholdsFile,
    capabilities: &[&str],
    c: &mut Checker<'_, '_>,
    out: &mut BTreeMap<String, Limits>,
) {
    for area in Area::ALL {
        let Some(section) = file.section(area) else {
            continue;
        };
        let keys: Vec<&str> = MEASURES
            .iter()
            .filter(|m| m.area == area)
            .map(|m| m.key)
            .chain((area == Area::Capability).then_some("first_response"))
            .collect();
        for (key, value) in section {
            if area == Area::Capability && key == "first_response" {
                first_response(value, capabilities, c, out);
                continue;
            }
            match MEASURES.iter().find(|m| m.area == area && m.key == key) {
                Some(def) => {
                    if let Some(l) = limits(value, def, &format!("{}.{key}", area.key()), c) {
                        out.insert(def.id(), l);
                    }
                }
                None => c.error(
                    value.span(),
                    format!("unknown measure '{key}' in [{}]", area.key()),
                    suggest(key, keys.iter().copied()).or_else(|| {
                        Some(format!("the measures of [{}] are: {}", area.key(), keys.join(", ")))
                    }),
                ),
            }
        }
    }
}

fn first_response(
    value: &Spanned<toml::Value>,
    capabilities: &[&str],
    c: &mut Checker<'_, '_>,
    out: &mut BTreeMap<String, Limits>,
) {
    let Some(table) = value.get_ref().as_table() else {
        c.error(
            value.span(),
            "first_response must be a table of capability = [four limits]",
            Some("e.g. first_response = { firearms = [\"1h\", \"90m\", \"2h\", \"4h\"] }".into()),
        );
        return;
    };
    for (cap, limits_value) in table {
        // Inline-table entries carry no spans of their own; point at the table.
        let spanned = Spanned::new(value.span(), limits_value.clone());
        if !capabilities.is_empty() && !capabilities.contains(&cap.as_str()) {
            c.error(
                value.span(),
                format!("unknown capability '{cap}' in first_response"),
                suggest(cap, capabilities.iter().copied()),
            );
            continue;
        }
        let id = format!("capability.first_response.{cap}");
        if let Some(l) = limits(&spanned, &crate::model::FIRST_RESPONSE, &id, c) {
            out.insert(id, l);
        }
    }
}

fn limits(
    value: &Spanned<toml::Value>,
    def: &MeasureDef,
    id: &str,
    c: &mut Checker<'_, '_>,
) -> Option<Limits> {
    let shape_hint = || {
        Some(match def.unit {
            MeasureUnit::Minutes => format!("e.g. {} = [\"1h\", \"2h\", \"4h\", \"8h\"]", def.key),
            MeasureUnit::Share => format!("e.g. {} = [0.98, 0.95, 0.9, 0.8]", def.key),
            _ => format!("e.g. {} = [0, 6, 24, 72]", def.key),
        })
    };
    let Some(items) = value.get_ref().as_array().filter(|a| a.len() == 4) else {
        c.error(
            value.span(),
            format!("{id} needs four limits: outstanding, good, adequate, requires improvement"),
            shape_hint(),
        );
        return None;
    };
    let mut out = [0.0; 4];
    for (slot, item) in out.iter_mut().zip(items) {
        let number = match (item, def.unit) {
            (toml::Value::Integer(i), _) => Some(*i as f64),
            (toml::Value::Float(x), _) => Some(*x),
            (toml::Value::String(s), MeasureUnit::Minutes) => match parse_duration(s) {
                Ok(m) => Some(f64::from(m)),
                Err(e) => {
                    c.error(value.span(), format!("{id}: {e}"), shape_hint());
                    return None;
                }
            },
            _ => None,
        };
        match number {
            Some(x) if x.is_finite() && x >= 0.0 => *slot = x,
            _ => {
                c.error(value.span(), format!("{id}: limits must be numbers ≥ 0, not {item}"), shape_hint());
                return None;
            }
        }
    }
    if def.unit == MeasureUnit::Share && out.iter().any(|&x| x > 1.0) {
        c.error(value.span(), format!("{id}: limits are shares and must lie between 0 and 1"), shape_hint());
        return None;
    }
    let ordered = out.windows(2).all(|w| match def.better {
        Better::Higher => w[0] >= w[1],
        Better::Lower => w[0] <= w[1],
    });
    if !ordered {
        let (way, order) = match def.better {
            Better::Higher => ("higher", "must not increase"),
            Better::Lower => ("lower", "must not decrease"),
        };
        c.error(
            value.span(),
            format!("{id}: {way} is better, so the limits from outstanding to requires improvement {order}"),
            shape_hint(),
        );
        return None;
    }
    Some(out)
}

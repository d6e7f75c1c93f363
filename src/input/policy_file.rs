//! The `[policy]` table, shared by the dataset (defaults) and the scenario (overrides).

use serde::Deserialize;
use toml::Spanned;

use super::check::{Checker, layered};
use crate::model::{AllocationPolicy, NationalTrigger, Policy};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub allocation: Option<Spanned<String>>,
    pub retained_cover: Option<Spanned<f64>>,
    pub cover_standard: Option<Spanned<f64>>,
    pub local_latency: Option<Spanned<String>>,
    pub regional_latency: Option<Spanned<String>>,
    pub national_latency: Option<Spanned<String>>,
    pub national_trigger: Option<Spanned<toml::Value>>,
    pub tour: Option<Spanned<String>>,
    pub rest: Option<Spanned<String>>,
    pub max_overrun: Option<Spanned<String>>,
    pub rest_away_beyond: Option<Spanned<String>>,
    pub relief_lookahead: Option<Spanned<String>>,
    pub handover: Option<Spanned<String>>,
    pub stagger: Option<Spanned<String>>,
    pub max_consecutive_tours: Option<Spanned<u32>>,
    pub rest_days: Option<Spanned<String>>,
    pub local_travel_from_area: Option<Spanned<bool>>,
    pub escalate_after: Option<Spanned<String>>,
    pub share_window: Option<Spanned<String>>,
    pub replace_margin: Option<Spanned<String>>,
    pub arrival_window: Option<Spanned<String>>,
    pub planned_lead: Option<Spanned<String>>,
    pub local_travel: Option<Spanned<String>>,
    pub min_consistency: Option<Spanned<f64>>,
}

/// A policy key as found in one of several layered files, with the checker of its file.
type Layer<'x, 'd, 'a> = (&'x PolicyFile, &'x mut Checker<'d, 'a>);

/// Resolve every policy key from the first layer that sets it (scenario, then dataset, then the
/// built-in dataset). Problems are reported against the file the value came from.
pub fn resolve_policy(layers: &mut [Layer<'_, '_, '_>]) -> Option<Policy> {
    let allocation = layered!(layers, "policy", allocation, |c, v| c.choice(
        v,
        "allocation policy",
        &AllocationPolicy::NAMES,
        AllocationPolicy::parse
    ));
    let retained_cover =
        layered!(layers, "policy", retained_cover, |c, v| c.unit_interval(v, "retained_cover"));
    let cover_standard =
        layered!(layers, "policy", cover_standard, |c, v| c.unit_interval(v, "cover_standard"));
    let local_latency = layered!(layers, "policy", local_latency, |c, v| c.duration(v, "local_latency"));
    let regional_latency =
        layered!(layers, "policy", regional_latency, |c, v| c.duration(v, "regional_latency"));
    let national_latency =
        layered!(layers, "policy", national_latency, |c, v| c.duration(v, "national_latency"));
    let national_trigger = layered!(layers, "policy", national_trigger, |c, v| trigger(c, v));
    let tour = layered!(layers, "policy", tour, |c, v| c.duration(v, "tour"));
    let rest = layered!(layers, "policy", rest, |c, v| c.duration(v, "rest"));
    let max_overrun = layered!(layers, "policy", max_overrun, |c, v| c.duration(v, "max_overrun"));
    let rest_away_beyond =
        layered!(layers, "policy", rest_away_beyond, |c, v| c.duration(v, "rest_away_beyond"));
    let relief_lookahead =
        layered!(layers, "policy", relief_lookahead, |c, v| c.duration(v, "relief_lookahead"));
    let handover = layered!(layers, "policy", handover, |c, v| c.duration(v, "handover"));
    let stagger = layered!(layers, "policy", stagger, |c, v| c.duration(v, "stagger"));
    let max_consecutive_tours = layered!(layers, "policy", max_consecutive_tours, |c, v| {
        let n = *v.get_ref();
        if n == 0 {
            c.error(v.span(), "max_consecutive_tours must be 1 or more", None);
            None
        } else {
            Some(n)
        }
    });
    let rest_days = layered!(layers, "policy", rest_days, |c, v| c.duration(v, "rest_days"));
    let local_travel_from_area =
        layered!(layers, "policy", local_travel_from_area, |_c, v| Some(*v.get_ref()));
    let escalate_after = layered!(layers, "policy", escalate_after, |c, v| if v.get_ref() == "never" {
        Some(None)
    } else {
        c.duration(v, "escalate_after").map(Some)
    });
    let share_window = layered!(layers, "policy", share_window, |c, v| c.duration(v, "share_window"));
    let arrival_window = layered!(layers, "policy", arrival_window, |c, v| c.duration(v, "arrival_window"));
    let replace_margin = layered!(layers, "policy", replace_margin, |c, v| c.duration(v, "replace_margin"));
    let planned_lead = layered!(layers, "policy", planned_lead, |c, v| c.duration(v, "planned_lead"));
    let local_travel = layered!(layers, "policy", local_travel, |c, v| c.duration(v, "local_travel"));
    let min_consistency =
        layered!(layers, "policy", min_consistency, |c, v| c.unit_interval(v, "min_consistency"));
    if let (Some(t), Some(l)) = (tour, relief_lookahead)
        && l > t
    {
        for (file, c) in layers.iter_mut() {
            if let Some(v) = &file.relief_lookahead {
                c.error(
                    v.span(),
                    "relief_lookahead is longer than the tour: a relief would be sought before the unit it relieves arrives",
                    Some("use a look-ahead no longer than the tour".into()),
                );
                break;
            }
        }
    }
    let tour = tour.and_then(|t| {
        if t == 0 {
            for (file, c) in layers.iter_mut() {
                if let Some(v) = &file.tour {
                    c.error(v.span(), "tour must be longer than 0m", None);
                    break;
                }
            }
            None
        } else {
            Some(t)
        }
    });
    Some(Policy {
        allocation: allocation?,
        retained_cover: retained_cover?,
        cover_standard: cover_standard?,
        local_latency: local_latency?,
        regional_latency: regional_latency?,
        national_latency: national_latency?,
        national_trigger: national_trigger?,
        tour: tour?,
        rest: rest?,
        max_overrun: max_overrun?,
        rest_away_beyond: rest_away_beyond?,
        relief_lookahead: relief_lookahead?,
        handover: handover?,
        stagger: stagger?,
        max_consecutive_tours: max_consecutive_tours?,
        rest_days: rest_days?,
        local_travel_from_area: local_travel_from_area?,
        escalate_after: escalate_after?,
        share_window: share_window?,
        arrival_window: arrival_window?,
        replace_margin: replace_margin?,
        planned_lead: planned_lead?,
        local_travel: local_travel?,
        min_consistency: min_consistency?,
    })
}

const TRIGGER_HINT: &str = "write national_trigger = { regional_shortfall = 10, sustained = \"6h\" } (optionally with \
     lasting = \"3d\"), { at = \"48h\" } or \"never\"";

fn trigger(c: &mut Checker<'_, '_>, v: &Spanned<toml::Value>) -> Option<NationalTrigger> {
    let span = v.span();
    match v.get_ref() {
        toml::Value::String(s) if s == "never" => Some(NationalTrigger::Never),
        toml::Value::Table(t) => {
            let keys: Vec<&str> = t.keys().map(String::as_str).collect();
            match keys.as_slice() {
                ["at"] => match t.get("at") {
                    Some(toml::Value::String(at)) => c
                        .duration(&Spanned::new(span, at.clone()), "national_trigger.at")
                        .map(NationalTrigger::At),
                    _ => {
                        c.error(
                            span,
                            "national_trigger.at must be a duration string",
                            Some(TRIGGER_HINT.into()),
                        );
                        None
                    }
                },
                ["regional_shortfall", "sustained"] | ["lasting", "regional_shortfall", "sustained"] => {
                    let units = match t.get("regional_shortfall") {
                        Some(toml::Value::Integer(n)) if *n >= 1 && *n <= i64::from(u32::MAX) => {
                            Some(*n as u32)
                        }
                        _ => {
                            c.error(
                                span.clone(),
                                "regional_shortfall must be a whole number of units, 1 or more",
                                Some(TRIGGER_HINT.into()),
                            );
                            None
                        }
                    };
                    let sustained = match t.get("sustained") {
                        Some(toml::Value::String(s)) => {
                            c.duration(&Spanned::new(span.clone(), s.clone()), "national_trigger.sustained")
                        }
                        _ => {
                            c.error(
                                span.clone(),
                                "sustained must be a duration string",
                                Some(TRIGGER_HINT.into()),
                            );
                            None
                        }
                    };
                    let lasting = match t.get("lasting") {
                        None => Some(None),
                        Some(toml::Value::String(s)) => c
                            .duration(&Spanned::new(span.clone(), s.clone()), "national_trigger.lasting")
                            .map(Some),
                        Some(_) => {
                            c.error(span, "lasting must be a duration string", Some(TRIGGER_HINT.into()));
                            None
                        }
                    };
                    Some(NationalTrigger::Shortfall {
                        regional_shortfall: units?,
                        sustained: sustained?,
                        lasting: lasting?,
                    })
                }
                _ => {
                    c.error(span, "national_trigger has the wrong keys", Some(TRIGGER_HINT.into()));
                    None
                }
            }
        }
        _ => {
            c.error(span, "national_trigger must be a table or \"never\"", Some(TRIGGER_HINT.into()));
            None
        }
    }
}

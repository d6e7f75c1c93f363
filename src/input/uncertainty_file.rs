//! The `[uncertainty]` table: what the engine draws at random and how widely, layered like
//! `[policy]` (scenario, then dataset, then built-in). `deterministic = true` in the first
//! layer that sets it pins every draw.

use serde::Deserialize;
use toml::Spanned;

use super::check::{Checker, layered};
use crate::model::Uncertainty;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyFile {
    pub deterministic: Option<Spanned<bool>>,
    pub availability: Option<Spanned<bool>>,
    pub notice_spread: Option<Spanned<f64>>,
    pub travel_spread: Option<Spanned<f64>>,
    pub congestion: Option<Spanned<Vec<f64>>>,
    pub start_spread: Option<Spanned<String>>,
    pub demand_spread: Option<Spanned<f64>>,
}

/// A log-normal sigma: 0 (no spread) to 2 (a factor of about 13 at the 90th percentile).
fn sigma(c: &mut Checker<'_, '_>, v: &Spanned<f64>, what: &str) -> Option<f64> {
    let x = *v.get_ref();
    if x.is_finite() && (0.0..=2.0).contains(&x) {
        Some(x)
    } else {
        c.error(v.span(), format!("{what} must be between 0 and 2 (a log-normal sigma), not {x}"), None);
        None
    }
}

type Layer<'x, 'd, 'a> = (&'x UncertaintyFile, &'x mut Checker<'d, 'a>);

/// Resolve every uncertainty parameter from the first layer that sets it; pinned when the
/// first layer that says `deterministic` says true.
pub fn resolve_uncertainty(layers: &mut [Layer<'_, '_, '_>]) -> Option<Uncertainty> {
    let deterministic = layered!(layers, "uncertainty", deterministic, |_c, v| Some(*v.get_ref()));
    let availability = layered!(layers, "uncertainty", availability, |_c, v| Some(*v.get_ref()));
    let notice_spread = layered!(layers, "uncertainty", notice_spread, |c, v| sigma(c, v, "notice_spread"));
    let travel_spread = layered!(layers, "uncertainty", travel_spread, |c, v| sigma(c, v, "travel_spread"));
    let congestion = layered!(layers, "uncertainty", congestion, |c, v| c.hourly(
        v,
        0.25..=4.0,
        "congestion needs 24 travel-time factors between 0.25 and 4, one per hour from 00:00"
    ));
    let start_spread = layered!(layers, "uncertainty", start_spread, |c, v| c.duration(v, "start_spread"));
    let demand_spread = layered!(layers, "uncertainty", demand_spread, |c, v| {
        let x = *v.get_ref();
        if x.is_finite() && (1.0..=10.0).contains(&x) {
            Some(x)
        } else {
            c.error(
                v.span(),
                format!("demand_spread is a 90th-percentile factor between 1 and 10, not {x}"),
                Some(
                    "1 leaves demand as written; 1.3 means one incident in ten is 30% larger or more".into(),
                ),
            );
            None
        }
    });
    let drawn = Uncertainty {
        availability: availability?,
        notice_spread: notice_spread?,
        travel_spread: travel_spread?,
        congestion: congestion?,
        start_spread: start_spread?,
        demand_spread: demand_spread?,
    };
    Some(if deterministic? { drawn.pinned() } else { drawn })
}

//! The `[disorder]` table: parameters of the disorder model, layered like `[policy]`.

use serde::Deserialize;
use toml::Spanned;

use super::check::{Checker, layered};
use crate::model::{DisorderModel, SizeDistribution};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisorderFile {
    pub night_profile: Option<Spanned<Vec<f64>>>,
    pub escalation: Option<Spanned<f64>>,
    pub calming: Option<Spanned<f64>>,
    pub max_intensity: Option<Spanned<f64>>,
    pub end_intensity: Option<Spanned<f64>>,
    pub spread: Option<Spanned<f64>>,
    pub spread_unmet: Option<Spanned<f64>>,
    pub max_seats: Option<Spanned<u32>>,
    pub seat_size: Option<Spanned<SizeFile>>,
    pub seat_duration: Option<Spanned<String>>,
    pub firearms_per_psu: Option<Spanned<f64>>,
    pub surveillance_per_psu: Option<Spanned<f64>>,
}

/// `{ median = 20, p90 = 60 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeFile {
    pub median: f64,
    pub p90: f64,
}

/// Check a size distribution: a positive median and a 90th percentile at least as large.
pub fn size(c: &mut Checker<'_, '_>, v: &Spanned<SizeFile>) -> Option<SizeDistribution> {
    let s = v.get_ref();
    if !(s.median.is_finite() && s.median > 0.0 && s.median <= 100_000.0) {
        c.error(v.span(), format!("median must be a positive number of units, not {}", s.median), None);
        return None;
    }
    if !(s.p90.is_finite() && s.p90 >= s.median && s.p90 <= 100_000.0) {
        c.error(
            v.span(),
            format!("p90 ({}) must be at least the median ({})", s.p90, s.median),
            Some("write { median = 20, p90 = 20 } for a fixed size".into()),
        );
        return None;
    }
    Some(SizeDistribution { median: s.median, p90: s.p90 })
}

fn non_negative(c: &mut Checker<'_, '_>, v: &Spanned<f64>, what: &str, max: f64) -> Option<f64> {
    let x = *v.get_ref();
    if x.is_finite() && (0.0..=max).contains(&x) {
        Some(x)
    } else {
        c.error(v.span(), format!("{what} must be between 0 and {max}, not {x}"), None);
        None
    }
}

type Layer<'x, 'd, 'a> = (&'x DisorderFile, &'x mut Checker<'d, 'a>);

/// Resolve every disorder parameter from the first layer that sets it.
pub fn resolve_disorder(layers: &mut [Layer<'_, '_, '_>]) -> Option<DisorderModel> {
    let night_profile = layered!(layers, "disorder", night_profile, |c, v| c.hourly(
        v,
        0.0..=1.0,
        "night_profile needs 24 shares between 0 and 1, one per hour from 00:00"
    ));
    let escalation = layered!(layers, "disorder", escalation, |c, v| non_negative(c, v, "escalation", 10.0));
    let calming = layered!(layers, "disorder", calming, |c, v| c.unit_interval(v, "calming"));
    let max_intensity =
        layered!(layers, "disorder", max_intensity, |c, v| non_negative(c, v, "max_intensity", 100.0));
    let end_intensity =
        layered!(layers, "disorder", end_intensity, |c, v| non_negative(c, v, "end_intensity", 100.0));
    let spread = layered!(layers, "disorder", spread, |c, v| c.unit_interval(v, "spread"));
    let spread_unmet =
        layered!(layers, "disorder", spread_unmet, |c, v| non_negative(c, v, "spread_unmet", 100.0));
    let max_seats = layered!(layers, "disorder", max_seats, |_c, v| Some(*v.get_ref()));
    let seat_size = layered!(layers, "disorder", seat_size, |c, v| size(c, v));
    let seat_duration = layered!(layers, "disorder", seat_duration, |c, v| c.duration(v, "seat_duration"));
    let firearms_per_psu =
        layered!(layers, "disorder", firearms_per_psu, |c, v| non_negative(c, v, "firearms_per_psu", 10.0));
    let surveillance_per_psu = layered!(layers, "disorder", surveillance_per_psu, |c, v| non_negative(
        c,
        v,
        "surveillance_per_psu",
        10.0
    ));
    Some(DisorderModel {
        night_profile: night_profile?,
        escalation: escalation?,
        calming: calming?,
        max_intensity: max_intensity?,
        end_intensity: end_intensity?,
        spread: spread?,
        spread_unmet: spread_unmet?,
        max_seats: max_seats?,
        seat_size: seat_size?,
        seat_duration: seat_duration?,
        firearms_per_psu: firearms_per_psu?,
        surveillance_per_psu: surveillance_per_psu?,
    })
}

/// The `[threat_level]` table: a national threat-level rise. The dataset gives the defaults
/// of `armed_uplift` and `military_backfill`; a scenario gives `start` and `duration`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatLevelFile {
    pub start: Option<Spanned<String>>,
    pub duration: Option<Spanned<String>>,
    pub armed_uplift: Option<Spanned<f64>>,
    pub military_backfill: Option<Spanned<f64>>,
}

/// The shares of a threat-level rise (armed uplift, military backfill), each 0..1.
pub fn resolve_threat_level(
    layers: &mut [(&ThreatLevelFile, &mut Checker<'_, '_>)],
) -> Option<crate::model::ThreatLevelRise> {
    let uplift = layered!(layers, "threat_level", armed_uplift, |c, v| c.unit_interval(v, "armed_uplift"));
    let backfill =
        layered!(layers, "threat_level", military_backfill, |c, v| c.unit_interval(v, "military_backfill"));
    Some(crate::model::ThreatLevelRise { armed_uplift: uplift?, military_backfill: backfill? })
}

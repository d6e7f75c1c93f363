//! Exports for GIS users: per-force and per-link figures as CSV and as GeoJSON (force areas as
//! MultiPolygons, a point at the HQ for a force with no area; links as lines between HQs).
//! Coordinates are WGS84 longitude, latitude in degrees, in that order everywhere (RFC 7946);
//! a grade not tested is `null` in GeoJSON and empty in CSV.

use std::path::Path;

use serde_json::{Value, json};

use super::files::{OutputError, table};
use super::report::{ForceRow, Report};
use crate::model::Area;

fn grade_name(g: Option<crate::results::Grade>) -> String {
    g.map(|g| g.title().to_string()).unwrap_or_default()
}

fn force_properties(f: &ForceRow) -> Value {
    let mut p = json!({
        "code": f.code,
        "name": f.name,
        "region": f.region,
        "lent_unit_hours": f.lent,
        "received_unit_hours": f.received,
        "fair_share_unit_hours": f.fair_share,
        "hours_below_cover": f.hours_below_cover,
        "cut_off_hours": f.cut_off_hours,
    });
    p["strain"] = grade_json(f.strain());
    for (area, g) in Area::ALL.iter().zip(&f.grades) {
        p[format!("grade_{}", area.key())] = grade_json(*g);
    }
    p
}

/// A grade in GeoJSON: its title, or `null` when not tested.
fn grade_json(g: Option<crate::results::Grade>) -> Value {
    g.map_or(Value::Null, |g| json!(g.title()))
}

/// A force's geometry: its area, else a point at its HQ, else `null`.
fn force_geometry(f: &ForceRow) -> Value {
    if let Some(polys) = super::map::areas().get(&f.code) {
        let coordinates: Vec<Vec<Vec<[f64; 2]>>> = polys
            .iter()
            .map(|p| p.iter().map(|ring| ring.iter().map(|&(lon, lat)| [lon, lat]).collect()).collect())
            .collect();
        return json!({ "type": "MultiPolygon", "coordinates": coordinates });
    }
    f.hq.map_or(Value::Null, |(lat, lon)| json!({ "type": "Point", "coordinates": [lon, lat] }))
}

fn geojson(path: &Path, features: Vec<Value>) -> Result<Vec<u8>, OutputError> {
    let doc = json!({
        "type": "FeatureCollection",
        "attribution": super::map::AREAS_ATTRIBUTION,
        "features": features,
    });
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| OutputError::Encode { path: path.to_path_buf(), message: e.to_string() })?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// The names of the files [`gis_files`] makes, to claim them before they are written.
pub const GIS_FILES: [&str; 4] = ["forces.csv", "forces.geojson", "links.csv", "links.geojson"];

/// `forces.csv`, `forces.geojson`, `links.csv` and `links.geojson`, each (file name, bytes),
/// every one encoded before anything is written; `dir` names them in messages.
pub fn gis_files(r: &Report, dir: &Path) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    let coord = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let mut header = vec![
        "code",
        "name",
        "region",
        "lon",
        "lat",
        "lent_unit_hours",
        "received_unit_hours",
        "fair_share_unit_hours",
        "hours_below_cover",
        "cut_off_hours",
        "strain",
    ];
    let grade_columns: Vec<String> = Area::ALL.iter().map(|a| format!("grade_{}", a.key())).collect();
    header.extend(grade_columns.iter().map(String::as_str));
    let rows = r.forces.iter().map(|f| {
        let mut row = vec![
            f.code.clone(),
            f.name.clone(),
            f.region.clone(),
            coord(f.hq.map(|h| h.1)),
            coord(f.hq.map(|h| h.0)),
            f.lent.to_string(),
            f.received.to_string(),
            f.fair_share.to_string(),
            f.hours_below_cover.to_string(),
            f.cut_off_hours.to_string(),
            grade_name(f.strain()),
        ];
        row.extend(f.grades.iter().map(|g| grade_name(*g)));
        row
    });
    let forces_csv = table(&dir.join("forces.csv"), &header, rows)?;
    let areas = r
        .forces
        .iter()
        .map(|f| json!({ "type": "Feature", "geometry": force_geometry(f), "properties": force_properties(f) }))
        .collect();
    let forces_geojson = geojson(&dir.join("forces.geojson"), areas)?;

    let hq = |code: &str| r.forces.iter().find(|f| f.code == code).and_then(|f| f.hq);
    let link_header =
        ["a", "b", "link", "road_km", "closed_hours", "slowed_hours", "a_lon", "a_lat", "b_lon", "b_lat"];
    let link_rows = r.geography.links.iter().map(|l| {
        let (a, b) = (hq(&l.a), hq(&l.b));
        vec![
            l.a.clone(),
            l.b.clone(),
            l.link.clone(),
            l.road_km.to_string(),
            l.closed_hours.to_string(),
            l.slowed_hours.to_string(),
            coord(a.map(|h| h.1)),
            coord(a.map(|h| h.0)),
            coord(b.map(|h| h.1)),
            coord(b.map(|h| h.0)),
        ]
    });
    let links_csv = table(&dir.join("links.csv"), &link_header, link_rows)?;
    let lines = r
        .geography
        .links
        .iter()
        .map(|l| {
            let geometry = match (hq(&l.a), hq(&l.b)) {
                (Some((alat, alon)), Some((blat, blon))) => {
                    json!({ "type": "LineString", "coordinates": [[alon, alat], [blon, blat]] })
                }
                _ => Value::Null,
            };
            json!({ "type": "Feature", "geometry": geometry, "properties": {
                "a": l.a, "b": l.b, "link": l.link, "road_km": l.road_km,
                "closed_hours": l.closed_hours, "slowed_hours": l.slowed_hours,
            }})
        })
        .collect();
    let links_geojson = geojson(&dir.join("links.geojson"), lines)?;
    Ok(vec![
        ("forces.csv", forces_csv),
        ("forces.geojson", forces_geojson),
        ("links.csv", links_csv),
        ("links.geojson", links_geojson),
    ])
}

//! Exports for GIS users: per-force and per-link figures as CSV and as GeoJSON (points at HQ
//! positions, lines between them). Coordinates are WGS84 longitude/latitude in degrees.

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
        "strain": grade_name(f.strain()),
    });
    for (area, g) in Area::ALL.iter().zip(&f.grades) {
        p[format!("grade_{}", area.key())] = json!(grade_name(*g));
    }
    p
}

fn geojson(path: &Path, features: Vec<Value>) -> Result<Vec<u8>, OutputError> {
    let doc = json!({ "type": "FeatureCollection", "features": features });
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
        "lat",
        "lon",
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
            coord(f.hq.map(|h| h.0)),
            coord(f.hq.map(|h| h.1)),
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
    let points = r
        .forces
        .iter()
        .map(|f| {
            let geometry =
                f.hq.map_or(Value::Null, |(lat, lon)| json!({ "type": "Point", "coordinates": [lon, lat] }));
            json!({ "type": "Feature", "geometry": geometry, "properties": force_properties(f) })
        })
        .collect();
    let forces_geojson = geojson(&dir.join("forces.geojson"), points)?;

    let hq = |code: &str| r.forces.iter().find(|f| f.code == code).and_then(|f| f.hq);
    let link_header =
        ["a", "b", "link", "road_km", "closed_hours", "slowed_hours", "a_lat", "a_lon", "b_lat", "b_lon"];
    let link_rows = r.geography.links.iter().map(|l| {
        let (a, b) = (hq(&l.a), hq(&l.b));
        vec![
            l.a.clone(),
            l.b.clone(),
            l.link.clone(),
            l.road_km.to_string(),
            l.closed_hours.to_string(),
            l.slowed_hours.to_string(),
            coord(a.map(|h| h.0)),
            coord(a.map(|h| h.1)),
            coord(b.map(|h| h.0)),
            coord(b.map(|h| h.1)),
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

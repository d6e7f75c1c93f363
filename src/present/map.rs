//! The map of a report: police force areas (data/geography/force-areas.geojson, joined from
//! ONS district boundaries by tools/build_force_areas.py; docs/data.md) shaded by each force's
//! lowest grade, force names, aid flows from donor to host with width by unit-hours, closed
//! links dashed, and a legend. Forces without an area (the national forces, or a user's
//! dataset with other codes) are drawn at their HQ. The same areas go into the GIS export.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

use super::format::escape;
use super::report::{ForceRow, Report};
use crate::results::Grade;

/// A force's area: polygons, each an outer ring then holes, each ring (longitude, latitude)
/// points in degrees, closed (the last point repeats the first).
pub type Polygons = Vec<Vec<Vec<(f64, f64)>>>;

const AREAS_GEOJSON: &str = include_str!("../../data/geography/force-areas.geojson");

/// Where the areas come from, for the map's legend and the GIS export.
pub const AREAS_ATTRIBUTION: &str = "Force areas: ONS 2013 generalised district boundaries \
    joined by the Police Act 1996 (martinjc/UK-GeoJSON, CC BY 4.0); Office for National \
    Statistics, Open Government Licence v3.0; contains OS data © Crown copyright and database \
    right 2014.";

/// The built-in force areas by force code, read once.
pub fn areas() -> &'static BTreeMap<String, Polygons> {
    static AREAS: OnceLock<BTreeMap<String, Polygons>> = OnceLock::new();
    AREAS.get_or_init(|| parse_areas(AREAS_GEOJSON))
}

/// Read a FeatureCollection of MultiPolygons with a `code` property; anything else is skipped
/// (the file is built and checked in this repository; a test reads every force from it).
fn parse_areas(text: &str) -> BTreeMap<String, Polygons> {
    let doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let mut out = BTreeMap::new();
    for f in doc["features"].as_array().into_iter().flatten() {
        let Some(code) = f["properties"]["code"].as_str() else { continue };
        let polygons: Polygons = f["geometry"]["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|poly| {
                poly.as_array()
                    .into_iter()
                    .flatten()
                    .map(|ring| {
                        ring.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        out.insert(code.to_string(), polygons);
    }
    out
}

/// Shoelace area (square degrees, signed) and centroid of a closed ring.
fn ring_centroid(ring: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a.abs() < 1e-12 {
        return (0.0, ring.first().copied().unwrap_or((0.0, 0.0)));
    }
    (a / 2.0, (cx / (3.0 * a), cy / (3.0 * a)))
}

/// Where to write a force's name: the centroid of its largest polygon, else its HQ
/// (`hq` as latitude, longitude); (longitude, latitude) in degrees.
pub fn anchor(code: &str, hq: Option<(f64, f64)>) -> Option<(f64, f64)> {
    areas()
        .get(code)
        .and_then(|polys| {
            polys
                .iter()
                .filter_map(|p| p.first())
                .map(|outer| ring_centroid(outer))
                .max_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
                .map(|(_, c)| c)
        })
        .or(hq.map(|(lat, lon)| (lon, lat)))
}

/// Margin around a map (pixels).
const PAD: f64 = 16.0;

/// An equirectangular projection of some forces into a box `width` pixels wide, longitude
/// shrunk by the cosine of the middle latitude, with a margin of `PAD` pixels.
pub struct Frame {
    lon0: f64,
    lat1: f64,
    /// Left margin (pixels): the padding, plus half the spare width when the height limit
    /// made the map narrower than the box.
    left: f64,
    k: f64,
    scale: f64,
    /// Width (pixels).
    pub width: f64,
    /// Height (pixels), at most the `max_height` asked for.
    pub height: f64,
}

impl Frame {
    /// A frame around the anchors and areas of `codes` (each with its anchor, longitude and
    /// latitude in degrees); `None` when none can be placed.
    pub fn fit<'a>(
        placed: impl IntoIterator<Item = (&'a str, (f64, f64))>,
        width: f64,
        max_height: f64,
    ) -> Option<Frame> {
        let mut points = Vec::new();
        for (code, a) in placed {
            points.push(a);
            if let Some(polys) = areas().get(code) {
                points.extend(polys.iter().filter_map(|p| p.first()).flatten().copied());
            }
        }
        if points.is_empty() {
            return None;
        }
        let (lon0, lon1) = points.iter().fold((180.0f64, -180.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (lat0, lat1) = points.iter().fold((90.0f64, -90.0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let k = ((lat0 + lat1) / 2.0).to_radians().cos();
        let (span_x, span_y) = (((lon1 - lon0) * k).max(0.01), (lat1 - lat0).max(0.01));
        let scale = (width - 2.0 * PAD) / span_x;
        let height = (span_y * scale + 2.0 * PAD).min(max_height);
        let scale = scale.min((height - 2.0 * PAD) / span_y);
        let spare = (width - 2.0 * PAD) - span_x * scale;
        let left = if spare > 0.5 { PAD + spare / 2.0 } else { PAD };
        Some(Frame { lon0, lat1, left, k, scale, width, height })
    }

    /// Pixel x of a longitude.
    pub fn x(&self, lon: f64) -> f64 {
        self.left + (lon - self.lon0) * self.k * self.scale
    }

    /// Pixel y of a latitude.
    pub fn y(&self, lat: f64) -> f64 {
        PAD + (self.lat1 - lat) * self.scale
    }

    /// The SVG path data of a force's area (empty when it has none).
    pub fn area_path(&self, code: &str) -> String {
        let mut d = String::new();
        for ring in areas().get(code).into_iter().flatten().flatten() {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let _ =
                    write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, self.x(*lon), self.y(*lat));
            }
            d.push('Z');
        }
        d
    }
}

/// Light fill of a grade on the map, dark text over it stays readable; the grade is also in
/// each area's title and in the force table.
fn tint(grade: Option<Grade>) -> &'static str {
    match grade {
        Some(Grade::Outstanding) => "#8fd19e",
        Some(Grade::Good) => "#c6e9cf",
        Some(Grade::Adequate) => "#ffe08a",
        Some(Grade::RequiresImprovement) => "#f8b98b",
        Some(Grade::Inadequate) => "#f19a9a",
        None => "#eef0f2",
    }
}

/// Aid flows drawn at most (the largest); the flow table lists them all.
const FLOWS_MAX: usize = 40;

/// The map, its legend and its flow table, as HTML.
pub fn html(h: &mut String, r: &Report) {
    let placed: Vec<(&ForceRow, (f64, f64))> =
        r.forces.iter().filter_map(|f| anchor(&f.code, f.hq).map(|a| (f, a))).collect();
    const W: f64 = 560.0;
    let Some(frame) = Frame::fit(placed.iter().map(|(f, a)| (f.code.as_str(), *a)), W, 1200.0) else {
        h.push_str("<p>The dataset gives no HQ positions and no force areas.</p>\n");
        return;
    };
    let height = frame.height;
    let px = |lon: f64| frame.x(lon);
    let py = |lat: f64| frame.y(lat);
    let at =
        |code: &str| placed.iter().find(|(f, _)| f.code == code).map(|(_, (lon, lat))| (px(*lon), py(*lat)));

    let _ = writeln!(
        h,
        "<figure>\n<figcaption>Force areas by each force's lowest grade, with aid flows and closed links</figcaption>\n<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\" role=\"img\" aria-labelledby=\"map-title\" data-points=\"{}\">",
        placed.len()
    );
    h.push_str("<title id=\"map-title\">Map of the police force areas shaded by each force's lowest grade, with arrows from donor to host forces whose width is the unit-hours lent, and closed border links dashed; the force table and the flow table give the same figures</title>\n");
    h.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#0a3069\"/></marker></defs>\n");
    for (f, _) in &placed {
        if !areas().contains_key(&f.code) {
            continue;
        }
        let d = frame.area_path(&f.code);
        let strain = f.strain();
        let _ = writeln!(
            h,
            "<path class=\"area\" data-code=\"{}\" d=\"{d}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"#57606a\" stroke-width=\"0.5\"><title>{} ({}): {}; lent {:.0}, received {:.0} unit-hours</title></path>",
            escape(&f.code),
            tint(strain),
            escape(&f.name),
            escape(&f.code),
            strain.map_or("not tested", Grade::title),
            f.lent,
            f.received
        );
    }
    // Closed links, dashed, between the forces' name anchors.
    for l in r.geography.links.iter().filter(|l| l.closed_hours > 0.0) {
        if let (Some((x1, y1)), Some((x2, y2))) = (at(&l.a), at(&l.b)) {
            let _ = writeln!(
                h,
                "<line class=\"closed\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>{} – {} closed {:.0} h</title></line>",
                escape(&l.a),
                escape(&l.b),
                l.closed_hours
            );
        }
    }
    // Aid flows, largest drawn last (on top), width by unit-hours.
    let mut flows: Vec<_> = r.flows.iter().filter(|f| f.unit_hours > 0.0).collect();
    flows.sort_by(|a, b| {
        b.unit_hours.total_cmp(&a.unit_hours).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    flows.truncate(FLOWS_MAX);
    let widest = flows.first().map_or(1.0, |f| f.unit_hours);
    for flow in flows.iter().rev() {
        if let (Some((x1, y1)), Some((x2, y2))) = (at(&flow.from), at(&flow.to)) {
            let width = 1.0 + 6.0 * flow.unit_hours / widest;
            let _ = writeln!(
                h,
                "<line class=\"flow\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#0969da\" stroke-opacity=\"0.75\" stroke-width=\"{width:.1}\" marker-end=\"url(#arrow)\"><title>{} to {}: {:.1} unit-hours</title></line>",
                escape(&flow.from),
                escape(&flow.to),
                flow.unit_hours
            );
        }
    }
    for (f, (lon, lat)) in &placed {
        if !areas().contains_key(&f.code) {
            let _ = writeln!(
                h,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\" stroke=\"#1f2328\" stroke-width=\"0.6\"><title>{} ({}), no force area: {}</title></circle>",
                px(*lon),
                py(*lat),
                tint(f.strain()),
                escape(&f.name),
                escape(&f.code),
                f.strain().map_or("not tested", Grade::title)
            );
            continue;
        }
        let _ = writeln!(
            h,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"7.5\" text-anchor=\"middle\" fill=\"#1f2328\" stroke=\"#ffffff\" stroke-width=\"2\" paint-order=\"stroke\">{}</text>",
            px(*lon),
            py(*lat) + 2.5,
            escape(&f.code)
        );
    }
    h.push_str("</svg>\n<div class=\"map-legend legend\">");
    for g in Grade::ALL.into_iter().map(Some).chain([None]) {
        let _ = write!(
            h,
            "<span><svg width=\"14\" height=\"10\" viewBox=\"0 0 14 10\" aria-hidden=\"true\"><rect width=\"14\" height=\"10\" fill=\"{}\" stroke=\"#57606a\" stroke-width=\"0.5\"/></svg> <span class=\"grade\" style=\"background:none;color:#1f2328;padding:0\">{}</span></span>",
            tint(g),
            escape(g.map_or("Not tested", Grade::title))
        );
    }
    h.push_str("<span><svg width=\"26\" height=\"10\" viewBox=\"0 0 26 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"25\" y2=\"5\" stroke=\"#0969da\" stroke-width=\"3\"/></svg> aid flow, donor to host (width: unit-hours)</span>");
    h.push_str("<span><svg width=\"26\" height=\"10\" viewBox=\"0 0 26 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"25\" y2=\"5\" stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/></svg> link closed during the scenario</span>");
    h.push_str("</div>\n");
    let national: Vec<&str> =
        placed.iter().filter(|(f, _)| !areas().contains_key(&f.code)).map(|(f, _)| f.code.as_str()).collect();
    if !national.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"sub\">Forces with no area of their own, drawn as dots at their HQ: {}.</p>",
            escape(&national.join(", "))
        );
    }
    let _ = writeln!(h, "<p class=\"sub\">{}</p>", escape(AREAS_ATTRIBUTION));
    if !r.flows.is_empty() {
        h.push_str("<details><summary>Aid flows table</summary>\n<div class=\"scroll\">\n<table>\n<thead><tr><th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Unit-hours on task</th></tr></thead>\n<tbody>\n");
        for f in &r.flows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td></tr>",
                escape(&f.from),
                escape(&f.to),
                f.unit_hours
            );
        }
        h.push_str("</tbody>\n</table>\n</div>\n</details>\n");
    } else if r.kind.starts_with("Ensemble") {
        h.push_str("<p class=\"sub\">Aid flows are drawn for single runs; an ensemble's replications each have their own.</p>\n");
    }
    h.push_str("</figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_territorial_force_of_the_built_in_dataset_has_an_area() {
        let dataset = include_str!("../../data/national.toml");
        let codes: Vec<&str> = dataset
            .lines()
            .filter_map(|l| l.strip_prefix("code = \""))
            .filter_map(|l| l.split('"').next())
            .collect();
        assert_eq!(codes.len(), 48);
        for code in codes {
            let national = matches!(code, "btp" | "cnc" | "mdp");
            assert_eq!(areas().contains_key(code), !national, "{code}");
        }
        // Rings are closed and in lon/lat order inside the British Isles.
        for polys in areas().values() {
            for ring in polys.iter().flatten() {
                assert_eq!(ring.first(), ring.last());
                assert!(
                    ring.iter().all(|&(lon, lat)| (-9.0..2.0).contains(&lon) && (49.0..61.0).contains(&lat))
                );
            }
        }
    }

    #[test]
    fn a_ring_centroid_is_its_middle() {
        let square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)];
        assert_eq!(ring_centroid(&square), (4.0, (1.0, 1.0)));
    }
}

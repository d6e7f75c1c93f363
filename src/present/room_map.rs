//! The room screen's live map: the force areas drawn once (the base), and over them what is
//! happening now (the overlay, redrawn after every change): incidents sized by their shortfall,
//! aid on its way from donor to host, border links closed or slowed, forces whose
//! communications are out or slowed. Positions come from [`super::map`]'s projection, so the
//! room's map and the report's agree.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::escape;
use super::map::{AREAS_ATTRIBUTION, Frame, anchor, areas};
use crate::model::{Dataset, DisruptionKind};
use crate::results::Status;

/// Width of the room's map (pixels of its view box).
const WIDTH: f64 = 560.0;
/// Tallest it may be (pixels of its view box).
const MAX_HEIGHT: f64 = 880.0;
/// How far inside the frame an anchor from beyond it is brought (pixels).
const EDGE: f64 = 14.0;

/// The map of one dataset's forces, projected once.
pub struct RoomMap {
    frame: Option<Frame>,
    /// Each placed force's anchor in pixels, by code.
    anchors: BTreeMap<String, (f64, f64)>,
    /// Codes of the forces drawn as areas (the rest as dots at their HQ).
    with_area: Vec<String>,
}

impl RoomMap {
    /// The map of `data`'s forces (those with an area or an HQ).
    pub fn new(data: &Dataset) -> RoomMap {
        let placed: Vec<(&str, &str, (f64, f64))> = data
            .forces
            .iter()
            .filter_map(|f| Some((f.code.as_str(), f.country.as_str(), anchor(&f.code, f.hq)?)))
            .collect();
        // The room looks at England and Wales (the forces the SPR binds, and the national
        // forces based there); Scotland and Northern Ireland lend at its edges, their areas cut
        // off by the frame and their anchors brought inside it, so their aid still shows.
        let home = |country: &str| matches!(country, "england" | "wales" | "uk");
        let framed: Vec<(&str, (f64, f64))> = if placed.iter().any(|p| home(p.1)) {
            placed.iter().filter(|p| home(p.1)).map(|p| (p.0, p.2)).collect()
        } else {
            placed.iter().map(|p| (p.0, p.2)).collect()
        };
        let frame = Frame::fit(framed, WIDTH, MAX_HEIGHT);
        let anchors = match &frame {
            Some(fr) => placed
                .iter()
                .map(|(c, _, (lon, lat))| {
                    let inside = |v: f64, most: f64| v.clamp(EDGE, most - EDGE);
                    (c.to_string(), (inside(fr.x(*lon), fr.width), inside(fr.y(*lat), fr.height)))
                })
                .collect(),
            None => BTreeMap::new(),
        };
        let with_area = placed
            .iter()
            .filter(|(c, _, _)| areas().contains_key(*c))
            .map(|(c, _, _)| c.to_string())
            .collect();
        RoomMap { frame, anchors, with_area }
    }

    /// The base map as an `<svg>` element: force areas with their codes, and an empty
    /// `<g id="map-overlay">` for [`RoomMap::overlay`]; a sentence when nothing can be placed.
    pub fn base(&self) -> String {
        let Some(frame) = &self.frame else {
            return "<p>The dataset gives no HQ positions and no force areas: there is no map.</p>".into();
        };
        let mut h = format!(
            "<svg class=\"room-map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {:.0} {:.0}\" role=\"img\" aria-labelledby=\"map-svg-title\">\
             <title id=\"map-svg-title\">Map of the force areas with the incidents (circles sized by shortfall), aid on its way (arrows), closed or slowed links and communications outages now; the tables give the same figures</title>\
             <desc>{}</desc>\
             <defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fde2e2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#a40e26\" stroke-width=\"2\"/></pattern>\
             <marker id=\"aid-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"12\" markerHeight=\"12\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#0a3069\"/></marker></defs>\n",
            frame.width,
            frame.height,
            escape(AREAS_ATTRIBUTION)
        );
        // The areas inherit their fill from the group, so an overlay's <use> of one can
        // give it another.
        h.push_str("<g class=\"areas\" fill=\"#eef0f2\" stroke=\"#8c959f\" stroke-width=\"0.6\">\n");
        for code in &self.with_area {
            let _ = writeln!(
                h,
                "<path id=\"area-{0}\" data-code=\"{0}\" d=\"{1}\" fill-rule=\"evenodd\"/>",
                escape(code),
                frame.area_path(code)
            );
        }
        h.push_str("</g>\n<g id=\"map-overlay\"></g>\n<g class=\"labels\">\n");
        for (code, (x, y)) in &self.anchors {
            if self.with_area.contains(code) {
                let _ = writeln!(
                    h,
                    "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1f2328\" stroke=\"#ffffff\" stroke-width=\"2.5\" paint-order=\"stroke\">{}</text>",
                    y + 4.0,
                    escape(code)
                );
            } else {
                let _ = writeln!(
                    h,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#8c959f\"><title>{} (no force area of its own; drawn at its HQ)</title></circle>",
                    escape(code)
                );
            }
        }
        h.push_str("</g>\n</svg>");
        h
    }

    /// What is happening at the moment of `status`, as SVG elements for the base's overlay
    /// group. `active` are the disruptions in force at that moment.
    pub fn overlay(&self, data: &Dataset, status: &Status, active: &[&DisruptionKind]) -> String {
        let mut h = String::new();
        let code = |f: crate::model::ForceId| data.force(f).code.as_str();
        // Communications first (under everything else): the force's area hatched or outlined.
        for d in active {
            let (force, out, what) = match d {
                DisruptionKind::CommsOutage { force, .. } => (*force, true, "communications out".to_string()),
                DisruptionKind::SlowComms { force, factor } => {
                    (*force, false, format!("communications slowed ×{factor}"))
                }
                _ => continue,
            };
            let c = code(force);
            if self.with_area.iter().any(|a| a == c) {
                let _ = writeln!(
                    h,
                    "<use class=\"{}\" href=\"#area-{}\" fill=\"{}\" stroke=\"#a40e26\" stroke-width=\"{}\"><title>{}: {what}</title></use>",
                    if out { "comms-out" } else { "comms-slow" },
                    escape(c),
                    if out { "url(#hatch)" } else { "none" },
                    if out { 1.5 } else { 2.5 },
                    escape(c)
                );
            }
        }
        for d in active {
            let (a, b, closed, title) = match d {
                DisruptionKind::LinkClosed { a, b } => (*a, *b, true, "closed".to_string()),
                DisruptionKind::LinkSlowed { a, b, factor } => (*a, *b, false, format!("slowed ×{factor}")),
                _ => continue,
            };
            if let (Some((x1, y1)), Some((x2, y2))) = (self.anchors.get(code(a)), self.anchors.get(code(b))) {
                let _ = writeln!(
                    h,
                    "<line class=\"{}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{}\" stroke-width=\"4\" stroke-dasharray=\"{}\"><title>{} – {}: link {title}</title></line>",
                    if closed { "link-closed" } else { "link-slowed" },
                    if closed { "#a40e26" } else { "#bc4c00" },
                    if closed { "8 5" } else { "2 4" },
                    escape(code(a)),
                    escape(code(b))
                );
            }
        }
        // Aid on its way, by donor and host, width by units.
        let host_of: BTreeMap<&str, &str> =
            status.incidents.iter().map(|i| (i.id.as_str(), i.host.as_str())).collect();
        let mut flows: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        for m in &status.en_route {
            let Some(&host) = host_of.get(m.incident.as_str()) else { continue };
            if host != m.from {
                *flows.entry((m.from.as_str(), host)).or_default() += m.units;
            }
        }
        let most = flows.values().copied().max().unwrap_or(1).max(1);
        for ((from, to), units) in &flows {
            if let (Some((x1, y1)), Some((x2, y2))) = (self.anchors.get(*from), self.anchors.get(*to)) {
                let width = 2.0 + 6.0 * f64::from(*units) / f64::from(most);
                let _ = writeln!(
                    h,
                    "<line class=\"aid\" data-from=\"{0}\" data-to=\"{1}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#0969da\" stroke-opacity=\"0.8\" stroke-width=\"{width:.1}\" marker-end=\"url(#aid-arrow)\"><title>{units} unit(s) on their way from {0} to {1}</title></line>",
                    escape(from),
                    escape(to)
                );
            }
        }
        // Incidents at their host, several at one host set around it, area by shortfall.
        let mut at_host: BTreeMap<&str, u32> = BTreeMap::new();
        for inc in &status.incidents {
            let Some(&(x, y)) = self.anchors.get(inc.host.as_str()) else { continue };
            let nth = at_host.entry(inc.host.as_str()).or_default();
            let angle = f64::from(*nth) * 2.4;
            let offset = if *nth == 0 { 0.0 } else { 10.0 + 4.0 * f64::from(*nth) };
            *nth += 1;
            let (cx, cy) = (x + offset * angle.cos(), y + offset * angle.sin());
            let short: f64 = inc.capabilities.iter().map(|c| c.shortfall).sum();
            let demand: u32 = inc.capabilities.iter().map(|c| c.demand).sum();
            let r = 6.0 + 4.0 * short.sqrt();
            let _ = writeln!(
                h,
                "<circle class=\"incident{}\" data-id=\"{}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" fill=\"{}\" fill-opacity=\"0.75\" stroke=\"#1f2328\" stroke-width=\"1.2\"><title>{} ({}) in {}: {demand} unit(s) wanted, {} short</title></circle>",
                if short > 0.0 { " short" } else { "" },
                escape(&inc.id),
                if short > 0.0 { "#cf222e" } else { "#ffffff" },
                escape(&inc.id),
                escape(&inc.kind),
                escape(&inc.host),
                (short * 10.0).round() / 10.0
            );
        }
        h
    }
}

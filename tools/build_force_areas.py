#!/usr/bin/env python3
"""Build data/geography/force-areas.geojson: the police force areas of the built-in dataset.

Each police area is, by Schedule 1 to the Police Act 1996 (as amended), a union of local
authority districts. This script takes the 2013 generalised district boundaries published by
ONS (TopoJSON from github.com/martinjc/UK-GeoJSON, CC BY 4.0, containing OS data © Crown
copyright and database right 2014) and joins the districts of each force:

  python3 tools/build_force_areas.py GB_TOPO_LAD NI_TOPO_LGD

where the two files are json/administrative/gb/topo_lad.json and
json/administrative/ni/topo_lgd.json of that repository (commit 88339000f). Police area
boundaries have not changed since 2013 (later local-government mergers stayed inside single
force areas; docs/data.md). Scotland and Northern Ireland are single forces.

The union is done on the topology: the districts' rings are cut into directed segments
between exact (quantised) points, a segment two districts of a force share (once each way)
cancels, and the segments left are chained into the force's rings, then simplified
(Douglas-Peucker, at most TOLERANCE degrees off; neighbouring forces' borders may differ by
that much, under a pixel on the report's map). Coordinates are WGS84 longitude, latitude
(GeoJSON order), to 3 decimals (about 100 m).
"""
import json, pathlib, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "data/geography/force-areas.geojson"
TOLERANCE = 0.008  # degrees (~0.6-0.9 km): the largest deviation simplification allows

# Two-figure county codes of the 2013 ONS district codes (LAD13CDO) -> force.
COUNTIES = {
    "11": "thames-valley",      # Buckinghamshire
    "12": "cambridgeshire",
    "16": "cumbria",
    "17": "derbyshire",
    "18": "devon-cornwall",     # Devon
    "19": "dorset",
    "21": "sussex",             # East Sussex
    "22": "essex",
    "23": "gloucestershire",
    "24": "hampshire",
    "26": "hertfordshire",
    "29": "kent",
    "30": "lancashire",
    "31": "leicestershire",
    "32": "lincolnshire",
    "33": "norfolk",
    "34": "northamptonshire",
    "36": "north-yorkshire",
    "37": "nottinghamshire",
    "38": "thames-valley",      # Oxfordshire
    "40": "avon-somerset",      # Somerset
    "41": "staffordshire",
    "42": "suffolk",
    "43": "surrey",
    "44": "warwickshire",
    "45": "sussex",             # West Sussex
    "47": "west-mercia",        # Worcestershire
}

# London boroughs, metropolitan districts and unitary authorities (LAD13CDO "00xx").
def single_tier(cdo):
    c = cdo[2:]
    if c == "AA":
        return "city-of-london"
    ranges = [("AB", "BK", "met"), ("BL", "BW", "gmp"), ("BX", "CB", "merseyside"),
              ("CC", "CG", "south-yorkshire"), ("CH", "CM", "northumbria"),
              ("CN", "CW", "west-midlands"), ("CX", "DB", "west-yorkshire")]
    for lo, hi, force in ranges:
        if lo <= c <= hi:
            return force
    unitaries = {
        "cleveland": "EB EC EE EF", "durham": "EH EJ", "northumbria": "EM",
        "cheshire": "EQ ET EU EW", "lancashire": "EX EY", "humberside": "FA FB FC FD",
        "north-yorkshire": "FF", "derbyshire": "FK", "leicestershire": "FN FP",
        "nottinghamshire": "FY", "west-mercia": "GA GF GG", "staffordshire": "GL",
        "avon-somerset": "HA HB HC HD", "devon-cornwall": "HE HF HG HH", "dorset": "HN HP",
        "wiltshire": "HX HY", "cambridgeshire": "JA", "bedfordshire": "KA KB KC",
        "essex": "KF KG", "kent": "LC", "thames-valley": "MA MB MC MD ME MF MG",
        "sussex": "ML", "hampshire": "MR MS MW",
    }
    for force, codes in unitaries.items():
        if c in codes.split():
            return force
    raise SystemExit(f"no force for district {cdo}")

WALES = {
    "north-wales": ["Isle of Anglesey", "Gwynedd", "Conwy", "Denbighshire", "Flintshire", "Wrexham"],
    "dyfed-powys": ["Ceredigion", "Carmarthenshire", "Pembrokeshire", "Powys"],
    "gwent": ["Monmouthshire", "Blaenau Gwent", "Caerphilly", "Newport", "Torfaen"],
    "south-wales": ["Cardiff", "Swansea", "Bridgend", "Merthyr Tydfil", "Neath Port Talbot",
                    "Rhondda Cynon Taf", "Vale of Glamorgan"],
}

def force_of(props):
    code, cdo, name = props.get("LAD13CD") or "", props.get("LAD13CDO") or "", props.get("LAD13NM") or ""
    if code.startswith("S"):
        return "scotland"
    if code.startswith("W"):
        for force, names in WALES.items():
            if name in names:
                return force
        raise SystemExit(f"no force for Welsh district {name}")
    if cdo.startswith("00"):
        return single_tier(cdo)
    if cdo[:2] in COUNTIES:
        return COUNTIES[cdo[:2]]
    raise SystemExit(f"no force for district {cdo} {name}")

def decode_arcs(topo):
    """Every arc as absolute quantised integer points (exact, so shared points compare equal)."""
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x, y))
        out.append(pts)
    return out

def simplify(pts, tol):
    """Douglas-Peucker, endpoints kept."""
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, at = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm > 0 else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > best:
                best, at = d, i
        if best > tol:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(pts, keep) if k]

def rings_of(segments):
    """Chain directed segments into closed rings. Every point has as many segments leaving as
    arriving (the districts' rings are closed and cancelling removes pairs), so a walk from
    any segment returns to its start."""
    leaving = {}
    for a, b in segments:
        leaving.setdefault(a, []).append(b)
    rings = []
    for start in sorted(leaving):
        while leaving[start]:
            ring, at = [start], start
            while True:
                nxt = leaving[at].pop()
                ring.append(nxt)
                at = nxt
                if at == start:
                    break
            rings.append(ring)
    return rings

def area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2

def inside(pt, ring):
    x, y = pt
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit

def polygons(rings):
    """Outer rings (counter-clockwise) with the holes inside them (clockwise), RFC 7946."""
    outers = [r if area(r) > 0 else r[::-1] for r in rings if abs(area(r)) > 0]
    # A ring inside another ring of the same force is a hole (an enclave of another force).
    result = []
    rings_sorted = sorted(outers, key=lambda r: -abs(area(r)))
    for r in rings_sorted:
        host = next((p for p in result if inside(r[0], p[0])), None)
        if host is not None:
            host.append(r[::-1])
        else:
            result.append([r])
    return result

def rounded(ring):
    """A ring to 3 decimals, without repeated points."""
    out = []
    for x, y in ring:
        pt = (round(x, 3), round(y, 3))
        if not out or out[-1] != pt:
            out.append(pt)
    return out

def forces_from(topo, force_of_geometry):
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = decode_arcs(topo)
    segments = {}
    (obj,) = topo["objects"].values()
    for g in obj["geometries"]:
        force = force_of_geometry(g.get("properties") or {})
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        mine = segments.setdefault(force, {})
        for poly in polys:
            for ring in poly:
                pts = []
                for i in ring:
                    c = arcs[i] if i >= 0 else arcs[~i][::-1]
                    pts.extend(c if not pts else c[1:])
                for a, b in zip(pts, pts[1:]):
                    if a == b:
                        continue
                    # A segment two districts of the force share (once each way) is inside
                    # the force: the pair cancels.
                    if mine.get((b, a), 0) > 0:
                        mine[(b, a)] -= 1
                    else:
                        mine[(a, b)] = mine.get((a, b), 0) + 1
    out = {}
    for force, mine in segments.items():
        boundary = [seg for seg, n in sorted(mine.items()) for _ in range(n)]
        rings = []
        for ring in rings_of(boundary):
            lonlat = [(x * sx + tx, y * sy + ty) for x, y in ring]
            simple = simplify(lonlat, TOLERANCE)
            if len(simple) >= 4:
                rings.append(simple)
        out[force] = polygons(rings)
    return out

def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    gb = json.load(open(sys.argv[1]))
    ni = json.load(open(sys.argv[2]))
    areas = forces_from(gb, force_of)
    areas.update(forces_from(ni, lambda _: "psni"))
    features = []
    for force in sorted(areas):
        polys = [[rounded(r) for r in p] for p in areas[force] if p]
        polys = [p for p in polys if len(p[0]) >= 4]
        features.append({
            "type": "Feature",
            "properties": {"code": force},
            "geometry": {"type": "MultiPolygon",
                         "coordinates": [[[list(pt) for pt in ring] for ring in poly] for poly in polys]},
        })
    collection = {
        "type": "FeatureCollection",
        "attribution": "Police force areas joined from ONS 2013 generalised local authority district "
                       "boundaries (github.com/martinjc/UK-GeoJSON, CC BY 4.0). Source: Office for "
                       "National Statistics licensed under the Open Government Licence v3.0. Contains "
                       "OS data © Crown copyright and database right 2014.",
        "features": features,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    points = sum(len(r) for f in features for p in f["geometry"]["coordinates"] for r in p)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(features)} forces, {points} points")

if __name__ == "__main__":
    main()

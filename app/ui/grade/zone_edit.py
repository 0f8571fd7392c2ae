"""Zone edits as recipe -> recipe functions (Qt-free): add a ring, cut a hole, rename, delete.

Rings arrive in the shown image's pixel frame (zone vertex convention: pixel centres on
integers) and are stored in the zone set's reference frame: the size of the image the zones
were first drawn on (set then), so zones scale to parts of another size.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from app.core.grading import Polygon, Recipe, Zone, ZoneSet


def to_reference(points, image_size: tuple[int, int], zones: ZoneSet):
    """(points in the reference frame, reference size); inverse of the rasterizer's scaling."""
    ref = zones.reference_size or image_size
    sx, sy = image_size[0] / ref[0], image_size[1] / ref[1]
    pts = [(round((x + 0.5) / sx - 0.5, 2), round((y + 0.5) / sy - 0.5, 2)) for x, y in points]
    return pts, tuple(ref)


def unique_name(zones: ZoneSet, stem: str = "zone") -> str:
    names = set(zones.names)
    i = 1
    while f"{stem} {i}" in names:
        i += 1
    return f"{stem} {i}"


def add_ring(recipe: Recipe, points, image_size, name: str | None = None,
             severity: int = 1) -> tuple[Recipe, str]:
    """A new zone (name None: 'zone N') or one more area of zone `name`; (recipe, zone name)."""
    zones = recipe.zones
    pts, ref = to_reference(points, image_size, zones)
    poly = Polygon(pts)
    existing = {z.name: z for z in zones.zones}
    if name is not None and name in existing:
        z = existing[name]
        new = dataclasses.replace(z, polygons=(*z.polygons, poly))
        out = tuple(new if x.name == name else x for x in zones.zones)
    else:
        name = name or unique_name(zones)
        out = (*zones.zones, Zone(name, (poly,), severity))
    return recipe.with_zones(ZoneSet(out, ref)), name


def cut_hole(recipe: Recipe, points, image_size, name: str) -> Recipe:
    """Cut a hole into the polygon of zone `name` that holds the ring's centre."""
    zones = recipe.zones
    pts, ref = to_reference(points, image_size, zones)
    cx, cy = np.mean(np.asarray(pts, float), axis=0)
    for z in zones.zones:
        if z.name != name:
            continue
        for i, poly in enumerate(z.polygons):
            outer = np.asarray(poly.outer, np.float32).reshape(-1, 1, 2)
            if cv2.pointPolygonTest(outer, (float(cx), float(cy)), False) >= 0:
                holed = Polygon(poly.outer, (*poly.holes, tuple(pts)))
                polys = z.polygons[:i] + (holed,) + z.polygons[i + 1:]
                new = dataclasses.replace(z, polygons=polys)
                out = tuple(new if x.name == name else x for x in zones.zones)
                return recipe.with_zones(ZoneSet(out, ref))
    raise ValueError(f"draw the hole inside an area of zone {name!r}")


def rename(recipe: Recipe, old: str, new: str) -> Recipe:
    """Rename a zone and the rules that name it."""
    new = new.strip()
    if new == old:
        return recipe
    if not new or new in recipe.zones.names:
        raise ValueError(f"zone name {new!r} is empty or taken")
    zones = tuple(dataclasses.replace(z, name=new) if z.name == old else z
                  for z in recipe.zones.zones)
    rules = tuple(dataclasses.replace(r, zone=new) if r.zone == old else r for r in recipe.rules)
    return dataclasses.replace(recipe, zones=ZoneSet(zones, recipe.zones.reference_size),
                               rules=rules)


def set_severity(recipe: Recipe, name: str, severity: int) -> Recipe:
    zones = tuple(dataclasses.replace(z, severity=int(severity)) if z.name == name else z
                  for z in recipe.zones.zones)
    return recipe.with_zones(ZoneSet(zones, recipe.zones.reference_size))


def delete(recipe: Recipe, name: str) -> tuple[Recipe, int]:
    """Drop zone `name` and its rules; (recipe, rules dropped)."""
    rules = tuple(r for r in recipe.rules if r.zone != name)
    zones = tuple(z for z in recipe.zones.zones if z.name != name)
    out = dataclasses.replace(recipe, rules=rules,
                              zones=ZoneSet(zones, recipe.zones.reference_size))
    return out, len(recipe.rules) - len(rules)

"""Grade a part: probability maps (or a label mask) + recipe -> Verdict."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .components import Component, box_sides, mask_components, threshold_components
from .recipe import Recipe
from .rules import Piece, RuleBook, judge
from .verdict import ComponentResult, Verdict, ZoneOverlap
from .zones import ZoneCache, ZoneRaster


def grade(
    probs: np.ndarray,
    class_values: Sequence[int],
    recipe: Recipe,
    zones_cache: ZoneCache | None = None,
) -> Verdict:
    """Grade uint8 probability maps (C, H, W); channel i is class `class_values[i]`.

    Pass a ZoneCache when grading many images: zones are then rasterized once per size.
    """
    if probs.ndim != 3 or probs.dtype != np.uint8:
        raise ValueError(f"probs must be uint8 (C, H, W), got {probs.dtype} {probs.shape}")
    if len(class_values) != probs.shape[0]:
        raise ValueError(f"{probs.shape[0]} channels but {len(class_values)} class values")
    per_class = [
        (
            v,
            threshold_components(
                np.ascontiguousarray(probs[i]), recipe.threshold(v), floor_px(recipe, v)
            ),
        )
        for i, v in enumerate(class_values)
    ]
    return grade_components(per_class, probs.shape[1:], recipe, zones_cache)


def grade_mask(
    label_mask: np.ndarray,
    class_values: Sequence[int],
    recipe: Recipe,
    zones_cache: ZoneCache | None = None,
) -> Verdict:
    """Grade a uint8 label mask (ground truth) with the same rules and noise floors."""
    if label_mask.ndim != 2 or label_mask.dtype != np.uint8:
        raise ValueError(
            f"label mask must be uint8 (H, W), got {label_mask.dtype} {label_mask.shape}"
        )
    per_class = [(v, mask_components(label_mask, v, floor_px(recipe, v))) for v in class_values]
    return grade_components(per_class, label_mask.shape, recipe, zones_cache)


def floor_px(recipe: Recipe, value: int) -> int:
    # A lower bound only, for the cheap bbox reject; the exact test is done in mm² below.
    return int(recipe.calibration.area_px(recipe.min_area_mm2(value)) * (1 - 1e-9))


def grade_components(per_class, shape, recipe: Recipe, zones_cache) -> Verdict:
    """grade() after the component search: callers that cache components per class (what-if)
    regrade from them without searching again."""
    if zones_cache is not None:
        raster = zones_cache.get(recipe.zones, shape)
    else:
        raster = recipe.zones.rasterize(shape)
    cal, book, scale = recipe.calibration, recipe.rulebook, recipe.scale
    kept: list[tuple[int, Component, list[tuple[int, int]]]] = []
    pieces: list[Piece] = []
    for value, comps in per_class:
        floor = recipe.min_area_mm2(value)
        for comp in comps:
            if cal.area_mm2(comp.area_px) < floor:
                continue
            overlaps = raster.overlaps(comp.bbox, comp.mask, comp.area_px)
            pieces.extend(_pieces(len(kept), value, comp, overlaps, raster, book, cal))
            kept.append((value, comp, overlaps))
    per_component, part = judge(pieces, book, recipe.class_name, cal)

    results = []
    for i, (value, comp, overlaps) in enumerate(kept):
        reasons = tuple(_by_severity(per_component.get(i, ()), scale))
        results.append(
            ComponentResult(
                class_value=value,
                component=comp,
                overlaps=tuple(
                    ZoneOverlap(raster.names[z], px, cal.area_mm2(px)) for z, px in overlaps
                ),
                area_mm2=cal.area_mm2(comp.area_px),
                length_mm=cal.length_mm(comp.length_px),
                width_mm=cal.length_mm(comp.width_px),
                grade=scale.most_severe(r.grade for r in reasons),
                reasons=reasons,
            )
        )
    reasons = tuple(_by_severity(part, scale))
    return Verdict(
        grade=scale.most_severe(r.grade for r in reasons),
        reasons=reasons,
        components=tuple(results),
        recipe_hash=recipe.content_hash,
        scale=scale,
    )


def _pieces(index, value, comp: Component, overlaps, raster: ZoneRaster, book: RuleBook, cal):
    """One Piece per rule zone: zones that fall back to the same rules merge into one piece."""
    groups: dict[str, list[int]] = {}
    areas: dict[str, int] = {}
    for z, px in overlaps:
        rule_zone = book.zone_for(value, raster.names[z])
        if rule_zone is not None:
            groups.setdefault(rule_zone, []).append(z)
            areas[rule_zone] = areas.get(rule_zone, 0) + px
    for rule_zone, zones in groups.items():
        area = areas[rule_zone]
        if area == comp.area_px:
            length = comp.length_px
        elif book.needs_length(value, rule_zone):
            length = _piece_length(comp, raster, zones)
        else:
            length = float("nan")  # no rule here reads it; measuring a piece is not free
        yield Piece(index, value, rule_zone, cal.area_mm2(area), cal.length_mm(length))


def _piece_length(comp: Component, raster: ZoneRaster, zones: list[int]) -> float:
    """Length of the component's pixels inside `zones` (its outer borders bound the hull)."""
    x, y, w, h = comp.bbox
    crop = raster.labels[y : y + h, x : x + w]
    lut = np.zeros(max(256, len(raster.names)), np.uint8)
    lut[zones] = 1
    piece = lut[crop] & comp.mask
    contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return box_sides(np.concatenate(contours))[0]


def _by_severity(reasons, scale):
    return sorted(reasons, key=lambda r: -scale.rank(r.grade))

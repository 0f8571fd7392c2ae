"""Where synthetic defects may land: anywhere on the part, or inside one zone of a recipe.

    choices = zone_choices(project)               # every zone of each recipe's latest version
    region = synthetic_region(project, "housing:seal")   # shape -> bool mask, or None

A zone is named "RECIPE:ZONE" (what the Train workspace stores in TrainConfig.synthetic_zone),
or by its zone name alone when only one recipe has a zone of that name (the CLI's
--synthetic-zone). A zone's pixels are those the grading gives it (app.core.grading.zones: where
zones overlap, the more severe one owns the pixel), so a pasted defect is graded in that zone.
"" means anywhere on the part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.core.grading.recipe import Recipe
from app.core.grading.zones import ZoneCache, ZoneSet

ANYWHERE = ""


@dataclass(frozen=True)
class ZoneChoice:
    recipe: str
    zone: str

    @property
    def ref(self) -> str:
        return f"{self.recipe}:{self.zone}"

    @property
    def label(self) -> str:
        return f"Zone {self.zone} ({self.recipe})"


def _zone_sets(project) -> dict[str, ZoneSet]:
    """Recipe name -> the zones of its latest version."""
    return {name: Recipe.from_dict(project.recipes.get(name).body).zones
            for name in project.recipes.names()}


def zone_choices(project) -> list[ZoneChoice]:
    return [ZoneChoice(recipe, z.name) for recipe, zones in _zone_sets(project).items()
            for z in zones.zones]


def resolve_zone(project, ref: str) -> tuple[ZoneSet, str] | None:
    """(the recipe's zones, the zone's name) for `ref`; None for ANYWHERE. A ref that names no
    zone, or a zone name that several recipes use, raises ValueError listing the choices."""
    if ref == ANYWHERE:
        return None
    sets = _zone_sets(project)
    choices = [ZoneChoice(recipe, z.name) for recipe, zones in sets.items() for z in zones.zones]
    found = [(sets[c.recipe], c.zone) for c in choices if ref in (c.ref, c.zone)]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(c.ref for c in choices) or "none (no recipe has zones)"
    if found:
        raise ValueError(f"zone {ref!r} is in several recipes: name it as RECIPE:ZONE, one "
                         f"of {listed}")
    raise ValueError(f"no zone {ref!r} for synthetic defects; zones: {listed}")


def synthetic_region(project, ref: str) -> Callable[[tuple[int, int]], np.ndarray] | None:
    """image shape (h, w) -> where pastes may land (bool), for `ref`; None: anywhere on the
    part. Raises ValueError as resolve_zone."""
    found = resolve_zone(project, ref)
    if found is None:
        return None
    zones, name = found
    cache = ZoneCache()

    def region(shape: tuple[int, int]) -> np.ndarray:
        return cache.get(zones, shape).mask(name)

    return region

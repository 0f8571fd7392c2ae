"""Train/val split stratified by defect class, deterministic and stable as images are added."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

TRAIN, VAL = "train", "val"
GOOD = -1  # stratum of parts without defects


def _strata(class_sets: Sequence[frozenset[int]]) -> list[int]:
    """Each item's stratum: its rarest class, so every rare class reaches val when it can."""
    freq = Counter(v for s in class_sets for v in s)
    return [min(s, key=lambda v: (freq[v], v)) if s else GOOD for s in class_sets]


def split_samples(
    class_sets: Sequence[Iterable[int]],
    val_fraction: float = 0.2,
    seed: int = 0,
    fixed: Sequence[str | None] | None = None,
) -> list[str]:
    """"train"/"val" for each item, given the class values present in each (empty = good part).

    `fixed` holds assignments already persisted ("train", "val" or None = new): those are kept
    and new items fill each stratum up to round(val_fraction * stratum size). Return this list to
    the project to persist it.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    sets = [frozenset(int(v) for v in s) for s in class_sets]
    fixed = list(fixed) if fixed is not None else [None] * len(sets)
    if len(fixed) != len(sets):
        raise ValueError("fixed must have one entry per item")
    out: list[str | None] = [f if f in (TRAIN, VAL) else None for f in fixed]
    by_stratum: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(_strata(sets)):
        by_stratum[s].append(i)
    for stratum in sorted(by_stratum):
        members = by_stratum[stratum]
        new = [i for i in members if out[i] is None]
        if not new:
            continue
        # One stream per stratum: adding items of another class never reshuffles this one.
        rng = np.random.default_rng([seed, stratum + 1])
        new = [new[j] for j in rng.permutation(len(new))]
        target = int(round(val_fraction * len(members)))
        if len(members) >= 2 and val_fraction > 0:
            target = min(max(target, 1), len(members) - 1)  # both sides see the class
        need = max(0, target - sum(out[i] == VAL for i in members))
        for k, i in enumerate(new):
            out[i] = VAL if k < need else TRAIN
    return [o if o is not None else TRAIN for o in out]

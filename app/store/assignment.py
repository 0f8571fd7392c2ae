"""Which image "next image" opens: the next one assigned to me, else the next unclaimed one.

Unclaimed: assigned to nobody and edited by no other client now (no live lease). Images are
taken in the list's order after the current one, without wrapping (the end of the list says
"done"). With nothing assigned and nobody else editing, this is simply the next image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def next_image(order: Sequence[int], current: int | None, assignees: Mapping[int, str | None],
               me: str, held_by_others: Mapping[int, str]) -> int | None:
    """The id to open after `current` in `order`, or None when there is none."""
    start = order.index(current) + 1 if current in order else 0
    after = order[start:]
    mine = [i for i in after if assignees.get(i) == me]
    if mine:
        return mine[0]
    free = [i for i in after if not assignees.get(i) and i not in held_by_others]
    return free[0] if free else None

"""Where each outline's caption goes so that no two captions overlap (no Qt: plain rects).

A caption wants the spot just above its box (left-aligned), else just below it; when another
caption is there already it steps further up or down, then right. A caption that finds no free
spot is left out: the details table lists every component anyway.
Rects are (x, y, w, h) in widget pixels.
"""

from __future__ import annotations

Rect = tuple[float, float, float, float]

STEPS = 6  # how far (in caption heights) a caption may move away from its box


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _candidates(box: Rect, w: float, h: float):
    x, y, bw, bh = box
    above, below = y - h - 1.5, y + bh + 1.5
    for k in range(STEPS + 1):
        yield x, above - k * h
        yield x, below + k * h
    for k in range(1, STEPS + 1):  # then beside, further right
        yield x + k * w / 2, above
        yield x + k * w / 2, below


def place_captions(boxes: list[Rect], sizes: list[tuple[float, float]],
                   bounds: tuple[float, float], top: float = 0.0) -> list[Rect | None]:
    """One caption rect per box (None: no free spot), in the order given (put the selected or
    most severe first: it gets the best spot). Captions stay inside `bounds` (width, height),
    below `top` (a title line)."""
    width, height = bounds
    placed: list[Rect] = []
    out: list[Rect | None] = []
    for box, (w, h) in zip(boxes, sizes, strict=True):
        spot = None
        for x, y in _candidates(box, w, h):
            x = min(max(x, 0.0), max(width - w, 0.0))
            y = min(max(y, top), max(height - h, top))
            rect = (x, y, w, h)
            if not any(overlaps(rect, other) for other in placed):
                spot = rect
                break
        if spot is not None:
            placed.append(spot)
        out.append(spot)
    return out

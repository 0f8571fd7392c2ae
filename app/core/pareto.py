"""Defect Pareto tables and simple bar charts drawn with OpenCV (no Qt, no plotting library).

    items = pareto({"crack": 12, "pore": 30})     # most frequent first, with cumulative share
    png = bar_chart([(i.name, i.count) for i in items], "Defects by class", cumulative=True)
    cv2.imwrite("pareto.png", png)                 # BGR uint8

Labels are drawn with OpenCV's Hershey font, which has ASCII glyphs only: other characters
are drawn as '?'. The tables (summary.json) keep the real names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
BAR = (196, 120, 40)  # BGR, a steel blue
LINE = (40, 40, 200)  # BGR, red: the cumulative line
GRADE_COLORS = {"OK": (80, 175, 76), "REWORK": (0, 152, 255), "SCRAP": (54, 67, 244),
                "error": (150, 150, 150)}
MAX_BARS = 20


@dataclass(frozen=True)
class ParetoItem:
    name: str
    count: int
    share: float  # of the total, 0..1
    cumulative: float  # share of this and every more frequent item, 0..1

    def to_dict(self) -> dict:
        return {"name": self.name, "count": self.count, "share": round(self.share, 4),
                "cumulative": round(self.cumulative, 4)}


def pareto(counts: Mapping[str, int]) -> list[ParetoItem]:
    """Items by count, most frequent first (ties by name), with their cumulative share."""
    total = sum(counts.values())
    out, running = [], 0
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += n
        out.append(ParetoItem(name, int(n), n / total if total else 0.0,
                              running / total if total else 0.0))
    return out


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def _fit(text: str, width: int, scale: float, thickness: int = 1) -> str:
    text = _ascii(text)
    while text and cv2.getTextSize(text, FONT, scale, thickness)[0][0] > width:
        text = text[:-2] + "~" if len(text) > 2 else text[:-1]
    return text


def bar_chart(items: Sequence[tuple[str, int]], title: str, *, cumulative: bool = False,
              colors: Mapping[str, tuple[int, int, int]] | None = None,
              size: tuple[int, int] = (900, 480)) -> np.ndarray:
    """A BGR uint8 (height, width) bar chart of (label, count), in the order given.

    cumulative: adds the cumulative-share line of a Pareto chart (right axis, 0..100 %).
    More than MAX_BARS items: the rest are summed into one "other" bar.
    """
    items = [(str(k), int(v)) for k, v in items]
    if len(items) > MAX_BARS:
        rest = sum(v for _, v in items[MAX_BARS - 1:])
        items = items[:MAX_BARS - 1] + [("other", rest)]
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    left, right, top, bottom = 60, 60 if cumulative else 20, 50, 70
    x0, x1, y0, y1 = left, w - right, top, h - bottom  # plot area; y grows down
    cv2.putText(img, _fit(title, w - 20, 0.7, 2), (10, 30), FONT, 0.7, (30, 30, 30), 2,
                cv2.LINE_AA)
    cv2.line(img, (x0, y1), (x1, y1), (0, 0, 0), 1)
    cv2.line(img, (x0, y0), (x0, y1), (0, 0, 0), 1)
    if not items or max(v for _, v in items) == 0:
        cv2.putText(img, "no data", ((x0 + x1) // 2 - 40, (y0 + y1) // 2), FONT, 0.7,
                    (120, 120, 120), 1, cv2.LINE_AA)
        return img
    top_value = max(v for _, v in items)
    step = _nice_step(top_value)
    axis_max = step * int(np.ceil(top_value * 1.08 / step))  # headroom for the value labels
    for tick in range(0, axis_max + 1, step):
        y = y1 - round((y1 - y0) * tick / axis_max)
        cv2.line(img, (x0 - 4, y), (x0, y), (0, 0, 0), 1)
        cv2.line(img, (x0 + 1, y), (x1, y), (235, 235, 235), 1)
        cv2.putText(img, str(tick), (5, y + 4), FONT, 0.4, (60, 60, 60), 1, cv2.LINE_AA)
    slot = (x1 - x0) / len(items)
    bar_w = max(int(slot * 0.7), 2)
    total = sum(v for _, v in items)
    running, points = 0, []
    for i, (label, value) in enumerate(items):
        cx = x0 + slot * (i + 0.5)
        top_y = y1 - round((y1 - y0) * value / axis_max)
        color = (colors or {}).get(label, BAR)
        cv2.rectangle(img, (int(cx - bar_w / 2), top_y), (int(cx + bar_w / 2), y1 - 1), color,
                      -1)
        text = str(value)
        tw = cv2.getTextSize(text, FONT, 0.45, 1)[0][0]
        cv2.putText(img, text, (int(cx - tw / 2), max(top_y - 5, y0 + 12)), FONT, 0.45,
                    (30, 30, 30), 1, cv2.LINE_AA)
        name = _fit(label, int(slot) - 4, 0.45)
        nw = cv2.getTextSize(name, FONT, 0.45, 1)[0][0]
        cv2.putText(img, name, (int(cx - nw / 2), y1 + 20 + 16 * (i % 2 if slot < 70 else 0)),
                    FONT, 0.45, (30, 30, 30), 1, cv2.LINE_AA)
        running += value
        points.append((int(cx), y1 - round((y1 - y0) * running / total)))
    if cumulative:
        for pct in (0, 50, 80, 100):
            y = y1 - round((y1 - y0) * pct / 100)
            cv2.putText(img, f"{pct}%", (x1 + 6, y + 4), FONT, 0.4, LINE, 1, cv2.LINE_AA)
        cv2.polylines(img, [np.array(points, np.int32)], False, LINE, 2, cv2.LINE_AA)
        for p in points:
            cv2.circle(img, p, 4, LINE, -1, cv2.LINE_AA)
    return img


def _nice_step(top: int) -> int:
    """A tick step of 1, 2 or 5 x 10^k giving about five ticks."""
    raw = max(top / 5, 1)
    k = 10 ** int(np.floor(np.log10(raw)))
    for m in (1, 2, 5, 10):
        if m * k >= raw:
            return int(m * k)
    return int(10 * k)


def write_png(path, image: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode the chart as PNG")
    with open(path, "wb") as f:
        f.write(buf.tobytes())

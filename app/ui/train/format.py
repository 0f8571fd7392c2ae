"""Model metrics as text, shared by the model list and the comparison (plain functions, no Qt)."""

from __future__ import annotations

from datetime import datetime

from app.core.statuses import CANCELED

STATUS_TEXT = {"completed": "finished", "early_stopped": "stopped early",
               CANCELED: "stopped by you"}


def num(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def escape_rate(m: dict) -> float | None:
    recall = m.get("detection_recall")
    return None if recall is None else 1.0 - recall


def class_names(row, project_names: dict[int, str] | None = None) -> dict[str, str]:
    """Class value (str) -> name, as the model was trained; current names as a fallback."""
    names = {str(k): str(v) for k, v in (project_names or {}).items()}
    names.update(row.metrics.get("classes", {}))
    return names


def per_class_iou(row, names: dict[str, str]) -> str:
    iou = row.metrics.get("iou", {})
    return " · ".join(f"{names.get(k, k)} {num(v)}" for k, v in iou.items()) or "–"


def date(row) -> str:
    try:
        return datetime.fromisoformat(row.created_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return row.created_at


def data_size(row) -> str:
    val = row.metrics.get("val_images")
    return f"{row.train_images} train" + (f" / {val} val" if val is not None else "")


def escapes(m: dict) -> str:
    if m.get("detection_recall") is None:
        return "–"
    return f"{m.get('escapes', 0)} ({pct(escape_rate(m))})"


def status(m: dict) -> str:
    text = STATUS_TEXT.get(m.get("status"), m.get("status") or "")
    if m.get("budget_minutes"):
        text += f" ({m['budget_minutes']:g} min budget)"
    best, done = m.get("best_epoch"), m.get("epochs_done")
    if best is not None and done is not None:
        text += f", best epoch {best + 1} of {done}"
    return text


def verdict(v) -> str:
    """A ModelVerdict in the models list: blank when useful, else what is wrong and what to do."""
    if v.useful is False:
        return f"Not useful yet: {v.reason}. Try: {v.suggestion}"
    return v.reason


def architecture(row) -> str:
    spec = row.config.get("spec", {})
    return (f"{spec.get('architecture', '?')} / {spec.get('encoder', '?')}, "
            f"tile {spec.get('tile_size', '?')}")


def compare_rows(a, b, names: dict[str, str]) -> list[tuple[str, str, str, float | None]]:
    """(metric, A, B, B - A or None) for a side-by-side table; higher is better except where
    noted by the caller (escapes, false rejects)."""
    ma, mb = a.metrics, b.metrics

    def numeric(label, fa, fb, fmt):
        d = None if fa is None or fb is None else fb - fa
        return (label, fmt(fa), fmt(fb), d)

    rows = [("Model", a.name, b.name, None),
            ("Architecture", architecture(a), architecture(b), None),
            ("Trained", date(a), date(b), None),
            ("Data", data_size(a), data_size(b), None),
            ("Status", status(ma), status(mb), None),
            numeric("mIoU", ma.get("miou"), mb.get("miou"), num)]
    values = list(dict.fromkeys([*ma.get("iou", {}), *mb.get("iou", {})]))
    for v in values:
        rows.append(numeric(f"IoU {names.get(v, v)}", ma.get("iou", {}).get(v),
                            mb.get("iou", {}).get(v), num))
    for v in values:
        rows.append(numeric(f"Dice {names.get(v, v)}", ma.get("dice", {}).get(v),
                            mb.get("dice", {}).get(v), num))
    rows += [numeric("Pixel precision", ma.get("pixel_precision"), mb.get("pixel_precision"), num),
             numeric("Pixel recall", ma.get("pixel_recall"), mb.get("pixel_recall"), num),
             numeric("Escape rate (lower is better)", escape_rate(ma), escape_rate(mb), pct),
             numeric("False-reject rate (lower is better)", ma.get("false_reject_rate"),
                     mb.get("false_reject_rate"), pct)]
    return rows

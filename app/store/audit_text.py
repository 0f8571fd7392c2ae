"""The audit trail read as sentences: "ana overrode part-07 REWORK -> OK: porosity within limit".

One writer per action kind (SENTENCES, keyed by the action names the store records); an action
this build does not know still reads, as "<author> <action> <entity> #id (detail)". No Qt.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from .rows import AuditRow


@dataclass(frozen=True)
class AuditNames:
    """What the sentences name things by: part names by image id, class names by value."""

    parts: Mapping[int, str] = field(default_factory=dict)
    classes: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, project) -> AuditNames:
        return cls(parts={r.id: part_name(r.rel_path) for r in project.images.list()},
                   classes={c.value: c.name for c in project.classes.list()})


def part_name(path: str) -> str:
    """'lot1/part-07.png' -> 'part-07' (the stem of the image file)."""
    return PurePath(str(path).replace("\\", "/")).stem or str(path)


STATUS_WORDS = {"labeled": "labeled", "in_progress": "in progress", "unlabeled": "unlabeled"}
RUN_STATUS_WORDS = {"running": "resumed", "done": "finished", "canceled": "stopped"}


def _plural(n, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _show(v) -> str:
    return v if isinstance(v, str) else json.dumps(v, default=str, separators=(",", ":"))


def _images(row: AuditRow, names: AuditNames) -> str:
    """The part(s) an image action touched: a name, a few names, or a count."""
    ids = row.detail.get("ids")
    if ids is None:
        ids = [row.entity_id] if row.entity_id is not None else []
    if not ids and "count" in row.detail:
        return _plural(row.detail["count"], "image")
    shown = [names.parts.get(i, f"image #{i}") for i in ids]
    if len(shown) <= 3:
        return ", ".join(shown) if shown else "images"
    return f"{', '.join(shown[:2])} and {len(shown) - 2} more parts"


def _class(value, names: AuditNames) -> str:
    return names.classes.get(value, f"class value {value}") if value is not None else "background"


def _run(row: AuditRow) -> str:
    name = row.detail.get("name")
    return f"inspection run #{row.entity_id}" + (f" ({name})" if name else "")


def _result_part(row: AuditRow, names: AuditNames) -> str:
    path = row.detail.get("image_path")
    return part_name(path) if path else f"result #{row.entity_id}"


def _reason(d: Mapping) -> str:
    reason = str(d.get("reason") or "").strip()
    return f": {reason}" if reason else ""


# -- one writer per action kind (the verb phrase after the author) ---------------------------
Sentence = Callable[[AuditRow, AuditNames], str]


def _class_delete(r: AuditRow, n: AuditNames) -> str:
    d = r.detail
    moved = ("" if d.get("reassign_to") is None
             else f", pixels moved to {_class(d['reassign_to'], n)}")
    changed = d.get("masks_changed")
    masks = "" if changed is None else f" ({_plural(changed, 'mask')} changed{moved})"
    return f"deleted class {d.get('name', '?')}{masks}"


def _image_split(r: AuditRow, n: AuditNames) -> str:
    if "split" in r.detail:
        split = r.detail["split"]
        return (f"took {_images(r, n)} out of every split" if split is None
                else f"put {_images(r, n)} in the {split} split")
    return f"split {_images(r, n)} into train / val / test"


def _image_import(r: AuditRow, n: AuditNames) -> str:
    masks = r.detail.get("masks")
    return f"imported {_images(r, n)}" + (f" ({_plural(masks, 'mask')})" if masks else "")


def _mask_revision(r: AuditRow, n: AuditNames) -> str:
    source = r.detail.get("source")
    how = {"edit": "edited", "import": "imported", "prelabel": "pre-labeled",
           "class-delete": "cleared a deleted class from"}.get(str(source), "saved")
    pixels = r.detail.get("defect_pixels")
    tail = "" if pixels is None else f" ({_plural(pixels, 'defect pixel')})"
    if r.detail.get("superseded") is not None:
        tail += f", kept over revision {r.detail['superseded']} saved concurrently"
    return f"{how} the mask of {_images(r, n)}{tail}"


def _run_status(r: AuditRow, n: AuditNames) -> str:
    status = r.detail.get("status")
    return f"{RUN_STATUS_WORDS.get(str(status), f'set to {status}')} {_run(r)}"


def _review_override(r: AuditRow, n: AuditNames) -> str:
    d = r.detail
    return f"overrode {_result_part(r, n)} {d.get('model_grade', '?')} -> {d.get('grade', '?')}" \
           + _reason(d)


def _review_confirm(r: AuditRow, n: AuditNames) -> str:
    return f"confirmed {_result_part(r, n)} {r.detail.get('grade', '?')}" + _reason(r.detail)


def _review_to_labeling(r: AuditRow, n: AuditNames) -> str:
    return f"sent {_result_part(r, n)} to labeling" + _reason(r.detail)


JOB_STATUS_WORDS = {"done": "finished", "failed": "failed", "canceled": "stopped"}


def _job_finish(r: AuditRow, n: AuditNames) -> str:
    d = r.detail
    status = str(d.get("status"))
    text = (f"saw {d.get('kind', 'a')} job #{r.entity_id} "
            f"{JOB_STATUS_WORDS.get(status, f'end as {status}')}")
    text += f" on worker {d['worker']}" if d.get("worker") else ""
    return text + (f": {d['error']}" if d.get("error") else "")


SENTENCES: dict[str, Sentence] = {
    "project.create": lambda r, n: "created the project",
    "setting.set": lambda r, n: f"set {r.detail.get('key', '?')} to {_show(r.detail.get('value'))}",
    "class.add": lambda r, n: f"added class {r.detail.get('name', '?')}",
    "class.update": lambda r, n: (
        f"changed class {r.detail.get('name', '?')}"
        + (f" (color {r.detail['color']})" if r.detail.get("color") else "")),
    "class.delete": _class_delete,
    "class.reorder": lambda r, n: (
        "put the classes in the order "
        + ", ".join(str(x) for x in r.detail.get("order", []))),
    "image.import": _image_import,
    "image.split": _image_split,
    "image.status": lambda r, n: (
        f"marked {_images(r, n)} "
        f"{STATUS_WORDS.get(str(r.detail.get('status')), r.detail.get('status'))}"),
    "image.good": lambda r, n: f"marked {_images(r, n)} "
                               + ("good (no defect)" if r.detail.get("is_good") else "not good"),
    "image.assign": lambda r, n: f"assigned {_images(r, n)} to "
                                 + (r.detail.get("assignee") or "nobody"),
    "root.add": lambda r, n: f"added storage root {r.detail.get('name', '?')}",
    "image.relink": lambda r, n: f"relinked {_images(r, n)}"
                                 + (f" to {r.detail['folder']}" if r.detail.get("folder") else ""),
    "mask.revision": _mask_revision,
    "model.register": lambda r, n: f"registered model {r.detail.get('name', f'#{r.entity_id}')}",
    "recipe.version": lambda r, n: (
        f"saved recipe {r.detail.get('name', '?')}"
        + (f" v{r.detail['version']}" if r.detail.get("version") else "")),
    "run.create": lambda r, n: f"created {_run(r)}",
    "run.status": _run_status,
    "run.plan": lambda r, n: f"planned {_plural(len(r.detail.get('images') or []), 'part')} "
                             f"for {_run(r)}",
    "run.error": lambda r, n: f"saw {_run(r)} stop on an error: {r.detail.get('error', '?')}",
    "review.confirm": _review_confirm,
    "review.override": _review_override,
    "review.to_labeling": _review_to_labeling,
    "job.enqueue": lambda r, n: f"queued {r.detail.get('kind', 'a')} job #{r.entity_id}",
    "job.cancel": lambda r, n: f"canceled {r.detail.get('kind', 'a')} job #{r.entity_id}",
    "job.finish": _job_finish,
}


def _fallback(r: AuditRow, n: AuditNames) -> str:
    subject = r.entity if r.entity_id is None else f"{r.entity} #{r.entity_id}"
    detail = ", ".join(f"{k}={_show(v)}" for k, v in r.detail.items())
    return f"{r.action} {subject}" + (f" ({detail})" if detail else "")


def sentence(row: AuditRow, names: AuditNames | None = None) -> str:
    """One audit row as a sentence that starts with its author."""
    names = names or AuditNames()
    write = SENTENCES.get(row.action, _fallback)
    try:
        text = write(row, names)
    except Exception:  # noqa: BLE001 - an odd detail from an old build still reads
        text = _fallback(row, names)
    return f"{row.author} {text}"

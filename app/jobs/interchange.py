"""Export a project as a dataset (PNG masks, COCO, labelme) and import one into a project.

    export_project(project, "/exports/tiles", "coco", ctx, copy_images=False)
    import_dataset(project, "/exports/tiles", "coco", ctx)

Formats and layouts: app.core.interchange. Images are referenced where they lie unless
``copy_images``; the index file is written last, so an interrupted export is not importable.

An import is all or nothing, like import_folder:
1. Check (no writes): the reader checks every path (refusing any that leads out of the dataset
   folder); each image the project does not hold yet is decoded and hashed, its size and sha256
   compared with what the dataset says, its mask decoded and checked. Any problem refuses the
   whole import with the list of problems.
2. Classes are matched by name; missing ones are created in the dataset's value order, so a new
   project gets the dataset's values whenever those are 1..n (and else the same classes).
3. Images and masks go in one transaction (app.store.import_repo); if that fails or a cancel
   arrives, it rolls back and the classes step 2 created are deleted again.
Images already in the project (same path) are left as they are, masks included, and listed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from app.core.discover import Candidate, Skipped
from app.core.imageio import decode_mask_png, encode_mask_png
from app.core.interchange import (
    ClassSpec,
    DatasetError,
    DatasetItem,
    ExportItem,
    ImageMeta,
    export_names,
    get_format,
)
from app.store.classes_repo import is_color
from app.store.errors import ReadOnlyError
from app.store.images_repo import SPLITS, STATUSES
from app.store.import_repo import ImportItem, ImportRepo
from app.store.rows import NewImage

from .classes_cleanup import NewClasses
from .context import JobContext
from .import_scan import check, scan

MAX_LISTED = 10  # problems spelled out in a refusal; the rest are counted


@dataclass
class ExportReport:
    out_dir: str
    format: str
    images: int = 0
    masks: int = 0  # images with a mask (labeled, empty or not)
    good: int = 0
    files: list[str] = field(default_factory=list)  # the index files written
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class DatasetImportReport:
    source: str
    format: str
    added: list[int] = field(default_factory=list)  # image ids
    already_present: list[str] = field(default_factory=list)  # paths relative to the project
    classes_created: list[str] = field(default_factory=list)
    masks: int = 0
    good: int = 0
    unlabeled: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def export_project(project, out_dir: str | Path, fmt: str, ctx: JobContext | None = None, *,
                   copy_images: bool = False, overwrite: bool = False) -> ExportReport:
    """Writes every image of `project` with its mask to `out_dir` in format `fmt`."""
    spec, ctx = get_format(fmt), ctx or JobContext()
    started = time.perf_counter()
    out = Path(out_dir).resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not overwrite)):
        raise DatasetError(f"{out} is not an empty folder; choose another or allow overwriting")
    report = ExportReport(str(out), spec.name)
    rows = project.images.list()
    paths = [project.images.abspath(r) for r in rows]
    missing = [p for p in paths if not p.is_file()]
    if missing and copy_images:
        raise DatasetError(f"{len(missing)} image file(s) are missing and cannot be copied, "
                           f"e.g. {missing[0]}")
    report.warnings += [f"image file missing (referenced anyway): {p}" for p in missing]
    classes = [ClassSpec(c.value, c.name, c.color) for c in project.classes.list()]
    _check_mask_values(project, {c.value for c in classes})
    out.mkdir(parents=True, exist_ok=True)
    writer = spec.writer(out, classes, copy_images)
    names = export_names([r.rel_path for r in rows], spec.reserved)
    for i, (row, path, name) in enumerate(zip(rows, paths, names, strict=True), start=1):
        ctx.check()
        mask = project.masks.load(row.id)
        writer.add(ExportItem(path, name, row.sha256, row.width, row.height, mask,
                              ImageMeta(row.is_good, row.split, row.status, row.source_class)))
        report.masks += mask is not None
        report.good += row.is_good
        ctx.progress(i, len(rows), f"Exporting {row.name}")
    ctx.check()
    report.files = [str(p) for p in writer.finish()]
    report.images = len(rows)
    report.seconds = time.perf_counter() - started
    return report


def _check_mask_values(project, values: set[int]) -> None:
    """Refuses masks holding values of no class (a revision restored after its class was
    deleted): no format could name them. Read from the revision summaries, nothing decoded."""
    stray = {i: sorted(set(vs) - values) for i, (_, vs) in project.masks.defect_summary().items()
             if set(vs) - values}
    if stray:
        image_id, vs = next(iter(sorted(stray.items())))
        raise DatasetError(
            f"{len(stray)} mask(s) hold pixel values that no defect class has, e.g. "
            f"{project.images.get(image_id).rel_path}: {vs}; assign them to a class first")


@dataclass(frozen=True)
class _Checked:
    item: DatasetItem
    image: NewImage
    mask_png: bytes | None  # dataset class values
    counts: dict[int, int]  # dataset class value -> pixels


def import_dataset(project, path: str | Path, fmt: str,
                   ctx: JobContext | None = None) -> DatasetImportReport:
    """Imports the dataset at `path`; raises DatasetError (nothing written) when it cannot."""
    spec, ctx = get_format(fmt), ctx or JobContext()
    if project.readonly:
        raise ReadOnlyError("the project is open read-only; open it for writing to import")
    started = time.perf_counter()
    ctx.progress(0, 0, "Reading the dataset")
    ds = spec.read(Path(path))
    report = DatasetImportReport(str(ds.root), spec.name, warnings=list(ds.warnings))
    todo, problems = _new_items(project, ds.items, report)
    fn = partial(_check, max_pixels=int(project.settings.get("max_image_pixels")),
                 values={c.value for c in ds.classes})
    checked: list[_Checked] = []
    for i, result in enumerate(scan(todo, fn, ctx), start=1):  # type: ignore[arg-type]  # the checker returns the _Checked subtype of Checked
        if isinstance(result, str):
            problems.append(result)
        else:
            checked.append(result)  # type: ignore[arg-type]  # the checker returns the _Checked subtype of Checked
        ctx.progress(i, len(todo), "Checking images and masks")
    if problems:
        raise DatasetError(_refusal(problems))
    ctx.check()

    # a colour the store cannot keep (not #rrggbb) falls back to the palette
    new = NewClasses(project, [(c.name, c.color if is_color(c.color) else None)
                               for c in sorted(ds.classes, key=lambda c: c.value)])
    lut = {c.value: new.value_of(c.name) for c in ds.classes}
    items = [_to_import(c, lut) for c in checked]
    ctx.progress(0, 0, f"Writing {len(items)} images to the project")
    written = ImportRepo(project.db, project.images).write(
        items, before_commit=ctx.check, before_insert=new.creator())
    created = new.names
    _set_splits(project, written.added, checked)
    report.added = written.added
    report.already_present += written.already_present
    report.classes_created = created
    report.masks = sum(c.mask_png is not None for c in checked)
    report.good = sum(c.image.is_good for c in checked)
    report.unlabeled = sum(it.status == "unlabeled" for it in items)
    report.seconds = time.perf_counter() - started
    ctx.progress(len(items), len(items), f"Imported {len(report.added)} images")
    return report


def _new_items(project, items: list[DatasetItem], report: DatasetImportReport):
    """The items whose image is not in the project yet, and problems (an image listed twice)."""
    known = {row.rel_path for row in project.images.list()}
    seen: dict[str, str] = {}
    todo, problems = [], []
    for it in items:
        rel = project.images.rel(it.image)
        if rel in seen:
            problems.append(f"{it.where}: the image {it.image.name} is already listed at "
                            f"{seen[rel]}")
        elif rel in known:
            report.already_present.append(rel)
        else:
            todo.append(it)
        seen.setdefault(rel, it.where)
    return todo, problems


def _check(item: DatasetItem, *, max_pixels: int, values: set[int]) -> _Checked | str:
    """Phase 1 for one item: the checked image and its mask, or the problem in words."""
    where = item.where
    for key, value, allowed in (("split", item.meta.split, SPLITS),
                                ("status", item.meta.status, STATUSES)):
        if value is not None and value not in allowed:
            return f"{where}: {key} {value!r} is not one of {', '.join(allowed)}"
    found = check(Candidate(item.image, None, item.meta.source_class, item.meta.good),
                  max_pixels=max_pixels, default_class="defect")
    if isinstance(found, Skipped):
        return f"{where}: image {item.image}: {found.reason}"
    image = found.image
    size = (image.height, image.width)
    if item.size is not None and tuple(item.size) != size:
        return (f"{where}: the dataset says {item.size[1]} x {item.size[0]} but the image "
                f"{item.image.name} is {image.width} x {image.height}")
    if item.sha256 is not None and item.sha256 != image.sha256:
        return (f"{where}: the image {item.image.name} changed since the dataset was written "
                "(its sha256 differs), so its mask may no longer fit")
    try:
        mask = item.mask(size)
    except DatasetError as e:
        return str(e)
    if mask is None:
        return _Checked(item, image, None, {})
    counts = np.bincount(mask.ravel(), minlength=256)
    present = {int(v): int(counts[v]) for v in np.flatnonzero(counts[1:]) + 1}
    unknown = sorted(set(present) - values)
    if unknown:
        return f"{where}: the mask has pixel value(s) {unknown} that no class of the dataset has"
    return _Checked(item, image, encode_mask_png(mask), present)


def _refusal(problems: list[str]) -> str:
    lines = [f"nothing was imported: {len(problems)} problem(s)"]
    lines += [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)


def _to_import(c: _Checked, lut: dict[int, int]) -> ImportItem:
    status = c.item.meta.status or (
        "labeled" if c.mask_png is not None or c.image.is_good else "unlabeled")
    png = c.mask_png
    if png is not None and any(lut[v] != v for v in c.counts):
        table = np.arange(256, dtype=np.uint8)
        for src, dst in lut.items():
            table[src] = dst
        png = encode_mask_png(table[decode_mask_png(png)])
    by_value: Counter[int] = Counter()
    for v, n in c.counts.items():
        by_value[lut[v]] += n
    return ImportItem(c.image, status, png, sum(by_value.values()), tuple(sorted(by_value)))


def _set_splits(project, added: list[int], checked: list[_Checked]) -> None:
    split_of = {project.images.rel(c.item.image): c.item.meta.split for c in checked}
    new = set(added)
    assignment = {row.id: split_of[row.rel_path] for row in project.images.list()
                  if row.id in new and split_of.get(row.rel_path)}
    if assignment:
        project.images.set_splits(assignment)

"""Import a folder of images (and the masks beside them) into a project, all or nothing.

    report = import_folder(project, "/data/magnetic-tile",
                           ImportOptions(class_pattern=r"MT_(\\w+)"), ctx)

Images are referenced, not copied. Pairing and folder classes: app.core.discover; how a mask
file becomes classes: app.core.mask_files.

1. Scan (cancellable, no writes): decode every new image, read its mask, note each problem.
   Unreadable, truncated, empty, unsupported and oversized files (over the project setting
   "max_image_pixels", checked from the header before decoding) are skipped with a reason, as
   are masks of the wrong size.
2. Classes: the values of the classes the masks name (new ones: the values they will get).
3. Write: the masks get their class values, then the new classes, images and first revisions
   (source "import") go in one transaction. If anything fails, a cancel arrives or the process
   is killed before the commit, it all rolls back: no class is left and no class value used.
Memory: pixels are decoded one image per scan thread; what the import holds until the commit
is each mask as PNG (a sparse 50 MP mask is tens of KB), never the decoded masks.

What an imported image becomes:
- a mask with defect pixels: status "labeled";
- folder names a good part (``Free``, ``good``, ``ok``): ``is_good``, "labeled", an empty mask
  (skipped if its mask has defect pixels: the folder and the mask disagree);
- an empty mask and no folder class: a good part as well;
- an empty mask in a defect class's folder: stored, "in_progress", listed in ``to_review``;
- no mask: "unlabeled".
Paths already in the project are not imported again ("already in project").
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from app.core.discover import DEFAULT_GOOD_NAMES, MASK_SUFFIXES, Skipped, discover
from app.core.imageio import decode_mask_png, encode_mask_png
from app.store.errors import ReadOnlyError
from app.store.import_repo import ImportItem, ImportRepo

from .classes_cleanup import NewClasses
from .context import JobContext
from .import_scan import Checked, check, scan


@dataclass(frozen=True)
class ImportOptions:
    masks_dir: str | Path | None = None
    class_pattern: str | None = None  # regex over folder names; group 1 names the class
    good_names: tuple[str, ...] = DEFAULT_GOOD_NAMES
    mask_suffixes: tuple[str, ...] = MASK_SUFFIXES
    default_class: str = "defect"  # binary masks with no folder class
    workers: int = 0  # scanning threads; 0: a few, by CPU count


@dataclass
class ImportReport:
    folder: str
    added: list[int] = field(default_factory=list)  # image ids
    skipped: list[Skipped] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)  # paths relative to the project
    classes_created: list[str] = field(default_factory=list)
    per_class: dict[str, int] = field(default_factory=dict)  # class -> images with its pixels
    good: int = 0
    unlabeled: int = 0
    to_review: list[str] = field(default_factory=list)  # empty mask in a defect folder
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def import_folder(project, folder: str | Path, options: ImportOptions | None = None,
                  ctx: JobContext | None = None) -> ImportReport:
    """Imports `folder` recursively; raises Canceled (nothing written) when ctx is canceled."""
    if isinstance(options, JobContext):
        raise TypeError("import_folder(project, folder, options, ctx): pass the context as ctx=")
    options, ctx = options or ImportOptions(), ctx or JobContext()
    if project.readonly:
        raise ReadOnlyError("the project is open read-only; open it for writing to import")
    started = time.perf_counter()
    report = ImportReport(str(Path(folder).resolve()))
    checked = _scan(project, folder, options, ctx, report)
    plan = [p for p in (_decide(c, report) for c in checked) if p is not None]
    ctx.check()
    _write(project, plan, ctx, report)
    report.skipped.sort(key=lambda s: str(s.path))
    report.seconds = time.perf_counter() - started
    ctx.progress(len(plan), len(plan), f"Imported {len(report.added)} images")
    return report


def _scan(project, folder, options: ImportOptions, ctx: JobContext,
          report: ImportReport) -> list[Checked]:
    """Phase 1: find, decode and check the files that are not in the project yet."""
    ctx.progress(0, 0, "Looking for images")
    found = discover(folder, options.masks_dir, options.class_pattern, options.good_names,
                     options.mask_suffixes)
    report.skipped += found.skipped
    known = {row.rel_path for row in project.images.list()}
    todo = []
    for c in found.candidates:
        rel = project.images.rel(c.image)
        if rel in known:
            report.already_present.append(rel)
        else:
            todo.append(c)
    fn = partial(check, max_pixels=int(project.settings.get("max_image_pixels")),
                 default_class=options.default_class)
    checked = []
    for i, result in enumerate(scan(todo, fn, ctx, options.workers), start=1):
        if isinstance(result, Skipped):
            report.skipped.append(result)
            name = result.path.name
        else:
            checked.append(result)
            name = Path(result.image.path).name
        ctx.progress(i, len(todo), f"Checking {name}")
    return checked


def _write(project, plan, ctx: JobContext, report: ImportReport) -> None:
    """Phases 2 and 3: masks in class values, then classes and images in one transaction."""
    new = NewClasses(project, [(n, None) for n in
                               sorted({n for c, _ in plan for n in c.names.values()})])
    values = {n: new.value_of(n) for n in sorted({n for c, _ in plan for n in c.names.values()})}
    items = _finish_masks(plan, values, ctx)
    ctx.progress(0, 0, f"Writing {len(items)} images to the project")
    written = ImportRepo(project.db, project.images).write(
        items, before_commit=ctx.check, before_insert=new.creator())
    report.added = written.added
    report.already_present += written.already_present
    report.classes_created = new.names
    _count(report, items, values, set(written.already_present), project.images.rel)


def _decide(c: Checked, report: ImportReport) -> tuple[Checked, str] | None:
    """(checked, status) or None when the folder and the mask disagree (then skipped)."""
    name = Path(c.image.path).name
    if c.ignored_shapes:
        report.warnings.append(f"{name}: {c.ignored_shapes} labelme shape(s) without an area "
                               "(line, point) were not drawn")
    if c.candidate.is_good:
        if c.defect_pixels:
            report.skipped.append(Skipped(c.candidate.image, (
                f"its folder marks a good part but its mask has {c.defect_pixels} defect "
                "pixels")))
            return None
        return c, "labeled"
    if c.defect_pixels:
        return c, "labeled"
    if c.mask_png is None:
        return c, "unlabeled"
    if c.candidate.folder_class:
        report.to_review.append(c.image.path)
        return c, "in_progress"
    return _as_good(c), "labeled"


def _as_good(c: Checked) -> Checked:
    return replace(c, image=replace(c.image, is_good=True))


def _finish_masks(plan, values: dict[str, int], ctx: JobContext) -> list[ImportItem]:
    """Local labels -> class values, re-encoded only where they differ; empty masks for goods."""
    empty: dict[tuple[int, int], bytes] = {}
    items = []
    for i, (c, status) in enumerate(plan, start=1):
        ctx.check()
        ctx.progress(i, len(plan), "Saving masks")
        lut = {v: values[n] for v, n in c.names.items()}
        png = c.mask_png
        if png is None and c.image.is_good:
            size = (c.image.height, c.image.width)
            png = empty.get(size) or empty.setdefault(
                size, encode_mask_png(np.zeros(size, np.uint8)))
        elif png is not None and any(k != v for k, v in lut.items()):
            table = np.arange(256, dtype=np.uint8)
            for k, v in lut.items():
                table[k] = v
            png = encode_mask_png(table[decode_mask_png(png)])
        by_value: Counter[int] = Counter()
        for k, v in lut.items():
            by_value[v] += c.counts[k]
        items.append(ImportItem(c.image, status, png, sum(by_value.values()),
                                tuple(sorted(by_value))))
    return items


def _count(report: ImportReport, items: list[ImportItem], values: dict[str, int],
           present: set[str], rel) -> None:
    names = {v: n for n, v in values.items()}
    per_class: Counter[str] = Counter()
    for it in items:
        if present and rel(it.image.path) in present:  # added meanwhile by someone else
            continue
        per_class.update(names[v] for v in it.class_values)
        report.good += it.image.is_good
        report.unlabeled += it.status == "unlabeled"
    report.per_class = dict(sorted(per_class.items()))

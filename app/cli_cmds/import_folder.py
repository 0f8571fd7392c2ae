"""``defect-studio import PROJECT FOLDER``: headless import with a progress bar and a summary.

Exit status: 0 done (skipped files are listed, not fatal), 1 error (nothing imported),
130 interrupted with Ctrl-C (nothing imported).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from .command import Command, CommandError, add_project_arg

EPILOG = """\
masks are found beside each image (x.jpg + x.png, x.png + x_mask.png, x.jpg + x.json from
labelme) or, with --masks, at the same relative path or stem in DIR. A mask pixel >= 128 is
defect; masks with values below 128 only are class indices. With --class-from-folder, the
first folder name (nearest first) that fully matches PATTERN names the class of the image's
defect pixels, e.g. 'MT_(\\w+)'; classes named like --good-folder are good parts.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import", help="import a folder of images and their masks into a project",
        description="Import every image under FOLDER (recursively) into PROJECT.\n"
                    "Images are referenced, not copied; masks become their first revision.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_project_arg(p)
    p.add_argument("folder", type=Path, metavar="FOLDER", help="folder of images")
    p.add_argument("--masks", type=Path, metavar="DIR", help="separate folder of masks")
    p.add_argument("--class-from-folder", type=_regex, metavar="PATTERN",
                   help="regex over folder names; group 1 (or the whole match) is the class")
    p.add_argument("--good-folder", action="append", metavar="NAME",
                   help="class/folder name meaning good part (repeatable; default: Free, good, "
                        "ok)")
    p.add_argument("--mask-suffix", action="append", metavar="SUFFIX",
                   help="mask file name suffix (repeatable; default: _mask, _label, _gt)")
    p.add_argument("--default-class", default="defect", metavar="NAME",
                   help="class of binary-mask pixels without a folder class (default: defect)")
    p.add_argument("--create", action="store_true", help="create PROJECT if it does not exist")
    return p


def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"not a valid regular expression: {e}") from None
    return text


def run(args: argparse.Namespace) -> int:
    from app.jobs.importing import ImportOptions, import_folder

    _quiet_opencv()

    with Command("import", interrupted="Interrupted: nothing was imported.",
                 crashed=lambda e: f"import failed, nothing was imported: {e}") as cmd:
        if not args.folder.is_dir():
            raise CommandError(f"{args.folder} is not a folder")
        if args.masks is not None and not args.masks.is_dir():
            raise CommandError(f"masks folder {args.masks} is not a folder")
        defaults = ImportOptions()
        options = ImportOptions(
            masks_dir=args.masks, class_pattern=args.class_from_folder,
            good_names=tuple(args.good_folder or defaults.good_names),
            mask_suffixes=tuple(args.mask_suffix or defaults.mask_suffixes),
            default_class=args.default_class)
        project = cmd.open(args.project, create=args.create)
        report = import_folder(project, args.folder, options, cmd.job())
        cmd.end_progress()
        print("\n".join(summary(report)))
        return 0
    return cmd.status


def _quiet_opencv() -> None:
    # Our summary says why a file was skipped; OpenCV's own warnings would break the bar.
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def summary(report) -> list[str]:
    """Human-readable lines describing an ImportReport."""
    root = Path(report.folder)
    n = len(report.added)
    rate = f", {n / report.seconds:.0f} images/s" if report.seconds > 0 and n else ""
    lines = [f"Imported {n} image(s) from {root} in {report.seconds:.1f} s{rate}"]
    if report.per_class:
        labeled = ", ".join(f"{k} {v}" for k, v in report.per_class.items())
        lines.append(f"  with defects, by class: {labeled}")
    lines.append(f"  good parts: {report.good}   unlabeled: {report.unlabeled}")
    if report.classes_created:
        lines.append(f"  new classes: {', '.join(report.classes_created)}")
    if report.already_present:
        lines.append(f"Already in project: {len(report.already_present)} image(s), not added again")
    if report.to_review:
        lines.append(f"To review ({len(report.to_review)}): the mask is empty but the folder "
                     "names a defect class")
        lines += [f"  {_rel(p, root)}" for p in report.to_review]
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines += [f"  {_rel(s.path, root)}: {s.reason}" for s in report.skipped]
    if report.warnings:
        lines.append("Warnings:")
        lines += [f"  {w}" for w in report.warnings]
    return lines


def _rel(path, root: Path) -> str:
    from app.core.discover import printable

    try:
        return printable(Path(path).relative_to(root).as_posix())
    except ValueError:
        return printable(str(path))

"""``defect-studio export PROJECT OUT --format png|coco|labelme``: write a dataset.

Exit status: 0 done, 1 error, 130 interrupted with Ctrl-C (OUT then holds no index file, so it
is not importable; delete it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, add_project_arg

FORMATS = ("png", "coco", "labelme")  # app.core.interchange.FORMATS, kept light for --help

EPILOG = """\
formats:
  png      OUT/masks/<image>.png label masks (pixel = class value), classes.json, manifest.json
  coco     OUT/annotations.json, one RLE annotation per defect (connected component)
  labelme  OUT/<image>.json per image, polygons (holes as _background_ shapes)
Images are referenced where they are (absolute paths) unless --copy-images copies them into
OUT, which makes OUT self-contained. Import it back with `defect-studio import-dataset`.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export", help="export a project's images and masks as PNG masks, COCO or labelme",
        description="Write every image of PROJECT with its mask to the folder OUT.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_project_arg(p)
    p.add_argument("out", type=Path, help="output folder (created; must be empty)")
    p.add_argument("--format", required=True, choices=FORMATS, help="dataset format")
    p.add_argument("--copy-images", action="store_true",
                   help="copy the images into OUT instead of referencing them")
    p.add_argument("--overwrite", action="store_true", help="write into a non-empty OUT")
    return p


def run(args: argparse.Namespace) -> int:
    from app.core.interchange import DatasetError
    from app.jobs.interchange import export_project

    with Command("export", errors=(DatasetError, OSError),
                 interrupted="Interrupted: the export is incomplete (no index file).") as cmd:
        # an export never writes the project
        project = cmd.open(args.project, readonly=True, prefix=f"cannot open {args.project}: ")
        report = export_project(project, args.out, args.format, cmd.job(),
                                copy_images=args.copy_images, overwrite=args.overwrite)
        cmd.end_progress()
        print(f"Exported {report.images} image(s) ({report.masks} with a mask, "
              f"{report.good} good) as {report.format} to {report.out_dir} in "
              f"{report.seconds:.1f} s")
        for w in report.warnings:
            print(f"  warning: {w}")
        return 0
    return cmd.status

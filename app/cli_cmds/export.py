"""``defect-studio export PROJECT OUT --format png|coco|labelme``: write a dataset.

Exit status: 0 done, 1 error, 130 interrupted with Ctrl-C (OUT then holds no index file, so it
is not importable; delete it).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

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
    p.add_argument("project", type=Path, help="project file (.dsproj)")
    p.add_argument("out", type=Path, help="output folder (created; must be empty)")
    p.add_argument("--format", required=True, choices=FORMATS, help="dataset format")
    p.add_argument("--copy-images", action="store_true",
                   help="copy the images into OUT instead of referencing them")
    p.add_argument("--overwrite", action="store_true", help="write into a non-empty OUT")
    return p


def run(args: argparse.Namespace) -> int:
    from app.core.interchange import DatasetError
    from app.jobs.context import Canceled, JobContext
    from app.jobs.interchange import export_project
    from app.store import Project, ProjectError

    from .progress import TextProgress, cancel_on_ctrl_c

    try:
        project = Project.open(args.project, readonly=True)  # an export never writes it
    except (ProjectError, OSError) as e:
        return fail(f"cannot open {args.project}: {e}")
    bar = TextProgress()
    ctx = JobContext(progress_fn=bar, log_fn=lambda m: print(m, file=sys.stderr))
    previous = cancel_on_ctrl_c(ctx)
    try:
        report = export_project(project, args.out, args.format, ctx,
                                copy_images=args.copy_images, overwrite=args.overwrite)
    except Canceled:
        bar.close()
        print("Interrupted: the export is incomplete (no index file).", file=sys.stderr)
        return 130
    except (DatasetError, OSError) as e:
        bar.close()
        return fail(str(e))
    finally:
        signal.signal(signal.SIGINT, previous)
        project.close()
    bar.close()
    print(f"Exported {report.images} image(s) ({report.masks} with a mask, {report.good} good) "
          f"as {report.format} to {report.out_dir} in {report.seconds:.1f} s")
    for w in report.warnings:
        print(f"  warning: {w}")
    return 0



def fail(message: str, command: str = "export") -> int:
    print(f"defect-studio {command}: error: {message}", file=sys.stderr)
    return 1

"""``defect-studio deploy`` and ``defect-studio deploy-verify``: deployment packages.

    defect-studio deploy PROJECT --model ID --recipe NAME[@V] --out DIR|PACKAGE.zip
    defect-studio deploy-verify PACKAGE IMAGES...

deploy writes the model as ONNX with its recipe, calibration and preprocessing in deploy.json
(app.jobs.deploy); a good-parts-only model as its encoder in ONNX, its memory and runner.py, a
pixel classifier as its weights and runner.py. deploy-verify opens a package (refusing unsafe
paths), grades the images as the line would (onnxruntime, runner.py) and as the app does (the
package's checkpoint), and compares.
Both use onnx and onnxruntime (dependencies of the app).

Exit status: deploy 0 written, 1 error. deploy-verify 0 every grade equal, 1 error,
3 some grades differ. 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least

GRADES_DIFFER = 3


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "deploy", help="write a deployment package: ONNX model + recipe + preprocessing",
        description="Export model ID of PROJECT to ONNX and write it with recipe NAME[@V], the "
                    "calibration and the preprocessing into a folder or a .zip.")
    add_project_arg(p)
    p.add_argument("--model", type=int_at_least(1), required=True, metavar="ID", help="model id")
    p.add_argument("--recipe", required=True, metavar="NAME[@V]",
                   help="recipe name (latest version) or NAME@VERSION")
    p.add_argument("--out", type=Path, required=True, metavar="DIR|ZIP",
                   help="a new or empty folder, or a .zip file")

    v = subparsers.add_parser(
        "deploy-verify", help="check a deployment package grades like the app",
        description="Grade IMAGES as the line would with the package (its ONNX model in "
                    "onnxruntime; runner.py for a good-parts-only model or a pixel "
                    "classifier) and as the app does with its checkpoint; report each grade "
                    "and the largest probability difference.")
    v.add_argument("package", type=Path, metavar="PACKAGE", help="package folder or .zip")
    v.add_argument("images", nargs="+", metavar="IMAGES", help="image files and folders")
    v.add_argument("--threads", type=int_at_least(1), metavar="N",
                   help="CPU threads (torch, onnxruntime)")
    v.set_defaults(run=run_verify)
    return p


def run(args: argparse.Namespace) -> int:
    from app.jobs.deploy import PackageError, deploy
    from app.jobs.deploy_kinds import package_kind
    from app.ml.onnx_export import OnnxUnavailable

    with Command("deploy", errors=(PackageError, OnnxUnavailable, ValueError, OSError),
                 crashed="export failed", interrupted="Interrupted: no package written.") as cmd:
        project = cmd.open(args.project, readonly=True)
        result = deploy(project, args.model, args.recipe, args.out, cmd.job())
        cmd.end_progress()
        m = result.manifest
        print(f"Package written: {result.path}")
        print(f"  model {m['model']['id']} ({m['model']['name']}), recipe "
              f"{m['recipe']['ref']}, {len(m['classes'])} class(es), "
              f"{package_kind(m).summary(m)}")
        return 0
    return cmd.status


def run_verify(args: argparse.Namespace) -> int:
    from app.jobs.deploy import PackageError, verify_package
    from app.ml.onnx_export import OnnxUnavailable

    with Command("deploy-verify", errors=(PackageError, OnnxUnavailable, ValueError, OSError),
                 crashed="verification failed") as cmd:
        ctx = cmd.job()
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        report = verify_package(args.package, args.images, ctx, threads=args.threads)
        cmd.end_progress()
        ref, pkg = report.sides
        for p in report.parts:
            if p.error is not None:
                print(f"  skipped  {p.file}: {p.error}")
            else:
                mark = "same" if p.equal else "DIFFERS"
                print(f"  {mark:<8} {p.file}: {ref} {p.torch_grade}, {pkg} {p.onnx_grade}, "
                      f"max |dp| {p.max_abs_diff:.4f}")
        if not report.checked:
            raise CommandError("no image could be compared")
        differ = f"{len(report.mismatches)} grade(s) differ"
        print(f"{len(report.checked)} image(s) compared: "
              f"{'every grade equal' if report.ok else differ}; "
              f"max abs probability difference {report.max_abs_diff:.4f}")
        return 0 if report.ok else GRADES_DIFFER
    return cmd.status

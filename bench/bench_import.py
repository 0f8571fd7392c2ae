"""Import throughput on the shared magnetic-tile set, into a fresh temporary project per run.

    .venv/bin/python bench/bench_import.py [--repeat 3] [--workers 0] [--folder PATH]

Prints images/s for each run and the median. One run = discover, decode and hash every image,
read every mask, encode, and commit (1107 small 8-bit gray JPEGs with PNG masks). Skips with
a message when the data set is absent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.jobs.importing import ImportOptions, import_folder
from app.store import Project

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "magnetic-tile"


def one_run(folder: Path, workers: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "bench.dsproj") as project:
            start = time.perf_counter()
            report = import_folder(project, folder,
                                   ImportOptions(class_pattern=r"MT_(\w+)", workers=workers))
            return len(report.added), time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="scan threads (0: automatic)")
    ap.add_argument("--folder", type=Path, default=DATASET)
    args = ap.parse_args()
    if not args.folder.is_dir():
        print(f"skipped: {args.folder} is not present")
        return 0
    rates = []
    for i in range(args.repeat):
        n, seconds = one_run(args.folder, args.workers)
        rates.append(n / seconds)
        print(f"run {i + 1}: {n} images in {seconds:.2f} s = {n / seconds:.0f} images/s")
    print(f"median: {statistics.median(rates):.0f} images/s "
          f"(workers={args.workers or 'auto'}, {args.folder.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

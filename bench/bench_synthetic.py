"""The gain of synthetic defects when defects are rare: magnetic-tile, 10 labeled parts per class.

    PYTHONPATH=. .venv/bin/python bench/bench_synthetic.py                  # 15 min budget each
    PYTHONPATH=. .venv/bin/python bench/bench_synthetic.py --minutes 5 --out /tmp/synth

Two runs of bench/bench_quality.py side by side, one thread each (so both see the same load on
a shared CPU), that differ only in TrainConfig.synthetic ("off" and "on"): the same import, the
same held-out test split (stratified, seed 1234, never trained on), the same N labeled parts
per defect class (--per-class-limit, drawn with --seed), the same good parts, the app's default
CPU model and the same time budget spent by the Trainer itself (TrainConfig.minutes). Each
run's log and JSON go to --out; then one table, side by side: binary defect IoU, per-class IoU,
and part-level escapes (defective test parts not flagged) and false rejects, both at "any
predicted defect pixel" and at "a predicted component of >= 20 px". The test split of both runs
is checked to be the same image ids. Skips, with a message, when the dataset is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASET = HERE.parents[1] / "shared" / "datasets" / "magnetic-tile"  # as bench_quality.py
MODES = ("off", "on")


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def run_both(args, out: Path) -> dict[str, dict]:
    common = [sys.executable, str(HERE / "bench_quality.py"), "--dataset", str(args.dataset),
              "--candidate", "default", "--minutes", f"{args.minutes:g}", "--trainer-budget",
              "--crops", str(args.crops), "--per-class-limit", str(args.per_class_limit),
              "--max-train", str(args.max_train), "--threads", "1", "--seed", str(args.seed)]
    procs = {}
    for mode in MODES:
        cmd = common + ["--synthetic", mode, "--json", str(out / f"{mode}.json"),
                        "--workdir", str(out / f"project-{mode}")]
        log = open(out / f"{mode}.log", "w")  # noqa: SIM115  # closed below, after the run
        procs[mode] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log)
    loads = [load_average()]
    while any(p.poll() is None for p, _ in procs.values()):
        time.sleep(30)
        loads.append(load_average())
    results = {}
    for mode, (p, log) in procs.items():
        log.close()
        if p.returncode != 0:
            raise SystemExit(f"the {mode} run failed (exit {p.returncode}): see {out / mode}.log")
        results[mode] = json.loads((out / f"{mode}.json").read_text())
    print(f"load average (1 min) every 30 s: {', '.join(loads)}")
    return results


def synthetic_line(log: Path) -> str:
    for line in log.read_text().splitlines():
        if line.startswith("Synthetic defects"):
            return line
    return "no synthetic defects added"


def table(results: dict[str, dict]) -> str:
    names = results["off"]["class_names"]
    values = list(results["off"]["test"]["iou"])
    head = ["synthetic", "epochs (crops) in budget", "binary defect IoU",
            f"per-class IoU ({', '.join(names.get(v, v) for v in values)})", "mIoU",
            "pixel precision / recall", "escapes / false rejects (any defect px)",
            "escapes / false rejects (>= 20 px component)"]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for mode, r in results.items():
        t, m = r["test"], r["train"]
        defective = t["parts"] - t["good_parts"]
        comp, any_px = t["by_component"], t["sweep"]["1"]
        iou = ", ".join(_num(t["iou"][v]) for v in values)
        rows.append("| " + " | ".join([
            mode, f"{m['epochs_done']} ({m.get('crops_trained', 0):,})", _num(t["binary_iou"]),
            iou, _num(t["miou"]), f"{_num(t['pixel_precision'])} / {_num(t['pixel_recall'])}",
            f"{any_px['escapes']} of {defective} / {any_px['false_rejects']} of {t['good_parts']}",
            f"{comp['escapes']} of {defective} / {comp['false_rejects']} of {t['good_parts']}",
            ]) + " |")
    return "\n".join(rows)


def _num(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--minutes", type=float, default=15.0, help="training budget of each run")
    p.add_argument("--per-class-limit", type=int, default=10,
                   help="labeled parts per defect class (train + validation)")
    p.add_argument("--max-train", type=int, default=0,
                   help="train/validate on at most this many parts, good ones set aside (0: all)")
    p.add_argument("--crops", type=int, default=1, help="crops per part per epoch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, help="logs, JSON and projects (default: a temp dir)")
    p.add_argument("--report", type=Path, metavar="OUT",
                   help="train nothing: print the report of the runs already in OUT")
    args = p.parse_args()
    if args.report:
        results = {m: json.loads((args.report / f"{m}.json").read_text()) for m in MODES}
        report(results, args.report)
        return 0
    if not (args.dataset / "README.md").is_file():
        print(f"bench_synthetic: skipped: no dataset at {args.dataset}")
        return 0
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-synthetic-"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%H:%M:%S UTC", time.gmtime())
    print(f"started {started}, load average {load_average()}; logs in {out}", flush=True)
    results = run_both(args, out)
    print(f"finished {time.strftime('%H:%M:%S UTC', time.gmtime())}, load average "
          f"{load_average()}")
    report(results, out)
    return 0


def report(results: dict[str, dict], out: Path) -> None:
    if results["off"]["test_ids"] != results["on"]["test_ids"]:
        raise SystemExit("the two runs held out different test images: not comparable")
    t = results["off"]["test"]
    print(f"held-out test split: {t['parts']} parts ({t['parts'] - t['good_parts']} defective, "
          f"{t['good_parts']} good), the same ids in both runs")
    for mode in MODES:
        m = results[mode]["train"]
        print(f"{mode}: {m['train_images']} train / {m['val_images']} val parts "
              f"({m['good_train_images']} good), best epoch {m['best_epoch'] + 1} of "
              f"{m['epochs_done']}, {m['run_seconds'] / 60:.1f} min; "
              f"{synthetic_line(out / f'{mode}.log')}")
    print()
    print(table(results))


if __name__ == "__main__":
    raise SystemExit(main())

"""Counts of an inspection run's stored parts: by model grade, errors, flagged."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunCounts:
    """Parts of a run by model grade; errors and flagged parts."""

    total: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    flagged: int = 0


def run_counts(project, run_id: int) -> RunCounts:
    counts = RunCounts()
    for r in project.runs.results(run_id):
        counts.total += 1
        if r.error is not None:
            counts.errors += 1
        else:
            counts.by_grade[r.grade] = counts.by_grade.get(r.grade, 0) + 1
        counts.flagged += bool(r.flagged)
    return counts

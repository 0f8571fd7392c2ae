"""Inspection runs, their per-part results, and the review decisions taken on them.

Results are unique per (run, image path), so a resumed run skips parts already done. Decisions
are append-only: the latest one per result is current, and every one is in the audit trail.
"""

from __future__ import annotations

import builtins
import json

from sqlalchemy import func, select

from app.core.inspection_record import InspectionRecord

from .audit_repo import record
from .database import Database, author_of, utcnow
from .rows import DecisionRow, ResultRow, RunRow
from .schema import InspectionResult, InspectionRun, ReviewDecision

DECISIONS = ("confirm", "override", "to_labeling")


def _run(r: InspectionRun) -> RunRow:
    return RunRow(r.id, r.name, r.model_id, r.recipe_id, r.status, r.created_at, r.author)


def _decision(d: ReviewDecision) -> DecisionRow:
    return DecisionRow(d.id, d.result_id, d.decision, d.grade, d.reason, d.seconds, d.author,
                       d.created_at)


def _result(r: InspectionResult, decision: ReviewDecision | None) -> ResultRow:
    rec = InspectionRecord.from_dict({
        "version": r.record_version, "sha256": r.sha256, "grade": r.grade,
        "reasons": json.loads(r.reasons), "components": json.loads(r.components),
        "risk": r.risk, "flagged": r.flagged, "error": r.error})
    return ResultRow(r.id, r.run_id, r.image_path, rec.sha256, rec.grade, list(rec.reasons),
                     list(rec.components), rec.risk, rec.flagged, rec.error, r.created_at,
                     _decision(decision) if decision is not None else None, rec.version)


class RunsRepo:
    def __init__(self, db: Database):
        self._db = db

    # runs ----------------------------------------------------------------------------------
    def create(self, name: str, model_id: int | None, recipe_id: int) -> RunRow:
        with self._db.session() as s:
            r = InspectionRun(name=name, model_id=model_id, recipe_id=recipe_id,
                              created_at=utcnow(), author=author_of(s))
            s.add(r)
            s.flush()
            record(s, "run.create", "inspection_run", r.id, name=name, model_id=model_id,
                   recipe_id=recipe_id)
            return _run(r)

    def set_status(self, run_id: int, status: str) -> None:
        with self._db.session() as s:
            r = s.get(InspectionRun, run_id)
            if r is None:
                raise KeyError(f"no inspection run {run_id}")
            r.status = status
            record(s, "run.status", "inspection_run", run_id, status=status)

    def get(self, run_id: int) -> RunRow:
        with self._db.session() as s:
            r = s.get(InspectionRun, run_id)
            if r is None:
                raise KeyError(f"no inspection run {run_id}")
            return _run(r)

    def list(self) -> list[RunRow]:
        with self._db.session() as s:
            return [_run(r) for r in s.scalars(select(InspectionRun).order_by(InspectionRun.id))]

    # results -------------------------------------------------------------------------------
    def done_paths(self, run_id: int) -> set[str]:
        with self._db.session() as s:
            return set(s.scalars(select(InspectionResult.image_path)
                                 .where(InspectionResult.run_id == run_id)))

    def add_result(self, run_id: int, image_path: str, record: InspectionRecord) -> int | None:
        """Stores one part's record; returns its id, or None if the part was already done."""
        with self._db.session() as s:
            exists = s.scalar(select(InspectionResult.id).where(
                InspectionResult.run_id == run_id, InspectionResult.image_path == image_path))
            if exists is not None:
                return None
            d = record.to_dict()
            r = InspectionResult(
                run_id=run_id, image_path=image_path, sha256=record.sha256,
                grade=record.grade, reasons=json.dumps(d["reasons"], default=str),
                components=json.dumps(d["components"], default=str), risk=float(record.risk),
                flagged=record.flagged, error=record.error, created_at=utcnow(),
                record_version=record.version)
            s.add(r)
            s.flush()
            return r.id

    def results(self, run_id: int, *, flagged_only: bool = False) -> builtins.list[ResultRow]:
        """A run's results with their latest decision, most risky first."""
        with self._db.session() as s:
            latest = (select(func.max(ReviewDecision.id))
                      .group_by(ReviewDecision.result_id).scalar_subquery())
            decisions = {d.result_id: d for d in s.scalars(
                select(ReviewDecision).where(ReviewDecision.id.in_(latest)))}
            q = select(InspectionResult).where(InspectionResult.run_id == run_id)
            if flagged_only:
                q = q.where(InspectionResult.flagged.is_(True))
            q = q.order_by(InspectionResult.risk.desc(), InspectionResult.id)
            return [_result(r, decisions.get(r.id)) for r in s.scalars(q)]

    def result(self, result_id: int) -> ResultRow:
        with self._db.session() as s:
            r = s.get(InspectionResult, result_id)
            if r is None:
                raise KeyError(f"no inspection result {result_id}")
            d = s.scalar(select(ReviewDecision).where(ReviewDecision.result_id == result_id)
                         .order_by(ReviewDecision.id.desc()).limit(1))
            return _result(r, d)

    # review ----------------------------------------------------------------------------------
    def decide(self, result_id: int, decision: str, grade: str, reason: str = "",
               seconds: float | None = None) -> DecisionRow:
        """Records a reviewer's decision (confirm / override / to_labeling) with the audit row."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        if decision == "override" and not reason.strip():
            raise ValueError("an override needs a reason")
        with self._db.session() as s:
            res = s.get(InspectionResult, result_id)
            if res is None:
                raise KeyError(f"no inspection result {result_id}")
            d = ReviewDecision(result_id=result_id, decision=decision, grade=grade,
                               reason=reason, seconds=seconds, author=author_of(s),
                               created_at=utcnow())
            s.add(d)
            s.flush()
            record(s, f"review.{decision}", "inspection_result", result_id, run_id=res.run_id,
                   image_path=res.image_path, model_grade=res.grade, grade=grade, reason=reason)
            return _decision(d)

    def decisions(self, result_id: int) -> builtins.list[DecisionRow]:
        with self._db.session() as s:
            return [_decision(d) for d in s.scalars(
                select(ReviewDecision).where(ReviewDecision.result_id == result_id)
                .order_by(ReviewDecision.id))]

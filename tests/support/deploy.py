"""The deploy tests' helpers: a stand-in ONNX exporter (where the packaging is what they test),
a tiny good-parts-only line and its sample parts."""

from __future__ import annotations

from pathlib import Path


def fake_exporter(model, path, in_channels, sample_size=256):
    """Stands in for export_onnx where onnx is not installed: the packaging is what is tested."""
    Path(path).write_bytes(b"not really onnx " + bytes([in_channels]) * 64)


def good_only_line(folder: Path):
    """A project with a tiny good-parts-only model (64 px parts, 50 memory patches) and the
    recipe "holes" at 0.1 mm a pixel: anomaly >= 0.5 over 0.2 mm² (20 px) is SCRAP, any in the
    left edge zone REWORK; (open project, model row, recipe)."""
    from app.core.grading import Calibration, ClassSetting, Polygon, Recipe, Rule, Zone, ZoneSet
    from app.jobs.anomaly_training import GoodOnlyConfig, train_good_only
    from app.store import Project
    from tests.support.anomaly_parts import add_images, good_part

    folder.mkdir(parents=True, exist_ok=True)
    project = Project.create(folder / "line.dsproj")
    add_images(project, folder / "good", [good_part(s, 64) for s in range(6)], good=True)
    row = train_good_only(project, config=GoodOnlyConfig(
        false_reject_rate=0.25, calibration_fraction=0.34, memory_size=50))
    value = project.classes.by_name("anomaly").value
    edge = Zone("edge", (Polygon([(0, 0), (7, 0), (7, 63), (0, 63)]),), severity=2)
    recipe = Recipe(name="holes", classes=(ClassSetting(value, "anomaly", 0.5),),
                    zones=ZoneSet((edge,)),
                    rules=(Rule(value, grade="SCRAP", max_area_mm2=0.2),
                           Rule(value, zone="edge", grade="REWORK", max_count=0)),
                    calibration=Calibration(0.1))
    project.recipes.save("holes", recipe.to_dict())
    return project, row, recipe


def good_only_samples(folder: Path) -> Path:
    """Good parts, parts with a blowhole, one with a blowhole on its left edge, and a part not a
    multiple of 16 in size."""
    import cv2

    from tests.support.anomaly_parts import good_part, with_defect

    folder.mkdir(parents=True, exist_ok=True)
    for seed in (100, 101, 102):
        part = good_part(seed, 64)
        cv2.imwrite(str(folder / f"good{seed}.png"), part)
        cv2.imwrite(str(folder / f"hole{seed}.png"), with_defect(part, 30, 28, 4)[0])
    cv2.imwrite(str(folder / "edge.png"), with_defect(good_part(104, 64), 30, 2, 2)[0])
    cv2.imwrite(str(folder / "odd.png"), good_part(103, 64)[:50, :61])
    return folder

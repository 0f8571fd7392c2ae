"""export_project / import_dataset end to end: exact round trips into a new project for every
format, refusals that write nothing, cancel, the magnetic-tile set, and the CLI commands."""

import argparse
import json
import shutil

import cv2
import numpy as np
import pytest

from app.cli_cmds import export as export_cmd
from app.cli_cmds import import_dataset as import_cmd
from app.core.interchange import DatasetError
from app.jobs.context import Canceled, JobContext
from app.jobs.importing import ImportOptions, import_folder
from app.jobs.interchange import export_project, import_dataset
from app.store import Project
from tests.support.polygons import TRICKY

from ..store.helpers import make_image_file

FORMATS = ["png", "coco", "labelme"]


@pytest.fixture
def source(tmp_path):
    """A project with every tricky mask, clashing image names, and good/unlabeled parts."""
    p = Project.create(tmp_path / "source.dsproj")
    for v in range(1, 41):
        p.classes.add(f"class {v}", color=f"#{v:02x}{v:02x}{v:02x}")
    images = tmp_path / "images"
    specs = [(f"a/{name}.png", mask) for name, mask in sorted(TRICKY.items())]
    specs += [("b/noise.png", TRICKY["noise"][::-1].copy()),  # same stem, other folder
              ("a/full.bmp", TRICKY["full"]),  # same stem, same folder
              ("good/ok-empty.png", np.zeros((9, 8), np.uint8)), ("good/ok-none.png", None),
              ("new/unlabeled.png", None)]
    new = [make_image_file(images, rel, size=(8, 9) if m is None else m.shape[::-1], value=i)
           for i, (rel, m) in enumerate(specs)]
    ids = p.images.add_many(new).added
    for image_id, (_, mask) in zip(ids, specs, strict=True):
        if mask is not None:
            p.masks.save(image_id, mask)
    p.images.set_good(ids[-3:-1], True)
    p.images.set_status(ids[:3], "labeled")
    p.images.set_splits({ids[0]: "train", ids[1]: "val", ids[-1]: "test"})
    yield p
    p.close()


def by_hash(project):
    return {r.sha256: r for r in project.images.list()}


def assert_same_project(src, dst):
    """Every image, mask pixel, class and image fact of `src` is in `dst`."""
    assert [(c.value, c.name, c.color) for c in dst.classes.list()] == [
        (c.value, c.name, c.color) for c in src.classes.list()]
    a, b = by_hash(src), by_hash(dst)
    assert a.keys() == b.keys()
    for sha, row in a.items():
        other = b[sha]
        facts = ("width", "height", "is_good", "split", "status", "source_class")
        assert [getattr(row, f) for f in facts] == [getattr(other, f) for f in facts], row.rel_path
        ma, mb = src.masks.load(row.id), dst.masks.load(other.id)
        assert (ma is None) == (mb is None), row.rel_path
        if ma is not None:
            assert np.array_equal(ma, mb), row.rel_path


def snapshot(project):
    return (project.images.list(), project.classes.list(), project.masks.defect_summary(),
            len(project.audit.list()))


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_into_a_new_project_is_exact(source, tmp_path, fmt):
    out = tmp_path / "export"
    report = export_project(source, out, fmt)
    assert report.images == 18 and report.masks == 16 and report.good == 2
    with Project.create(tmp_path / "copy.dsproj") as dst:
        result = import_dataset(dst, out, fmt)
        assert len(result.added) == 18 and result.warnings == []
        assert len(result.classes_created) == 40
        assert_same_project(source, dst)
        assert {dst.images.abspath(r) for r in dst.images.list()} == {
            source.images.abspath(r) for r in source.images.list()}  # referenced, not copied


@pytest.mark.parametrize("fmt", FORMATS)
def test_copied_images_make_the_export_self_contained(source, tmp_path, fmt):
    export_project(source, tmp_path / "export", fmt, copy_images=True)
    moved = shutil.move(tmp_path / "export", tmp_path / "elsewhere" / "moved")
    shutil.rmtree(tmp_path / "images")  # the originals are gone
    with Project.create(tmp_path / "copy.dsproj") as dst:
        import_dataset(dst, moved, fmt)
        assert_same_project(source, dst)
        assert all(dst.images.abspath(r).is_relative_to(moved) for r in dst.images.list())


def test_export_layouts(source, tmp_path):
    export_project(source, tmp_path / "png", "png")
    manifest = json.loads((tmp_path / "png" / "manifest.json").read_text())
    entries = {e["mask"]: e for e in manifest["images"]}
    assert {"masks/a/noise.png", "masks/b/noise.png", "masks/a/full.png", "masks/a/full-2.png",
            None} <= set(entries)
    assert entries["masks/a/border.png"]["image"] == str(tmp_path / "images/a/border.png")
    assert json.loads((tmp_path / "png" / "classes.json").read_text())[0] == {
        "value": 1, "name": "class 1", "color": "#010101"}
    export_project(source, tmp_path / "coco", "coco")
    coco = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    good = [i for i in coco["images"] if i["defect_studio"]["good"]]
    assert len(good) == 2 and not {i["id"] for i in good} & {
        a["image_id"] for a in coco["annotations"]}
    export_project(source, tmp_path / "labelme", "labelme", copy_images=True)
    doc = json.loads((tmp_path / "labelme" / "a" / "border.json").read_text())
    assert doc["imagePath"] == "border.png" and (tmp_path / "labelme/a/border.png").is_file()


def test_classes_are_matched_by_name(tmp_path):
    src = Project.create(tmp_path / "src.dsproj")
    for n in ("crack", "pore", "scratch"):
        src.classes.add(n)
    src.classes.delete(2)  # values 1 and 3 remain
    (image_id,) = src.images.add_many([make_image_file(tmp_path / "img", "p.png", (6, 4))]).added
    mask = np.array([[0, 1, 1, 3, 3, 0]] * 4, np.uint8)
    src.masks.save(image_id, mask)
    export_project(src, tmp_path / "out", "coco")
    with Project.create(tmp_path / "dst.dsproj") as dst:
        dst.classes.add("scratch")  # value 1 here
        report = import_dataset(dst, tmp_path / "out", "coco")
        assert report.classes_created == ["crack"]
        values = {c.name: c.value for c in dst.classes.list()}
        got = dst.masks.load(dst.images.list()[0].id)
        assert np.array_equal(got, np.where(mask == 1, values["crack"],
                                            np.where(mask == 3, values["scratch"], 0)))
    src.close()


def test_images_already_in_the_project_are_left_alone(source, tmp_path):
    export_project(source, tmp_path / "out", "png")
    before = snapshot(source)
    report = import_dataset(source, tmp_path / "out", "png")
    assert report.added == [] and len(report.already_present) == 18
    assert snapshot(source)[:3] == before[:3]


# --- refusals: nothing is written -----------------------------------------------------------

@pytest.fixture
def exported(source, tmp_path):
    def make(fmt):
        out = tmp_path / f"out-{fmt}"
        export_project(source, out, fmt)
        return out
    return make


@pytest.fixture
def empty_project(tmp_path):
    with Project.create(tmp_path / "empty.dsproj") as p:
        yield p


def outside_image(tmp_path):
    return make_image_file(tmp_path, "outside.png", (8, 9), value=200)


def tamper(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


TAMPERING = {
    "png image": ("png", "manifest.json", lambda d: d["images"][0].update(image="../outside.png")),
    "png mask": ("png", "manifest.json", lambda d: d["images"][0].update(mask="../m.png")),
    "png absolute mask": ("png", "manifest.json",
                          lambda d: d["images"][0].update(mask="/etc/hostname")),
    "png classes": ("png", "manifest.json", lambda d: d.update(classes="../../c.json")),
    "coco image": ("coco", "annotations.json",
                   lambda d: d["images"][3].update(file_name="sub/../../outside.png")),
    "labelme image": ("labelme", "a/border.json",
                      lambda d: d.update(imagePath="../../outside.png")),
    "labelme backslash": ("labelme", "a/border.json",
                          lambda d: d.update(imagePath="..\\..\\outside.png")),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_paths_leading_out_of_the_dataset_are_refused(exported, empty_project, tmp_path, case):
    fmt, file, change = TAMPERING[case]
    out = exported(fmt)
    outside_image(tmp_path)
    tamper(out / file, change)
    before = snapshot(empty_project)
    with pytest.raises(DatasetError, match="leads outside|refused"):
        import_dataset(empty_project, out, fmt)
    assert snapshot(empty_project) == before


def test_an_image_changed_since_export_is_refused(source, exported, empty_project):
    out = exported("coco")
    row = source.images.list()[0]
    cv2.imwrite(str(source.images.abspath(row)), np.full((row.height, row.width), 7, np.uint8))
    before = snapshot(empty_project)
    with pytest.raises(DatasetError, match="sha256 differs") as e:
        import_dataset(empty_project, out, "coco")
    assert "nothing was imported: 1 problem(s)" in str(e.value)
    assert snapshot(empty_project) == before


def test_a_mask_value_without_a_class_is_refused(exported, empty_project):
    out = exported("png")
    tamper(out / "classes.json", lambda d: d.pop())  # drop class 40
    before = snapshot(empty_project)
    with pytest.raises(DatasetError, match=r"pixel value\(s\) \[40\]"):
        import_dataset(empty_project, out, "png")
    assert snapshot(empty_project) == before


def test_a_missing_image_is_refused(source, exported, empty_project):
    out = exported("labelme")
    source.images.abspath(source.images.list()[-1]).unlink()
    with pytest.raises(DatasetError, match="cannot open the file"):
        import_dataset(empty_project, out, "labelme")
    assert empty_project.images.list() == [] and empty_project.classes.list() == []


@pytest.mark.parametrize("phase", ["Checking", "Writing"])
def test_cancel_writes_nothing(exported, empty_project, phase):
    out = exported("png")
    ctx = JobContext()
    ctx.progress_fn = lambda done, total, msg: ctx.cancel() if msg.startswith(phase) else None
    before = snapshot(empty_project)
    with pytest.raises(Canceled):
        import_dataset(empty_project, out, "png", ctx)
    assert snapshot(empty_project)[:3] == before[:3]  # the audit keeps the undone classes


def test_export_refuses_a_non_empty_folder_and_cancel_leaves_no_index(source, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(DatasetError, match="not an empty folder"):
        export_project(source, out, "png")
    ctx = JobContext()
    ctx.progress_fn = lambda done, total, msg: ctx.cancel() if done == 3 else None
    with pytest.raises(Canceled):
        export_project(source, out, "png", ctx, overwrite=True)
    assert not (out / "manifest.json").exists()


def test_export_refuses_masks_with_values_of_no_class(source, tmp_path):
    row = source.images.list()[0]
    mask = source.masks.load(row.id)
    mask[0, 0] = 99  # e.g. an old revision restored after its class was deleted
    source.masks.save(row.id, mask)
    with pytest.raises(DatasetError, match=r"no defect class has, e.g. .*: \[99\]"):
        export_project(source, tmp_path / "out", "labelme")
    assert not (tmp_path / "out").exists()


def test_export_with_missing_images(source, tmp_path):
    source.images.abspath(source.images.list()[0]).unlink()
    with pytest.raises(DatasetError, match="missing and cannot be copied"):
        export_project(source, tmp_path / "a", "png", copy_images=True)
    report = export_project(source, tmp_path / "b", "png")
    assert len(report.warnings) == 1 and "missing" in report.warnings[0]


# --- the shared magnetic-tile set -----------------------------------------------------------

PER_CLASS = 5


@pytest.fixture
def tile_project(tmp_path, magnetic_tile):
    """~30 real images (the first 5 of each folder) imported as a user would."""
    subset = tmp_path / "mt"
    for folder in sorted(magnetic_tile.glob("MT_*")):
        for jpg in sorted((folder / "Imgs").glob("*.jpg"))[:PER_CLASS]:
            dest = subset / folder.name / "Imgs"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(jpg, dest)
            shutil.copy(jpg.with_suffix(".png"), dest)
    with Project.create(tmp_path / "mt.dsproj") as p:
        import_folder(p, subset, ImportOptions(class_pattern=r"MT_(\w+)"))
        yield p


@pytest.mark.parametrize("fmt", FORMATS)
def test_magnetic_tile_round_trip(tile_project, tmp_path, fmt):
    rows = tile_project.images.list()
    assert len(rows) == 6 * PER_CLASS
    assert len(tile_project.classes.list()) == 5 and sum(r.is_good for r in rows) == PER_CLASS
    export_project(tile_project, tmp_path / "out", fmt)
    with Project.create(tmp_path / "again.dsproj") as dst:
        import_dataset(dst, tmp_path / "out", fmt)
        assert_same_project(tile_project, dst)


# --- command line ---------------------------------------------------------------------------

def cli(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    for module in (export_cmd, import_cmd):
        module.add_parser(sub).set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return args.run(args)


def test_cli_export_then_import(source, tmp_path, capsys):
    source.close()  # the CLI opens it itself
    rc = cli(["export", str(tmp_path / "source.dsproj"), str(tmp_path / "out"),
              "--format", "coco", "--copy-images"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Exported 18 image(s) (16 with a mask, 2 good) as coco" in out
    rc = cli(["import-dataset", str(tmp_path / "new.dsproj"), str(tmp_path / "out"),
              "--format", "coco", "--create"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Imported 18 image(s)" in out and "new classes: class 1, class 2" in out
    with Project.open(tmp_path / "new.dsproj") as p:
        assert len(p.images.list()) == 18


def test_cli_refusal_is_one_clear_line(exported, tmp_path, capsys):
    out = exported("png")
    tamper(out / "manifest.json", lambda d: d["images"][0].update(image="../../x.png"))
    rc = cli(["import-dataset", str(tmp_path / "n.dsproj"), str(out), "--format", "png",
              "--create"])
    _, err = capsys.readouterr()
    assert rc == 1
    assert "defect-studio import-dataset: error:" in err and "leads outside" in err
    with Project.open(tmp_path / "n.dsproj") as p:
        assert p.images.list() == [] and p.classes.list() == []


def test_cli_format_choices_follow_the_registry():
    from app.core.interchange import FORMATS as REGISTRY

    assert tuple(REGISTRY) == export_cmd.FORMATS

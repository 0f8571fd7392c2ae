"""Deployment packages: a model as ONNX with everything a line needs to grade like the app.

    result = deploy(project, model_id=2, recipe_ref="housing@3", out="housing-v3.zip")
    report = verify_package("housing-v3.zip", ["samples/"])   # ONNX vs torch, per image
    report.ok, report.max_abs_diff

A package is a folder, or a zip of the same files (the name decides: ``.zip``):

    deploy.json                    format, model, preprocessing, classes, recipe, calibration,
                                   and the sha256 of every other file
    model.onnx                     app.ml.onnx_export: "image" (N, C, H, W) normalized float32
                                   -> "logits" (N, 1 + classes, H, W); softmax over axis 1
    checkpoint/config.json         the torch checkpoint (safetensors, never pickle): the
    checkpoint/weights.safetensors reference that verify compares the ONNX model against

That is a segmentation model's package. A good-parts-only model ("anomaly") and the pixel
classifier carry the files that reproduce their maps outside the app, with runner.py that
computes them (app.jobs.deploy_kinds lists each kind's files; deploy.json "kind" names it).

deploy.json "preprocessing" says how to feed the model as the app does: scale by pixel type
(uint8 / 255, uint16 / 65535), channels (gray repeated to 3, RGB to gray by luma), then
(x - mean) / std per channel; square tiles of tile_size with tile_size // 4 overlap, blended
with cosine ramps (app.ml.inference); probabilities stored as uint8 round(p * 255); a pixel is
a defect where prob >= round(threshold * 255). "recipe" holds the whole grading recipe
(app.core.grading.Recipe.to_dict(): classes with thresholds, zones, rules, grades,
calibration).

Opening a package (open_package) trusts nothing in it: every member path of a zip must be
relative and stay inside the package (no "..", no absolute or drive paths, no links), the
sizes are bounded, and the whole archive is checked before the first byte is written; then
every file's sha256 must match deploy.json. A refused package raises PackageError and
leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from app.core.hashing import sha256_file
from app.core.imageio import DEFAULT_MAX_PIXELS, ImageReadError, load_image

from .context import JobContext
from .deploy_kinds import CHECKPOINT_DIR, PACKAGE_KINDS, changed_code, package_kind

FORMAT = "defect-studio.deploy"
VERSION = 2  # 2: deploy.json "kind" (packages of kinds other than segmentation)
MANIFEST = "deploy.json"
MAX_MEMBERS = 64
MAX_UNPACKED_BYTES = 4 << 30  # a zip bomb stops here

Exporter = Callable[..., None]  # (model, path, in_channels, sample_size=) like export_onnx


class PackageError(ValueError):
    """A deployment package that cannot be written or must not be opened."""


@dataclass
class DeployResult:
    path: Path
    manifest: dict


# --- writing -------------------------------------------------------------------------------


def deploy(project, model_id: int, recipe_ref: str, out: str | Path,
           ctx: JobContext | None = None, *, exporter: Exporter | None = None) -> DeployResult:
    """Writes the package of model `model_id` with recipe `recipe_ref` (name[@version]) to
    `out`: a ``.zip`` file, else a folder (new or empty). Raises PackageError (bad target),
    ValueError (unknown model or recipe), app.ml.onnx_export.OnnxUnavailable."""
    from app.ml.checkpoint import copy_checkpoint, read_config
    from app.ml.inference import checkpoint_kind
    from app.ml.onnx_export import require

    ctx = ctx or JobContext()
    out = Path(out)
    as_zip = out.suffix.lower() == ".zip"
    _check_target(out, as_zip)
    try:
        model_row = project.models.get(model_id)
    except KeyError:
        known = ", ".join(str(m.id) for m in project.models.list()) or "none"
        raise ValueError(f"no model {model_id} in this project (models: {known})") from None
    try:
        recipe_row = project.recipes.get(recipe_ref)
    except KeyError as e:
        raise ValueError(str(e).strip("'\"")) from None
    ckpt_dir = project.models.path(model_row)
    kind_name = checkpoint_kind(ckpt_dir)
    if kind_name not in PACKAGE_KINDS:
        raise PackageError(f"model {model_row.name} is a {kind_name!r} model; deployment "
                           f"packages hold {', '.join(PACKAGE_KINDS)} models")
    kind = PACKAGE_KINDS[kind_name]
    if exporter is None:  # fail before any work when the extra is missing
        require("onnx", "ONNX export")

    ctx.progress(0, 3, f"Loading model {model_row.name}")
    config = read_config(ckpt_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_work(out.parent)
    work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=out.parent))
    try:
        ctx.check()
        ctx.progress(1, 3, "Exporting the model")
        sections = kind.write(work, ckpt_dir, exporter)
        copy_checkpoint(ckpt_dir, work / CHECKPOINT_DIR)
        ctx.check()
        ctx.progress(2, 3, "Writing the package")
        manifest = build_manifest(project, model_row, config, recipe_row, kind_name, sections)
        manifest["files"] = {rel: sha256_file(work / rel) for rel in _member_files(work)}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
        if as_zip:
            _zip_folder(work, out)
        else:
            if out.exists():
                out.rmdir()  # checked empty above
            os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ctx.progress(3, 3, f"Package written: {out}")
    return DeployResult(out, manifest)


WORK_PREFIX = ".deploy-"


def clean_stale_work(folder: Path) -> list[Path]:
    """Removes the hidden work folders of deploys that were killed (their process is gone)."""
    removed = []
    for d in folder.glob(WORK_PREFIX + "*"):
        pid = d.name[len(WORK_PREFIX):].split("-", 1)[0]
        if d.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave it
    return True


def _check_target(out: Path, as_zip: bool) -> None:
    if as_zip:
        if out.is_dir():
            raise PackageError(f"{out} is a folder, not a zip file")
        return  # an existing zip is replaced, atomically
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PackageError(f"{out} exists and is not an empty folder")


def build_manifest(project, model_row, config, recipe_row, kind: str, sections: dict) -> dict:
    """deploy.json without its "files" table (see the module docstring); `sections`: what the
    kind's writer returned (app.jobs.deploy_kinds)."""
    from app.core.grading import Recipe

    recipe = Recipe.from_dict(recipe_row.body)
    colors = {c.value: c.color for c in project.classes.list()}
    cal = recipe.calibration
    model = {"id": model_row.id, "name": model_row.name,
             "weights_sha256": model_row.weights_sha256, **sections.get("model", {}),
             "checkpoint": {"config": f"{CHECKPOINT_DIR}/config.json",
                            "weights": f"{CHECKPOINT_DIR}/weights.safetensors"}}
    first = PACKAGE_KINDS[kind].first_channel
    return {
        "format": FORMAT,
        "version": PACKAGE_KINDS[kind].version,
        "kind": kind,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "project": project.name,
        "model": model,
        **{k: v for k, v in sections.items() if k != "model"},
        "classes": [{"value": c.value, "name": c.name, "color": colors.get(c.value, c.color),
                     "channel": i + first} for i, c in enumerate(config.classes)],
        "recipe": {"name": recipe_row.name, "version": recipe_row.version,
                   "ref": recipe_row.ref, "content_hash": recipe.content_hash,
                   "body": recipe.to_dict()},
        "calibration": {"mm_per_pixel": cal.mm_per_pixel, "calibrated": cal.is_calibrated,
                        "length_unit": cal.length_unit, "area_unit": cal.area_unit},
    }


def _member_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _zip_folder(folder: Path, out: Path) -> None:
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for rel in [MANIFEST] + [r for r in _member_files(folder) if r != MANIFEST]:
            # Weights are floats that do not compress; the JSON does.
            kind = zipfile.ZIP_DEFLATED if rel.endswith(".json") else zipfile.ZIP_STORED
            z.write(folder / rel, rel, compress_type=kind)
    os.replace(tmp, out)


# --- opening -------------------------------------------------------------------------------


@dataclass
class DeployPackage:
    """An opened, validated package. Use as a context manager: a zip is unpacked into a
    temporary folder that close() removes."""

    root: Path
    manifest: dict
    _temp: Path | None = None

    @property
    def onnx_path(self) -> Path:
        return self.root / self.manifest["model"]["onnx"]["file"]

    @property
    def checkpoint_dir(self) -> Path:
        return (self.root / self.manifest["model"]["checkpoint"]["config"]).parent

    def recipe(self):
        from app.core.grading import Recipe

        return Recipe.from_dict(self.manifest["recipe"]["body"])

    def close(self) -> None:
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None

    def __enter__(self) -> DeployPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def safe_member(name: str) -> str:
    """The member path, normalized; raises PackageError unless it is a plain relative path
    that stays inside the package."""
    if not name or "\x00" in name:
        raise PackageError(f"refused: empty or invalid member name {name!r}")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise PackageError(f"refused: member {name!r} has an absolute path")
    parts = [p for p in PurePosixPath(posix).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise PackageError(f"refused: member {name!r} points outside the package")
    return "/".join(parts)


def open_package(path: str | Path, extract_to: str | Path | None = None) -> DeployPackage:
    """Opens a package folder or zip (unpacked into `extract_to`, an empty or new folder, or
    a temporary one). Raises PackageError when anything in it is unsafe or inconsistent."""
    path = Path(path)
    if path.is_dir():
        pkg = DeployPackage(path, _read_manifest(path / MANIFEST))
        _check_files(pkg)
        return pkg
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path} is neither a package folder nor a zip file")
    with zipfile.ZipFile(path) as z:
        members = _checked_members(z)
        temp = None
        if extract_to is None:
            dest = temp = Path(tempfile.mkdtemp(prefix="defect-studio-package-"))
            made = True
        else:
            dest = Path(extract_to)
            if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
                raise PackageError(f"{dest} exists and is not an empty folder")
            made = not dest.exists()
            dest.mkdir(parents=True, exist_ok=True)
        try:
            _extract(z, members, dest)
            pkg = DeployPackage(dest, _read_manifest(dest / MANIFEST), temp)
            _check_files(pkg)
        except BaseException:
            if made:
                shutil.rmtree(dest, ignore_errors=True)
            else:  # the caller's empty folder: empty it again
                for child in dest.iterdir():
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            raise
    return pkg


def _checked_members(z: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """Every member checked before anything is written: (info, safe relative path) of files."""
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"refused: {len(infos)} members (a package has a handful)")
    out, seen, total = [], set(), 0
    for info in infos:
        rel = safe_member(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise PackageError(f"refused: member {info.filename!r} is a link")
        if info.is_dir():
            continue
        if rel.lower() in seen:
            raise PackageError(f"refused: member {rel!r} appears twice")
        seen.add(rel.lower())
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise PackageError("refused: the package unpacks to more than 4 GB")
        out.append((info, rel))
    if MANIFEST not in seen:
        raise PackageError(f"not a deployment package: no {MANIFEST}")
    return out


def _extract(z: zipfile.ZipFile, members, dest: Path) -> None:
    root = dest.resolve()
    for info, rel in members:
        target = (root / rel).resolve()
        if not target.is_relative_to(root):  # belt and braces after safe_member
            raise PackageError(f"refused: member {rel!r} points outside the package")
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with z.open(info) as src, open(target, "xb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:  # a header that lies about the size
                    raise PackageError(f"refused: member {rel!r} is larger than it says")
                dst.write(chunk)


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"not a deployment package: no {MANIFEST}") from None
    except (OSError, ValueError) as e:
        raise PackageError(f"cannot read {MANIFEST}: {e}") from None
    except RecursionError:
        raise PackageError(f"{MANIFEST} is nested too deeply to be a manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageError(f"{MANIFEST} is not a Defect Studio deployment manifest")
    version = manifest.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise PackageError(f"{MANIFEST}: 'version' must be a whole number, not {version!r}")
    if version > VERSION:
        raise PackageError(f"package version {version} is newer than this program")
    return manifest


def _check_files(pkg: DeployPackage) -> None:
    """Files named by the manifest exist inside the package and match their sha256."""
    root = pkg.root.resolve()
    files = pkg.manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise PackageError(f"{MANIFEST} lists no files")
    try:
        kind = package_kind(pkg.manifest)
    except ValueError as e:
        raise PackageError(str(e)) from None
    try:
        named = kind.named(pkg.manifest)
        if not all(isinstance(n, str) for n in named):
            raise TypeError
    except (KeyError, TypeError):
        raise PackageError(f"{MANIFEST} does not name the model files (model.onnx.file, "
                           "model.checkpoint.config and .weights; arrays and runner for "
                           "other kinds than segmentation)") from None
    for rel in [*files, *named]:
        target = (root / safe_member(rel)).resolve()
        if not target.is_relative_to(root):  # a link in a package folder
            raise PackageError(f"refused: {rel!r} points outside the package")
        if not target.is_file():
            raise PackageError(f"the package lacks {rel}")
    for rel, digest in files.items():
        if sha256_file(root / safe_member(rel)) != digest:
            raise PackageError(f"{rel} does not match its sha256 in {MANIFEST} (changed or "
                               "damaged)")
    onnx_entry = pkg.manifest["model"].get("onnx")
    if onnx_entry:
        _check_external_data(root, root / safe_member(onnx_entry["file"]))


def _check_external_data(root: Path, onnx_file: Path) -> None:
    """ONNX tensors kept in other files must name files inside the package (checked here, not
    left to onnxruntime)."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    try:
        model = onnx.load(str(onnx_file), load_external_data=False)
    except Exception:  # noqa: BLE001 - not a model onnxruntime could load either: no paths
        return
    graph_tensors = list(model.graph.initializer)
    for node in model.graph.node:
        graph_tensors += [a.t for a in node.attribute if a.HasField("t")]
    for tensor in graph_tensors:
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (onnx_file.parent / location).resolve()
        if not location or Path(location).is_absolute() or not target.is_relative_to(root):
            raise PackageError(f"refused: {onnx_file.name} keeps tensor {tensor.name!r} in "
                               f"{location!r}, outside the package")
        if not target.is_file():
            raise PackageError(f"the package lacks {location} (data of {onnx_file.name})")


# --- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartCheck:
    file: str
    torch_grade: str | None = None
    onnx_grade: str | None = None
    max_abs_diff: float = 0.0  # probabilities, 0..1 (uint8 maps: steps of 1/255)
    torch_components: int = 0
    onnx_components: int = 0
    error: str | None = None

    @property
    def equal(self) -> bool:
        return self.error is None and self.torch_grade == self.onnx_grade


@dataclass
class VerifyReport:
    package: str
    parts: list[PartCheck] = field(default_factory=list)
    # What was compared: the reference (PartCheck.torch_*) and the package (PartCheck.onnx_*)
    sides: tuple[str, str] = ("torch", "onnx")

    @property
    def checked(self) -> list[PartCheck]:
        return [p for p in self.parts if p.error is None]

    @property
    def ok(self) -> bool:
        """At least one image compared, and every compared image graded the same."""
        return bool(self.checked) and all(p.equal for p in self.checked)

    @property
    def max_abs_diff(self) -> float:
        return max((p.max_abs_diff for p in self.checked), default=0.0)

    @property
    def mismatches(self) -> list[PartCheck]:
        return [p for p in self.checked if not p.equal]


def verify_package(package: str | Path, images: Iterable[str | Path],
                   ctx: JobContext | None = None, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                   threads: int | None = None) -> VerifyReport:
    """Predicts and grades `images` (files, folders) with the package's model as the line runs
    it (a segmentation model's ONNX file with onnxruntime; for other kinds runner.py's maps) and
    with its checkpoint as the app runs it, both on the CPU; reports the grades and the largest
    probability difference per image. Raises OnnxUnavailable without onnxruntime, PackageError
    when the package's code is not this program's."""
    import numpy as np

    from app.core.grading import ZoneCache, grade
    from app.ml.checkpoint import read_config
    from app.ml.inference import InferenceCancelled, load_model_for_inference

    from .context import Canceled
    from .inspection import collect_images

    ctx = ctx or JobContext()
    paths, notes = collect_images(images)
    for note in notes:
        ctx.log(note)
    with open_package(package) as pkg:
        kind = package_kind(pkg.manifest)
        report = VerifyReport(str(package), sides=kind.sides)
        changed = changed_code(pkg.root, kind)
        if changed:
            raise PackageError(f"{', '.join(changed)} in the package differ from this "
                               "program's: verify it with the version that made it")
        ctx.progress(0, len(paths), "Loading the models")
        config = read_config(pkg.checkpoint_dir)
        onnx_model = kind.open_model(pkg, config, threads)
        torch_model = load_model_for_inference(pkg.checkpoint_dir, "cpu", backend="torch")
        recipe, values, zones = pkg.recipe(), config.class_values, ZoneCache()
        for i, path in enumerate(paths):
            ctx.check()
            ctx.progress(i, len(paths), f"Comparing {path.name}")
            try:
                image = load_image(path, max_pixels)
            except (ImageReadError, OSError) as e:
                report.parts.append(PartCheck(str(path), error=getattr(e, "reason", str(e))))
                continue
            try:
                # Tiled as deploy.json's preprocessing tells the line to tile.
                tile = config.spec.tile_size
                a = torch_model.predict(image, tile=tile, cancel=ctx.cancel_event)
                b = onnx_model.predict(image, tile=tile, cancel=ctx.cancel_event)
            except InferenceCancelled:
                raise Canceled() from None
            except ValueError as e:
                report.parts.append(PartCheck(str(path), error=str(e)))
                continue
            va, vb = grade(a, values, recipe, zones), grade(b, values, recipe, zones)
            diff = int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max()) if a.size else 0
            report.parts.append(PartCheck(str(path), va.grade, vb.grade, diff / 255.0,
                                          len(va.components), len(vb.components)))
    ctx.progress(len(paths), len(paths), f"Compared {len(report.checked)} images")
    return report


@dataclass(frozen=True)
class DeployOutcome:
    result: DeployResult
    report: VerifyReport | None  # None: no parts to check the package with


def deploy_and_check(project, model_id: int, recipe_ref: str, out: str | Path,
                     images: Iterable[str | Path] = (), ctx: JobContext | None = None
                     ) -> DeployOutcome:
    """deploy(), then verify_package() on `images` (files, folders) when there are any: the
    Train workspace's Deploy button."""
    ctx = ctx or JobContext()
    result = deploy(project, model_id, recipe_ref, out, ctx)
    images = list(images)
    return DeployOutcome(result, verify_package(result.path, images, ctx) if images else None)

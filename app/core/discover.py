"""Finds the images under a folder and pairs each with its mask, without reading any pixels.

Files
    Images are ``.png .jpg .jpeg .bmp .tif .tiff`` (extension case ignored), found recursively;
    hidden files and folders, project files and OS clutter are ignored silently, anything else
    is listed as skipped ("not an image file").

Pairing (first rule that finds a mask wins; a later match is listed as "not used")
    1. ``--masks DIR``: ``DIR/<same relative folder>/<stem><suffix>.<ext>``, then
       ``DIR/**/<stem><suffix>.<ext>`` when exactly one folder of DIR holds that name. Suffixes
       are tried in order, "" first, then ``MASK_SUFFIXES``; ``<ext>`` an image extension or
       ``.json`` (labelme), images first.
    2. Beside the image, same folder: ``<stem><suffix>.<ext>`` (suffix e.g. ``_mask``).
    3. Beside the image: ``<stem>.png`` when the image itself is not a PNG. This is the
       magnetic-tile layout, ``Imgs/x.jpg`` + ``Imgs/x.png``: a PNG that shares its stem with a
       JPEG/BMP/TIFF is that image's mask, never an image of its own.
    4. Beside the image: ``<stem>.json``, a labelme file.
    A file ending in a mask suffix with no image of the base name beside it is skipped as an
    orphan mask; a mask in DIR that no image claims is listed too.

Unusable files are listed with the reason and skipped, never abort the walk: a symbolic link that
loops or leads nowhere, and a name that is not valid UTF-8 (the project stores paths as text, so
such a file is skipped by name rather than stored under a changed one).

Folder classes
    With a pattern (``re.fullmatch`` against each folder name from the image's own folder up to
    the imported folder itself, nearest first) the first match names the image's defect class:
    group 1 if the pattern has a group, else the whole name. A class name equal to one of
    ``good_names`` (case ignored) marks a good part instead. Without a match, any folder named
    like a good name (``good/``, ``ok/``) marks a good part.
"""

from __future__ import annotations

import errno
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# "Class from folder name" without a regular expression: the nearest folder whose name is not a
# generic container (Imgs/, images/, train/, test/, ...) names the class: MT_Crack/Imgs/x.jpg is
# MT_Crack, test/crack/x.png is crack, good/ still marks good parts.
FOLDER_NAME_PATTERN = (r"(?i)((?!(?:imgs?|images?|pictures?|photos?|train|test|val|valid"
                       r"|validation|data|dataset)$).+)")

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
LABELME_EXT = ".json"
MASK_SUFFIXES = ("_mask", "_label", "_gt")
DEFAULT_GOOD_NAMES = ("Free", "good", "ok")
_IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
_IGNORED_SUFFIXES = (".dsproj", ".dsproj-wal", ".dsproj-shm", ".dsproj.lock")


@dataclass(frozen=True)
class Candidate:
    """One image to import, its mask file (None: no mask) and what its folders say."""

    image: Path
    mask: Path | None = None
    folder_class: str | None = None
    is_good: bool = False

    @property
    def mask_is_labelme(self) -> bool:
        return self.mask is not None and self.mask.suffix.lower() == LABELME_EXT


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str

    @property
    def name(self) -> str:
        """The file name, printable even when it is not valid UTF-8 (bytes shown as \\xNN)."""
        return printable(self.path.name)


def printable(text: str) -> str:
    """A path as text that any terminal or widget can show: undecodable bytes as \\xNN."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def discover(folder: str | Path, masks_dir: str | Path | None = None,
             class_pattern: str | re.Pattern | None = None,
             good_names: Iterable[str] = DEFAULT_GOOD_NAMES,
             mask_suffixes: Iterable[str] = MASK_SUFFIXES) -> Discovery:
    """Walks `folder` (sorted, so results are reproducible) and pairs images with masks."""
    root = Path(folder).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    masks = Path(masks_dir).resolve() if masks_dir is not None else None
    if masks is not None and not masks.is_dir():
        raise NotADirectoryError(f"masks folder {masks} is not a folder")
    pattern = re.compile(class_pattern) if isinstance(class_pattern, str) else class_pattern
    good = {g.lower() for g in good_names}
    suffixes = tuple(s.lower() for s in mask_suffixes if s)
    index = _MaskIndex(masks, exclude=root) if masks is not None and masks != root else None

    out = Discovery()
    used: set[Path] = set()
    for dirpath, files in _walk(root, exclude=index.root if index else None):
        folder_class, is_good = classify_folder(_folder_names(root, dirpath), pattern, good)
        pairs, skipped = _pair_folder(dirpath, files, suffixes)
        out.skipped += skipped
        for image, beside in pairs:
            found = (index.lookup(dirpath.relative_to(root), image.stem, suffixes)
                     if index else [])
            options = found + beside
            mask = options[0] if options else None
            used.update(options)
            out.skipped += [Skipped(m, f"not used: {image.name} takes its mask from {mask.name}")  # type: ignore[union-attr]  # options[1:] is empty when mask is None
                            for m in options[1:]]
            out.candidates.append(Candidate(image, mask, folder_class, is_good))
    if index:
        out.skipped += index.skipped + [Skipped(p, "no image of this name for this mask")
                                        for p in index.files if p not in used]
    out.skipped.sort(key=lambda s: s.path)
    return out


def classify_folder(names: list[str], pattern: re.Pattern | None,
                    good: set[str]) -> tuple[str | None, bool]:
    """(defect class, is good part) from folder names, nearest first. See the module doc."""
    if pattern is not None:
        for name in names:
            m = pattern.fullmatch(name)
            cls = (m.group(1) if pattern.groups else m.group(0)) if m else None
            if cls:
                return cls, cls.lower() in good
    return None, any(n.lower() in good for n in names)


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTS


def unusable_reason(path: Path) -> str | None:
    """Why a file found by the walk cannot be imported at all (None: it can be tried)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return ("its name is not valid UTF-8 text, which the project stores paths as; rename "
                "the file to import it")
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself"
        if os.path.islink(path):
            return "a symbolic link to a file that does not exist"
        return f"cannot read the file ({e.strerror})"
    return None


def _folder_names(root: Path, dirpath: Path) -> list[str]:
    rel = dirpath.relative_to(root).parts
    return [*reversed(rel), root.name]


def _ignored(name: str) -> bool:
    low = name.lower()
    return name.startswith(".") or low in _IGNORED_NAMES or low.endswith(_IGNORED_SUFFIXES)


def _walk(root: Path, exclude: Path | None):
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and here / d != exclude)
        yield here, sorted(f for f in filenames if not _ignored(f))


def _strip_suffix(stem: str, suffixes: tuple[str, ...]) -> str | None:
    low = stem.lower()
    for s in suffixes:
        if low.endswith(s) and len(stem) > len(s):
            return stem[:-len(s)]
    return None


def _pair_folder(dirpath: Path, files: list[str], suffixes: tuple[str, ...]):
    """[(image, [beside mask options in rule order])], skipped files, for one folder."""
    images: dict[str, list[Path]] = defaultdict(list)
    jsons: dict[str, Path] = {}
    skipped = []
    for name in files:
        p = dirpath / name
        ext = p.suffix.lower()
        if ext in IMAGE_EXTS or ext == LABELME_EXT:
            if (reason := unusable_reason(p)) is not None:
                skipped.append(Skipped(p, reason))
                continue
        if ext in IMAGE_EXTS:
            images[p.stem].append(p)
        elif ext == LABELME_EXT:
            jsons[p.stem] = p
        else:
            skipped.append(Skipped(p, f"not an image file ({ext or 'no extension'})"))

    masks_of: dict[str, list[Path]] = defaultdict(list)  # base stem -> mask files, rule order
    is_mask: set[Path] = set()
    for stem, group in images.items():  # rule 2: <stem><suffix>.*
        base = _strip_suffix(stem, suffixes)
        if base is None:
            continue
        if base in images:
            masks_of[base] += group
        else:
            skipped += [Skipped(p, f"looks like a mask ({stem[len(base):]}) but there is no "
                                   f"image named {base}.* beside it") for p in group]
        is_mask.update(group)
    for stem, group in images.items():  # rule 3: x.png beside x.jpg
        pngs = [p for p in group if p.suffix.lower() == ".png" and p not in is_mask]
        if pngs and len(pngs) < len(group):
            masks_of[stem] += pngs
            is_mask.update(pngs)

    pairs = []
    for stem in sorted(images):
        for image in images[stem]:
            if image in is_mask:
                continue
            options = list(masks_of.get(stem, []))
            if stem in jsons:  # rule 4
                options.append(jsons.pop(stem))
            pairs.append((image, options))
    skipped += [Skipped(p, "a .json file with no image of the same name") for p in jsons.values()]
    return pairs, skipped


class _MaskIndex:
    """The files of a separate masks folder, by relative folder + stem and by stem alone."""

    def __init__(self, root: Path, exclude: Path):
        self.root = root
        self.files: list[Path] = []
        self.skipped: list[Skipped] = []
        self._by_rel: dict[tuple[Path, str], list[Path]] = defaultdict(list)
        self._by_stem: dict[str, list[Path]] = defaultdict(list)
        for dirpath, names in _walk(root, exclude=exclude):  # never the images
            rel = dirpath.relative_to(root)
            for name in names:
                p = dirpath / name
                if p.suffix.lower() not in IMAGE_EXTS and p.suffix.lower() != LABELME_EXT:
                    continue
                if (reason := unusable_reason(p)) is not None:
                    self.skipped.append(Skipped(p, reason))
                    continue
                self.files.append(p)
                self._by_rel[rel, p.stem].append(p)
                self._by_stem[p.stem].append(p)

    def lookup(self, rel: Path, stem: str, suffixes: tuple[str, ...]) -> list[Path]:
        out: list[Path] = []
        for sfx in ("", *suffixes):
            name = stem + sfx
            hits = self._by_rel.get((rel, name)) or []
            if not hits:
                anywhere = self._by_stem.get(name) or []
                if len({p.parent for p in anywhere}) == 1:
                    hits = anywhere
            # Images before labelme files: a raster mask is what the labeler last saw.
            out += sorted(hits, key=lambda p: (p.suffix.lower() == LABELME_EXT, p.name))
        return out


def collect_images(items: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Image files from files and folders (recursive, sorted, masks beside images left out);
    notes about what a folder held that is not an image. Files are taken as given."""
    paths: list[Path] = []
    notes: list[str] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = discover(p)
            paths += [c.image for c in found.candidates]
            notes += [f"{s.path}: {s.reason}" for s in found.skipped]
        else:
            paths.append(p)
    return paths, notes

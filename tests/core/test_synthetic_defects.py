"""Synthetic defects: what is pasted is labeled, lands inside the part, never on a defect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.core.synthetic_defects import (
    FEATHER_PX,
    extract_patches,
    part_mask,
    paste_defects,
    transform_patch,
)


def part_on_background(size=(120, 160), seed=0):
    """A bright disc-shaped part with texture on a dark background; (image, part truth)."""
    rng = np.random.default_rng(seed)
    h, w = size
    truth = np.zeros(size, np.uint8)
    cv2.ellipse(truth, (w // 2, h // 2), (w // 3, h // 3), 0, 0, 360, 1, -1)
    image = np.where(truth > 0, 150.0, 20.0) + rng.normal(0, 6, size)
    return image.clip(0, 255).astype(np.uint8), truth.astype(bool)


def source_defects():
    """An image with a dark crack (class 1) and a bright spot (class 2), and its mask."""
    rng = np.random.default_rng(5)
    image = (120 + rng.normal(0, 5, (60, 60))).clip(0, 255).astype(np.uint8)
    mask = np.zeros((60, 60), np.uint8)
    cv2.line(mask, (8, 10), (30, 22), 1, 2)
    cv2.circle(mask, (45, 45), 4, 2, -1)
    image[mask == 1] = 40
    image[mask == 2] = 230
    return image, mask


def test_patches_are_one_per_component_with_their_class():
    image, mask = source_defects()
    patches = extract_patches(image, mask)
    assert sorted(p.class_value for p in patches) == [1, 2]
    for p in patches:
        assert p.mask.shape == p.pixels.shape[:2]
        assert p.area == int(np.count_nonzero(mask == p.class_value))
    assert extract_patches(image, mask, [2])[0].class_value == 2
    assert extract_patches(image, mask, min_area=10_000) == []


def test_part_is_found_on_a_background_and_whole_image_otherwise():
    image, truth = part_on_background()
    found = part_mask(image)
    assert (found == truth).mean() > 0.98
    surface = np.random.default_rng(1).normal(120, 10, (80, 80)).clip(0, 255).astype(np.uint8)
    assert part_mask(surface).all()  # a close-up of a surface: the whole image is the part
    assert part_mask(np.full((40, 40), 7, np.uint8)).all()


@pytest.mark.parametrize("seed", range(6))
def test_pasted_pixels_are_labeled_inside_the_part_and_off_other_defects(seed):
    image, truth = part_on_background(seed=seed)
    mask = np.zeros(image.shape, np.uint8)
    cv2.circle(mask, (80, 60), 6, 3, -1)  # an existing defect of class 3
    src_image, src_mask = source_defects()
    patches = extract_patches(src_image, src_mask)
    out, new_mask, placed = paste_defects(image, mask, patches, np.random.default_rng(seed),
                                          count=4)
    assert placed, "nothing pasted"
    # The old defect is untouched, pixel for pixel and label for label.
    assert np.array_equal(new_mask[mask > 0], mask[mask > 0])
    assert np.array_equal(out[mask > 0], image[mask > 0])
    new = (new_mask > 0) & (mask == 0)
    # Only pasted classes appear, with as many pixels as the placements say.
    assert set(np.unique(new_mask[new]).tolist()) <= {1, 2}
    assert int(new.sum()) == sum(p.defect_px for p in placed)
    # Every new defect pixel lies inside the part, and none touches the old defect.
    assert truth[new].all()
    near_old = cv2.dilate((mask > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert not (new & near_old).any()
    # Every changed pixel is a pasted defect pixel or within the fading margin around one.
    changed = out != image
    margin = cv2.dilate(new.astype(np.uint8), np.ones((2 * FEATHER_PX + 3,) * 2, np.uint8)) > 0
    assert not (changed & ~margin).any()
    # Pasted defect pixels took the patch's pixels: dark crack pixels, bright spot pixels.
    if (new_mask == 1).any():
        assert out[new_mask == 1].mean() < image[new_mask == 1].mean() - 30
    if (new_mask == 2).any():
        assert out[new_mask == 2].mean() > image[new_mask == 2].mean() + 30


def test_pastes_stay_inside_a_region_and_skip_when_nothing_fits():
    image, truth = part_on_background()
    region = np.zeros(image.shape, bool)
    region[40:80, 50:110] = True
    patches = extract_patches(*source_defects())
    _, new_mask, placed = paste_defects(image, np.zeros(image.shape, np.uint8), patches,
                                        np.random.default_rng(0), count=3, region=region)
    assert placed
    assert region[new_mask > 0].all()
    tiny = np.zeros(image.shape, bool)
    tiny[0:3, 0:3] = True
    out, new_mask, placed = paste_defects(image, np.zeros(image.shape, np.uint8), patches,
                                          np.random.default_rng(0), count=3, region=tiny)
    assert placed == [] and not new_mask.any() and np.array_equal(out, image)


def test_same_seed_same_result_and_rgb_images_work():
    image, _ = part_on_background()
    rgb = np.repeat(image[..., None], 3, axis=2)
    patches = extract_patches(*source_defects())
    a = paste_defects(rgb, np.zeros(image.shape, np.uint8), patches, np.random.default_rng(7), 3)
    b = paste_defects(rgb, np.zeros(image.shape, np.uint8), patches, np.random.default_rng(7), 3)
    c = paste_defects(rgb, np.zeros(image.shape, np.uint8), patches, np.random.default_rng(8), 3)
    assert a[0].shape == rgb.shape and a[0].dtype == np.uint8
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert not np.array_equal(a[1], c[1])


def test_transform_keeps_the_defect_area_within_the_zoom():
    patch = extract_patches(*source_defects(), class_values=[2])[0]
    for seed in range(5):
        turned = transform_patch(patch, np.random.default_rng(seed), scale=(1.0, 1.0))
        assert turned.mask.shape == turned.pixels.shape[:2]
        assert abs(turned.area - patch.area) <= 0.25 * patch.area


def test_a_defect_larger_than_the_part_is_shrunk_to_fit():
    band = np.full((60, 200), 120, np.uint8)
    band_mask = np.zeros((60, 200), np.uint8)
    band_mask[20:40, :] = 4
    band[band_mask > 0] = 60
    patches = extract_patches(band, band_mask)
    target = np.full((80, 70), 120, np.uint8)
    out, new_mask, placed = paste_defects(target, np.zeros((80, 70), np.uint8), patches,
                                          np.random.default_rng(0), count=1)
    assert len(placed) == 1 and (new_mask == 4).sum() == placed[0].defect_px > 0
    assert out[new_mask == 4].mean() < 90


def test_a_large_part_is_found_on_a_reduced_copy():
    image, truth = part_on_background(size=(900, 1200))
    found = part_mask(image)
    assert found.shape == truth.shape and (found == truth).mean() > 0.98


@pytest.mark.parametrize("seed", range(4))
def test_pastes_in_a_recipe_zone_land_inside_it_labeled_with_their_class(seed):
    from app.core.grading.zones import Polygon, Zone, ZoneSet

    image, truth = part_on_background(seed=seed)
    # A ring-shaped zone (a polygon with a hole) drawn on a reference image twice the size:
    # the rasterized zone, as grading sees it, is where pastes may land.
    ring = Polygon([(110, 70), (210, 70), (210, 170), (110, 170)],
                   holes=[[(140, 100), (180, 100), (180, 140), (140, 140)]])
    zones = ZoneSet((Zone("seal", (ring,), severity=2),), reference_size=(320, 240))
    zone = zones.rasterize(image.shape).mask("seal")
    assert zone.any() and not zone[60, 80]  # the hole is not in the zone
    mask = np.zeros(image.shape, np.uint8)
    cv2.circle(mask, (60, 55), 4, 3, -1)  # an existing defect inside the zone
    assert zone[55, 60]
    src_image, src_mask = source_defects()
    patches = extract_patches(src_image, src_mask, [2])
    out, new_mask, placed = paste_defects(image, mask, patches, np.random.default_rng(seed),
                                          count=3, region=zone)
    assert placed, "nothing pasted"
    new = (new_mask > 0) & (mask == 0)
    assert (new_mask[new] == 2).all()  # every pasted pixel carries its patch's class ...
    assert int(new.sum()) == sum(p.defect_px for p in placed)
    assert zone[new].all() and truth[new].all()  # ... inside the zone and the part
    assert zone[out != image].all()  # the fading margin too: nothing changes outside the zone
    assert np.array_equal(new_mask[mask > 0], mask[mask > 0])  # the old defect untouched

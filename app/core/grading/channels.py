"""Probability channels of several models as one stack, so one `grade` call judges them all.

    probs, values = merge_channels([(seg_probs, [1, 2]), (anomaly_map, [7])])
    verdict = grade(probs, values, recipe)      # class 7 ("anomaly") is a class like 1 and 2

A defect-segmentation model gives one channel per class it learned; the good-parts-only model
gives one, its anomaly map, named by the project class "anomaly". Stacked, the anomaly map is an
extra class: the recipe's threshold, noise floor, zones and rules apply to its components as to
any class's, through the same grading code (pipeline.grade).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def merge_channels(
    maps: Iterable[tuple[np.ndarray, Sequence[int]]],
) -> tuple[np.ndarray, list[int]]:
    """uint8 (C1 + C2 + ..., H, W) and its class values, in the order given.

    Each map is uint8 (C, H, W) with C class values. Refuses (ValueError, nothing built) maps
    of other sizes or types, and a class value named twice (two models must not both decide
    one class).
    """
    arrays: list[np.ndarray] = []
    values: list[int] = []
    for probs, classes in maps:
        if probs.ndim != 3 or probs.dtype != np.uint8:
            raise ValueError(f"probability maps must be uint8 (C, H, W), got {probs.dtype} "
                             f"{probs.shape}")
        if len(classes) != probs.shape[0]:
            raise ValueError(f"{probs.shape[0]} channels but {len(classes)} class values")
        if arrays and probs.shape[1:] != arrays[0].shape[1:]:
            raise ValueError(f"probability maps of different sizes: {arrays[0].shape[1:]} and "
                             f"{probs.shape[1:]}")
        twice = sorted(set(values) & {int(v) for v in classes})
        if twice:
            raise ValueError(f"class value {twice[0]} comes from two models; each class must "
                             "come from one")
        arrays.append(probs)
        values.extend(int(v) for v in classes)
    if not arrays:
        raise ValueError("no probability maps to merge")
    if len(arrays) == 1:
        return arrays[0], values
    return np.concatenate(arrays, axis=0), values

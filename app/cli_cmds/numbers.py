"""argparse types for numeric options with a range: a bad value is a one-line usage error
("argument --epochs: must be an integer >= 1, got '0'") before anything is opened."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def float_above(low: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= low:
            raise argparse.ArgumentTypeError(f"must be a number > {low:g}, got {text!r}")
        return value

    parse.__name__ = f"number > {low:g}"
    return parse

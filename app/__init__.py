"""Defect Studio: label, train, grade and review industrial defect segmentation.

Importing `app` is cheap on purpose: no torch, no Qt. They load when a model or a window is needed.
"""

__all__ = ["__version__"]


def __getattr__(name):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("defect-studio")
        except PackageNotFoundError:  # running from a source tree without an install
            return "0.0.0+source"
    raise AttributeError(name)

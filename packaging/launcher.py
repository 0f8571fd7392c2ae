"""Entry script of the PyInstaller bundle: the same `app.cli:main` as the `defect-studio` command.

With DEFECT_STUDIO_SELFTEST=1 in the environment the bundle checks itself instead (see
selftest.py; packaging/smoke_test.sh uses it) and exits non-zero when something is missing.
"""

import multiprocessing
import os
import sys


def main() -> int:
    if os.environ.get("DEFECT_STUDIO_SELFTEST") == "1":
        import selftest

        return selftest.run()
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    # A frozen app re-executes itself for multiprocessing children (DataLoader workers on
    # Windows): this turns such a start into the child instead of a second app.
    multiprocessing.freeze_support()
    sys.exit(main())

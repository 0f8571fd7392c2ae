"""A tiny text progress bar for the terminal, written to stderr so stdout stays for results.

    bar = TextProgress()
    ctx = JobContext(progress_fn=bar)    # called as bar(done, total, message)
    ...
    bar.close()

On a terminal one line is redrawn in place (at most every ``interval`` seconds, and whenever
the phase, the message's first word, changes). Into a file or pipe it writes a line per phase
and per 10 %, so logs stay short.
"""

from __future__ import annotations

import shutil
import signal
import sys
import time
from typing import TextIO


class TextProgress:
    def __init__(self, stream: TextIO | None = None, width: int = 28, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.width = width
        self.interval = interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._phase: str | None = None
        self._decile = -1
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        phase = message.split(" ", 1)[0]
        new_phase = phase != self._phase
        self._phase = phase
        if self.tty:
            now = time.monotonic()
            if new_phase or done >= total or now - self._last >= self.interval:
                self._last = now
                self._write("\r" + self._fit(self.line(done, total, message)) + "\x1b[K")
            return
        decile = 10 * done // total if total > 0 else -1
        if new_phase or decile > self._decile:
            self._write(self.line(done, total, message) + "\n")
            self._decile = decile

    def line(self, done: int, total: int, message: str) -> str:
        if total <= 0:  # size unknown yet
            return message
        frac = min(max(done / total, 0.0), 1.0)
        fill = round(frac * self.width)
        bar = "#" * fill + "." * (self.width - fill)
        return f"[{bar}] {frac:4.0%} {done}/{total}  {message}"

    def close(self) -> None:
        if self.tty and self._drawn:
            self._write("\n")
        self._drawn = False

    def _fit(self, text: str) -> str:
        cols = shutil.get_terminal_size((100, 20)).columns
        return text[:max(cols - 1, 10)]

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True


def cancel_on_ctrl_c(ctx):
    """First Ctrl-C asks the job to stop cleanly at its next check; a second one kills.

    Returns the previous handler: restore it with signal.signal(signal.SIGINT, previous).
    """
    def handler(signum, frame):
        print("\nStopping (press Ctrl-C again to force)...", file=sys.stderr)
        ctx.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return signal.signal(signal.SIGINT, handler)

"""Ctrl-C in the first moments of a command (before its own handler is installed) ends it with
a sentence and exit status 130, not a KeyboardInterrupt traceback."""

import signal
import subprocess
import sys
import time

import pytest

from app.cli import INTERRUPTED, main


def test_interrupt_while_a_command_starts(monkeypatch, capsys):
    import app.cli_cmds.report as report

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "run", interrupted)
    assert main(["report", "x.dsproj", "1", "--out", "o"]) == INTERRUPTED
    err = capsys.readouterr().err
    assert "Interrupted: nothing was changed." in err and "Traceback" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child: POSIX")
def test_real_ctrl_c_in_the_first_half_second():
    code = ("import time, app.cli as c, app.cli_cmds.report as r\n"
            "def slow(args):\n"
            "    print('started', flush=True); time.sleep(30)\n"
            "r.run = slow\n"
            "raise SystemExit(c.main(['report', 'x.dsproj', '1', '--out', 'o']))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == INTERRUPTED
    assert "Interrupted: nothing was changed." in err and "Traceback" not in err

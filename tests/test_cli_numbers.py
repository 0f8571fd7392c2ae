"""Every numeric option of every command is checked when the command line is read: a bad value
is a one-line usage error (exit 2) before any project is opened."""

import pytest

from app.cli import main

CASES = [
    # the probe's case: `train --batch 0` ended in "ZeroDivisionError: integer modulo by zero"
    (["train", "P.dsproj", "--batch", "0"], "argument --batch: must be an integer >= 1, got '0'"),
    (["train", "P.dsproj", "--epochs", "0"], "argument --epochs: must be an integer >= 1"),
    (["train", "P.dsproj", "--tile", "16"], "argument --tile: must be an integer >= 32"),
    (["train", "P.dsproj", "--lr", "nan"], "argument --lr: must be a number > 0"),
    (["train", "P.dsproj", "--patience", "-1"], "argument --patience: must be an integer >= 0"),
    (["train", "P.dsproj", "--threads", "0"], "argument --threads: must be an integer >= 1"),
    (["predict", "P.dsproj", "--model", "0"], "argument --model: must be an integer >= 1"),
    (["predict", "P.dsproj", "--threads", "x"], "argument --threads: must be an integer >= 1"),
    (["inspect", "P.dsproj", "--model", "-3"], "argument --model: must be an integer >= 1"),
    (["inspect", "P.dsproj", "--resume", "0"], "argument --resume: must be an integer >= 1"),
    (["inspect", "P.dsproj", "--threads", "1e9"], "argument --threads: must be an integer >= 1"),
    (["grade", "P.dsproj", "a.png", "--recipe", "r", "--model", "0"],
     "argument --model: must be an integer >= 1"),
    (["report", "P.dsproj", "-1", "--out", "o"], "argument RUN_ID: must be an integer >= 1"),
    (["deploy", "P.dsproj", "--model", "0", "--recipe", "r", "--out", "o"],
     "argument --model: must be an integer >= 1"),
]


@pytest.mark.parametrize("argv,message", CASES, ids=[" ".join(c[0][::2]) for c in CASES])
def test_bad_number_is_a_usage_error(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)  # P.dsproj does not exist: nothing is opened before the check
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []

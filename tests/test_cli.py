"""The mightnt command line: list, check (formats, exit codes), counterexample, replay, explain."""

import json
import subprocess
import sys

import pytest

from proofs_checks import registry
from proofs_checks.cli import main


def test_list_shows_every_claim(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for claim_id in registry.SPEC_ORDER:
        assert claim_id in out


def test_check_json_has_the_promised_schema(capsys):
    assert main(["check", "pinsker", "conj-pinsker-quarter", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    records = {c["id"]: c for c in data["claims"]}
    assert set(records) == {"pinsker", "conj-pinsker-quarter"}
    for record in records.values():
        assert {"id", "kind", "expected", "verdict", "margin", "examples", "seconds"} <= set(record)
        assert record["verdict"] == record["expected"]


def test_check_markdown_and_table(capsys):
    assert main(["check", "pinsker", "--format", "markdown"]) == 0
    assert "| `pinsker` | theorem | holds | holds | yes |" in capsys.readouterr().out
    assert main(["check", "pinsker"]) == 0
    assert "1 of 1 claims met their expected outcome." in capsys.readouterr().out


def test_check_exits_non_zero_when_a_claim_misses_its_outcome(capsys, monkeypatch):
    from proofs_checks.claims import pinsker

    # Register a false theorem under a user id: check must fail (exit 1) and say so.
    registry.register(pinsker.make("1/3", id="pinsker-third"), replace=True)
    assert main(["check", "pinsker-third"]) == 1
    assert "0 of 1 claims met" in capsys.readouterr().out


def test_unknown_ids_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "pinskr"])
    assert exit_info.value.code == 2
    assert "did you mean 'pinsker'" in capsys.readouterr().err


def test_counterexample_then_replay(tmp_path, capsys):
    out = tmp_path / "quarter.json"
    assert main(["counterexample", "conj-pinsker-quarter", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "certified in exact" in printed and "VIOLATED" in printed
    assert main(["replay", str(out)]) == 0
    assert "certificate verified" in capsys.readouterr().out
    data = json.loads(out.read_text())
    data["instance"]["dict"]["beta"] = data["instance"]["dict"]["pi"]
    data["instance"]["dict"]["q"] = data["instance"]["dict"]["p"]
    out.write_text(json.dumps(data))
    assert main(["replay", str(out)]) == 1
    assert "no longer proves its claim" in capsys.readouterr().err


def test_counterexample_of_a_theorem_that_holds_fails_cleanly(capsys, tmp_path):
    assert main(["counterexample", "pinsker", "--out", str(tmp_path / "none.json")]) == 1
    assert "no counterexample to pinsker" in capsys.readouterr().err
    assert not (tmp_path / "none.json").exists()


def test_replay_of_garbage_is_rejected(tmp_path, capsys):
    path = tmp_path / "garbage.json"
    path.write_text("not json")
    assert main(["replay", str(path)]) == 1
    assert "invalid certificate" in capsys.readouterr().err


def test_explain_says_what_and_how(capsys):
    assert main(["explain", "pinsker"]) == 0
    out = capsys.readouterr().out
    assert "statement:" in out and "what is checked, and how:" in out and "mightnt check pinsker" in out


def test_python_dash_m_is_the_same_command():
    proc = subprocess.run([sys.executable, "-m", "proofs_checks", "list"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "thm1-novel-situations" in proc.stdout


def test_version_prints_the_installed_version(capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mightnt {metadata.version('mightnt')}"


@pytest.mark.parametrize("argv, message", [
    (["check", "pinsker", "--jobs", "0"], "--jobs"),
    (["check", "pinsker", "--budget", "nan"], "--budget"),
    (["check", "pinsker", "--max-examples", "-3"], "--max-examples"),
    (["check", "pinsker", "--timeout", "inf"], "--timeout"),
])
def test_bad_effort_options_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err

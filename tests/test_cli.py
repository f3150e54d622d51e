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
    for claim_id in registry.BUILTIN:
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
    assert main(["replay", str(path)]) == 2  # a malformed certificate is a user error: exit 2, one line
    err = capsys.readouterr().err
    assert "invalid certificate" in err and err.count("\n") == 1


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


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "pinsker", "--jobs", "0"], "--jobs"),
        (["check", "pinsker", "--budget", "nan"], "--budget"),
        (["check", "pinsker", "--max-examples", "-3"], "--max-examples"),
        (["check", "pinsker", "--timeout", "inf"], "--timeout"),
    ],
)
def test_bad_effort_options_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# -- user errors: one line, exit 2, never a traceback (issue 9) ----------------------------------------------------
def _one_line_error(capsys, code, expected_code=2):
    err = capsys.readouterr().err
    assert code == expected_code, err
    assert err.startswith("mightnt: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    "content, message",
    [
        (b'\xff\xfe{"format"', "is not UTF-8 text"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
        (b'{"format": "mightnt-certificate", "version": ' + b"9" * 5000 + b"}", "4300 digits"),
        (b'{"format": "mightnt-certificate", "version": 1, "precision": NaN}', "NaN is not allowed"),
        (b"[]", "not a mightnt certificate"),
    ],
)
def test_bad_certificate_files_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert message in _one_line_error(capsys, main(["replay", str(path)]))


def test_a_certificate_above_the_size_limit_is_refused_unread(tmp_path, capsys, monkeypatch):
    from proofs_checks import certificates

    monkeypatch.setattr(certificates, "MAX_CERTIFICATE_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text("{" + " " * 2000 + "}")
    assert "larger than 1000 bytes" in _one_line_error(capsys, main(["replay", str(path)]))


def test_replay_of_dev_zero_refuses_quickly(capsys):
    import os
    import time

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    start = time.monotonic()
    assert "larger than" in _one_line_error(capsys, main(["replay", "/dev/zero"]))
    assert time.monotonic() - start < 10


def test_a_certificate_too_large_to_replay_is_refused(tmp_path, capsys):
    from proofs_checks import check
    from proofs_checks.certificates import make_certificate, write

    claim = registry.get("conj-pinsker-quarter")
    found = check(claim)
    data = make_certificate(claim, found.counterexample, kind="refutation", evaluation=found.evaluation)
    data["instance"]["dict"]["horizon"] = 60  # 2^60 histories: refused by the size guard or the time limit
    path = tmp_path / "big.json"
    write(data, path)
    err = _one_line_error(capsys, main(["replay", str(path), "--timeout", "5"]))
    assert "too large to replay" in err


def test_output_paths_are_checked_before_the_search(tmp_path, capsys, monkeypatch):
    from proofs_checks import cli

    monkeypatch.setattr(cli, "check", lambda *a, **k: pytest.fail("the search ran"))
    missing = tmp_path / "missing" / "x.json"
    assert "does not exist" in _one_line_error(
        capsys, main(["counterexample", "conj-pinsker-quarter", "--out", str(missing)])
    )
    assert "is a folder" in _one_line_error(
        capsys, main(["counterexample", "conj-pinsker-quarter", "--out", str(tmp_path)])
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(cli, "run_checks", lambda *a, **k: pytest.fail("the search ran"))
    assert "not a folder" in _one_line_error(capsys, main(["check", "pinsker", "--certificates", str(blocker)]))


def test_experiment_sizes_are_refused_before_anything_runs(capsys, monkeypatch):
    from proofs_checks.experiments import teacher_student

    monkeypatch.setattr(teacher_student, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    err = _one_line_error(capsys, main(["experiment", "teacher-student", "--episodes", "1000000000"]))
    assert "TiB of memory (estimated)" in err and "limit of 4 GiB" in err and "at most" in err


@pytest.mark.parametrize(
    "content, message",
    [
        ("# no tables\n", "no generated table corpus-scan"),
        (b"\xff\xfe", "cannot read it"),
        (None, "cannot read it: No such file"),
    ],
)
def test_an_experiment_page_without_its_tables_is_refused_before_anything_runs(
    content, message, tmp_path, capsys, monkeypatch
):
    from proofs_checks.experiments import teacher_student

    monkeypatch.setattr(teacher_student, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    page = tmp_path / "page.md"
    if content is not None:
        page.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = ["experiment", "teacher-student", "--out", str(tmp_path / "plots"), "--page", str(page)]
    err = _one_line_error(capsys, main(argv))
    assert f"--page {page}: " in err and message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "pinsker", "--seed", "-1"], "--seed"),
        (["check", "pinsker", "--seeds", "0"], "--seeds"),
        (["check", "pinsker", "--jobs", "100000"], "--jobs"),
        (["check", "pinsker", "--memory", "0"], "--memory"),
        (["check", "pinsker", "--timeout", "1e300"], "--timeout"),
        (["check", "pinsker", "--max-examples", "1000000000"], "--max-examples"),
        (["check", "pinsker", "--seed", "9" * 5000], "--seed"),
        (["counterexample", "pinsker", "--seed", "x"], "--seed"),
        (["replay", "x.json", "--timeout", "-1"], "--timeout"),
        (["experiment", "teacher-student", "--turns", "0"], "--turns"),
        (["experiment", "teacher-student", "--budget", "inf"], "--budget"),
        (["experiment", "teacher-student", "--corpus", "-1"], "--corpus"),
        (["experiment", "teacher-student", "--episodes", "0"], "--episodes"),
    ],
)
def test_sizes_out_of_range_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_internal_errors_are_one_line_with_a_hint_and_debug_shows_them(capsys, monkeypatch):
    from proofs_checks import cli

    def broken(args):
        raise RuntimeError("a defect")

    monkeypatch.setattr(cli, "_cmd_explain", broken)
    code = main(["explain", "pinsker"])
    err = capsys.readouterr().err
    assert code == 3 and "internal error: RuntimeError: a defect" in err and "--debug" in err
    assert err.count("\n") == 1
    with pytest.raises(RuntimeError, match="a defect"):
        main(["--debug", "explain", "pinsker"])
    with pytest.raises(RuntimeError, match="a defect"):
        main(["explain", "pinsker", "--debug"])


def test_no_traceback_from_a_fresh_process(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff")
    proc = subprocess.run(
        [sys.executable, "-m", "proofs_checks", "replay", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    debug = subprocess.run(
        [sys.executable, "-m", "proofs_checks", "--debug", "replay", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "CertificateError" in debug.stderr

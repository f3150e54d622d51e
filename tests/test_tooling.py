"""The linters run with the tests: ruff (lint and format) over the repository and mypy over `theory/`, with the
configuration in pyproject.toml. Each takes a few seconds; a tool that is not installed skips its test (the
``test`` extra installs both)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["theory", "proofs_checks", "tests", "benchmarks"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _require(module: str) -> None:
    if subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True).returncode != 0:
        pytest.skip(f"{module} is not installed (pip install '.[test]')")


def test_ruff_finds_no_lint_errors():
    _require("ruff")
    out = _run("ruff", "check", *PATHS)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_leaves_the_code_as_it_is():
    _require("ruff")
    out = _run("ruff", "format", "--check", *PATHS)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_finds_no_type_errors_in_theory():
    _require("mypy")
    out = _run("mypy")
    assert out.returncode == 0, out.stdout + out.stderr

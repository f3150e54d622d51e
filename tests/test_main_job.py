"""The README's main job, ``mightnt check``, runs and every claim meets its expected outcome."""

import json
import shutil
import subprocess
import sys


def test_mightnt_check_meets_every_expected_outcome():
    command = [shutil.which("mightnt")] if shutil.which("mightnt") else [sys.executable, "-m", "proofs_checks"]
    proc = subprocess.run(command + ["check", "--format", "json"], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["total"] == 21 and report["met"] == 21
    for claim in report["claims"]:
        assert claim["verdict"] == claim["expected"], claim
    # Progress was shown, one line per claim at least.
    assert proc.stderr.count("[") >= 21

"""The README's main job, ``mightnt check``, runs and every claim meets its expected outcome."""

import json
import shutil
import subprocess
import sys

from proofs_checks import registry


def test_mightnt_check_meets_every_expected_outcome():
    command = [shutil.which("mightnt")] if shutil.which("mightnt") else [sys.executable, "-m", "proofs_checks"]
    proc = subprocess.run(command + ["check", "--format", "json"], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    # The paper's 21 claims and the KL-estimator lab's 7.
    assert len(registry.BUILTIN) == 28
    assert report["total"] == 28 and report["met"] == 28
    for claim in report["claims"]:
        assert claim["verdict"] == claim["expected"], claim
    # Progress was shown, one line per claim at least.
    assert proc.stderr.count("[") >= 28

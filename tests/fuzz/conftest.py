"""Session report of the fuzz suite: how many instances each fuzz test checked, and how many tests failed.

Printed in the pytest terminal summary and written (merged into the running campaign totals) to
``.mightnt/fuzz-counts.json`` under the project root, so a long campaign
(``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/fuzz``) can report "N instances, 0 disagreements".
"""

import json
import os
import time
from pathlib import Path

from ._counts import COUNTS

_FAILED: list = []


def pytest_runtest_logreport(report):
    if report.failed and "tests/fuzz/" in report.nodeid.replace(os.sep, "/"):
        _FAILED.append(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    total = sum(COUNTS.values())
    tr = terminalreporter
    tr.section("fuzz instances")
    for name, n in sorted(COUNTS.items()):
        tr.write_line(f"{name:40s} {n:>10d}")
    tr.write_line(f"{'total':40s} {total:>10d}   failing fuzz tests: {len(_FAILED)}")
    out = Path(str(config.rootpath)) / ".mightnt" / "fuzz-counts.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        previous = json.loads(out.read_text()) if out.exists() else {}
        campaign = dict(previous.get("campaign", {}))
        for name, n in COUNTS.items():
            campaign[name] = campaign.get(name, 0) + n
        record = {
            "session": {
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "profile": os.environ.get("HYPOTHESIS_PROFILE", "ci"),
                "instances": dict(sorted(COUNTS.items())),
                "total": total,
                "failed_tests": list(_FAILED),
            },
            "campaign": dict(sorted(campaign.items())),
            "campaign_total": sum(campaign.values()),
            "campaign_failed_tests": previous.get("campaign_failed_tests", 0) + len(_FAILED),
        }
        out.write_text(json.dumps(record, indent=2) + "\n")
        tr.write_line(f"written to {out}")
    except (OSError, ValueError) as err:  # a report, never a reason to fail the session
        tr.write_line(f"could not write {out}: {err}")

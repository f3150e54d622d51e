"""Hypothesis profiles shared by the whole suite.

``ci`` (the default): derandomized, so a run is reproducible and never flaky; ``thorough``: many more examples
for long campaigns (``HYPOTHESIS_PROFILE=thorough pytest``); ``dev``: few examples, for quick edits; ``fuzz``: 20000
examples per test, randomized, for the fuzz suite's campaigns (``HYPOTHESIS_PROFILE=fuzz pytest tests/fuzz``).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=10, deadline=None, derandomize=True)
# ``fuzz``: long randomized campaigns (``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/fuzz``); not derandomized,
# hypothesis prints the seed of a failing run (``--hypothesis-seed=N`` replays it) and its example database keeps it.
# ``FUZZ_EXAMPLES=N`` sets the examples per test (default 20000).
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

"""conj-tvd-boosts-only-optimal-everywhere: refuted (every maximizer raises a suboptimal action below h), with a
shrunk, certified, replayable counterexample; the true theorem (scope h) holds; the scan of random trees."""

import pytest

from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_tvd_boosts_only_optimal_everywhere as conj


# The claim without its table (the scan, tested below on its own), so the searches stay fast.
SEARCH = conj.make(tabulate=None)


@pytest.fixture(scope="module")
def refutation():
    return check(SEARCH, seed=0)


def test_refuted_with_a_small_certified_counterexample(refutation):
    assert refutation.verdict == "refuted" and refutation.met
    assert refutation.evaluation.context == "exact"
    x = refutation.counterexample
    assert x["horizon"] == 2 and x["beta"].n_actions == 3  # the smallest shape where the over-reading fails
    bad = refutation.evaluation.violated_parts()
    assert bad and all("h·(" in p.name for p in bad)  # below the start history, never at it
    assert all(p.lhs > 0 for p in bad)  # every maximizer raises the action there (an exact LP minimum)


def test_refuted_under_another_seed():
    result = check(SEARCH, seed=1)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"


def test_certificate_replays(refutation, tmp_path):
    cert = make_certificate(conj.CLAIM, refutation.counterexample, kind="refutation", evaluation=refutation.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path).ok


def test_the_theorem_at_the_start_history_is_not_refuted():
    result = check(conj.make(scope="start", id="tvd-at-start"), max_examples=30)
    assert result.verdict == "holds" and not result.met


def test_scan_of_random_trees():
    # The docs' numbers: 150 random trees, three actions, no observations, horizon 3 (the claim's table).
    r = conj.scan(150, n_actions=3, n_observations=1, horizon=3, seed=0, robust=False)
    assert (r["trees"], r["with_violation"], r["pairs"], r["at_start"]) == (150, 116, 248, 0)
    x, bad = r["example"]
    assert bad and all(steps != () for steps, _, _ in bad)


def test_scan_violations_are_robust_and_certified():
    # With leaf values on a fine grid the optimum is almost surely unique: every violation the returned optimum
    # shows is shown by every maximizer (an exact LP per pair), and the claim refutes the example exactly.
    r = conj.scan(12, n_actions=3, n_observations=1, horizon=3, seed=0, robust=True)
    assert r["robust_pairs"] == r["pairs"] > 0 and r["at_start"] == 0
    x, bad = r["example"]
    assert conj.CLAIM.evaluate(x, "exact").holds is False

"""conj-k3-loss-forward: refuted under several seeds with a shrunk (one token), certified, replayable
counterexample, whose numbers are checked by hand."""

from fractions import Fraction as F

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_k3_loss_forward as conj

# The budget `mightnt check` gives the built-in claims: a guard the count-sized search stays well inside.
from proofs_checks.registry import PAPER_BUDGET

ln = theory.LogLinear.log


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refuted_under_several_seeds(seed):
    result = check(conj.CLAIM, seed=seed, budget=PAPER_BUDGET)
    assert result.verdict == "refuted" and result.met and result.evaluation.context == "exact"
    assert result.counterexample["horizon"] == 1  # shrunk to one token


def test_the_shrunk_counterexample_by_hand():
    result = check(conj.CLAIM, budget=PAPER_BUDGET)
    x = result.counterexample
    # One token, π = (1/2, 1/2), π_ref = (3/4, 1/4): pathwise k3 gives π − π_ref = (−1/4, 1/4) = ∇KL(π_ref‖π);
    # ∇KL(π‖π_ref) = π_b(ℓ_b − KL) = (−¼ ln 3, ¼ ln 3) ≈ (−0.2747, 0.2747).
    assert x["pi"].emission("exact").tolist() == [[F(1, 2), F(1, 2)]]
    assert x["ref"].emission("exact").tolist() == [[F(3, 4), F(1, 4)]]
    first = result.evaluation.parts[0]
    assert (first.lhs, first.rhs, first.holds) == (F(-1, 4), -ln(3) / 4, False)


def test_certificate_replays(tmp_path):
    result = check(conj.CLAIM)
    cert = make_certificate(conj.CLAIM, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path).ok

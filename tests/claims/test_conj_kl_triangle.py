"""conj-kl-triangle: refuted for C = 100 and C = 1 with τ of full support (finite KLs), under several seeds, with
shrunk, certified, replayable counterexamples; the true relative (TVD² on the left, C = 1) holds."""

import math
from fractions import Fraction

import pytest

from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_kl_triangle as tri
from theory.arith import LogLinear


def _finite_counterexample(result):
    assert result.verdict == "refuted" and result.met
    assert result.evaluation.context == "exact"
    tau = result.counterexample["tau"]
    assert sum(tau) == 1 and min(tau) > 0  # full support
    part = result.evaluation.parts[0]
    assert not math.isinf(part.lhs) and not math.isinf(part.rhs) and part.holds is False


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_c100_refuted_under_several_seeds(seed):
    _finite_counterexample(check(tri.CLAIM, seed=seed))


@pytest.mark.parametrize("seed", [0, 1])
def test_c1_refuted(seed):
    result = check(tri.make(1), seed=seed)
    _finite_counterexample(result)
    # Shrunk to two outcomes with small denominators.
    assert len(result.counterexample["pi"]) == 2


def test_the_true_relative_holds():
    result = check(tri.make(1, lhs="tvd²", full_support=False, id="tvd-triangle", kind="theorem"), max_examples=100)
    assert result.verdict == "holds" and result.met and result.unconfirmed == 0


def test_certificate_replays(tmp_path):
    result = check(tri.CLAIM, seed=3)
    cert = make_certificate(tri.CLAIM, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "triangle.json"
    write(cert, path)
    assert replay(path).ok


def test_hand_derived_counterexample():
    # π = β = (1/2, 1/2), τ = (1 − δ, δ) with δ = 2^-300: KL(π‖β) = 0, KL(τ‖β) = (1−δ)ln(2(1−δ)) + δ ln(2δ) < ln 2,
    # KL(π‖τ) = ½ ln(1/(4δ(1−δ))) = ½·(298 ln 2 − ln(1−δ)) ≈ 149 ln 2 > 100·ln 2.
    d = Fraction(1, 2**300)
    half = (Fraction(1, 2), Fraction(1, 2))
    x = {"pi": half, "beta": half, "tau": (1 - d, d)}
    ev = tri.CLAIM.evaluate(x, "exact")
    lhs = LogLinear.log(1 / (4 * d * (1 - d))) * Fraction(1, 2)
    assert ev.parts[0].lhs == lhs
    assert ev.parts[0].rhs < LogLinear.log(2) * 100
    assert ev.holds is False
    # The same τ with δ = 2^-100 is not a counterexample for C = 100 (ratio about 49), but is for C = 1.
    y = {"pi": half, "beta": half, "tau": (1 - Fraction(1, 2**100), Fraction(1, 2**100))}
    assert tri.CLAIM.evaluate(y, "exact").holds is True
    assert tri.make(1).evaluate(y, "exact").holds is False

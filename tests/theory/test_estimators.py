"""theory.estimators: hand-computed one-token values, the behaviour at the edges, and bad inputs.

The exhaustive comparison against an independent brute force and Monte Carlo is tests/theory/test_estimators_brute.py.
"""

import math
from fractions import Fraction as F

import numpy as np
import pytest

import theory
from theory.errors import (
    AlphabetError,
    InfiniteEstimateError,
    OptionError,
    ProbabilityError,
    ResourceLimitError,
    TypeMismatchError,
    UnderflowError,
)

ENV = theory.sequence_environment(2)
PI = theory.SoftmaxPolicy.iid(["1/2", "1/2"])
REF = theory.FiniteStatePolicy.iid(["1/4", "3/4"])
LN2, LN3 = math.log(2), math.log(3)


def moments(**kw):
    kw.setdefault("arith", "exact")
    return theory.estimator_moments(PI, REF, ENV, kw.pop("horizon", 1), **kw)


def test_one_token_by_hand():
    # ℓ = ln(π/π_ref): ℓ_0 = ln 2, ℓ_1 = ln(2/3); KL(π‖π_ref) = ½ ln 2 + ½ ln(2/3) = ln 2 − ½ ln 3.
    kl = LN2 - LN3 / 2
    assert float(moments(estimator="k1").expected_estimate) == pytest.approx(kl, abs=1e-15)
    assert float(moments(estimator="k3").expected_estimate) == pytest.approx(kl, abs=1e-15)
    # E[k2] = ½(½ ln²2 + ½ ln²(2/3)), not the KL.
    k2 = (LN2**2 + math.log(2 / 3) ** 2) / 4
    assert float(moments(estimator="k2").expected_estimate) == pytest.approx(k2, abs=1e-15)
    # Var[k1] = E[ℓ²] − KL².
    assert float(moments(estimator="k1").variance) == pytest.approx(2 * k2 - kl**2, abs=1e-15)
    # ∇KL(π‖π_ref) at logit b: p_b(ℓ_b − KL) = ±½(ln 2 − KL) = ±¼ ln 3.
    fwd = theory.kl_gradient(PI, REF, ENV, 1)
    assert np.allclose(fwd, [[LN3 / 4, -LN3 / 4]], atol=1e-15)
    # ∇KL(π_ref‖π) at logit b: p_b − r_b = (1/4, −1/4), exactly.
    assert theory.kl_gradient(PI, REF, ENV, 1, direction="reverse", arith="exact").tolist() == [[F(1, 4), F(-1, 4)]]


def test_the_three_arithmetics_agree_on_every_case():
    old = theory.FiniteStatePolicy.iid(["2/3", "1/3"])
    for estimator in theory.estimators.ESTIMATORS:
        for placement in theory.estimators.PLACEMENTS:
            for level in theory.estimators.LEVELS:
                for sampling, ratio in [(None, None), (old, None), (old, "sequence")]:
                    kw = dict(estimator=estimator, placement=placement, level=level, sampling=sampling, ratio=ratio)
                    e = moments(horizon=2, **kw)
                    f = moments(horizon=2, arith="float", **kw)
                    b = moments(horizon=2, arith="ball", **kw)
                    exact = [e.expected_estimate, e.variance, *e.expected_gradient.reshape(-1)]
                    flt = [f.expected_estimate, f.variance, *f.expected_gradient.reshape(-1)]
                    ball = [b.expected_estimate, b.variance, *b.expected_gradient.reshape(-1)]
                    ctx = theory.get_context("exact")
                    for x, y, z in zip(exact, flt, ball):
                        lo, hi = ctx.rational_bounds(x)
                        assert abs(float(lo) - y) <= 1e-12 * max(1, abs(y)), kw
                        b_lo, b_hi = theory.get_context("ball").rational_bounds(z)
                        assert b_lo <= hi and lo <= b_hi, kw


def test_horizon_zero_has_nothing_to_estimate():
    m = moments(horizon=0, estimator="k2", placement="both")
    assert m.expected_estimate == 0 and m.variance == 0 and (m.expected_gradient == 0).all()


def test_an_uncovered_token_makes_the_estimate_infinite_with_a_named_history():
    zero = theory.FiniteStatePolicy.iid([1, 0])
    with pytest.raises(InfiniteEstimateError, match=r"action 1 probability 0 at history \(\)"):
        theory.estimator_moments(PI, zero, ENV, 1, arith="float")
    # Off-policy samples that never take the uncovered action: finite (k1 does not look at other actions) ...
    m = theory.estimator_moments(PI, zero, ENV, 1, sampling=zero, arith="exact")
    assert m.expected_estimate == theory.get_context("exact").log(F(1, 2))
    # ... but the full estimator looks at every action of the visited histories.
    with pytest.raises(InfiniteEstimateError):
        theory.estimator_moments(PI, zero, ENV, 1, sampling=zero, estimator="full")
    with pytest.raises(InfiniteEstimateError, match=r"action 1 probability 0 at history \(\), reached by sample"):
        theory.sample_estimator(PI, zero, ENV, 1, n=10)
    late = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1], [1]], [[1], [1]]])  # rules out 1 at step 2
    with pytest.raises(InfiniteEstimateError, match=r"action 1 probability 0 at history \(\((0|1), 0\),\)"):
        theory.sample_estimator(PI, late, ENV, 2, n=50)


def test_bad_options_are_refused_by_name():
    with pytest.raises(OptionError, match="k4"):
        moments(estimator="k4")
    with pytest.raises(OptionError, match="penalty"):
        moments(placement="penalty")
    with pytest.raises(OptionError, match="episode"):
        moments(level="episode")
    with pytest.raises(OptionError, match="'tok'"):
        moments(ratio="tok", sampling=REF)
    with pytest.raises(OptionError, match="ratio='token'"):
        moments(ratio="token", sampling=REF, level="sequence")
    with pytest.raises(OptionError, match="full estimator"):
        moments(ratio="token", sampling=REF, estimator="full")
    with pytest.raises(OptionError):
        theory.kl_gradient(PI, REF, ENV, 1, direction="backward")


def test_bad_parts_are_refused():
    with pytest.raises(TypeMismatchError, match="SoftmaxPolicy"):
        theory.estimator_moments(REF, REF, ENV, 1)
    semi = theory.FiniteStatePolicy.iid(["1/4", "1/2"], semi=True)
    with pytest.raises(ProbabilityError, match="abstains"):
        theory.estimator_moments(PI, semi, ENV, 1)
    with pytest.raises(ProbabilityError, match="abstains"):
        theory.estimator_moments(PI, REF, ENV, 1, sampling=semi)
    with pytest.raises(AlphabetError):
        theory.estimator_moments(PI, theory.FiniteStatePolicy.iid(["1/3", "1/3", "1/3"]), ENV, 1)
    with pytest.raises(ProbabilityError, match=r"emission\[0, 1\] is 0"):
        theory.SoftmaxPolicy.iid([1, 0])
    with pytest.raises(ProbabilityError, match="finite"):
        theory.SoftmaxPolicy.from_logits([[0.0, math.inf]], [[[0], [0]]])
    with pytest.raises(ProbabilityError, match="never abstains"):
        theory.SoftmaxPolicy.iid(["1/2", "1/4"], semi=True)


def test_sizes_are_estimated_before_allocating():
    with pytest.raises(ResourceLimitError, match="max_nodes"):
        theory.estimator_moments(PI, REF, ENV, 40, max_nodes=50)
    with pytest.raises(ResourceLimitError, match="max_nodes"):  # histories that never merge
        theory.estimator_moments(PI, REF, ENV, 40, merge=False)
    # Exact arithmetic: sympy products of logarithms cost milliseconds a node, so a smaller default limit, named.
    with pytest.raises(ResourceLimitError, match=r"max_symbolic_nodes=10000 in exact arithmetic.*arith='ball'"):
        theory.estimator_moments(PI, REF, ENV, 20, estimator="k2", merge=False, arith="exact")
    with pytest.raises(ResourceLimitError, match="max_symbolic_nodes=8"):
        theory.estimator_moments(PI, REF, ENV, 4, merge=False, arith="exact", max_symbolic_nodes=8)
    assert theory.estimator_moments(PI, REF, ENV, 4, merge=False, arith="exact", max_symbolic_nodes=31).horizon == 4
    for target in ("forward", "reverse"):  # the gradients' own walks take the same limit
        with pytest.raises(ResourceLimitError, match="max_symbolic_nodes=2"):
            theory.kl_gradient(PI, REF, ENV, 3, direction=target, arith="exact", max_symbolic_nodes=2)
    with pytest.raises(ResourceLimitError, match="max_symbolic_nodes=2"):
        theory.value_gradient(PI, ENV, theory.MeanReward([[0], [1]]), 3, arith="exact", max_symbolic_nodes=2)
    with pytest.raises(ResourceLimitError, match="n="):
        theory.sample_estimator(PI, REF, ENV, 2, n=10**9)
    with pytest.raises(ValueError):
        theory.sample_estimator(PI, REF, ENV, 1, n=1)


def test_an_overflowing_float_is_refused_not_returned():
    # π gives action 1 probability 1e-300: over two tokens the sequence's R = π_ref/π = (3/4·1e300)² overflows
    # in float, where the trajectory's probability 1e-600 underflows.
    tiny = theory.SoftmaxPolicy.iid([F(1) - F(1, 10**300), F(1, 10**300)])
    with pytest.raises(UnderflowError, match="arith='exact'"):
        theory.estimator_moments(tiny, REF, ENV, 2, estimator="k3", level="sequence", arith="float")
    ball = theory.estimator_moments(tiny, REF, ENV, 2, estimator="k3", level="sequence", arith="ball")
    # E[R²] over the trajectory (1, 1) alone: p² · (r/p)⁴ = r⁴/p² = (3/4)⁴·1e600.
    lower, _ = theory.get_context("ball").rational_bounds(ball.variance)
    assert lower > F(81, 256) * 10**600 * F(99, 100)
    # One token stays in range: float agrees with ball (E[k3²] ≈ r²/p = (9/16)·1e300).
    one = theory.estimator_moments(tiny, REF, ENV, 1, estimator="k3", arith="float")
    assert one.variance == pytest.approx(9 / 16 * 1e300, rel=1e-12)


def test_softmax_from_logits_and_score():
    pi = theory.SoftmaxPolicy.from_logits([[0.0, math.log(3)]], [[[0], [0]]])
    assert np.allclose(pi.probs(), [0.25, 0.75])
    assert np.allclose(pi.logits(), np.log([0.25, 0.75]))
    assert pi.score(0, 1, arith="exact")[0].tolist() == pytest.approx([-0.25, 0.25])
    assert eval(repr(pi), vars(theory)).probs().tolist() == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize("estimator", theory.estimators.ESTIMATORS)
@pytest.mark.parametrize("level", theory.estimators.LEVELS)
def test_merged_histories_give_the_unmerged_answers(estimator, level):
    # Horizon 7: levels of 64 and 128 histories, past the size from which the engine merges; a state that
    # follows the last action and a mixture reference that learns, so only some histories merge.
    pi = theory.SoftmaxPolicy([["1/3", "2/3"], ["3/5", "2/5"]], [[[0], [1]], [[0], [1]]])
    ref = theory.BayesianMixture([theory.FiniteStatePolicy.iid(["1/4", "3/4"]), REF], ["1/2", "1/2"])
    old = theory.FiniteStatePolicy.iid(["2/3", "1/3"])
    for placement in theory.estimators.PLACEMENTS:
        for sampling, ratio in [(None, None), (old, None), (old, "sequence")]:
            kw = dict(estimator=estimator, placement=placement, level=level, sampling=sampling, ratio=ratio)
            merged = theory.estimator_moments(pi, ref, ENV, 7, **kw)
            kept = theory.estimator_moments(pi, ref, ENV, 7, merge=False, **kw)
            assert merged.expected_estimate == pytest.approx(kept.expected_estimate, rel=1e-10, abs=1e-12), kw
            assert merged.variance == pytest.approx(kept.variance, rel=1e-9, abs=1e-12), kw
            assert np.allclose(merged.expected_gradient, kept.expected_gradient, rtol=1e-9, atol=1e-12), kw


def test_merging_reaches_long_horizons_with_the_closed_forms():
    # i.i.d. π and π_ref: over m tokens KL = m·KL₁, ∇KL(π‖π_ref) = m·∇KL₁, the per-token k3 in the loss gives
    # m·∇KL₁(π_ref‖π), and the token sum of k1 has variance m·Var₁. Unmerged, horizon 300 would be 2^300 histories.
    m = 300
    kl1 = LN2 - LN3 / 2
    k1 = theory.estimator_moments(PI, REF, ENV, m, estimator="k1", placement="reward")
    assert k1.expected_estimate == pytest.approx(m * kl1, rel=1e-10)
    var1 = (LN2**2 + math.log(2 / 3) ** 2) / 2 - kl1**2
    assert k1.variance == pytest.approx(m * var1, rel=1e-8)
    assert np.allclose(k1.expected_gradient, [[m * LN3 / 4, -m * LN3 / 4]], rtol=1e-10)
    k3 = theory.estimator_moments(PI, REF, ENV, m, estimator="k3", placement="loss")
    assert np.allclose(k3.expected_gradient, [[m / 4, -m / 4]], rtol=1e-10)
    k2 = theory.estimator_moments(PI, REF, ENV, m, estimator="k2", placement="loss", level="sequence")
    assert np.allclose(k2.expected_gradient, theory.kl_gradient(PI, REF, ENV, m), rtol=1e-9)

"""theory.divergences: kl and tvd against their definitions, in three arithmetics, with the spec's conventions
(0·ln 0 = 0, KL = inf never nan, ⊥ as one more outcome for semi-distributions)."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory.arith import LogLinear

from proofs_checks.strategies import distributions

from .brute import BOT, INF, kl_vector
from .compare import assert_agree, close, enclose, exact_equal


def pairs(semi=False):
    """Two (semi-)distributions over the same alphabet."""
    return st.integers(1, 4).flatmap(lambda n: st.tuples(distributions(n, semi=semi), distributions(n, semi=semi)))


def with_bot(p):
    return list(p) + [1 - sum(p)]


def brute_tvd(p, q):
    return sum((abs(a - b) for a, b in zip(p, q)), Fraction(0)) / 2


def all_arithmetics(fn, p, q, **kw):
    return (
        fn([float(x) for x in p], [float(x) for x in q], **kw),
        fn(list(p), list(q), arith="exact", **kw),
        fn(list(p), list(q), arith="ball", **kw),
    )


@given(pairs(semi=True))
def test_kl_is_the_sum_of_p_log_p_over_q_with_bot_as_an_outcome(pq):
    p, q = pq
    expected = kl_vector(with_bot(p), with_bot(q))
    f, e, b = all_arithmetics(theory.kl, p, q)
    assert exact_equal(e, expected)
    assert_agree(f, e, b)
    if expected != INF:
        assert e >= 0  # Gibbs' inequality, decided exactly


@given(pairs(semi=True))
def test_tvd_is_half_the_l1_distance_with_bot_as_an_outcome(pq):
    p, q = pq
    expected = brute_tvd(with_bot(p), with_bot(q))
    f, e, b = all_arithmetics(theory.tvd, p, q)
    assert e == expected
    assert_agree(f, e, b)
    assert 0 <= e <= 1


@given(pairs())
def test_kl_is_zero_exactly_when_the_distributions_are_equal(pq):
    p, q = pq
    assert (theory.kl(list(p), list(q), arith="exact") == 0) == (p == q)
    assert theory.kl(list(p), list(p), arith="exact") == 0 and theory.tvd(list(p), list(p), arith="exact") == 0


@given(pairs(semi=True))
def test_pinsker(pq):
    p, q = pq
    k = theory.kl(list(p), list(q), arith="exact")
    t = theory.tvd(list(p), list(q), arith="exact")
    if k == INF:
        return
    # TVD ≤ sqrt(KL/2), i.e. 2 TVD² ≤ KL, decided exactly.
    assert 2 * t * t <= k


@given(st.fractions(0, 1, max_denominator=20), st.fractions(0, 1, max_denominator=20))
def test_kl_of_bernoullis_has_its_closed_form(a, b):
    # KL(Bern(a) ‖ Bern(b)) = a ln(a/b) + (1−a) ln((1−a)/(1−b)), with 0 ln 0 = 0 and inf where b rules a out.
    if (a > 0 and b == 0) or (a < 1 and b == 1):
        expected = INF
    else:
        expected = Fraction(0)
        if a > 0:
            expected = expected + a * LogLinear.log(a / b)
        if a < 1:
            expected = expected + (1 - a) * LogLinear.log((1 - a) / (1 - b))
    f, e, bl = all_arithmetics(theory.kl, [a, 1 - a], [b, 1 - b])
    assert exact_equal(e, expected)
    assert_agree(f, e, bl)
    if expected != INF:
        reference = (float(a) * math.log(float(a / b)) if a else 0.0) + (
            float(1 - a) * math.log(float((1 - a) / (1 - b))) if a < 1 else 0.0
        )
        assert math.isclose(f, reference, rel_tol=1e-12, abs_tol=1e-15)


def test_zero_log_zero_is_zero():
    for arith in ("float", "exact", "ball"):
        value = theory.kl([1, 0], ["1/2", "1/2"], arith=arith)
        assert close(value, math.log(2), rel=1e-15)
        assert close(theory.kl([0, 1, 0], ["1/4", "1/2", "1/4"], arith=arith), math.log(2), rel=1e-15)
    assert theory.kl([1, 0], ["1/2", "1/2"], arith="exact") == LogLinear.log(2)


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_kl_is_infinite_never_nan_and_says_where(arith):
    d = theory.kl(["1/4", "1/2", "1/4"], ["1/2", "1/2", "0"], arith=arith)
    assert isinstance(d, theory.InfiniteDivergence) and d == math.inf and not math.isnan(d)
    assert d.where == 2 and "outcome 2" in d.reason
    # Abstention where q never abstains: ⊥ is the outcome that breaks absolute continuity.
    d = theory.kl(["1/4", "1/2"], ["1/2", "1/2"], arith=arith)
    assert d == math.inf and d.where == BOT
    # Dict inputs report the label.
    d = theory.kl({"x": 0.5, "y": 0.5}, {"y": 1.0}, arith=arith)
    assert d == math.inf and d.where == "x"
    # q putting mass where p puts none is finite: only p's support matters.
    assert theory.kl([1, 0], ["1/2", "1/2"], arith=arith) != math.inf


def test_infinite_divergence_is_a_float_and_pickles():
    import pickle

    d = theory.kl([0.5, 0.5], [1.0, 0.0])
    assert math.isinf(d) and d > 1e308 and d + 1 == math.inf
    again = pickle.loads(pickle.dumps(d))
    assert again == math.inf and again.where == d.where and again.reason == d.reason


def test_semi_distribution_convention():
    # p sums to 1: the plain sum over listed outcomes whatever q's abstain mass (the raw sum).
    assert theory.kl(["1/2", "1/2"], ["1/2", "1/4"], arith="exact") == Fraction(1, 2) * LogLinear.log(2)
    # p abstains where q does too: ⊥ contributes p(⊥) ln(p(⊥)/q(⊥)).
    # p = (1/4, 1/4, ⊥ 1/2), q = (1/2, 1/4, ⊥ 1/4).
    expected = (
        Fraction(1, 4) * LogLinear.log(Fraction(1, 2))
        + Fraction(1, 4) * LogLinear.log(1)
        + Fraction(1, 2) * LogLinear.log(2)
    )
    assert theory.kl(["1/4", "1/4"], ["1/2", "1/4"], arith="exact") == expected
    # TVD counts the ⊥ difference too.
    assert theory.tvd(["1/2", "1/4"], ["1/2", "1/2"], arith="exact") == Fraction(1, 4)


def test_exactly_zero_abstention_in_ball_arithmetic():
    # Regression: 1 − Σ p in ball arithmetic is a ball straddling 0 where the ⊥ mass is exactly 0 (it gave nan).
    d = theory.kl(["999/1000", 0], ["999/1000", "1/1000"], arith="ball")
    assert d == math.inf and d.where == BOT
    assert theory.kl(["1/3", "2/3"], ["1/2", "1/2"], arith="ball").contains(
        enclose(theory.kl(["1/3", "2/3"], ["1/2", "1/2"], arith="exact"))
    )


def test_float_noise_is_not_abstention():
    p = [0.7, 0.2, 0.1]  # sums to 0.9999999999999999 in float
    assert sum(p) < 1.0
    assert theory.kl(p, [1 / 3, 1 / 3, 1 / 3]) != math.inf
    assert theory.kl(p, [1 / 3, 1 / 3, 1 / 3], arith="exact") != math.inf
    assert theory.tvd(p, p, arith="exact") == 0


@given(pairs())
def test_bits_are_nats_over_ln_2(pq):
    p, q = pq
    nats = theory.kl(list(p), list(q), arith="exact")
    bits = theory.kl(list(p), list(q), arith="exact", unit="bits")
    if nats == INF:
        assert bits == INF
        return
    assert enclose(bits).overlaps(enclose(nats) / enclose(LogLinear.log(2)))
    assert close(theory.kl([float(x) for x in p], [float(x) for x in q], unit="bits"), float(nats) / math.log(2))


def test_dict_inputs_align_labels():
    assert theory.tvd({"x": 0.5, "y": 0.5}, {"y": 0.5, "x": 0.5}) == 0
    assert close(
        theory.kl({"a": "1/2", "b": "1/2"}, {"b": "1/4", "a": "3/4"}, arith="exact"),
        0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25),
    )
    with pytest.raises(theory.AlphabetError):
        theory.kl({"a": 1}, [1])


def test_numpy_inputs_and_output_types():
    p, q = np.array([0.25, 0.75]), np.array([0.5, 0.5])
    assert isinstance(theory.kl(p, q), float)
    assert isinstance(theory.kl(p, q, arith="exact"), LogLinear)
    assert isinstance(theory.tvd(p, q, arith="exact"), Fraction) and theory.tvd(p, q, arith="exact") == Fraction(1, 4)


# ---------------------------------------------------------------------------------------------------------------
# convention="actions": the paper's raw sum over actions, ⊥ contributing nothing
# ---------------------------------------------------------------------------------------------------------------
@given(pairs(semi=True))
def test_kl_under_the_actions_convention_is_the_raw_sum_over_the_listed_outcomes(pq):
    p, q = pq
    expected = kl_vector(list(p), list(q))
    f, e, b = all_arithmetics(theory.kl, p, q, convention="actions")
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    if sum(p) == 1:
        # p never abstains: its ⊥ term 0·ln(0/q(⊥)) vanishes, so the two conventions agree.
        assert exact_equal(theory.kl(list(p), list(q), arith="exact"), e)


def test_the_actions_convention_ignores_bot_and_can_be_negative():
    # p abstains with 1/2 where q never abstains: ∞ with ⊥ as an outcome, ½ ln ½ < 0 as the raw sum.
    assert theory.kl(["1/2", 0], [1, 0], arith="exact").where == BOT
    raw = theory.kl(["1/2", 0], [1, 0], arith="exact", convention="actions")
    assert exact_equal(raw, LogLinear.log(Fraction(1, 2)) * Fraction(1, 2)) and float(raw) < 0
    # An action q rules out is still infinite, and says which.
    assert theory.kl(["1/2", "1/4"], [1, 0], convention="actions").where == 1
    # In bits: nats over ln 2.
    assert close(theory.kl([0.5, 0], [1, 0], convention="actions", unit="bits"), -0.5)


def test_a_bad_convention_is_rejected_by_name():
    with pytest.raises(theory.MightntError, match="convention 'outcomes'"):
        theory.kl([0.5, 0.5], [0.5, 0.5], convention="outcomes")
    with pytest.raises(theory.MightntError, match="convention None"):
        theory.kl([0.5, 0.5], [0.5, 0.5], convention=None)

"""The decisions the contexts own (theory.arith): ties, extremes, ⊥ mass, bisection points, rational bounds,
orders and weight transitions, in the three arithmetics against exact rationals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.arith import get_context
from theory.errors import ArithmeticContextError, UndecidedError

ARITHS = ("float", "exact", "ball")
FLOAT, EXACT = get_context("float"), get_context("exact")

rationals = st.fractions(min_value=-5, max_value=5, max_denominator=12)
rows = st.lists(rationals, min_size=1, max_size=6)


def _in(ctx, values):
    return ctx.array([str(v) for v in values])


@pytest.mark.parametrize("arith", ARITHS)
@given(values=rows)
def test_argmax_set_is_the_exact_argmax_away_from_ties(arith, values):
    ctx = get_context(arith)
    best = max(values)
    expected = [i for i, v in enumerate(values) if v == best]
    if arith == "ball" and len(expected) > 1:
        with pytest.raises(UndecidedError):  # a tie cannot be certified by enclosures
            ctx.argmax_set(_in(ctx, values))
        return
    assert ctx.argmax_set(_in(ctx, values)) == expected


def test_the_float_tie_rule_is_relative_and_one_rule():
    ctx = FLOAT
    assert ctx.argmax_set(np.array([0.1 + 0.2, 0.3])) == [0, 1]  # rounding does not split a tie
    assert ctx.argmax_set(np.array([1e-14, 0.0])) == [0]  # small but different values are not tied
    assert ctx.argmax_set(np.array([1e6 * (1 + 2.0**-42), 1e6])) == [0, 1]  # relative, not absolute
    assert ctx.argmax_set(np.array([1.0 + 1e-9, 1.0])) == [0]
    assert ctx.at_least(np.array([math.inf, -math.inf]), math.inf).tolist() == [True, False]
    assert not ctx.at_least(np.nan, 0.0)


@pytest.mark.parametrize("arith", ARITHS)
@given(values=rows)
def test_extreme_is_the_exact_maximum_and_minimum(arith, values):
    ctx = get_context(arith)
    for largest, expected in ((True, max(values)), (False, min(values))):
        got = ctx.extreme(list(_in(ctx, values)), largest=largest)
        lo, hi = ctx.rational_bounds(got)
        slack = Fraction(1, 10**12) if arith == "float" else 0  # a float is its own estimate, not an enclosure
        assert lo - slack <= expected <= hi + slack and hi - lo <= Fraction(1, 10**20)


@pytest.mark.parametrize("arith", ARITHS)
def test_extreme_of_nothing_is_refused(arith):
    with pytest.raises(ArithmeticContextError, match="at least one value"):
        get_context(arith).extreme([])


@pytest.mark.parametrize("arith", ARITHS)
def test_extreme_with_an_infinite_divergence(arith):
    ctx = get_context(arith)
    assert ctx.extreme([ctx.convert(1), math.inf]) == math.inf
    assert ctx.extreme([ctx.convert(1), math.inf], largest=False) == 1


@pytest.mark.parametrize("arith", ARITHS)
@given(total=st.fractions(0, 1, max_denominator=12))
def test_complement_is_the_missing_mass(arith, total):
    ctx = get_context(arith)
    got = ctx.complement(ctx.convert(str(total)))
    lo, hi = get_context("ball" if arith == "ball" else arith).rational_bounds(got)
    assert abs(lo - (1 - total)) <= Fraction(1, 10**9) and abs(hi - (1 - total)) <= Fraction(1, 10**9)


def test_float_rounding_of_a_full_distribution_is_no_abstention():
    assert FLOAT.complement(0.1 + 0.2 + 0.7) == 0.0
    assert EXACT.complement(Fraction(1)) == 0


@pytest.mark.parametrize("arith", ARITHS)
@given(lo=st.fractions(Fraction(1, 100), 100, max_denominator=100), width=st.fractions(Fraction(1, 100), 100))
def test_midpoint_lies_strictly_inside_the_bracket(arith, lo, width):
    ctx = get_context(arith)
    a, b = ctx.scalar(lo), ctx.scalar(lo + width)
    mid = ctx.midpoint(a, b)
    assert a < mid < b
    assert type(mid) is (float if arith == "float" else Fraction)  # certified contexts steer with rationals


@pytest.mark.parametrize("arith", ARITHS)
@given(w=st.lists(st.fractions(0, 1, max_denominator=6), min_size=1, max_size=5))
def test_descending_order_is_by_value_then_index(arith, w):
    ctx = get_context(arith)
    expected = sorted(range(len(w)), key=lambda i: (-w[i], i))
    if arith == "ball" and len(set(w)) < len(w):
        return  # equal balls cannot be ordered with certainty (top sets decide in exact arithmetic)
    assert ctx.descending_order(_in(ctx, w).reshape(1, -1)).tolist() == [expected]


@pytest.mark.parametrize("arith", ARITHS)
@given(
    w=st.lists(st.fractions(Fraction(1, 20), 1, max_denominator=20), min_size=2, max_size=2),
    r=st.fractions(Fraction(1, 16), Fraction(15, 16), max_denominator=16),
)
def test_weights_transition_is_the_linear_map_in_every_weight_domain(arith, w, r):
    ctx = get_context(arith)
    weights, _ = ctx.weights_from_linear(ctx.array([[str(v) for v in w]]))
    out = ctx.weights_linear(ctx.weights_transition(weights, [[1 - r, r], [0, 1]]))
    total = sum(w)
    u, s = w[0] / total, w[1] / total
    expected = [u * (1 - r), s + u * r]
    got = [ctx.rational_bounds(v) for v in out[0]]
    scale = sum(expected)  # the float domain renormalizes; compare the ratio
    ratio = [(lo + hi) / 2 for lo, hi in got]
    assert abs(ratio[0] / sum(ratio) - expected[0] / scale) <= Fraction(1, 10**9)


@pytest.mark.parametrize("arith", ARITHS)
def test_sum_by_bins_rows(arith):
    ctx = get_context(arith)
    out = ctx.sum_by(_in(ctx, ["1/2", "1/4", "1"]), np.array([0, 0, 1]), 3)
    assert [ctx.rational_bounds(v)[0] for v in out] == [Fraction(3, 4), 1, 0]


def test_rational_bounds_and_the_ball_counterpart():
    assert EXACT.rational_bounds(Fraction(1, 3)) == (Fraction(1, 3), Fraction(1, 3))
    lo, hi = EXACT.rational_bounds(EXACT.log(2))
    assert lo < hi and math.isclose(float(lo), math.log(2))
    assert FLOAT.ball_counterpart() is FLOAT and EXACT.ball_counterpart().name == "ball"
    assert get_context("ball:64").ball_counterpart(256).prec == 256
    assert EXACT.is_exact and not FLOAT.is_exact and not get_context("ball").is_exact


def test_a_maximum_taken_as_a_minimum_is_caught():
    """The argmax test can fail: a context whose maximum is a minimum answers differently."""

    class Wrong(type(EXACT)):
        def maximum(self, x, axis=-1):
            return np.min(x, axis=axis)

    values = _in(EXACT, ["1/2", "1/3"])
    assert Wrong().argmax_set(values) != EXACT.argmax_set(values)

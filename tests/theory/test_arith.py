"""theory.arith: exact rationals from user input, exact logarithms (LogLinear), and the three contexts against
each other (float ≈ exact; the exact value inside the ball enclosure)."""

import math
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from flint import arb, fmpq, fmpz
from hypothesis import assume, given
from hypothesis import strategies as st

from theory.arith import (
    FLOAT_TOLERANCE,
    BallContext,
    ExactContext,
    FloatContext,
    LogLinear,
    get_context,
    simplest_rational,
    to_fraction,
)
from theory.errors import ArithmeticContextError, ProbabilityError, UndecidedError

from proofs_checks.strategies import distributions

FLOAT, EXACT, BALL = get_context("float"), get_context("exact"), get_context("ball")

positive_rationals = st.fractions(min_value=Fraction(1, 10**6), max_value=10**6, max_denominator=10**6)
small_rationals = st.fractions(min_value=-20, max_value=20, max_denominator=50)


def enclose(x, prec=300) -> arb:
    """An arb enclosure of an exact value (Fraction, LogLinear or sympy expression), at high precision."""
    if isinstance(x, int):
        x = Fraction(x)
    if isinstance(x, Fraction):
        with flint.ctx.workprec(prec):
            return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, LogLinear):
        return x.enclosure(prec)
    return BallContext(prec).convert(x)


# ---------------------------------------------------------------------------------------------------------------
@given(
    st.fractions(min_value=0, max_value=5, max_denominator=200),
    st.fractions(min_value=0, max_value=1, max_denominator=200),
)
def test_simplest_rational_is_inside_and_no_smaller_denominator_fits(lo, width):
    hi = lo + width
    r = simplest_rational(lo, hi)
    assert lo <= r <= hi
    # Brute force: no fraction with a smaller denominator lies in [lo, hi].
    for d in range(1, r.denominator):
        assert math.ceil(lo * d) > hi * d, (lo, hi, r, d)


def test_simplest_rational_straddling_zero_and_negative():
    assert simplest_rational(Fraction(-1, 3), Fraction(1, 7)) == 0
    assert simplest_rational(Fraction(-2, 5), Fraction(-3, 10)) == Fraction(-1, 3)
    with pytest.raises(ArithmeticContextError, match="empty interval"):
        simplest_rational(Fraction(1, 2), Fraction(1, 3))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_converts_to_a_rational_that_rounds_back(x):
    f = to_fraction(x)
    assert float(f) == x
    assert abs(f - Fraction(x)) <= Fraction(math.ulp(x)) / 2 if x else f == 0


@given(st.fractions(min_value=0, max_value=1, max_denominator=10**6))
def test_float_of_a_simple_fraction_converts_back_to_it(f):
    # Two fractions with denominators <= 10^6 differ by >= 10^-12, far more than an ulp in [0, 1].
    assert to_fraction(float(f)) == f


@pytest.mark.parametrize(
    "x, expected",
    [
        (0.1, Fraction(1, 10)),
        (1 / 3, Fraction(1, 3)),
        (0.25, Fraction(1, 4)),
        ("2/6", Fraction(1, 3)),
        (" 0.125 ", Fraction(1, 8)),
        (np.int64(3), Fraction(3)),
        (np.float64(0.5), Fraction(1, 2)),
        (True, Fraction(1)),
        (fmpq(3, 4), Fraction(3, 4)),
        (fmpz(7), Fraction(7)),
        (sympy.Rational(5, 6), Fraction(5, 6)),
        (Fraction(2, 7), Fraction(2, 7)),
    ],
)
def test_to_fraction_inputs(x, expected):
    assert to_fraction(x) == expected and isinstance(to_fraction(x), Fraction)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, "one half", "1/0", object()])
def test_to_fraction_refuses_what_has_no_rational_value(x):
    with pytest.raises(ArithmeticContextError) as info:
        to_fraction(x)
    assert repr(x) in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------------------------------------------------
def test_get_context_names():
    assert get_context() is get_context("float") and isinstance(get_context(), FloatContext)
    assert isinstance(get_context("exact"), ExactContext)
    assert get_context("ball").prec == 128 and get_context("ball:300").prec == 300
    ctx = BallContext(prec=64)
    assert get_context(ctx) is ctx
    for bad in ("double", "ball:x", "ball:", 3):
        with pytest.raises(ArithmeticContextError):
            get_context(bad)


@given(distributions(min_size=1, max_size=5))
def test_distribution_is_identical_in_every_context(p):
    floats = FLOAT.distribution(list(p))
    exact = EXACT.distribution(list(p))
    ball = BALL.distribution(list(p))
    assert list(exact) == list(p)
    assert all(math.isclose(f, float(x), abs_tol=1e-15) for f, x in zip(floats, p))
    assert all(b.contains(enclose(x)) for b, x in zip(ball, p))


@given(distributions(min_size=2, max_size=5))
def test_float_rounding_is_not_abstention(p):
    # The floats of an exact distribution may not sum to 1; the exact and ball contexts make them sum to 1.
    as_floats = [float(x) for x in p]
    assume(abs(sum(as_floats) - 1) <= FLOAT_TOLERANCE)
    exact = EXACT.distribution(as_floats)
    assert sum(exact) == 1
    assert all(isinstance(x, Fraction) for x in exact)


def test_distribution_tolerance_is_float_only():
    assert sum(EXACT.distribution([0.25, 0.75 + 1e-11])) == 1
    FLOAT.distribution([0.5, 0.5 + 5e-10])  # within 1e-9: accepted
    with pytest.raises(ProbabilityError, match="1.000000002"):
        FLOAT.distribution([0.5, 0.5 + 2e-9])
    with pytest.raises(ProbabilityError, match="1000000001/1000000000"):
        EXACT.distribution([Fraction(1, 2), Fraction(1, 2) + Fraction(1, 10**9)])
    with pytest.raises(ProbabilityError, match="999999999/1000000000 < 1"):
        EXACT.distribution([Fraction(1, 2), Fraction(1, 2) - Fraction(1, 10**9)])
    assert sum(EXACT.distribution(["1/2", "1/3"], semi=True)) == Fraction(5, 6)


@given(st.lists(positive_rationals, min_size=1, max_size=4))
def test_log_in_three_contexts(xs):
    exact = EXACT.log(EXACT.array(xs))
    floats = FLOAT.log(FLOAT.array(xs))
    with BALL.scope():
        balls = BALL.log(BALL.array(xs))
    for x, e, f, b in zip(xs, exact, floats, balls):
        assert math.isclose(f, math.log(x), rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(float(e), f, rel_tol=1e-12, abs_tol=1e-15)
        assert b.contains(enclose(e))


gibbs_rows = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        distributions(n),
        st.lists(st.fractions(0, 1, max_denominator=12), min_size=n, max_size=n),
        st.sampled_from([Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(3)]),
    )
)


@given(gibbs_rows)
def test_gibbs_in_three_contexts_against_the_closed_form(row):
    base, values, lam = row
    # Closed form by mpmath: π ∝ β e^{v/λ}, W = λ ln Σ β e^{v/λ}.
    with mpmath.workdps(40):
        weights = [
            mpmath.mpf(b.numerator)
            / b.denominator
            * mpmath.exp((mpmath.mpf(v.numerator) / v.denominator) / (mpmath.mpf(lam.numerator) / lam.denominator))
            for b, v in zip(base, values)
        ]
        total = sum(weights)
        expected_p = [float(w / total) for w in weights]
        expected_w = float(mpmath.mpf(lam.numerator) / lam.denominator * mpmath.log(total))
    fp, fw = FLOAT.gibbs(np.array([[float(b) for b in base]]), np.array([[float(v) for v in values]]), float(lam))
    assert np.allclose(fp[0], expected_p, rtol=1e-12, atol=1e-15) and math.isclose(
        fw[0], expected_w, rel_tol=1e-12, abs_tol=1e-15
    )
    ep, ew = EXACT.gibbs(EXACT.array([base]), EXACT.array([values]), lam)
    with BALL.scope():
        bp, bw = BALL.gibbs(BALL.array([base]), BALL.array([values]), BALL.convert(lam))
    for x, e, b in zip(expected_p, ep[0], bp[0]):
        assert b.overlaps(enclose(e)) and math.isclose(EXACT.to_float(e), x, rel_tol=1e-12, abs_tol=1e-15)
        assert b.contains(x) or b.overlaps(arb(x, 1e-15))
    assert bw[0].overlaps(enclose(ew[0]))
    assert [EXACT.is_zero(e) for e in ep[0]] == [b == 0 for b in base]  # exact zeros stay exact zeros


def test_float_gibbs_does_not_overflow_at_small_temperature():
    probs, w = FLOAT.gibbs(np.array([[0.5, 0.25, 0.25, 0.0]]), np.array([[0.0, 1.0, 0.9, 1.0]]), 1e-4)
    assert np.all(np.isfinite(probs)) and np.isfinite(w[0])
    assert probs[0, 1] == pytest.approx(1.0) and probs[0, 3] == 0.0  # base 0 stays 0 whatever its value
    assert w[0] == pytest.approx(1.0 + 1e-4 * math.log(0.25), abs=1e-12)


@given(
    st.lists(st.lists(st.fractions(0, 1, max_denominator=10), min_size=3, max_size=3), min_size=1, max_size=6),
    st.lists(st.integers(1, 9), min_size=3, max_size=3),
)
def test_posterior_weights_float_log_space_vs_exact(likelihoods, prior):
    prior = [Fraction(p, 10) for p in prior]
    w_exact = EXACT.weights_init(EXACT.array(prior))
    w_float = FLOAT.weights_init(FLOAT.array([float(p) for p in prior]))
    for lik in likelihoods:
        w_exact, d_exact = EXACT.weights_update(w_exact, EXACT.array([lik]))
        w_float, d_float = FLOAT.weights_update(w_float, FLOAT.array([[float(x) for x in lik]]))
        assert bool(d_exact[0]) == bool(d_float[0])
        if not d_exact[0]:
            return
    # Brute force: w_i ∝ prior_i Π lik_i.
    unnorm = [p * math.prod(lik[i] for lik in likelihoods) for i, p in enumerate(prior)]
    expected = [u / sum(unnorm) for u in unnorm]
    assert list(EXACT.weights_linear(w_exact)[0]) == expected
    assert np.allclose(FLOAT.weights_linear(w_float)[0], [float(e) for e in expected], rtol=1e-9, atol=1e-15)


def test_float_posterior_weights_survive_long_data():
    # 5000 steps of likelihood 1e-3 vs 2e-3 underflow plain products; log space keeps the ratio exactly 2^5000.
    w = FLOAT.weights_init(np.array([0.5, 0.5]))
    for _ in range(5000):
        w, defined = FLOAT.weights_update(w, np.array([[1e-3, 2e-3]]))
    assert defined[0]
    linear = FLOAT.weights_linear(w)[0]
    assert linear[0] == 0.0 and linear[1] == 1.0  # 1/(1 + 2^5000) underflows to 0; never nan
    # Plain products would have underflowed to 0/0.
    assert 0.5 * 1e-3**5000 == 0.0


def test_comparisons_with_infinity_and_exact_argmax_ties():
    for ctx in (FLOAT, EXACT, BALL):
        with ctx.scope():
            one = ctx.convert(1)
            assert ctx.compare(one, math.inf) == -1 and ctx.compare(math.inf, one) == 1
            assert ctx.compare(math.inf, math.inf) == 0 and ctx.compare(-math.inf, one) == -1
    ln = LogLinear.log
    assert EXACT.argmax_set(np.array([ln(6) - ln(3), ln(2), Fraction(1, 2)], dtype=object)) == [0, 1]


def test_undecided_is_not_a_value_error():
    ball = BallContext(prec=30)
    with ball.scope():
        x = ball.log(ball.convert(3))
        with pytest.raises(UndecidedError) as info:
            ball.sign(x - ball.log(ball.convert(3)))
    assert info.value.prec == 30 and not isinstance(info.value, ValueError)
    # The exact context decides the same question exactly.
    assert EXACT.sign(EXACT.log(Fraction(3)) - EXACT.log(Fraction(3))) == 0


def test_exact_sign_of_transcendental_expressions():
    assert EXACT.sign(sympy.E - Fraction(27183, 10000)) == -1
    assert EXACT.sign(sympy.exp(sympy.Rational(1, 3)) - 1) == 1
    assert EXACT.sign(sympy.log(sympy.exp(2)) - 2) == 0
    assert EXACT.sqrt(Fraction(4, 9)) == Fraction(2, 3)
    assert EXACT.sqrt(Fraction(2)) == sympy.sqrt(2)
    assert EXACT.exp(Fraction(0)) == 1 and EXACT.log(Fraction(1)) == 0


def test_ball_enclosures_are_tight_at_their_precision():
    for prec in (64, 128, 256):
        ball = BallContext(prec)
        with ball.scope():
            x = ball.log(ball.convert("1/3"))
        assert x.rad() < 2.0 ** (-prec + 8)
        assert x.contains(LogLinear.log(Fraction(1, 3)).enclosure(prec + 100))


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_the_maximum_of_an_empty_batch_reduces_its_axis_in_every_context(arith):
    # An abstaining policy empties the next tree level; the exact and ball maxima used to keep the axis.
    from theory.arith import get_context

    ctx = get_context(arith)
    empty = np.zeros((0, 2, 2), dtype=ctx.dtype)
    assert ctx.maximum(empty, axis=2).shape == (0, 2)
    assert ctx.maximum(empty, axis=-1).shape == (0, 2)

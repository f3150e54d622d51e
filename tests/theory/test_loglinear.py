"""theory.arith.loglinear: exact linear forms in logarithms, ``q + Σ c·ln r``, against mpmath (values) and exact
arithmetic (signs, order, identities)."""

import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from theory.arith import LogLinear
from theory.errors import ArithmeticContextError

small_rationals = st.fractions(min_value=-20, max_value=20, max_denominator=50)


def mp_value(x, dps=60):
    """The value of a LogLinear by mpmath, independently of flint."""
    with mpmath.workdps(dps):
        total = mpmath.mpf(x.rational.numerator) / x.rational.denominator
        for r, c in x.terms.items():
            total += mpmath.mpf(c.numerator) / c.denominator * mpmath.log(mpmath.mpf(r.numerator) / r.denominator)
        return total


# ---------------------------------------------------------------------------------------------------------------
# LogLinear: exact linear forms in logarithms
# ---------------------------------------------------------------------------------------------------------------
loglinears = st.builds(
    lambda q, terms: LogLinear(q, dict(terms)),
    st.fractions(min_value=-3, max_value=3, max_denominator=7),
    st.lists(
        st.tuples(st.fractions(min_value=Fraction(1, 40), max_value=40, max_denominator=40), small_rationals),
        max_size=4,
    ),
)


@given(loglinears)
def test_loglinear_float_and_enclosure_match_mpmath(x):
    v = mp_value(x)
    assert math.isclose(float(x), float(v), rel_tol=1e-12, abs_tol=1e-300)
    e = x.enclosure(200)
    with mpmath.workdps(60):
        mid = mpmath.mpf(e.mid().str(70, radius=False))
        rad = mpmath.mpf(e.rad().str(10, radius=False))
        assert rad < mpmath.mpf(10) ** -50
        assert abs(mid - v) <= rad * (1 + mpmath.mpf(10) ** -6) + mpmath.mpf(10) ** -58


@given(loglinears, loglinears)
def test_loglinear_sign_and_order_are_exact(x, y):
    d = x - y
    assert (d + y) == x  # exact arithmetic: no rounding
    assert (x - x).sign() == 0 and x == x
    v = mp_value(d, dps=80)
    if d.is_rational() or abs(v) > mpmath.mpf(10) ** -60:
        expected = (v > 0) - (v < 0) if not d.is_rational() else (d.rational > 0) - (d.rational < 0)
        assert d.sign() == expected
        assert (x < y) == (expected < 0) and (x > y) == (expected > 0) and (x == y) == (expected == 0)


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(-3, 3)), min_size=1, max_size=5))
def test_logs_of_products_are_sums_of_logs(factors):
    # ln(Π r^k) == Σ k ln r exactly, whatever the factors share.
    product = Fraction(1)
    for r, k in factors:
        product *= Fraction(r) ** k
    lhs = LogLinear.log(product)
    rhs = sum((k * LogLinear.log(r) for r, k in factors), LogLinear(0))
    assert lhs == rhs and (lhs - rhs).sign() == 0
    # exp of an integer combination of logs is the rational itself.
    assert rhs.exp() == product


def test_loglinear_identities_and_tiny_values():
    ln = LogLinear.log
    assert (ln(6) - ln(2) - ln(3)).sign() == 0
    assert ln(Fraction(1, 2)) == -ln(2)
    assert ln(4) == 2 * ln(2) and ln(1) == 0
    tiny = ln(Fraction(10**30 + 1, 10**30))  # about 1e-30: its sign needs more than 64 bits
    assert tiny.sign() == 1 and tiny > 0
    assert math.isclose(float(tiny), 1e-30, rel_tol=1e-12)
    assert math.isclose(float(ln(2) * 3 - ln(8) + Fraction(1, 10**40)), 1e-40, rel_tol=1e-12)
    assert ln(2) < math.inf and ln(2) > -math.inf
    assert isinstance(LogLinear(Fraction(1, 3)).exp(), sympy.Basic)  # e^(1/3) is not rational
    with pytest.raises(ArithmeticContextError, match="non-positive number 0"):
        ln(0)

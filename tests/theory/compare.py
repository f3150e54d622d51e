"""Comparing one quantity computed in the three arithmetics: float ≈ exact, and exact ∈ ball."""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np
from flint import arb, fmpq

from theory.arith import BallContext, ExactContext, LogLinear

EXACT = ExactContext()


def enclose(x, prec: int = 300) -> arb:
    """A tight arb enclosure of an exact value: int, Fraction, LogLinear or sympy expression."""
    if isinstance(x, (int, np.integer)):
        x = Fraction(int(x))
    if isinstance(x, Fraction):
        with flint.ctx.workprec(prec):
            return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, LogLinear):
        return x.enclosure(prec)
    return BallContext(prec).convert(x)


def to_float(x) -> float:
    if isinstance(x, arb):
        return float(x.mid())
    return EXACT.to_float(x) if not isinstance(x, float) else x


def close(a, b, *, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """Two values (float, exact or ball) equal within float rounding; infinities equal only to infinities."""
    fa, fb = to_float(a), to_float(b)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return math.isclose(fa, fb, rel_tol=rel, abs_tol=abs_)


def is_infinite(x) -> bool:
    return isinstance(x, float) and math.isinf(x)


def assert_agree(float_value, exact_value, ball_value=None, *, rel: float = 1e-9, abs_: float = 1e-12):
    """float ≈ exact; the exact value lies inside the ball enclosure; infinite in one means infinite in all."""
    assert not (isinstance(float_value, float) and math.isnan(float_value)), "nan"
    if is_infinite(exact_value):
        assert is_infinite(float_value), (float_value, exact_value)
        assert ball_value is None or is_infinite(ball_value), (ball_value, exact_value)
        return
    assert not is_infinite(float_value), (float_value, exact_value)
    assert close(float_value, exact_value, rel=rel, abs_=abs_), (float_value, exact_value)
    if ball_value is not None:
        assert not is_infinite(ball_value), (ball_value, exact_value)
        assert isinstance(ball_value, arb), ball_value
        assert ball_value.contains(enclose(exact_value)), (ball_value, exact_value)


def exact_equal(a, b) -> bool:
    """Exact equality of exact values (Fraction, LogLinear, sympy) or of infinities."""
    if is_infinite(a) or is_infinite(b):
        return is_infinite(a) and is_infinite(b)
    return EXACT.sign(a - b) == 0

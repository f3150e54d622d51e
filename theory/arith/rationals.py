"""Exact rationals from anything a user may pass: ints, Fractions, numeric strings, floats (as the simplest
rational that rounds to them), sympy rationals."""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np

from ..errors import ArithmeticContextError
from ._lazy import _instance_of


# ---------------------------------------------------------------------------------------------------------------
# Exact rationals from anything a user may pass
# ---------------------------------------------------------------------------------------------------------------
def simplest_rational(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in the closed interval ``[lo, hi]`` (``0 <= lo <= hi``).

    >>> simplest_rational(Fraction(3, 10), Fraction(2, 5))
    Fraction(1, 3)
    """
    if lo > hi:
        raise ArithmeticContextError(f"empty interval [{lo}, {hi}]")
    if lo <= 0 <= hi:
        return Fraction(0)
    if hi < 0:
        return -simplest_rational(-hi, -lo)
    # Continued-fraction descent (Stern-Brocot): integer part first, then the reciprocal problem.
    fl = lo.numerator // lo.denominator
    if Fraction(fl) == lo:
        return Fraction(fl)
    if fl + 1 <= hi:
        return Fraction(fl + 1)
    return fl + 1 / simplest_rational(1 / (hi - fl), 1 / (lo - fl))


def _float_to_fraction(x: float) -> Fraction:
    if not math.isfinite(x):
        raise ArithmeticContextError(f"{x!r} has no exact rational value; use a finite number")
    if x == 0:
        return Fraction(0)
    exact = Fraction(x)
    half_ulp = Fraction(math.ulp(x)) / 2
    candidate = simplest_rational(exact - half_ulp, exact + half_ulp)
    # The simplest rational in the rounding interval must round back to x (ties at the ends go to even).
    return candidate if float(candidate) == x else exact


def to_fraction(x) -> Fraction:
    """Convert a number to an exact :class:`Fraction` (floats: the simplest rational rounding to them).

    >>> to_fraction("2/6"), to_fraction(0.25), to_fraction(np.int64(3))
    (Fraction(1, 3), Fraction(1, 4), Fraction(3, 1))
    """
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (bool, np.bool_)):
        return Fraction(int(x))
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        return _float_to_fraction(float(x))
    if isinstance(x, str):
        try:
            return Fraction(x.strip())
        except (ValueError, ZeroDivisionError) as err:
            raise ArithmeticContextError(f"cannot read {x!r} as an exact rational number") from err
    if _instance_of(x, "flint", "fmpq"):
        return Fraction(int(x.p), int(x.q))
    if _instance_of(x, "flint", "fmpz"):
        return Fraction(int(x))
    if _instance_of(x, "sympy", "Rational"):
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, numbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    raise ArithmeticContextError(f"cannot convert {x!r} (type {type(x).__name__}) to an exact rational")


def parameter(value, *, error: type, what: str, allow_inf: bool = False):
    """A scalar parameter (an int, Fraction, float or numeric string) as an exact Fraction, or ``math.inf`` when
    ``allow_inf`` and it is +inf; anything else raises ``error`` naming the value.

    >>> parameter("1/4", error=ValueError, what="alpha")
    Fraction(1, 4)
    >>> parameter("a quarter", error=ValueError, what="alpha")
    Traceback (most recent call last):
    ...
    ValueError: alpha 'a quarter' is not a number
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, str, Fraction)):
        raise error(f"{what} {value!r} is not a number")
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        if allow_inf and value > 0:
            return math.inf
        raise error(f"{what} {value!r} is not a finite number")
    try:
        return to_fraction(value)
    except ArithmeticContextError as err:
        raise error(f"{what} {value!r} is not a number") from err

"""Arithmetic contexts: one implementation of the mathematics over several arithmetics.

In the manner of mpmath's contexts, every function of `theory` takes ``arith=`` and computes with the few
operations a context provides (conversion, log, exp, sums, maxima, exact-zero tests, comparisons that may say
"undecided"). Three contexts exist:

``"float"`` (the default)
    numpy float64 arrays, vectorized; fast, not certified.
``"exact"``
    probabilities as :class:`fractions.Fraction`; logarithms kept exact as :class:`LogLinear` numbers
    ``q + Σ c·ln r`` (q, c, r rational), whose sign and equality are decided exactly; anything transcendental
    beyond that (``exp`` of a non-integer log, logs of sums of exponentials) becomes a sympy expression,
    evaluated to any precision on demand.
``"ball"``
    python-flint ``arb`` balls at a chosen precision (``BallContext(prec=...)``, default 128 bits); every result
    is an enclosure of the true value, and a comparison an enclosure cannot settle raises
    :class:`~theory.errors.UndecidedError`.

Conversions into the exact context are exact for int, Fraction, str (``"1/3"``, ``"0.25"``) and sympy
rationals. A float ``x`` converts to the *simplest* rational that rounds to ``x`` (so ``0.1 -> 1/10`` and
``1/3 -> 1/3``); pass a Fraction when you mean anything else.

>>> from theory.arith import get_context
>>> ctx = get_context("exact")
>>> ctx.convert(0.1), ctx.convert(1/3)
(Fraction(1, 10), Fraction(1, 3))
>>> x = ctx.log(ctx.convert(6)) - ctx.log(ctx.convert(2)) - ctx.log(ctx.convert(3))
>>> ctx.sign(x)
0
>>> get_context("ball").log(get_context("ball").convert(2)).rad() < 2.0**-120
True
"""

from __future__ import annotations

from ..errors import ArithmeticContextError
from ..validation import MAX_BALL_PRECISION
from .ball import BallContext
from .checks import FLOAT_TOLERANCE
from .context import Context
from .exact import EXACT, ExactContext
from .floats import FLOAT, FloatContext
from .loglinear import LogLinear
from .rationals import parameter, simplest_rational, to_fraction

__all__ = [
    "Context",
    "FloatContext",
    "ExactContext",
    "BallContext",
    "LogLinear",
    "get_context",
    "FLOAT_TOLERANCE",
    "simplest_rational",
    "parameter",
    "to_fraction",
    "FLOAT",
    "EXACT",
]


def get_context(arith=None) -> Context:
    """The context named by ``arith``: ``None``/``"float"``, ``"exact"``, ``"ball"`` (128 bits),
    ``"ball:<bits>"``, or a :class:`Context` instance (returned as is).

    >>> get_context("ball:256")
    BallContext(prec=256)
    >>> get_context("double")
    Traceback (most recent call last):
    ...
    theory.errors.ArithmeticContextError: unknown arithmetic 'double'; use 'float', 'exact', 'ball' or 'ball:<bits>'
    >>> get_context("ball:1000000000")
    Traceback (most recent call last):
    ...
    theory.errors.ArithmeticContextError: ball precision 1000000000 bits is above the maximum 65536 bits (validation.MAX_BALL_PRECISION); use at most 65536 bits, or arith='exact'
    """
    if isinstance(arith, Context):
        return arith
    if arith is None or (isinstance(arith, str) and arith == "float"):
        return FLOAT
    if isinstance(arith, str) and arith == "exact":
        return EXACT
    if isinstance(arith, str) and arith == "ball":
        return BallContext()
    if isinstance(arith, str) and arith.startswith("ball:"):
        digits = arith[5:].strip()
        unsigned = digits[1:] if digits[:1] in ("+", "-") else digits
        if unsigned.isascii() and unsigned.isdigit():
            if len(unsigned) > 12:
                # Not even read: so many digits are certainly outside [8, MAX_BALL_PRECISION].
                side = (
                    "below the minimum 8 bits"
                    if digits.startswith("-")
                    else f"above the maximum {MAX_BALL_PRECISION} bits (validation.MAX_BALL_PRECISION)"
                )
                raise ArithmeticContextError(
                    f"ball precision {digits[:16]}... ({len(unsigned)} digits) is {side}; "
                    f"use 'ball:<bits>' with 8 <= bits <= {MAX_BALL_PRECISION}, or arith='exact'"
                )
            return BallContext(int(digits))
    raise ArithmeticContextError(f"unknown arithmetic {arith!r}; use 'float', 'exact', 'ball' or 'ball:<bits>'")

"""The ball context: python-flint arb balls, every value an enclosure of the true one."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ArithmeticContextError, UndecidedError
from ..validation import MAX_BALL_PRECISION
from ._lazy import _flint, _instance_of
from .context import Context
from .loglinear import LogLinear
from .rationals import to_fraction
from .symbolic import _arb_sign, _fraction_to_arb, _sympy_to_arb

if TYPE_CHECKING:
    from flint import arb


class BallContext(Context):
    """python-flint arb balls at ``prec`` bits: every value an enclosure of the true one.

    >>> ball = BallContext(prec=64)
    >>> ball.sign(ball.convert("1/3") - ball.convert(0.3))
    1
    """

    name = "ball"
    dtype = object
    certified = True
    prec: int

    @property
    def rational_counterpart(self):
        from .exact import EXACT

        return EXACT

    @staticmethod
    def _merge_token(v):
        # Identical balls only: the midpoint and radius exactly.
        return v.mid().man_exp(), v.rad().man_exp()

    def __init__(self, prec: int = 128):
        if isinstance(prec, (bool, np.bool_)) or not isinstance(prec, numbers.Integral) or prec < 8:
            raise ArithmeticContextError(f"ball precision {prec!r} must be an integer number of bits >= 8")
        if prec > MAX_BALL_PRECISION:
            raise ArithmeticContextError(
                f"ball precision {int(prec)} bits is above the maximum {MAX_BALL_PRECISION} bits "
                f"(validation.MAX_BALL_PRECISION); use at most {MAX_BALL_PRECISION} bits, or arith='exact'"
            )
        self.prec = int(prec)

    def scope(self):
        return _flint.ctx.workprec(self.prec)

    @property
    def cache_key(self):
        return ("ball", self.prec)

    def convert(self, x):
        with self.scope():
            if _instance_of(x, "flint", "arb"):
                return x
            if isinstance(x, LogLinear):
                return x.enclosure(self.prec)
            if _instance_of(x, "sympy", "Basic") and not _instance_of(x, "sympy", "Rational"):
                return _sympy_to_arb(x, self.prec)
            return _fraction_to_arb(to_fraction(x))

    def to_float(self, x) -> float:
        return float(x.mid()) if _instance_of(x, "flint", "arb") else float(x)

    def log(self, x):
        with self.scope():
            if isinstance(x, np.ndarray):
                return np.frompyfunc(lambda v: v.log(), 1, 1)(x).astype(object) if x.size else x
            return x.log()

    def exp(self, x):
        with self.scope():
            if isinstance(x, np.ndarray):
                return np.frompyfunc(lambda v: v.exp(), 1, 1)(x).astype(object) if x.size else x
            return x.exp()

    def sqrt(self, x):
        def one(v):
            if isinstance(v, float) and v == math.inf:  # sqrt of an infinite divergence stays infinite
                return v
            return self.convert(v).sqrt() if not _instance_of(v, "flint", "arb") else v.sqrt()

        with self.scope():
            if isinstance(x, np.ndarray):
                return np.frompyfunc(one, 1, 1)(x).astype(object)
            return one(x)

    def is_zero(self, x):
        if isinstance(x, np.ndarray):
            return np.frompyfunc(lambda v: v.is_zero(), 1, 1)(x).astype(bool)
        return x.is_zero()

    def sign(self, x) -> int:
        if isinstance(x, float):
            return (x > 0) - (x < 0)
        s = _arb_sign(x)
        if s is None:
            raise UndecidedError(f"the sign of {x} is not settled at {self.prec} bits", prec=self.prec)
        return s

    def maximum(self, x, axis: int = -1):
        x = np.asarray(x, dtype=object)
        with self.scope():
            if not x.size:  # an empty batch: the axis is reduced all the same, as numpy's max does
                return np.empty(np.delete(x.shape, axis), dtype=object)
            return np.apply_along_axis(lambda row: _arb_max(row), axis, x)

    def extreme(self, values, *, largest: bool = True):
        values = list(values)
        if not values:
            raise ArithmeticContextError("the extreme of no values is undefined; give at least one value")
        with self.scope():
            out = self.convert(values[0])
            for v in values[1:]:
                out = out.max(v) if largest else out.min(v)
            return out

    def ball_counterpart(self, prec: int = 256):
        return self if prec == self.prec else BallContext(prec)

    def argmax_set(self, values) -> list[int]:
        # Subtracting the maximum's enclosure from the maximizer's own ball straddles 0, so the generic
        # version can never answer. A maximizer is certified when its ball lies strictly above every other
        # ball; a tie (or a near tie) cannot be certified by enclosures and is undecided.
        values = list(values)
        if len(values) == 1:
            return [0]
        for i, v in enumerate(values):
            if all(j == i or v > w for j, w in enumerate(values)):
                return [i]
        raise UndecidedError(
            f"the maximum of {values} is not separated from the other values at {self.prec} bits "
            "(a tie cannot be certified by enclosures; use arith='exact')",
            prec=self.prec,
        )

    def gibbs(self, base, values, temperature, *, kl: bool = False):
        """Gibbs weights as enclosures, in log space: each row is shifted by the value ``c`` of its entry with
        the largest midpoint (that entry's exponent is exactly 0), so ``exp((Q − c)/λ)`` stays finite at any
        λ > 0 (``exp(Q/λ)`` itself becomes ``[+/- inf]`` for small λ, and inf/inf is nan). ``W = c + λ·ln Σ``.
        Raises :class:`~theory.errors.TemperatureError` when λ is so small against the enclosures' own width
        that the weights are no longer finite (raise the precision, or use ``arith="exact"``).

        >>> ball = BallContext(prec=64)
        >>> probs, w = ball.gibbs(ball.array([["1/2", "1/2"]]), ball.array([[0, 1]]), ball.convert("1e-40"))
        >>> probs[0, 1], w[0]   # exp(1/λ) = exp(10^40) would be [+/- inf]
        ([1.00000000000000 +/- 1e-19], [1.00000000000000 +/- 1.3e-19])
        """
        from ..errors import TemperatureError

        with self.scope():
            base, values = np.asarray(base, dtype=object), np.asarray(values, dtype=object)
            n, k = base.shape
            live = ~self.is_zero(base) if base.size else np.zeros((n, k), dtype=bool)
            mids = np.full((n, k), -np.inf)
            for i, j in zip(*np.nonzero(live)):
                mids[i, j] = self.to_float(values[i, j])
            ref = np.argmax(mids, axis=1)
            rows = np.arange(n)
            c = values[rows, ref] if k else np.zeros(n, dtype=object)
            lam = temperature if _instance_of(temperature, "flint", "arb") else self.convert(temperature)
            zero, one = self.convert(0), self.convert(1)
            s = np.full((n, k), zero, dtype=object)
            e = np.full((n, k), zero, dtype=object)
            for i, j in zip(*np.nonzero(live)):
                if j == ref[i]:
                    e[i, j] = one  # exactly: the difference of a ball with itself would straddle 0
                else:
                    s[i, j] = (values[i, j] - c[i]) / lam
                    e[i, j] = s[i, j].exp()
            weighted = base * e
            total = weighted.sum(axis=1) if k else np.zeros(n, dtype=object)
            probs = weighted / total[:, None]
            lse = self.log(total)
            w = c + lam * lse
            # KL(π‖base) = Σ π·ln(π/base), with ln(π/base) = s − ln Σ from the log-space weights.
            kl_rows = np.where(live, probs * (s - lse[:, None]), zero).sum(axis=1) if kl else None
            parts = [probs, w] + ([kl_rows] if kl else [])
            if not all(v.is_finite() for part in parts for v in np.asarray(part).reshape(-1)):
                widest = max((float(v.rad()) for v in values.reshape(-1)), default=0.0)
                raise TemperatureError(
                    f"temperature {self.to_float(lam):.3g} is below what ball arithmetic at {self.prec} bits can "
                    f"resolve for these values (their enclosures are up to ±{widest:.3g} wide, so λ must be well "
                    "above that); use a larger precision (arith='ball:<bits>'), arith='exact', or a larger "
                    "temperature"
                )
        return (probs, w, kl_rows) if kl else (probs, w)

    def __repr__(self) -> str:
        return f"BallContext(prec={self.prec})"


def _arb_max(row) -> arb:
    out = row[0]
    for v in row[1:]:
        out = out.max(v)
    return out

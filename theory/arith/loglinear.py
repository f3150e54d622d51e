"""Exact linear forms in logarithms, ``q + Σ c·ln r`` (q, c, r rational): the exact context's logarithms, whose
sign and equality are decided exactly."""

from __future__ import annotations

import math
from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ArithmeticContextError, UndecidedError
from ._lazy import _flint, sympy
from .rationals import to_fraction
from .symbolic import _arb_sign, _fraction_to_arb

if TYPE_CHECKING:
    from flint import arb
    from sympy import Expr


_LOGLINEAR_PREC_CAP = 1 << 16


# ---------------------------------------------------------------------------------------------------------------
# Exact linear forms in logarithms
# ---------------------------------------------------------------------------------------------------------------
def _coprime_base(integers) -> list[int]:
    """A set of pairwise coprime integers > 1 over which every given integer factors (no factoring needed)."""
    base: list[int] = []
    for n in integers:
        pending = [n]
        while pending:
            x = pending.pop()
            if x <= 1:
                continue
            for i, b in enumerate(base):
                g = gcd(x, b)
                if g > 1:
                    # Split b and x along their common part; both halves go back through the refinement.
                    del base[i]
                    pending.extend(part for part in (g, b // g, x // g) if part > 1)
                    break
            else:
                base.append(x)
    return sorted(set(base))


def _exponents(n: int, base: list[int]) -> dict[int, int]:
    out = {}
    for b in base:
        e = 0
        while n % b == 0:
            n //= b
            e += 1
        if e:
            out[b] = e
    if n != 1:  # pragma: no cover - guaranteed by the coprime base construction
        raise AssertionError("integer does not factor over its coprime base")
    return out


class LogLinear:
    """An exact real number ``q + Σ_r c_r·ln(r)`` with rational ``q``, ``c_r`` and positive rational ``r``.

    Sums of such numbers and rational multiples stay exact; equality and sign are decided exactly (logs of
    pairwise coprime integers are linearly independent over Q, and ``e^q`` is transcendental for rational
    ``q != 0``, so a non-zero canonical form is a non-zero number whose sign a fine enough enclosure settles).

    >>> x = LogLinear.log(Fraction(1, 2)) * 3 + Fraction(1, 4)
    >>> x
    LogLinear(1/4 + 3*ln(1/2))
    >>> float(x)
    -1.829441541679836
    >>> LogLinear.log(Fraction(4)) == 2 * LogLinear.log(Fraction(2))
    True
    """

    __slots__ = ("rational", "terms")
    __hash__ = None  # type: ignore[assignment]  # equal numbers may have different term lists; compare, do not hash

    def __init__(self, rational=Fraction(0), terms=None):
        self.rational = Fraction(rational)
        self.terms: dict[Fraction, Fraction] = {}
        for r, c in (terms or {}).items():
            r, c = Fraction(r), Fraction(c)
            if r <= 0:
                raise ArithmeticContextError(f"logarithm of non-positive number {r}")
            if c and r != 1:
                self.terms[r] = self.terms.get(r, Fraction(0)) + c
        self.terms = {r: c for r, c in self.terms.items() if c}

    @classmethod
    def log(cls, r) -> "LogLinear":
        """The exact natural logarithm of a positive rational."""
        r = to_fraction(r)
        if r <= 0:
            raise ArithmeticContextError(f"logarithm of non-positive number {r}")
        return cls(0, {r: 1})

    # -- structure ---------------------------------------------------------------------------------------------
    def canonical(self) -> tuple[Fraction, dict[int, Fraction]]:
        """``(q, {b: c})`` over the coprime base of this number's integers: zero iff ``q == 0 and not terms``."""
        ints: list[int] = []
        for r in self.terms:
            ints.extend((r.numerator, r.denominator))
        base = _coprime_base(ints)
        coeffs: dict[int, Fraction] = {}
        for r, c in self.terms.items():
            for b, e in _exponents(r.numerator, base).items():
                coeffs[b] = coeffs.get(b, Fraction(0)) + c * e
            for b, e in _exponents(r.denominator, base).items():
                coeffs[b] = coeffs.get(b, Fraction(0)) - c * e
        return self.rational, {b: c for b, c in coeffs.items() if c}

    def is_rational(self) -> bool:
        return not self.canonical()[1]

    def enclosure(self, prec: int = 128) -> arb:
        """An arb ball containing this number, computed at ``prec`` bits."""
        with _flint.ctx.workprec(prec):
            total = _fraction_to_arb(self.rational)
            for r, c in self.terms.items():
                total += _fraction_to_arb(c) * _fraction_to_arb(r).log()
            return total

    def sign(self) -> int:
        """-1, 0 or +1, decided exactly."""
        q, coeffs = self.canonical()
        if not coeffs:
            return (q > 0) - (q < 0)
        prec = 64
        while prec <= _LOGLINEAR_PREC_CAP:
            s = _arb_sign(self.enclosure(prec))
            if s is not None:
                return s
            prec *= 2
        raise UndecidedError(f"sign of {self!r} not settled at {_LOGLINEAR_PREC_CAP} bits", prec=prec)

    def to_sympy(self) -> Expr:
        """The same number as a sympy expression (logs of rationals are left unevaluated)."""
        expr = sympy.Rational(self.rational.numerator, self.rational.denominator)
        for r, c in self.terms.items():
            expr += sympy.Rational(c.numerator, c.denominator) * sympy.log(
                sympy.Rational(r.numerator, r.denominator), evaluate=False
            )
        return expr

    _sympy_ = to_sympy

    def __float__(self) -> float:
        # The nearest float needs a relative accuracy that 96 bits do not give for a value near zero (a sum of
        # logs that nearly cancels): refine until the enclosure is relatively tight, or the number is 0.
        prec = 96
        while True:
            e = self.enclosure(prec)
            mid, rad = float(e.mid()), float(e.rad())
            if rad <= abs(mid) * 2.0**-60 or prec >= _LOGLINEAR_PREC_CAP:
                return mid
            if prec == 96:
                q, coeffs = self.canonical()
                if q == 0 and not coeffs:
                    return 0.0
            prec *= 2

    def __str__(self) -> str:
        """The canonical form: ``q + Σ c_p·ln(p)`` over primes (over a coprime base of integers too large to
        factor quickly), so equal numbers print alike.

        >>> print(LogLinear.log(Fraction(4, 9)) + LogLinear.log(Fraction(3)))
        2*ln(2) - ln(3)
        """
        q, coeffs = self.canonical()
        primes: dict[int, Fraction] = {}
        for b, c in coeffs.items():
            factors = sympy.factorint(b, limit=10**6) if b < 10**30 else {b: 1}
            for p, e in factors.items():
                primes[int(p)] = primes.get(int(p), Fraction(0)) + c * e
        parts = [str(q)] if q or not primes else []
        for p in sorted(primes):
            c = primes[p]
            if not c:
                continue
            mag = abs(c)
            term = f"ln({p})" if mag == 1 else f"{mag}*ln({p})"
            parts.append(("- " if c < 0 else "+ ") + term if parts else ("-" if c < 0 else "") + term)
        return " ".join(parts) if parts else "0"

    def __repr__(self) -> str:
        parts = [str(self.rational)] if self.rational or not self.terms else []
        for r, c in self.terms.items():
            parts.append(f"{c}*ln({r})")
        return "LogLinear(" + " + ".join(parts).replace("+ -", "- ") + ")"

    # -- arithmetic --------------------------------------------------------------------------------------------
    @staticmethod
    def _coerce(other):
        if isinstance(other, LogLinear):
            return other
        if isinstance(other, (int, Fraction, np.integer)):
            return LogLinear(other)
        return None

    def __add__(self, other):
        o = self._coerce(other)
        if o is None:
            return _symbolic_fallback(self, other, "add")
        terms = dict(self.terms)
        for r, c in o.terms.items():
            terms[r] = terms.get(r, Fraction(0)) + c
        return LogLinear(self.rational + o.rational, terms)

    __radd__ = __add__

    def __neg__(self):
        return LogLinear(-self.rational, {r: -c for r, c in self.terms.items()})

    def __pos__(self):
        return self

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def _scale(self, k: Fraction):
        return LogLinear(self.rational * k, {r: c * k for r, c in self.terms.items()})

    def __mul__(self, other):
        if isinstance(other, (int, Fraction, np.integer)):
            return self._scale(Fraction(other))
        if isinstance(other, LogLinear):
            if not other.terms:
                return self._scale(other.rational)
            if not self.terms:
                return other._scale(self.rational)
        return _symbolic_fallback(self, other, "mul")

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, (int, Fraction, np.integer)):
            return self._scale(1 / Fraction(other))
        if isinstance(other, LogLinear) and not other.terms:
            return self._scale(1 / other.rational)
        return _symbolic_fallback(self, other, "truediv")

    def __rtruediv__(self, other):
        if not self.terms and isinstance(other, (int, Fraction, np.integer)):
            return Fraction(other) / self.rational
        return _symbolic_fallback(other, self, "truediv")

    def __abs__(self):
        return -self if self.sign() < 0 else self

    def exp(self):
        q, coeffs = self.canonical()
        if q == 0 and all(c.denominator == 1 for c in coeffs.values()):
            out = Fraction(1)
            for b, c in coeffs.items():
                out *= Fraction(b) ** int(c)
            return out
        return sympy.exp(self.to_sympy())

    # -- comparisons (exact) -------------------------------------------------------------------------------
    def _cmp(self, other) -> int:
        o = self._coerce(other)
        if o is None:
            if isinstance(other, float):
                if math.isinf(other):
                    return -1 if other > 0 else 1
                o = LogLinear(to_fraction(other))
            else:
                from .exact import EXACT  # the exact context decides signs of symbolic values

                return EXACT.sign(_symbolic_fallback(self, other, "sub"))
        return (self - o).sign()

    def __eq__(self, other):
        try:
            return self._cmp(other) == 0
        except (ArithmeticContextError, TypeError):
            return NotImplemented

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0


def _symbolic_fallback(a, b, op: str):
    sa, sb = _to_sympy(a), _to_sympy(b)
    if op == "add":
        return sa + sb
    if op == "sub":
        return sa - sb
    if op == "mul":
        return sa * sb
    if op == "truediv":
        return sa / sb
    raise AssertionError(op)  # pragma: no cover


def _to_sympy(x) -> Expr:
    if isinstance(x, LogLinear):
        return x.to_sympy()
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    return sympy.sympify(x)

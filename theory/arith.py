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

import contextlib
import functools
import importlib
import math
import numbers
import sys
from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING

import numpy as np

from . import compiled
from .errors import ArithmeticContextError, ProbabilityError, UndecidedError, UnderflowError
from .validation import MAX_BALL_PRECISION


class _LazyModule:
    """A module imported on first use: sympy and python-flint load when exact symbolic values or balls are first
    needed, not on ``import theory`` (they take most of its import time)."""

    def __init__(self, name: str):
        self._name = name
        self._module = None

    def __getattr__(self, attr):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


if TYPE_CHECKING:
    from flint import arb

sympy = _LazyModule("sympy")
_flint = _LazyModule("flint")


def _instance_of(x, module: str, name: str) -> bool:
    """``isinstance(x, module.name)`` without importing ``module``: while it is not loaded, none of its objects
    can exist.

    >>> _instance_of(1, "sympy", "Basic")
    False
    """
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(x, getattr(loaded, name))

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
]

#: Slack allowed in float arithmetic when checking that probabilities sum to 1 (or at most 1).
FLOAT_TOLERANCE = 1e-9

# Precision cap (bits) up to which the exact context evaluates a transcendental number to decide its sign.
_SYMBOLIC_PREC_CAP = 4096
_LOGLINEAR_PREC_CAP = 1 << 16


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
        return Fraction(x.numerator, x.denominator)
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
    __hash__ = None  # equal numbers may have different term lists; compare, do not hash

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
        ints = []
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

    def to_sympy(self) -> sympy.Expr:
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
                return ExactContext().sign(_symbolic_fallback(self, other, "sub"))
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


def _to_sympy(x) -> sympy.Expr:
    if isinstance(x, LogLinear):
        return x.to_sympy()
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    return sympy.sympify(x)


def _fraction_to_arb(x: Fraction) -> arb:
    if x.denominator == 1:
        return _flint.arb(x.numerator)
    return _flint.arb(_flint.fmpq(x.numerator, x.denominator))


def _sympy_to_arb(expr: sympy.Expr, prec: int) -> arb:
    """Evaluate a sympy expression built from rationals, +, ×, powers, exp and log as an arb enclosure."""
    with _flint.ctx.workprec(prec):
        return _sympy_to_arb_rec(sympy.sympify(expr))


def _sympy_to_arb_rec(e) -> arb:
    if e.is_Rational:
        return _fraction_to_arb(Fraction(int(e.p), int(e.q)))
    if e.is_Add:
        total = _flint.arb(0)
        for a in e.args:
            total += _sympy_to_arb_rec(a)
        return total
    if e.is_Mul:
        total = _flint.arb(1)
        for a in e.args:
            total *= _sympy_to_arb_rec(a)
        return total
    if e.is_Pow:
        base, ex = e.args
        if ex.is_Integer:
            b = _sympy_to_arb_rec(base)
            n = int(ex)
            return b**n if n >= 0 else 1 / b ** (-n)
        return (_sympy_to_arb_rec(ex) * _sympy_to_arb_rec(base).log()).exp()
    if isinstance(e, sympy.exp):
        return _sympy_to_arb_rec(e.args[0]).exp()
    if isinstance(e, sympy.log):
        return _sympy_to_arb_rec(e.args[0]).log()
    if e is sympy.E:
        return _flint.arb(1).exp()
    if e is sympy.pi:
        return _flint.arb.pi()
    raise ArithmeticContextError(f"cannot evaluate {e} in ball arithmetic")


def _check_rows(arr: np.ndarray, name: str, semi: bool, *, tolerance, show) -> np.ndarray:
    """Raise ProbabilityError naming the offending value unless every row is a (semi-)distribution; return
    which rows sum to 1 within ``tolerance``."""
    flat = arr.reshape(-1, arr.shape[-1])
    near_one = np.zeros(flat.shape[0], dtype=bool)
    for r, row in enumerate(flat):
        where = "" if flat.shape[0] == 1 else f" (row {[int(k) for k in np.unravel_index(r, arr.shape[:-1])]})"
        for i, v in enumerate(row):
            if v != v:
                raise ProbabilityError(f"{name}{where} has nan at index {i}; probabilities must be numbers in [0, 1]")
            if v < 0:
                raise ProbabilityError(
                    f"{name}{where} has a negative entry {show(v)} at index {i}; probabilities must lie in [0, 1]"
                )
            if v > 1 + tolerance:
                raise ProbabilityError(f"{name}{where} has entry {show(v)} > 1 at index {i}; probabilities must lie in [0, 1]")
        total = row.sum()
        if total > 1 + tolerance:
            raise ProbabilityError(f"{name}{where} sums to {show(total)} > 1; a (semi-)distribution sums to at most 1")
        near_one[r] = total >= 1 - tolerance
        if not semi and not near_one[r]:
            raise ProbabilityError(
                f"{name}{where} sums to {show(total)} < 1; a distribution sums to exactly 1 "
                "(pass semi=True for a semi-distribution)"
            )
    return near_one.reshape(arr.shape[:-1])


def _infinity_sign(x) -> int:
    """+1 for +inf, -1 for -inf, 0 for anything finite."""
    if isinstance(x, float) and math.isinf(x):
        return 1 if x > 0 else -1
    return 0


def _arb_sign(x: arb) -> int | None:
    if x.is_zero():
        return 0
    if x > 0:
        return 1
    if x < 0:
        return -1
    return None


# ---------------------------------------------------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------------------------------------------------
class Context:
    """The operations `theory` computes with; subclasses fix the arithmetic.

    Arrays are numpy arrays: ``float64`` in the float context, ``object`` arrays of exact numbers or arb balls
    otherwise, so that one implementation (numpy broadcasting, fancy indexing, sums) serves all three.
    """

    name: str = "abstract"
    #: dtype of the arrays this context computes with.
    dtype = object
    #: True when zero tests and equality are exact (so verdicts may rest on them).
    certified: bool = False
    #: True when values are exact numbers (rationals, exact logarithms, symbolic expressions), not enclosures.
    is_exact: bool = False
    #: Whether values past rationals and log-linear forms become symbolic (sympy) expressions, whose cost grows
    #: with every operation: computations that chain many exponentials (Gibbs weights) bound their size.
    symbolic: bool = False

    @property
    def rational_counterpart(self) -> "Context | None":
        """The context that computes this one's answers exactly from the same rational inputs: the exact context
        for exact and ball arithmetic (a ball then encloses the exact answer), None for floats. Computations
        that only exist in rationals (an exact linear program) run there and convert back.

        >>> get_context("ball").rational_counterpart.name, get_context("float").rational_counterpart
        ('exact', None)
        """
        return None

    # -- scope ---------------------------------------------------------------------------------------------
    def scope(self):
        """A context manager in force while computing (sets ball precision; a no-op elsewhere)."""
        return contextlib.nullcontext()

    @property
    def cache_key(self):
        """A hashable key under which kernels cache values converted into this context."""
        return self.name

    # -- conversion ----------------------------------------------------------------------------------------
    def convert(self, x):
        """One number into this context."""
        raise NotImplementedError

    def array(self, values) -> np.ndarray:
        """A nested sequence (or array) of numbers into an array of this context."""
        raw = np.asarray(values, dtype=object)
        out = np.empty(raw.shape, dtype=self.dtype)
        flat_in, flat_out = raw.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_in):
            flat_out[i] = self.convert(v)
        return out

    def zeros(self, shape) -> np.ndarray:
        return self.array(np.zeros(shape, dtype=int))

    def ones(self, shape) -> np.ndarray:
        return self.array(np.ones(shape, dtype=int))

    def to_float(self, x) -> float:
        """A float approximation of one value (for display and for steering searches, never for verdicts)."""
        return float(x)

    def to_output(self, x):
        """The value handed back to users: a float, an exact number, or an arb ball."""
        return x

    # -- elementwise functions -----------------------------------------------------------------------------
    def log(self, x):
        raise NotImplementedError

    def exp(self, x):
        raise NotImplementedError

    def sqrt(self, x):
        raise NotImplementedError

    def log_ratio(self, p, q):
        """``ln(p/q)`` elementwise for positive p, q."""
        return self.log(p / q)

    # -- decisions -----------------------------------------------------------------------------------------
    def is_zero(self, x) -> np.ndarray:
        """Boolean array: which entries are exactly zero (in the float context: equal to 0.0)."""
        raise NotImplementedError

    def sign(self, x) -> int:
        """-1, 0 or +1 for one value; raises :class:`UndecidedError` when the arithmetic cannot tell."""
        raise NotImplementedError

    def compare(self, a, b) -> int:
        """Sign of ``a - b``; either side may be ``±math.inf``."""
        ia, ib = _infinity_sign(a), _infinity_sign(b)
        if ia or ib:
            return (ia > ib) - (ia < ib)
        return self.sign(a - b)

    def maximum(self, x, axis: int = -1):
        """Maximum along an axis (ball: an enclosure of the maximum)."""
        return np.max(x, axis=axis)

    def at_least(self, x, y) -> np.ndarray:
        """Boolean array: where ``x ≥ y`` (broadcast). Exact in certified contexts (a comparison the arithmetic
        cannot settle raises :class:`~theory.errors.UndecidedError`); the float context counts values within its
        tie rule (:attr:`FloatContext.tie`) as equal, so rounding never splits a true tie.

        >>> ctx = get_context("exact")
        >>> ctx.at_least(ctx.array(["1/3", "1/2"]), ctx.convert("1/2")).tolist()
        [False, True]
        >>> get_context("float").at_least(np.array([0.1 + 0.2, 0.2]), 0.3).tolist()   # 0.30000000000000004 ties 0.3
        [True, False]
        """
        diff = np.asarray(x, dtype=object) - np.asarray(y, dtype=object)
        return np.asarray(np.frompyfunc(lambda d: self.sign(d) >= 0, 1, 1)(diff), dtype=bool)

    def argmax_set(self, values) -> list[int]:
        """Indices attaining the maximum of a 1-d array: exact in certified contexts (may raise
        :class:`~theory.errors.UndecidedError`), within the tie rule in float (see :meth:`at_least`).

        >>> get_context("exact").argmax_set(get_context("exact").array(["1/2", "1/3", "1/2"]))
        [0, 2]
        >>> get_context("float").argmax_set(np.array([0.1 + 0.2, 0.3, 0.2]))
        [0, 1]
        """
        values = np.asarray(values, dtype=self.dtype)
        best = self.maximum(values, axis=0)
        return [int(i) for i in np.nonzero(self.at_least(values, best))[0]]

    def extreme(self, values, *, largest: bool = True):
        """The largest (or smallest) of a non-empty sequence of values: decided exactly in the exact context,
        an enclosure of the extreme in ball arithmetic, the float maximum in float.

        >>> get_context("exact").extreme([Fraction(1, 3), Fraction(1, 2)], largest=False)
        Fraction(1, 3)
        >>> get_context("float").extreme([0.25, 0.5])
        0.5
        """
        values = list(values)
        if not values:
            raise ArithmeticContextError("the extreme of no values is undefined; give at least one value")
        key = functools.cmp_to_key(self.compare)
        return max(values, key=key) if largest else min(values, key=key)

    def complement(self, total):
        """``1 − total``: the mass a semi-distribution leaves to ⊥ (abstention), elementwise. In float a missing
        mass below :data:`FLOAT_TOLERANCE` is rounding of a full distribution, not abstention, and is 0.

        >>> get_context("exact").complement(Fraction(3, 4))
        Fraction(1, 4)
        >>> get_context("float").complement(np.array([0.1 + 0.2 + 0.7, 0.75])).tolist()
        [0.0, 0.25]
        """
        return 1 - total

    def parameter(self, x):
        """A steering parameter of a computation (a temperature, a bisection bracket's end) in the type this
        context steers with: an exact rational in certified contexts, so the parameter itself adds no error;
        a float in float.

        >>> get_context("ball").parameter(0.5), get_context("float").parameter(Fraction(1, 2))
        (Fraction(1, 2), 0.5)
        """
        return to_fraction(x)

    def midpoint(self, lo, hi):
        """The point a bisection of the positive bracket ``[lo, hi]`` tries next: the arithmetic mean in certified
        contexts (stays rational), the geometric mean in float (a temperature bracket spans many orders of
        magnitude, and the float bracket can afford an irrational split).

        >>> get_context("exact").midpoint(Fraction(1), Fraction(4)), get_context("float").midpoint(1.0, 4.0)
        (Fraction(5, 2), 2.0)
        """
        return (lo + hi) / 2

    def rational_bounds(self, x) -> tuple[Fraction, Fraction]:
        """Rational ``(lo, hi)`` with ``lo ≤ x ≤ hi``: a ball's endpoints (computed exactly from their binary
        forms), an exact rational twice, an irrational exact value's enclosure at 256 bits; in float the value
        itself twice (a float is its own best estimate, not an enclosure).

        >>> get_context("exact").rational_bounds(Fraction(1, 3))
        (Fraction(1, 3), Fraction(1, 3))
        >>> lo, hi = get_context("exact").rational_bounds(get_context("exact").log(2))
        >>> lo < hi and hi - lo < Fraction(1, 2**200)
        True
        """
        if _instance_of(x, "flint", "arb"):
            return _arb_endpoints(x)
        v = EXACT.convert(x)
        if isinstance(v, (int, Fraction)):
            return Fraction(v), Fraction(v)
        return _arb_endpoints(BallContext(256).convert(v))

    def ball_counterpart(self, prec: int = 256) -> "Context":
        """The context that encloses this one's answers where they leave the rationals (a bisection over
        temperatures, say): ball arithmetic at ``prec`` bits for certified contexts, the float context itself.

        >>> get_context("exact").ball_counterpart().name, get_context("float").ball_counterpart().name
        ('ball', 'float')
        """
        return BallContext(prec)

    def sum_by(self, values: np.ndarray, inverse: np.ndarray, size: int) -> np.ndarray:
        """Rows of ``values`` summed into ``size`` bins given by ``inverse`` (``out[inverse[i]] += values[i]``).

        >>> get_context("exact").sum_by(get_context("exact").array(["1/2", "1/4", 1]), np.array([0, 0, 1]), 2)
        array([Fraction(3, 4), Fraction(1, 1)], dtype=object)
        """
        out = self.zeros((size,) + np.shape(values)[1:])
        np.add.at(out, inverse, values)
        return out

    def descending_order(self, weights: np.ndarray) -> np.ndarray:
        """Per row of a (N, K) array, the column indices by decreasing value, ties by index (stable). The float
        context ranks values equal to 40 bits of the row's largest as tied: an argsort of raw floats would order
        exactly tied posteriors by their rounding errors.

        >>> get_context("exact").descending_order(get_context("exact").array([["1/4", "1/2", "1/4"]])).tolist()
        [[1, 0, 2]]
        >>> get_context("float").descending_order(np.array([[0.1 + 0.2, 0.3, 0.4]])).tolist()
        [[2, 0, 1]]
        """
        weights = np.asarray(weights, dtype=self.dtype)
        n, k = weights.shape
        key = functools.cmp_to_key(self.compare)
        return np.array([sorted(range(k), key=lambda i, row=row: (_Negated(key(row[i])), i)) for row in weights],
                        dtype=np.int64).reshape(n, k)

    def weights_transition(self, w: np.ndarray, matrix) -> np.ndarray:
        """Weight rows (of the weight domain) through a non-negative (K, K') matrix, ``w'_j = Σ_i w_i M_ij``
        (unnormalized; in float computed in log space, so a weight improbable after long data does not
        underflow to an exact 0).

        >>> ctx = get_context("exact")
        >>> ctx.weights_transition(ctx.array([["1/2", "1/2"]]), [["3/4", "1/4"], [0, 1]])
        array([[Fraction(3, 8), Fraction(5, 8)]], dtype=object)
        """
        return self.weights_linear(w) @ self.array(matrix)

    #: Whether posteriors are identified, for merging, by log likelihoods accumulated in fixed point: the float
    #: context's float sums depend on the order of the steps; exact weights are canonical themselves (see
    #: :meth:`weights_key`), balls cannot be compared.
    fixed_point_log_keys: bool = False

    #: Smallest temperature λ this context's Gibbs weights can use (0: any positive λ). The float context
    #: refuses subnormal λ; see :meth:`check_temperature`.
    min_temperature = 0

    def check_temperature(self, temperature, *, shown=None):
        """``temperature`` itself if this context can compute Gibbs weights at it; otherwise a
        :class:`~theory.errors.TemperatureError` naming the limit (:attr:`min_temperature`).

        >>> get_context("float").check_temperature(1e-310)
        Traceback (most recent call last):
        ...
        theory.errors.TemperatureError: temperature 1e-310 is below the smallest the float context can use, ~2.2250738585072014e-308 (the smallest normal float); use arith='exact' or arith='ball', or a larger temperature
        >>> get_context("exact").check_temperature(Fraction(1, 10**400)) == Fraction(1, 10**400)   # any λ > 0
        True
        """
        from .errors import TemperatureError

        if self.min_temperature and to_fraction(temperature) < to_fraction(self.min_temperature):
            raise TemperatureError(
                f"temperature {shown if shown is not None else temperature!r} is below the smallest the {self.name} "
                f"context can use, ~{self.min_temperature!r}{self._temperature_limit_reason}; use arith='exact' or "
                "arith='ball', or a larger temperature")
        return temperature

    _temperature_limit_reason = ""

    def gibbs(self, base: np.ndarray, values: np.ndarray, temperature, *, kl: bool = False):
        """Rows of ``π ∝ base·exp(values/temperature)`` (zero where base is zero) and
        ``W = temperature·ln Σ base·exp(values/temperature)``: Gibbs' variational optimum of
        ``E_π[values] − temperature·KL(π‖base)`` and its value.

        With ``kl=True`` also each row's ``KL(π‖base) = Σ π·ln(π/base)``, computed from the log-space weights
        and never as ``(E_π[values] − W)/temperature``, whose difference cancels at small temperatures (the
        float context also keeps it accurate, and non-negative, at large ones).

        >>> probs, w = get_context("float").gibbs(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]), 1.0)
        >>> probs.round(6), w.round(6)
        (array([[0.268941, 0.731059]]), array([0.620115]))
        >>> probs, w, kl = get_context("float").gibbs(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]), 1e-16, kl=True)
        >>> probs, kl   # λ → 0: all mass on the better action, KL = ln 2
        (array([[0., 1.]]), array([0.69314718]))
        """
        live = ~self.is_zero(base)
        e = self.zeros(base.shape)
        e[live] = self.exp(values[live] / temperature)
        weighted = base * e
        total = weighted.sum(axis=1)
        with np.errstate(over="ignore", under="ignore"):  # symbolic exp(10^40): numpy's flags, not an error
            w = temperature * self.log(total)
        probs = weighted / total[:, None]
        if not kl:
            return probs, w
        terms = self.zeros(base.shape)
        terms[live] = (probs * (values - w[:, None]) / temperature)[live]  # ln(π/base), exact here: no rounding
        return probs, w, terms.sum(axis=1)

    # -- posterior weights ---------------------------------------------------------------------------------
    # Posterior weights live in a context-specific *weight domain*. The float context keeps unnormalized log
    # weights (long data underflows otherwise; normalizing is deferred to when probabilities are needed, so a
    # step costs one addition). The others keep plain weights normalized to sum 1: they neither underflow
    # (arb has an unbounded exponent) nor lose exactness, and equal posteriors are equal rows.
    def weights_domain(self, likelihood: np.ndarray) -> np.ndarray:
        """Likelihoods (probabilities) mapped into the weight domain (float: their logs)."""
        return likelihood

    def weights_init(self, prior: np.ndarray) -> np.ndarray:
        """Weights (shape (1, K)) from positive prior weights (shape (K,))."""
        return self.weights_step(self.weights_domain(prior.reshape(1, -1)), self.weights_domain(self.ones((1, len(prior)))))

    def weights_step(self, w: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """Multiply weight rows by likelihoods given in the weight domain (rows that every component rules
        out become all zero, and stay so)."""
        u = w * factor
        total = u.sum(axis=1)
        live = ~self.is_zero(total)
        out = u.copy()
        out[live] = u[live] / total[live][:, None]
        return out

    def weights_update(self, w: np.ndarray, likelihood: np.ndarray):
        """Multiply by likelihoods given as probabilities; return ``(weights, defined)``."""
        out = self.weights_step(w, self.weights_domain(likelihood))
        return out, self.weights_defined(out)

    def weights_from_linear(self, u: np.ndarray):
        """Rows of non-negative linear weights into the weight domain; return ``(weights, defined)``."""
        return self.weights_update(self.weights_init(self.ones(u.shape[1])), u)

    def weights_multiply(self, w: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Multiply two weight arrays of the weight domain (rows broadcast)."""
        return self.weights_step(w, other)

    def weights_defined(self, w: np.ndarray) -> np.ndarray:
        """Which rows are proper posteriors (not every weight zero)."""
        return ~self.is_zero(w.sum(axis=1))

    def weights_alive(self, w: np.ndarray) -> np.ndarray:
        """Which weights (of the weight domain) are not zero: a component ruled out by the history has weight 0,
        and keeps it.

        >>> get_context("exact").weights_alive(get_context("exact").array([[0, "1/2"]])).tolist()
        [[False, True]]
        """
        return ~self.is_zero(w)

    def weights_linear(self, w: np.ndarray) -> np.ndarray:
        """Weights as probabilities (rows sum to 1; rows that are not defined are all 0)."""
        return w

    def weights_key(self, w: np.ndarray) -> np.ndarray | None:
        """Integer merge keys identifying equal posteriors, or None when this context cannot merge them."""
        return None

    def kl_rows(self, p: np.ndarray, q: np.ndarray):
        """Row-wise KL of (N, K) arrays, ``(values, infinite, first_bad)``: the finite part (the sum over outcomes
        where both are positive), whether p has mass where q has none, and the first such outcome (-1 if none).

        >>> ctx = get_context("exact")
        >>> v, inf, bad = ctx.kl_rows(ctx.array([["1/2", "1/2"]]), ctx.array([["1/2", "1/2"]]))
        >>> v.tolist(), inf.tolist(), bad.tolist()
        ([Fraction(0, 1)], [False], [-1])
        """
        pz, qz = self.is_zero(p), self.is_zero(q)
        bad = ~pz & qz
        infinite = bad.any(axis=1)
        first_bad = np.where(infinite, bad.argmax(axis=1), -1) if infinite.any() else np.full(len(p), -1)
        ok = ~pz & ~qz
        if ok.all():  # the common case: no masks to gather through
            return (p * self.log_ratio(p, q)).sum(axis=1), infinite, first_bad
        terms = self.zeros(p.shape)
        if ok.any():
            terms[ok] = p[ok] * self.log_ratio(p[ok], q[ok])
        return terms.sum(axis=1), infinite, first_bad

    def predictive(self, post: np.ndarray, table: np.ndarray, states: np.ndarray, group_of: np.ndarray,
                   offset: np.ndarray) -> np.ndarray:
        """``Σ_k post[n, k]·table[r(n, k), :]`` (N, A): the predictive of a posterior ``post`` (N, K) over
        finite-state components whose action probabilities are the rows ``table[r(n, k)]``, where
        ``r(n, k) = offset[k] + states[n, group_of[k]]`` (component k's machine state is column ``group_of[k]``).

        >>> ctx = get_context("exact")
        >>> ctx.predictive(ctx.array([["1/4", "3/4"]]), ctx.array([[1, 0], ["1/2", "1/2"]]), np.array([[0]]),
        ...                np.array([0, 0]), np.array([0, 1])).tolist()
        [[Fraction(5, 8), Fraction(3, 8)]]
        """
        rows = offset[None, :] + np.take(states, group_of, axis=1)
        return (post[:, :, None] * np.take(table, rows, axis=0)).sum(axis=1)

    def posterior_after_actions(self, w: np.ndarray, post: np.ndarray, table: np.ndarray, table_w: np.ndarray,
                                states: np.ndarray, group_of: np.ndarray, offset: np.ndarray):
        """The weights (weight domain) and normalized posteriors after each action, row ``n·A + a``, of a
        mixture with weights ``w`` and posterior ``post`` (N, K) over finite-state components whose action
        probabilities are the rows ``table[r(n, k)]`` (``table_w``: the same in the weight domain; rows as for
        :meth:`predictive`).

        >>> ctx = get_context("exact")
        >>> w, post = ctx.posterior_after_actions(ctx.array([["1/4", "3/4"]]), ctx.array([["1/4", "3/4"]]),
        ...                                       ctx.array([[1, 0], ["1/2", "1/2"]]), ctx.array([[1, 0], ["1/2", "1/2"]]),
        ...                                       np.array([[0]]), np.array([0, 0]), np.array([0, 1]))
        >>> post.tolist()
        [[Fraction(2, 5), Fraction(3, 5)], [Fraction(0, 1), Fraction(1, 1)]]
        """
        rows = offset[None, :] + np.take(states, group_of, axis=1)
        n, k = w.shape
        a = table_w.shape[1]
        factor = np.take(table_w, rows, axis=0).transpose(0, 2, 1).reshape(n * a, k)
        after = self.weights_step(np.repeat(w, a, axis=0), factor)
        return after, self.weights_linear(after)

    def merge_keys(self, values: np.ndarray) -> np.ndarray:
        """Integer rows (N, d) identifying the values of a 1-d array for merging: equal keys mean values that
        may stand for each other. Exact numbers: equal values (interned, per call); balls: identical balls
        (midpoint and radius), which enclose whatever either stands for; floats: equal to about 40 bits
        (:class:`FloatContext`).

        >>> get_context("exact").merge_keys(np.array([Fraction(1, 2), Fraction(1, 3), Fraction(2, 4)], dtype=object)).tolist()
        [[0], [1], [0]]
        """
        ids: dict = {}
        token = self._merge_token
        flat = [ids.setdefault(token(v), len(ids)) for v in np.asarray(values).reshape(-1)]
        return np.asarray(flat, dtype=np.int64).reshape(-1, 1)

    @staticmethod
    def _merge_token(v):
        return v

    # -- validation ----------------------------------------------------------------------------------------
    def distribution(self, values, *, name: str = "p", semi: bool = False) -> np.ndarray:
        """Rows (last axis) of probabilities, validated, in this context.

        Each entry must be a number (a float, int, Fraction or numeric string such as ``"1/3"``; not a bool,
        not a nested sequence) in [0, 1] (no nan), and each row sum to at most 1, and to exactly 1 unless
        ``semi``. Exact inputs (int, Fraction, str) are checked exactly. Float inputs are checked in float,
        with tolerance :data:`FLOAT_TOLERANCE`; a float row whose sum is within the tolerance of 1 *is* a
        distribution, and the exact and ball contexts make it sum to exactly 1 (dividing each entry's simplest
        rational by the row's exact sum), so float noise never turns into abstain mass. An exact entry that is
        not 0 but rounds to 0 in float raises :class:`~theory.errors.UnderflowError` in the float context
        (float would turn a finite KL infinite, or a possible history impossible), after every other check.

        >>> get_context("exact").distribution([1/3, 2/3])
        array([Fraction(1, 3), Fraction(2, 3)], dtype=object)
        >>> sum(get_context("exact").distribution([0.25, 0.75000000001]))   # float noise: made to sum to 1
        Fraction(1, 1)
        >>> get_context("exact").distribution(["1/2", "1/3"], name="π(·|h)")
        Traceback (most recent call last):
        ...
        theory.errors.ProbabilityError: π(·|h) sums to 5/6 < 1; a distribution sums to exactly 1 (pass semi=True for a semi-distribution)
        >>> get_context("float").distribution([True, False])
        Traceback (most recent call last):
        ...
        theory.errors.ProbabilityError: p has the bool True at index 0; probabilities are numbers, so write 1 or 0
        >>> get_context("float").distribution([Fraction(1, 10**400), "1/2"], semi=True, name="q")
        Traceback (most recent call last):
        ...
        theory.errors.UnderflowError: q has the exact probability 1/10^400 at index 0, which is not 0 but rounds to 0 in float arithmetic (a finite KL would turn infinite, a possible history impossible); use arith='exact' or arith='ball'
        """
        import sys

        from .validation import MAX_EXACT_DIGITS
        from .validation import _shown

        try:
            raw = np.asarray(values, dtype=object)
        except (TypeError, ValueError) as err:
            raise ProbabilityError(f"{name} {_shown(values)} is not a rectangular array of probabilities "
                                   f"({err}); give a sequence of numbers, or equal-length rows of them") from None
        if raw.ndim == 0 or raw.shape[-1] == 0:
            raise ProbabilityError(f"{name} must be a non-empty sequence (or array) of probabilities, got "
                                   f"{_shown(values)} ({type(values).__name__})")

        def where(i: int) -> str:
            row, col = divmod(i, raw.shape[-1])
            rows = raw.reshape(-1, raw.shape[-1]).shape[0]
            return ("" if rows == 1 else f" (row {[int(k) for k in np.unravel_index(row, raw.shape[:-1])]})",
                    col)

        def short(q: Fraction) -> str:
            # 1/10^400 rather than 401 digits.
            if q.denominator.bit_length() > 200 and q.numerator == 1:
                d, p = q.denominator, 0
                while d % 10 == 0:
                    d, p = d // 10, p + 1
                if d == 1:
                    return f"1/10^{p}"
            return _shown(q) if q.denominator.bit_length() > 200 else str(q)

        flat = raw.reshape(-1)
        # Exact value of each entry given exactly (None for floats), validated one by one.
        exact_of = [None] * len(flat)
        has_float = isinstance(values, np.ndarray) and values.dtype.kind == "f"
        if not has_float:
            for i, v in enumerate(flat):
                if isinstance(v, (float, np.floating)):
                    has_float = True
                    continue
                at, col = where(i)
                if isinstance(v, (bool, np.bool_)):
                    raise ProbabilityError(f"{name}{at} has the bool {v!r} at index {col}; probabilities are "
                                           "numbers, so write 1 or 0")
                if isinstance(v, str) and len(v) > MAX_EXACT_DIGITS:
                    raise ProbabilityError(f"{name}{at} has a string of {len(v)} characters at index {col}, more "
                                           f"than the {MAX_EXACT_DIGITS} accepted for one number")
                try:
                    if isinstance(v, (list, tuple, dict, set, np.ndarray)):
                        raise ArithmeticContextError("nested")
                    q = to_fraction(v)
                except ArithmeticContextError:
                    nested = isinstance(v, (list, tuple, dict, set, np.ndarray))
                    hint = ("the rows are ragged or nested too deeply; give equal-length rows of numbers" if nested
                            else "probabilities are numbers in [0, 1] (floats, ints, Fractions, or strings "
                                 "such as '1/3')")
                    raise ProbabilityError(f"{name}{at} has {_shown(v)} ({type(v).__name__}) at index {col}, "
                                           f"which is not a number; {hint}") from None
                if q < 0:
                    raise ProbabilityError(f"{name}{at} has a negative entry {_shown(v)} at index "
                                           f"{col}; probabilities must lie in [0, 1]")
                if q > 1:
                    raise ProbabilityError(f"{name}{at} has entry {_shown(v)} > 1 at index {col}; probabilities "
                                           "must lie in [0, 1]")
                exact_of[i] = q

        def float_images() -> np.ndarray:
            out = np.array([float(v) if q is None else float(q) for v, q in zip(flat, exact_of)], dtype=float)
            return out.reshape(raw.shape)

        def check_underflow(floats: np.ndarray) -> None:
            # Last, once the values are known to be valid: only the float context cannot represent them.
            # Subnormal images count too: they keep only a few significant bits, so a KL would be silently off.
            for i, (f, q) in enumerate(zip(floats.reshape(-1), exact_of)):
                if q is not None and f < sys.float_info.min and q != 0:
                    at, col = where(i)
                    rounds = ("rounds to 0 in float arithmetic (a finite KL would turn infinite, a possible history "
                              "impossible)" if f == 0.0 else
                              f"rounds to the subnormal float {float(f)!r}, which keeps only a few of its digits (a KL would "
                              "be silently inexact)")
                    raise UnderflowError(f"{name}{at} has the exact probability {short(q)} at index {col}, which is "
                                         f"not 0 but {rounds}; use arith='exact' or arith='ball'")

        if has_float:
            floats = (np.asarray(values, dtype=float) if isinstance(values, np.ndarray) and values.dtype.kind == "f"
                      else float_images())
            near_one = _check_rows(floats, name, semi, tolerance=FLOAT_TOLERANCE, show=lambda v: repr(float(v)))
            if self.dtype is not object:
                check_underflow(floats)
                return floats
            exact = EXACT.array(raw)
            rows = exact.reshape(-1, exact.shape[-1])
            for r in np.nonzero(near_one.reshape(-1))[0]:
                total = rows[r].sum()
                if total != 1:
                    rows[r] = rows[r] / total
            return exact if isinstance(self, ExactContext) else self.array(exact)
        exact = np.empty(raw.shape, dtype=object)
        exact.reshape(-1)[:] = exact_of
        _check_rows(exact, name, semi, tolerance=0, show=lambda v: str(v) if len(str(v)) <= 80
                    else f"{str(v)[:36]}...{str(v)[-36:]} ({len(str(v))} characters)")
        if self.dtype is not object:
            check_underflow(float_images())
        return exact if isinstance(self, ExactContext) else self.array(exact)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _exact_shown(x) -> str:
    """A short display of an exact number whose float image is 0 or infinite (1/10^400 rather than 401 digits)."""
    if isinstance(x, Fraction) or isinstance(x, numbers.Integral):
        q = Fraction(x)
        parts = []
        for n in (abs(q.numerator), q.denominator):
            text = str(n) if n.bit_length() < 200 else None
            if text is None:
                p = 0
                while n % 10 == 0 and p < 100_000:
                    n //= 10
                    p += 1
                text = (f"10^{p}" if n == 1 else f"{n if n.bit_length() < 64 else '...'}·10^{p}")
            parts.append(text)
        sign = "-" if q < 0 else ""
        den = f"({parts[1]})" if "·" in parts[1] else parts[1]
        shown = sign + (parts[0] if parts[1] == "1" else f"{parts[0]}/{den}")
        e = (abs(q.numerator).bit_length() - q.denominator.bit_length()) * math.log10(2) if q else 0
        return f"{shown} (about {sign}1e{round(e):+d})".replace("e+", "e")
    text = str(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _float_range_error(x, what: str) -> UnderflowError:
    return UnderflowError(
        f"the exact value {_exact_shown(x)} is not 0 but {what} in float arithmetic, which would turn a finite "
        "value infinite or a possible history impossible; use arith='exact' or arith='ball'")


def _check_float_image(x, out: float) -> None:
    """Raise UnderflowError when the float ``out`` of the exact number ``x`` is 0 or infinite but ``x`` is not."""
    if isinstance(x, (float, np.floating)):
        return
    if isinstance(x, str):
        x = to_fraction(x)
    if out == 0.0:
        nonzero = (x.sign() != 0) if isinstance(x, LogLinear) else (x != 0)
        if nonzero:
            raise _float_range_error(x, "rounds to 0")
    elif math.isinf(out):
        raise _float_range_error(x, "overflows to infinity")


class FloatContext(Context):
    """numpy float64, vectorized; the default and the fast path.

    >>> FloatContext().log(np.array([1.0, np.e]))
    array([0., 1.])
    """

    name = "float"
    dtype = np.float64
    certified = False

    def convert(self, x):
        """One number as a float. An exact value (int, Fraction, numeric string, LogLinear) that is non-zero
        but rounds to 0, or finite but overflows, raises :class:`~theory.errors.UnderflowError` instead of
        silently turning a finite KL infinite or a model "ruled out"; floats pass through unchanged.

        >>> FloatContext().convert("1/4"), FloatContext().convert(1e-320)
        (0.25, 1e-320)
        >>> FloatContext().convert(Fraction(1, 10**400))
        Traceback (most recent call last):
        ...
        theory.errors.UnderflowError: the exact value 1/10^400 (about 1e-400) is not 0 but rounds to 0 in float arithmetic, which would turn a finite value infinite or a possible history impossible; use arith='exact' or arith='ball'
        """
        if isinstance(x, (float, np.floating)):
            return float(x)
        if isinstance(x, str):
            x = to_fraction(x)
        if _instance_of(x, "flint", "arb"):
            return float(x.mid())
        try:
            out = float(x)
        except OverflowError:
            raise _float_range_error(x, "overflows to infinity") from None
        if out == 0.0 or math.isinf(out):
            _check_float_image(x, out)
        return out

    def array(self, values) -> np.ndarray:
        """A nested sequence or array of numbers as a float64 array. Float arrays pass through vectorized;
        only entries of other inputs that come out 0 or infinite are checked against their exact value
        (:meth:`convert`'s :class:`~theory.errors.UnderflowError`).

        >>> FloatContext().array([["1/2", 0.5], [0, 1]])
        array([[0.5, 0.5],
               [0. , 1. ]])
        """
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
            return np.asarray(values, dtype=np.float64)
        try:
            out = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return super().array(values)
        suspect = (out == 0.0) | np.isinf(out)
        if suspect.any():
            raw = np.asarray(values, dtype=object)
            if raw.shape == out.shape:
                for v, f in zip(raw[suspect].reshape(-1), out[suspect].reshape(-1)):
                    if not isinstance(v, (float, np.floating)):
                        _check_float_image(v, f)
        return out

    def to_output(self, x):
        return float(x)

    def log(self, x):
        with np.errstate(divide="ignore"):
            return np.log(x)

    def exp(self, x):
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(x)

    def sqrt(self, x):
        return np.sqrt(x)

    def log_ratio(self, p, q):
        # Two logs rather than one quotient: p/q can overflow when q is tiny.
        return np.log(p) - np.log(q)

    def is_zero(self, x):
        return np.asarray(x) == 0

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape)

    def ones(self, shape) -> np.ndarray:
        return np.ones(shape)

    #: The float tie rule, the one answer to "are these equal?" for floats: values within 2^-40 of the larger
    #: magnitude (about 1e-12; float64 carries 52 bits, so 12 bits absorb the rounding of long sums).
    tie = 2.0**-40

    def at_least(self, x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return x >= y - self.tie * np.maximum(np.abs(x), np.abs(y))

    def extreme(self, values, *, largest: bool = True):
        values = [float(v) for v in values]
        if not values:
            raise ArithmeticContextError("the extreme of no values is undefined; give at least one value")
        return max(values) if largest else min(values)

    def complement(self, total):
        missing = 1 - np.asarray(total, dtype=float)
        out = np.where(missing < FLOAT_TOLERANCE, 0.0, missing)
        return out if out.ndim else float(out)

    def parameter(self, x):
        return float(x)

    def midpoint(self, lo, hi):
        return math.sqrt(lo * hi)

    def rational_bounds(self, x):
        v = Fraction(float(x))
        return v, v

    def ball_counterpart(self, prec: int = 256):
        return self

    def sum_by(self, values, inverse, size):
        if np.ndim(values) == 1:
            return np.bincount(inverse, weights=values, minlength=size)
        return super().sum_by(values, inverse, size)

    def descending_order(self, weights):
        weights = np.asarray(weights, dtype=float)
        top = np.max(weights, axis=1, keepdims=True) if weights.size else weights
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(top > 0, np.round(weights / np.where(top > 0, top, 1) * 2.0**40), 0)
        return np.argsort(-level, axis=1, kind="stable")

    def weights_transition(self, logw, matrix):
        with np.errstate(divide="ignore"):
            log_matrix = np.log(np.asarray(self.array(matrix), dtype=float))
        with np.errstate(invalid="ignore"):
            return np.logaddexp.reduce(logw[:, :, None] + log_matrix[None], axis=1)

    fixed_point_log_keys = True

    #: Below the smallest normal float, λ has lost precision (a subnormal), and 1/λ overflows.
    min_temperature = float(np.finfo(np.float64).tiny)
    _temperature_limit_reason = " (the smallest normal float)"

    def gibbs(self, base, values, temperature, *, kl: bool = False):
        # Log space throughout: the exponents s = (Q − max Q)/λ are ≤ 0, so nothing overflows at any λ (Q/λ
        # itself would, and inf − inf is nan); an exponent that underflows to −inf gives weight exactly 0.
        # L = ln Σ base·e^s, π = base·e^(s − L), W = max Q + λ·L. When every exponent is small (large λ, π ≈ base)
        # L = log1p(Σ base·expm1(s)) keeps its relative accuracy, so W does not lose λ·ε to rounding.
        temperature = float(self.check_temperature(temperature))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            live = base > 0
            any_live = live.any(axis=1)
            vmax = np.max(np.where(live, values, -np.inf), axis=1)
            vmax = np.where(np.isfinite(vmax), vmax, 0.0)
            s = np.where(live, (values - vmax[:, None]) / temperature, -np.inf)
            b = np.where(live, base, 0.0)
            logits = np.where(live, np.log(np.where(live, base, 1.0)), -np.inf) + s
            top = np.max(logits, axis=1)
            top = np.where(np.isfinite(top), top, 0.0)
            total = np.exp(logits - top[:, None]).sum(axis=1)
            lse = top + np.log(np.where(total > 0, total, 1.0))
            # A float row within FLOAT_TOLERANCE of summing to 1 is a distribution (see distribution()).
            deficit = 1.0 - b.sum(axis=1)
            deficit = np.where(np.abs(deficit) <= FLOAT_TOLERANCE, 0.0, deficit)
            near = any_live & (np.min(np.where(live, s, 0.0), axis=1) > -0.5) & (deficit == 0)
            if near.any():
                lse[near] = np.log1p((b[near] * np.expm1(np.where(live[near], s[near], 0.0))).sum(axis=1))
            r = s - lse[:, None]  # ln(π/base) on live entries (−inf where π underflows)
            probs = np.where(live, b * np.exp(r), 0.0)
            w = vmax + temperature * lse
            if not kl:
                return probs, w
            # KL = Σ π r = Σ base·φ(r) + (1 − Σ base), φ(r) = 1 + (r − 1)e^r ≥ 0 (as Σ π = 1): a sum of
            # non-negative terms, with φ's series where r is small (1 + (r − 1)e^r cancels there).
            terms = np.where(live, b * _phi(r), 0.0)
            return probs, w, np.where(any_live, terms.sum(axis=1) + deficit, 0.0)

    def sign(self, x) -> int:
        x = float(x)
        if math.isnan(x):
            raise ArithmeticContextError("nan has no sign; a computation went wrong upstream")
        return (x > 0) - (x < 0)

    def weights_domain(self, likelihood):
        with np.errstate(divide="ignore"):
            return np.log(likelihood)

    def weights_step(self, logw, factor):
        return logw + factor

    def weights_defined(self, logw):
        return np.isfinite(np.max(logw, axis=1))

    def weights_alive(self, logw):
        return np.isfinite(logw)  # log space: a weight 0 is -inf

    def kl_rows(self, p, q):
        # One compiled pass over the rows instead of numpy's masks (theory.compiled), when numba is there.
        if compiled.AVAILABLE:
            return compiled.kl_rows(p, q)
        return super().kl_rows(p, q)

    def predictive(self, post, table, states, group_of, offset):
        # One compiled pass instead of numpy's gather, product and sum (theory.compiled), when numba is there.
        if compiled.AVAILABLE:
            return compiled.predictive(post, table, states, group_of, offset)
        return super().predictive(post, table, states, group_of, offset)

    def posterior_after_actions(self, logw, post, table, log_table, states, group_of, offset):
        # Bayes' rule on the linear posterior, compiled (theory.compiled): no exponential per weight.
        if compiled.AVAILABLE:
            return compiled.posterior_after_actions(logw, post, table, log_table, states, group_of, offset)
        return super().posterior_after_actions(logw, post, table, log_table, states, group_of, offset)

    def weights_linear(self, logw):
        if compiled.AVAILABLE:
            return compiled.softmax_rows(logw)
        top = np.max(logw, axis=1)
        with np.errstate(invalid="ignore"):
            e = np.exp(logw - np.where(np.isfinite(top), top, 0.0)[:, None])
        total = e.sum(axis=1)
        return e / np.where(total > 0, total, 1.0)[:, None]

    def merge_keys(self, values):
        """Floats agreeing to 40 significant bits share a key (mantissa rounded, exponent): what a float
        computation along different orders of the same steps leaves equal.

        >>> keys = get_context("float").merge_keys(np.array([0.1 + 0.2, 0.3, 0.4]))
        >>> bool((keys[0] == keys[1]).all()), bool((keys[0] == keys[2]).all())
        (True, False)
        """
        mantissa, exponent = np.frexp(np.asarray(values, dtype=float))
        return np.stack([np.round(mantissa * 2.0**40).astype(np.int64), exponent.astype(np.int64)], axis=1)

    def weights_key(self, logw):
        # Quantized log weights (row maximum 0): histories whose posteriors agree to ~1e-12 merge; weights
        # below e^-800 of the largest are zero in float64 anyway, so the clip loses nothing.
        top = np.max(logw, axis=1)
        with np.errstate(invalid="ignore"):
            shifted = logw - np.where(np.isfinite(top), top, 0.0)[:, None]
        clipped = np.clip(np.nan_to_num(shifted, neginf=-800.0), -800.0, 0.0)
        return np.round(clipped * 2.0**40).astype(np.int64)



class ExactContext(Context):
    """Exact rationals for probabilities, exact linear forms for logs, sympy beyond.

    >>> ctx = ExactContext()
    >>> ctx.log(ctx.array(["1/2", 1]))
    array([LogLinear(1*ln(1/2)), Fraction(0, 1)], dtype=object)
    """

    name = "exact"
    dtype = object
    certified = True
    is_exact = True
    symbolic = True

    @property
    def rational_counterpart(self):
        return self

    def convert(self, x):
        if isinstance(x, (Fraction, LogLinear)):
            return x
        if _instance_of(x, "sympy", "Basic") and not _instance_of(x, "sympy", "Rational"):
            return x
        return to_fraction(x)

    def to_float(self, x) -> float:
        if _instance_of(x, "sympy", "Basic"):
            # Refine until the enclosure pins the float down (a value near 0 needs more than 53 bits).
            prec = 96
            while True:
                v = _sympy_to_arb(x, prec)
                if v.is_zero() or v.rel_accuracy_bits() >= 53 or prec >= _SYMBOLIC_PREC_CAP:
                    return float(v.mid())
                prec *= 2
        return float(x)

    def _log1(self, x):
        if isinstance(x, Fraction):
            if x <= 0:
                raise ArithmeticContextError(f"logarithm of non-positive number {x}")
            return Fraction(0) if x == 1 else LogLinear.log(x)
        if isinstance(x, int):
            return self._log1(Fraction(x))
        return sympy.log(_to_sympy(x))

    def _exp1(self, x):
        if isinstance(x, (int, Fraction)):
            return Fraction(1) if x == 0 else sympy.exp(_to_sympy(Fraction(x)))
        if isinstance(x, LogLinear):
            return x.exp()
        return sympy.exp(_to_sympy(x))

    def log(self, x):
        if isinstance(x, np.ndarray):
            return np.frompyfunc(self._log1, 1, 1)(x).astype(object) if x.size else x.astype(object)
        return self._log1(x)

    def exp(self, x):
        if isinstance(x, np.ndarray):
            return np.frompyfunc(self._exp1, 1, 1)(x).astype(object) if x.size else x.astype(object)
        return self._exp1(x)

    def sqrt(self, x):
        def one(v):
            if isinstance(v, float) and v == math.inf:  # sqrt of an infinite divergence stays infinite
                return v
            if isinstance(v, Fraction):
                n, d = math.isqrt(v.numerator), math.isqrt(v.denominator)
                if n * n == v.numerator and d * d == v.denominator:
                    return Fraction(n, d)
            return sympy.sqrt(_to_sympy(v))

        if isinstance(x, np.ndarray):
            return np.frompyfunc(one, 1, 1)(x).astype(object)
        return one(x)

    def is_zero(self, x):
        def one(v):
            if isinstance(v, (int, Fraction)):
                return v == 0
            return self.sign(v) == 0

        if isinstance(x, np.ndarray):
            return np.frompyfunc(one, 1, 1)(x).astype(bool)
        return one(x)

    def sign(self, x) -> int:
        if isinstance(x, (int, Fraction)):
            return (x > 0) - (x < 0)
        if isinstance(x, LogLinear):
            return x.sign()
        if isinstance(x, float):
            if math.isnan(x):
                raise ArithmeticContextError("nan has no sign")
            return (x > 0) - (x < 0)
        expr = sympy.sympify(x)
        if expr.is_zero:
            return 0
        prec = 64
        while prec <= _SYMBOLIC_PREC_CAP:
            s = _arb_sign(_sympy_to_arb(expr, prec))
            if s is not None:
                return s
            prec *= 2
        if sympy.simplify(expr) == 0:
            return 0
        raise UndecidedError(
            f"the sign of {expr} is not settled at {_SYMBOLIC_PREC_CAP} bits (it may be exactly 0)", prec=prec // 2
        )

    def maximum(self, x, axis: int = -1):
        x = np.asarray(x, dtype=object)
        if not x.size:  # an empty batch: the axis is reduced all the same, as numpy's max does
            return np.empty(np.delete(x.shape, axis), dtype=object)
        return np.apply_along_axis(lambda row: max(row, key=_ExactKey), axis, x)

    def weights_key(self, w):
        # Exact weights: equal rows are equal posteriors. Intern each distinct value as an integer id.
        ids: dict = {}
        flat = [ids.setdefault(v, len(ids)) for v in w.reshape(-1)]
        return np.asarray(flat, dtype=np.int64).reshape(w.shape)



class _Negated:
    """Reverses a sort key (for descending orders of values without a negation, such as cmp_to_key keys)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return other.key < self.key

    def __eq__(self, other):
        return self.key == other.key


def _arb_endpoints(x) -> tuple[Fraction, Fraction]:
    """A ball's endpoints, midpoint ∓ radius, computed exactly from their binary forms."""
    def exact(v):
        man, exp = v.man_exp()
        return Fraction(int(man)) * Fraction(2) ** int(exp)

    m, r = exact(x.mid()), exact(x.rad())
    return m - r, m + r


class _ExactKey:
    """Sort key comparing exact numbers of mixed kinds exactly."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return ExactContext().compare(self.v, other.v) < 0


class BallContext(Context):
    """python-flint arb balls at ``prec`` bits: every value an enclosure of the true one.

    >>> ball = BallContext(prec=64)
    >>> ball.sign(ball.convert("1/3") - ball.convert(0.3))
    1
    """

    name = "ball"
    dtype = object
    certified = True

    @property
    def rational_counterpart(self):
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
                f"(validation.MAX_BALL_PRECISION); use at most {MAX_BALL_PRECISION} bits, or arith='exact'")
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
            "(a tie cannot be certified by enclosures; use arith='exact')", prec=self.prec)

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
        from .errors import TemperatureError

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
                    "temperature")
        return (probs, w, kl_rows) if kl else (probs, w)


    def __repr__(self) -> str:
        return f"BallContext(prec={self.prec})"


def _arb_max(row) -> arb:
    out = row[0]
    for v in row[1:]:
        out = out.max(v)
    return out


def _phi(r: np.ndarray) -> np.ndarray:
    """φ(r) = 1 + (r − 1)·e^r = Σ_{n≥2} (n − 1) r^n / n! (≥ 0; 1 at r = −∞), elementwise, accurate near r = 0.

    >>> _phi(np.array([-np.inf, 0.0, 1e-9, np.log(2)])).tolist()
    [1.0, 0.0, 5.000000003333333e-19, 0.3862943611198906]
    """
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        direct = 1.0 + (r - 1.0) * np.exp(r)
        direct = np.where(np.isneginf(r), 1.0, direct)
        small = np.abs(r) < 0.5
        x = np.where(small, r, 0.0)
        # Horner on Σ_{n=2}^{21} (n − 1) x^n / n!; the first omitted term is below 2^-60 of the sum for |x| < 1/2.
        acc = np.zeros_like(x)
        for n in range(21, 1, -1):
            acc = acc * x + (n - 1) / math.factorial(n)
        series = acc * x * x
        return np.where(small, series, direct)


FLOAT = FloatContext()
EXACT = ExactContext()


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
                side = ("below the minimum 8 bits" if digits.startswith("-")
                        else f"above the maximum {MAX_BALL_PRECISION} bits (validation.MAX_BALL_PRECISION)")
                raise ArithmeticContextError(
                    f"ball precision {digits[:16]}... ({len(unsigned)} digits) is {side}; "
                    f"use 'ball:<bits>' with 8 <= bits <= {MAX_BALL_PRECISION}, or arith='exact'")
            return BallContext(int(digits))
    raise ArithmeticContextError(
        f"unknown arithmetic {arith!r}; use 'float', 'exact', 'ball' or 'ball:<bits>'"
    )

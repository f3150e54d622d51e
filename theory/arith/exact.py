"""The exact context: rationals for probabilities, exact linear forms for logarithms, sympy beyond."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..errors import ArithmeticContextError, UndecidedError
from ._lazy import _instance_of, sympy
from .context import Context
from .loglinear import LogLinear, _to_sympy
from .rationals import to_fraction
from .symbolic import _SYMBOLIC_PREC_CAP, _arb_sign, _sympy_to_arb


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
            # numpy reports float flags raised inside the Python function as the ufunc's own: sympy's first
            # exponential sets "invalid" internally, which is no error of this exact computation.
            with np.errstate(invalid="ignore"):
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

    @staticmethod
    def _merge_token(v):
        # A linear form in logarithms is not hashable (its equality is decided, not structural): its canonical
        # coefficients are. Equal values written over different bases may get two tokens: fewer merges, never
        # a wrong one.
        if isinstance(v, LogLinear):
            rational, terms = v.canonical()
            return ("ln", rational, tuple(sorted(terms.items()))) if terms else rational
        return v

    def total(self, values):
        # One pass: a left-to-right sum would copy the growing linear form (or sympy sum) at every addition.
        rational, terms, symbolic, linear = Fraction(0), {}, [], False
        for v in np.asarray(values, dtype=object).reshape(-1):
            if isinstance(v, LogLinear):
                linear = True
                rational += v.rational
                for r, c in v.terms.items():
                    terms[r] = terms.get(r, 0) + c
            elif isinstance(v, (Fraction, int, np.integer)):
                rational += v
            else:
                symbolic.append(v)
        out = LogLinear(rational, terms) if linear else rational
        if symbolic:
            return sympy.Add(_to_sympy(out), *symbolic)
        return out

    def sum_by(self, values, inverse, size):
        values = np.asarray(values, dtype=object)
        out = self.zeros((size,) + values.shape[1:])
        flat = values.reshape(len(values), -1)
        groups: dict = {}
        for i, g in enumerate(np.asarray(inverse).tolist()):
            groups.setdefault(g, []).append(i)
        view = out.reshape(size, -1)
        for g, rows in groups.items():
            for j in range(flat.shape[1]):
                view[g, j] = self.total(flat[rows, j])
        return out

    def maximum(self, x, axis: int = -1):
        x = np.asarray(x, dtype=object)
        if not x.size:  # an empty batch: the axis is reduced all the same, as numpy's max does
            return np.empty(np.delete(x.shape, axis), dtype=object)
        return np.apply_along_axis(lambda row: max(row, key=_ExactKey), axis, x)

    def descending_order(self, weights):
        weights = np.asarray(weights, dtype=object)
        if all(isinstance(v, (int, Fraction)) for v in weights.flat):  # rationals: compared directly, fast
            n, k = weights.shape
            return np.array(
                [sorted(range(k), key=lambda i, row=row: (-row[i], i)) for row in weights], dtype=np.int64
            ).reshape(n, k)
        return super().descending_order(weights)

    def weights_key(self, w):
        # Exact weights: equal rows are equal posteriors. Intern each distinct value as an integer id.
        ids: dict = {}
        flat = [ids.setdefault(v, len(ids)) for v in w.reshape(-1)]
        return np.asarray(flat, dtype=np.int64).reshape(w.shape)


class _ExactKey:
    """Sort key comparing exact numbers of mixed kinds exactly."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return ExactContext().compare(self.v, other.v) < 0


#: The exact context (one instance: it has no parameters).
EXACT = ExactContext()

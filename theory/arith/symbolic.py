"""The bridge between exact values (rationals, :class:`LogLinear`, sympy expressions) and arb balls."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING


from ..errors import ArithmeticContextError
from ._lazy import _flint, sympy

if TYPE_CHECKING:
    from flint import arb
    from sympy import Expr


_SYMBOLIC_PREC_CAP = 4096


def _fraction_to_arb(x: Fraction) -> arb:
    if x.denominator == 1:
        return _flint.arb(x.numerator)
    return _flint.arb(_flint.fmpq(x.numerator, x.denominator))


def _sympy_to_arb(expr: Expr, prec: int) -> arb:
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


def _arb_sign(x: arb) -> int | None:
    if x.is_zero():
        return 0
    if x > 0:
        return 1
    if x < 0:
        return -1
    return None


def _arb_endpoints(x) -> tuple[Fraction, Fraction]:
    """A ball's endpoints, midpoint ∓ radius, computed exactly from their binary forms."""

    def exact(v):
        man, exp = v.man_exp()
        return Fraction(int(man)) * Fraction(2) ** int(exp)

    m, r = exact(x.mid()), exact(x.rad())
    return m - r, m + r

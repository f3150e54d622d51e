"""Linear programs, in float (HiGHS through scipy) or exactly (a rational simplex).

One concern: ``maximize c·x subject to A_eq x = b_eq, A_ub x <= b_ub, x >= 0``. The exact solver is a dense
two-phase simplex over Fractions with Bland's rule (no cycling), meant for the small programs of
sequence-form policies on small trees; its optimum is exact, so verdicts may rest on it.

>>> from fractions import Fraction
>>> x, v = maximize([1, 1], a_ub=[[1, 2], [3, 1]], b_ub=[4, 6], arith="exact")
>>> x, v
([Fraction(8, 5), Fraction(6, 5)], Fraction(14, 5))
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .arith import get_context, to_fraction
from .errors import MightntError

__all__ = ["maximize", "InfeasibleError"]


class InfeasibleError(MightntError):
    """The linear program has no feasible point (or is unbounded)."""


def maximize(c, *, a_eq=None, b_eq=None, a_ub=None, b_ub=None, arith=None):
    """Maximize ``c·x`` over ``x >= 0`` with ``a_eq x = b_eq`` and ``a_ub x <= b_ub``; return ``(x, value)``.

    Float: scipy's HiGHS. Exact and ball: the rational simplex (ball results are the exact optimum converted).

    >>> maximize([1], a_ub=[[1]], b_ub=[0.5])[1]
    0.5
    """
    ctx = get_context(arith)
    n = len(c)
    a_eq = np.zeros((0, n), dtype=object) if a_eq is None else np.asarray(a_eq, dtype=object).reshape(-1, n)
    a_ub = np.zeros((0, n), dtype=object) if a_ub is None else np.asarray(a_ub, dtype=object).reshape(-1, n)
    b_eq = np.zeros(0, dtype=object) if b_eq is None else np.asarray(b_eq, dtype=object).reshape(-1)
    b_ub = np.zeros(0, dtype=object) if b_ub is None else np.asarray(b_ub, dtype=object).reshape(-1)
    if ctx.dtype is not object:
        return _float(np.asarray(c, dtype=float), a_eq.astype(float), b_eq.astype(float), a_ub.astype(float),
                      b_ub.astype(float))
    x, value = _exact([to_fraction(v) for v in c], a_eq, b_eq, a_ub, b_ub)
    with ctx.scope():
        return [ctx.convert(v) for v in x], ctx.convert(value)


def _float(c, a_eq, b_eq, a_ub, b_ub):
    from scipy.optimize import linprog

    res = linprog(-c, A_ub=a_ub if len(b_ub) else None, b_ub=b_ub if len(b_ub) else None,
                  A_eq=a_eq if len(b_eq) else None, b_eq=b_eq if len(b_eq) else None,
                  bounds=(0, None), method="highs")
    if res.status != 0:
        raise InfeasibleError(f"linear program not solved: {res.message}")
    return res.x, float(-res.fun)


def _exact(c, a_eq, b_eq, a_ub, b_ub):
    """Two-phase dense simplex over Fractions with Bland's rule."""
    n = len(c)
    rows = []
    rhs = []
    # Inequalities get a slack column each; rows with negative right-hand sides are negated.
    n_slack = len(b_ub)
    for i in range(len(b_ub)):
        row = [to_fraction(v) for v in a_ub[i]] + [Fraction(0)] * n_slack
        row[n + i] = Fraction(1)
        rows.append(row)
        rhs.append(to_fraction(b_ub[i]))
    for i in range(len(b_eq)):
        rows.append([to_fraction(v) for v in a_eq[i]] + [Fraction(0)] * n_slack)
        rhs.append(to_fraction(b_eq[i]))
    m = len(rows)
    width = n + n_slack
    for i in range(m):
        if rhs[i] < 0:
            rows[i] = [-v for v in rows[i]]
            rhs[i] = -rhs[i]
    # Phase 1: an artificial variable per row; basis = artificials (slack columns could serve where their
    # row was not negated, but artificials keep the code simple and the programs are small).
    tableau = [rows[i] + [Fraction(1) if j == i else Fraction(0) for j in range(m)] + [rhs[i]] for i in range(m)]
    basis = [width + i for i in range(m)]
    total = width + m
    phase1 = [Fraction(0)] * width + [Fraction(-1)] * m
    _simplex(tableau, basis, phase1, total)
    if _objective(tableau, basis, phase1) < 0:
        raise InfeasibleError("linear program is infeasible")
    # Drive artificials out of the basis where possible, then drop their columns.
    for r, b in enumerate(basis):
        if b >= width:
            for j in range(width):
                if tableau[r][j] != 0:
                    _pivot(tableau, basis, r, j)
                    break
    keep_rows = [r for r, b in enumerate(basis) if b < width]
    tableau = [tableau[r][:width] + [tableau[r][-1]] for r in keep_rows]
    basis = [basis[r] for r in keep_rows]
    objective = list(c) + [Fraction(0)] * n_slack
    _simplex(tableau, basis, objective, width)
    x = [Fraction(0)] * width
    for r, b in enumerate(basis):
        x[b] = tableau[r][-1]
    return x[:n], sum((ci * xi for ci, xi in zip(c, x[:n])), Fraction(0))


def _objective(tableau, basis, cost):
    return sum((cost[b] * tableau[r][-1] for r, b in enumerate(basis)), Fraction(0))


def _pivot(tableau, basis, r, j):
    row = tableau[r]
    inv = 1 / row[j]
    tableau[r] = row = [v * inv for v in row]
    for i, other in enumerate(tableau):
        if i != r and other[j] != 0:
            f = other[j]
            tableau[i] = [a - f * b if b else a for a, b in zip(other, row)]
    basis[r] = j


def _simplex(tableau, basis, cost, n_cols):
    """Maximize ``cost`` over the tableau's columns ``< n_cols``, in place (Bland's rule)."""
    while True:
        in_basis = set(basis)
        # Reduced costs c_j - c_B B^-1 A_j; the tableau rows already hold B^-1 A.
        entering = None
        for j in range(n_cols):
            if j in in_basis:
                continue
            reduced = cost[j] - sum((cost[b] * tableau[r][j] for r, b in enumerate(basis) if tableau[r][j]),
                                    Fraction(0))
            if reduced > 0:
                entering = j
                break
        if entering is None:
            return
        best = None
        for r, row in enumerate(tableau):
            a = row[entering]
            if a > 0:
                ratio = row[-1] / a
                if best is None or ratio < best[0] or (ratio == best[0] and basis[r] < basis[best[1]]):
                    best = (ratio, r)
        if best is None:
            raise InfeasibleError("linear program is unbounded")
        _pivot(tableau, basis, best[1], entering)



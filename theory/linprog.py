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

import math
import numbers
from fractions import Fraction

import numpy as np

from .arith import get_context, to_fraction
from .errors import ArithmeticContextError, MightntError
from .validation import MAX_EXACT_DIGITS, MAX_TREE_NODES, _shown

__all__ = ["maximize", "InfeasibleError", "LinearProgramError"]


class InfeasibleError(MightntError):
    """The linear program has no feasible point (or is unbounded).

    >>> maximize([1], a_eq=[[1]], b_eq=[-1], arith="exact")
    Traceback (most recent call last):
    ...
    theory.linprog.InfeasibleError: linear program is infeasible
    """


class LinearProgramError(MightntError):
    """A linear program's data is malformed: a coefficient that is not a finite number, or arrays whose shapes
    do not fit together.

    >>> maximize([1, None])
    Traceback (most recent call last):
    ...
    theory.linprog.LinearProgramError: c[1] = None is not a number (NoneType); coefficients are finite ints, floats, Fractions or numeric strings
    """


def _coefficient(v, where: str):
    """One coefficient, checked: a finite real number (not a bool), returned as given (or as its exact value)."""
    if isinstance(v, (bool, np.bool_)):
        raise LinearProgramError(f"{where} = {v!r} is a bool, not a number; write 1 or 0")
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            raise LinearProgramError(f"{where} = {v!r} is not a finite number")
        return float(v)
    if isinstance(v, str) and len(v) > MAX_EXACT_DIGITS:
        raise LinearProgramError(f"{where} has {len(v)} characters, more than the {MAX_EXACT_DIGITS} accepted")
    if isinstance(v, (str, numbers.Rational)) or hasattr(v, "numerator"):
        try:
            return to_fraction(v)
        except ArithmeticContextError:
            pass
    raise LinearProgramError(
        f"{where} = {_shown(v)} is not a number ({type(v).__name__}); coefficients are finite "
        "ints, floats, Fractions or numeric strings"
    )


def _float_or_inf(v) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf


def _table(values, name: str, ndim: int, columns: int | None) -> np.ndarray:
    """``values`` as an object array of ``ndim`` dimensions (``columns`` columns for a matrix) of checked
    coefficients; LinearProgramError naming it otherwise."""
    try:
        arr = np.asarray(values, dtype=object)
    except (TypeError, ValueError):
        arr = None
    if arr is not None and ndim == 2 and columns is not None and arr.ndim == 1 and arr.shape[0] == 0:
        arr = arr.reshape(0, columns)  # no constraint rows at all
    shape_text = "a vector" if ndim == 1 else f"a matrix with {columns} columns (one per variable)"
    if (
        arr is None
        or arr.ndim != ndim
        or (ndim == 2 and arr.shape[1] != columns and arr.shape[0] != 0)
        or isinstance(values, (str, bytes, dict, set))
    ):
        got = "" if arr is None else f" of shape {arr.shape}"
        raise LinearProgramError(f"{name} must be {shape_text}, got {_shown(values)}{got}")
    if arr.size > MAX_TREE_NODES:
        raise LinearProgramError(
            f"{name} has {arr.size} entries, more than the {MAX_TREE_NODES} a linear program here may have"
        )
    kinds = {type(v) for v in arr.flat}
    if kinds <= {int, float, Fraction, np.int64, np.float64}:
        # The common case, checked in bulk: only floats can be non-finite.
        floats = np.array([v for v in arr.flat if type(v) in (float, np.float64)], dtype=float)
        if np.isfinite(floats).all():
            return arr
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = _coefficient(v, f"{name}[{', '.join(str(int(i)) for i in idx)}]")
    return out


def maximize(c, *, a_eq=None, b_eq=None, a_ub=None, b_ub=None, arith=None):
    """Maximize ``c·x`` over ``x >= 0`` with ``a_eq x = b_eq`` and ``a_ub x <= b_ub``; return ``(x, value)``.

    Float: scipy's HiGHS. Exact and ball: the rational simplex (ball results are the exact optimum converted).

    >>> maximize([1], a_ub=[[1]], b_ub=[0.5])[1]
    0.5

    Malformed data (a coefficient that is not a finite number, shapes that do not fit) raises
    :class:`LinearProgramError` naming it:

    >>> maximize([1, 1], a_ub=[[1, 1]], b_ub=[1, 2])
    Traceback (most recent call last):
    ...
    theory.linprog.LinearProgramError: a_ub has 1 rows but b_ub has 2 entries; give one right-hand side per row
    """
    ctx = get_context(arith)
    c = _table(c, "c", 1, None)
    n = len(c)
    if n == 0:
        raise LinearProgramError("c is empty; a linear program needs at least one variable")
    tables = {}
    for a_name, b_name, a, b in (("a_eq", "b_eq", a_eq, b_eq), ("a_ub", "b_ub", a_ub, b_ub)):
        if (a is None) != (b is None):
            given, missing = (a_name, b_name) if b is None else (b_name, a_name)
            raise LinearProgramError(f"{given} is given but {missing} is not; pass both, or neither")
        if a is None:
            tables[a_name], tables[b_name] = np.zeros((0, n), dtype=object), np.zeros(0, dtype=object)
            continue
        a_arr, b_arr = _table(a, a_name, 2, n), _table(b, b_name, 1, None)
        if a_arr.shape[0] != b_arr.shape[0]:
            raise LinearProgramError(
                f"{a_name} has {a_arr.shape[0]} rows but {b_name} has {b_arr.shape[0]} entries; "
                "give one right-hand side per row"
            )
        tables[a_name], tables[b_name] = a_arr.reshape(-1, n), b_arr
    a_eq, b_eq, a_ub, b_ub = tables["a_eq"], tables["b_eq"], tables["a_ub"], tables["b_ub"]
    if ctx.rational_counterpart is None:  # float: HiGHS; otherwise the exact simplex, converted
        arrays = {}
        for name, arr in (("c", c), ("a_eq", a_eq), ("b_eq", b_eq), ("a_ub", a_ub), ("b_ub", b_ub)):
            try:
                arrays[name] = arr.astype(float)
            except OverflowError:
                big = next(v for v in arr.reshape(-1) if not math.isfinite(_float_or_inf(v)))
                raise LinearProgramError(
                    f"{name} has the coefficient {_shown(big)}, too large for float arithmetic; use arith='exact'"
                ) from None
        return _float(arrays["c"], arrays["a_eq"], arrays["b_eq"], arrays["a_ub"], arrays["b_ub"])
    x, value = _exact([to_fraction(v) for v in c], a_eq, b_eq, a_ub, b_ub)
    with ctx.scope():
        return [ctx.convert(v) for v in x], ctx.convert(value)


def _float(c, a_eq, b_eq, a_ub, b_ub):
    from scipy.optimize import linprog

    res = linprog(
        -c,
        A_ub=a_ub if len(b_ub) else None,
        b_ub=b_ub if len(b_ub) else None,
        A_eq=a_eq if len(b_eq) else None,
        b_eq=b_eq if len(b_eq) else None,
        bounds=(0, None),
        method="highs",
    )
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
            reduced = cost[j] - sum(
                (cost[b] * tableau[r][j] for r, b in enumerate(basis) if tableau[r][j]), Fraction(0)
            )
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

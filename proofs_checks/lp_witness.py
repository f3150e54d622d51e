"""LP duals for certificates: what lets the independent kernel (:mod:`proofs_checks.kernel`) check a claim whose
parts are optima of linear programs without solving any program itself.

For the TVD claims, the engine's exact simplex finds each program's optimum; this module stores, for every
program the kernel will ask about, a primal solution and a dual solution as exact strings, in the variable order of
the kernel's own sequence form (:class:`proofs_checks.kernel.lp.SeqForm`). The kernel then checks feasibility of
both and equality of the two objectives (strong duality), which proves optimality exactly. How the duals were found
does not matter to the kernel: a wrong dual is rejected, not trusted.

>>> from proofs_checks.worlds import three_armed_bandit
>>> entries = tvd_lp_dual(three_armed_bandit())
>>> [e["lp"] for e in entries][:1]
['optimum']
"""

from __future__ import annotations

from fractions import Fraction

from . import kernel
from .instances import encode

__all__ = ["tvd_lp_dual", "lp_solutions"]


def lp_solutions(c, a_ub, b_ub, a_eq, b_eq, x=None) -> dict:
    """A primal optimum of ``max c·x`` s.t. ``a_ub x ≤ b_ub``, ``a_eq x = b_eq``, ``x ≥ 0`` (``x`` if given, else
    the engine's exact simplex) and an optimum of its dual, as exact strings: ``{"x", "y_ub", "y_eq"}``.

    >>> lp_solutions([1, 1], [[1, 2]], [2], [], [])
    {'x': ['2', '0'], 'y_ub': ['1'], 'y_eq': []}
    """
    from theory.linprog import maximize

    if x is None:
        x, _ = maximize(c, a_ub=a_ub, b_ub=b_ub, a_eq=a_eq or None, b_eq=b_eq or None, arith="exact")
    k, e = len(a_ub), len(a_eq)
    # Dual: min b_ub·y + b_eq·(y⁺ − y⁻) s.t. a_ubᵀ y + a_eqᵀ (y⁺ − y⁻) ≥ c, y, y± ≥ 0; solved as a maximization.
    rows = [[-r[j] for r in a_ub] + [-r[j] for r in a_eq] + [r[j] for r in a_eq] for j in range(len(c))]
    y, _ = maximize(
        [-b for b in b_ub] + [-b for b in b_eq] + list(b_eq), a_ub=rows, b_ub=[-v for v in c], arith="exact"
    )
    text = lambda v: [str(Fraction(t)) for t in v]  # noqa: E731
    return {"x": text(x), "y_ub": text(y[:k]), "y_eq": text([y[k + i] - y[k + e + i] for i in range(e)])}


def tvd_lp_dual(instance: dict) -> list[dict]:
    """The ``lp_dual`` entries of a TVD-constrained instance (keys beta, env, utility, horizon, budget, history):
    π_c (from :func:`theory.tvd_constrained_policy`) in sequence form with a dual proving it optimal, then the
    primal and dual of every ``min_raise`` program the kernel asks for (one per reached history and non-optimal
    action that π_c raises)."""
    import theory

    kx = kernel.load(encode(instance))
    env, u, m, c, h = kx["env"], kx["utility"], kx["horizon"], kx["budget"], tuple(kx["history"])
    f = kernel.lp.SeqForm(kx["beta"], env, u, m, h)
    pi = theory.tvd_constrained_policy(
        instance["beta"], instance["env"], instance["utility"], m, instance["budget"], h, arith="exact"
    ).policy
    x = [Fraction(0)] * len(f.value)
    for d, level in enumerate(f.nodes):
        for k, (g, parent, pa, _, _) in enumerate(level):
            reach = x[f.var(d - 1, parent, pa)] if d else Fraction(1)
            for a, p in enumerate(pi.probs(g, arith="exact")):
                x[f.var(d, k, a)] = reach * p
    nx, last = f.off[-1], f.nodes[-1]
    for j in range(len(last) * f.n_a):  # the split |x − reach·β| = s⁺ + s⁻ of the last level's TVD variables
        k, a = divmod(j, f.n_a)
        diff = x[f.var(m - 1, k, a)] - last[k][4] * f.beta[-1][k][a]
        x[nx + j], x[nx + len(last) * f.n_a + j] = max(diff, 0), max(-diff, 0)
    out = [dict(lp="optimum", **lp_solutions(f.value, [f.tvd], [2 * c], f.a_eq, f.b_eq, x))]
    best = sum(v * t for v, t in zip(f.value, x))
    for d, level in enumerate(f.nodes):
        for k, (g, parent, pa, _, _) in enumerate(level):
            reach = x[f.var(d - 1, parent, pa)] if d else 1
            qs = kernel.q_star(env, u, m - d, g) if reach > 0 else []
            for a in (a for a in range(len(qs)) if qs[a] != max(qs)):
                if x[f.var(d, k, a)] - reach * f.beta[d][k][a] > 0:
                    obj = [Fraction(0)] * len(f.value)
                    obj[f.var(d, k, a)] = Fraction(-1)
                    if d:
                        obj[f.var(d - 1, parent, pa)] = f.beta[d][k][a]
                    sol = lp_solutions(obj, [f.tvd, [-v for v in f.value]], [2 * c, -best], f.a_eq, f.b_eq)
                    out.append(dict(lp="min_raise", history=[list(s) for s in g[len(h) :]], action=a, **sol))
    return out

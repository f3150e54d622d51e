"""The kernel's linear programs: the TVD-constrained optimum in sequence form, checked through stored duals.

Part of the trusted kernel (:mod:`proofs_checks.kernel`; standard library only). The program is rebuilt here
from the instance, from the statement of Theorem 2: maximize V^π_μ(h) over policies π in sequence form subject to
TVD_{h,m}(π, β) ≤ c. Variables: x(h'a) for every decision node h' (a history after h of length < m that μ makes
possible; depth by depth, each node's children in the order action, then observation) and action a; then two
slack variables d⁺, d⁻ per last-node action. Constraints: Σ_a x(ha) = 1, Σ_a x(h'a) = x(parent) (node order),
x(h'a) − d⁺ + d⁻ = x_β(h'a) for the last nodes; and Σ R(h')(d⁺ + d⁻) ≤ 2c (R: μ's probability of the
observations of h'). The certificate's ``lp_dual`` gives, per LP, a primal x and a dual (y_ub, y_eq), which
:func:`~proofs_checks.kernel.check_lp` verifies exactly; the ``optimum`` entry's x is the engine's π_c.

>>> CLAIM_IDS
('conj-tvd-boosts-only-optimal-everywhere',)
"""

from fractions import Fraction

from . import KernelError, NotCovered, _q, _utility, check_lp, q_star

CLAIM_IDS = ("conj-tvd-boosts-only-optimal-everywhere",)


class SeqForm:
    """The sequence-form program of the TVD-constrained optimum (see the module docstring)."""

    def __init__(self, beta, env, u, m, h):
        self.nodes, self.beta, n_a = [[(h, -1, -1, Fraction(1), Fraction(1))]], [], env.n_actions
        for d in range(m):
            self.beta.append([beta.probs(g) for g, *_ in self.nodes[d]])
            if d + 1 < m:
                self.nodes.append(
                    [
                        (g + ((a, o),), i, a, r * po, xb * self.beta[d][i][a])
                        for i, (g, _, _, r, xb) in enumerate(self.nodes[d])
                        for a in range(n_a)
                        for o, po in enumerate(env.probs(g, a))
                        if po > 0
                    ]
                )
        self.off = [0]
        for level in self.nodes:
            self.off.append(self.off[-1] + len(level) * n_a)
        self.n_a, last, nx = n_a, self.nodes[-1], self.off[-1]
        n = nx + 2 * len(last) * n_a
        self.value, self.tvd, self.a_eq, self.b_eq = [Fraction(0)] * n, [Fraction(0)] * n, [], []
        for d, level in enumerate(self.nodes):
            for k, (_g, parent, pa, _r, _xb) in enumerate(level):
                row = [Fraction(0)] * n
                for a in range(n_a):
                    row[self.var(d, k, a)] = Fraction(1)
                if d:
                    row[self.var(d - 1, parent, pa)] = Fraction(-1)
                self.a_eq.append(row)
                self.b_eq.append(Fraction(0 if d else 1))
        for k, (g, _, _, r, xb) in enumerate(last):
            for a in range(n_a):
                j, row = k * n_a + a, [Fraction(0)] * n
                row[self.var(len(self.nodes) - 1, k, a)], row[nx + j], row[nx + len(last) * n_a + j] = 1, -1, 1
                self.a_eq.append(row)
                self.b_eq.append(xb * self.beta[-1][k][a])
                self.tvd[nx + j] = self.tvd[nx + len(last) * n_a + j] = r
                self.value[self.var(len(self.nodes) - 1, k, a)] = r * sum(
                    (po * _utility(u, h, g[len(h) :] + ((a, o),)) for o, po in enumerate(env.probs(g, a)) if po > 0),
                    Fraction(0),
                )

    def var(self, d, k, a):
        return self.off[d] + k * self.n_a + a


def _entry(entries, **key):
    for e in entries:
        if all(e.get(k) == v for k, v in key.items()):
            return [[_q(t) for t in e[f]] for f in ("x", "y_ub", "y_eq")]
    raise KernelError(f"the certificate's lp_dual has no entry {key}: the kernel cannot verify that optimum")


def tvd_everywhere(x, prec):
    """conj-tvd-boosts-only-optimal-everywhere: at every history π_c reaches before the horizon, every action that
    is not V-optimal there (remaining horizon) is raised above β by some maximizer only if the minimum over the
    optimal face of x(h')·(π(a|h') − β(a|h')) is ≤ 0."""
    beta, env, u, m, c, h = x["beta"], x["env"], x["utility"], x["horizon"], x["budget"], tuple(x["history"])
    entries = x.get("lp_dual")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise NotCovered(
            "the certificate stores no lp_dual (the solutions of its linear programs, which the "
            "kernel verifies; docs/kernel.md)"
        )
    f = SeqForm(beta, env, u, m, h)
    pc, y_ub, y_eq = _entry(entries, lp="optimum")
    best = check_lp(f.value, [f.tvd], [2 * c], f.a_eq, f.b_eq, pc, y_ub, y_eq)
    last = f.nodes[-1]
    tvd = (
        sum(
            (
                r * abs(pc[f.var(m - 1, k, a)] - xb * f.beta[-1][k][a])
                for k, (_, _, _, r, xb) in enumerate(last)
                for a in range(f.n_a)
            ),
            Fraction(0),
        )
        / 2
    )
    out = [
        ("π_c is feasible: TVD(π_c, β) ≤ c", tvd, "<=", c, False),
        (
            "π_c attains the optimum of the LP",
            sum((v * t for v, t in zip(f.value, pc)), Fraction(0)),
            ">=",
            best,
            False,
        ),
    ]
    for d, level in enumerate(f.nodes):
        for k, (g, parent, pa, _, _) in enumerate(level):
            reach = pc[f.var(d - 1, parent, pa)] if d else Fraction(1)
            if reach <= 0:
                continue  # π_c does not reach g
            qs = q_star(env, u, m - d, g)
            for a in (a for a in range(f.n_a) if qs[a] != max(qs)):
                raised = pc[f.var(d, k, a)] - reach * f.beta[d][k][a]
                if raised > 0:  # π_c raises a: the minimum over every maximizer decides
                    obj = [Fraction(0)] * len(f.value)
                    obj[f.var(d, k, a)] = Fraction(-1)
                    if d:
                        obj[f.var(d - 1, parent, pa)] = f.beta[d][k][a]
                    xs, yu, ye = _entry(entries, lp="min_raise", history=[list(s) for s in g[len(h) :]], action=a)
                    raised = -check_lp(
                        obj, [f.tvd, [-v for v in f.value]], [2 * c, -best], f.a_eq, f.b_eq, xs, yu, ye
                    ) - (0 if d else f.beta[d][k][a])
                out.append(
                    (
                        f"some maximizer has π(a={a}|h') ≤ β(a={a}|h') at h' = h·{g[len(h) :]}",
                        raised,
                        "<=",
                        Fraction(0),
                        False,
                    )
                )
    return out

"""The linear program of the TVD-constrained optimum in sequence form, built independently of
:mod:`theory.optimize` (``thm2-tvd-constraint`` and ``conj-tvd-boosts-only-optimal-everywhere`` decide with it
whether every maximizer, not only the returned one, raises an action), and the decision nodes a policy reaches.

>>> from proofs_checks.worlds import three_armed_bandit
>>> x = three_armed_bandit()
>>> SequenceForm(x["beta"], x["env"], x["utility"], 2).optimum(x["budget"])
Fraction(11, 18)
"""

from __future__ import annotations

import math
from fractions import Fraction

import theory
from theory.arith import get_context, to_fraction
from theory.errors import MightntError
from theory.linprog import maximize

__all__ = ["SequenceForm", "decision_nodes", "surely_positive"]


# ---------------------------------------------------------------------------------------------------------------
def _leaf_utility(utility, full, start_length: int, horizon: int) -> Fraction:
    if isinstance(utility, theory.MeanReward):
        steps = full[start_length:]
        return sum((to_fraction(utility.table[a, o]) for a, o in steps), Fraction(0)) / horizon
    return to_fraction(utility(full))


class SequenceForm:
    """The linear program of the TVD-constrained optimum, in sequence form, built with exact rationals from the
    public kernel interface only (``probs`` of β and μ at each history, the utility of each full history).

    Variables: x(h'a), the probability that π takes the actions of h'a given its observations, for every
    decision node h' (a history after h of length < m that μ makes possible) and action a; ``Σ_a x(h'a) =
    x(parent)``, ``Σ_a x(ha) = 1``. The trajectory TVD is ``½ Σ R(h') |x(h'a) − x_β(h'a)|`` over the last decision
    nodes (R: μ's probability of the observations of h'), written with two non-negative slack variables per term.

    >>> from proofs_checks.worlds import three_armed_bandit
    >>> x = three_armed_bandit()
    >>> sf = SequenceForm(x["beta"], x["env"], x["utility"], 2)
    >>> sf.optimum(Fraction(1, 9), "exact")
    Fraction(11, 18)
    >>> sf.max_probability(Fraction(1, 9), 0, Fraction(11, 18), "exact")   # no maximizer raises arm 0 above 1/3
    Fraction(2, 9)
    """

    def __init__(self, beta, env, utility, horizon: int, history=()):
        self.start = tuple((int(s[0]), int(s[1])) for s in history)
        self.m, self.n_actions, self.n_obs = int(horizon), env.n_actions, env.n_observations
        if self.m < 1:
            raise ValueError("the sequence form needs a horizon of at least 1")
        # nodes[d]: (history, parent index, parent action, R = μ's probability of the observations, x_β)
        self.nodes = [[(self.start, -1, -1, Fraction(1), Fraction(1))]]
        self.beta_rows = []
        for d in range(self.m):
            rows = [[to_fraction(v) for v in beta.probs(hist, arith="exact")] for hist, *_ in self.nodes[d]]
            self.beta_rows.append(rows)
            if d == self.m - 1:
                break
            nxt = []
            for i, (hist, _, _, r, xb) in enumerate(self.nodes[d]):
                for a in range(self.n_actions):
                    law = [to_fraction(v) for v in env.probs(hist, a, arith="exact")]
                    for o in range(self.n_obs):
                        if law[o] > 0:
                            nxt.append((hist + ((a, o),), i, a, r * law[o], xb * rows[i][a]))
            self.nodes.append(nxt)
        # Expected utility of each last decision node and action.
        self.leaf = []
        for hist, *_ in self.nodes[-1]:
            row = []
            for a in range(self.n_actions):
                law = [to_fraction(v) for v in env.probs(hist, a, arith="exact")]
                row.append(
                    sum(
                        (
                            law[o] * _leaf_utility(utility, hist + ((a, o),), len(self.start), self.m)
                            for o in range(self.n_obs)
                            if law[o] > 0
                        ),
                        Fraction(0),
                    )
                )
            self.leaf.append(row)
        self._build()

    def _var(self, d: int, n: int, a: int) -> int:
        return self._offsets[d] + n * self.n_actions + a

    def _build(self):
        n_a, m = self.n_actions, self.m
        self._offsets = [0]
        for d in range(m):
            self._offsets.append(self._offsets[-1] + len(self.nodes[d]) * n_a)
        n_x = self._offsets[-1]
        last = self.nodes[-1]
        n_last = len(last) * n_a
        self.n_var = n_x + 2 * n_last
        zero, one = Fraction(0), Fraction(1)
        self.value_row = [zero] * self.n_var
        for n, (_, _, _, r, _) in enumerate(last):
            for a in range(n_a):
                self.value_row[self._var(m - 1, n, a)] = r * self.leaf[n][a]
        a_eq, b_eq = [], []
        row = [zero] * self.n_var
        for a in range(n_a):
            row[self._var(0, 0, a)] = one
        a_eq.append(row)
        b_eq.append(one)
        for d in range(1, m):
            for n, (_, parent, pa, _, _) in enumerate(self.nodes[d]):
                row = [zero] * self.n_var
                for a in range(n_a):
                    row[self._var(d, n, a)] = one
                row[self._var(d - 1, parent, pa)] = -one
                a_eq.append(row)
                b_eq.append(zero)
        self.tvd_row = [zero] * self.n_var
        for n, (_, _, _, r, xb) in enumerate(last):
            for a in range(n_a):
                k = n * n_a + a
                row = [zero] * self.n_var
                row[self._var(m - 1, n, a)] = one
                row[n_x + k] = -one
                row[n_x + n_last + k] = one
                a_eq.append(row)
                b_eq.append(xb * self.beta_rows[m - 1][n][a])
                self.tvd_row[n_x + k] = r
                self.tvd_row[n_x + n_last + k] = r
        self.a_eq, self.b_eq = a_eq, b_eq

    def _solve(self, objective, a_ub, b_ub, arith):
        if not get_context(arith).certified:
            as_float = lambda rows: [[float(v) for v in r] for r in rows]  # noqa: E731
            try:
                _, value = maximize(
                    [float(v) for v in objective],
                    a_eq=as_float(self.a_eq),
                    b_eq=[float(v) for v in self.b_eq],
                    a_ub=as_float(a_ub),
                    b_ub=[float(v) for v in b_ub],
                )
                return value
            except MightntError:
                # HiGHS meets constraints only to ~1e-7 and may call a program with a single feasible point (c = 0)
                # infeasible: the search then uses the exact optimum (converted), as certification would.
                pass
            try:
                _, value = maximize(objective, a_eq=self.a_eq, b_eq=self.b_eq, a_ub=a_ub, b_ub=b_ub, arith="exact")
            except MightntError:
                return math.nan  # a float floor above the exact optimum: let certification decide
            return float(value)
        _, value = maximize(objective, a_eq=self.a_eq, b_eq=self.b_eq, a_ub=a_ub, b_ub=b_ub, arith="exact")
        return value

    def optimum(self, budget, arith="exact"):
        """The largest value ``V^π_μ(h)`` of a policy with trajectory TVD at most ``budget`` (exact rational, or
        a float from HiGHS when ``arith`` is float)."""
        return self._solve(self.value_row, [self.tvd_row], [2 * to_fraction(budget)], arith)

    def _on_face(self, objective, budget, value, arith):
        floor = to_fraction(value) if not isinstance(value, float) else Fraction(value) - Fraction(1, 10**9)
        return self._solve(
            objective, [self.tvd_row, [-v for v in self.value_row]], [2 * to_fraction(budget), -floor], arith
        )

    def max_probability(self, budget, action: int, value, arith="exact"):
        """The largest ``π(action|h)`` over the policies with TVD at most ``budget`` and value at least ``value``
        (with ``value`` the optimum: over every maximizer)."""
        objective = [Fraction(0)] * self.n_var
        objective[self._var(0, 0, action)] = Fraction(1)
        return self._on_face(objective, budget, value, arith)

    def min_raise(self, steps, action: int, budget, value, arith="exact"):
        """The smallest ``x(h') (π(a|h') − β(a|h'))`` over the policies with TVD at most ``budget`` and value at
        least ``value``, where h' is h followed by ``steps`` and x(h') the probability that π takes the actions of
        ``steps``: positive exactly when every such policy reaches h' and raises ``action`` there above β.

        >>> from proofs_checks.worlds import three_armed_bandit
        >>> x = three_armed_bandit()
        >>> sf = SequenceForm(x["beta"], x["env"], x["utility"], 2)
        >>> sf.min_raise(((0, 0),), 1, Fraction(1, 9), Fraction(11, 18))   # every maximizer raises arm 1 after arm 0
        Fraction(1, 27)
        """
        steps = tuple((int(a), int(o)) for a, o in steps)
        d = len(steps)
        n = next(i for i, node in enumerate(self.nodes[d]) if node[0] == self.start + steps)
        _, parent, pa, _, _ = self.nodes[d][n]
        b = self.beta_rows[d][n][action]
        objective = [Fraction(0)] * self.n_var
        objective[self._var(d, n, action)] = Fraction(-1)
        if d > 0:
            objective[self._var(d - 1, parent, pa)] += b
        top = self._on_face(objective, budget, value, arith)
        return -top if isinstance(top, Fraction) else -float(top)


def surely_positive(arith, v) -> bool:
    """Whether ``v`` is positive: decided in certified arithmetic, above 10^-12 in floats.

    >>> import theory
    >>> surely_positive(theory.get_context("float"), 1e-13), surely_positive(theory.get_context("exact"), Fraction(1, 10**13))
    (False, True)
    """
    if arith.certified:
        return arith.sign(v) > 0
    return float(v) > 1e-12


def decision_nodes(pi, env, history, horizon, arith):
    """(steps after h, depth) of every history π reaches with positive probability before the horizon.

    >>> import theory
    >>> from proofs_checks.worlds import three_armed_bandit
    >>> x = three_armed_bandit()
    >>> decision_nodes(theory.FiniteStatePolicy.iid([1, 0, 0]), x["env"], (), 2, theory.get_context("exact"))
    [((), 0), (((0, 0),), 1)]
    """
    out, frontier = [], [()]
    for depth in range(horizon):
        nxt = []
        for steps in frontier:
            out.append((steps, depth))
            if depth + 1 == horizon:
                continue
            probs = pi.probs(history + steps, arith=arith)
            for a in range(env.n_actions):
                if not surely_positive(arith, probs[a]):
                    continue
                law = env.probs(history + steps, a, arith="exact")
                nxt.extend(steps + ((a, o),) for o in range(env.n_observations) if law[o] > 0)
        frontier = nxt
    return out

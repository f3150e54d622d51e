"""conj-tvd-boosts-only-optimal-everywhere (false): Theorem 2's property at every history the optimum reaches.

Theorem 2 (:mod:`~proofs_checks.claims.thm2_tvd_constraint`) says that the TVD-constrained optimum π_c raises
only V-optimal actions *at the start history h*, where the constraint is measured. Read as a statement about
every later history h' (π_c(a|h') > β(a|h') ⇒ a is V-optimal at h'), it is false: π_c moves probability mass
between whole trajectories, and when it takes the mass of a bad trajectory through h' away to the best
trajectory elsewhere, the conditional probabilities of the *other* actions at h' rise, suboptimal ones included.
The smallest case is three actions and two steps (the docs' three-armed bandit: after a first pull of the worst
arm, the middle arm rises from 1/3 to 1/2 while the best arm is the optimal one there).

The check is :mod:`thm2_tvd_constraint`'s with ``scope="everywhere"``: for every history π_c reaches with
positive probability before the horizon and every action that is not V-optimal there (for the remaining
horizon), the part ``π_c(a|h') ≤ β(a|h')``. Expected: refuted, with a shrunk counterexample certified in exact
rationals. :func:`scan` reproduces the spec's scan of random trees: such histories occur in most random trees
of horizon 3 with three actions, and never at the start history.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from __future__ import annotations

import random
from fractions import Fraction

import theory
from proofs_checks.claim import Claim
from proofs_checks.claims.thm2_tvd_constraint import _decision_nodes, make as _make_thm2, three_armed_bandit, tvd_cases
from proofs_checks.strategies import HistoryTableUtility

__all__ = ["CLAIM", "make", "random_tree", "scan", "scan_table"]


def random_tree(rng: random.Random, *, n_actions: int = 3, n_observations: int = 1, horizon: int = 3,
                grid: int = 6) -> dict:
    """A random decision tree as an exact instance: β and μ with one state per history (rows multiples of
    1/grid), a utility with an independent random value (a multiple of 1/grid) on every full history, and a
    budget in {1/10, ..., 9/10}.

    The utility is a :class:`~proofs_checks.strategies.HistoryTableUtility` whose rolling hash is injective on
    histories of length ≤ horizon (base ``|A|·|O| + 1`` digits), so its table is exactly a table of leaf values.

    >>> x = random_tree(random.Random(0))
    >>> x["beta"].n_states, x["horizon"], x["budget"]
    (13, 3, Fraction(1, 2))
    """
    base = n_actions * n_observations + 1
    nodes, index = [], {}

    def grow(path, depth):
        index[path] = len(nodes)
        nodes.append(path)
        if depth + 1 < horizon:
            for a in range(n_actions):
                for o in range(n_observations):
                    grow(path + ((a, o),), depth + 1)

    grow((), 0)

    def row(n):
        cuts = sorted(rng.randint(0, grid) for _ in range(n - 1))
        return [Fraction(hi - lo, grid) for lo, hi in zip([0] + cuts, cuts + [grid])]

    transition = [[[index.get(p + ((a, o),), 0) for o in range(n_observations)] for a in range(n_actions)]
                  for p in nodes]
    beta = theory.FiniteStatePolicy([row(n_actions) for _ in nodes], transition)
    env = theory.FiniteStateEnvironment([[row(n_observations) for _ in range(n_actions)] for _ in nodes], transition)
    values = [Fraction(rng.randint(0, grid), grid) for _ in range(base ** horizon)]
    utility = HistoryTableUtility(values=values, multiplier=base, action_coef=n_observations, observation_coef=1)
    return {"beta": beta, "env": env, "utility": utility, "horizon": horizon,
            "budget": Fraction(rng.randint(1, 9), 10), "history": ()}


def _violations(x) -> list:
    """(steps after h, action) where π_c raises an action that is not V-optimal there (exact)."""
    beta, env, u, m, c, h = x["beta"], x["env"], x["utility"], x["horizon"], x["budget"], tuple(x["history"])
    exact = theory.get_context("exact")
    pi = theory.tvd_constrained_policy(beta, env, u, m, c, h, arith=exact)
    out = []
    for steps, depth in _decision_nodes(pi, env, h, m, exact):
        here = h + steps
        optimal = set(theory.optimal_actions(env, u, m - depth, here, arith="exact"))
        p, b = pi.probs(here, arith="exact"), beta.probs(here, arith="exact")
        out.extend((steps, a) for a in range(env.n_actions) if a not in optimal and p[a] > b[a])
    return out


def scan(n_trees: int = 150, *, n_actions: int = 3, n_observations: int = 1, horizon: int = 3, seed: int = 0) -> dict:
    """Solve ``n_trees`` random trees (:func:`random_tree`) exactly and count where π_c raises an action that
    is not V-optimal: trees with such a history, such (history, action) pairs, and pairs at the start history
    (Theorem 2: none). Also returns the first tree with a violation (``"example"``).

    >>> r = scan(5)
    >>> r["trees"], r["at_start"]
    (5, 0)
    """
    rng = random.Random(seed)
    trees = with_violation = pairs = at_start = 0
    example = None
    for _ in range(n_trees):
        x = random_tree(rng, n_actions=n_actions, n_observations=n_observations, horizon=horizon)
        bad = _violations(x)
        trees += 1
        pairs += len(bad)
        at_start += sum(1 for steps, _ in bad if steps == ())
        if bad:
            with_violation += 1
            if example is None:
                example = (x, bad)
    return {"trees": trees, "with_violation": with_violation, "pairs": pairs, "at_start": at_start,
            "example": example}


def scan_table(arith=None, *, n_trees: int = 150, shapes=((3, 1, 3), (2, 1, 3)), seed: int = 0) -> dict:
    """The scan as a table, one row per tree shape ``(|A|, |O|, horizon)`` (the claim's ``tabulate``; exact
    whatever ``arith`` is).

    >>> t = scan_table(n_trees=3, shapes=((3, 1, 2),))
    >>> t["columns"][:4], t["rows"][0][:2]
    (['|A|', '|O|', 'horizon', 'trees'], [3, 1])
    """
    rows = []
    for n_actions, n_obs, horizon in shapes:
        r = scan(n_trees, n_actions=n_actions, n_observations=n_obs, horizon=horizon, seed=seed)
        rows.append([n_actions, n_obs, horizon, r["trees"], r["with_violation"], r["pairs"], r["at_start"]])
    return {"columns": ["|A|", "|O|", "horizon", "trees", "trees with a suboptimal action raised below h",
                        "(history, action) pairs", "pairs at the start history"],
            "rows": rows}


def make(*, scope: str = "everywhere", id: str = "conj-tvd-boosts-only-optimal-everywhere",
         kind: str = "conjecture", max_examples: int = 100, tabulate=None, given=None, **kw) -> Claim:
    """The check of Theorem 2's property at every reachable history (``scope="start"``: only at h, the true
    theorem).

    >>> make(scope="start", id="tvd-start").kind
    'conjecture'
    """
    return _make_thm2(
        scope=scope, id=id, kind=kind, max_examples=max_examples, tabulate=tabulate,
        # Three actions and at least two steps: the smallest trees where the over-reading can fail.
        given=given if given is not None else tvd_cases(min_actions=3, min_horizon=2, max_leaves=36, max_states=1,
                                                        max_history=0),
        title="TVD-constrained optimum raises only V-optimal actions at every history it reaches (false)",
        reference="Over-reading of Theorem 2 of Cohen, Hutter, Bengio, Russell (arXiv 2410.06213); Definition 7",
        how=("The check of thm2-tvd-constraint with scope 'everywhere': β, μ random finite-state machines with exact "
             "tables (|A| 2–3, |O| 1–2), horizons 1–3, budgets in [0, 1]; π_c exact (theory.tvd_constrained_policy), "
             "then for every history h' that π_c reaches with positive probability before the horizon and every action "
             "a that is not V-optimal at h' for the remaining horizon (exact expectimax), the part π_c(a|h') ≤ "
             "β(a|h'). Expected: refuted, the counterexample certified in exact rationals. A scan of random trees "
             "(scan(), scan_table()) counts how common such histories are."),
        derived=("Not a claim of the paper: the paper's Theorem 2 is stated at the start history only. This is the "
                 "natural over-reading, refuted here; the spec's scan (150 random trees of horizon 3) is reproduced "
                 "by scan()."),
        examples=lambda: [three_armed_bandit()],
        **kw,
    )


CLAIM = make()

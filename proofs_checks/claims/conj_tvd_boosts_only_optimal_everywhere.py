"""``conj-tvd-boosts-only-optimal-everywhere``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-tvd-boosts-only-optimal-everywhere.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
"""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim
from proofs_checks.claims.thm2_tvd_constraint import make as _make_thm2
from proofs_checks.lp_witness import tvd_lp_dual
from proofs_checks.sequence_form import SequenceForm, decision_nodes
from proofs_checks.strategies import HistoryTableUtility
from proofs_checks.worlds import three_armed_bandit

__all__ = ["CLAIM", "make", "examples", "lean_cases", "random_tree", "scan", "scan_table"]


_WEIGHTS = st.lists(st.integers(0, 12), min_size=3, max_size=3)


def _row(weights) -> list:
    total = sum(weights)
    return [Fraction(1)] + [Fraction(0)] * (len(weights) - 1) if total == 0 else [Fraction(w, total) for w in weights]


@st.composite
def _lean(draw, n_obs: int, horizons):
    beta = theory.FiniteStatePolicy.iid(_row(draw(_WEIGHTS)), n_observations=n_obs)
    if n_obs == 1:
        env = theory.sequence_environment(3)
    else:
        laws = [_row(draw(st.lists(st.integers(0, 12), min_size=n_obs, max_size=n_obs))) for _ in range(3)]
        env = theory.FiniteStateEnvironment([laws], [[[0] * n_obs for _ in range(3)]])
    rewards = [[Fraction(draw(st.integers(0, 12)), 12) for _ in range(n_obs)] for _ in range(3)]
    return {
        "beta": beta,
        "env": env,
        "utility": theory.MeanReward(rewards),
        "horizon": draw(horizons),
        "budget": draw(_BUDGETS),
        "history": (),
    }


_BUDGETS = S.budgets(max_value=1)


def lean_cases():
    """The search space of this conjecture: three actions, β and μ i.i.d. (one state), a mean-reward table with
    entries in multiples of 1/12, horizon 2–3 without observations or 2 with two observations, a budget in
    [0, 1]. Small on purpose: a counterexample anywhere refutes, and few choices make shrinking fast.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(lean_cases())
    ... def check(x):
    ...     assert x["beta"].n_actions == 3 and x["horizon"] >= 2
    >>> check()
    """
    return st.one_of(_lean(1, st.integers(2, 3)), _lean(2, st.just(2)))


def random_tree(
    rng: random.Random,
    *,
    n_actions: int = 3,
    n_observations: int = 1,
    horizon: int = 3,
    grid: int = 6,
    utility_grid: int = 1000,
) -> dict:
    """A random decision tree as an exact instance: β and μ with one state per history (rows multiples of
    1/grid), a utility with an independent random value (a multiple of 1/utility_grid, so that ties between
    leaves, hence optima that are not unique, are rare) on every full history, and a budget in {1/10, ..., 9/10}.

    The utility is a :class:`~proofs_checks.strategies.HistoryTableUtility` whose rolling hash is injective on
    histories of length ≤ horizon (base ``|A|·|O| + 1`` digits), so its table is exactly a table of leaf values.

    >>> x = random_tree(random.Random(0))
    >>> x["beta"].n_states, x["horizon"], x["budget"]
    (13, 3, Fraction(3, 10))
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

    transition = [
        [[index.get(p + ((a, o),), 0) for o in range(n_observations)] for a in range(n_actions)] for p in nodes
    ]
    beta = theory.FiniteStatePolicy([row(n_actions) for _ in nodes], transition)
    env = theory.FiniteStateEnvironment([[row(n_observations) for _ in range(n_actions)] for _ in nodes], transition)
    values = [Fraction(rng.randint(0, utility_grid), utility_grid) for _ in range(base**horizon)]
    utility = HistoryTableUtility(values=values, multiplier=base, action_coef=n_observations, observation_coef=1)
    return {
        "beta": beta,
        "env": env,
        "utility": utility,
        "horizon": horizon,
        "budget": Fraction(rng.randint(1, 9), 10),
        "history": (),
    }


def _violations(x, robust: bool = True) -> list:
    """(steps after h, action, robust) where the returned π_c raises an action that is not V-optimal there;
    ``robust``: every maximizer raises it (the exact minimum of x(h')·(π(a|h') − β(a|h')) over the optimal face
    is positive; None when not computed)."""
    beta, env, u, m, c, h = x["beta"], x["env"], x["utility"], x["horizon"], x["budget"], tuple(x["history"])
    exact = theory.get_context("exact")
    pi = theory.tvd_constrained_policy(beta, env, u, m, c, h, arith=exact).policy
    out, form = [], None
    for steps, depth in decision_nodes(pi, env, h, m, exact):
        here = h + steps
        optimal = set(theory.optimal_actions(env, u, m - depth, here, arith="exact"))
        p, b = pi.probs(here, arith="exact"), beta.probs(here, arith="exact")
        for a in range(env.n_actions):
            if a not in optimal and p[a] > b[a]:
                if not robust:
                    out.append((steps, a, None))
                    continue
                if form is None:
                    form = SequenceForm(beta, env, u, m, h)
                    best = form.optimum(c)
                out.append((steps, a, form.min_raise(steps, a, c, best) > 0))
    return out


def scan(
    n_trees: int = 150,
    *,
    n_actions: int = 3,
    n_observations: int = 1,
    horizon: int = 3,
    seed: int = 0,
    robust: bool = True,
) -> dict:
    """Solve ``n_trees`` random trees (:func:`random_tree`) exactly and count where π_c raises an action that
    is not V-optimal: trees with such a history, such (history, action) pairs, those raised by every maximizer
    (robust; an exact LP per pair, skipped when ``robust=False``), and pairs at the start history (Theorem 2:
    none). Also returns the first tree with a (robust) violation (``"example"``: the instance and its violations).

    >>> r = scan(5, robust=False)
    >>> r["trees"], r["at_start"]
    (5, 0)
    """
    rng = random.Random(seed)
    out = {"trees": 0, "with_violation": 0, "pairs": 0, "robust_trees": 0, "robust_pairs": 0, "at_start": 0}
    example = None
    for _ in range(n_trees):
        x = random_tree(rng, n_actions=n_actions, n_observations=n_observations, horizon=horizon)
        bad = _violations(x, robust)
        strong = [v for v in bad if v[2]]
        out["trees"] += 1
        out["pairs"] += len(bad)
        out["robust_pairs"] += len(strong)
        out["at_start"] += sum(1 for steps, _, _ in bad if steps == ())
        out["with_violation"] += bool(bad)
        out["robust_trees"] += bool(strong)
        if example is None and (strong or (bad and not robust)):
            example = (x, strong or bad)
    out["example"] = example
    if not robust:
        out["robust_trees"] = out["robust_pairs"] = None
    return out


def scan_table(arith=None, *, n_trees: int = 150, shapes=((3, 1, 3),), seed: int = 0, robust: bool = False) -> dict:
    """The scan as a table, one row per tree shape ``(|A|, |O|, horizon)`` (the claim's ``tabulate``: 150 trees
    with three actions, horizon 3, without the per-pair LPs of ``robust=True``; exact whatever ``arith`` is).

    >>> t = scan_table(n_trees=3, shapes=((3, 1, 2),))
    >>> t["columns"][:4], t["rows"][0][:2]
    (['|A|', '|O|', 'horizon', 'trees'], [3, 1])
    """
    rows = []
    for n_actions, n_obs, horizon in shapes:
        r = scan(n_trees, n_actions=n_actions, n_observations=n_obs, horizon=horizon, seed=seed, robust=robust)
        row = [
            n_actions,
            n_obs,
            horizon,
            r["trees"],
            r["with_violation"],
            r["robust_trees"],
            r["pairs"],
            r["robust_pairs"],
            r["at_start"],
        ]
        rows.append(row if robust else row[:5] + row[6:7] + row[8:])
    columns = [
        "|A|",
        "|O|",
        "horizon",
        "trees",
        "trees where π_c raises a suboptimal action below h",
        "... raised by every maximizer",
        "(history, action) pairs",
        "... raised by every maximizer",
        "pairs at the start history",
    ]
    return {"columns": columns if robust else columns[:5] + columns[6:7] + columns[8:], "rows": rows}


def examples() -> list[dict]:
    """The fixed example every check certifies: the three-armed bandit of :mod:`proofs_checks.worlds`.

    >>> [x["budget"] for x in examples()]
    [Fraction(1, 9)]
    """
    return [three_armed_bandit()]


def make(
    *,
    scope: str = "everywhere",
    id: str = "conj-tvd-boosts-only-optimal-everywhere",
    kind: str = "conjecture",
    max_examples: int = 100,
    tabulate=scan_table,
    given=None,
    **kw,
) -> Claim:
    """The check of Theorem 2's property at every reachable history (``scope="start"``: only at h, the true
    theorem).

    >>> make(scope="start", id="tvd-start").kind
    'conjecture'
    """
    return _make_thm2(
        scope=scope,
        id=id,
        kind=kind,
        max_examples=max_examples,
        tabulate=tabulate,
        given=given if given is not None else lean_cases(),
        title="TVD-constrained optimum raises only V-optimal actions at every history it reaches (false)",
        reference="Over-reading of Theorem 2 of Cohen, Hutter, Bengio, Russell (arXiv 2410.06213); Definition 7",
        how=(
            "thm2-tvd-constraint's check at every history π_c reaches, on three-action i.i.d. instances: an action "
            "that is not V-optimal there refutes only if every maximizer raises it (an exact LP); certified in "
            "exact rationals. scan() counts such histories in random trees."
        ),
        derived=(
            "Not a claim of the paper: the paper's Theorem 2 is stated at the start history only. This is the "
            "natural over-reading, refuted here; the spec's scan (150 random trees of horizon 3) is reproduced "
            "by scan()."
        ),
        examples=examples,
        certificate_data=lambda instance: {"lp_dual": tvd_lp_dual(instance)},
        **kw,
    )


CLAIM = make()

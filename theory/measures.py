"""Trajectory measures from a start history h over a horizon m: thin layers over :mod:`theory.trees`.

* :func:`trajectory_kl` — expected KL ``KL^μ_{h,m}(π‖β) = E_{x~P^{π,μ}_h} ln(π(a_{1:m}|x)/β(a_{1:m}|x))``,
  computed as the expected sum of per-step KLs (the chain rule), over merged trees.
* :func:`worst_case_kl` — the paper's Definition 2: the maximum over observation sequences o_{1:m} of the KL
  between the action-sequence laws of π and β with those observations held fixed.
* :func:`reactive_worst_case_kl` — the maximum of the expected KL over all environments (an expectimax over
  observations chosen after each action): at least Definition 2, which does not bound the expected KL in a
  reactive environment.
* :func:`trajectory_tvd` — total variation between P^{π,μ}_h and P^{β,μ}_h.
* :func:`value` and :func:`optimal_value` — V^π_μ(h) and the expectimax V*_μ(h); :func:`q_values` and
  :func:`optimal_actions` (Definition 7: the actions attaining V*).
* :func:`kl_breakdown` — per-step expected KLs, where a KL is infinite, and (on request) every prefix.

A policy that abstains (a semi-distribution) either ends the trajectory when it abstains, or, with
``demonstrator=`` given, hands that step to the demonstrator, whose action is recorded with the flag ``True``
(the demonstrator must be a full distribution: a semi-distribution is refused with a ProbabilityError).
The per-step KL of the KL measures follows their ``convention`` keyword (the one rule of
:func:`theory.divergences.outcome_rows`):

* ``convention="outcome"`` (the default): ⊥ is one more outcome; the step term is the KL over A ∪ {⊥}, so a π
  that abstains where β never does is infinitely far from β.
* ``convention="actions"`` (the paper's raw sum, as in its Theorem 4): the step term is
  Σ_a π(a|h) ln(π(a|h)/β(a|h)); ⊥ contributes nothing (it still ends the trajectory, or hands the step to the
  demonstrator, as above), and the total can be negative when π abstains. Equivalently, the trajectory's log ratio
  counts π's own actions only.

>>> import theory
>>> env = theory.sequence_environment(2)
>>> pi, beta = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.25, 0.75])
>>> round(theory.trajectory_kl(pi, beta, env, 3), 12) == round(3 * theory.kl([0.5, 0.5], [0.25, 0.75]), 12)
True
>>> theory.trajectory_kl(theory.FiniteStatePolicy.iid([0, 1]), theory.FiniteStatePolicy.iid([1, 0]), env, 2).where
((), 1)
>>> half = theory.FiniteStatePolicy.iid(["1/2", 0], semi=True)      # abstains half the time
>>> theory.trajectory_kl(half, theory.FiniteStatePolicy.iid([1, 0]), env, 2, arith="exact")
inf
>>> theory.trajectory_kl(half, theory.FiniteStatePolicy.iid([1, 0]), env, 2, arith="exact", convention="actions")
LogLinear(3/4*ln(1/2))
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .arith import Context, get_context
from .divergences import InfiniteDivergence, check_convention, kl_rows, outcome_rows, with_abstain_column
from .errors import AlphabetError, HorizonError, HistoryError, MightntError, OptionError, TypeMismatchError
from .kernels import Environment, Policy, _require_full_demonstrator, normalize_history
from .trees import Level, Tree, alphabet, branch, check_max_nodes, guard_walk, merge_groups, walk
from .utilities import as_utility
from .validation import flag, guard_size, integer, require_instance

__all__ = [
    "trajectory_kl",
    "worst_case_kl",
    "reactive_worst_case_kl",
    "trajectory_tvd",
    "value",
    "optimal_value",
    "q_values",
    "optimal_actions",
    "kl_breakdown",
    "KLBreakdown",
]


def check_horizon(horizon) -> int:
    """A horizon as a Python int: a non-negative integer (not a bool, not a float), else HorizonError.

    >>> check_horizon(3), check_horizon(np.int64(0))
    (3, 0)
    >>> check_horizon(1.5)
    Traceback (most recent call last):
    ...
    theory.errors.HorizonError: horizon 1.5 is not an integer (float); a horizon is a non-negative integer
    """
    try:
        return integer(horizon, name="horizon", minimum=0, error=HorizonError)
    except HorizonError as err:
        raise HorizonError(f"{err}; a horizon is a non-negative integer") from None


def _check_policy(p, name: str) -> None:
    require_instance(p, Policy, name=name, what="theory.Policy")


def _setup(policies, env, history, horizon, demonstrator=None, who: str | None = None):
    for name, p in policies:
        _check_policy(p, name)
    require_instance(env, Environment, name="env", what="theory.Environment")
    if demonstrator is not None:
        _require_full_demonstrator(demonstrator, who)  # it acts when π abstains: it must not abstain itself
    n_actions, n_obs = alphabet(*(p for _, p in policies), env, demonstrator)
    h = normalize_history(history, n_actions, n_obs)
    return n_actions, n_obs, h, check_horizon(horizon)


def _policy_rows(policy: Policy, state, ctx: Context):
    p = policy.probs_batch(state, ctx)
    return p, policy.abstain_batch(state, ctx, p)


@dataclass
class KLBreakdown:
    """The parts of a trajectory KL.

    ``total`` (a number, or an :class:`~theory.divergences.InfiniteDivergence`), ``per_step[t]`` (the expected
    KL of step t+1; for the worst-case form, the step terms along the maximizing observations),
    ``infinite`` (None, or the InfiniteDivergence naming the first history and action found where β gives 0
    to what π does), ``observations`` (worst case: the maximizing observation sequence), and ``prefixes``
    (when asked: ``(history, probability, step_kl)`` for every node, with ``step_kl`` inf where infinite).
    """

    total: object
    per_step: list
    infinite: InfiniteDivergence | None = None
    observations: tuple | None = None
    prefixes: list | None = field(default=None, repr=False)


def _inf(tree: Tree, level: Level, i: int, action: int, n_actions: int, p, q, flags: bool) -> InfiniteDivergence:
    history = tree.histories(level, [i], flags=flags)[0]
    what = "abstaining (⊥)" if action == n_actions else f"action {action}"
    return InfiniteDivergence(
        (history, "⊥" if action == n_actions else action),
        f"π gives {what} probability {p} at history {history!r} where β gives it 0",
    )


class _StepKL:
    """One level's per-step KL of π against β, shared by the expected and worst-case forms: the rows of both
    policies (with a ⊥ column when either abstains and ⊥ is an outcome), the finite part, and where it is
    infinite."""

    def __init__(self, tree: Tree, level: Level, pi, beta, ctx: Context, convention: str = "outcome"):
        self.ctx, self.convention = ctx, convention
        self.p, self.p_bot = _policy_rows(pi, level.states[0], ctx)
        self.q, self.q_bot = _policy_rows(beta, level.states[1], ctx)
        if pi.semi or beta.semi:
            self.pk, self.qk = outcome_rows(
                with_abstain_column(self.p, self.p_bot), with_abstain_column(self.q, self.q_bot), convention
            )
        else:
            self.pk, self.qk = self.p, self.q  # neither abstains: the conventions agree
        self.values, self.infinite, self.first_bad = kl_rows(self.pk, self.qk, ctx)
        self.tree, self.level = tree, level

    def witness(self, flags: bool) -> InfiniteDivergence:
        i = int(np.argmax(self.infinite))
        j = int(self.first_bad[i])
        return _inf(self.tree, self.level, i, j, self.p.shape[1], self.pk[i, j], self.qk[i, j], flags)

    def listing(self, weight, flags: bool) -> list:
        hs = self.tree.histories(self.level, flags=flags)
        return [
            (
                hs[i],
                self.ctx.to_output(weight[i]),
                float("inf") if self.infinite[i] else self.ctx.to_output(self.values[i]),
            )
            for i in range(len(hs))
        ]

    def followed(self):
        """π's own and ⊥ rows with the actions β rules out removed: β's state is undefined after them, and the
        KL is already infinite there. Under ``"actions"`` ⊥ is not an outcome, so a β that never abstains does
        not rule out π's abstentions: they are followed (to the demonstrator's step)."""
        ctx = self.ctx
        own = self.p.copy()
        own[~ctx.is_zero(self.p) & ctx.is_zero(self.q)] = 0
        bot = self.p_bot.copy()
        if self.convention == "outcome":
            bot[~ctx.is_zero(self.p_bot) & ctx.is_zero(self.q_bot)] = 0
        return own, bot


def kl_breakdown(
    pi,
    beta,
    env,
    horizon,
    history=(),
    *,
    form: str = "expected",
    arith=None,
    demonstrator=None,
    merge: bool = True,
    prefixes: bool = False,
    convention: str = "outcome",
    max_nodes: int | None = None,
) -> KLBreakdown:
    """Trajectory KL(π‖β) from ``history`` over ``horizon`` steps, with its parts.

    ``form="expected"`` (under the environment) or ``"worst-case"`` (Definition 2: the environment only supplies
    the observation alphabet). ``prefixes=True`` lists every node (and turns merging off). ``convention`` is the
    per-step rule for abstentions: ``"outcome"`` (⊥ one more outcome) or ``"actions"`` (the paper's raw sum over
    actions); see the module docstring. ``max_nodes`` bounds the history-tree nodes created (default
    :data:`~theory.validation.MAX_TREE_NODES`): a larger computation is refused with a ResourceLimitError.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> b = theory.kl_breakdown(theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.5, 0.5]),
    ...                         env, 2, prefixes=True, arith="exact")
    >>> b.total, len(b.prefixes)
    (Fraction(0, 1), 3)
    """
    if not isinstance(form, str) or form not in ("expected", "worst-case"):
        raise OptionError(f"form {form!r} must be 'expected' or 'worst-case'")
    check_convention(convention)
    merge = flag(merge, name="merge")
    prefixes = flag(prefixes, name="prefixes")
    max_nodes = check_max_nodes(max_nodes)
    ctx = get_context(arith)
    if form == "worst-case":
        if demonstrator is not None:
            raise MightntError("the worst-case form has no demonstrator: abstentions end the trajectory")
        return _worst_case(pi, beta, env, horizon, history, ctx, prefixes, convention, max_nodes)
    n_actions, n_obs, h, m = _setup((("pi", pi), ("beta", beta)), env, history, horizon, demonstrator, "trajectory KL")
    guard_walk(m, max_nodes)
    flags_out = demonstrator is not None
    with ctx.scope():
        tree = Tree((pi, beta, env, demonstrator), h, ctx, merge=merge and not prefixes, max_nodes=max_nodes)
        per_step = [ctx.convert(0) for _ in range(m)]
        found: list = []
        listing: list | None = [] if prefixes else None

        def step(level: Level):
            t = level.depth  # < m: the walk stops at depth m - 1
            kl = _StepKL(tree, level, pi, beta, ctx, convention)
            mass = level.weights["mass"]
            finite = ~kl.infinite
            if finite.any():
                per_step[t] = per_step[t] + (mass[finite] * kl.values[finite]).sum()
            if kl.infinite.any() and not found:
                found.append(kl.witness(flags_out))
            if listing is not None:
                listing.extend(kl.listing(mass, flags_out))
            if t + 1 == m:
                return None
            own, bot = kl.followed()
            env_p = env.probs_batch(level.states[2], ctx)
            demo_p = demonstrator.probs_batch(level.states[3], ctx) if demonstrator is not None else None
            return {"mass": mass[:, None, None, None] * branch(ctx, own, bot, env_p, demo_p)}

        if m > 0:
            root = tree.root()
            root.weights["mass"] = ctx.ones(1)
            walk(tree, m - 1, step, root=root)
        total = sum(per_step[1:], per_step[0]) if m else ctx.convert(0)
        infinite = found[0] if found else None
        return KLBreakdown(
            total=infinite if infinite is not None else ctx.to_output(total),
            per_step=[ctx.to_output(v) for v in per_step],
            infinite=infinite,
            prefixes=listing,
        )


def trajectory_kl(
    pi,
    beta,
    env,
    horizon,
    history=(),
    *,
    arith=None,
    demonstrator=None,
    merge: bool = True,
    convention: str = "outcome",
    max_nodes: int | None = None,
):
    """Expected trajectory KL^μ_{h,m}(π‖β): the expected sum over the m steps of KL(π(·|h')‖β(·|h')), the step
    KL under ``convention`` (``"outcome"``: ⊥ one more outcome; ``"actions"``: the paper's raw sum over actions).

    Infinite (an :class:`~theory.divergences.InfiniteDivergence` whose ``where`` is ``(history, action)``) when
    π, at a history it reaches with positive probability, takes an action β gives probability 0 (or, under
    ``"outcome"``, abstains where β never does). ``max_nodes`` bounds the history-tree nodes created (default
    :data:`~theory.validation.MAX_TREE_NODES`; beyond it, a ResourceLimitError before they are allocated).

    >>> import theory
    >>> env = theory.FiniteStateEnvironment([[[0.5, 0.5], [0.5, 0.5]]], [[[0, 0], [0, 0]]])
    >>> theory.trajectory_kl(theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2),
    ...                      theory.FiniteStatePolicy.iid(["1/4", "3/4"], n_observations=2), env, 2, arith="exact")
    LogLinear(1*ln(2) + 1*ln(2/3))
    """
    return kl_breakdown(
        pi,
        beta,
        env,
        horizon,
        history,
        arith=arith,
        demonstrator=demonstrator,
        merge=merge,
        convention=convention,
        max_nodes=max_nodes,
    ).total


def _observation_alphabet(env):
    """``(n_obs_given, env or None)`` for the worst-case forms, whose ``env`` is an Environment or a count."""
    if isinstance(env, numbers.Integral) and not isinstance(env, (bool, np.bool_)):
        if env < 1:
            raise AlphabetError(f"the number of observations {env!r} must be at least 1")
        return int(env), None
    if isinstance(env, Environment):
        return env.n_observations, env
    raise TypeMismatchError(
        f"env must be a theory.Environment or a number of observations, got {env!r} ({type(env).__name__})"
    )


def _observation_sequences(n_obs: int, m: int):
    """Σ_{t<m} n_obs^t, the entries of the worst-case tables, exactly when small and as a power of two (of the
    right size) when astronomically large, without computing the huge power."""
    if n_obs == 1:
        return m
    bits = (m - 1) * math.log2(n_obs)
    if bits < 1000:
        return (n_obs**m - 1) // (n_obs - 1)
    return 1 << int(bits)


def _pair_setup(pi, beta, env, history, horizon, max_nodes):
    """What both worst cases check first: the limit, the observation alphabet (an environment or a count), the
    two policies, the start history and the horizon."""
    max_nodes = check_max_nodes(max_nodes)
    n_obs_given, env = _observation_alphabet(env)
    for name, p in (("pi", pi), ("beta", beta)):
        _check_policy(p, name)
    n_actions, n_obs = alphabet(pi, beta, env)
    n_obs = n_obs_given if n_obs is None else n_obs
    if n_obs != n_obs_given:
        raise HistoryError(f"the policies use {n_obs} observations but the environment supplies {n_obs_given}")
    return max_nodes, env, n_actions, n_obs, normalize_history(history, n_actions, n_obs), check_horizon(horizon)


def _worst_case(
    pi,
    beta,
    env,
    horizon,
    history,
    ctx: Context,
    prefixes: bool,
    convention: str = "outcome",
    max_nodes: int | None = None,
) -> KLBreakdown:
    """Definition 2 by a walk over *groups*: the nodes of one level that share an observation prefix, with their
    weights π(a_{<t}|o_{<t}). A group's value (the maximum, over the observations to come, of the weighted sum
    of step KLs) depends only on its induced state, the weighted set of merged nodes it holds, so groups with
    equal induced states are merged (:func:`~theory.trees.merge_groups`): V_t(g) = f_t(g) + max_o V_{t+1}(g·o),
    where f_t(g) is the group's expected step KL."""
    max_nodes, env, n_actions, n_obs, h, m = _pair_setup(pi, beta, env, history, horizon, max_nodes)
    guard_walk(m, max_nodes)
    with ctx.scope():
        tree = Tree((pi, beta), h, ctx, merge=not prefixes, max_nodes=max_nodes, eager=True)
        if m and tree.keys(tree.root()) is None or prefixes:
            # Nothing merges: one group per observation sequence of each length < m, refused up front.
            guard_size(
                _observation_sequences(n_obs, m),
                limit=max_nodes,
                what=f"observation sequences ({n_obs} observations, horizon {m})",
                option="max_nodes",
            )
        sizes: list = []  # nodes kept per level
        f: dict = {}  # f[t][g]: group g's expected step KL at depth t
        tables: dict = {}  # tables[t][g, o]: the group at depth t + 1 that g continues to under o (-1: none)
        found: list = []
        listing: list | None = [] if prefixes else None

        def step(level: Level):
            t = level.depth
            if t == 0:
                group, rep, n_groups = np.zeros(len(level), dtype=np.int64), None, 1
            else:
                labels = level.data["label"]
                merged = merge_groups(tree, level, labels, ctx.merge_keys(level.weights["weight"]))
                if merged is None:
                    # Nothing can be keyed: every observation prefix is a group of its own.
                    group, rep = np.unique(labels, return_inverse=True)[1].reshape(-1), None
                else:
                    group, rep = merged
                n_groups = int(group.max(initial=-1)) + 1
                table = np.full((len(f[t - 1]), n_obs), -1, dtype=np.int64)
                table[labels // n_obs, labels % n_obs] = group
                tables[t - 1] = table
            rows = np.arange(len(level)) if rep is None or rep.all() else np.nonzero(rep)[0]
            sizes.append(len(rows))
            _refuse_exponential_growth(sizes, m, max_nodes)
            sub = level if len(rows) == len(level) else level.take(rows)
            kl = _StepKL(tree, sub, pi, beta, ctx, convention)
            weight = sub.weights["weight"]
            if kl.infinite.any() and not found:
                found.append(kl.witness(False))
            finite = ~kl.infinite
            contrib = ctx.zeros(len(sub))
            contrib[finite] = weight[finite] * kl.values[finite]
            f[t] = tree.sum_by(contrib, group[rows], n_groups)
            if listing is not None:
                listing.extend(kl.listing(weight, False))
            if t + 1 == m:
                return None
            level.data["group"] = group
            own, _ = kl.followed()
            grow = weight[:, None, None, None] * branch(ctx, own, None, ctx.ones((len(sub), n_actions, n_obs)), None)
            if len(rows) == len(level):
                return {"weight": grow}
            full = ctx.zeros((len(level),) + grow.shape[1:])
            full[rows] = grow
            return {"weight": full}

        def label(level, parent, action, observation, flag):
            # A child's raw group: its parent's group and the observation (the maximum is over whole sequences).
            return level.data["group"][parent] * n_obs + observation

        observations: tuple | None = None
        steps: list = []
        if m > 0:
            root = tree.root()
            root.weights["weight"] = ctx.ones(1)
            walk(tree, m - 1, step, root=root, label=label, chunked=False)
            # Backward maximum over the groups: V_t(g) = f_t(g) + max_o V_{t+1}(g·o), 0 where g·o holds no node.
            values: dict = {}
            conts: dict = {}
            for t in range(max(f), -1, -1):
                if t + 1 in values:
                    table = tables[t]
                    cont = ctx.zeros(table.shape)
                    ok = table >= 0
                    cont[ok] = values[t + 1][table[ok]]
                    conts[t] = cont
                    values[t] = f[t] + ctx.maximum(cont, axis=1)
                else:
                    values[t] = f[t]
            total = values[0][0]
            # The maximizing observation sequence (first maximizer; ties by smallest observation).
            g, seq = 0, []
            for t in range(m):
                steps.append(ctx.to_output(f[t][g]) if g >= 0 and t in f else ctx.to_output(ctx.convert(0)))
                if t + 1 == m:
                    break
                o = _first_argmax(conts[t][g], ctx) if g >= 0 and t in conts else 0
                seq.append(o)
                g = int(tables[t][g, o]) if g >= 0 and t in tables else -1
            observations = tuple(seq)
        else:
            total = ctx.convert(0)
        infinite = found[0] if found else None
        return KLBreakdown(
            total=infinite if infinite is not None else ctx.to_output(total),
            per_step=steps,
            infinite=infinite,
            observations=observations,
            prefixes=listing,
        )


#: Growth per level, sustained over the last four levels from depth 10 on, that :func:`_refuse_exponential_growth`
#: takes for exponential (a polynomial of degree d grows by about 1 + d/t at depth t).
_EXPONENTIAL_GROWTH = 1.8


def _refuse_exponential_growth(sizes: list, horizon: int, max_nodes: int) -> None:
    """Estimate first: when the levels of a Definition 2 walk have grown by at least :data:`_EXPONENTIAL_GROWTH`
    four times in a row (observation prefixes whose induced states never coincide), project the last level at
    that rate and refuse at once if it would exceed ``max_nodes``, rather than after minutes of doubling levels.

    >>> _refuse_exponential_growth([2 ** t for t in range(12)], 40, 10**7)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 549755813888 history-tree nodes at depth 39 (Definition 2: the levels grew by a factor of 2 four times in a row, so the observation prefixes do not merge), above the limit 10000000; pass max_nodes=... to raise it (or shrink the input)
    """
    t = len(sizes) - 1
    if t < 10 or horizon - 1 <= t:
        return
    ratios = [sizes[i] / max(sizes[i - 1], 1) for i in range(t - 3, t + 1)]
    rate = min(ratios)
    if rate < _EXPONENTIAL_GROWTH:
        return
    projected = int(sizes[-1] * rate ** min(horizon - 1 - t, 4000))
    guard_size(
        projected,
        limit=max_nodes,
        option="max_nodes",
        what=f"history-tree nodes at depth {horizon - 1} (Definition 2: the levels grew by a factor of "
        f"{rate:.3g} four times in a row, so the observation prefixes do not merge)",
    )


def _first_argmax(row, ctx: Context) -> int:
    try:
        return ctx.argmax_set(row)[0]
    except ArithmeticError:
        # An enclosure that cannot separate maximizers: report the one with the largest midpoint.
        return int(np.argmax([ctx.to_float(v) for v in row]))


def worst_case_kl(
    pi, beta, env, horizon, history=(), *, arith=None, convention: str = "outcome", max_nodes: int | None = None
):
    """Worst-case trajectory KL (Definition 2): max over observation sequences of the action-sequence KL.

    ``env`` supplies only the observation alphabet (an Environment, or the number of observations).
    ``convention``: the per-step rule for abstentions, as for :func:`trajectory_kl` (an abstention ends the
    action sequence either way). The maximum keeps a table entry per observation sequence, |O|^t of them at
    step t: beyond ``max_nodes`` entries or tree nodes in all (default
    :data:`~theory.validation.MAX_TREE_NODES`) it is refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> # π copies the last observation; β ignores it. The worst observations make π deterministic and far from β.
    >>> copy = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    >>> beta = theory.FiniteStatePolicy.iid([0.9, 0.1], n_observations=2)
    >>> round(theory.worst_case_kl(copy, beta, 2, 2), 6) == round(theory.kl([0, 1], [0.9, 0.1]) + theory.kl([1, 0], [0.9, 0.1]), 6)
    True
    """
    return _worst_case(
        pi, beta, env, horizon, history, get_context(arith), False, check_convention(convention), max_nodes
    ).total


def _reactive_worst_case(
    pi, beta, env, horizon, history, ctx: Context, convention: str = "outcome", max_nodes: int | None = None
):
    """The expectimax of the expected KL over environments (see :func:`reactive_worst_case_kl`)."""
    max_nodes, env, n_actions, n_obs, h, m = _pair_setup(pi, beta, env, history, horizon, max_nodes)
    with ctx.scope():
        if m == 0:
            return ctx.to_output(ctx.convert(0))
        # W depends on a node only through the future laws of π and β, so nodes with equal policy states merge
        # (unlike Definition 2, no observation path is kept: the maximum is taken at every node).
        tree = Tree((pi, beta), h, ctx, max_nodes=max_nodes)
        found: list = []

        def step_terms(level: Level):
            step = _StepKL(tree, level, pi, beta, ctx, convention)
            if step.infinite.any() and not found:
                found.append(step.witness(False))
            level.data["step"] = ctx.zeros(len(level))
            level.data["step"][~step.infinite] = step.values[~step.infinite]
            return step

        def expand(level: Level):
            own, _ = step_terms(level).followed()
            level.data["own"] = own
            # Every observation is open to some environment: a child for each action π may take and each o.
            grow = ctx.zeros((len(level), 2, n_actions, n_obs))
            grow[:, 0] = own[:, :, None] * ctx.ones((1, 1, n_obs))
            return grow

        dt = walk(tree, m - 1, expand, keep="levels", leaves=False)
        step_terms(dt.levels[-1])
        if found:
            # Some environment leads π, through actions β allows, to a history where β rules out what π does.
            return found[0]
        w_next = dt.levels[-1].data["step"]
        for d in range(m - 2, -1, -1):
            level = dt.levels[d]
            if len(level) == 0:
                # No history reached (π abstained surely, or took only actions β rules out, earlier): nothing to
                # continue. Skipped rather than reduced, since the exact and ball maxima of an empty array keep
                # its shape.
                w_next = ctx.zeros(0)
                continue
            idx = dt.child[d][:, 0]  # (N, A, O)
            cont = ctx.zeros(idx.shape)
            ok = idx >= 0
            cont[ok] = w_next[idx[ok]]
            # W(h) = step KL(h) + Σ_a π(a|h) max_o W(hao); ⊥ (abstaining) ends the trajectory: no continuation.
            w_next = level.data["step"] + (level.data["own"] * ctx.maximum(cont, axis=2)).sum(axis=1)
        return ctx.to_output(w_next[0])


def reactive_worst_case_kl(
    pi, beta, env, horizon, history=(), *, arith=None, convention: str = "outcome", max_nodes: int | None = None
):
    """Reactive worst-case trajectory KL: the maximum over all environments μ of the expected KL^μ_{h,m}(π‖β).

    An environment may choose each observation after seeing the whole history, the action just taken included,
    so the maximum is an expectimax over observations:
    ``W(h') = Σ_a π(a|h')·[ln(π(a|h')/β(a|h')) + max_o W(h'ao)]`` (⊥, when a policy abstains, is one more
    outcome that ends the trajectory), W = 0 after m steps. It is at least Definition 2
    (:func:`worst_case_kl`, observations fixed in advance) and at least the expected KL under any μ, and it is
    attained by a deterministic environment. Infinite (an :class:`~theory.divergences.InfiniteDivergence`) when
    some observations lead π, through actions β allows, to a history where β gives 0 to an outcome π gives
    positive probability. Like :func:`worst_case_kl`, ``env`` only supplies the observation alphabet (an
    Environment, or the number of observations). ``convention``: the per-step rule for abstentions, as for
    :func:`trajectory_kl` (``"actions"``: the raw sum over actions, ⊥ contributing nothing). The whole tree is
    kept for the backward pass: beyond ``max_nodes`` nodes (default :data:`~theory.validation.MAX_TREE_NODES`)
    it is refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> # π: (1/2, 1/2), then action 0 surely if the first observation echoed the first action. β uniform.
    >>> pi = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1, 0], [0, 1]], [[1, 1], [1, 1]]])
    >>> beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    >>> theory.reactive_worst_case_kl(pi, beta, 2, 2, arith="exact")     # the echo environment attains it
    LogLinear(1*ln(2))
    >>> theory.worst_case_kl(pi, beta, 2, 2, arith="exact")              # Definition 2: observations fixed
    LogLinear(1/2*ln(2))
    """
    return _reactive_worst_case(
        pi, beta, env, horizon, history, get_context(arith), check_convention(convention), max_nodes
    )


def trajectory_tvd(pi, beta, env, horizon, history=(), *, arith=None, demonstrator=None, max_nodes: int | None = None):
    """Total variation between the trajectory laws P^{π,μ}_h and P^{β,μ}_h over ``horizon`` steps.

    The trees of the two laws cannot be merged (TVD is not a sum over steps), so this walks the full tree,
    skipping only the histories both laws give probability 0; beyond ``max_nodes`` nodes (default
    :data:`~theory.validation.MAX_TREE_NODES`) it is refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> theory.trajectory_tvd(theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0.5, 0.5]), env, 2)
    0.75
    """
    n_actions, n_obs, h, m = _setup((("pi", pi), ("beta", beta)), env, history, horizon, demonstrator, "trajectory_tvd")
    max_nodes = check_max_nodes(max_nodes)
    guard_walk(m, max_nodes)
    ctx = get_context(arith)
    with ctx.scope():
        tree = Tree((pi, beta, env, demonstrator), h, ctx, merge=False, max_nodes=max_nodes)
        total = [ctx.convert(0)]

        def step(level: Level):
            mp, mb = level.weights["pi"], level.weights["beta"]
            if level.depth == m:
                total[0] = total[0] + abs(mp - mb).sum()
                return None
            p, p_bot = _policy_rows(pi, level.states[0], ctx)
            q, q_bot = _policy_rows(beta, level.states[1], ctx)
            env_p = env.probs_batch(level.states[2], ctx)
            demo_p = demonstrator.probs_batch(level.states[3], ctx) if demonstrator is not None else None
            if demonstrator is None and (pi.semi or beta.semi):
                # Abstaining ends the trajectory: the ⊥-ended histories are outcomes of their own.
                total[0] = total[0] + abs(mp * p_bot - mb * q_bot).sum()
            return {
                "pi": mp[:, None, None, None] * branch(ctx, p, p_bot, env_p, demo_p),
                "beta": mb[:, None, None, None] * branch(ctx, q, q_bot, env_p, demo_p),
            }

        root = tree.root()
        root.weights["pi"], root.weights["beta"] = ctx.ones(1), ctx.ones(1)
        walk(tree, m, step, root=root)
        return ctx.to_output(total[0] / 2)


def value(pi, env, utility, horizon, history=(), *, arith=None, demonstrator=None, max_nodes: int | None = None):
    """V^π_μ(h) = E[U(h x)] over the next ``horizon`` steps (Definition 1). Beyond ``max_nodes`` history-tree
    nodes (default :data:`~theory.validation.MAX_TREE_NODES`) it is refused with a ResourceLimitError.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> theory.value(theory.FiniteStatePolicy.iid(["1/4", "3/4"]), env, theory.MeanReward([[0], [1]]), 4, arith="exact")
    Fraction(3, 4)
    """
    n_actions, n_obs, h, m = _setup((("pi", pi),), env, history, horizon, demonstrator, "value")
    u = as_utility(utility, n_actions, n_obs)
    if pi.semi and demonstrator is None:
        raise MightntError("π abstains (it is a semi-distribution); pass demonstrator= to say who acts then")
    max_nodes = check_max_nodes(max_nodes)
    guard_walk(m, max_nodes)
    ctx = get_context(arith)
    with ctx.scope():
        tree = Tree((pi, env, demonstrator), h, ctx, merge=u.additive, max_nodes=max_nodes)
        rewards = u.step_rewards(m, ctx) if m else None
        total = [ctx.convert(0)]

        def step(level: Level):
            mass = level.weights["mass"]
            if level.depth == m:
                if not u.additive:
                    total[0] = total[0] + (mass * u.terminal(tree.histories(level), ctx)).sum()
                return None
            p, p_bot = _policy_rows(pi, level.states[0], ctx)
            env_p = env.probs_batch(level.states[1], ctx)
            demo_p = demonstrator.probs_batch(level.states[2], ctx) if demonstrator is not None else None
            w = mass[:, None, None, None] * branch(ctx, p, p_bot, env_p, demo_p)
            if rewards is not None:
                total[0] = total[0] + (w * rewards[None, None]).sum()
            return {"mass": w}

        root = tree.root()
        root.weights["mass"] = ctx.ones(1)
        if not u.additive:
            walk(tree, m, step, root=root)
        elif m:
            # An additive utility needs no leaves: the last level's rewards are counted where it is created.
            walk(tree, m - 1, step, root=root)
        return ctx.to_output(total[0])


def _expectimax(env, utility, horizon, history, ctx: Context, max_nodes: int | None = None):
    """Root Q-values of the expectimax over all actions, and the decision tree."""
    require_instance(env, Environment, name="env", what="theory.Environment")
    n_actions, n_obs = env.n_actions, env.n_observations
    h = normalize_history(history, n_actions, n_obs)
    m = check_horizon(horizon)
    u = as_utility(utility, n_actions, n_obs)
    tree = Tree((env,), h, ctx, merge=u.additive, max_nodes=max_nodes)

    def expand(level: Level):
        e = env.probs_batch(level.states[0], ctx)
        level.data["env"] = e
        grow = ctx.zeros((len(level), 2, n_actions, n_obs))
        grow[:, 0] = e
        return grow

    dt = walk(tree, m, expand, keep="levels", leaves=False)
    rewards = u.step_rewards(m, ctx) if m else None
    w_next = u.terminal(tree.histories(dt.levels[-1]), ctx)
    q = None
    for d in range(m - 1, -1, -1):
        level = dt.levels[d]
        e = level.data["env"]
        idx = dt.child[d][:, 0]  # (N, A, O)
        cont = ctx.zeros(idx.shape)
        ok = idx >= 0
        cont[ok] = w_next[idx[ok]]
        if rewards is not None:
            cont = cont + rewards[None]
        q = (e * cont).sum(axis=2)  # (N, A)
        w_next = ctx.maximum(q, axis=1)
    return q, w_next


def optimal_value(env, utility, horizon, history=(), *, arith=None, max_nodes: int | None = None):
    """V*_μ(h): the expectimax value over the next ``horizon`` steps. The whole tree is kept for the backward
    pass: beyond ``max_nodes`` nodes (default :data:`~theory.validation.MAX_TREE_NODES`) it is refused with a
    ResourceLimitError before allocating.

    >>> import theory
    >>> env = theory.FiniteStateEnvironment([[[0.9, 0.1], [0.2, 0.8]]], [[[0, 0], [0, 0]]])
    >>> theory.optimal_value(env, theory.MeanReward([[0, 1], [0, 1]]), 3)
    0.8
    """
    ctx = get_context(arith)
    with ctx.scope():
        q, w = _expectimax(env, utility, horizon, history, ctx, max_nodes)
        return ctx.to_output(w[0])


def q_values(env, utility, horizon, history=(), *, arith=None, max_nodes: int | None = None) -> np.ndarray:
    """Q*(h, a) for every action: the value of taking ``a`` now and acting optimally after (horizon >= 1).
    ``max_nodes`` as for :func:`optimal_value`.

    >>> import theory
    >>> env = theory.FiniteStateEnvironment([[[0.9, 0.1], [0.2, 0.8]]], [[[0, 0], [0, 0]]])
    >>> theory.q_values(env, theory.MeanReward([[0, 1], [0, 1]]), 1, arith="exact")
    array([Fraction(1, 10), Fraction(4, 5)], dtype=object)
    """
    m = check_horizon(horizon)
    if m == 0:
        raise HorizonError(f"Q-values need a horizon of at least 1, got {horizon!r}")
    ctx = get_context(arith)
    with ctx.scope():
        q, _ = _expectimax(env, utility, m, history, ctx, max_nodes)
        return np.asarray(q[0], dtype=ctx.dtype)


def optimal_actions(env, utility, horizon, history=(), *, arith=None, max_nodes: int | None = None) -> list[int]:
    """The V-optimal actions at h (Definition 7): those whose Q* equals V*. Exact in exact arithmetic; in
    float arithmetic, ties by the float context's tie rule (2^-40 relative). ``max_nodes`` as for :func:`optimal_value`.

    >>> import theory
    >>> env = theory.FiniteStateEnvironment([[[0.5, 0.5], [0.5, 0.5]]], [[[0, 0], [0, 0]]])
    >>> theory.optimal_actions(env, theory.MeanReward([[0, 1], [0, 1]]), 2, arith="exact")
    [0, 1]
    """
    ctx = get_context(arith)
    q = q_values(env, utility, horizon, history, arith=ctx, max_nodes=max_nodes)
    with ctx.scope():
        return ctx.argmax_set(q)

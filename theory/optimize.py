"""Optimal policies under a base policy β: KL-regularized, KL-constrained, and TVD-constrained.

* :func:`kl_regularized_policy` — ``argmax_π V^π_μ(h) − λ·KL^μ_{h,m}(π‖β)`` by backward induction:
  ``π(a|h') ∝ β(a|h') exp(Q(h',a)/λ)``, ``W(h') = λ ln Σ_a β(a|h') exp(Q(h',a)/λ)``, ``Q(h',a) = E_o W(h'ao)``,
  ``W = U`` at the end (Gibbs' variational principle at every node).
* :func:`kl_constrained_policy` — ``argmax V`` subject to ``KL ≤ b``, through the dual: the regularized optimum
  at the λ where it spends exactly b (bisection in log λ), or, when b is at least what the cheapest optimal
  policy spends, that policy (the λ → 0 limit: V-optimal, and among V-optimal policies the one closest to β).
* :func:`tvd_constrained_policy` — ``argmax V`` subject to ``TVD_{h,m}(π, β) ≤ c``: an exact linear program over
  sequence-form policies (realization weights), with a closed form when |O| = 1.

Each returns an :class:`Optimum`, the same frozen fields from every optimizer: the policy, its value, the KL
and TVD it spends, the objective maximized, the temperature and its bracket, the budget and whether it binds.
The policy (a :class:`TreePolicy`) is the optimum on the tree of histories it was solved on, β elsewhere (off
the tree, beyond the horizon, or where the optimum's own probability of reaching a history is 0 and the LP
leaves it free). It is a policy like any other, usable in every measure.

With ``demonstrator=`` and a semi-distribution β (the pessimistic imitator), the agent may also abstain: ⊥ is
one more action, after which the demonstrator acts (the step is flagged as a demonstrator step), and
``π(⊥|h') ∝ β(⊥|h') exp(Q(h',⊥)/λ)`` with ``Q(h',⊥)`` the demonstrator's expected continuation. The demonstrator
must be a full distribution (a semi-distribution is refused with a :class:`~theory.errors.ProbabilityError`).

Numerics: the Gibbs weights are computed in log space by the arithmetic context (:meth:`Context.gibbs
<theory.arith.Context.gibbs>`), so no temperature produces nan; a temperature below what the context can use
raises :class:`~theory.errors.TemperatureError` naming the limit (float: the smallest normal float; ball: the
width of the enclosures). ``kl_spent`` is a forward pass over the tree (the expected sum of the per-node KL, each
from the log-space weights), never a difference like (Q − W)/λ that cancels. The KL-constrained optimum is
certified within its budget (in ball arithmetic when the context is float).

>>> import theory
>>> env = theory.sequence_environment(2)
>>> beta = theory.FiniteStatePolicy.iid([0.5, 0.5])
>>> pi = theory.kl_regularized_policy(beta, env, theory.MeanReward([[0], [1]]), 1, temperature=1).policy
>>> pi.probs().round(6)   # one step: π ∝ β e^{r/λ}
array([0.268941, 0.731059])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .arith import Context, get_context, to_fraction
from .errors import HistoryError, BudgetError, MightntError, TemperatureError
from .kernels import Policy
from .linprog import maximize
from .measures import _setup, trajectory_kl
from .trees import DecisionTree, Level, Tree, check_max_nodes, walk
from .utilities import as_utility
from .validation import guard_size, integer, real

__all__ = ["Optimum", "TreePolicy", "kl_regularized_policy", "kl_constrained_policy", "tvd_constrained_policy"]


# ---------------------------------------------------------------------------------------------------------------
# The policy a solved tree defines
# ---------------------------------------------------------------------------------------------------------------
class TreePolicy(Policy):
    """A policy given by a table on a solved history tree, and by a fallback policy everywhere else: the
    :attr:`Optimum.policy` of every optimizer.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> pi = theory.kl_regularized_policy(theory.FiniteStatePolicy.iid([0.5, 0.5]), env,
    ...                                   theory.MeanReward([[0], [1]]), 2, temperature=0.5).policy
    >>> pi
    <TreePolicy: 7 tree nodes>
    >>> pi.probs(((1, 0), (1, 0))).round(3)   # beyond the horizon: the fallback β
    array([0.5, 0.5])
    """

    def __init__(
        self,
        dt: DecisionTree,
        own: list,
        abstain: list | None,
        fallback: Policy,
        ctx: Context,
        *,
        n_observations: int | None = None,
    ):
        self._dt = dt
        self._own = own  # per level (N_d, A) in ctx
        self._abstain = abstain  # per level (N_d,) or None
        self._ctx = ctx
        self._converted: dict = {}
        self.fallback = fallback
        self.n_actions = fallback.n_actions
        self.n_observations = n_observations if n_observations is not None else fallback.n_observations
        self.semi = abstain is not None
        self._start = np.array([(a, o, f) for a, o, f in dt.tree.history], dtype=np.int64).reshape(-1, 3)
        self.start_history = tuple((a, o) for a, o, _ in dt.tree.history)

    def _tables(self, ctx: Context):
        if ctx.cache_key == self._ctx.cache_key:
            return self._own, self._abstain
        out = self._converted.get(ctx.cache_key)
        if out is None:
            with ctx.scope():
                own = [ctx.array(t) for t in self._own]
                ab = None if self._abstain is None else [ctx.array(t) for t in self._abstain]
            out = (own, ab)
            self._converted[ctx.cache_key] = out
        return out

    # State: (steps of the start history matched so far, or -1 once diverged; tree depth; node; fallback state).
    def initial(self, ctx):
        matched = np.zeros(1, dtype=np.int64)
        node = np.full(1, 0 if len(self._start) == 0 else -1, dtype=np.int64)
        depth = np.zeros(1, dtype=np.int64)
        return (matched, depth, node, self.fallback.initial(ctx))

    def advance(self, state, parent, actions, observations, flags, ctx):
        matched, depth, node, fb = state
        matched, depth, node = matched[parent].copy(), depth[parent].copy(), node[parent].copy()
        # The demonstrator flag selects a branch only for a policy that abstains (flag True: the demonstrator
        # acted after an abstention). Otherwise every step is the policy's own, however the caller flags it
        # (plain pairs count as demonstrator steps, trees flag the agent's steps False).
        branch_flags = np.asarray(flags, dtype=bool) if self.semi else np.zeros(len(parent), dtype=bool)
        n_start = len(self._start)
        # Still walking down the start history: does this step match it?
        walking = (matched >= 0) & (matched < n_start)
        if walking.any():
            idx = np.nonzero(walking)[0]
            want = self._start[matched[idx]]
            ok = (want[:, 0] == actions[idx]) & (want[:, 1] == observations[idx])
            if self.semi:
                ok &= want[:, 2] == flags[idx]
            matched[idx[~ok]] = -1
            matched[idx[ok]] += 1
            arrived = idx[ok][matched[idx[ok]] == n_start]
            node[arrived] = 0
            depth[arrived] = 0
            node[idx[~ok]] = -1
        # On the tree: follow the child table.
        on_tree = (node >= 0) & ~walking
        if on_tree.any():
            idx = np.nonzero(on_tree)[0]
            d = depth[idx]
            new_node = np.full(len(idx), -1, dtype=np.int64)
            for level in np.unique(d):
                sel = d == level
                if level < len(self._dt.child):
                    table = self._dt.child[level]
                    new_node[sel] = table[
                        node[idx[sel]],
                        branch_flags[idx[sel]].astype(np.int64),
                        actions[idx[sel]],
                        observations[idx[sel]],
                    ]
            node[idx] = new_node
            depth[idx] = d + 1
        fb = self.fallback.advance(fb, parent, actions, observations, flags, ctx)
        return (matched, depth, node, fb)

    @staticmethod
    def _on_tree(state, tables, fallback: np.ndarray) -> np.ndarray:
        """Rows from the solved tree's per-level ``tables`` where the state is on the tree, the fallback's
        elsewhere."""
        _, depth, node, _ = state
        out = fallback.copy()
        on = (node >= 0) & (depth < len(tables))
        for level in np.unique(depth[on]):
            sel = on & (depth == level)
            out[sel] = tables[level][node[sel]]
        return out

    def probs_batch(self, state, ctx):
        own, _ = self._tables(ctx)
        return self._on_tree(state, own, self.fallback.probs_batch(state[3], ctx))

    def abstain_batch(self, state, ctx, probs=None):
        if not self.semi:
            return super().abstain_batch(state, ctx, probs)
        _, ab = self._tables(ctx)
        return self._on_tree(state, ab, self.fallback.abstain_batch(state[3], ctx))

    def key(self, state, ctx):
        matched, depth, node, fb = state
        sub = self.fallback.key(fb, ctx)
        if sub is None:
            return None
        return np.concatenate([matched[:, None], depth[:, None], node[:, None], sub], axis=1)

    def largest_probability(self, action: int, *, arith=None):
        """The largest probability the policy gives ``action`` at any history of its solved tree (0 exactly when
        it never takes the action there).

        >>> import theory
        >>> beta = theory.FiniteStatePolicy.iid(["1/2", "1/2", "0"])
        >>> u = theory.MeanReward([[0], [0], [1]])
        >>> pi = theory.kl_regularized_policy(beta, theory.sequence_environment(3), u, 3, 1).policy
        >>> pi.largest_probability(2)   # β never takes action 2, so neither does π
        0.0
        """
        integer(action, name="action", minimum=0, maximum=self.n_actions - 1, error=HistoryError)
        ctx = get_context(arith)
        own, _ = self._tables(ctx)
        with ctx.scope():
            values = [v for table in own for v in table[:, action]]
            return ctx.to_output(ctx.extreme(values) if values else ctx.convert(0))

    @property
    def tree_nodes(self) -> int:
        """The number of nodes of the solved (merged) history tree the policy is tabulated on.

        >>> import theory
        >>> env = theory.sequence_environment(2)
        >>> theory.kl_regularized_policy(theory.FiniteStatePolicy.iid([0.5, 0.5]), env,
        ...                              theory.MeanReward([[0], [1]]), 2, temperature=0.5).policy.tree_nodes
        7
        """
        return self._dt.size()

    def __repr__(self) -> str:
        return f"<TreePolicy: {self.tree_nodes} tree nodes>"


@dataclass(frozen=True, kw_only=True, eq=False)
class Optimum:
    """What every optimizer returns: the optimal policy and what it achieves, with the same fields from
    :func:`kl_regularized_policy`, :func:`kl_constrained_policy` and :func:`tvd_constrained_policy`. Numbers are
    in the arithmetic context the optimum was solved in (floats, exact numbers, or arb balls); the repr shows
    them as floats.

    * ``policy`` — the optimum π, a :class:`TreePolicy` (β off the solved tree), usable in every measure.
    * ``value`` — V^π_μ(h), π's expected utility from the start history h.
    * ``kl_spent`` — KL^μ_{h,m}(π‖β), the expected KL to β over the horizon: a forward pass over the tree,
      ``math.inf`` when π takes an action β never does (only the TVD-constrained optimum can).
    * ``tvd_spent`` — TVD(P^{π,μ}_h, P^{β,μ}_h) of the trajectory laws, for the TVD-constrained optimum; None for
      the KL optima, whose trees merge histories the TVD must tell apart (:func:`~theory.measures.trajectory_tvd`
      computes it on the whole tree).
    * ``objective`` — what the optimizer maximized: for the regularized optimum W(h), the backward-induction
      value of V − λ·KL, equal to ``value − temperature·kl_spent`` (Gibbs' variational principle; up to rounding
      in float); ``value`` for the constrained optima.
    * ``temperature`` — λ in π ∝ β·exp(Q/λ): the given temperature (as the context steers with it: a float, or
      an exact rational) for the regularized optimum; for the KL-constrained optimum the λ whose regularized
      optimum is returned, 0 for the λ → 0 limit (the V-optimal policy closest to β, when it fits the budget)
      and ``math.inf`` for β itself; None for the TVD-constrained optimum, which has no temperature.
    * ``temperature_bracket`` — (λ_lo, λ_hi) with λ_hi = ``temperature``: for the KL-constrained optimum the
      bisection's last bracket around the λ that spends the budget exactly ((0, 0) and (inf, inf) at the limits);
      (λ, λ) for the regularized optimum; None for the TVD-constrained optimum.
    * ``budget`` — the constraint's budget as given (nats of KL, or a TVD); None for the regularized optimum.
    * ``binding`` — whether the constraint costs value: False when some policy that is optimal without it fits
      the budget (``value`` is then the best value V*), True otherwise; None for the regularized optimum. The
      KL-constrained optimum compares with V* over β's support (the policies of finite KL), the TVD-constrained
      one with V* over all policies, decided exactly where the linear program is exact (exact and ball
      arithmetic) and within the float context's tie rule in float.

    >>> import theory
    >>> beta, env = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.sequence_environment(2)
    >>> u = theory.MeanReward([[0], [1]])   # one step: action 1 pays 1
    >>> theory.kl_regularized_policy(beta, env, u, 1, 1)   # value e/(1+e), objective ln((1+e)/2)
    Optimum(value=0.731059, kl_spent=0.110944, tvd_spent=None, objective=0.620115, temperature=1,
            temperature_bracket=(1, 1), budget=None, binding=None, policy=<TreePolicy: 3 tree nodes>)
    >>> theory.kl_constrained_policy(beta, env, u, 1, 5)   # the budget fits the best policy: λ → 0
    Optimum(value=1, kl_spent=0.693147, tvd_spent=None, objective=1, temperature=0, temperature_bracket=(0, 0),
            budget=5, binding=False, policy=<TreePolicy: 3 tree nodes>)
    >>> result = theory.tvd_constrained_policy(beta, env, u, 1, "1/4", arith="exact")
    >>> result.value, result.tvd_spent, result.objective == result.value, result.binding
    (Fraction(3, 4), Fraction(1, 4), True, True)
    >>> result.policy.probs(arith="exact")
    array([Fraction(1, 4), Fraction(3, 4)], dtype=object)
    >>> result.value = 1
    Traceback (most recent call last):
    ...
    dataclasses.FrozenInstanceError: cannot assign to field 'value'
    """

    policy: TreePolicy
    value: object
    kl_spent: object
    tvd_spent: object
    objective: object
    temperature: object
    temperature_bracket: tuple | None
    budget: object
    binding: bool | None

    def __repr__(self) -> str:
        ctx = self.policy._ctx

        def shown(x) -> str:
            if x is None or isinstance(x, bool):
                return repr(x)
            if isinstance(x, tuple):
                return f"({', '.join(shown(v) for v in x)})"
            return f"{x if isinstance(x, float) else ctx.to_float(ctx.convert(x)):.6g}"

        numbers = (
            "value",
            "kl_spent",
            "tvd_spent",
            "objective",
            "temperature",
            "temperature_bracket",
            "budget",
            "binding",
        )
        fields = ", ".join(f"{name}={shown(getattr(self, name))}" for name in numbers)
        return f"Optimum({fields}, policy={self.policy!r})"


# ---------------------------------------------------------------------------------------------------------------
# KL-regularized optimum
# ---------------------------------------------------------------------------------------------------------------
def _check_temperature(t, ctx: Context | None = None):
    """A temperature is a positive finite number (not a bool, not nan), and not below the smallest the
    arithmetic context can use (:meth:`~theory.arith.Context.check_temperature`)."""
    real(t, name="temperature", minimum=0, open_minimum=True, error=TemperatureError)
    if ctx is not None:
        ctx.check_temperature(t)
    return t


class _Problem:
    """The tree of (β, μ, demonstrator) from h to the horizon, with what backward induction needs."""

    def __init__(
        self,
        beta,
        env,
        utility,
        horizon,
        history,
        ctx: Context,
        demonstrator,
        *,
        all_actions=False,
        max_nodes: int | None = None,
        who: str | None = None,
    ):
        # _setup refuses a semi-distribution demonstrator (ProbabilityError): it acts whenever the agent abstains.
        self.n_actions, self.n_obs, self.history, self.m = _setup(
            (("beta", beta),), env, history, horizon, demonstrator, who
        )
        self.u = as_utility(utility, self.n_actions, self.n_obs)
        self.max_nodes = check_max_nodes(max_nodes)
        self.beta, self.env, self.demo, self.ctx = beta, env, demonstrator, ctx
        self.abstains = beta.semi and demonstrator is not None
        tree = Tree(
            (beta, env, demonstrator),
            self.history,
            ctx,
            merge=self.u.additive and not all_actions,
            max_nodes=self.max_nodes,
        )

        def expand(level: Level):
            q = beta.probs_batch(level.states[0], ctx)
            q_bot = beta.abstain_batch(level.states[0], ctx, q)
            e = env.probs_batch(level.states[1], ctx)
            level.data.update(beta=q, beta_bot=q_bot, env=e)
            grow = ctx.zeros((len(level), 2, self.n_actions, self.n_obs))
            grow[:, 0] = e if all_actions else e * (~ctx.is_zero(q)).astype(int)[:, :, None]
            if self.abstains:
                d = demonstrator.probs_batch(level.states[2], ctx)
                level.data["demo"] = d
                grow[:, 1] = q_bot[:, None, None] * d[:, :, None] * e
            return grow

        self.dt = walk(tree, self.m, expand, keep="levels", leaves=False)
        self.rewards = self.u.step_rewards(self.m, ctx) if self.m else None
        self.leaf = self.u.terminal(tree.histories(self.dt.levels[-1]), ctx)

    def continuation(self, d: int, w_next) -> np.ndarray:
        """Q-values (N, 2, A): E_o[r + W(child)] for own actions (flag 0) and demonstrator actions (flag 1)."""
        ctx, level = self.ctx, self.dt.levels[d]
        idx = self.dt.child[d]
        cont = ctx.zeros(idx.shape)
        ok = idx >= 0
        cont[ok] = w_next[idx[ok]]
        if self.rewards is not None:
            cont = cont + self.rewards[None, None]
        return (level.data["env"][:, None] * cont).sum(axis=3)

    def solve(self, temperature):
        """Backward induction at temperature λ: per level (π own (N, A), π⊥ (N,) or None, KL(π‖β) per node (N,),
        W (N,)); the node KL comes from the context's log-space Gibbs weights (:meth:`Context.gibbs`)."""
        ctx = self.ctx
        lam = ctx.convert(temperature)
        w_next = self.leaf
        out: list = [None] * self.m
        for d in range(self.m - 1, -1, -1):
            level = self.dt.levels[d]
            q_all = self.continuation(d, w_next)
            base, values = level.data["beta"], q_all[:, 0]
            if self.abstains:
                q_bot_value = (level.data["demo"] * q_all[:, 1]).sum(axis=1)
                base = np.concatenate([base, level.data["beta_bot"][:, None]], axis=1)
                values = np.concatenate([values, q_bot_value[:, None]], axis=1)
            probs, w, node_kl = ctx.gibbs(base, values, lam, kl=True)
            own, bot = (probs[:, :-1], probs[:, -1]) if self.abstains else (probs, None)
            out[d] = (own, bot, node_kl, w)
            w_next = w
        return out

    def spend(self, own_tables, bot_tables, temperature=None, solution=None):
        """Expected KL to β (``math.inf`` when π leaves β's support) and value of a tabulated policy: a forward
        pass from the root, the expected sum over the steps of KL(π(·|h')‖β(·|h')) under π and μ. With
        ``solution`` (from :meth:`solve`), the per-node KL is the one the context's log-space Gibbs weights
        return, never (Q − W)/λ, whose difference cancels at small λ (1e-16 gave KL 0, 1e-300 gave 1e284, for
        a true KL of ln 2)."""
        from .divergences import kl_rows, with_abstain_column

        ctx, dt = self.ctx, self.dt
        mass = ctx.ones(1)
        kl = ctx.convert(0)
        infinite = False
        val = ctx.convert(0)
        for d in range(self.m):
            level = dt.levels[d]
            own, bot = own_tables[d], None if bot_tables is None else bot_tables[d]
            q, e = level.data["beta"], level.data["env"]
            if solution is not None:
                node_kl = solution[d][2]
            else:
                pk, qk = (
                    (own, q)
                    if bot is None
                    else (with_abstain_column(own, bot), with_abstain_column(q, level.data["beta_bot"]))
                )
                node_kl, node_inf, _ = kl_rows(pk, qk, ctx)
                reached = ~ctx.is_zero(mass)
                infinite |= bool((node_inf & reached).any())
                node_kl = np.where(node_inf, ctx.convert(0), node_kl)
            kl = kl + (mass * node_kl).sum()
            weights = ctx.zeros((len(level), 2, self.n_actions, self.n_obs))
            weights[:, 0] = own[:, :, None] * e
            if bot is not None:
                weights[:, 1] = bot[:, None, None] * level.data["demo"][:, :, None] * e
            weights = mass[:, None, None, None] * weights
            if self.rewards is not None:
                val = val + (weights * self.rewards[None, None]).sum()
            idx = dt.child[d]
            ok = idx >= 0
            nxt = ctx.zeros(len(dt.levels[d + 1]))
            np.add.at(nxt, idx[ok], weights[ok])
            mass = nxt
        val = val + (mass * self.leaf).sum()
        return (math.inf if infinite else kl), val

    def tree_policy(self, own_tables, bot_tables) -> TreePolicy:
        return TreePolicy(self.dt, own_tables, bot_tables, self.beta, self.ctx, n_observations=self.n_obs)

    def optimum(
        self,
        own,
        bot,
        *,
        value,
        kl_spent,
        tvd_spent=None,
        objective=None,
        temperature=None,
        bracket=None,
        budget=None,
        binding=None,
    ) -> Optimum:
        """The :class:`Optimum` of the tables ``own`` and ``bot``, its numbers as handed to users
        (``ctx.to_output``); ``objective`` defaults to the value (what a constrained optimum maximizes)."""
        out = self.ctx.to_output
        value = out(value)
        return Optimum(
            policy=self.tree_policy(own, bot),
            value=value,
            kl_spent=out(kl_spent),
            tvd_spent=None if tvd_spent is None else out(tvd_spent),
            objective=value if objective is None else out(objective),
            temperature=temperature,
            temperature_bracket=bracket,
            budget=budget,
            binding=binding,
        )


def kl_regularized_policy(
    beta, env, utility, horizon, temperature, history=(), *, arith=None, demonstrator=None, max_nodes: int | None = None
):
    """The KL-regularized optimum ``argmax_π V^π_μ(h) − λ KL^μ_{h,m}(π‖β)`` (λ = ``temperature``).

    The returned :class:`Optimum` has ``kl_spent`` and ``value``, and ``value − λ·kl_spent`` equals its
    ``objective``, the backward-induction value W(h) (Gibbs' variational principle). ``kl_spent`` is computed by
    a forward pass (the expected sum of the per-step KL(π(·|h')‖β(·|h'))) from log-space Gibbs weights, so it
    stays accurate at any temperature; a temperature below what the arithmetic can use (in float, a subnormal λ;
    in ball, one so small against the enclosures' width that the weights are unbounded) raises a
    :class:`~theory.errors.TemperatureError` naming the limit. The whole tree of (β, μ, demonstrator) is kept
    for the backward pass: beyond ``max_nodes`` nodes (default :data:`~theory.validation.MAX_TREE_NODES`) it is
    refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> pi = theory.kl_regularized_policy(theory.FiniteStatePolicy.iid(["1/2", "1/2"]), env,
    ...                                   theory.MeanReward([[0], [1]]), 1, "1", arith="exact").policy
    >>> p1 = pi.probs(arith="exact")[1]   # e/(1+e), kept exact as a sympy expression
    >>> import sympy; sympy.simplify(p1 - sympy.E / (1 + sympy.E))
    0
    >>> beta = theory.FiniteStatePolicy.iid([0.5, 0.5])
    >>> theory.kl_regularized_policy(beta, env, theory.MeanReward([[0], [1]]), 1, 1e-300).kl_spent   # ln 2
    0.6931471805599453
    >>> theory.kl_regularized_policy(beta, env, theory.MeanReward([[0], [1]]), 1, 1e-310)
    Traceback (most recent call last):
    ...
    theory.errors.TemperatureError: temperature 1e-310 is below the smallest the float context can use, ~2.2250738585072014e-308 (the smallest normal float); use arith='exact' or arith='ball', or a larger temperature
    """
    ctx = get_context(arith)
    _check_temperature(temperature, ctx)
    with ctx.scope():
        problem = _Problem(
            beta, env, utility, horizon, history, ctx, demonstrator, max_nodes=max_nodes, who="kl_regularized_policy"
        )
        lam = ctx.scalar(to_fraction(temperature))  # the temperature as the context steers with it
        if problem.m == 0:
            own, kl_spent, value_ = [], ctx.convert(0), problem.leaf[0]
            bot: list | None = [] if problem.abstains else None
            objective = value_
        else:
            solution = problem.solve(temperature)
            own = [s[0] for s in solution]
            bot = [s[1] for s in solution] if problem.abstains else None
            kl_spent, value_ = problem.spend(own, bot, temperature, solution)
            objective = solution[0][3][0]
        return problem.optimum(
            own,
            bot,
            value=value_,
            kl_spent=kl_spent,
            objective=objective,
            temperature=lam,
            bracket=(lam, lam),
        )


# ---------------------------------------------------------------------------------------------------------------
# KL-constrained optimum
# ---------------------------------------------------------------------------------------------------------------
def _is_float_inf(x) -> bool:
    return isinstance(x, float) and math.isinf(x)


def _check_budget(budget):
    """A budget is a non-negative number: exact, a finite float, or +inf (no constraint); never nan, -inf, a
    bool or a non-number."""
    real(budget, name="budget", minimum=0, allow_inf=True, error=BudgetError)
    return budget


def _check_bisection(rtol, max_iterations):
    """The bisection's options: ``0 < rtol < 1`` (a real number, not a bool or nan) and ``max_iterations`` a
    non-negative integer (not a bool)."""
    real(rtol, name="rtol", minimum=0, maximum=1, open_minimum=True, open_maximum=True)
    integer(max_iterations, name="max_iterations", minimum=0, maximum=10_000)


#: How many times the KL-constrained optimum steps λ up (by factors 1 + rtol·4^k) to certify its budget before
#: falling back to β itself.
_STEP_BACK_TRIES = 24
#: The temperature bracket's limits: below the smallest, π is the optimum itself to any precision used here;
#: above the largest, the bisection gives up on meeting the budget.
_SMALLEST_TEMPERATURE, _LARGEST_TEMPERATURE = Fraction(1, 2**60), 2**80

#: Largest history tree (nodes) on which :func:`kl_constrained_policy` bisects in a symbolic context (exact):
#: about 30 s at 31 nodes (horizon 4, two actions) and four times that per level more.
MAX_SYMBOLIC_NODES = 63

#: Largest unmerged history tree (nodes) on which a float constrained optimum is certified within its budget in
#: ball arithmetic. Ball values cannot merge histories by their posterior, so the check walks the whole tree;
#: beyond this size (the experiment's mixture bases) the float KL must clear the budget by a relative margin of
#: :data:`_FLOAT_BUDGET_MARGIN` instead, far above the forward sum's rounding error.
_CERTIFY_NODES = 20_000
_FLOAT_BUDGET_MARGIN = 1e-9


def _cheapest_optimal(problem: _Problem):
    """The λ → 0 limit: V-optimal within β's support, and among those the closest to β.

    Backward: V*(h') = max over allowed actions of Q*; among the maximizers A*, minimizing expected KL gives
    π ∝ β·exp(−C(a)) on A*, with cost C(h') = −ln Σ_{A*} β exp(−C(a)) and C(a) = E_o C(child)."""
    ctx, dt = problem.ctx, problem.dt
    v_next, c_next = problem.leaf, ctx.zeros(len(problem.leaf))
    out: list = [None] * problem.m
    for d in range(problem.m - 1, -1, -1):
        level = dt.levels[d]
        q_all = problem.continuation(d, v_next)
        idx = dt.child[d]
        cost = ctx.zeros(idx.shape)
        ok = idx >= 0
        cost[ok] = c_next[idx[ok]]
        c_all = (level.data["env"][:, None] * cost).sum(axis=3)
        base, values, costs = level.data["beta"], q_all[:, 0], c_all[:, 0]
        if problem.abstains:
            d_p = level.data["demo"]
            base = np.concatenate([base, level.data["beta_bot"][:, None]], axis=1)
            values = np.concatenate([values, (d_p * q_all[:, 1]).sum(axis=1)[:, None]], axis=1)
            costs = np.concatenate([costs, (d_p * c_all[:, 1]).sum(axis=1)[:, None]], axis=1)
        allowed = ~ctx.is_zero(base)
        best_base = ctx.zeros(base.shape)
        v_star = ctx.zeros(len(level))
        single = np.full(len(level), -1, dtype=np.int64)
        for n in range(len(level)):
            cand = np.nonzero(allowed[n])[0]
            row = values[n, cand]
            winners = [cand[i] for i in ctx.argmax_set(row)]
            best_base[n, winners] = base[n, winners]
            v_star[n] = values[n, winners[0]]
            if len(winners) == 1:
                single[n] = winners[0]
        # One optimal action: π is that action and the cost is −ln β(a*) + C(a*), which stays an exact linear
        # form in logarithms; only ties need the log-sum-exp (in exact arithmetic, a sympy expression).
        probs = ctx.zeros(base.shape)
        cost_here = ctx.zeros(len(level))
        rows = np.nonzero(single >= 0)[0]
        if len(rows):
            a_star = single[rows]
            probs[rows, a_star] = ctx.convert(1)
            cost_here[rows] = costs[rows, a_star] - ctx.log(base[rows, a_star])
        ties = np.nonzero(single < 0)[0]
        if len(ties):
            p_ties, neg_cost = ctx.gibbs(best_base[ties], -costs[ties], ctx.convert(1))
            probs[ties] = p_ties
            cost_here[ties] = -neg_cost
        own, bot = (probs[:, :-1], probs[:, -1]) if problem.abstains else (probs, None)
        out[d] = (own, bot)
        v_next, c_next = v_star, cost_here
    return out, (v_next[0], c_next[0]) if problem.m else (problem.leaf[0], ctx.convert(0))


def kl_constrained_policy(
    beta,
    env,
    utility,
    horizon,
    budget,
    history=(),
    *,
    arith=None,
    demonstrator=None,
    rtol: float = 1e-10,
    max_iterations: int = 200,
    max_nodes: int | None = None,
    max_symbolic_nodes: int = MAX_SYMBOLIC_NODES,
):
    """The KL-constrained optimum ``argmax V^π_μ(h)`` subject to ``KL^μ_{h,m}(π‖β) ≤ budget``.

    If the cheapest V-optimal policy (within β's support) spends at most ``budget``, it is returned
    (``binding=False``, ``temperature=0``). Otherwise the regularized optimum at the λ where it spends the
    budget: bisection in log λ until the bracket's relative width is below ``rtol``; the returned
    :class:`Optimum` is the feasible end (``kl_spent ≤ budget``) and ``temperature_bracket = (λ_lo, λ_hi)``.

    The budget is never exceeded: in an uncertified context (float) the returned policy's KL is re-computed
    in ball arithmetic (β and μ from their own definitions, the policy's tables as stored), and if that does
    not certify ``KL ≤ budget`` the temperature steps up (towards β) until it does, ending, at worst, at β
    itself (KL exactly 0). Exact and ball arithmetic certify every feasibility test of the bisection directly.
    ``rtol`` must lie in (0, 1) and ``max_iterations`` be a non-negative integer. ``max_nodes`` bounds the
    tree's nodes as for :func:`kl_regularized_policy` (default :data:`~theory.validation.MAX_TREE_NODES`).

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> beta = theory.FiniteStatePolicy.iid([0.9, 0.1])
    >>> result = theory.kl_constrained_policy(beta, env, theory.MeanReward([[0], [1]]), 1, budget=0.5)
    >>> round(result.kl_spent, 9), result.binding, result.objective == result.value
    (0.5, True, True)
    >>> theory.kl_constrained_policy(beta, env, theory.MeanReward([[0], [1]]), 1, budget=5).policy.probs()
    array([0., 1.])
    >>> theory.kl_constrained_policy(beta, env, theory.MeanReward([[0], [1]]), 1, budget=0.5, rtol=float("nan"))
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: rtol nan is not a finite number
    """
    _check_budget(budget)
    _check_bisection(rtol, max_iterations)
    ctx = get_context(arith)
    with ctx.scope():
        problem = _Problem(
            beta, env, utility, horizon, history, ctx, demonstrator, max_nodes=max_nodes, who="kl_constrained_policy"
        )
        if ctx.symbolic:  # the bisection chains symbolic exponentials: minutes at 63 nodes, hours soon after
            guard_size(
                sum(len(lv) for lv in problem.dt.levels),
                limit=integer(max_symbolic_nodes, name="max_symbolic_nodes", minimum=1),
                what="history-tree nodes for an exact (symbolic) constrained optimum (arith='ball' certifies "
                "without this limit)",
                option="max_symbolic_nodes",
            )
        b = math.inf if isinstance(budget, float) and math.isinf(budget) else ctx.convert(budget)

        def certified(result: Optimum) -> bool:
            """Whether the optimum's KL is certified within the budget (in ball arithmetic, when the context's own
            comparisons are not certified)."""
            if ctx.certified or _is_float_inf(budget):
                return True
            branching = problem.n_actions * problem.n_obs
            if sum(branching**d for d in range(problem.m + 1)) > _CERTIFY_NODES:
                k = ctx.to_float(ctx.convert(result.kl_spent))
                cap = ctx.to_float(b)
                return k <= cap - _FLOAT_BUDGET_MARGIN * max(1.0, abs(cap))
            ball = get_context("ball")
            try:
                with ball.scope():
                    k = trajectory_kl(
                        result.policy,
                        beta,
                        env,
                        horizon,
                        history,
                        arith=ball,
                        demonstrator=demonstrator,
                        max_nodes=problem.max_nodes,
                    )
                    return ball.compare(k, ball.convert(budget)) <= 0
            except ArithmeticError:
                return False  # an enclosure that may exceed the budget is not certified feasible

        def optimum(own, bot, kl_spent, value_, temperature, bracket, binding) -> Optimum:
            """The optimum given by the tables ``own`` and ``bot``: a constrained optimum maximizes its value."""
            return problem.optimum(
                own,
                bot,
                value=value_,
                kl_spent=kl_spent,
                temperature=temperature,
                bracket=bracket,
                budget=budget,
                binding=binding,
            )

        def base_policy():
            """β itself (λ = ∞): the empty table, so that β answers in every context (KL exactly 0)."""
            own = [lv.data["beta"] for lv in problem.dt.levels[:-1]]
            bot = [lv.data["beta_bot"] for lv in problem.dt.levels[:-1]] if problem.abstains else None
            return optimum(
                [],
                [] if problem.abstains else None,
                ctx.convert(0),
                problem.spend(own, bot)[1],
                math.inf,
                (math.inf, math.inf),
                True,
            )

        cheapest, (v0, kl0) = _cheapest_optimal(problem) if problem.m else ([], (problem.leaf[0], ctx.convert(0)))
        own0 = [s[0] for s in cheapest]
        bot0 = [s[1] for s in cheapest] if problem.abstains else None
        if ctx.compare(kl0, b) <= 0:
            cheapest_optimum = optimum(own0, bot0, kl0, v0, 0, (0, 0), False)
            if certified(cheapest_optimum):
                return cheapest_optimum
        if ctx.sign(b) == 0:
            return base_policy()  # zero budget: β itself

        def evaluate(lam) -> tuple[list, list | None, Any, Any]:
            sol = problem.solve(lam)
            own = [s[0] for s in sol]
            bot = [s[1] for s in sol] if problem.abstains else None
            k, v = problem.spend(own, bot, lam, sol)
            return own, bot, k, v

        def feasible(k) -> bool:
            try:
                return ctx.compare(k, b) <= 0
            except ArithmeticError:
                return False  # an enclosure that may exceed the budget is not certified feasible

        lam = ctx.scalar(1)
        hi = evaluate(lam)
        if feasible(hi[2]):
            lo_lam, hi_lam = lam, lam
            while feasible(hi[2]):
                hi_lam, best = lo_lam, hi
                lo_lam = lo_lam / 2
                hi = evaluate(lo_lam)
                if lo_lam < _SMALLEST_TEMPERATURE:
                    break
            hi = best
        else:
            lo_lam, hi_lam = lam, lam * 2
            hi = evaluate(hi_lam)
            while not feasible(hi[2]):
                lo_lam, hi_lam = hi_lam, hi_lam * 2
                hi = evaluate(hi_lam)
                if hi_lam > _LARGEST_TEMPERATURE:
                    raise MightntError(f"could not bring the KL under the budget {budget!r} (λ up to {hi_lam})")
        for _ in range(max_iterations):
            if (hi_lam - lo_lam) <= rtol * hi_lam:
                break
            mid = ctx.midpoint(lo_lam, hi_lam)
            trial = evaluate(mid)
            if feasible(trial[2]):
                hi_lam, hi = mid, trial
            else:
                lo_lam = mid

        result = optimum(*hi, hi_lam, (lo_lam, hi_lam), True)
        # Step back inside the budget if the float end of the bracket is not certified feasible: a larger λ
        # spends less (towards β), in growing steps; β itself is always feasible.
        step = max(float(rtol), 1e-12)
        for _ in range(_STEP_BACK_TRIES):
            if certified(result):
                return result
            hi_lam = hi_lam * (1 + step)
            trial = evaluate(hi_lam)
            if feasible(trial[2]):
                result = optimum(*trial, hi_lam, (lo_lam, hi_lam), True)
            step *= 4
        return result if certified(result) else base_policy()


# ---------------------------------------------------------------------------------------------------------------
# TVD-constrained optimum
# ---------------------------------------------------------------------------------------------------------------
def tvd_constrained_policy(
    beta, env, utility, horizon, budget, history=(), *, arith=None, max_nodes: int | None = None
):
    """The TVD-constrained optimum ``argmax V^π_μ(h)`` subject to ``TVD(P^{π,μ}_h, P^{β,μ}_h) ≤ budget``.

    An exact linear program over sequence-form policies: variables ``x(h'a)``, the probability that π takes
    the actions of ``h'a`` given its observations, with ``Σ_a x(h'a) = x(parent)``; the TVD is
    ``½ Σ R(h') |x(h'a) − x_β(h'a)|`` over the last decision nodes (R the environment's probability of the
    observations). With |O| = 1 the closed form moves mass ``min(c, 1 − β(x*))`` onto the best action sequence
    x* (spread over tied best sequences in proportion to β), taken from the worst sequences first. ``arith="exact"`` is exact; float uses HiGHS.
    The :class:`Optimum` has no temperature; it binds when its value is below the best value of any policy.
    The tree is not merged (the LP needs every node): beyond ``max_nodes`` nodes (default
    :data:`~theory.validation.MAX_TREE_NODES`) it is refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> result = theory.tvd_constrained_policy(theory.FiniteStatePolicy.iid(["1/2", "1/2"]), env,
    ...                                        theory.MeanReward([[0], [1]]), 1, "1/4", arith="exact")
    >>> result.policy.probs(arith="exact"), result.value, result.tvd_spent
    (array([Fraction(1, 4), Fraction(3, 4)], dtype=object), Fraction(3, 4), Fraction(1, 4))
    """
    _check_budget(budget)
    ctx = get_context(arith)
    with ctx.scope():
        problem = _Problem(beta, env, utility, horizon, history, ctx, None, all_actions=True, max_nodes=max_nodes)
        if beta.semi:
            raise MightntError("the TVD-constrained optimum needs a base policy that does not abstain")
        if problem.m == 0:
            zero = ctx.convert(0)
            return problem.optimum(
                [], None, value=problem.leaf[0], kl_spent=zero, tvd_spent=zero, budget=budget, binding=False
            )
        # The optimum is solved in rationals wherever the inputs are rational (exact and ball arithmetic), on the
        # same unmerged tree, and converted: balls then enclose the exact optimum, with no undecidable ties.
        rational = ctx.rational_counterpart
        solver, solver_ctx = problem, ctx
        if rational is not None and rational is not ctx:
            solver_ctx = rational
            solver = _Problem(
                beta, env, utility, horizon, history, rational, None, all_actions=True, max_nodes=max_nodes
            )
        solver_c = solver_ctx.convert(1 if _is_float_inf(budget) else budget)  # a TVD never exceeds 1
        if rational is not None and problem.n_obs == 1:
            own = _tvd_closed_form(solver, solver_c)
        else:
            own = _tvd_linear_program(solver, solver_c)
        solved_value = None if solver is problem else solver.spend(own, None)[1]
        if solver is not problem:
            own = [ctx.array(t) for t in own]
        kl_spent, value_ = problem.spend(own, None)
        # The budget binds when it costs value: decided in the solver's context (exactly where the program is).
        binding = not solver_ctx.at_least(value_ if solved_value is None else solved_value, _best_value(solver))
        return problem.optimum(
            own,
            None,
            value=value_,
            kl_spent=kl_spent,
            tvd_spent=_tvd_of(problem, own),
            budget=budget,
            binding=bool(binding),
        )


def _best_value(problem: _Problem):
    """V*(h): the best value of any policy, by backward induction over every action (the tree must have them
    all, as the TVD-constrained optimum's does)."""
    v = problem.leaf
    for d in range(problem.m - 1, -1, -1):
        v = problem.ctx.maximum(problem.continuation(d, v)[:, 0], axis=1)
    return v[0]


def _reach(problem: _Problem):
    """Per level: environment reach probability R and β realization weight of every node."""
    ctx, dt = problem.ctx, problem.dt
    reach, beta_w = [ctx.ones(1)], [ctx.ones(1)]
    for d in range(problem.m - 1):
        level, idx = dt.levels[d], dt.child[d][:, 0]
        e, q = level.data["env"], level.data["beta"]
        n_next = len(dt.levels[d + 1])
        r_next, b_next = ctx.zeros(n_next), ctx.zeros(n_next)
        ok = idx >= 0
        np.add.at(r_next, idx[ok], (reach[d][:, None, None] * e)[ok])
        np.add.at(b_next, idx[ok], (beta_w[d][:, None, None] * q[:, :, None] * np.ones_like(e))[ok])
        reach.append(r_next)
        beta_w.append(b_next)
    return reach, beta_w


def _objective_coefficients(problem: _Problem):
    """Per level (N, A): the value an action contributes, per unit of realization weight, times R."""
    ctx, dt = problem.ctx, problem.dt
    reach, _ = _reach(problem)
    coeffs = []
    for d in range(problem.m):
        level = dt.levels[d]
        e = level.data["env"]
        contrib = ctx.zeros(e.shape)
        if problem.rewards is not None:
            contrib = contrib + problem.rewards[None]
        if d == problem.m - 1:
            idx = dt.child[d][:, 0]
            ok = idx >= 0
            leaf = ctx.zeros(e.shape)
            leaf[ok] = problem.leaf[idx[ok]]
            contrib = contrib + leaf
        coeffs.append(reach[d][:, None] * (e * contrib).sum(axis=2))
    return coeffs


#: Room added to the TVD budget of the float linear program when HiGHS finds it infeasible (then taken back by
#: mixing with β).
_LP_ROOM = (0.0, 1e-8, 1e-6)
#: Realization weights at or below this are HiGHS's rounding, not mass.
_HIGHS_NOISE = 1e-15


def _tvd_linear_program(problem: _Problem, c):
    ctx, dt, m, n_a = problem.ctx, problem.dt, problem.m, problem.n_actions
    reach, beta_w = _reach(problem)
    coeffs = _objective_coefficients(problem)
    sizes = [len(dt.levels[d]) for d in range(m)]
    offsets = np.concatenate([[0], np.cumsum([s * n_a for s in sizes])]).astype(int)
    n_x = int(offsets[-1])
    last = m - 1
    n_last = sizes[last] * n_a
    n_var = n_x + 2 * n_last  # x, then u and v with x_last - x_beta = u - v
    # An exact program in the exact context (the caller solves ball problems there), HiGHS in float.
    exact = ctx.is_exact
    conv = ctx.scalar
    zero, one = conv(0), conv(1)

    obj = [zero] * n_var
    for d in range(m):
        for n in range(sizes[d]):
            for a in range(n_a):
                obj[offsets[d] + n * n_a + a] = conv(coeffs[d][n, a])
    a_eq, b_eq = [], []
    row = [zero] * n_var
    for a in range(n_a):
        row[offsets[0] + a] = one
    a_eq.append(row)
    b_eq.append(one)
    for d in range(1, m):
        level = dt.levels[d]
        for n in range(sizes[d]):
            row = [zero] * n_var
            for a in range(n_a):
                row[offsets[d] + n * n_a + a] = one
            p, ap = int(level.parent[n]), int(level.action[n])
            row[offsets[d - 1] + p * n_a + ap] = -one
            a_eq.append(row)
            b_eq.append(zero)
    q_last = dt.levels[last].data["beta"]
    for n in range(sizes[last]):
        for a in range(n_a):
            k = n * n_a + a
            row = [zero] * n_var
            row[offsets[last] + k] = one
            row[n_x + k] = -one
            row[n_x + n_last + k] = one
            a_eq.append(row)
            b_eq.append(conv(beta_w[last][n] * q_last[n, a]))
    tv_row = [zero] * n_var
    for n in range(sizes[last]):
        for a in range(n_a):
            k = n * n_a + a
            tv_row[n_x + k] = conv(reach[last][n])
            tv_row[n_x + n_last + k] = conv(reach[last][n])
    if exact:
        x, _ = maximize(obj, a_eq=a_eq, b_eq=b_eq, a_ub=[tv_row], b_ub=[2 * conv(c)], arith="exact")
    else:
        # HiGHS meets constraints only within its tolerance (~1e-7): at c = 0 the feasible set is the single point
        # x = β, which it may call infeasible, and at small c its TVD may exceed c by a relative 10%. So give the
        # solver a little room if it needs it, then move back towards β along the segment: the law mixture
        # (1-t)P^β + tP^π has TVD t·TVD(π, β), so t = c / TVD brings it within the budget.
        for room in _LP_ROOM:
            try:
                x, _ = maximize(obj, a_eq=a_eq, b_eq=b_eq, a_ub=[tv_row], b_ub=[2 * conv(c) + room])
                break
            except MightntError:
                if room == _LP_ROOM[-1]:
                    raise
        xb = np.concatenate(
            [
                np.asarray(beta_w[d], dtype=float)[:, None] * np.asarray(dt.levels[d].data["beta"], dtype=float)
                for d in range(m)
            ],
            axis=None,
        )
        x = np.clip(np.asarray(x[:n_x], dtype=float), 0.0, None)
        reach_last = np.repeat(np.asarray(reach[last], dtype=float), n_a)
        tv = float(np.dot(reach_last, np.abs(x[offsets[last] :] - xb[offsets[last] :]))) / 2
        if tv > conv(c):
            x = xb + (conv(c) / tv) * (x - xb)
        # HiGHS leaves noise where π never reaches a node: a node whose realization weight is below the noise
        # floor keeps β's action probabilities.
        for d in range(m):
            block = x[offsets[d] : offsets[d + 1]].reshape(sizes[d], n_a)  # a view: zeroing it zeroes x
            block[block.sum(axis=1) <= _HIGHS_NOISE] = 0.0
    own = []
    for d in range(m):
        q = dt.levels[d].data["beta"]
        block = np.asarray([ctx.convert(x[offsets[d] + i]) for i in range(sizes[d] * n_a)], dtype=ctx.dtype).reshape(
            sizes[d], n_a
        )
        totals = block.sum(axis=1)
        table = q.copy()
        live = ~ctx.is_zero(totals)
        table[live] = block[live] / totals[live][:, None]
        own.append(table)
    return own


def _tvd_closed_form(problem: _Problem, c):
    """|O| = 1: move mass onto the best action sequence, from the worst sequences first."""
    ctx, dt, m, n_a = problem.ctx, problem.dt, problem.m, problem.n_actions
    # Enumerate leaves (action sequences) with β probability and utility.
    _, beta_w = _reach(problem)
    coeffs = _objective_coefficients(problem)
    last = m - 1
    q_last = dt.levels[last].data["beta"]
    # Utility of a whole sequence = (sum of per-step contributions along it); with |O| = 1 each node has a
    # unique path, so accumulate per-node value from the root.
    path_value = [ctx.zeros(1)]
    for d in range(m - 1):
        idx = dt.child[d][:, 0, :, 0]
        nxt = ctx.zeros(len(dt.levels[d + 1]))
        for n in range(len(dt.levels[d])):
            for a in range(n_a):
                if idx[n, a] >= 0:
                    nxt[idx[n, a]] = path_value[d][n] + coeffs[d][n, a]
        path_value.append(nxt)
    seqs = []
    for n in range(len(dt.levels[last])):
        for a in range(n_a):
            seqs.append((path_value[last][n] + coeffs[last][n, a], n, a, beta_w[last][n] * q_last[n, a]))
    # The best sequences (largest utility) receive mass in proportion to β (the first of them if β gives
    # them none), taken from the worst sequences first: an optimum, and among optima the one closest to β.
    keys = [_Key(ctx, s[0]) for s in seqs]
    top = max(keys)
    best = [i for i, k in enumerate(keys) if k == top]
    target = {i: s[3] for i, s in enumerate(seqs)}
    best_mass = sum((seqs[i][3] for i in best), ctx.convert(0))
    move = min(c, 1 - best_mass)
    order = sorted((i for i in range(len(seqs)) if i not in best), key=lambda i: (keys[i], i))
    remaining = move
    for i in order:
        if ctx.sign(remaining) <= 0:
            break
        take_ = min(remaining, target[i])
        target[i] -= take_
        remaining -= take_
    moved = move - remaining
    for i in best:
        share = seqs[i][3] / best_mass if ctx.sign(best_mass) > 0 else (1 if i == best[0] else 0)
        target[i] += moved * share
    # Sequence law -> conditional policy at every node (β where the law gives the node probability 0).
    leaf_mass = ctx.zeros((len(dt.levels[last]), n_a))
    for i, s in enumerate(seqs):
        leaf_mass[s[1], s[2]] = target[i]
    own = [None] * m
    node_mass = leaf_mass
    for d in range(last, -1, -1):
        q = dt.levels[d].data["beta"]
        totals = node_mass.sum(axis=1)
        table = q.copy()
        live = ~ctx.is_zero(totals)
        table[live] = node_mass[live] / totals[live][:, None]
        own[d] = table
        if d > 0:
            level = dt.levels[d]
            up = ctx.zeros((len(dt.levels[d - 1]), n_a))
            np.add.at(up, (level.parent, level.action), totals)
            node_mass = up
    return own


class _Key:
    """Exact ordering key in any context (ball comparisons may raise Undecided)."""

    def __init__(self, ctx, v):
        self.ctx, self.v = ctx, v

    def __lt__(self, other):
        return self.ctx.compare(self.v, other.v) < 0

    def __eq__(self, other):
        return self.ctx.compare(self.v, other.v) == 0


def _tvd_of(problem: _Problem, own):
    """TVD between the trajectory laws of the tabulated policy and β (exact in exact arithmetic)."""
    ctx, dt, m = problem.ctx, problem.dt, problem.m
    reach, beta_w = _reach(problem)
    x = ctx.ones(1)
    for d in range(m):
        level = dt.levels[d]
        if d == m - 1:
            xb = beta_w[d][:, None] * level.data["beta"]
            xp = x[:, None] * own[d]
            return (reach[d][:, None] * abs(xp - xb)).sum() / 2
        idx = dt.child[d][:, 0]
        nxt = ctx.zeros(len(dt.levels[d + 1]))
        ok = idx >= 0
        np.add.at(nxt, idx[ok], (x[:, None, None] * own[d][:, :, None] * np.ones_like(level.data["env"]))[ok])
        x = nxt
    return ctx.convert(0)

"""``thm1-novel-situations``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/thm1-novel-situations.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> tau = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)   # one model, never switches
>>> coin = theory.FiniteStateEnvironment([[["1/2", "1/2"]] * 2], [[[0, 0], [0, 0]]])
>>> x = {"models": (tau,), "prior": (Fraction(1),), "delta": 3, "depth": 1, "event": ("observation", 1),
...      "utility": theory.MeanReward([[0, 0], [1, 1]]), "env": coin, "horizon": 1, "history": ((0, 0), (0, 1))}
>>> ev = CLAIM.evaluate(x, "exact")
>>> ev.holds, ev.parts[3].lhs           # worst-case KL(π*‖ξ) = ln(1/c) = ln(1 + 2^3): the bound is tight
(True, LogLinear(1*ln(9)))
>>> ev = CLAIM.evaluate({**x, "depth": None}, "exact")    # the full closure: ln(1/c) = ln 2^3 = 3·ln 2
>>> ev.holds, ev.parts[4].lhs == 3 * LogLinear.log(2)
(True, True)
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
from flint import arb
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part, variant_title
from proofs_checks.worlds import world
from theory.arith import LogLinear, get_context
from theory.events import LengthAtLeast, ObservationOccurred
from theory.kernels import normalize_history

__all__ = [
    "CLAIM",
    "make",
    "novel_cases",
    "expectimax_policy",
    "build",
    "BOUNDS",
    "examples",
    "DEPTHS",
    "NEST_LIMIT",
    "TABLE_DEPTHS",
    "variant_weights",
    "switching_mass",
    "closed_class",
    "closure_table",
]

EXACT = get_context("exact")


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
class _ExpectimaxRows:
    """``history -> exact one-hot row``: the first V-optimal action (exact Q-values) at histories extending
    ``start`` by fewer than ``horizon`` steps; the uniform row elsewhere."""

    def __init__(self, env, utility, horizon: int, start: tuple, n_actions: int):
        self.env, self.utility, self.horizon, self.n_actions = env, utility, int(horizon), int(n_actions)
        self.start = tuple((int(a), int(o)) for a, o, *_ in start)
        self._memo: dict = {}

    def __call__(self, history):
        history = tuple((int(a), int(o)) for a, o, *_ in history)
        row = self._memo.get(history)
        if row is None:
            d = len(history) - len(self.start)
            if d < 0 or d >= self.horizon or history[: len(self.start)] != self.start:
                row = [Fraction(1, self.n_actions)] * self.n_actions
            else:
                q = theory.q_values(self.env, self.utility, self.horizon - d, history, arith="exact")
                best = EXACT.argmax_set(q)[0]
                row = [Fraction(int(a == best)) for a in range(self.n_actions)]
            self._memo[history] = row
        return row


def expectimax_policy(env, utility, horizon: int, history=()) -> theory.Policy:
    """π*: the deterministic expectimax policy from ``history`` over ``horizon`` steps (ties: the smallest action),
    decided in exact arithmetic whatever the context it is evaluated in; uniform off that tree.

    >>> env = theory.sequence_environment(3)
    >>> pi = expectimax_policy(env, theory.MeanReward([[0], [1], [1]]), 2, ((0, 0),))
    >>> pi.probs(((0, 0),), arith="exact")
    array([Fraction(0, 1), Fraction(1, 1), Fraction(0, 1)], dtype=object)
    """
    fn = _ExpectimaxRows(env, utility, horizon, history, env.n_actions)
    return theory.Policy.from_function(env.n_actions, fn, n_observations=env.n_observations)


def _event(spec) -> theory.Event:
    kind, value = spec
    return ObservationOccurred(value) if kind == "observation" else LengthAtLeast(value)


#: The depths of the classes the check draws: 1 is the spec's finite class (the ν's plus one variant each), 2 and 3
#: classes closed under the switch map to that depth, None the full closure (the paper's class).
DEPTHS = (1, None, 2, 3)
#: Finite depths up to this are built by nesting ``Switch``; deeper ones use S(ν) for every S^j ν (see the module).
NEST_LIMIT = 4
#: The depths the closure table shows, the full closure last.
TABLE_DEPTHS = (1, 2, 4, 8, 16, None)


def _check_delta_depth(delta, depth):
    if isinstance(delta, bool) or not isinstance(delta, int) or delta < 1:
        raise ValueError(f"delta {delta!r} must be a positive whole number of bits")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise ValueError(f"depth {depth!r} must be a positive whole number, or None for the full closure")


def variant_weights(delta: int, depth) -> list:
    """w(S^j ν)/w(ν) for the variants of ν in a class closed to ``depth`` under the switch map: 2^-jΔ for
    j = 1..depth; for the full closure (``depth=None``) one merged weight Σ_{j≥1} 2^-jΔ = 1/(2^Δ − 1), since every
    S^j ν acts as S ν (see the module docstring).

    >>> variant_weights(2, 3)
    [Fraction(1, 4), Fraction(1, 16), Fraction(1, 64)]
    >>> variant_weights(2, None)
    [Fraction(1, 3)]
    >>> variant_weights(0, 1)
    Traceback (most recent call last):
    ...
    ValueError: delta 0 must be a positive whole number of bits
    """
    _check_delta_depth(delta, depth)
    s = Fraction(1, 2**delta)
    if depth is None:
        return [s / (1 - s)]
    return [s**j for j in range(1, depth + 1)]


def switching_mass(delta: int, depth) -> Fraction:
    """c_d: the posterior mass of the switching programs S^j ν (j ≥ 1) at a history on which E is unprecedented,
    in the class closed to ``depth`` (None: the full closure): s(1 − s^d)/(1 − s^{d+1}) with s = 2^-Δ, whatever the
    models and their prior. d = 1 gives the finite class's 1/(1 + 2^Δ); it increases to 2^-Δ, the full closure's.

    >>> switching_mass(1, 1), switching_mass(1, 2), switching_mass(1, 4), switching_mass(1, None)
    (Fraction(1, 3), Fraction(3, 7), Fraction(15, 31), Fraction(1, 2))
    >>> switching_mass(3, 1) == Fraction(1, 1 + 2**3)
    True
    """
    weights = variant_weights(delta, depth)
    return sum(weights) / (1 + sum(weights))


def closed_class(models, prior, delta: int, depth, event, pistar, *, merge: bool = False) -> tuple:
    """The models and their switch variants S^j ν = Switch(S^{j−1} ν, E, π*), j = 1..``depth`` (None: the full
    closure), as ``(mixture, variants)``; ``variants`` lists ``(i, j, index, weight)``: model i's j-th variant is
    component ``index`` of the mixture, with prior ratio ``weight`` to model i. j = 0 marks a merged component:
    the full closure always has one per model, S ν with weight Σ_{j≥1} 2^-jΔ = 1/(2^Δ − 1), and ``merge=True``
    merges the d variants of a finite depth too (weight Σ_{j≤d} 2^-jΔ). Unmerged, depths up to :data:`NEST_LIMIT`
    nest ``Switch`` j times, deeper ones repeat the kernel S ν. Merging and repeating are exact when
    S(S(ν)) ≡ S(ν) (then S^j ν ≡ S ν); the check verifies that wherever it relies on it. The prior is halved so
    that the Kraft sum stays at most 1 (Σ_j 2^-jΔ ≤ 1); the posterior does not depend on the scale.

    >>> tau = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
    >>> go = theory.FiniteStatePolicy.constant(1, n_actions=2, n_observations=2)
    >>> xi, variants = closed_class((tau,), (Fraction(1),), 1, 2, ObservationOccurred(1), go)
    >>> [(i, j, idx, str(wt)) for i, j, idx, wt in variants]
    [(0, 1, 1, '1/2'), (0, 2, 2, '1/4')]
    >>> xi.probs(((0, 1),), arith="exact")           # the variants act as π* at the event: c_2 = 3/7
    array([Fraction(4, 7), Fraction(3, 7)], dtype=object)
    >>> merged, variants = closed_class((tau,), (Fraction(1),), 1, 2, ObservationOccurred(1), go, merge=True)
    >>> variants, merged.probs(((0, 1),), arith="exact")[1]
    ([(0, 0, 1, Fraction(3, 4))], Fraction(3, 7))
    """
    models, prior = list(models), [Fraction(w) for w in prior]
    if len(models) != len(prior) or not models:
        raise ValueError(f"the prior {prior!r} must give one weight to each of the {len(models)} models")
    weights = variant_weights(delta, depth)
    if merge:
        weights = [sum(weights)]
    components, comp_prior, variants = list(models), [w / 2 for w in prior], []
    for i, nu in enumerate(models):
        once = theory.Switch(nu, event, pistar)
        current = nu
        for j, ratio in enumerate(weights, start=1):
            merged = merge or depth is None
            if merged or depth > NEST_LIMIT:
                current = once  # S^j ν ≡ S ν (checked where it is relied on)
            else:
                current = theory.Switch(current, event, pistar)
            variants.append((i, 0 if merged else j, len(components), ratio))
            components.append(current)
            comp_prior.append(prior[i] / 2 * ratio)
    return theory.BayesianMixture(components, comp_prior), variants


def build(x: dict) -> dict:
    """The objects of a drawn instance: models, π*, the class closed to ``x["depth"]`` (1 when absent: the finite
    class), ξ, c_d (a dict)."""
    models = list(x["models"])
    delta, depth = int(x["delta"]), x.get("depth", 1)
    pistar = expectimax_policy(x["env"], x["utility"], x["horizon"], x["history"])
    event = _event(x["event"])
    # The d variants of each ν merge into one component S ν of their total weight: exact since S(S(ν)) ≡ S(ν),
    # which the idempotence part checks, and as cheap to evaluate as the finite class. The closure examples keep
    # the variants apart (nesting Switch for real up to NEST_LIMIT).
    xi, variants = closed_class(models, x["prior"], delta, depth, event, pistar, merge=True)
    return {
        "models": models,
        "variants": variants,
        "pistar": pistar,
        "xi": xi,
        "event": event,
        "c": switching_mass(delta, depth),
        "delta": delta,
        "depth": depth,
    }


def _rows_differing(first, second, pistar, history, horizon: int, n_obs: int) -> int:
    """How many of the histories an evaluation of ξ along π* reads (h's prefixes, and the histories of π*'s
    continuations at which an action is chosen) have ``first`` and ``second`` give different exact rows. One walk
    down h, advancing both kernels' states, then π*'s tree below it."""
    one = np.zeros(1, dtype=np.int64)
    h = normalize_history(history, first.n_actions, first.n_observations)

    def differ(s1, s2) -> int:
        return int(list(first.probs_batch(s1, EXACT)[0]) != list(second.probs_batch(s2, EXACT)[0]))

    def step(s1, s2, a, o, flag=True):
        args = (one, np.array([a]), np.array([o]), np.array([flag]), EXACT)
        return first.advance(s1, *args), second.advance(s2, *args)

    def rec(s1, s2, g, depth):
        n = differ(s1, s2)
        if depth + 1 < horizon:
            p_star = pistar.probs(g, arith=EXACT)
            for a in range(len(p_star)):
                if p_star[a] != 0:
                    for o in range(n_obs):
                        n += rec(*step(s1, s2, a, o), g + ((a, o),), depth + 1)
        return n

    with EXACT.scope():
        count, s1, s2 = 0, first.initial(EXACT), second.initial(EXACT)
        for a, o, flag in h:
            count += differ(s1, s2)
            s1, s2 = step(s1, s2, a, o, flag)
        return count + rec(s1, s2, tuple(history), 0)


def _idempotence_part(models, event, pistar, history, horizon, n_obs, arith) -> Part:
    """S(S(ν)) ≡ S(ν) on every history an evaluation reads, for every model ν: the induction step that makes every
    S^j ν act as S ν, and so the merged or shared components exact."""
    differing = 0
    for nu in models:
        once = theory.Switch(nu, event, pistar)
        differing += _rows_differing(once, theory.Switch(once, event, pistar), pistar, history, horizon, n_obs)
    return Part(
        "S(S(ν)) ≡ S(ν) on h's prefixes and π*'s continuations, every ν (so S^j ν ≡ S ν): rows differing",
        arith.convert(differing),
        "==",
        arith.convert(0),
    )


def _continuations(policies: dict, pistar, history: tuple, horizon: int, n_obs: int, ctx) -> list:
    """For every observation sequence and every action sequence π* gives positive probability (each action
    seeing only the past): the probability each policy in ``policies`` (and π*) gives the action sequence.

    Each policy's state is advanced one step at a time from h (a mixture then updates its posterior once per
    node, instead of replaying h at every node)."""
    out = []
    one = np.zeros(1, dtype=np.int64)

    def rec(h, states, depth, probs):
        if depth == horizon:
            out.append(probs)
            return
        p_star = pistar.probs(h, arith=EXACT)
        rows = {name: pol.probs_batch(states[name], ctx)[0] for name, pol in policies.items()}
        for a in range(len(p_star)):
            if p_star[a] == 0:
                continue
            nxt = {name: probs[name] * rows[name][a] for name in policies}
            nxt["π*"] = probs["π*"] * ctx.convert(p_star[a])
            for o in range(n_obs):
                children = {}
                if depth + 1 < horizon:
                    step = (one, np.array([a]), np.array([o]), np.array([True]), ctx)
                    children = {name: pol.advance(states[name], *step) for name, pol in policies.items()}
                rec(h + ((a, o),), children, depth + 1, nxt)

    with ctx.scope():
        starts = {
            name: pol.start(normalize_history(history, pol.n_actions, pol.n_observations), ctx)
            for name, pol in policies.items()
        }
        rec(tuple(history), starts, 0, {**{name: ctx.convert(1) for name in policies}, "π*": ctx.convert(1)})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Bounds
# ---------------------------------------------------------------------------------------------------------------
def _ln_inverse_c(delta, depth, ctx):
    return ctx.log(ctx.convert(1 / switching_mass(delta, depth)))


def _ln2(ctx):
    return ctx.log(ctx.convert(2))


#: The bound forms :func:`make` accepts: ``(Δ, depth, arith) -> bound`` in nats (depth None: the full closure).
#: ``"ln(1/c)"`` is the theorem's (ln(1 + 2^Δ) at depth 1, Δ·ln 2 in the full closure); ``"ln(1+2^Δ)"`` the finite
#: class's at every depth (weaker when d > 1); ``"Δ/ln2"`` the paper's printed form (holds, loose); ``"Δ·ln2"``
#: holds only in the full closure; ``"ln(1/c_{d+1})"`` (one level too tight), ``"Δ·ln2−1/1000"`` and
#: ``"(Δ−1)·ln2"`` are false.
BOUNDS = {
    "ln(1/c)": _ln_inverse_c,
    "ln(1+2^Δ)": lambda delta, depth, ctx: _ln_inverse_c(delta, 1, ctx),
    "Δ·ln2": lambda delta, depth, ctx: _ln2(ctx) * delta,
    "(Δ−1)·ln2": lambda delta, depth, ctx: _ln2(ctx) * (delta - 1),
    "Δ/ln2": lambda delta, depth, ctx: ctx.convert(delta) / _ln2(ctx),
    "ln(1/c_{d+1})": lambda delta, depth, ctx: _ln_inverse_c(delta, None if depth is None else depth + 1, ctx),
    "Δ·ln2−1/1000": lambda delta, depth, ctx: _ln2(ctx) * delta - ctx.convert(Fraction(1, 1000)),
}


# ---------------------------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def novel_cases(draw, *, novel: bool = True, max_models: int = 3, max_horizon: int = 3, depths=DEPTHS):
    """Drawn instances: ``{"models", "prior", "delta", "depth", "event", "utility", "env", "horizon", "history"}``,
    the depth (None: the full closure) from ``depths``.

    The history is drawn with positive probability under the first model; the event happens at its last step and
    at no earlier one (``novel=False``: it happens at the first step already, and the history has at least two).
    """
    n_a, n_o = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    k = draw(st.integers(1, max_models))
    policies = S.finite_state_policies(n_actions=n_a, n_observations=n_o, max_states=2)
    models = tuple(draw(policies) for _ in range(k))
    prior = draw(S.priors(k))
    delta = draw(st.integers(1, 12))
    depth = draw(st.sampled_from(tuple(depths)))
    env = draw(S.finite_state_environments(n_actions=n_a, n_observations=n_o, max_states=2))
    utility = draw(S.mean_rewards(n_actions=n_a, n_observations=n_o))
    horizon = draw(st.integers(1, max_horizon))
    kinds = ["length"] + (["observation"] if n_o > 1 else [])
    kind = draw(st.sampled_from(kinds))
    symbol = draw(st.integers(0, n_o - 1)) if kind == "observation" else None
    length = draw(st.one_of(st.integers(0 if novel else 1, 5), st.sampled_from([12, 30])))
    others = [o for o in range(n_o) if o != symbol]
    history: tuple = ()
    for t in range(length + 1):
        probs = models[0].probs(history, arith="exact")
        a = draw(st.sampled_from([i for i in range(n_a) if probs[i] > 0]))
        if kind == "observation":
            if novel:
                o = symbol if t == length else draw(st.sampled_from(others))
            else:
                o = symbol if t == 0 else draw(st.integers(0, n_o - 1))
        else:
            o = draw(st.integers(0, n_o - 1))
        history += ((a, o),)
    event = ("observation", symbol) if kind == "observation" else ("length", len(history) if novel else 1)
    return {
        "models": models,
        "prior": prior,
        "delta": delta,
        "depth": depth,
        "event": event,
        "utility": utility,
        "env": env,
        "horizon": horizon,
        "history": history,
    }


def _closure_depths(depths) -> tuple:
    """The table depths a closure example covers, for a claim drawing ``depths``: d = 1 if the finite class is
    drawn, the deeper finite ones if a finite closure is, ∞ if the full closure is."""
    finite = any(d is not None and d > 1 for d in depths)
    return tuple(
        d
        for d in TABLE_DEPTHS
        if (d == 1 and 1 in depths) or (d is None and None in depths) or (d not in (1, None) and finite)
    )


def examples(novel: bool = True, depths=DEPTHS) -> list[dict]:
    """The fixed instances every check certifies: the :class:`~proofs_checks.worlds.NovelSituation` world with
    k = 1..50, horizon 3, and the budgets 6.933 (≥ ln 1025) and 1 for the KL-constrained optimum; and the closure
    tables for Δ = 1 and Δ = 10 (τ alone, depths 1, 2, 4, 8, 16, ∞, k = 50, horizon 2).

    >>> [x.get("world") or x["closure"] for x in examples()], examples()[1]["depths"]
    (['novel-situation', 'novel-situation', 'novel-situation'], (1, 2, 4, 8, 16, None))
    """
    out = []
    if 1 in depths:  # the world is the finite class
        w = world("novel-situation")
        out.append(
            {
                "world": "novel-situation",
                **w.params(),
                "k_max": 50,
                "horizon": 3,
                "novel": novel,
                "budgets": (Fraction(6933, 1000), Fraction(1)),
            }
        )
    table_depths = _closure_depths(depths)
    if table_depths:
        for delta in (1, 10):
            out.append(
                {
                    "closure": "novel-situation",
                    "delta": delta,
                    "depths": table_depths,
                    "k": 50,
                    "horizon": 2,
                    "novel": novel,
                }
            )
    return out


# ---------------------------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------------------------
def _drawn_parts(x, arith, bound_fn):
    objs = build(x)
    xi, pistar, c, delta, depth = objs["xi"], objs["pistar"], objs["c"], objs["delta"], objs["depth"]
    h, m, env, u = x["history"], x["horizon"], x["env"], x["utility"]
    post = xi.posterior(h, arith=arith)
    parts = []
    for i, j, index, ratio in objs["variants"]:
        if j:
            power = "" if j == 1 else str(j)
            name = f"w(S{'^' + power if power else ''}ν_{i}|h) − 2^-{power}Δ·w(ν_{i}|h)"
        elif depth == 1:
            name = f"w(Sν_{i}|h) − 2^-Δ·w(ν_{i}|h)"
        elif depth is None:
            name = f"w(S^≥1 ν_{i}|h) − w(ν_{i}|h)/(2^Δ−1)"
        else:
            name = f"w(S^1..{depth} ν_{i}|h) − Σ_(j≤{depth}) 2^-jΔ·w(ν_{i}|h)"
        parts.append(Part(f"ξ: {name} = 0", post[index] - arith.convert(ratio) * post[i], "==", arith.convert(0)))
    parts.append(
        Part(
            "ξ: Σ_j w(S^j ν|h) = c_d",
            sum((post[v[2]] for v in objs["variants"]), arith.convert(0)),
            "==",
            arith.convert(c),
        )
    )
    if depth != 1:
        parts.append(_idempotence_part(objs["models"], objs["event"], pistar, h, m, env.n_observations, arith))
    seqs = _continuations({"ξ": xi}, pistar, h, m, env.n_observations, arith)
    cc = arith.convert(c)
    parts.append(
        Part(
            "ξ(a_1:m|o_1:m) − c_d·π*(a_1:m|o_1:m) ≥ 0 on π*'s continuations",
            arith.extreme([s["ξ"] - cc * s["π*"] for s in seqs], largest=False),
            ">=",
            arith.convert(0),
        )
    )
    bound = bound_fn(delta, depth, arith)
    parts.append(
        Part("worst-case KL_{h,m}(π*‖ξ) ≤ bound", theory.worst_case_kl(pistar, xi, env, m, h, arith=arith), "<=", bound)
    )
    parts.append(
        Part("expected KL^μ_{h,m}(π*‖ξ) ≤ bound", theory.trajectory_kl(pistar, xi, env, m, h, arith=arith), "<=", bound)
    )
    parts.append(
        Part(
            "π* is V-optimal at h: V^π*(h) = V*(h)",
            theory.value(pistar, env, u, m, h, arith=arith),
            "==",
            theory.optimal_value(env, u, m, h, arith=arith),
        )
    )
    return parts


@functools.lru_cache(maxsize=64)
def _closure_exact(delta: int, depth, k: int, horizon: int, novel: bool):
    """(Σ_j w(S^j τ|h), worst-case KL_{h,m}(π*‖ξ)) in exact arithmetic for the world's τ alone closed to ``depth``,
    at the novel (or old) event after k trusted steps (cached: the table reuses the certified values)."""
    w = world("novel-situation", delta=delta)
    h = w.novel_history(k) if novel else w.old_history(k)
    xi, variants = closed_class((w.trusted,), (Fraction(1),), delta, depth, w.event, w.optimal)
    post = xi.posterior(h, arith=EXACT)  # rational: exact whatever the context
    mass = sum(post[v[2]] for v in variants)
    return mass, theory.worst_case_kl(w.optimal, xi, w.environment, horizon, h, arith=EXACT)


def _excess_bound(delta, depth) -> Fraction:
    """s^d(1 − s)/(1 − s^d), s = 2^-Δ: ln(1/c_d) − Δ·ln 2 = ln(1 + this) ≤ this."""
    s = Fraction(1, 2**delta)
    return s**depth * (1 - s) / (1 - s**depth)


def _depth_name(depth) -> str:
    return "∞" if depth is None else str(depth)


def _closure_parts(x, arith, bound_fn):
    # Every side is computed exactly (cached) and rounded into ``arith``: the rows differ from Δ·ln 2 and from one
    # another by as little as 2^-160, far below float resolution, so a float recomputation would only report
    # rounding. The float KL machinery is cross-checked on the drawn instances and the world.
    delta, k, m, novel = int(x["delta"]), int(x["k"]), int(x["horizon"]), bool(x["novel"])
    w = world("novel-situation", delta=delta)
    h = w.novel_history(k) if novel else w.old_history(k)
    ln_delta = LogLinear.log(2) * delta
    conv = arith.convert
    parts, previous = [], None
    for depth in x["depths"]:
        mass, cost = _closure_exact(delta, depth, k, m, novel)
        c = switching_mass(delta, depth)
        tag = f"Δ = {delta}, d = {_depth_name(depth)}"
        parts.append(Part(f"{tag}: Σ_j w(S^j τ|h) = c_d", conv(mass), "==", conv(c)))
        parts.append(
            Part(
                f"{tag}: cost = worst-case KL_{{h,{m}}}(π*‖ξ) ≤ bound", conv(cost), "<=", bound_fn(delta, depth, arith)
            )
        )
        parts.append(Part(f"{tag}: cost − ln(1/c_d) = 0 (attained)", conv(cost - LogLinear.log(1 / c)), "==", conv(0)))
        if depth is None:
            parts.append(Part(f"{tag}: cost − Δ·ln 2 = 0 (the full closure)", conv(cost - ln_delta), "==", conv(0)))
        else:
            parts.append(Part(f"{tag}: cost − Δ·ln 2 > 0 (above the limit)", conv(cost - ln_delta), ">", conv(0)))
            parts.append(
                Part(
                    f"{tag}: cost − Δ·ln 2 ≤ 2^-dΔ(1−2^-Δ)/(1−2^-dΔ) (converges)",
                    conv(cost - ln_delta),
                    "<=",
                    conv(_excess_bound(delta, depth)),
                )
            )
        if depth is None or depth > NEST_LIMIT:  # the shared or merged components stand for S^j τ
            parts.append(_idempotence_part((w.trusted,), w.event, w.optimal, h, m, 2, arith))
        if previous is not None:
            parts.append(
                Part(
                    f"{tag}: cost at d = {_depth_name(previous[0])} − cost > 0 (decreasing)",
                    conv(previous[1] - cost),
                    ">",
                    conv(0),
                )
            )
        previous = (depth, cost)
    return parts


def _enclose(value) -> str:
    """A certified enclosure of an exact value, at a precision fine enough to show its leading digits."""
    if not isinstance(value, LogLinear):
        value = LogLinear(Fraction(value))
    if value == 0:
        return "0"
    for prec in (128, 256, 512, 1024, 2048):
        ball = value.enclosure(prec)
        if ball.rad() == 0 or ball.rad() < abs(ball.mid()) * arb(2) ** -64:
            break
    return ball.str(12)


def closure_table(arith=None, *, deltas=(1, 10), depths=TABLE_DEPTHS, k: int = 50, horizon: int = 2) -> dict:
    """The cost of switching at a novel event against the depth d to which the class is closed under the switch
    map (the claim's ``tabulate``): the world's τ alone (deterministic, never takes π*'s action, so the cost
    ln(1/c_d) is attained), k = 50 trusted steps, horizon 2. Exact whatever ``arith`` is; values are shown as
    certified enclosures, and the last column states what the exact comparisons decided.

    >>> t = closure_table(deltas=(1,), depths=(1, 2, None))
    >>> [row[:3] for row in t["rows"]]
    [[1, '1', '1/3'], [1, '2', '3/7'], [1, '∞', '1/2']]
    >>> for row in t["rows"]:
    ...     print(row[-1])
    Δ·ln 2 < cost = ln(1/c_d) = ln(1 + 2^Δ)
    Δ·ln 2 < cost = ln(1/c_d) < row above
    cost = ln(1/c_d) = Δ·ln 2 < row above
    """
    rows = []
    for delta in deltas:
        ln_delta = LogLinear.log(2) * delta
        ln_finite = LogLinear.log(1 + 2**delta)
        previous = None
        for depth in depths:
            mass, cost = _closure_exact(delta, depth, k, horizon, True)
            c = switching_mass(delta, depth)
            attained = cost == LogLinear.log(1 / c) and mass == c
            said = []
            if depth is None:
                exact = attained and cost == ln_delta
                said.append("cost = ln(1/c_d) = Δ·ln 2" if exact else "NOT cost = ln(1/c_d) = Δ·ln 2")
            else:
                above = cost > ln_delta and cost - ln_delta <= _excess_bound(delta, depth)
                said.append(
                    ("Δ·ln 2 < cost" if above else "NOT Δ·ln 2 < cost ≤ Δ·ln 2 + 2^-dΔ")
                    + (" = ln(1/c_d)" if attained else " NOT = ln(1/c_d)")
                )
                if depth == 1:
                    said[-1] += " = ln(1 + 2^Δ)" if cost == ln_finite else " NOT = ln(1 + 2^Δ)"
            if previous is not None:
                said[-1] += " < row above" if cost < previous else " NOT < row above"
            previous = cost
            s = Fraction(1, 2**delta)
            shown_c = str(c) if len(str(c)) <= 24 else f"{s} − {float(s - c):.6g}"
            rows.append(
                [
                    delta,
                    _depth_name(depth),
                    shown_c,
                    _enclose(cost),
                    _enclose(cost - ln_delta),
                    _enclose(ln_delta),
                    _enclose(ln_finite),
                    said[0],
                ]
            )
    columns = [
        "Δ",
        "d",
        "c_d = Σ_j w(S^j τ|h)",
        "cost = KL_{h,2}(π*‖ξ)",
        "cost − Δ·ln 2",
        "Δ·ln 2",
        "ln(1 + 2^Δ)",
        "decided exactly",
    ]
    return {
        "title": "thm1-novel-situations: switching cost in the class closed to depth d under the switch map",
        "columns": columns,
        "rows": rows,
    }


def _world_parts(x, arith, bound_fn):
    w = world(x["world"], delta=x["delta"], w_trusted=x["w_trusted"], w_noise=x["w_noise"], p_event=x["p_event"])
    xi, pistar, env, u = w.mixture, w.optimal, w.environment, w.utility
    K, m = int(x["k_max"]), int(x["horizon"])
    hist = w.novel_history if x["novel"] else w.old_history
    other = w.old_history if x["novel"] else w.novel_history
    delta = w.delta
    bound = bound_fn(delta, 1, arith)  # the world's class is the finite one
    ln_inv_c = _ln_inverse_c(delta, 1, arith)
    ln2 = arith.log(arith.convert(2))
    scale = Fraction(1, 2**delta)
    parts = []
    # (1) posterior ratios, exactly (rational arithmetic whatever the context), for every k.
    worst = Fraction(0)
    for k in range(1, K + 1):
        post = xi.posterior(hist(k), arith=EXACT)
        worst = max(worst, abs(post[2] - scale * post[0]), abs(post[3] - scale * post[1]))
    parts.append(
        Part(f"k = 1..{K}: max_ν |w(ν'|h_k) − 2^-Δ·w(ν|h_k)| = 0", arith.convert(worst), "==", arith.convert(0))
    )
    # (2) the switch cost at the event, k = 1..K: flat (within 10^-3 of the bound) and below it.
    costs = [w.switch_cost(hist(k), arith=arith) for k in range(1, K + 1)]
    parts.append(Part(f"k = 1..{K}: max_k KL(π*‖ξ)(h_k) ≤ bound", arith.extreme(costs), "<=", bound))
    parts.append(
        Part(
            f"k = 1..{K}: min_k KL(π*‖ξ)(h_k) ≥ ln(1/c) − 1/1000 (flat)",
            arith.extreme(costs, largest=False),
            ">=",
            ln_inv_c - arith.convert(Fraction(1, 1000)),
        )
    )
    # (3) the same switch at the other kind of event: grows with k (shown for the old event when checking the novel).
    others = [w.switch_cost(other(k), arith=arith) for k in range(0, K + 1)]
    if x["novel"]:
        steps = [others[k] - others[k - 1] for k in range(2, K + 1)]
        parts.append(
            Part(
                f"old event, k = 2..{K}: min_k [cost(k) − cost(k−1)] > 0 (grows)",
                arith.extreme(steps, largest=False),
                ">",
                arith.convert(0),
            )
        )
        lin = [others[k] - ln2 * (k + 1) for k in range(1, K + 1)]
        parts.append(
            Part(
                f"old event, k = 1..{K}: min_k [cost(k) − (k+1)·ln 2] ≥ 0",
                arith.extreme(lin, largest=False),
                ">=",
                arith.convert(0),
            )
        )
    # (4) τ never switches: KL(π*‖τ) = ∞ at the event, for every k.
    to_tau = [
        theory.kl(pistar.probs(hist(k), arith=EXACT), w.trusted.probs(hist(k), arith=EXACT), arith=arith)
        for k in range(1, K + 1)
    ]
    finite = [v for v in to_tau if not (isinstance(v, float) and math.isinf(v))]
    parts.append(
        Part(f"k = 1..{K}: KL(π*‖τ)(h_k) = ∞ (the smallest of them)", finite[0] if finite else math.inf, "==", math.inf)
    )
    # (5) over the horizon, at k = 1 and k = K.
    for k in (1, K):
        h = hist(k)
        seqs = _continuations({"ξ": xi}, pistar, h, m, 2, arith)
        cc = arith.convert(w.c)
        parts.append(
            Part(
                f"h_{k}: ξ(a_1:m|o_1:m) − c·π*(a_1:m|o_1:m) ≥ 0",
                arith.extreme([s["ξ"] - cc * s["π*"] for s in seqs], largest=False),
                ">=",
                arith.convert(0),
            )
        )
        parts.append(
            Part(
                f"h_{k}: worst-case KL_{{h,{m}}}(π*‖ξ) ≤ bound",
                theory.worst_case_kl(pistar, xi, env, m, h, arith=arith),
                "<=",
                bound,
            )
        )
        parts.append(
            Part(
                f"h_{k}: expected KL^μ_{{h,{m}}}(π*‖ξ) ≤ bound",
                theory.trajectory_kl(pistar, xi, env, m, h, arith=arith),
                "<=",
                bound,
            )
        )
    h = hist(K)
    v_star = theory.optimal_value(env, u, m, h, arith=arith)
    parts.append(Part(f"h_{K}: π* is V-optimal", theory.value(pistar, env, u, m, h, arith=arith), "==", v_star))
    # (6) the KL-constrained optimum over ξ (ball arithmetic at 256 bits, turned into exact rational bounds).
    ball = arith.ball_counterpart(256)
    b_hi, b_lo = (Fraction(b) for b in x["budgets"])
    parts.append(Part(f"budget b = {b_hi} ≥ ln(1/c)", arith.convert(b_hi), ">=", ln_inv_c))
    lo, _ = ball.rational_bounds(theory.kl_constrained_policy(xi, env, u, m, b_hi, h, arith=ball).value)
    parts.append(
        Part(
            f"KL-constrained optimum over ξ (b = {b_hi}): V ≥ V* − 2^-100",
            arith.convert(lo),
            ">=",
            v_star - arith.convert(Fraction(1, 2**100)),
        )
    )
    _, hi = ball.rational_bounds(theory.kl_constrained_policy(xi, env, u, m, b_lo, h, arith=ball).value)
    parts.append(Part(f"KL-constrained optimum over ξ (b = {b_lo}): V < V*", arith.convert(hi), "<", v_star))
    return parts


def make(
    *,
    bound: str = "ln(1/c)",
    novel: bool = True,
    depths=DEPTHS,
    id: str = "thm1-novel-situations",
    kind: str = "theorem",
    max_examples: int = 30,
) -> Claim:
    """The check with a given bound form (one of :data:`BOUNDS`), on classes closed to the given ``depths`` (1: the
    finite class; None: the full closure; the fixed examples follow: the world only with 1, the closure tables
    with the matching depths), with the event novel (the theorem) or not.

    >>> make(bound="Δ·ln2", depths=(None,)).title
    'Novel situations: switching at an unprecedented event costs ≤ ln(1/c_d) in KL to ξ [bound Δ·ln2, depths ∞]'
    >>> make(bound="Δ·ln 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: bound 'Δ·ln 2' is not one of ['(Δ−1)·ln2', 'ln(1+2^Δ)', 'ln(1/c)', ...]
    """
    if bound not in BOUNDS:
        raise ValueError(f"bound {bound!r} is not one of {sorted(BOUNDS)}")
    depths = tuple(depths)
    if not depths:
        raise ValueError(f"depths {depths!r} must name at least one depth")
    for d in depths:
        _check_delta_depth(1, d)
    bound_fn = BOUNDS[bound]

    def parts(x, arith):
        if "world" in x:
            return _world_parts(x, arith, bound_fn)
        if "closure" in x:
            return _closure_parts(x, arith, bound_fn)
        return _drawn_parts(x, arith, bound_fn)

    changed = [] if bound == "ln(1/c)" else [f"bound {bound}"]
    if depths != DEPTHS:
        changed.append("depths " + ", ".join(_depth_name(d) for d in depths))
    if not novel:
        changed.append("event not novel")
    return Claim(
        id=id,
        title=variant_title(
            "Novel situations: switching at an unprecedented event costs ≤ ln(1/c_d) in KL to ξ", changed
        ),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell, 'RL, but don't do anything I wouldn't do' (arXiv 2410.06213), "
        "Theorem 1 (finite version)",
        statement="Let S(ν) = 'act as ν until E has happened, then as π*' (π* optimal for U), s = 2^-Δ, and let the "
        "class hold models ν and their variants S^j(ν), j = 1..d, with prior w(S^j ν) = s^j·w(ν): d = 1 is "
        "the finite class (one variant each), d = ∞ the class closed under the switch map (the paper's). "
        "At any history h on which E is unprecedented: w(S^j ν|h)/w(ν|h) = s^j; ξ(a_{1:m}|o_{1:m}) ≥ "
        "c_d·π*(a_{1:m}|o_{1:m}) with c_d = s(1−s^d)/(1−s^{d+1}); hence worst-case KL_{h,m}(π*‖ξ) ≤ "
        "ln(1/c_d), and the KL-constrained optimum with budget b ≥ ln(1/c_d) attains V*(h). The bound by "
        "scope: finite class (d = 1) ln(1+2^Δ), and Δ·ln 2 is NOT a bound there (ln 3 > ln 2 at Δ = 1); "
        "closed to depth d, ln(1/c_d), strictly above Δ·ln 2 and decreasing to it; full closure Δ·ln 2, "
        "attained; the paper's printed Δ/ln 2 holds at every depth but is loose.",
        latex=r"\frac{w(S^j\nu|h)}{w(\nu|h)}=2^{-j\Delta},\quad \xi(a_{1:m}\|o_{1:m})\ge c_d\,\pi^*(a_{1:m}"
        r"\|o_{1:m}),\quad \mathrm{KL}^{\max}_{h,m}(\pi^*\|\xi)\le\ln\tfrac1{c_d}"
        r"=\Delta\ln2+\ln\tfrac{1-2^{-(d+1)\Delta}}{1-2^{-d\Delta}}\ "
        r"\begin{cases}=\ln(1+2^{\Delta})&d=1\\ \downarrow\Delta\ln 2&d\to\infty\end{cases}",
        how="Drawn models, Δ ≤ 12, depths d in {1, 2, 3, ∞} and a history of 1–6, 13 or 31 steps ending at an "
        "unprecedented event: posterior ratios, ξ ≥ c_d·π* and both KL(π*‖ξ) against ln(1/c_d), exactly; "
        "closure tables by depth, and the NovelSituation world over 1–50 trusted steps.",
        derived="The paper's final line prints the bound as Δ/ln 2; its proof gives ln(1/c), which depends on the "
        "class. In the spec's finite class c = 1/(1+2^Δ) and ln(1/c) = ln(1+2^Δ) = Δ·ln 2 + ln(1+2^-Δ): "
        "Δ·ln 2 alone is not an upper bound there (one deterministic model, Δ = 1, horizon 1: ln 3 > ln 2; "
        "the toy world attains ln 1025 > 10·ln 2). In the paper's class, closed under the switch map, "
        "the variants of variants add up to c = 2^-Δ and the bound is Δ·ln 2, attained; truncating the "
        "closure at depth d gives ln(1/c_d), strictly above Δ·ln 2 and converging to it (excess ≤ "
        "2^-dΔ(1−2^-Δ)/(1−2^-dΔ)); it is attained by deterministic models that never take π*'s actions, "
        "while a model that does (the world's noisy one) pulls the cost itself below Δ·ln 2 from d = 8 on "
        "(k = 50). The printed Δ/ln 2 is implied everywhere but about 2.08 times looser "
        "than Δ·ln 2. The depth-d construction, the expected-KL form and the flat/growing comparison in "
        "the toy world are derived here, not in the paper.",
        given=novel_cases(novel=novel, depths=depths),
        parts=parts,
        examples=lambda: examples(novel, depths),
        tabulate=lambda arith=None: closure_table(arith, depths=_closure_depths(depths) or TABLE_DEPTHS),
        max_examples=max_examples,
    )


CLAIM = make()

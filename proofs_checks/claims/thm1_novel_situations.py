"""thm1-novel-situations (theorem; paper Theorem 1, finite version): at an unprecedented event, a Bayesian base
policy lets the agent switch to an optimal policy for a KL cost of about Δ·ln 2, however much trusted data it saw.

The class: models ν (of the trusted policy τ) and, for each, its switch variant ν' = "act as ν until the event E
has happened, then as π*" (:class:`theory.Switch`), with prior w(ν') = 2^-Δ·w(ν); π* is an unconstrained optimal
policy for the agent's utility U. Let h be a history on which E is *unprecedented*: it happens at the last step
of h and at no earlier step, so every action in h was taken before E, where ν' acts as ν. Then:

1. w(ν'|h) = 2^-Δ·w(ν|h) exactly for every ν (the data cannot tell ν' from ν), so the variants carry posterior
   mass c = 2^-Δ/(1 + 2^-Δ) when the class is exactly the ν's and their variants, however long h is;
2. ξ(a_{1:m}|o_{1:m}) ≥ c·π*(a_{1:m}|o_{1:m}) for every continuation after h, hence the worst-case (and the
   expected) trajectory KL_{h,m}(π*‖ξ) ≤ ln(1/c) = ln(1 + 2^Δ);
3. so the KL-constrained optimum with budget b ≥ ln(1/c) attains V*(h): π* itself is V-optimal and feasible.

**Drawn instances** (exact): 1-3 finite-state models over |A| ≤ 3, |O| ≤ 2, a drawn prior and Δ in 1..12, an
event (``ObservationOccurred(x)``, or ``LengthAtLeast(T)`` with T = len(h)), a mean-reward utility, an
environment, a horizon m ≤ 3, and a history of length up to 30 on which E is unprecedented. π* is built from the
instance: the deterministic expectimax policy from h (first V-optimal action at every node, from exact Q-values).

**The toy world** (:class:`proofs_checks.worlds.NovelSituation`, Δ = 10 bits, the policy language's price of
``switch(P, obs_occurred(1), const(1))``): τ never switches, a rare observation is the event, and U rewards
switching. For k = 1..50 steps of trusted data before the event, the one-step switch cost −ln ξ(switch|h) stays
within 10^-3 of ln(1/c) = ln 1025 ≈ 6.9324 (flat), while the cost of the same switch at an event that happened
before those k steps grows at least like (k + 1)·ln 2 (the variants were refuted by the trusted steps after the
event; only a noisy model still predicts the switch). KL(π*‖τ) = ∞ throughout. The KL-constrained optimum over
ξ (computed by :func:`theory.kl_constrained_policy` in ball arithmetic) reaches V* = 1 with the budget 6.933 and
stays below it with budget 1.

Bound forms: the proof gives ln(1/c) = ln(1 + 2^Δ) = Δ·ln 2 + ln(1 + 2^-Δ); the paper's last line prints
Δ/ln 2 (about 2.08 times larger for Δ in bits). The check uses ln(1/c). Note that Δ·ln 2 itself is *not* an
upper bound: in the toy world the cost is ln 1025 > 10·ln 2 (by ln(1 + 2^-10) ≈ 9.8·10^-4), so
``make(bound="Δ·ln2")`` is refuted, and so is ``make(bound="(Δ−1)·ln2")``; ``make(bound="Δ/ln2")`` holds.
``make(novel=False)`` moves the event to the first step of h (it has happened before): refuted.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> tau = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)   # one model, never switches
>>> coin = theory.FiniteStateEnvironment([[["1/2", "1/2"]] * 2], [[[0, 0], [0, 0]]])
>>> x = {"models": (tau,), "prior": (Fraction(1),), "delta": 3, "event": ("observation", 1),
...      "utility": theory.MeanReward([[0, 0], [1, 1]]), "env": coin, "horizon": 1, "history": ((0, 0), (0, 1))}
>>> ev = CLAIM.evaluate(x, "exact")
>>> ev.holds, ev.parts[3].lhs           # worst-case KL(π*‖ξ) = ln(1/c) = ln(1 + 2^3): the bound is tight
(True, LogLinear(1*ln(9)))
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from flint import arb
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import world
from theory.arith import BallContext, get_context
from theory.events import LengthAtLeast, ObservationOccurred

__all__ = ["CLAIM", "make", "novel_cases", "expectimax_policy", "build", "enclosure_bounds", "BOUNDS", "EXAMPLES"]

EXACT = get_context("exact")


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def enclosure_bounds(x) -> tuple[Fraction, Fraction]:
    """Exact rational bounds ``(lo, hi)`` of a value: an arb ball's endpoints (midpoint ∓ radius, computed
    exactly from their binary forms), or the value itself twice when it is exact.

    >>> from flint import ctx
    >>> with ctx.workprec(200):
    ...     x = arb(2).log()
    >>> lo, hi = enclosure_bounds(x)
    >>> lo < hi, hi - lo < Fraction(1, 2**190), float(lo) == float(hi) == math.log(2)
    (True, True, True)
    >>> enclosure_bounds(Fraction(1, 3))
    (Fraction(1, 3), Fraction(1, 3))
    """
    if isinstance(x, arb):
        def exact(v):
            man, exp = v.man_exp()
            return Fraction(int(man)) * Fraction(2) ** int(exp)

        m, r = exact(x.mid()), exact(x.rad())
        return m - r, m + r
    v = Fraction(x) if isinstance(x, (int, Fraction)) else EXACT.convert(x)
    return v, v


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
            if d < 0 or d >= self.horizon or history[:len(self.start)] != self.start:
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


def build(x: dict) -> dict:
    """The objects of a drawn instance: models, π*, variants, ξ, c (a dict).

    The mixture lists the models first, then their variants in the same order; the prior is halved so that the
    Kraft sum of models and variants stays at most 1 (the posterior does not depend on the scale).
    """
    models = list(x["models"])
    delta = int(x["delta"])
    scale = Fraction(1, 2**delta)
    pistar = expectimax_policy(x["env"], x["utility"], x["horizon"], x["history"])
    event = _event(x["event"])
    variants = [theory.Switch(nu, event, pistar) for nu in models]
    prior = [Fraction(w) / 2 for w in x["prior"]]
    xi = theory.BayesianMixture(models + variants, prior + [w * scale for w in prior])
    return {"models": models, "variants": variants, "pistar": pistar, "xi": xi, "event": event,
            "c": scale / (1 + scale), "delta": delta}


def _continuations(policies: dict, pistar, history: tuple, horizon: int, n_obs: int, ctx) -> list:
    """For every observation sequence and every action sequence π* gives positive probability (each action
    seeing only the past): the probability each policy in ``policies`` (and π*) gives the action sequence."""
    out = []

    def rec(h, depth, probs):
        if depth == horizon:
            out.append(probs)
            return
        p_star = pistar.probs(h, arith=EXACT)
        rows = {name: pol.probs(h, arith=ctx) for name, pol in policies.items()}
        for a in range(len(p_star)):
            if p_star[a] == 0:
                continue
            nxt = {name: probs[name] * rows[name][a] for name in policies}
            nxt["π*"] = probs["π*"] * ctx.convert(p_star[a])
            for o in range(n_obs):
                rec(h + ((a, o),), depth + 1, nxt)

    rec(tuple(history), 0, {**{name: ctx.convert(1) for name in policies}, "π*": ctx.convert(1)})
    return out


def _extreme(values, ctx, largest: bool):
    """The minimum (or maximum) of a non-empty list of values in ``ctx``: exact comparisons in the exact
    context, an enclosure of the extreme (``arb.min``/``arb.max``) in ball arithmetic."""
    values = list(values)
    if isinstance(ctx, BallContext):
        with ctx.scope():
            out = values[0]
            for v in values[1:]:
                out = out.max(v) if largest else out.min(v)
            return out
    if ctx.dtype is object:
        key = functools.cmp_to_key(ctx.compare)
        return max(values, key=key) if largest else min(values, key=key)
    return max(values) if largest else min(values)


def _minimum(values, ctx):
    return _extreme(values, ctx, False)


def _maximum(values, ctx):
    return _extreme(values, ctx, True)


# ---------------------------------------------------------------------------------------------------------------
# Bounds
# ---------------------------------------------------------------------------------------------------------------
def _ln_inverse_c(delta, ctx):
    return ctx.log(ctx.convert(1 + 2**delta))


#: The bound forms :func:`make` accepts: ``(Δ, arith) -> bound`` in nats.
BOUNDS = {
    "ln(1/c)": _ln_inverse_c,
    "Δ·ln2": lambda delta, ctx: ctx.log(ctx.convert(2)) * delta,
    "(Δ−1)·ln2": lambda delta, ctx: ctx.log(ctx.convert(2)) * (delta - 1),
    "Δ/ln2": lambda delta, ctx: ctx.convert(delta) / ctx.log(ctx.convert(2)),
}


# ---------------------------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def novel_cases(draw, *, novel: bool = True, max_models: int = 3, max_horizon: int = 3):
    """Drawn instances: ``{"models", "prior", "delta", "event", "utility", "env", "horizon", "history"}``.

    The history is drawn with positive probability under the first model; the event happens at its last step and
    at no earlier one (``novel=False``: it happens at the first step already, and the history has at least two).
    """
    n_a, n_o = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    k = draw(st.integers(1, max_models))
    policies = S.finite_state_policies(n_actions=n_a, n_observations=n_o, max_states=2)
    models = tuple(draw(policies) for _ in range(k))
    prior = draw(S.priors(k))
    delta = draw(st.integers(1, 12))
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
    return {"models": models, "prior": prior, "delta": delta, "event": event, "utility": utility, "env": env,
            "horizon": horizon, "history": history}


def _examples(novel: bool):
    w = world("novel-situation")
    return [{"world": "novel-situation", **w.params(), "k_max": 50, "horizon": 3, "novel": novel,
             "budgets": (Fraction(6933, 1000), Fraction(1))}]


def EXAMPLES():
    """The fixed instance every check certifies: the :class:`~proofs_checks.worlds.NovelSituation` world with
    k = 1..50, horizon 3, and the budgets 6.933 (≥ ln 1025) and 1 for the KL-constrained optimum."""
    return _examples(True)


# ---------------------------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------------------------
def _drawn_parts(x, arith, bound_fn):
    objs = build(x)
    xi, pistar, c, delta = objs["xi"], objs["pistar"], objs["c"], objs["delta"]
    h, m, env, u = x["history"], x["horizon"], x["env"], x["utility"]
    k = len(objs["models"])
    post = xi.posterior(h, arith=arith)
    scale = arith.convert(Fraction(1, 2**delta))
    parts = []
    for i in range(k):
        parts.append(Part(f"ξ: w(ν_{i}'|h) − 2^-Δ·w(ν_{i}|h) = 0", post[k + i] - scale * post[i], "==",
                          arith.convert(0)))
    parts.append(Part("ξ: Σ_ν' w(ν'|h) = c", sum(post[k:], arith.convert(0)), "==", arith.convert(c)))
    seqs = _continuations({"ξ": xi}, pistar, h, m, env.n_observations, arith)
    cc = arith.convert(c)
    parts.append(Part("ξ(a_1:m|o_1:m) − c·π*(a_1:m|o_1:m) ≥ 0 on π*'s continuations",
                      _minimum([s["ξ"] - cc * s["π*"] for s in seqs], arith), ">=", arith.convert(0)))
    bound = bound_fn(delta, arith)
    parts.append(Part("worst-case KL_{h,m}(π*‖ξ) ≤ bound", theory.worst_case_kl(pistar, xi, env, m, h, arith=arith),
                      "<=", bound))
    parts.append(Part("expected KL^μ_{h,m}(π*‖ξ) ≤ bound", theory.trajectory_kl(pistar, xi, env, m, h, arith=arith),
                      "<=", bound))
    parts.append(Part("π* is V-optimal at h: V^π*(h) = V*(h)", theory.value(pistar, env, u, m, h, arith=arith), "==",
                      theory.optimal_value(env, u, m, h, arith=arith)))
    return parts


def _world_parts(x, arith, bound_fn):
    w = world(x["world"], delta=x["delta"], w_trusted=x["w_trusted"], w_noise=x["w_noise"], p_event=x["p_event"])
    xi, pistar, env, u = w.mixture, w.optimal, w.environment, w.utility
    K, m = int(x["k_max"]), int(x["horizon"])
    hist = w.novel_history if x["novel"] else w.old_history
    other = w.old_history if x["novel"] else w.novel_history
    delta = w.delta
    bound = bound_fn(delta, arith)
    ln_inv_c = _ln_inverse_c(delta, arith)
    ln2 = arith.log(arith.convert(2))
    scale = Fraction(1, 2**delta)
    parts = []
    # (1) posterior ratios, exactly (rational arithmetic whatever the context), for every k.
    worst = Fraction(0)
    for k in range(1, K + 1):
        post = xi.posterior(hist(k), arith=EXACT)
        worst = max(worst, abs(post[2] - scale * post[0]), abs(post[3] - scale * post[1]))
    parts.append(Part(f"k = 1..{K}: max_ν |w(ν'|h_k) − 2^-Δ·w(ν|h_k)| = 0", arith.convert(worst), "==",
                      arith.convert(0)))
    # (2) the switch cost at the event, k = 1..K: flat (within 10^-3 of the bound) and below it.
    costs = [w.switch_cost(hist(k), arith=arith) for k in range(1, K + 1)]
    parts.append(Part(f"k = 1..{K}: max_k KL(π*‖ξ)(h_k) ≤ bound", _maximum(costs, arith), "<=", bound))
    parts.append(Part(f"k = 1..{K}: min_k KL(π*‖ξ)(h_k) ≥ ln(1/c) − 1/1000 (flat)", _minimum(costs, arith), ">=",
                      ln_inv_c - arith.convert(Fraction(1, 1000))))
    # (3) the same switch at the other kind of event: grows with k (shown for the old event when checking the novel).
    others = [w.switch_cost(other(k), arith=arith) for k in range(0, K + 1)]
    if x["novel"]:
        steps = [others[k] - others[k - 1] for k in range(2, K + 1)]
        parts.append(Part(f"old event, k = 2..{K}: min_k [cost(k) − cost(k−1)] > 0 (grows)", _minimum(steps, arith),
                          ">", arith.convert(0)))
        lin = [others[k] - ln2 * (k + 1) for k in range(1, K + 1)]
        parts.append(Part(f"old event, k = 1..{K}: min_k [cost(k) − (k+1)·ln 2] ≥ 0", _minimum(lin, arith), ">=",
                          arith.convert(0)))
    # (4) τ never switches: KL(π*‖τ) = ∞ at the event, for every k.
    to_tau = [theory.kl(pistar.probs(hist(k), arith=EXACT), w.trusted.probs(hist(k), arith=EXACT), arith=arith)
              for k in range(1, K + 1)]
    finite = [v for v in to_tau if not (isinstance(v, float) and math.isinf(v))]
    parts.append(Part(f"k = 1..{K}: KL(π*‖τ)(h_k) = ∞ (the smallest of them)", finite[0] if finite else math.inf,
                      "==", math.inf))
    # (5) over the horizon, at k = 1 and k = K.
    for k in (1, K):
        h = hist(k)
        seqs = _continuations({"ξ": xi}, pistar, h, m, 2, arith)
        cc = arith.convert(w.c)
        parts.append(Part(f"h_{k}: ξ(a_1:m|o_1:m) − c·π*(a_1:m|o_1:m) ≥ 0",
                          _minimum([s["ξ"] - cc * s["π*"] for s in seqs], arith), ">=", arith.convert(0)))
        parts.append(Part(f"h_{k}: worst-case KL_{{h,{m}}}(π*‖ξ) ≤ bound",
                          theory.worst_case_kl(pistar, xi, env, m, h, arith=arith), "<=", bound))
        parts.append(Part(f"h_{k}: expected KL^μ_{{h,{m}}}(π*‖ξ) ≤ bound",
                          theory.trajectory_kl(pistar, xi, env, m, h, arith=arith), "<=", bound))
    h = hist(K)
    v_star = theory.optimal_value(env, u, m, h, arith=arith)
    parts.append(Part(f"h_{K}: π* is V-optimal", theory.value(pistar, env, u, m, h, arith=arith), "==", v_star))
    # (6) the KL-constrained optimum over ξ (ball arithmetic at 256 bits, turned into exact rational bounds).
    ball = get_context("ball:256") if arith.dtype is object else arith
    b_hi, b_lo = (Fraction(b) for b in x["budgets"])
    parts.append(Part(f"budget b = {b_hi} ≥ ln(1/c)", arith.convert(b_hi), ">=", ln_inv_c))
    lo, _ = _bounds(theory.kl_constrained_policy(xi, env, u, m, b_hi, h, arith=ball).value, ball)
    parts.append(Part(f"KL-constrained optimum over ξ (b = {b_hi}): V ≥ V* − 2^-100", arith.convert(lo), ">=",
                      v_star - arith.convert(Fraction(1, 2**100))))
    _, hi = _bounds(theory.kl_constrained_policy(xi, env, u, m, b_lo, h, arith=ball).value, ball)
    parts.append(Part(f"KL-constrained optimum over ξ (b = {b_lo}): V < V*", arith.convert(hi), "<", v_star))
    return parts


def _bounds(value, ctx):
    if ctx.dtype is object:
        return enclosure_bounds(value)
    v = Fraction(float(value))
    return v, v


def make(*, bound: str = "ln(1/c)", novel: bool = True, id: str = "thm1-novel-situations", kind: str = "theorem",
         max_examples: int = 30) -> Claim:
    """The check with a given bound form (one of :data:`BOUNDS`) and with the event novel (the theorem) or not."""
    if bound not in BOUNDS:
        raise ValueError(f"bound {bound!r} is not one of {sorted(BOUNDS)}")
    bound_fn = BOUNDS[bound]

    def parts(x, arith):
        return _world_parts(x, arith, bound_fn) if "world" in x else _drawn_parts(x, arith, bound_fn)

    changed = [] if bound == "ln(1/c)" else [f"bound {bound}"]
    if not novel:
        changed.append("event not novel")
    title = "Novel situations: switching at an unprecedented event costs ≤ ln(1/c) ≈ Δ·ln 2 in KL to ξ"
    if changed:
        title += f" [{', '.join(changed)}]"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell, 'RL, but don't do anything I wouldn't do' (arXiv 2410.06213), "
                  "Theorem 1 (finite version)",
        statement="Let the class be models ν and their switch variants ν' = 'act as ν until E has happened, then as "
                  "π*' with prior w(ν') = 2^-Δ·w(ν), π* optimal for U. At any history h on which E is "
                  "unprecedented: w(ν'|h)/w(ν|h) = 2^-Δ; ξ(a_{1:m}|o_{1:m}) ≥ c·π*(a_{1:m}|o_{1:m}) with "
                  "c = 2^-Δ/(1+2^-Δ); hence worst-case KL_{h,m}(π*‖ξ) ≤ ln(1/c) = ln(1+2^Δ) ≈ Δ·ln 2, and the "
                  "KL-constrained optimum with budget b ≥ ln(1/c) attains V*(h).",
        latex=r"\frac{w(\nu'|h)}{w(\nu|h)}=2^{-\Delta},\quad \xi(a_{1:m}\|o_{1:m})\ge c\,\pi^*(a_{1:m}\|o_{1:m}),"
              r"\quad \mathrm{KL}^{\max}_{h,m}(\pi^*\|\xi)\le\ln\tfrac1c=\ln(1+2^{\Delta})",
        how="Drawn: 1-3 finite-state models, prior, Δ in 1..12, an event (an observation, or a length T = |h|), a "
            "mean-reward U, environment, horizon ≤ 3, and a history of up to 31 steps on which the event is "
            "unprecedented; π* = exact expectimax from h; exact posterior ratios and their sum, the sequence-level "
            "domination ξ ≥ c·π* on π*'s continuations, worst-case and expected trajectory KL(π*‖ξ) against "
            "ln(1/c), and V-optimality of π*, all in exact arithmetic. World (NovelSituation, Δ = 10): k = 1..50 "
            "steps of trusted data; the switch cost at the novel event is flat and ≤ ln 1025 while the cost at an "
            "old event grows ≥ (k+1)·ln 2; KL(π*‖τ) = ∞; the KL-constrained optimum (ball arithmetic at 256 bits, "
            "as certified rational bounds) reaches V* with b = 6.933 and not with b = 1.",
        derived="The paper's final line prints the bound as Δ/ln 2; the proof gives ln(1/c) = ln(1+2^Δ) = "
                "Δ·ln 2 + ln(1+2^-Δ), which is what is checked (the paper's form is implied but about 2.08 times "
                "looser). Δ·ln 2 alone is not an upper bound: the toy world attains ln 1025 > 10·ln 2. The "
                "expected-KL form and the flat/growing comparison in the toy world are derived here, not in the "
                "paper.",
        given=novel_cases(novel=novel),
        parts=parts,
        examples=lambda: _examples(novel),
        max_examples=max_examples,
    )


CLAIM = make()

"""Brute-force reference implementations for the theory tests.

Plain recursive walks over histories, one ``kernel.probs(history, arith="exact")`` call per node, exact
Fractions and exact logarithms (:class:`theory.arith.LogLinear`). Written to be obviously right, not fast: use
them on small trees only (a few hundred trajectories at most).

Conventions mirror the spec: a step the agent takes itself is recorded as ``(a, o, False)``; a step the
demonstrator takes after the agent abstained as ``(a, o, True)``; an abstention without a demonstrator ends the
trajectory, recorded as a final ``BOT``.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from theory.arith import LogLinear

BOT = "⊥"
INF = math.inf


# ---------------------------------------------------------------------------------------------------------------
# Kernels, exactly
# ---------------------------------------------------------------------------------------------------------------
def action_probs(policy, history) -> list[Fraction]:
    return [Fraction(x) for x in policy.probs(history, arith="exact")]


def abstain_prob(policy, history) -> Fraction:
    return 1 - sum(action_probs(policy, history)) if policy.semi else Fraction(0)


def observation_probs(env, history, action) -> list[Fraction]:
    return [Fraction(x) for x in env.probs(history, action, arith="exact")]


def ln(x: Fraction):
    """Exact natural log of a positive rational."""
    return LogLinear.log(Fraction(x))


def kl_vector(p, q):
    """KL(p‖q) = Σ p ln(p/q) over outcomes, exact; INF when p > 0 = q somewhere. Plain lists of Fractions."""
    total = Fraction(0)
    for pi, qi in zip(p, q):
        if pi == 0:
            continue
        if qi == 0:
            return INF
        total = total + pi * ln(Fraction(pi) / Fraction(qi))
    return total


def with_bot(policy, history) -> list[Fraction]:
    """Action probabilities followed by the abstain probability (⊥ as one more outcome)."""
    return action_probs(policy, history) + [abstain_prob(policy, history)]


# ---------------------------------------------------------------------------------------------------------------
# Trajectory laws
# ---------------------------------------------------------------------------------------------------------------
def trajectories(pi, env, horizon, history=(), demonstrator=None) -> dict:
    """The law P^{π,μ}_h over ``horizon`` steps: {steps: probability} over trajectories of positive probability."""
    law: dict = {}
    n_actions, n_obs = env.n_actions, env.n_observations

    def walk(h, steps, p):
        if len(steps) == horizon:
            law[steps] = law.get(steps, 0) + p
            return
        probs = action_probs(pi, h)
        for a in range(n_actions):
            if probs[a] == 0:
                continue
            obs = observation_probs(env, h, a)
            for o in range(n_obs):
                if obs[o] > 0:
                    walk(h + ((a, o, False),), steps + ((a, o, False),), p * probs[a] * obs[o])
        bot = abstain_prob(pi, h)
        if bot > 0:
            if demonstrator is None:
                law[steps + (BOT,)] = law.get(steps + (BOT,), 0) + p * bot
            else:
                demo = action_probs(demonstrator, h)
                for a in range(n_actions):
                    if demo[a] == 0:
                        continue
                    obs = observation_probs(env, h, a)
                    for o in range(n_obs):
                        if obs[o] > 0:
                            walk(h + ((a, o, True),), steps + ((a, o, True),), p * bot * demo[a] * obs[o])

    walk(tuple(history), (), Fraction(1))
    return law


def sequence_probability(policy, history, steps) -> Fraction:
    """The policy's probability of the agent-side choices along ``steps``: π(a|h) on its own steps, π(⊥|h) on the
    demonstrator's steps and on a final BOT (observations are not the policy's to choose)."""
    h = tuple(history)
    p = Fraction(1)
    for step in steps:
        if step == BOT:
            return p * abstain_prob(policy, h)
        a, o, flag = step
        p *= abstain_prob(policy, h) if flag else action_probs(policy, h)[a]
        if p == 0:
            return p
        h = h + (step,)
    return p


def trajectory_kl(pi, beta, env, horizon, history=(), demonstrator=None):
    """The definition: Σ_x P^{π,μ}_h(x) ln(π(x)/β(x)), exact (INF when β gives 0 to a trajectory π reaches)."""
    total = Fraction(0)
    for steps, p in trajectories(pi, env, horizon, history, demonstrator).items():
        num = sequence_probability(pi, history, steps)
        den = sequence_probability(beta, history, steps)
        if den == 0:
            return INF
        total = total + p * ln(num / den)
    return total


def per_step_kls(pi, beta, env, horizon, history=(), demonstrator=None) -> list:
    """E[KL(π(·|h_t)‖β(·|h_t))] for t = 0..horizon-1 over the histories P^{π,μ}_h reaches (⊥ one more outcome).

    A history where β rules out an action π takes is not followed further (the KL is already infinite)."""
    out = [Fraction(0)] * horizon
    n_actions, n_obs = env.n_actions, env.n_observations

    def walk(h, t, reach):
        if t == horizon:
            return
        p, q = with_bot(pi, h), with_bot(beta, h)
        step = kl_vector(p, q)
        out[t] = INF if step == INF or out[t] == INF else out[t] + reach * step
        for a in range(n_actions):
            if p[a] == 0 or q[a] == 0:
                continue
            obs = observation_probs(env, h, a)
            for o in range(n_obs):
                if obs[o] > 0:
                    walk(h + ((a, o, False),), t + 1, reach * p[a] * obs[o])
        if demonstrator is not None and p[-1] > 0 and q[-1] > 0:
            demo = action_probs(demonstrator, h)
            for a in range(n_actions):
                obs = observation_probs(env, h, a)
                for o in range(n_obs):
                    if demo[a] > 0 and obs[o] > 0:
                        walk(h + ((a, o, True),), t + 1, reach * p[-1] * demo[a] * obs[o])

    walk(tuple(history), 0, Fraction(1))
    return out


def infinite_points(pi, beta, env, horizon, history=(), demonstrator=None) -> set:
    """Every (history, action) with positive probability under P^{π,μ}_h where π(action|history) > 0 = β(...);
    action is an int or BOT. Histories are listed as the engine reports them (pairs without a demonstrator)."""
    found = set()
    n_actions, n_obs = env.n_actions, env.n_observations

    def show(h):
        return h if demonstrator is not None else tuple((a, o) for a, o, *_ in h)

    def walk(h, t):
        if t == horizon:
            return
        p, q = with_bot(pi, h), with_bot(beta, h)
        for x in range(n_actions + 1):
            if p[x] > 0 and q[x] == 0:
                found.add((show(h), BOT if x == n_actions else x))
        for a in range(n_actions):
            if p[a] > 0 and q[a] > 0:
                obs = observation_probs(env, h, a)
                for o in range(n_obs):
                    if obs[o] > 0:
                        walk(h + ((a, o, False),), t + 1)
        if demonstrator is not None and p[-1] > 0 and q[-1] > 0:
            demo = action_probs(demonstrator, h)
            for a in range(n_actions):
                obs = observation_probs(env, h, a)
                for o in range(n_obs):
                    if demo[a] > 0 and obs[o] > 0:
                        walk(h + ((a, o, True),), t + 1)

    # The engine reports histories as pairs without a demonstrator, as flagged triples with one (the start
    # history's plain pairs being demonstrator steps).
    start = (
        tuple((s[0], s[1], s[2] if len(s) == 3 else True) for s in history)
        if demonstrator is not None
        else tuple((a, o) for a, o, *_ in history)
    )
    walk(start, 0)
    return found


def worst_case_kl(pi, beta, n_obs, horizon, history=()):
    """Definition 2: max over observation sequences o_{1:m} of KL between the action-sequence laws of π and β with
    those observations held fixed (an abstention ends the sequence)."""
    n_actions = pi.n_actions
    best = None
    for observations in itertools.product(range(n_obs), repeat=horizon):
        total = Fraction(0)
        infinite = False

        def walk(h, t, p, log_ratio):
            nonlocal total, infinite
            if t == horizon:
                total = total + p * log_ratio
                return
            pp, qq = with_bot(pi, h), with_bot(beta, h)
            for x in range(n_actions + 1):
                if pp[x] == 0:
                    continue
                if qq[x] == 0:
                    infinite = True
                    continue
                lr = log_ratio + ln(pp[x] / qq[x])
                if x == n_actions:
                    total = total + p * pp[x] * lr
                else:
                    walk(h + ((x, observations[t], False),), t + 1, p * pp[x], lr)

        walk(tuple(history), 0, Fraction(1), Fraction(0))
        value = INF if infinite else total
        if best is None or value == INF or (best != INF and value > best):
            best = value
    return best if best is not None else Fraction(0)


def trajectory_tvd(pi, beta, env, horizon, history=(), demonstrator=None) -> Fraction:
    """½ Σ_x |P^{π,μ}_h(x) − P^{β,μ}_h(x)| over the union of both laws' trajectories."""
    lp = trajectories(pi, env, horizon, history, demonstrator)
    lb = trajectories(beta, env, horizon, history, demonstrator)
    return sum((abs(lp.get(x, 0) - lb.get(x, 0)) for x in set(lp) | set(lb)), Fraction(0)) / 2


# ---------------------------------------------------------------------------------------------------------------
# Utilities and values
# ---------------------------------------------------------------------------------------------------------------
def utility_of(utility, history, steps, horizon) -> Fraction:
    """U of the full history: a MeanReward averages its table over the new steps; a function sees the start
    history followed by the new steps, as (action, observation) pairs."""
    pairs = tuple((s[0], s[1]) for s in steps if s != BOT)
    if hasattr(utility, "table"):
        return sum((Fraction(utility.table[a, o]) for a, o in pairs), Fraction(0)) / horizon if horizon else Fraction(0)
    full = tuple((s[0], s[1]) for s in history) + pairs
    return Fraction(utility(full))


def value(pi, env, utility, horizon, history=(), demonstrator=None) -> Fraction:
    """V^π_μ(h) = Σ_x P(x) U(h x)."""
    law = trajectories(pi, env, horizon, history, demonstrator)
    return sum((p * utility_of(utility, history, x, horizon) for x, p in law.items()), Fraction(0))


def q_values(env, utility, horizon, history=(), allowed=None) -> list:
    """Q*(h, a) for every action at ``history`` by plain expectimax recursion (None for an action outside
    ``allowed(h)``, which restricts the actions at every history; default: all actions)."""
    start = tuple(history)
    additive = hasattr(utility, "table")

    def actions(h):
        return range(env.n_actions) if allowed is None else allowed(h)

    def v(h, t):
        if t == horizon:
            return Fraction(0) if additive else utility_of(utility, start, h[len(start) :], horizon)
        return max(x for x in q(h, t) if x is not None)

    def q(h, t):
        out = []
        for a in range(env.n_actions):
            if a not in actions(h):
                out.append(None)
                continue
            obs = observation_probs(env, h, a)
            total = Fraction(0)
            for o in range(env.n_observations):
                if obs[o] > 0:
                    reward = Fraction(utility.table[a, o]) / horizon if additive else Fraction(0)
                    total += obs[o] * (reward + v(h + ((a, o),), t + 1))
            out.append(total)
        return out

    return q(start, 0)


def optimal_value(env, utility, horizon, history=(), allowed=None) -> Fraction:
    """V*_μ(h): the expectimax value (horizon 0: the utility of h itself)."""
    if horizon == 0:
        return Fraction(0) if hasattr(utility, "table") else utility_of(utility, history, (), 0)
    return max(x for x in q_values(env, utility, horizon, history, allowed) if x is not None)


# ---------------------------------------------------------------------------------------------------------------
# Mixtures and imitation
# ---------------------------------------------------------------------------------------------------------------
def posterior(mixture, history, corpus=()) -> list[Fraction]:
    """w_i(h) ∝ w_i Π_k ν_i(a_k | h_<k) (only flagged steps when the mixture updates on demonstrator steps),
    after independent episodes ``corpus``. Raises ZeroDivisionError when every component rules h out."""
    weights = [Fraction(w) for w in mixture.prior]
    for episode in tuple(corpus) + (tuple(history),):
        for k, step in enumerate(episode):
            flag = step[2] if len(step) == 3 else True
            if mixture.update == "demonstrator" and not flag:
                continue
            for i, component in enumerate(mixture.components):
                weights[i] *= action_probs(component, episode[:k])[step[0]]
    total = sum(weights)
    return [w / total for w in weights]


def top_set(weights, alpha) -> list[int]:
    """Definition 3, literally: rank by weight (largest first, ties by index); n is in iff
    w_n ≥ α·(w_1 + … + w_n)."""
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    members, running = [], Fraction(0)
    for n in order:
        running += weights[n]
        if weights[n] >= Fraction(alpha) * running:
            members.append(n)
    return members


def pessimistic_probs(mixture, history, alpha) -> list[Fraction]:
    """Definition 4: ν_α(a|h) = min over the top set of ν_i(a|h)."""
    members = top_set(posterior(mixture, history), alpha)
    rows = [action_probs(mixture.components[i], history) for i in members]
    return [min(row[a] for row in rows) for a in range(mixture.n_actions)]


def online_law(mixture, alpha, demonstrator, env, horizon) -> dict:
    """The online imitator's law over flagged histories: acts with ν_α, asks the demonstrator with the missing
    mass, and updates the posterior only on the demonstrator's steps."""
    from theory import BayesianMixture

    learner = BayesianMixture(mixture.components, mixture.prior, update="demonstrator")
    law: dict = {}

    def walk(h, p):
        if len(h) == horizon:
            law[h] = law.get(h, 0) + p
            return
        own = pessimistic_probs(learner, h, alpha)
        theta = 1 - sum(own)
        demo = action_probs(demonstrator, h)
        for a in range(env.n_actions):
            obs = observation_probs(env, h, a)
            for o in range(env.n_observations):
                if obs[o] == 0:
                    continue
                if own[a] > 0:
                    walk(h + ((a, o, False),), p * own[a] * obs[o])
                if theta > 0 and demo[a] > 0:
                    walk(h + ((a, o, True),), p * theta * demo[a] * obs[o])

    walk((), Fraction(1))
    return law


def reactive_worst_case_kl(pi, beta, n_obs, horizon, history=(), *, choices=None):
    """The maximum over environments of the expected KL, by plain recursion on the definition:
    W(h) = KL(π(·|h)‖β(·|h)) (⊥ one more outcome) + Σ_a π(a|h)·max_o W(hao), W = 0 after ``horizon`` steps.

    ``choices``, when a dict, receives for every visited (history as (a, o) pairs, action) the first maximizing
    observation: the deterministic environment that attains the maximum."""
    n_actions = pi.n_actions

    def w(h, t):
        if t == horizon:
            return Fraction(0)
        pp, qq = with_bot(pi, h), with_bot(beta, h)
        total = kl_vector(pp, qq)
        if total == INF:
            return INF
        for a in range(n_actions):
            if pp[a] == 0:
                continue
            best, best_o = None, None
            for o in range(n_obs):
                v = w(h + ((a, o, False),), t + 1)
                if v == INF:
                    return INF
                if best is None or v > best:
                    best, best_o = v, o
            if choices is not None:
                choices[(tuple((s[0], s[1]) for s in h), a)] = best_o
            total = total + pp[a] * best
        return total

    return w(tuple(history), 0)


# ---------------------------------------------------------------------------------------------------------------
# The paper's convention (``convention="actions"``): the raw sum over actions, ⊥ contributing nothing
# ---------------------------------------------------------------------------------------------------------------
def own_probability(policy, history, steps) -> Fraction:
    """The policy's probability of its own actions along ``steps``: π(a|h) on its own steps, 1 on the
    demonstrator's steps and on a final BOT (⊥ is not an outcome: only actions are scored)."""
    h = tuple(history)
    p = Fraction(1)
    for step in steps:
        if step == BOT:
            return p
        a, o, flag = step
        if not flag:
            p *= action_probs(policy, h)[a]
        if p == 0:
            return p
        h = h + (step,)
    return p


def trajectory_kl_actions(pi, beta, env, horizon, history=(), demonstrator=None):
    """The definition with the raw sum over actions: Σ_x P^{π,μ}_h(x) ln(π_own(x)/β_own(x)), the products over
    π's own actions only (INF when β gives 0 to an own action of a trajectory π reaches)."""
    total = Fraction(0)
    for steps, p in trajectories(pi, env, horizon, history, demonstrator).items():
        den = own_probability(beta, history, steps)
        if den == 0:
            return INF
        total = total + p * ln(own_probability(pi, history, steps) / den)
    return total


def worst_case_kl_actions(pi, beta, n_obs, horizon, history=()):
    """Definition 2 with the raw sum over actions: max over observation sequences of Σ over action sequences
    (ended by ⊥ or by the horizon) of P_π(seq)·ln(π_own(seq)/β_own(seq)), ⊥ itself scoring nothing."""
    n_actions = pi.n_actions
    best = None
    for observations in itertools.product(range(n_obs), repeat=horizon):
        total = Fraction(0)
        infinite = False

        def walk(h, t, p, log_ratio):
            nonlocal total, infinite
            if t == horizon:
                total = total + p * log_ratio
                return
            pp = action_probs(pi, h)
            qq = action_probs(beta, h)
            bot = abstain_prob(pi, h)
            if bot > 0:
                total = total + p * bot * log_ratio
            for a in range(n_actions):
                if pp[a] == 0:
                    continue
                if qq[a] == 0:
                    infinite = True
                    continue
                walk(h + ((a, observations[t], False),), t + 1, p * pp[a], log_ratio + ln(pp[a] / qq[a]))

        walk(tuple(history), 0, Fraction(1), Fraction(0))
        value = INF if infinite else total
        if best is None or value == INF or (best != INF and value > best):
            best = value
    return best if best is not None else Fraction(0)


def reactive_worst_case_kl_actions(pi, beta, n_obs, horizon, history=()):
    """The reactive worst case with the raw sum over actions:
    W(h) = Σ_a π(a|h)·[ln(π(a|h)/β(a|h)) + max_o W(hao)], W = 0 after ``horizon`` steps."""
    n_actions = pi.n_actions

    def w(h, t):
        if t == horizon:
            return Fraction(0)
        pp, qq = action_probs(pi, h), action_probs(beta, h)
        total = kl_vector(pp, qq)
        if total == INF:
            return INF
        for a in range(n_actions):
            if pp[a] == 0:
                continue
            values = [w(h + ((a, o, False),), t + 1) for o in range(n_obs)]
            if INF in values:
                return INF
            total = total + pp[a] * max(values)
        return total

    return w(tuple(history), 0)

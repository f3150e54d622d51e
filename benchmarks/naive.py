"""The naive baseline: the obvious recursive walk over histories, one Python call per node.

It carries each component's state and the posterior down the recursion (so it does not replay histories),
but evaluates every node on its own, with no vectorization and no merging. Benchmarks compare the engine
against it; it is never used for answers.
"""

from __future__ import annotations

import math

import numpy as np

import theory


def _fsp_tables(policy: theory.FiniteStatePolicy):
    return policy.emission().tolist(), policy.transition.tolist()


def naive_trajectory_kl(
    pi: theory.FiniteStatePolicy, mixture: theory.BayesianMixture, env: theory.FiniteStateEnvironment, horizon: int
) -> float:
    """Expected trajectory KL(π‖ξ) for finite-state π, components and environment, by plain recursion."""
    pi_em, pi_tr = _fsp_tables(pi)
    comps = [_fsp_tables(c) for c in mixture.components]
    env_em, env_tr = env.emission().tolist(), env.transition.tolist()
    prior = [float(w) for w in mixture.prior]
    total_prior = sum(prior)
    n_actions = pi.n_actions
    n_obs = env.n_observations

    def walk(t, pi_s, comp_s, weights, env_s):
        p = pi_em[pi_s]
        q = [sum(w * comps[i][0][s][a] for i, (w, s) in enumerate(zip(weights, comp_s))) for a in range(n_actions)]
        out = 0.0
        for a in range(n_actions):
            if p[a] > 0:
                if q[a] == 0:
                    return math.inf
                out += p[a] * math.log(p[a] / q[a])
        if t + 1 == horizon:
            return out
        for a in range(n_actions):
            if p[a] == 0:
                continue
            new_w = [w * comps[i][0][s][a] for i, (w, s) in enumerate(zip(weights, comp_s))]
            z = sum(new_w)
            new_w = [w / z for w in new_w]
            for o in range(n_obs):
                e = env_em[env_s][a][o]
                if e == 0:
                    continue
                out += (
                    p[a]
                    * e
                    * walk(
                        t + 1,
                        pi_tr[pi_s][a][o],
                        [comps[i][1][s][a][o] for i, s in enumerate(comp_s)],
                        new_w,
                        env_tr[env_s][a][o],
                    )
                )
        return out

    if horizon == 0:
        return 0.0
    return walk(
        0,
        pi.initial_state,
        [c.initial_state for c in mixture.components],
        [w / total_prior for w in prior],
        env.initial_state,
    )


def count_nodes(n_actions: int, n_observations: int, horizon: int) -> int:
    """Nodes at which a per-step KL is evaluated in the full tree (levels 0..horizon-1)."""
    b = n_actions * n_observations
    return sum(b**t for t in range(horizon))


def random_instance(rng: np.random.Generator, *, n_components=16, n_states=3, n_actions=2, n_observations=2):
    def policy():
        return theory.FiniteStatePolicy(
            rng.dirichlet(np.ones(n_actions), size=n_states),
            rng.integers(0, n_states, size=(n_states, n_actions, n_observations)),
        )

    env = theory.FiniteStateEnvironment(
        rng.dirichlet(np.ones(n_observations), size=(n_states, n_actions)),
        rng.integers(0, n_states, size=(n_states, n_actions, n_observations)),
    )
    mixture = theory.BayesianMixture([policy() for _ in range(n_components)], [1 / n_components] * n_components)
    return policy(), mixture, env


def naive_api_trajectory_kl(
    pi: theory.Policy, beta: theory.Policy, env: theory.Environment, horizon: int, history=()
) -> float:
    """The most obvious walk: recurse over histories, asking each kernel for its probabilities at each history
    through the public single-history API (``probs(history)``), one call per node and kernel."""
    if horizon == 0:
        return 0.0
    p = pi.probs(history)
    q = beta.probs(history)
    out = 0.0
    for a in range(len(p)):
        if p[a] > 0:
            if q[a] == 0:
                return math.inf
            out += p[a] * math.log(p[a] / q[a])
    if horizon == 1:
        return out
    for a in range(len(p)):
        if p[a] == 0:
            continue
        e = env.probs(history, a)
        for o in range(len(e)):
            if e[o] > 0:
                out += p[a] * e[o] * naive_api_trajectory_kl(pi, beta, env, horizon - 1, history + ((a, o),))
    return out

"""Small random instances for the theory tests, composed from proofs_checks.strategies.

Trees are kept small enough for the brute-force walks: the horizon is the largest m <= max_horizon with
(|A|·|O|)^m <= max_leaves, or smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

import theory
from proofs_checks.strategies import (
    alphabets,
    finite_state_environments,
    finite_state_policies,
    histories,
    mixtures,
    policies,
    utilities,
)


def max_horizon_for(n_actions: int, n_obs: int, max_leaves: int, cap: int) -> int:
    m = 0
    while m < cap and (n_actions * n_obs) ** (m + 1) <= max_leaves:
        m += 1
    return m


@dataclass
class Instance:
    pi: theory.Policy
    beta: theory.Policy
    env: theory.Environment
    horizon: int
    history: tuple
    utility: object = None
    demonstrator: theory.Policy | None = None

    @property
    def n_actions(self) -> int:
        return self.env.n_actions

    @property
    def n_observations(self) -> int:
        return self.env.n_observations


@st.composite
def instances(
    draw,
    *,
    semi_pi=False,
    semi_beta=False,
    beta_mixture=False,
    demonstrator=False,
    functions=False,
    max_leaves=81,
    max_horizon=3,
    min_horizon=0,
    max_components=4,
    start_length=2,
    alphabet=None,
    with_utility=False,
):
    """(π, β, μ, m, h[, U, demonstrator]) with h a start history that β and μ give positive probability."""
    # Two actions at least by default: with one action every policy is the same and the trees are trivial.
    n_actions, n_obs = draw(alphabet if alphabet is not None else alphabets(min_actions=2))
    kind = policies if functions else finite_state_policies
    pi = draw(kind(n_actions=n_actions, n_observations=n_obs, semi=semi_pi))
    if beta_mixture:
        beta = draw(mixtures(n_actions=n_actions, n_observations=n_obs, max_components=max_components, semi=semi_beta))
    else:
        beta = draw(kind(n_actions=n_actions, n_observations=n_obs, semi=semi_beta))
    env = draw(finite_state_environments(n_actions=n_actions, n_observations=n_obs))
    top = max(min_horizon, max_horizon_for(n_actions, n_obs, max_leaves, max_horizon))
    horizon = top - draw(st.integers(0, top - min_horizon))  # the deepest tree first: trees are the point
    history = draw(histories(beta, env, max_length=start_length)) if start_length else ()
    utility = draw(utilities(n_actions=n_actions, n_observations=n_obs)) if with_utility else None
    demo = draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs)) if demonstrator else None
    return Instance(pi, beta, env, horizon, history, utility, demo)

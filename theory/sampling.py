"""Sampling episodes: many runs of a policy in an environment at once, vectorized over episodes.

Exact trees answer questions about small horizons; long runs and per-episode statistics (the quartiles of a
cost, the distribution of a fraction) are estimated by sampling. :func:`sample_episodes` runs ``episodes``
independent episodes in float arithmetic, one numpy step for all of them per turn, deterministic under
``seed``. It records the actions, observations, who acted (with a demonstrator, when the policy abstains),
and the policy's probabilities of what happened, plus those of any other policies to ``track`` (for realized
log-ratios such as ``ln π(a_t|h_t) − ln β(a_t|h_t)``).

>>> import theory
>>> coin = theory.FiniteStatePolicy.iid([0.25, 0.75])
>>> runs = theory.sample_episodes(coin, theory.sequence_environment(2), 4, episodes=2000, seed=1)
>>> runs.actions.shape, abs(float(runs.actions.mean()) - 0.75) < 0.02
((2000, 4), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .arith import get_context
from .errors import MightntError
from .kernels import Environment, Policy, _require_full_demonstrator, normalize_history, take
from .measures import check_horizon
from .trees import alphabet
from .validation import guard_size, integer, require_instance

__all__ = ["sample_episodes", "Episodes", "MAX_SAMPLE_BYTES", "sample_bytes"]

#: Default limit on the memory :func:`sample_episodes` may allocate (``max_bytes=`` raises it): 2 GiB.
MAX_SAMPLE_BYTES = 1 << 31


def sample_bytes(
    episodes: int, horizon: int, *, n_actions: int, n_observations: int, tracked: int = 0, kernels: int = 2
) -> int:
    """An upper estimate of the bytes :func:`sample_episodes` allocates: per (episode, step) cell, the recorded
    arrays (actions and observations int64, the flag, two float64 probabilities, two float64 per tracked policy);
    per episode, one step's probability tables and the kernels' states.

    >>> sample_bytes(1000, 10, n_actions=2, n_observations=2)
    618000
    """
    per_cell = 8 + 8 + 1 + 8 + 8 + 16 * tracked
    per_episode = 8 * (4 * (n_actions + 1) + 2 * n_actions * n_observations) + 64 * (kernels + tracked)
    return episodes * (max(horizon, 1) * per_cell + per_episode)


@dataclass
class Episodes:
    """Sampled episodes: arrays of shape (episodes, horizon).

    ``actions`` and ``observations``; ``asked`` (True where the policy abstained and the demonstrator acted);
    ``prob`` (the policy's probability of its own output at each step: of the action, or of ⊥ when it asked);
    ``abstain`` (the policy's abstain probability at each step); ``tracked[name]`` (each tracked policy's
    probability of the action taken, and ``tracked_abstain[name]`` its abstain probability).
    """

    actions: np.ndarray
    observations: np.ndarray
    asked: np.ndarray
    prob: np.ndarray
    abstain: np.ndarray
    tracked: dict = field(default_factory=dict)
    tracked_abstain: dict = field(default_factory=dict)

    def log_ratio(self, name: str) -> np.ndarray:
        """Realized ``ln π(output_t) − ln β(output_t)`` per step against the tracked policy ``name``, where the
        output is the action taken or ⊥ (inf where β gives the output probability 0)."""
        with np.errstate(divide="ignore"):
            base = np.where(self.asked, self.tracked_abstain[name], self.tracked[name])
            return np.log(self.prob) - np.log(base)


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of an (N, K) table whose rows sum to 1 (up to rounding)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def sample_episodes(
    policy: Policy,
    env: Environment,
    horizon: int,
    *,
    episodes: int = 1000,
    seed: int = 0,
    history=(),
    demonstrator: Policy | None = None,
    track: dict | None = None,
    max_bytes: int | None = None,
) -> Episodes:
    """Sample ``episodes`` runs of ``horizon`` steps of ``policy`` in ``env`` from ``history``.

    A policy that abstains needs a ``demonstrator`` (who acts then; the step is flagged as a demonstrator
    step; it must be a full distribution, a semi-distribution is refused with a ProbabilityError). ``track``
    maps names to policies whose probabilities of each output are recorded as well.
    The memory needed is estimated first (:func:`sample_bytes`): above ``max_bytes`` (default
    :data:`MAX_SAMPLE_BYTES`, 2 GiB) the call is refused with a ResourceLimitError before allocating.

    >>> import theory
    >>> pi, beta = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0.5, 0.5])
    >>> runs = theory.sample_episodes(pi, theory.sequence_environment(2), 3, episodes=5, track={"beta": beta})
    >>> runs.log_ratio("beta").sum(axis=1).round(6)   # 3·ln 2 on every episode
    array([2.079442, 2.079442, 2.079442, 2.079442, 2.079442])
    """
    episodes = integer(episodes, name="episodes", minimum=1)
    seed = integer(seed, name="seed", minimum=0)
    require_instance(policy, Policy, name="policy", what="theory.Policy")
    require_instance(env, Environment, name="env", what="theory.Environment")
    if demonstrator is not None:
        _require_full_demonstrator(demonstrator, "sample_episodes")  # it acts when the policy abstains
    if policy.semi and demonstrator is None:
        raise MightntError("the policy abstains (a semi-distribution); pass demonstrator= to say who acts then")
    track = dict(
        require_instance(track if track is not None else {}, dict, name="track", what="dict of name -> theory.Policy")
    )
    for name, k in track.items():
        require_instance(k, Policy, name=f"tracked policy {name!r}", what="theory.Policy")
    ctx = get_context("float")
    n_actions, n_obs = alphabet(policy, env, demonstrator, *track.values())
    h = normalize_history(history, n_actions, n_obs)
    m = check_horizon(horizon)
    limit = MAX_SAMPLE_BYTES if max_bytes is None else integer(max_bytes, name="max_bytes", minimum=1)
    guard_size(
        sample_bytes(
            episodes,
            m,
            n_actions=n_actions,
            n_observations=n_obs,
            tracked=len(track),
            kernels=2 + (demonstrator is not None),
        ),
        limit=limit,
        what=f"bytes ({episodes} episodes of {m} steps)",
        option="max_bytes",
    )
    rng = np.random.default_rng(seed)
    kernels = [policy, env] + ([demonstrator] if demonstrator is not None else []) + list(track.values())
    states = [take(k.start(h, ctx), np.zeros(episodes, dtype=np.int64)) for k in kernels]
    shape = (episodes, m)
    out = Episodes(
        np.zeros(shape, dtype=np.int64),
        np.zeros(shape, dtype=np.int64),
        np.zeros(shape, dtype=bool),
        np.zeros(shape),
        np.zeros(shape),
        {k: np.zeros(shape) for k in track},
        {k: np.zeros(shape) for k in track},
    )
    rows = np.arange(episodes)
    names = list(track)
    for t in range(m):
        p = policy.probs_batch(states[0], ctx)
        theta = policy.abstain_batch(states[0], ctx, p)
        choice = _draw(rng, np.concatenate([p, theta[:, None]], axis=1)) if policy.semi else _draw(rng, p)
        ask = choice == n_actions
        if demonstrator is not None:
            demo = _draw(rng, demonstrator.probs_batch(states[2], ctx))
            a = np.where(ask, demo, choice)
        else:
            a = choice
        o = _draw(rng, env.probs_batch(states[1], ctx)[rows, a])
        out.actions[:, t], out.observations[:, t], out.asked[:, t] = a, o, ask
        out.prob[:, t] = np.where(ask, theta, p[rows, np.minimum(choice, n_actions - 1)])
        out.abstain[:, t] = theta
        offset = 3 if demonstrator is not None else 2
        for i, name in enumerate(names):
            k, s = kernels[offset + i], states[offset + i]
            q = k.probs_batch(s, ctx)
            out.tracked[name][:, t] = q[rows, a]
            out.tracked_abstain[name][:, t] = k.abstain_batch(s, ctx, q)
        flags = ask if demonstrator is not None else np.zeros(episodes, dtype=bool)
        states = [k.advance(s, rows, a, o, flags, ctx) for k, s in zip(kernels, states)]
    return out

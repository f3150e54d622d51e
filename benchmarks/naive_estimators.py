"""Naive baselines for the KL-estimator lab (:mod:`theory.estimators`): plain Python, straight from the definitions.

:func:`naive_estimator_moments` walks every trajectory recursively, asking each kernel for its probabilities at
each history through the public single-history API (``policy.probs(history)``, ``reference.probs(history)``,
``env.probs(history, action)``: one call per node and kernel, each replaying its history), and at each leaf
writes the trajectory's estimate and surrogate gradient as ESTIMATORS_SPEC.md defines them, weighted by the
trajectory's sampling probability. No vectorization, no shared sums: rewards-to-go, ``L = Σ_t ℓ_t`` and the
score ``S = Σ_t s_t`` are recomputed per trajectory. :func:`naive_sample_estimator` is the Monte Carlo
counterpart, one trajectory at a time, fed the same uniforms as :func:`theory.sample_estimator` (so that the two
can be compared to 1e-9 rather than within standard errors). Benchmarks compare the engine against them; they
are never used for answers (float only; ``estimator="full"`` is not covered).
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.estimators import LEVELS, PLACEMENTS, RATIOS

#: The estimators the baselines cover (the full per-step KL needs the exact trajectory KL at sequence level).
NAIVE_ESTIMATORS = ("k1", "k2", "k3")


def _check(estimator: str, placement: str, level: str, sampling, ratio):
    if estimator not in NAIVE_ESTIMATORS:
        raise theory.OptionError(f"estimator {estimator!r}: the naive baselines cover {', '.join(NAIVE_ESTIMATORS)}")
    if placement not in PLACEMENTS:
        raise theory.OptionError(f"placement {placement!r} is not one of {', '.join(PLACEMENTS)}")
    if level not in LEVELS:
        raise theory.OptionError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if ratio not in RATIOS:
        raise theory.OptionError(f"ratio {ratio!r} is not one of {RATIOS}")
    if sampling is None:
        return None  # on-policy every ratio is 1
    if ratio == "token" and level == "sequence":
        raise theory.OptionError("ratio='token' has no per-token term at level='sequence'")
    return ratio


def _k(estimator: str, ell: float) -> float:
    if estimator == "k1":
        return ell
    if estimator == "k2":
        return ell * ell / 2
    return math.exp(-ell) - 1 + ell


def _dk(estimator: str, ell: float) -> float:
    if estimator == "k1":
        return 1.0
    if estimator == "k2":
        return ell
    return 1 - math.exp(-ell)


def _surrogate(steps, estimator: str, placement: str, level: str, ratio, n_states: int, n_actions: int):
    """One trajectory's weighted estimate λK and surrogate gradient g (a list of rows), from its steps
    ``(sigma, p_row, action, ell, rho)``."""
    lam = math.prod(s[4] for s in steps) if ratio == "sequence" else 1.0
    omega = [s[4] if ratio == "token" else 1.0 for s in steps]
    grad = [[0.0] * n_actions for _ in range(n_states)]

    def add_score(t: int, coef: float) -> None:
        sigma, p, a, _, _ = steps[t]
        row = grad[sigma]
        for b in range(n_actions):
            row[b] += coef * ((1.0 if b == a else 0.0) - p[b])

    if level == "token":
        k = [_k(estimator, s[3]) for s in steps]
        estimate = lam * sum(w * v for w, v in zip(omega, k))
        for t in range(len(steps)):
            coef = 0.0
            if placement in ("reward", "both"):
                coef += omega[t] * sum(k[t:])  # the reward to go, recomputed at every step
            if placement in ("loss", "both"):
                coef += omega[t] * _dk(estimator, steps[t][3])
            add_score(t, lam * coef)
    else:
        total = sum(s[3] for s in steps)
        value = _k(estimator, total)
        estimate = lam * value
        coef = 0.0
        if placement in ("reward", "both"):
            coef += value
        if placement in ("loss", "both"):
            coef += _dk(estimator, total)
        for t in range(len(steps)):
            add_score(t, lam * coef)
    return estimate, grad


def naive_estimator_moments(
    policy: theory.SoftmaxPolicy,
    reference: theory.Policy,
    env: theory.Environment,
    horizon: int,
    *,
    estimator: str = "k1",
    placement: str = "loss",
    level: str = "token",
    sampling: theory.Policy | None = None,
    ratio: str | None = None,
) -> tuple[float, float, np.ndarray]:
    """Expected estimate, variance and expected gradient of :func:`theory.estimator_moments` (float), by a recursive
    walk over every trajectory through the public API and a from-the-definition surrogate at each leaf.

    >>> pi = theory.SoftmaxPolicy.iid([0.5, 0.5])
    >>> ref = theory.FiniteStatePolicy.iid([0.25, 0.75])
    >>> mean, var, grad = naive_estimator_moments(pi, ref, theory.sequence_environment(2), 1, estimator="k2")
    >>> bool(np.allclose(grad, theory.kl_gradient(pi, ref, theory.sequence_environment(2), 1)))
    True
    """
    ratio = _check(estimator, placement, level, sampling, ratio)
    n_states, n_actions = policy.parameter_shape
    transition = policy.transition.tolist()
    totals = {"mean": 0.0, "second": 0.0}
    grad = [[0.0] * n_actions for _ in range(n_states)]

    def walk(history: tuple, sigma: int, prob: float, steps: list) -> None:
        if len(steps) == horizon:
            estimate, g = _surrogate(steps, estimator, placement, level, ratio, n_states, n_actions)
            totals["mean"] += prob * estimate
            totals["second"] += prob * estimate * estimate
            for s in range(n_states):
                for b in range(n_actions):
                    grad[s][b] += prob * g[s][b]
            return
        p = policy.probs(history).tolist()
        r = reference.probs(history).tolist()
        q = p if sampling is None else sampling.probs(history).tolist()
        for a in range(n_actions):
            if q[a] == 0:
                continue
            if r[a] == 0:
                raise theory.InfiniteEstimateError(f"π_ref gives action {a} probability 0 at history {history!r}")
            step = (sigma, p, a, math.log(p[a]) - math.log(r[a]), p[a] / q[a])
            e = env.probs(history, a).tolist()
            for o, eo in enumerate(e):
                if eo > 0:
                    walk(history + ((a, o),), transition[sigma][a][o], prob * q[a] * eo, steps + [step])

    walk((), policy.initial_state, 1.0, [])
    mean = totals["mean"]
    return mean, totals["second"] - mean * mean, np.array(grad)


def _draw(u: float, probs: list) -> int:
    """The index ``theory.sample_estimator`` draws with uniform ``u`` (inverse CDF on the running sums)."""
    cum, acc = [], 0.0
    for x in probs:
        acc += x
        cum.append(acc)
    x = u * cum[-1]
    return min(sum(1 for c in cum if x >= c), len(probs) - 1)


def naive_sample_estimator(
    policy: theory.SoftmaxPolicy,
    reference: theory.Policy,
    env: theory.Environment,
    horizon: int,
    *,
    n: int = 10000,
    seed: int = 0,
    estimator: str = "k1",
    placement: str = "loss",
    level: str = "token",
    sampling: theory.Policy | None = None,
    ratio: str | None = None,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Mean and standard error of the estimate and of the gradient of ``n`` sampled trajectories, one at a time
    through the public API, as :func:`theory.sample_estimator` returns them.

    It reads the uniforms in the engine's order (per step: ``n`` for the actions, then ``n`` for the
    observations, from ``numpy.random.default_rng(seed)``), so the trajectories are the engine's: a change of
    that order shows up as a disagreement, not as noise.

    >>> pi, ref = theory.SoftmaxPolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.25, 0.75])
    >>> env = theory.sequence_environment(2)
    >>> mean, se, grad, se_grad = naive_sample_estimator(pi, ref, env, 2, n=200, seed=3, estimator="k3")
    >>> s = theory.sample_estimator(pi, ref, env, 2, n=200, seed=3, estimator="k3")
    >>> bool(np.isclose(mean, s.mean_estimate) and np.allclose(grad, s.mean_gradient))
    True
    """
    ratio = _check(estimator, placement, level, sampling, ratio)
    n_states, n_actions = policy.parameter_shape
    transition = policy.transition.tolist()
    rng = np.random.default_rng(seed)
    uniforms = [(rng.random(n).tolist(), rng.random(n).tolist()) for _ in range(horizon)]
    estimates, grads = [], []
    for i in range(n):
        history, sigma, steps = (), policy.initial_state, []
        for t in range(horizon):
            p = policy.probs(history).tolist()
            r = reference.probs(history).tolist()
            q = p if sampling is None else sampling.probs(history).tolist()
            a = _draw(uniforms[t][0][i], q)
            o = _draw(uniforms[t][1][i], env.probs(history, a).tolist())
            if r[a] == 0:
                raise theory.InfiniteEstimateError(f"π_ref gives action {a} probability 0 at history {history!r}")
            steps.append((sigma, p, a, math.log(p[a]) - math.log(r[a]), p[a] / q[a]))
            history, sigma = history + ((a, o),), transition[sigma][a][o]
        estimate, g = _surrogate(steps, estimator, placement, level, ratio, n_states, n_actions)
        estimates.append(estimate)
        grads.append(g)

    def mean_se(xs: list) -> tuple[float, float]:
        mean = sum(xs) / n
        return mean, math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1) / n)

    mean, se = mean_se(estimates)
    cells = [[mean_se([g[s][b] for g in grads]) for b in range(n_actions)] for s in range(n_states)]
    return mean, se, np.array([[c[0] for c in row] for row in cells]), np.array([[c[1] for c in row] for row in cells])

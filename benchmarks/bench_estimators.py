"""Speed of the KL-estimator lab (:mod:`theory.estimators`), as ratios against naive baselines measured in the same run.

Run: ``python -m benchmarks.bench_estimators`` (``--quick`` for a short run, ``--full`` to walk the naive baseline
up to horizon 10 too, several minutes). Speed only: every timing is paired with a check that the engine and the
baseline agree to 1e-9 relative (the expected estimate, its variance and every entry of the expected gradient;
the exit status is 1 if one does not), but correctness is the tests' job. Times are the best of three runs (one
for what takes seconds: the naive walks beyond horizon 6, the naive sampler, the exact context), all in the same
process, after a warm-up (numba compiles the float context's loops on first use, then loads them from its disk
cache).

The instance (seeded, small-denominator rationals so that the exact context sees the numbers a user types): a
2-state :class:`theory.SoftmaxPolicy` π against a 3-component :class:`theory.BayesianMixture` π_ref of 2-state
finite-state policies, in a 2-state environment, |A| = |O| = 2, so (|A||O|)^m = 4^m trajectories at horizon m.
Three cases: k2 at the sequence level in the loss (pathwise) and in the reward (score function), and k1 at the
token level in the reward (rewards to go).

1. :func:`theory.estimator_moments` (float: one walk vectorized by tree level, one backward pass) against
   :func:`benchmarks.naive_estimators.naive_estimator_moments` (a recursive walk over every trajectory through
   the public ``probs(history)`` API, the surrogate written out at each leaf): time per trajectory of each from
   horizon 4 to 10 (the naive walk to 8; to 10 with ``--full``) and their ratio.
2. :func:`theory.sample_estimator` against a per-trajectory Python sampler fed the same uniforms (so both see the
   same trajectories and agree to 1e-9, not merely within standard errors).
3. The exact context (``arith="exact"``: rationals, linear forms in logarithms, sympy for k2's squares) against
   float at a small horizon.
"""

from __future__ import annotations

import argparse

import numpy as np

import theory
from benchmarks.bench_trees import _timed
from benchmarks.naive_estimators import naive_estimator_moments, naive_sample_estimator

#: (label, keyword arguments of estimator_moments) of the cases timed.
CASES = (
    ("k2 sequence loss  ", dict(estimator="k2", level="sequence", placement="loss")),
    ("k2 sequence reward", dict(estimator="k2", level="sequence", placement="reward")),
    ("k1 token reward   ", dict(estimator="k1", level="token", placement="reward")),
)


def _agree(a, b) -> bool:
    """Every entry of ``a`` and ``b`` (numbers or arrays, exact values converted to float) within 1e-9 relative.

    >>> _agree(1.0, 1.0 + 1e-12), _agree(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    (True, False)
    """
    x = np.array([float(v) for v in np.ravel(np.asarray(a, dtype=object))])
    y = np.array([float(v) for v in np.ravel(np.asarray(b, dtype=object))])
    return x.shape == y.shape and bool((np.abs(x - y) <= 1e-9 * np.maximum(1.0, np.maximum(abs(x), abs(y)))).all())


def _moments_agree(engine: theory.EstimatorMoments, naive: tuple) -> bool:
    mean, variance, grad = naive
    return (
        _agree(engine.expected_estimate, mean)
        and _agree(engine.variance, variance)
        and _agree(engine.expected_gradient, grad)
    )


def _sample_agrees(engine: theory.EstimatorSample, naive: tuple) -> bool:
    mean, se, grad, se_grad = naive
    return (
        _agree(engine.mean_estimate, mean)
        and _agree(engine.se_estimate, se)
        and _agree(engine.mean_gradient, grad)
        and _agree(engine.se_gradient, se_grad)
    )


def _rows(rng: np.random.Generator, shape: tuple, denominator: int = 12) -> list:
    """Distributions over the last axis of ``shape``: positive multiples of 1/denominator, as exact strings."""
    n = shape[-1]
    out = []
    for _ in range(int(np.prod(shape[:-1]))):
        cuts = np.sort(rng.choice(np.arange(1, denominator), size=n - 1, replace=False))
        parts = np.diff(np.concatenate(([0], cuts, [denominator])))
        out.append([f"{k}/{denominator}" for k in parts])
    return np.array(out, dtype=object).reshape(shape).tolist()


def instance(seed: int = 0, *, n_states: int = 2, n_components: int = 3, n_actions: int = 2, n_observations: int = 2):
    """(π, π_ref, μ): a softmax policy, a Bayesian mixture of finite-state policies (prior of twelfths), an
    environment, all finite-state with ``n_states`` states, probabilities in twelfths.

    >>> pi, ref, env = instance(0)
    >>> pi.parameter_shape, len(ref.components), env.n_observations
    ((2, 2), 3, 2)
    """
    rng = np.random.default_rng(seed)

    def transition():
        return rng.integers(0, n_states, size=(n_states, n_actions, n_observations)).tolist()

    pi = theory.SoftmaxPolicy(_rows(rng, (n_states, n_actions)), transition())
    components = [
        theory.FiniteStatePolicy(_rows(rng, (n_states, n_actions)), transition()) for _ in range(n_components)
    ]
    reference = theory.BayesianMixture(components, _rows(rng, (n_components,)))
    env = theory.FiniteStateEnvironment(_rows(rng, (n_states, n_actions, n_observations)), transition())
    return pi, reference, env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller horizons and samples (for a smoke run)")
    parser.add_argument("--full", action="store_true", help="the naive walk up to horizon 10 too (minutes)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    pi, ref, env = instance(args.seed)
    n_branches = pi.n_actions * env.n_observations
    horizons = range(4, 9) if args.quick else range(4, 11)
    naive_max = 6 if args.quick else 10 if args.full else 8
    ok = True

    print("1. estimator_moments (float) vs the public-API walk over every trajectory")
    print("   2-state softmax π, 3-component mixture π_ref, |A| = |O| = 2; times per trajectory (4^m of them)")
    print(f"   {'case':18s} {'m':>3s} {'trajectories':>12s} {'engine us':>10s} {'naive us':>10s} {'naive/engine':>13s}")
    for _, kwargs in CASES:  # warm-up: context conversions, the compiled loops
        theory.estimator_moments(pi, ref, env, max(horizons), **kwargs)
    ratios = {}
    for label, kwargs in CASES:
        for m in horizons:
            n_traj = n_branches**m
            engine, t_engine = _timed(theory.estimator_moments, pi, ref, env, m, repeat=3, **kwargs)
            line = f"   {label} {m:3d} {n_traj:12d} {1e6 * t_engine / n_traj:10.3f}"
            if m <= naive_max:
                naive, t_naive = _timed(naive_estimator_moments, pi, ref, env, m, repeat=3 if m <= 6 else 1, **kwargs)
                agree = _moments_agree(engine, naive)
                ok &= agree
                ratios[label, m] = t_naive / t_engine
                line += f" {1e6 * t_naive / n_traj:10.1f} {ratios[label, m]:12.0f}x"
                line += "  agree to 1e-9" if agree else "  DISAGREE"
            print(line)
    top = max(m for _, m in ratios)
    print(
        f"   naive/engine at horizon {top}: "
        + ", ".join(f"{label.strip()} {ratios[label, top]:.0f}x" for label, _ in CASES)
    )

    n, m_sample = (300, 6) if args.quick else (1000, 8)
    print(f"2. sample_estimator vs a per-trajectory sampler (same uniforms), n = {n}, horizon {m_sample}")
    for label, kwargs in CASES:
        theory.sample_estimator(pi, ref, env, m_sample, n=n, seed=args.seed, **kwargs)  # warm-up
        engine, t_engine = _timed(theory.sample_estimator, pi, ref, env, m_sample, n=n, seed=args.seed, **kwargs)
        naive, t_naive = _timed(naive_sample_estimator, pi, ref, env, m_sample, n=n, seed=args.seed, repeat=1, **kwargs)
        agree = _sample_agrees(engine, naive)
        ok &= agree
        print(
            f"   {label}: engine {1e6 * t_engine / n:8.2f} us/sample, naive {1e6 * t_naive / n:8.1f} us/sample, "
            f"{t_naive / t_engine:6.0f}x faster  ({'agree to 1e-9' if agree else 'DISAGREE'})"
        )

    m_exact = 3 if args.quick else 4
    print(f"3. estimator_moments, exact context vs float, horizon {m_exact} ({n_branches**m_exact} trajectories)")
    for label, kwargs in CASES:
        theory.estimator_moments(pi, ref, env, 1, arith="exact", **kwargs)  # warm-up: sympy, flint
        fl, t_float = _timed(theory.estimator_moments, pi, ref, env, m_exact, **kwargs)
        ex, t_exact = _timed(theory.estimator_moments, pi, ref, env, m_exact, arith="exact", repeat=1, **kwargs)
        agree = _moments_agree(fl, (ex.expected_estimate, ex.variance, ex.expected_gradient))
        ok &= agree
        print(
            f"   {label}: float {1e3 * t_float:7.2f} ms, exact {1e3 * t_exact:8.1f} ms, exact/float "
            f"{t_exact / t_float:6.0f}x  (float vs exact: {'agree to 1e-9' if agree else 'DISAGREE'})"
        )
    print("4. merged histories: i.i.d. π = (1/2, 1/2) against π_ref = (1/4, 3/4), one observation")
    print("   (histories merge by their counts; the unmerged tree has 2^m leaves)")
    iid_pi, iid_ref = theory.SoftmaxPolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    seq = theory.sequence_environment(2)
    kl1 = float(theory.kl(["1/2", "1/2"], ["1/4", "3/4"]))
    m_cmp = 14 if args.quick else 18
    kw = dict(estimator="k2", placement="both", level="sequence")
    merged, t_merged = _timed(theory.estimator_moments, iid_pi, iid_ref, seq, m_cmp, **kw)
    kept, t_kept = _timed(theory.estimator_moments, iid_pi, iid_ref, seq, m_cmp, merge=False, **kw)
    agree = _agree(merged.expected_estimate, kept.expected_estimate) and all(
        _agree(a, b) for a, b in zip(merged.expected_gradient.ravel(), kept.expected_gradient.ravel())
    )
    ok &= agree
    print(
        f"   horizon {m_cmp}, k2 sequence both: merged {1e3 * t_merged:.1f} ms, unmerged {1e3 * t_kept:.1f} ms, "
        f"unmerged/merged {t_kept / t_merged:.0f}x  ({'agree to 1e-9' if agree else 'DISAGREE'})"
    )
    for m in (100, 300) if args.quick else (100, 300, 1000):
        k1, t = _timed(theory.estimator_moments, iid_pi, iid_ref, seq, m, repeat=1, estimator="k1", placement="reward")
        agree = _agree(k1.expected_estimate, m * kl1)
        ok &= agree
        print(
            f"   horizon {m:5d}, k1 reward token: {1e3 * t:8.1f} ms; E[estimate] = m·KL₁ {'to 1e-9' if agree else 'NO'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the history-tree engine, as ratios against naive baselines measured in the same run.

Run: ``python -m benchmarks.bench_trees`` (``--quick`` for a short run, ``--full`` to add the switching agent at
horizon 10^4, a few minutes). Speed only: every timing is paired with a check that the engine and the baseline
(or a closed form) agree to 1e-9 relative, but correctness is the tests' job. Times are the best of three runs
(seven for the engine's 0.06 s run in section 1, whose times spread most on a shared machine; one for the
slowest), all in the same process, after a warm-up (numba compiles the float context's loops on
first use, then loads them from its disk cache).

1. ``trajectory_kl`` of a 16-component mixture of finite-state policies against a finite-state policy,
   |A| = |O| = 2, horizon 10, against two baselines: the obvious recursive walk that asks each kernel for its
   probabilities at each history through the public API (one call per node and kernel), and a hand-written
   recursion that carries the component states and posterior down the tree (plain Python floats; a much
   stronger baseline). The target is 30x the carried recursion.
2. Time per tree node of the engine from horizon 4 to 12 (flat means the numpy batches amortize).
3. A class with finite state plus counts (i.i.d. and Markov-on-last-action components): horizon 100 with
   equal states merged, next to the size of the unmerged tree (4^100 nodes: never).
4. The Theorem 1 world at long horizons (:func:`proofs_checks.worlds.switch_class`: three models of a trusted
   policy and their switch variants): the expected KL and Definition 2 at horizons 100, 1000 and 10^4 for the
   trusted policy τ, whose histories merge to two states a level, and for the switching agent, whose merge by
   the event time (about t states at level t: quadratic in the horizon); the ratio of horizon 1000 to 100.
5. Definition 2 for two i.i.d. policies at horizon 10^4: m times the one-step KL, against the closed form.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import theory
from benchmarks.naive import count_nodes, naive_api_trajectory_kl, naive_trajectory_kl, random_instance
from proofs_checks.worlds import switch_class


def _timed(fn, *args, repeat: int = 3, **kwargs):
    """The result and the best of ``repeat`` wall-clock times (the least disturbed by the shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return out, best


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def count_class(n_actions: int = 2, n_observations: int = 2):
    """i.i.d. components on a grid and Markov-on-last-action components; a Markov policy π; i.i.d. observations."""
    last_action = np.zeros((2, n_actions, n_observations), dtype=int)
    for a in range(n_actions):
        last_action[:, a, :] = a
    comps = [theory.FiniteStatePolicy.iid([p, 1 - p], n_observations=n_observations) for p in (0.1, 0.3, 0.5, 0.7, 0.9)]
    comps += [
        theory.FiniteStatePolicy([[p, 1 - p], [q, 1 - q]], last_action)
        for p, q in ((0.8, 0.2), (0.2, 0.8), (0.6, 0.3), (0.9, 0.6))
    ]
    mixture = theory.BayesianMixture(comps, [1 / len(comps)] * len(comps))
    pi = theory.FiniteStatePolicy([[0.6, 0.4], [0.3, 0.7]], last_action)
    env = theory.FiniteStateEnvironment([[[0.8, 0.2], [0.3, 0.7]]], np.zeros((1, n_actions, n_observations), dtype=int))
    return pi, mixture, env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller horizons (for a smoke run)")
    parser.add_argument("--full", action="store_true", help="also the switching agent at horizon 10^4 (minutes)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    pi, xi, env = random_instance(rng)
    horizon = 8 if args.quick else 10
    api_horizon = 6 if args.quick else 8
    ok = True

    print(f"1. trajectory_kl, 16 finite-state components, |A| = |O| = 2, horizon {horizon}")
    # Warm up: context conversions and the compiled loops (serial and parallel), loaded on first use.
    theory.trajectory_kl(pi, xi, env, horizon)
    engine, t_engine = _timed(theory.trajectory_kl, pi, xi, env, horizon, repeat=7)
    carried, t_carried = _timed(naive_trajectory_kl, pi, xi, env, horizon)
    engine_api, t_engine_api = _timed(theory.trajectory_kl, pi, xi, env, api_horizon)
    api, t_api = _timed(naive_api_trajectory_kl, pi, xi, env, api_horizon, repeat=1)
    for name, a, b in (("carried-state recursion", engine, carried), ("public-API walk", engine_api, api)):
        agree = _agree(a, b)
        ok &= agree
        print(f"   values vs {name}: {a!r} vs {b!r} ({'agree to 1e-9' if agree else 'DISAGREE'})")
    print(f"   engine / carried-state recursion (horizon {horizon}): {t_carried / t_engine:7.1f}x faster")
    print(f"   engine / public-API walk (horizon {api_horizon}):         {t_api / t_engine_api:7.1f}x faster")

    print("2. engine time per tree node (microseconds), same instance")
    horizons = range(4, 11) if args.quick else range(4, 13)
    per_node = {}
    for m in horizons:
        _, t = _timed(theory.trajectory_kl, pi, xi, env, m, repeat=3 if m <= 11 else 1)
        per_node[m] = 1e6 * t / count_nodes(2, 2, m)
        print(f"   horizon {m:2d}: {count_nodes(2, 2, m):9d} nodes, {per_node[m]:6.3f} us/node")
    ratio = per_node[max(horizons)] / min(per_node[m] for m in horizons if m >= 6)
    print(f"   per-node time at horizon {max(horizons)} / best from horizon 6 on: {ratio:.2f}")

    print("3. finite state plus counts (5 i.i.d. + 4 Markov components), merged")
    cpi, cxi, cenv = count_class()
    for m in (10, 40) if args.quick else (10, 40, 100):
        value, t = _timed(theory.trajectory_kl, cpi, cxi, cenv, m)
        print(f"   horizon {m:3d}: KL = {value:.12f} in {t:.3f} s (unmerged tree: {count_nodes(2, 2, m):.3g} nodes)")
    small, t_merged = _timed(theory.trajectory_kl, cpi, cxi, cenv, 10)
    unmerged, t_unmerged = _timed(theory.trajectory_kl, cpi, cxi, cenv, 10, merge=False)
    agree = _agree(small, unmerged)
    ok &= agree
    print(
        f"   horizon 10 merged vs unmerged: {'agree to 1e-9' if agree else 'DISAGREE'}, "
        f"merged {t_unmerged / t_merged:.1f}x faster"
    )

    print("4. the Theorem 1 world (3 models + switch variants, p(E) = 1/100), expected KL and Definition 2")
    tau, agent, xi_t1, env_t1 = switch_class()
    theory.worst_case_kl(agent, xi_t1, env_t1, 3)  # warm-up
    agents = (
        ("trusted τ", tau, (100, 1000) if args.quick else (100, 1000, 10**4)),
        ("switching", agent, (100, 1000) if args.quick else (100, 1000, 10**4) if args.full else (100, 1000, 3000)),
    )
    for label, pi, horizons_t1 in agents:
        for name, fn in (("expected KL ", theory.trajectory_kl), ("Definition 2", theory.worst_case_kl)):
            times = {}
            for m in horizons_t1:
                value, times[m] = _timed(fn, pi, xi_t1, env_t1, m, repeat=3 if m <= 1000 else 1)
                print(f"   {label:9s} {name} horizon {m:5d}: {value:.9f} in {times[m]:7.3f} s")
            print(f"   {label:9s} {name} horizon 1000 / horizon 100: {times[1000] / times[100]:5.1f}x the time")

    print("5. Definition 2 of two i.i.d. policies, |O| = 3, horizon 10^4 (closed form: m times the step KL)")
    p_iid = theory.FiniteStatePolicy.iid([0.5, 0.5], n_observations=3)
    b_iid = theory.FiniteStatePolicy.iid([0.25, 0.75], n_observations=3)
    value, t = _timed(theory.worst_case_kl, p_iid, b_iid, 3, 10**4, repeat=1)
    closed = 10**4 * theory.kl([0.5, 0.5], [0.25, 0.75])
    agree = _agree(value, closed)
    ok &= agree
    print(f"   {value:.9f} in {t:.3f} s ({'agrees with' if agree else 'DISAGREES with'} 10^4 · KL = {closed:.9f})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The compiled loops behind :mod:`theory.compiled` (imported on first use: importing this module imports numba).

Each loop runs its rows on every core (``prange``) and is compiled once, cached on disk by numba.
"""

import math

from numba import njit, prange

_jit = njit(cache=True, nogil=True, parallel=True)


@_jit
def softmax(logw, out):
    n_rows, k_count = logw.shape
    for n in prange(n_rows):
        top = -math.inf
        for k in range(k_count):
            if logw[n, k] > top:
                top = logw[n, k]
        if top == -math.inf:  # a ruled-out row: all-zero posterior
            for k in range(k_count):
                out[n, k] = 0.0
            continue
        total = 0.0
        for k in range(k_count):
            e = math.exp(logw[n, k] - top)
            out[n, k] = e
            total += e
        for k in range(k_count):
            out[n, k] /= total


@_jit
def predictive(post, states, group_of, offset, table, xi):
    n_rows, k_count = post.shape
    n_actions = table.shape[1]
    for n in prange(n_rows):
        for a in range(n_actions):
            xi[n, a] = 0.0
        for k in range(k_count):
            p = post[n, k]
            if p != 0.0:
                r = offset[k] + states[n, group_of[k]]
                for a in range(n_actions):
                    xi[n, a] += p * table[r, a]


@_jit
def posterior_after(logw, post, states, group_of, offset, table, log_table, out_log, out_post):
    n_rows, k_count = logw.shape
    n_actions = table.shape[1]
    for n in prange(n_rows):
        for a in range(n_actions):
            i = n * n_actions + a
            total = 0.0
            for k in range(k_count):
                r = offset[k] + states[n, group_of[k]]
                out_log[i, k] = logw[n, k] + log_table[r, a]
                v = post[n, k] * table[r, a]
                out_post[i, k] = v
                total += v
            # Bayes' rule on the linear posterior: no exponential. Where a weight that is not zero in log space
            # gets near the bottom of the float range (or every weight is), the row is normalized from its logs.
            exact_enough = total > 0.0
            if exact_enough:
                for k in range(k_count):
                    v = out_post[i, k] / total
                    out_post[i, k] = v
                    if v < 1e-280 and out_log[i, k] != -math.inf:
                        exact_enough = False
            if not exact_enough:
                top = -math.inf
                for k in range(k_count):
                    if out_log[i, k] > top:
                        top = out_log[i, k]
                if top == -math.inf:
                    for k in range(k_count):
                        out_post[i, k] = 0.0
                    continue
                total = 0.0
                for k in range(k_count):
                    e = math.exp(out_log[i, k] - top)
                    out_post[i, k] = e
                    total += e
                for k in range(k_count):
                    out_post[i, k] /= total


@_jit
def successors(states, parent, actions, observations, offset, transitions, out):
    n_children, g_count = out.shape
    for i in prange(n_children):
        p, a, o = parent[i], actions[i], observations[i]
        for g in range(g_count):
            out[i, g] = transitions[offset[g] + states[p, g], a, o]

"""The compiled loops behind :mod:`theory.compiled` (imported on first use: importing this module imports numba).

Each operation is a function of one row, driven by two loops: a serial one, and a parallel one (``prange``, every
core) that :mod:`theory.compiled` uses only for large batches, where starting the threads pays off. Each is
compiled once and cached on disk by numba.
"""

import math

from numba import njit, prange

_jit = njit(cache=True, nogil=True)
_parallel = njit(cache=True, nogil=True, parallel=True)


@_jit
def softmax_row(logw, out, n):
    k_count = logw.shape[1]
    top = -math.inf
    for k in range(k_count):
        if logw[n, k] > top:
            top = logw[n, k]
    if top == -math.inf:  # a ruled-out row: all-zero posterior
        for k in range(k_count):
            out[n, k] = 0.0
        return
    total = 0.0
    for k in range(k_count):
        e = math.exp(logw[n, k] - top)
        out[n, k] = e
        total += e
    for k in range(k_count):
        out[n, k] /= total


@_jit
def predictive_row(post, states, group_of, offset, table, xi, n):
    k_count = post.shape[1]
    n_actions = table.shape[1]
    for a in range(n_actions):
        xi[n, a] = 0.0
    for k in range(k_count):
        p = post[n, k]
        if p != 0.0:
            r = offset[k] + states[n, group_of[k]]
            for a in range(n_actions):
                xi[n, a] += p * table[r, a]


@_jit
def posterior_after_row(logw, post, states, group_of, offset, table, log_table, out_log, out_post, n):
    k_count = logw.shape[1]
    n_actions = table.shape[1]
    for a in range(n_actions):
        i = n * n_actions + a
        total = 0.0
        top = -math.inf
        for k in range(k_count):
            r = offset[k] + states[n, group_of[k]]
            lw = logw[n, k] + log_table[r, a]
            out_log[i, k] = lw
            if lw > top:
                top = lw
            v = post[n, k] * table[r, a]
            out_post[i, k] = v
            total += v
        # Bayes' rule on the linear posterior: no exponential. A weight below ~1e-280 is beyond the linear form
        # (it loses precision, then becomes 0) but counts for nothing while it stays that far below the largest;
        # its log is kept exactly. When such a weight is within e^-644 of the largest (or the linear form has
        # nothing left), the row is normalized from its logs instead.
        redo = not total > 1e-250
        if not redo:
            for k in range(k_count):
                v = out_post[i, k] / total
                out_post[i, k] = v
                # Imprecise (or zero) on the way in or out, and no longer negligible:
                if (v < 1e-280 or post[n, k] < 1e-280) and out_log[i, k] - top > -644.0:
                    redo = True
        if redo:  # (all zero when every component rules this action out: no posterior after it)
            softmax_row(out_log, out_post, i)


@_jit
def successors_row(states, parent, actions, observations, offset, transitions, out, i):
    g_count = out.shape[1]
    p, a, o = parent[i], actions[i], observations[i]
    for g in range(g_count):
        out[i, g] = transitions[offset[g] + states[p, g], a, o]


@_jit
def kl_row(p, q, values, infinite, first_bad, n):
    total = 0.0
    bad = -1
    for k in range(p.shape[1]):
        pk, qk = p[n, k], q[n, k]
        if pk != 0.0:
            if qk == 0.0:
                if bad < 0:
                    bad = k
            else:
                # Two logs rather than one quotient: p/q can overflow when q is tiny.
                total += pk * (math.log(pk) - math.log(qk))
    values[n] = total
    infinite[n] = bad >= 0
    first_bad[n] = bad


@_jit
def softmax(logw, out):
    for n in range(len(logw)):
        softmax_row(logw, out, n)


@_parallel
def softmax_parallel(logw, out):
    for n in prange(len(logw)):
        softmax_row(logw, out, n)


@_jit
def predictive(post, states, group_of, offset, table, xi):
    for n in range(len(post)):
        predictive_row(post, states, group_of, offset, table, xi, n)


@_parallel
def predictive_parallel(post, states, group_of, offset, table, xi):
    for n in prange(len(post)):
        predictive_row(post, states, group_of, offset, table, xi, n)


@_jit
def posterior_after(logw, post, states, group_of, offset, table, log_table, out_log, out_post):
    for n in range(len(logw)):
        posterior_after_row(logw, post, states, group_of, offset, table, log_table, out_log, out_post, n)


@_parallel
def posterior_after_parallel(logw, post, states, group_of, offset, table, log_table, out_log, out_post):
    for n in prange(len(logw)):
        posterior_after_row(logw, post, states, group_of, offset, table, log_table, out_log, out_post, n)


@_jit
def successors(states, parent, actions, observations, offset, transitions, out):
    for i in range(len(parent)):
        successors_row(states, parent, actions, observations, offset, transitions, out, i)


@_parallel
def successors_parallel(states, parent, actions, observations, offset, transitions, out):
    for i in prange(len(parent)):
        successors_row(states, parent, actions, observations, offset, transitions, out, i)


@_jit
def kl(p, q, values, infinite, first_bad):
    for n in range(len(p)):
        kl_row(p, q, values, infinite, first_bad, n)


@_parallel
def kl_parallel(p, q, values, infinite, first_bad):
    for n in prange(len(p)):
        kl_row(p, q, values, infinite, first_bad, n)

"""Compiled loops for the float context's hottest operations (numba), with no other home.

Each kernel here fuses what numpy would do in several passes over (nodes × components) arrays: the
posterior and predictive of a mixture of finite-state components, the weights after each action, and the
successor states of a batch of children. They are float64/int64 only; the arithmetic contexts decide when to
use them (:class:`~theory.arith.FloatContext`), and every context, the float one included when numba is absent
or ``MIGHTNT_COMPILED=0`` is set, has the plain numpy version of the same operation, which the tests compare
against.

numba compiles a kernel on its first call (about a second, cached on disk after that); :data:`AVAILABLE` says
whether the kernels are in use.

>>> import numpy as np
>>> post = softmax_rows(np.log([[0.25, 0.75]]))
>>> xi = predictive(post, np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0]]), np.array([0, 0]), np.array([0, 1]))
>>> post.round(6).tolist(), xi.round(6).tolist()
([[0.25, 0.75]], [[0.625, 0.375]])
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

__all__ = ["AVAILABLE", "kl_rows", "softmax_rows", "predictive", "posterior_after_actions", "successor_states"]


def _numba_present() -> bool:
    if os.environ.get("MIGHTNT_COMPILED", "1") == "0":
        return False
    return importlib.util.find_spec("numba") is not None


#: Whether the compiled kernels are in use (numba installed and not disabled by ``MIGHTNT_COMPILED=0``). numba
#: itself is imported, and each kernel compiled, on first use: ``import theory`` does not pay for it.
AVAILABLE = _numba_present()
_compiled: dict = {}


#: Rows from which a kernel runs on every core; below, the serial loop, whose call costs less than waking the
#: threads (and which several worker processes, one per core, can run side by side without contention).
PARALLEL_ROWS = 1 << 14


def _kernel(name: str, rows: int):
    """A compiled loop of :mod:`theory._loops` for ``rows`` rows (numba imported, and the loop compiled, on first
    use)."""
    if rows >= PARALLEL_ROWS:
        name += "_parallel"
    kernel = _compiled.get(name)
    if kernel is None:
        from . import _loops

        kernel = _compiled[name] = getattr(_loops, name)
    return kernel


def kl_rows(p: np.ndarray, q: np.ndarray):
    """Row-wise KL of float (N, K) arrays: ``(values, infinite, first_bad)``, as
    :meth:`theory.arith.Context.kl_rows`.

    >>> values, infinite, first_bad = kl_rows(np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([[0.25, 0.75], [0.0, 1.0]]))
    >>> values.round(6).tolist(), infinite.tolist(), first_bad.tolist()
    ([0.143841, 0.0], [False, True], [-1, 0])
    """
    p = np.ascontiguousarray(p, dtype=np.float64)
    n = len(p)
    values, infinite, first_bad = np.empty(n), np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int64)
    _kernel("kl", n)(p, np.ascontiguousarray(q, dtype=np.float64), values, infinite, first_bad)
    return values, infinite, first_bad


def softmax_rows(logw: np.ndarray) -> np.ndarray:
    """Each row of float log weights (N, K) normalized: ``exp(logw[n] − max) / Σ exp(logw[n] − max)``, zeros for a
    row of -inf.

    >>> softmax_rows(np.array([[0.0, np.log(3.0)], [-np.inf, -np.inf]])).round(12).tolist()
    [[0.25, 0.75], [0.0, 0.0]]
    """
    logw = np.ascontiguousarray(logw, dtype=np.float64)
    out = np.empty_like(logw)
    _kernel("softmax", len(logw))(logw, out)
    return out


def _rows_spec(states, group_of, offset):
    return (
        np.ascontiguousarray(states, dtype=np.int64),
        np.ascontiguousarray(group_of, dtype=np.int64),
        np.ascontiguousarray(offset, dtype=np.int64),
    )


def predictive(
    post: np.ndarray, table: np.ndarray, states: np.ndarray, group_of: np.ndarray, offset: np.ndarray
) -> np.ndarray:
    """``Σ_k post[n, k]·table[r(n, k), :]`` for a float posterior (N, K) and action table (R, A), where component
    k's row is ``r(n, k) = offset[k] + states[n, group_of[k]]`` (machines sharing a transition table share a state
    column).

    >>> predictive(np.array([[0.25, 0.75]]), np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0]]), np.array([0, 0]),
    ...            np.array([0, 1])).tolist()
    [[0.625, 0.375]]
    """
    post = np.ascontiguousarray(post, dtype=np.float64)
    xi = np.empty((post.shape[0], table.shape[1]))
    _kernel("predictive", len(post))(
        post, *_rows_spec(states, group_of, offset), np.ascontiguousarray(table, dtype=np.float64), xi
    )
    return xi


def posterior_after_actions(
    logw: np.ndarray,
    post: np.ndarray,
    table: np.ndarray,
    log_table: np.ndarray,
    states: np.ndarray,
    group_of: np.ndarray,
    offset: np.ndarray,
):
    """Float log weights and normalized posteriors after each action (row ``n·A + a``) of a mixture whose
    components' action probabilities are ``table[r(n, k)]`` (``log_table`` their logs; rows as for
    :func:`predictive`): Bayes' rule applied to the linear posterior ``post``, falling back to the log weights for
    a row where some weight nears the bottom of the float range.

    >>> logw, post = posterior_after_actions(np.log([[0.25, 0.75]]), np.array([[0.25, 0.75]]),
    ...                                      np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.0, -np.inf], [-0.5, -0.5]]),
    ...                                      np.array([[0]]), np.array([0, 0]), np.array([0, 1]))
    >>> post.round(6).tolist()
    [[0.4, 0.6], [0.0, 1.0]]
    """
    logw = np.ascontiguousarray(logw, dtype=np.float64)
    shape = (logw.shape[0] * table.shape[1], logw.shape[1])
    out_log, out_post = np.empty(shape), np.empty(shape)
    with np.errstate(divide="ignore"):
        _kernel("posterior_after", len(logw))(
            logw,
            np.ascontiguousarray(post, dtype=np.float64),
            *_rows_spec(states, group_of, offset),
            np.ascontiguousarray(table, dtype=np.float64),
            np.ascontiguousarray(log_table, dtype=np.float64),
            out_log,
            out_post,
        )
    return out_log, out_post


def successor_states(
    states: np.ndarray, parent, actions, observations, offset: np.ndarray, transitions: np.ndarray
) -> np.ndarray:
    """Children's machine states: ``out[i, g] = transitions[offset[g] + states[parent[i], g], actions[i],
    observations[i]]`` (one state column per group of machines sharing a transition table).

    >>> successor_states(np.array([[0, 1]]), [0, 0], [0, 1], [0, 0], np.array([0, 2]),
    ...                  np.array([[[1], [0]], [[0], [1]], [[0], [0]], [[1], [1]]])).tolist()
    [[1, 1], [0, 1]]
    """
    parent = np.asarray(parent, dtype=np.int64)
    actions = np.asarray(actions, dtype=np.int64)
    observations = np.asarray(observations, dtype=np.int64)
    if not AVAILABLE:
        return transitions[offset[None, :] + states[parent], actions[:, None], observations[:, None]]
    out = np.empty((len(parent), states.shape[1]), dtype=np.int64)
    _kernel("successors", len(parent))(
        np.ascontiguousarray(states, dtype=np.int64),
        parent,
        actions,
        observations,
        np.ascontiguousarray(offset, dtype=np.int64),
        np.ascontiguousarray(transitions, dtype=np.int64),
        out,
    )
    return out

"""theory.compiled: the float context's compiled loops against the plain numpy versions every context shares."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import compiled
from theory.arith import Context, get_context

FLOAT = get_context("float")

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")


@st.composite
def mixtures(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k, a, groups = (
        draw(st.integers(0, 40)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
    )
    states_per_group = 3
    table = rng.dirichlet(np.ones(a), size=groups * states_per_group * k)
    table[rng.random(table.shape) < 0.2] = 0.0  # zeros: actions a component rules out
    table /= np.maximum(table.sum(axis=1, keepdims=True), 1e-300)
    group_of = rng.integers(0, groups, size=k)
    offset = np.arange(k) * groups * states_per_group
    states = rng.integers(0, states_per_group, size=(n, groups))
    # Log weights across the whole float range, some -inf (ruled out), some rows entirely -inf.
    logw = rng.normal(scale=draw(st.sampled_from([1.0, 100.0, 700.0])), size=(n, k))
    logw[rng.random((n, k)) < 0.15] = -np.inf
    if n:
        logw[rng.random(n) < 0.1] = -np.inf
    return logw, table, states, group_of, offset


@settings(max_examples=200, deadline=None)
@given(mixtures())
def test_the_compiled_posterior_and_predictive_equal_numpys(x):
    logw, table, states, group_of, offset = x
    post = compiled.softmax_rows(logw)
    np.testing.assert_allclose(post, _numpy_softmax(logw), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        compiled.predictive(post, table, states, group_of, offset),
        Context.predictive(FLOAT, post, table, states, group_of, offset),
        rtol=1e-12,
        atol=1e-15,
    )


@settings(max_examples=200, deadline=None)
@given(mixtures())
def test_bayes_rule_on_the_linear_posterior_equals_the_log_space_one(x):
    logw, table, states, group_of, offset = x
    post = _numpy_softmax(logw)
    with np.errstate(divide="ignore"):
        log_table = np.log(table)
    got_log, got_post = compiled.posterior_after_actions(logw, post, table, log_table, states, group_of, offset)
    want_log, _ = Context.posterior_after_actions(FLOAT, logw, post, table, log_table, states, group_of, offset)
    want_post = _numpy_softmax(want_log)
    np.testing.assert_array_equal(got_log, want_log)
    np.testing.assert_allclose(got_post, want_post, rtol=1e-9, atol=1e-280)


def test_a_weight_below_the_float_range_comes_back_from_its_log_when_the_others_are_ruled_out():
    # A component at e^-1000 relative to another (0 in the linear posterior), then an action only it allows:
    # its log weight is exact, and the row is normalized from the logs.
    logw = np.array([[0.0, -1000.0]])
    post = _numpy_softmax(logw)
    assert post[0, 1] == 0.0
    table = np.array([[1.0, 0.0], [0.5, 0.5]])
    with np.errstate(divide="ignore"):
        log_table = np.log(table)
    got_log, got = compiled.posterior_after_actions(
        logw, post, table, log_table, np.array([[0]]), np.array([0, 0]), np.array([0, 1])
    )
    assert got[1].tolist() == [0.0, 1.0] and got_log[1, 1] == -1000.0 + np.log(0.5)
    assert got[0, 0] == 1.0


def test_successor_states_equal_numpys_fancy_index():
    rng = np.random.default_rng(1)
    transitions = rng.integers(0, 4, size=(8, 2, 3))
    states = rng.integers(0, 4, size=(50, 2))
    parent, a, o = rng.integers(0, 50, 200), rng.integers(0, 2, 200), rng.integers(0, 3, 200)
    offset = np.array([0, 4])
    want = transitions[offset[None, :] + states[parent], a[:, None], o[:, None]]
    assert np.array_equal(compiled.successor_states(states, parent, a, o, offset, transitions), want)


def test_the_engine_gives_the_same_numbers_without_the_compiled_loops():
    code = (
        "import numpy as np, theory; from benchmarks.naive import random_instance; "
        "pi, xi, env = random_instance(np.random.default_rng(3), n_components=5); "
        "print(repr(theory.trajectory_kl(pi, xi, env, 6)), theory.compiled.AVAILABLE)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = {}
    for flag in ("0", "1"):
        env = dict(os.environ, MIGHTNT_COMPILED=flag, PYTHONPATH=root)
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, timeout=120
        )
        assert res.returncode == 0, res.stderr
        value, available = res.stdout.split()
        out[flag] = float(value)
        assert available == ("True" if flag == "1" else "False")
    assert out["0"] == pytest.approx(out["1"], rel=1e-12)


def _numpy_softmax(logw):
    top = np.max(logw, axis=1, initial=-np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(logw - np.where(np.isfinite(top), top, 0.0)[:, None])
    total = e.sum(axis=1)
    return e / np.where(total > 0, total, 1.0)[:, None]


@pytest.mark.parametrize("threshold", [1, 1 << 30])
def test_the_parallel_and_serial_loops_agree(monkeypatch, threshold):
    # Every row its own task in parallel (threshold 1), or none (a huge threshold): the same numbers.
    monkeypatch.setattr(compiled, "PARALLEL_ROWS", threshold)
    rng = np.random.default_rng(5)
    logw = rng.normal(scale=50, size=(300, 5))
    logw[rng.random(logw.shape) < 0.2] = -np.inf
    table = rng.dirichlet(np.ones(3), size=10)
    table[rng.random(table.shape) < 0.3] = 0.0
    states, group_of, offset = rng.integers(0, 2, size=(300, 1)), np.zeros(5, dtype=int), np.arange(5) * 2
    post = compiled.softmax_rows(logw)
    np.testing.assert_allclose(post, _numpy_softmax(logw), rtol=1e-12)
    np.testing.assert_allclose(
        compiled.predictive(post, table, states, group_of, offset),
        Context.predictive(FLOAT, post, table, states, group_of, offset),
        rtol=1e-12,
        atol=1e-15,
    )
    with np.errstate(divide="ignore"):
        log_table = np.log(table)
    got_log, got_post = compiled.posterior_after_actions(logw, post, table, log_table, states, group_of, offset)
    want_log, _ = Context.posterior_after_actions(FLOAT, logw, post, table, log_table, states, group_of, offset)
    np.testing.assert_array_equal(got_log, want_log)
    np.testing.assert_allclose(got_post, _numpy_softmax(want_log), rtol=1e-9, atol=1e-280)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 30), st.integers(1, 5))
def test_the_compiled_row_kl_equals_the_numpy_one(seed, n, k):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(k), size=n), rng.dirichlet(np.ones(k), size=n)
    p[rng.random(p.shape) < 0.25] = 0.0
    q[rng.random(q.shape) < 0.25] = 0.0
    got, want = compiled.kl_rows(p, q), Context.kl_rows(FLOAT, p, q)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-15)
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[2], want[2])


def test_a_weight_dormant_below_the_float_range_regains_its_place():
    # B starts e^-900 below A (0 in the linear posterior) and gains a factor 10 a step: after 400 steps B
    # dominates. The linear form alone would keep A forever; the logs bring B back.
    logw = np.array([[0.0, -900.0]])
    post = _numpy_softmax(logw)
    table = np.array([[0.05, 0.95], [0.5, 0.5]])
    log_table = np.log(table)
    states, group_of, offset = np.array([[0]]), np.array([0, 0]), np.array([0, 1])
    for _ in range(400):
        logw, post = compiled.posterior_after_actions(logw, post, table, log_table, states, group_of, offset)
        logw, post = logw[:1], post[:1]  # action 0 every step
    np.testing.assert_allclose(post[0], _numpy_softmax(logw)[0], rtol=1e-9)
    assert post[0, 1] > 0.99

"""theory.kernels: policies and environments as history kernels; the batched interface against single calls."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory.arith import get_context
from theory.kernels import normalize_history

from proofs_checks.strategies import alphabets, finite_state_environments, finite_state_policies, histories

from .compare import assert_agree, enclose

EXACT, FLOAT, BALL = get_context("exact"), get_context("float"), get_context("ball")


def walk_state(machine, history):
    """The state of a finite-state machine after a history, by hand."""
    s = machine.initial_state
    for a, o, *_ in history:
        s = int(machine.transition[s][a][o])
    return s


def policy_and_history(semi=False):
    return alphabets().flatmap(
        lambda ao: finite_state_policies(n_actions=ao[0], n_observations=ao[1], semi=semi).flatmap(
            lambda p: st.tuples(st.just(p), histories(p, max_length=5))
        )
    )


@given(policy_and_history(semi=True))
def test_finite_state_policy_follows_its_machine(ph):
    pi, h = ph
    expected = list(pi.emission("exact")[walk_state(pi, h)])
    exact = pi.probs(h, arith="exact")
    assert list(exact) == expected and all(isinstance(x, Fraction) for x in exact)
    floats, balls = pi.probs(h), pi.probs(h, arith="ball")
    for f, e, b in zip(floats, expected, balls):
        assert_agree(float(f), e, b)
    # The abstain mass is 1 − Σ exactly, and an exact 0 stays an exact 0 in ball arithmetic.
    assert pi.abstain(h, arith="exact") == 1 - sum(expected)
    ball_abstain = pi.abstain(h, arith="ball")
    assert ball_abstain.contains(enclose(1 - sum(expected)))
    assert (1 - sum(expected) == 0) == ball_abstain.is_zero()
    assert math.isclose(pi.abstain(h), float(1 - sum(expected)), abs_tol=1e-15)


@given(
    alphabets().flatmap(
        lambda ao: finite_state_environments(n_actions=ao[0], n_observations=ao[1], max_states=3).flatmap(
            lambda e: st.tuples(
                st.just(e),
                st.lists(st.tuples(st.integers(0, ao[0] - 1), st.integers(0, ao[1] - 1)), max_size=5),
                st.integers(0, ao[0] - 1),
            )
        )
    )
)
def test_finite_state_environment_follows_its_machine(case):
    env, h, a = case
    h = tuple(h)
    expected = list(env.emission("exact")[walk_state(env, h)][a])
    assert list(env.probs(h, a, arith="exact")) == expected
    assert sum(expected) == 1
    for f, e, b in zip(env.probs(h, a), expected, env.probs(h, a, arith="ball")):
        assert_agree(float(f), e, b)


@given(policy_and_history(semi=True))
def test_function_policy_equals_the_finite_state_policy_it_wraps(ph):
    pi, h = ph
    calls = []

    def fn(history):
        calls.append(history)
        return list(pi.probs(history, arith="exact"))

    wrapped = theory.Policy.from_function(pi.n_actions, fn, n_observations=pi.n_observations, semi=True)
    for arith in ("exact", "float", "ball"):
        assert [str(x) for x in wrapped.probs(h, arith=arith)] == [str(x) for x in pi.probs(h, arith=arith)]
        assert str(wrapped.abstain(h, arith=arith)) == str(pi.abstain(h, arith=arith))
    before = len(calls)
    wrapped.probs(h, arith="exact")
    assert len(calls) == before  # memoized per history and context
    assert calls and all(isinstance(x, tuple) for x in calls) and h in calls


@given(
    alphabets().flatmap(
        lambda ao: st.tuples(
            finite_state_policies(n_actions=ao[0], n_observations=ao[1]),
            st.lists(
                st.tuples(st.integers(0, ao[0] - 1), st.integers(0, ao[1] - 1), st.booleans()), min_size=1, max_size=8
            ),
        )
    ),
    st.sampled_from(["float", "exact"]),
)
def test_batched_levels_equal_one_history_at_a_time(case, arith):
    # Grow a tree level by level from random parents; every row must equal probs() at its own history.
    pi, steps = case
    ctx = get_context(arith)
    wrapped = theory.Policy.from_function(
        pi.n_actions, lambda h: list(pi.probs(h, arith="exact")), n_observations=pi.n_observations
    )
    for kernel in (pi, wrapped):
        state = kernel.initial(ctx)
        hist = [()]
        for a, o, flag in steps:
            parent = np.arange(len(hist)) if len(hist) < 4 else np.array([len(hist) - 1, 1])
            parent = np.concatenate([parent, parent[:1]])  # one parent twice
            actions, obs = np.full(len(parent), a), np.full(len(parent), o)
            state = kernel.advance(state, parent, actions, obs, np.full(len(parent), flag), ctx)
            hist = [hist[p] + ((a, o),) for p in parent]
            probs = kernel.probs_batch(state, ctx)
            for row, h in zip(probs, hist):
                assert [str(x) for x in row] == [str(x) for x in kernel.probs(h, arith=arith)]


def test_semi_policies_and_float_noise():
    semi = theory.FiniteStatePolicy.iid(["1/4", "1/2"], semi=True)
    assert semi.abstain(arith="exact") == Fraction(1, 4) and semi.abstain() == 0.25
    # Float rows within 1e-9 of 1 are distributions: no abstain mass appears in any arithmetic.
    noisy = theory.FiniteStatePolicy.iid([0.7, 0.2, 0.1], semi=True)
    assert sum([0.7, 0.2, 0.1]) < 1
    assert noisy.abstain() == 0.0 and noisy.abstain(arith="exact") == 0 and noisy.abstain(arith="ball").is_zero()
    assert sum(noisy.probs(arith="exact")) == 1
    full = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    assert full.abstain(arith="ball").is_zero() and full.abstain(arith="exact") == 0


def test_constructors():
    coin = theory.FiniteStatePolicy.iid(["1/3", "2/3"], n_observations=2)
    assert coin.n_observations == 2 and coin.n_states == 1
    assert list(coin.probs(((0, 1), (1, 0)), arith="exact")) == [Fraction(1, 3), Fraction(2, 3)]
    const = theory.FiniteStatePolicy.constant(2, n_actions=3)
    assert list(const.probs(((2, 0),) * 3, arith="exact")) == [0, 0, 1]
    env = theory.sequence_environment(3)
    assert env.n_actions == 3 and env.n_observations == 1 and list(env.probs((), 2, arith="exact")) == [1]
    echo = theory.Environment.from_function(2, 2, lambda h, a: [1, 0] if a == 0 else ["1/4", "3/4"])
    assert list(echo.probs(((1, 1),), 1, arith="exact")) == [Fraction(1, 4), Fraction(3, 4)]
    sticky = theory.FiniteStatePolicy([[0.75, 0.25], [0.25, 0.75]], [[[0], [1]], [[0], [1]]], initial_state=1)
    assert list(sticky.probs()) == [0.25, 0.75] and list(sticky.probs(((0, 0),))) == [0.75, 0.25]


def test_normalize_history_flags_and_forms():
    assert normalize_history([(1, 0), (0, 1, False)], 2, 2) == ((1, 0, True), (0, 1, False))
    assert normalize_history(np.array([[1, 0], [0, 1]]), 2, 2) == ((1, 0, True), (0, 1, True))
    assert normalize_history((), 2, None) == ()
    # Without an observation alphabet any non-negative observation is accepted.
    assert normalize_history([(0, 7)], 1, None) == ((0, 7, True),)


@given(alphabets(), st.data())
def test_out_of_range_steps_are_refused_naming_the_value(ao, data):
    n_actions, n_obs = ao
    pi = data.draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs))
    good = data.draw(st.lists(st.tuples(st.integers(0, n_actions - 1), st.integers(0, n_obs - 1)), max_size=3))
    bad_action = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=n_actions)))
    bad_obs = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=n_obs)))
    with pytest.raises(theory.HistoryError, match=f"step {len(good)} has action {bad_action}"):
        pi.probs(tuple(good) + ((bad_action, 0),))
    with pytest.raises(theory.HistoryError, match=f"observation {bad_obs}"):
        pi.probs(tuple(good) + ((0, bad_obs),))
    env = theory.FiniteStateEnvironment(np.ones((1, n_actions, 1), dtype=int), np.zeros((1, n_actions, 1), dtype=int))
    with pytest.raises(theory.HistoryError, match=f"action {bad_action}"):
        env.probs((), bad_action)


def test_keys_identify_states():
    pi = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[1], [0]], [[0], [1]]])
    state = pi.initial(FLOAT)
    state = pi.advance(state, np.array([0, 0]), np.array([0, 1]), np.array([0, 0]), np.array([False, False]), FLOAT)
    assert pi.key(state, FLOAT).tolist() == [[1], [0]]
    fn = theory.Policy.from_function(2, lambda h: [1, 0])
    assert fn.key(fn.initial(FLOAT), FLOAT) is None  # functions of the history cannot be merged

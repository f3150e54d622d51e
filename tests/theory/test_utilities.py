"""theory.utilities: MeanReward tables and utilities of the history, values in [0, 1]."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory.utilities import HistoryUtility, as_utility

from proofs_checks.strategies import HistoryTableUtility, history_utilities, mean_rewards

from . import brute
from .compare import assert_agree
from .instances import instances


def test_mean_reward_is_the_mean_over_the_new_steps():
    u = theory.MeanReward([[0, 1], ["1/2", "1/4"]])
    assert u(((0, 1), (1, 0))) == 0.75
    assert u(((0, 1), (1, 1)), horizon=4) == pytest.approx((1 + 0.25) / 4)
    assert u.n_actions == 2 and u.n_observations == 2


@given(instances(with_utility=False, min_horizon=1), st.data())
def test_mean_reward_equals_the_same_utility_written_as_a_function(x, data):
    table = data.draw(mean_rewards(n_actions=x.n_actions, n_observations=x.n_observations))
    start, m = len(x.history), x.horizon

    def as_function(full_history):
        new = full_history[start:]
        assert len(new) == m
        return sum((Fraction(table.table[a, o]) for a, o in new), Fraction(0)) / m

    exact = theory.value(x.pi, x.env, table, m, x.history, arith="exact")
    assert exact == theory.value(x.pi, x.env, as_function, m, x.history, arith="exact")
    assert exact == brute.value(x.pi, x.env, table, m, x.history)
    assert_agree(theory.value(x.pi, x.env, as_function, m, x.history), exact)
    optimal = theory.optimal_value(x.env, table, m, x.history, arith="exact")
    assert optimal == theory.optimal_value(x.env, as_function, m, x.history, arith="exact")
    assert_agree(theory.optimal_value(x.env, as_function, m, x.history), optimal)


@given(history_utilities(), st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=6))
def test_history_table_utilities_are_exact_and_in_the_unit_interval(u, h):
    value = u(tuple(h))
    assert isinstance(value, Fraction) and 0 <= value <= 1
    assert HistoryUtility(u).terminal([tuple(h)], theory.arith.get_context("exact"))[0] == value


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
@pytest.mark.parametrize("bad", [Fraction(3, 2), -0.25, "-1/3", 2])
def test_history_utility_outside_the_unit_interval_is_refused(arith, bad):
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    # Only one history (the second action twice) has the bad value: the error must name it.
    u = lambda h: bad if h == ((1, 0), (1, 0)) else 0  # noqa: E731
    with pytest.raises(theory.UtilityError) as info:
        theory.value(pi, env, u, 2, arith=arith)
    assert "((1, 0), (1, 0))" in str(info.value) and repr(bad) in str(info.value)
    with pytest.raises(theory.UtilityError):
        theory.optimal_value(env, u, 2, arith=arith)


def test_boundary_utilities_are_accepted():
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    assert theory.value(pi, env, lambda h: 1, 2, arith="exact") == 1
    assert theory.value(pi, env, lambda h: 0.0, 2, arith="exact") == 0
    assert theory.value(pi, env, lambda h: 0.1, 1, arith="exact") == Fraction(1, 10)  # simplest rational of 0.1
    assert theory.value(pi, env, theory.MeanReward([[1], [1]]), 3) == 1.0


def test_reward_table_must_match_the_alphabet():
    # Regression: a (2, 2) table in a 2-action, 1-observation environment was broadcast silently.
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    for table in ([[0, 1], [0, 1]], [[0], [1], [1]], [[1, 0]]):
        u = theory.MeanReward(table)
        with pytest.raises(theory.UtilityError, match=r"shape"):
            theory.value(pi, env, u, 2)
        with pytest.raises(theory.UtilityError, match=r"shape"):
            theory.optimal_value(env, u, 2)
        with pytest.raises(theory.UtilityError, match=r"shape"):
            theory.kl_regularized_policy(pi, env, u, 1, 1)
    assert as_utility(theory.MeanReward([[0], [1]]), 2, 1).table.shape == (2, 1)


def test_as_utility():
    u = theory.MeanReward([[0], [1]])
    assert as_utility(u) is u
    wrapped = as_utility(lambda h: 0)
    assert isinstance(wrapped, HistoryUtility) and as_utility(wrapped) is wrapped
    with pytest.raises(theory.UtilityError, match="callable"):
        as_utility("not a utility")


def test_history_table_utility_repr_rebuilds_it():
    u = HistoryTableUtility(values=("1/3", 1), multiplier=2, action_coef=1, observation_coef=3)
    again = eval(repr(u), {"HistoryTableUtility": HistoryTableUtility})
    for h in [(), ((0, 1),), ((1, 1), (0, 0), (1, 2))]:
        assert again(h) == u(h)

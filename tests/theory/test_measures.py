"""theory.measures: trajectory KL (expected and worst case), TVD, values and expectimax, against brute-force
enumeration of the trees, in three arithmetics, merged and unmerged."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory.arith import LogLinear

from proofs_checks.strategies import alphabets, finite_state_environments, finite_state_policies, mean_rewards

from . import brute
from .compare import assert_agree, exact_equal, is_infinite
from .instances import instances


def three(fn, *args, **kw):
    return fn(*args, **kw), fn(*args, arith="exact", **kw), fn(*args, arith="ball", **kw)


# ---------------------------------------------------------------------------------------------------------------
# Expected trajectory KL
# ---------------------------------------------------------------------------------------------------------------
@given(instances(semi_pi=True, semi_beta=True))
def test_trajectory_kl_is_its_definition(x):
    expected = brute.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history)
    f, e, b = three(theory.trajectory_kl, x.pi, x.beta, x.env, x.horizon, x.history)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    assert is_infinite(e) or e >= 0


@given(instances(beta_mixture=True, max_leaves=27))
def test_trajectory_kl_to_a_mixture_is_its_definition(x):
    expected = brute.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history)
    f, e, b = three(theory.trajectory_kl, x.pi, x.beta, x.env, x.horizon, x.history)
    assert exact_equal(e, expected)
    assert_agree(f, e, b)


@given(instances(semi_pi=True, semi_beta=True, demonstrator=True, max_leaves=27))
def test_trajectory_kl_with_a_demonstrator_is_its_definition(x):
    expected = brute.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, x.demonstrator)
    f, e, b = three(theory.trajectory_kl, x.pi, x.beta, x.env, x.horizon, x.history, demonstrator=x.demonstrator)
    assert exact_equal(e, expected)
    assert_agree(f, e, b)


@given(instances(semi_pi=True, semi_beta=True))
def test_chain_rule_kl_is_the_expected_sum_of_per_step_kls(x):
    # The definition (log-ratio of whole trajectories) equals the sum of expected per-step KLs.
    definition = brute.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history)
    steps = brute.per_step_kls(x.pi, x.beta, x.env, x.horizon, x.history)
    if is_infinite(definition):
        assert any(is_infinite(s) for s in steps)
    else:
        assert exact_equal(sum(steps, Fraction(0)), definition)
    b = theory.kl_breakdown(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact")
    assert len(b.per_step) == x.horizon
    for got, want in zip(b.per_step, steps):
        if not is_infinite(want):
            assert exact_equal(got, want)
    if not is_infinite(definition):
        assert b.infinite is None and exact_equal(sum(b.per_step, Fraction(0)), b.total)


@given(instances(semi_pi=True, semi_beta=True, max_leaves=81))
def test_infinite_kl_names_a_history_and_action_where_beta_rules_out_pi(x):
    points = brute.infinite_points(x.pi, x.beta, x.env, x.horizon, x.history)
    for arith in ("float", "exact", "ball"):
        d = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith=arith)
        assert not (isinstance(d, float) and math.isnan(d))
        if points:
            assert isinstance(d, theory.InfiniteDivergence) and d == math.inf
            assert d.where in points, (d.where, points)
            assert repr(d.where[0]) in d.reason
        else:
            assert not is_infinite(d)


@given(instances(semi_pi=True, semi_beta=True, demonstrator=True, max_leaves=27))
def test_infinite_kl_with_a_demonstrator_names_a_flagged_history(x):
    points = brute.infinite_points(x.pi, x.beta, x.env, x.horizon, x.history, x.demonstrator)
    d = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, demonstrator=x.demonstrator, arith="exact")
    if points:
        assert d == math.inf and d.where in points, (d.where, points)
    else:
        assert not is_infinite(d)


def test_infinite_kl_where_is_the_first_offending_history():
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy([["1/2", "1/2"], [0, 1]], [[[1], [1]], [[1], [1]]])  # then always action 1
    beta = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1], [1]], [[1], [1]]])  # then always action 0
    d = theory.trajectory_kl(pi, beta, env, 3, arith="exact")
    assert d == math.inf and d.where[1] == 1 and len(d.where[0]) == 1
    assert theory.trajectory_kl(pi, beta, env, 1, arith="exact") == 0  # one step: no disagreement yet
    semi = theory.FiniteStatePolicy.iid(["1/2", "1/4"], semi=True)
    d = theory.trajectory_kl(semi, theory.FiniteStatePolicy.iid(["1/2", "1/2"]), env, 2)
    assert d == math.inf and d.where == ((), "⊥") and "abstaining" in d.reason


@given(instances(semi_pi=True, semi_beta=True, functions=True, max_leaves=27))
def test_merged_and_unmerged_trees_agree(x):
    merged = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact")
    unmerged = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", merge=False)
    assert exact_equal(merged, unmerged)
    f1 = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history)
    f2 = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, merge=False)
    assert_agree(f1, merged) and assert_agree(f2, merged)


@given(instances(beta_mixture=True, max_leaves=27, max_horizon=3))
def test_merged_and_unmerged_trees_agree_for_mixtures(x):
    merged = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact")
    unmerged = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", merge=False)
    assert exact_equal(merged, unmerged)
    assert_agree(theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history), merged)


def test_merging_finds_equal_futures_on_long_horizons():
    # i.i.d. policies: every level merges to one node, so horizon 200 is instant and exactly 200 × the step KL.
    env = theory.sequence_environment(3)
    pi, beta = theory.FiniteStatePolicy.iid(["1/2", "1/4", "1/4"]), theory.FiniteStatePolicy.iid(["1/3", "1/3", "1/3"])
    step = theory.kl(["1/2", "1/4", "1/4"], ["1/3", "1/3", "1/3"], arith="exact")
    assert theory.trajectory_kl(pi, beta, env, 200, arith="exact") == 200 * step


# ---------------------------------------------------------------------------------------------------------------
# Worst-case KL (Definition 2)
# ---------------------------------------------------------------------------------------------------------------
@given(instances(semi_pi=True, semi_beta=True, max_leaves=27, start_length=0))
def test_worst_case_kl_is_its_definition_and_bounds_the_expected_kl(x):
    expected = brute.worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon)
    f, e, b = three(theory.worst_case_kl, x.pi, x.beta, x.env, x.horizon)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    expected_kl = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, arith="exact")
    if is_infinite(expected_kl):
        assert is_infinite(e)
    elif not is_infinite(e):
        assert e >= expected_kl  # max over observations ≥ average over observations
    # It does not depend on the environment: the number of observations is enough.
    assert exact_equal(theory.worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon, arith="exact"), e)


@given(instances(semi_pi=True, semi_beta=True, alphabet=st.tuples(st.integers(1, 3), st.just(1)), max_leaves=81,
                 max_horizon=4))
def test_worst_case_equals_expected_kl_without_observations(x):
    e = theory.worst_case_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact")
    assert exact_equal(e, theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact"))


def test_worst_case_breakdown_reports_the_maximizing_observations():
    copy = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])  # copies the last o
    beta = theory.FiniteStatePolicy.iid(["9/10", "1/10"], n_observations=2)
    b = theory.kl_breakdown(copy, beta, 2, 3, form="worst-case", arith="exact")
    # Step 1 is action 0 whatever happens; the worst observations are then all 1 (π deterministic on action 1).
    assert b.observations[1:] == (1,) and b.observations[0] == 1
    assert exact_equal(b.total, LogLinear.log(Fraction(10, 9)) + 2 * LogLinear.log(10))


# ---------------------------------------------------------------------------------------------------------------
# TVD
# ---------------------------------------------------------------------------------------------------------------
@given(instances(semi_pi=True, semi_beta=True))
def test_trajectory_tvd_is_its_definition_and_pinsker_holds(x):
    expected = brute.trajectory_tvd(x.pi, x.beta, x.env, x.horizon, x.history)
    f, e, b = three(theory.trajectory_tvd, x.pi, x.beta, x.env, x.horizon, x.history)
    assert e == expected
    assert_agree(f, e, b)
    assert 0 <= e <= 1
    k = theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact")
    if not is_infinite(k):
        assert 2 * e * e <= k  # Pinsker: TVD ≤ sqrt(KL/2), decided exactly


@given(instances(semi_pi=True, semi_beta=True, demonstrator=True, max_leaves=27))
def test_trajectory_tvd_with_a_demonstrator(x):
    expected = brute.trajectory_tvd(x.pi, x.beta, x.env, x.horizon, x.history, x.demonstrator)
    f, e, b = three(theory.trajectory_tvd, x.pi, x.beta, x.env, x.horizon, x.history, demonstrator=x.demonstrator)
    assert e == expected
    assert_agree(f, e, b)


# ---------------------------------------------------------------------------------------------------------------
# Values and expectimax
# ---------------------------------------------------------------------------------------------------------------
@given(instances(with_utility=True))
def test_value_is_the_expected_utility(x):
    expected = brute.value(x.pi, x.env, x.utility, x.horizon, x.history)
    f, e, b = three(theory.value, x.pi, x.env, x.utility, x.horizon, x.history)
    assert e == expected
    assert_agree(f, e, b)
    assert 0 <= e <= 1


@given(instances(semi_pi=True, demonstrator=True, with_utility=True, max_leaves=27))
def test_value_with_a_demonstrator_taking_over_abstentions(x):
    expected = brute.value(x.pi, x.env, x.utility, x.horizon, x.history, x.demonstrator)
    f, e, b = three(theory.value, x.pi, x.env, x.utility, x.horizon, x.history, demonstrator=x.demonstrator)
    assert e == expected
    assert_agree(f, e, b)


@given(instances(with_utility=True, min_horizon=1))
def test_expectimax_value_q_values_and_optimal_actions(x):
    q = brute.q_values(x.env, x.utility, x.horizon, x.history)
    v = max(q)
    f, e, b = three(theory.optimal_value, x.env, x.utility, x.horizon, x.history)
    assert e == v
    assert_agree(f, e, b)
    assert list(theory.q_values(x.env, x.utility, x.horizon, x.history, arith="exact")) == q
    for fq, eq in zip(theory.q_values(x.env, x.utility, x.horizon, x.history), q):
        assert_agree(float(fq), eq)
    assert theory.optimal_actions(x.env, x.utility, x.horizon, x.history, arith="exact") == \
        [a for a in range(len(q)) if q[a] == v]
    # No policy beats expectimax.
    assert theory.value(x.pi, x.env, x.utility, x.horizon, x.history, arith="exact") <= e


def test_horizon_zero():
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    beta = theory.FiniteStatePolicy.iid([1, 0])
    for arith in ("float", "exact", "ball"):
        assert theory.trajectory_kl(pi, beta, env, 0, arith=arith) == 0
        assert theory.worst_case_kl(pi, beta, env, 0, arith=arith) == 0
        assert theory.trajectory_tvd(pi, beta, env, 0, arith=arith) == 0
    u = lambda h: Fraction(len(h), 4)  # noqa: E731 - a utility of the history itself
    assert theory.value(pi, env, u, 0, ((0, 0), (1, 0)), arith="exact") == Fraction(1, 2)
    assert theory.optimal_value(env, u, 0, ((0, 0),), arith="exact") == Fraction(1, 4)


def test_prefix_listing():
    env = theory.sequence_environment(2)
    pi = theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    b = theory.kl_breakdown(pi, beta, env, 3, prefixes=True, arith="exact")
    assert len(b.prefixes) == 1 + 2 + 4  # every node above the leaves, unmerged
    step = theory.kl(["1/4", "3/4"], ["1/2", "1/2"], arith="exact")
    for history, probability, step_kl in b.prefixes:
        a1 = sum(a for a, _ in history)
        assert probability == Fraction(3, 4) ** a1 * Fraction(1, 4) ** (len(history) - a1)
        assert step_kl == step
    by_depth = {}
    for history, probability, _ in b.prefixes:
        by_depth[len(history)] = by_depth.get(len(history), 0) + probability
    assert by_depth == {0: 1, 1: 1, 2: 1}


@settings(max_examples=10)
@given(alphabets(min_actions=2), st.data())
def test_long_horizon_float_against_exact(ao, data):
    # Horizon 6 with merging: float and exact agree (exact trees merge only equal posteriors: use i.i.d. policies).
    n_actions, n_obs = ao
    pi = data.draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=1))
    beta = data.draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=2))
    env = data.draw(finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=2))
    u = data.draw(mean_rewards(n_actions=n_actions, n_observations=n_obs))
    e = theory.trajectory_kl(pi, beta, env, 6, arith="exact")
    assert_agree(theory.trajectory_kl(pi, beta, env, 6), e)
    assert_agree(theory.value(pi, env, u, 6), theory.value(pi, env, u, 6, arith="exact"))
    assert_agree(theory.optimal_value(env, u, 6), theory.optimal_value(env, u, 6, arith="exact"))


def test_value_of_an_abstaining_policy_needs_a_demonstrator():
    semi = theory.FiniteStatePolicy.iid(["1/2", "1/4"], semi=True)
    with pytest.raises(theory.MightntError, match="demonstrator"):
        theory.value(semi, theory.sequence_environment(2), theory.MeanReward([[0], [1]]), 1)

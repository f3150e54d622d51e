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


@given(
    instances(
        semi_pi=True, semi_beta=True, alphabet=st.tuples(st.integers(1, 3), st.just(1)), max_leaves=81, max_horizon=4
    )
)
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
    assert theory.optimal_actions(x.env, x.utility, x.horizon, x.history, arith="exact") == [
        a for a in range(len(q)) if q[a] == v
    ]
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


# ---------------------------------------------------------------------------------------------------------------
# Reactive worst-case KL (the maximum of the expected KL over environments)
# ---------------------------------------------------------------------------------------------------------------
def echo_example():
    """The spec's example: π plays (½, ½), then action 0 surely if the first observation echoed the first action
    (else (½, ½)); β uniform; μ echoes the action."""
    echo = theory.FiniteStateEnvironment([[[1, 0], [0, 1]]], [[[0, 0], [0, 0]]])
    pi = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1, 0], [0, 1]], [[1, 1], [1, 1]]])
    beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    return pi, beta, echo


@given(instances(semi_pi=True, semi_beta=True, max_leaves=27))
def test_reactive_worst_case_kl_is_its_definition_and_bounds_both_kls(x):
    expected = brute.reactive_worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon, x.history)
    f, e, b = three(theory.reactive_worst_case_kl, x.pi, x.beta, x.env, x.horizon, x.history)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    # Only the observation alphabet matters.
    assert exact_equal(
        theory.reactive_worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon, x.history, arith="exact"), e
    )
    # At least the expected KL under the drawn μ and at least Definition 2 (infinite whenever either is).
    for other in (
        theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact"),
        theory.worst_case_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact"),
    ):
        if is_infinite(other):
            assert is_infinite(e)
        elif not is_infinite(e):
            assert theory.get_context("exact").sign(e - other) >= 0, (e, other)


@given(instances(beta_mixture=True, max_leaves=27, max_horizon=3))
def test_reactive_worst_case_kl_to_a_mixture_is_its_definition(x):
    expected = brute.reactive_worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon, x.history)
    f, e, b = three(theory.reactive_worst_case_kl, x.pi, x.beta, x.env, x.horizon, x.history)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)


@settings(max_examples=20)
@given(instances(semi_pi=True, semi_beta=True, max_leaves=16, min_horizon=1))
def test_reactive_worst_case_is_attained_by_a_deterministic_environment(x):
    # The brute force records its maximizing observation at every (history, action): as an environment, that
    # choice gives an expected KL equal to the reactive worst case (so it is a maximum, not only a bound).
    choices: dict = {}
    e = brute.reactive_worst_case_kl(x.pi, x.beta, x.n_observations, x.horizon, x.history, choices=choices)
    n_obs = x.n_observations

    def law(history, action):
        # Histories and actions π never reaches are not in the table: any law will do there.
        o = choices.get((tuple((a, b) for a, b, *_ in history), action), 0)
        return [Fraction(int(i == o)) for i in range(n_obs)]

    worst = theory.FunctionEnvironment(x.n_actions, n_obs, law)
    attained = theory.trajectory_kl(x.pi, x.beta, worst, x.horizon, x.history, arith="exact")
    assert exact_equal(attained, e), (attained, e)


def test_reactive_worst_case_kl_of_the_echo_example():
    pi, beta, echo = echo_example()
    ln2 = LogLinear.log(2)
    f, e, b = three(theory.reactive_worst_case_kl, pi, beta, echo, 2)
    assert exact_equal(e, ln2)
    assert_agree(f, e, b)
    # The echo attains it; Definition 2 (observations fixed in advance) is half of it.
    assert exact_equal(theory.trajectory_kl(pi, beta, echo, 2, arith="exact"), ln2)
    assert exact_equal(theory.worst_case_kl(pi, beta, echo, 2, arith="exact"), ln2 / 2)
    # π stays in its deterministic state once the echo matched: ln 2 for every later step.
    assert exact_equal(theory.reactive_worst_case_kl(pi, beta, 2, 6, arith="exact"), 5 * ln2)
    assert theory.reactive_worst_case_kl(pi, beta, 2, 1, arith="exact") == 0


def test_reactive_worst_case_kl_is_infinite_where_some_observation_leads_beta_to_rule_out_pi():
    # β rules out action 1 only after observation 1, which μ never emits: the expected KL under that μ is finite,
    # but some environment emits observation 1, so the reactive worst case (like Definition 2) is infinite.
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    beta = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    never_one = theory.FiniteStateEnvironment([[[1, 0], [1, 0]]], [[[0, 0], [0, 0]]])
    assert exact_equal(theory.trajectory_kl(pi, beta, never_one, 2, arith="exact"), 0)
    for arith in ("float", "exact", "ball"):
        r = theory.reactive_worst_case_kl(pi, beta, never_one, 2, arith=arith)
        assert isinstance(r, theory.InfiniteDivergence) and math.isinf(r)
        assert r.where == (((0, 1),), 1)


@settings(max_examples=10)
@given(alphabets(min_actions=2), st.data())
def test_reactive_worst_case_kl_on_long_horizons_merges(ao, data):
    # Horizon 12: the unmerged tree would have (|A|·|O|)^12 nodes; merged on the policies' states it is small.
    n_actions, n_obs = ao
    pi = data.draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=2))
    beta = data.draw(finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=2))
    f, e = (
        theory.reactive_worst_case_kl(pi, beta, n_obs, 12),
        theory.reactive_worst_case_kl(pi, beta, n_obs, 12, arith="exact"),
    )
    assert_agree(f, e)
    if not is_infinite(e):
        # Every step adds a non-negative KL: the reactive worst case grows with the horizon.
        assert f >= theory.reactive_worst_case_kl(pi, beta, n_obs, 6) - 1e-12


def test_reactive_worst_case_kl_rejects_bad_input():
    pi, beta, echo = echo_example()
    with pytest.raises(theory.HorizonError, match="-1"):
        theory.reactive_worst_case_kl(pi, beta, echo, -1)
    with pytest.raises(theory.AlphabetError, match="0"):
        theory.reactive_worst_case_kl(pi, beta, 0, 2)
    with pytest.raises(theory.HistoryError, match="3"):
        theory.reactive_worst_case_kl(pi, beta, 3, 2)
    with pytest.raises(theory.TypeMismatchError, match="env"):
        theory.reactive_worst_case_kl(pi, beta, "echo", 2)
    with pytest.raises(theory.HistoryError):
        theory.reactive_worst_case_kl(pi, beta, echo, 2, ((0, 5),))
    assert theory.reactive_worst_case_kl(pi, beta, echo, 0, arith="exact") == 0


# ---------------------------------------------------------------------------------------------------------------
# The convention for abstentions: ⊥ as one more outcome, or the paper's raw sum over actions
# ---------------------------------------------------------------------------------------------------------------
ACTIONS = {"convention": "actions"}


@given(instances(semi_pi=True, semi_beta=True))
def test_trajectory_kl_under_the_actions_convention_is_its_definition(x):
    expected = brute.trajectory_kl_actions(x.pi, x.beta, x.env, x.horizon, x.history)
    f, e, b = three(theory.trajectory_kl, x.pi, x.beta, x.env, x.horizon, x.history, **ACTIONS)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    # Unmerged trees and the breakdown's per-step sum give the same number.
    assert exact_equal(
        theory.trajectory_kl(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", merge=False, **ACTIONS), e
    )
    parts = theory.kl_breakdown(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", **ACTIONS)
    if not is_infinite(e):
        assert exact_equal(sum(parts.per_step, Fraction(0)), e)


@given(instances(semi_pi=True, semi_beta=True, demonstrator=True, max_leaves=27))
def test_trajectory_kl_under_the_actions_convention_with_a_demonstrator_is_its_definition(x):
    # ⊥ hands the step to the demonstrator and scores nothing, even where β never abstains.
    expected = brute.trajectory_kl_actions(x.pi, x.beta, x.env, x.horizon, x.history, x.demonstrator)
    f, e, b = three(
        theory.trajectory_kl, x.pi, x.beta, x.env, x.horizon, x.history, demonstrator=x.demonstrator, **ACTIONS
    )
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)


@given(instances(semi_pi=True, semi_beta=True))
def test_worst_case_kl_under_the_actions_convention_is_its_definition(x):
    expected = brute.worst_case_kl_actions(x.pi, x.beta, x.n_observations, x.horizon, x.history)
    f, e, b = three(theory.worst_case_kl, x.pi, x.beta, x.env, x.horizon, x.history, **ACTIONS)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)
    wc = theory.kl_breakdown(x.pi, x.beta, x.env, x.horizon, x.history, form="worst-case", arith="exact", **ACTIONS)
    assert exact_equal(wc.total, e)


@given(instances(semi_pi=True, semi_beta=True, max_leaves=27))
def test_reactive_worst_case_kl_under_the_actions_convention_is_its_definition(x):
    expected = brute.reactive_worst_case_kl_actions(x.pi, x.beta, x.n_observations, x.horizon, x.history)
    f, e, b = three(theory.reactive_worst_case_kl, x.pi, x.beta, x.env, x.horizon, x.history, **ACTIONS)
    assert exact_equal(e, expected), (e, expected)
    assert_agree(f, e, b)


@given(instances(semi_beta=True, demonstrator=True, max_leaves=27))
def test_the_conventions_agree_when_pi_never_abstains(x):
    # ⊥ then carries no π mass: its term 0·ln(0/β(⊥)) is 0 under "outcome", absent under "actions".
    for fn, kw in (
        (theory.trajectory_kl, {"demonstrator": x.demonstrator}),
        (theory.worst_case_kl, {}),
        (theory.reactive_worst_case_kl, {}),
    ):
        outcome = fn(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", **kw)
        actions = fn(x.pi, x.beta, x.env, x.horizon, x.history, arith="exact", **kw, **ACTIONS)
        assert exact_equal(outcome, actions), (fn.__name__, outcome, actions)


def pessimistic_example():
    """ξ = ½·"always 0" + ½·fair coin; at α = 1/4 both are in the top set at (), so ν_α(·|()) = (1/2, 0) with
    ⊥ = 1/2; μ = "always 0" is in the top set along every history it produces."""
    stay, fair = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    nu = theory.PessimisticImitator(theory.BayesianMixture([stay, fair], ["1/2", "1/2"]), "1/4")
    return nu, stay, theory.sequence_environment(2)


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_pi_equal_to_the_imitator_is_free_under_both_conventions_but_infinitely_far_from_mu_as_an_outcome(arith):
    nu, mu, env = pessimistic_example()
    ctx = theory.get_context(arith)
    # "outcome": KL(ν_α‖ν_α) = 0 but KL(ν_α‖μ) = ∞ (ν_α abstains where μ never does): Theorem 4's implication
    # fails for abstaining π under this convention.
    assert ctx.sign(ctx.convert(theory.trajectory_kl(nu, nu, env, 2, arith=arith))) == 0
    inf = theory.trajectory_kl(nu, mu, env, 2, arith=arith)
    assert is_infinite(inf) and inf.where == ((), "⊥")
    assert is_infinite(theory.worst_case_kl(nu, mu, env, 2, arith=arith))
    # "actions": finite, and ≤ KL_actions(ν_α‖ν_α) = 0. Step 1: ½ ln(½/1); step 2 (after action 0, reached with
    # probability ½, posterior (2/3, 1/3), both still in the top set, ν_α = (1/2, 0)): ½ ln ½ again.
    # No observations, so the expected, Definition 2 and reactive forms coincide.
    want = LogLinear.log(Fraction(1, 2)) * Fraction(3, 4)
    for fn in (theory.trajectory_kl, theory.worst_case_kl, theory.reactive_worst_case_kl):
        got = fn(nu, mu, env, 2, arith=arith, convention="actions")
        assert not is_infinite(got) and ctx.sign(ctx.convert(got)) < 0
        if arith == "float":
            assert_agree(got, want)
        elif arith == "exact":
            assert exact_equal(got, want), (fn.__name__, got)
        else:
            assert got.contains(want.enclosure(200))
        assert ctx.sign(ctx.convert(fn(nu, nu, env, 2, arith=arith, convention="actions"))) == 0


def test_the_actions_convention_follows_abstentions_to_the_demonstrator_even_where_beta_never_abstains():
    # π abstains surely at the first step, then plays 0; β = "always 1" never abstains. Under "outcome" the
    # first step is already infinite; under "actions" it scores nothing and the demonstrator's step is followed.
    pi = theory.FiniteStatePolicy([[0, 0], [1, 0]], [[[1], [1]], [[1], [1]]], semi=True)
    beta, demo = theory.FiniteStatePolicy.iid([0, 1]), theory.FiniteStatePolicy.iid([1, 0])
    env = theory.sequence_environment(2)
    assert theory.trajectory_kl(pi, beta, env, 2, demonstrator=demo, arith="exact").where == ((), "⊥")
    actions = theory.trajectory_kl(pi, beta, env, 2, demonstrator=demo, arith="exact", convention="actions")
    assert is_infinite(actions) and actions.where == (((0, 0, True),), 0)


@pytest.mark.parametrize("fn", ["trajectory_kl", "worst_case_kl", "reactive_worst_case_kl", "kl_breakdown"])
def test_a_bad_convention_is_rejected_by_name(fn):
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    with pytest.raises(theory.MightntError, match="convention 'raw'"):
        getattr(theory, fn)(pi, pi, theory.sequence_environment(2), 1, convention="raw")


# ---------------------------------------------------------------------------------------------------------------
# Issue 9: a π that surely abstains, at horizon >= 3, in the reactive worst case
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_obs", [1, 2])
@pytest.mark.parametrize("horizon", [1, 2, 3, 4])
def test_reactive_worst_case_of_a_policy_that_surely_abstains(n_obs, horizon):
    # π abstains surely; β plays 0 and never abstains. Under "actions" π's step term is Σ_a π(a) ln(π(a)/β(a)) = 0
    # and ⊥ ends the trajectory: W = 0. Under "outcome" ⊥ is an outcome β gives 0: infinite at the root.
    # (Exact and ball used to raise at horizon >= 3: the empty level after the abstention.)
    pi = theory.FiniteStatePolicy([[0]], [[[0] * n_obs]], semi=True)
    beta = theory.FiniteStatePolicy([[1]], [[[0] * n_obs]])
    env = theory.FiniteStateEnvironment([[[1] + [0] * (n_obs - 1)]], [[[0] * n_obs]])
    f, e, b = three(theory.reactive_worst_case_kl, pi, beta, env, horizon, convention="actions")
    assert f == 0.0 and e == 0 and b == 0
    for got in three(theory.reactive_worst_case_kl, pi, beta, env, horizon, convention="outcome"):
        assert is_infinite(got) and got.where == ((), "⊥")


def test_reactive_worst_case_of_a_policy_that_abstains_half_the_time():
    # π: action 0 or ⊥, each 1/2; β: 0 surely. "actions": W_m = ½ ln ½ + ½ W_{m−1}, so W_3 = (7/8) ln ½.
    half, beta = theory.FiniteStatePolicy.iid(["1/2", 0], semi=True), theory.FiniteStatePolicy.iid([1, 0])
    want = LogLinear.log(Fraction(1, 2)) * Fraction(7, 8)
    f, e, b = three(theory.reactive_worst_case_kl, half, beta, 1, 3, convention="actions")
    assert_agree(f, want)
    assert exact_equal(e, want)
    assert b.contains(want.enclosure(200))


# ---------------------------------------------------------------------------------------------------------------
# Issue 9: a semi-distribution demonstrator is refused
# ---------------------------------------------------------------------------------------------------------------
SEMI_DEMO = theory.FiniteStatePolicy.iid(["1/4", "1/4"], n_observations=2, semi=True)
_BETA2 = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
_ENV2 = theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/2", "1/2"]]], [[[0, 0], [0, 0]]])


@pytest.mark.parametrize(
    "call",
    [
        lambda d: theory.trajectory_kl(SEMI_DEMO, _BETA2, _ENV2, 1, demonstrator=d),
        lambda d: theory.kl_breakdown(SEMI_DEMO, _BETA2, _ENV2, 1, demonstrator=d),
        lambda d: theory.trajectory_tvd(SEMI_DEMO, _BETA2, _ENV2, 1, demonstrator=d),
        lambda d: theory.value(SEMI_DEMO, _ENV2, theory.MeanReward([[0, 1], [0, 1]]), 1, demonstrator=d),
        lambda d: theory.sample_episodes(SEMI_DEMO, _ENV2, 1, episodes=3, demonstrator=d),
    ],
    ids=["trajectory_kl", "kl_breakdown", "trajectory_tvd", "value", "sample_episodes"],
)
def test_a_semi_distribution_demonstrator_is_refused(call):
    # It used to be accepted: trajectory_kl returned inf, value 0.28125 (the demonstrator's own abstentions lost).
    with pytest.raises(theory.ProbabilityError, match=r"demonstrator FiniteStatePolicy\(.*semi-distribution"):
        call(SEMI_DEMO)
    with pytest.raises(theory.TypeMismatchError, match="demonstrator must be a theory.Policy, got 3"):
        call(3)
    call(_BETA2)  # a full demonstrator is accepted

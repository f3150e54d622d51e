"""Resource guards (issue 9, item 4) and float underflow of exact inputs (item 2): every size-driven computation
refuses, quickly and before allocating, with an error naming its estimate and the keyword that raises the limit."""

import sys
import time
from fractions import Fraction

import numpy as np
import pytest

import theory
from theory.arith import BallContext, FloatContext, get_context
from theory.validation import MAX_BALL_PRECISION

ENV = theory.sequence_environment(2)
PI = theory.FiniteStatePolicy.iid([0.5, 0.5])
BETA = theory.FiniteStatePolicy.iid([0.25, 0.75])
PI2 = theory.FiniteStatePolicy.iid([0.5, 0.5], n_observations=2)
BETA2 = theory.FiniteStatePolicy.iid([0.25, 0.75], n_observations=2)
U = theory.MeanReward([[0], [1]])
DET = theory.FiniteStatePolicy.iid([1, 0])


def refuses(call, error=theory.ResourceLimitError, *words):
    """The call raises ``error`` in well under a second, with every word in its message."""
    start = time.perf_counter()
    with pytest.raises(error) as info:
        call()
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"took {elapsed:.2f}s to refuse"
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    return info.value


HUGE_HORIZON = {
    "trajectory_kl": lambda m: theory.trajectory_kl(PI, BETA, ENV, m),
    "kl_breakdown": lambda m: theory.kl_breakdown(PI, BETA, ENV, m),
    "worst_case_kl": lambda m: theory.worst_case_kl(PI2, BETA2, 2, m),
    "worst-case breakdown": lambda m: theory.kl_breakdown(PI2, BETA2, 2, m, form="worst-case"),
    "reactive_worst_case_kl": lambda m: theory.reactive_worst_case_kl(PI2, BETA2, 2, m),
    "trajectory_tvd": lambda m: theory.trajectory_tvd(PI, BETA, ENV, m),
    "value": lambda m: theory.value(PI, ENV, U, m),
    "optimal_value": lambda m: theory.optimal_value(ENV, U, m),
    "q_values": lambda m: theory.q_values(ENV, U, m),
    "optimal_actions": lambda m: theory.optimal_actions(ENV, U, m),
}


@pytest.mark.parametrize("name", sorted(HUGE_HORIZON))
def test_a_huge_horizon_is_refused_at_once(name):
    # Before the guards: a hang, or 3.9 GB of per-step lists.
    err = refuses(lambda: HUGE_HORIZON[name](10**9), theory.ResourceLimitError, "max_nodes", "00000000")
    assert "10000000" in str(err)  # the limit


@pytest.mark.parametrize("name", ["trajectory_kl", "kl_breakdown", "trajectory_tvd", "value", "worst_case_kl"])
def test_a_horizon_beyond_the_recursion_limit_just_works(name):
    # Before: RecursionError near horizon 1000, then a WalkDepthError. The walk is iterative now.
    m = sys.getrecursionlimit() + 500
    if name == "worst_case_kl":
        assert theory.worst_case_kl(PI2, BETA2, 2, m, arith="exact") == m * theory.kl(
            ["1/2", "1/2"], ["1/4", "3/4"], arith="exact"
        )
    elif name == "trajectory_tvd":  # deterministic policies: the unmerged tree is a path
        assert theory.trajectory_tvd(DET, DET, ENV, m) == 0
    elif name == "value":
        assert HUGE_HORIZON[name](m) == pytest.approx(0.5)  # the mean reward of a fair coin
    else:
        got = HUGE_HORIZON[name](m)
        got = got.total if name == "kl_breakdown" else got
        assert got == pytest.approx(m * theory.kl([0.5, 0.5], [0.25, 0.75]), rel=1e-9)


def test_worst_case_kl_refuses_observation_tables_it_cannot_merge_before_allocating():
    # A policy given as a Python function has no merge key: one group per observation sequence, |O|^t at step t,
    # refused up front (before: 2^40 entries allocated until memory ran out, for any pair of policies).
    pi = theory.Policy.from_function(2, lambda h: [0.5, 0.5], n_observations=2)
    refuses(
        lambda: theory.worst_case_kl(pi, BETA2, 2, 40),
        theory.ResourceLimitError,
        "1099511627775 observation sequences",
        "max_nodes",
    )
    refuses(
        lambda: theory.worst_case_kl(pi, BETA2, 2, 8, max_nodes=100),
        theory.ResourceLimitError,
        "255 observation sequences",
    )
    assert theory.worst_case_kl(pi, BETA2, 2, 8, max_nodes=10**5) == pytest.approx(
        theory.worst_case_kl(PI2, BETA2, 2, 8)
    )
    # Policies whose observation prefixes merge: i.i.d. at horizon 10^4 is m times the one-step KL, at once.
    start = time.perf_counter()
    assert theory.worst_case_kl(PI2, BETA2, 2, 10**4) == pytest.approx(
        10**4 * theory.kl([0.5, 0.5], [0.25, 0.75]), rel=1e-9
    )
    assert time.perf_counter() - start < 30


def test_max_nodes_bounds_a_tree_that_does_not_merge_and_raises_the_limit():
    # TVD cannot merge: 2 + 4 + ... + 2^8 nodes at horizon 8.
    with pytest.raises(theory.ResourceLimitError, match="does not merge.*max_nodes"):
        theory.trajectory_tvd(PI, BETA, ENV, 8, max_nodes=300)
    assert theory.trajectory_tvd(PI, BETA, ENV, 8, max_nodes=600) == theory.trajectory_tvd(PI, BETA, ENV, 8)
    with pytest.raises(theory.ResourceLimitError, match="max_nodes"):
        theory.trajectory_kl(PI, BETA, ENV, 8, merge=False, max_nodes=200)
    with pytest.raises(theory.ResourceLimitError, match="max_nodes"):
        theory.optimal_value(ENV, theory.HistoryUtility(lambda h: 0), 8, max_nodes=300)


def test_merged_trees_still_reach_long_horizons():
    # A class of i.i.d. components merges to a few hundred nodes per level: horizon 100 under the default
    # limit, and even under a limit far below the tree's total size (the limit is per level while it merges).
    comps = [theory.FiniteStatePolicy.iid([p, 1 - p], n_observations=2) for p in (0.1, 0.3, 0.5, 0.7, 0.9)]
    xi = theory.BayesianMixture(comps, [Fraction(1, 5)] * 5)
    env = theory.FiniteStateEnvironment([[[0.5, 0.5], [0.3, 0.7]]], [[[0, 0], [0, 0]]])
    expected = theory.trajectory_kl(comps[2], xi, env, 100)
    assert 0 < expected < 100
    assert theory.trajectory_kl(comps[2], xi, env, 100, max_nodes=2000) == expected
    with pytest.raises(theory.ResourceLimitError, match="at depth"):
        theory.trajectory_kl(comps[2], xi, env, 100, max_nodes=150)


@pytest.mark.parametrize("bad", [0, -3, True, 2.5, "many"])
def test_max_nodes_is_validated(bad):
    with pytest.raises(theory.MightntError, match="max_nodes"):
        theory.trajectory_kl(PI, BETA, ENV, 2, max_nodes=bad)


# ---------------------------------------------------------------------------------------------------------------
# Ball precision
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "arith", ["ball:1000000000", f"ball:{MAX_BALL_PRECISION + 1}", "ball:" + "9" * 5000, "ball:-" + "9" * 5000]
)
def test_ball_precision_is_bounded(arith):
    err = refuses(
        lambda: theory.trajectory_kl(PI, BETA, ENV, 2, arith=arith), theory.ArithmeticContextError, "ball precision"
    )
    assert str(MAX_BALL_PRECISION) in str(err) or "minimum 8" in str(err)


def test_ball_context_checks_its_precision():
    with pytest.raises(theory.ArithmeticContextError, match="1000000000 bits is above the maximum 65536"):
        BallContext(10**9)
    with pytest.raises(theory.ArithmeticContextError, match="True"):
        BallContext(True)
    assert get_context(f"ball:{MAX_BALL_PRECISION}").prec == MAX_BALL_PRECISION
    with pytest.raises(theory.ArithmeticContextError, match="unknown arithmetic"):
        get_context(np.array([1, 2]))


# ---------------------------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------------------------
def test_enumerating_too_many_programs_is_refused_before_building_any():
    lang = theory.PolicyLanguage(2, 1)
    refuses(
        lambda: theory.mixture_from_programs(40, language=lang),
        theory.ResourceLimitError,
        f"{lang.count(40)} programs",
        "max_programs",
    )
    refuses(lambda: lang.enumerate(40), theory.ResourceLimitError, "max_programs")
    with pytest.raises(theory.ResourceLimitError, match="max_programs"):
        theory.mixture_from_programs(6, language=lang, max_programs=10)
    assert len(theory.mixture_from_programs(6, language=lang, max_programs=15)) == 15
    with pytest.raises(theory.MightntError, match="max_programs"):
        theory.mixture_from_programs(6, language=lang, max_programs=True)


def test_counting_tables_are_guarded_and_quadratic():
    lang = theory.PolicyLanguage(2, 2)
    refuses(lambda: lang.kraft_sum(10**6), theory.ResourceLimitError, "max_operations")
    refuses(lambda: lang.count(10**6), theory.ResourceLimitError, "max_operations")
    start = time.perf_counter()
    assert 0 < lang.kraft_sum(600) <= 1  # the cubic table took about 20 s here
    assert time.perf_counter() - start < 3
    # One action: the periods of periodic(0, ..., 0) are counted per bit length, not one by one (before: 2^34
    # iterations at 70 bits).
    one = theory.PolicyLanguage(1, 1)
    start = time.perf_counter()
    counts = one.counts(70)
    assert time.perf_counter() - start < 1
    assert counts[:15] == [sum(1 for p in one.enumerate(14) if p.length == L) for L in range(15)]
    assert one.kraft_sum(70) <= 1


def test_a_language_with_astronomically_many_distributions_is_refused():
    refuses(lambda: theory.PolicyLanguage(10**6, 2, grid=10**6), theory.ResourceLimitError, "grid distributions")
    lang = theory.PolicyLanguage(2, 2, grid=10**9)
    refuses(lambda: lang.distributions(), theory.ResourceLimitError, "1000000001 grid distributions", "max_programs")


# ---------------------------------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------------------------------
def test_sampling_estimates_its_memory_first():
    refuses(lambda: theory.sample_episodes(PI, ENV, 3, episodes=10**9), theory.ResourceLimitError, "bytes", "max_bytes")
    refuses(lambda: theory.sample_episodes(PI, ENV, 10**9, episodes=1), theory.ResourceLimitError, "max_bytes")
    with pytest.raises(theory.ResourceLimitError, match="max_bytes"):
        theory.sample_episodes(PI, ENV, 10, episodes=100, max_bytes=1000)
    assert theory.sample_episodes(PI, ENV, 10, episodes=100, max_bytes=10**6).actions.shape == (100, 10)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"episodes": 0}, "episodes 0"),
        ({"episodes": True}, "episodes"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"track": [PI]}, "track"),
        ({"track": {"b": 3}}, "tracked policy 'b'"),
        ({"max_bytes": 0}, "max_bytes"),
    ],
)
def test_sampling_validates_its_options(kwargs, word):
    with pytest.raises(theory.MightntError, match=word):
        theory.sample_episodes(PI, ENV, 3, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Validation of the measures' arguments
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: theory.trajectory_kl(PI, "beta", ENV, 2), theory.TypeMismatchError, "beta"),
        (lambda: theory.trajectory_kl(PI, BETA, "env", 2), theory.TypeMismatchError, "env"),
        (lambda: theory.value(PI, ENV, U, 2, demonstrator=3), theory.TypeMismatchError, "demonstrator"),
        (lambda: theory.worst_case_kl(PI, BETA, "two", 2), theory.TypeMismatchError, "env"),
        (lambda: theory.worst_case_kl(PI, BETA, 0, 2), theory.AlphabetError, "0"),
        (lambda: theory.optimal_value("env", U, 2), theory.TypeMismatchError, "env"),
        (lambda: theory.trajectory_kl(PI, BETA, ENV, "3"), theory.HorizonError, "'3'"),
        (lambda: theory.trajectory_kl(PI, BETA, ENV, 10**400), theory.ResourceLimitError, "max_nodes"),
        (lambda: theory.kl_breakdown(PI, BETA, ENV, 2, form=["expected"]), theory.OptionError, "form"),
        (lambda: theory.kl_breakdown(PI, BETA, ENV, 2, merge="no"), theory.OptionError, "merge"),
        (lambda: theory.kl_breakdown(PI, BETA, ENV, 2, prefixes="yes"), theory.OptionError, "prefixes"),
    ],
)
def test_measures_raise_mightnt_errors_on_bad_arguments(call, error, word):
    with pytest.raises(error, match=word):
        call()


# ---------------------------------------------------------------------------------------------------------------
# Float underflow of exact inputs
# ---------------------------------------------------------------------------------------------------------------
TINY = Fraction(1, 10**400)


@pytest.mark.parametrize(
    "value, what",
    [
        (TINY, "rounds to 0"),
        (-3 * TINY, "rounds to 0"),
        (Fraction(10**400), "overflows"),
        (10**400, "overflows"),
        ("1e-400", "rounds to 0"),
    ],
)
def test_float_conversion_of_exact_values_never_silently_rounds_to_zero_or_infinity(value, what):
    with pytest.raises(theory.UnderflowError, match=what):
        FloatContext().convert(value)
    with pytest.raises(theory.UnderflowError, match=what):
        FloatContext().array([[0.5, value]])
    with pytest.raises(theory.UnderflowError, match=what):
        FloatContext().array(np.array([Fraction(1, 2), value], dtype=object))


def test_float_inputs_pass_through_unchanged():
    ctx = FloatContext()
    assert ctx.convert(1e-320) == 1e-320 and ctx.convert(0.0) == 0.0 and ctx.convert(float("inf")) == float("inf")
    x = np.array([0.0, 1e-320, np.inf, 0.5])
    assert ctx.array(x) is x  # a float64 array is not even copied
    assert ctx.array([0, Fraction(0), 0.0, "0"]).tolist() == [0.0] * 4  # exact zeros are zeros
    big = np.zeros(10**6)
    start = time.perf_counter()
    ctx.array(big)
    ctx.array(big.tolist())
    assert time.perf_counter() - start < 0.5


def test_a_tiny_exact_prior_is_not_silently_ruled_out_in_float():
    # Before: the float posterior gave the first component weight 0 (a possible model "ruled out").
    a, b = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0, 1])
    xi = theory.BayesianMixture([a, b], [TINY, 1 - TINY])
    assert xi.posterior(((0, 0),), arith="exact")[0] == 1
    with pytest.raises(theory.UnderflowError, match="1/10\\^400"):
        xi.posterior(((0, 0),))


def test_a_tiny_exact_emission_does_not_turn_a_finite_kl_infinite_in_float():
    # Before: float rounded 10^-400 to 0, so KL(β‖π) came out inf although it is finite (about 460 nats).
    pi = theory.FiniteStatePolicy.iid([1 - TINY, TINY])
    beta = theory.FiniteStatePolicy.iid([Fraction(1, 2), Fraction(1, 2)])
    exact = theory.trajectory_kl(beta, pi, ENV, 1, arith="exact")
    assert 459 < float(exact) < 461
    with pytest.raises(theory.UnderflowError, match="10\\^400"):
        theory.trajectory_kl(beta, pi, ENV, 1)

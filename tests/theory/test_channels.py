"""theory.channels: channels, pushforwards, joints and marginals against brute-force sums, and the probability a
policy gives an action sequence against the brute-force product over prefixes, in three arithmetics."""

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb
from hypothesis import given
from hypothesis import strategies as st

import theory
from proofs_checks.strategies import distributions, histories, mixtures, policies

from .compare import assert_agree, enclose

ARITHS = ("float", "exact", "ball")


# ---------------------------------------------------------------------------------------------------------------
# Brute force, exactly
# ---------------------------------------------------------------------------------------------------------------
def brute_pushforward(p, matrix):
    return [sum((p[x] * matrix[x][y] for x in range(len(p))), Fraction(0)) for y in range(len(matrix[0]))]


def brute_chain(policy, history, start=()):
    """Π_k policy(a_k | start + h_<k), one public ``probs`` call per prefix."""
    out = Fraction(1)
    for k, step in enumerate(history):
        out *= Fraction(policy.probs(tuple(start) + tuple(history[:k]), arith="exact")[step[0]])
    return out


def brute_mixture(xi, history, start=()):
    """ξ(start + h) / ξ(start) with ξ(h) = Σ_i w_i Π_k ν_i(a_k | h_<k): Bayes' identity, from the components."""

    def mass(h):
        return sum((Fraction(w) * brute_chain(c, h) for w, c in zip(xi.prior, xi.components)), Fraction(0))

    return mass(tuple(start) + tuple(history)) / mass(tuple(start))


def channels(n_inputs, n_outputs, semi=False):
    return st.lists(distributions(n_outputs, semi=semi), min_size=n_inputs, max_size=n_inputs)


def sized_pairs():
    """(p, q, matrix) with matching sizes."""
    return st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
        lambda nm: st.tuples(distributions(nm[0], semi=True), distributions(nm[0]), channels(*nm))
    )


def assert_vector_agrees(results, exact_reference):
    """Results in float, exact, ball (arrays or dicts keyed alike) against an exact reference."""
    f, e, b = results
    if isinstance(exact_reference, dict):
        assert list(f) == list(e) == list(b) == list(exact_reference)
        f, e, b, exact_reference = (list(d.values()) for d in (f, e, b, exact_reference))
    assert [Fraction(x) for x in e] == list(exact_reference)
    for fv, bv, ref in zip(f, b, exact_reference):
        assert_agree(float(fv), ref, bv)


def in_all(fn, *args, **kw):
    return tuple(fn(*args, arith=a, **kw) for a in ARITHS)


# ---------------------------------------------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------------------------------------------
@given(sized_pairs())
def test_pushforward_is_the_sum_over_inputs_in_three_arithmetics(case):
    p, _, matrix = case
    channel = theory.Channel(matrix)
    assert_vector_agrees(in_all(theory.pushforward, list(p), channel), brute_pushforward(p, matrix))


@given(sized_pairs())
def test_data_processing_inequality_holds_exactly_and_kl_tvd_take_the_results(case):
    p, q, matrix = case
    channel = theory.Channel(matrix)
    for arith in ("float", "exact"):
        pk, qk = theory.pushforward(list(p), channel, arith=arith), theory.pushforward(list(q), channel, arith=arith)
        before, after = theory.kl(list(p), list(q), arith=arith), theory.kl(pk, qk, arith=arith)
        if arith == "exact":
            assert math.isinf(before) or (not math.isinf(after) and after <= before)
            assert theory.tvd(pk, qk, arith=arith) <= theory.tvd(list(p), list(q), arith=arith)
        else:
            assert after <= before + 1e-12


@given(sized_pairs())
def test_joint_is_p_times_the_row_and_its_marginals_are_p_and_the_pushforward(case):
    p, q, matrix = case
    channel = theory.Channel(matrix)
    reference = {(x, y): p[x] * matrix[x][y] for x in range(len(p)) for y in range(len(matrix[0]))}
    joints = in_all(theory.joint, list(p), channel)
    assert_vector_agrees(joints, reference)
    assert_vector_agrees(tuple(theory.marginal(joints[1], 0, arith=a) for a in ARITHS), dict(enumerate(p)))
    assert_vector_agrees(
        tuple(theory.marginal(joints[1], 1, arith=a) for a in ARITHS), dict(enumerate(brute_pushforward(p, matrix)))
    )
    swapped = theory.marginal(joints[1], [1, 0], arith="exact")
    assert swapped == {(y, x): v for (x, y), v in reference.items()}
    # The chain rule: the same channel after p and after q adds nothing to the divergence.
    joint_q = theory.joint(list(q), channel, arith="exact")
    assert theory.kl(joints[1], joint_q, arith="exact") == theory.kl(list(p), list(q), arith="exact")


@given(distributions(min_size=1, max_size=6), st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_pushforward_of_a_function_matches_its_deterministic_channel(p, images):
    f = images.__getitem__
    reference: dict = {}
    for x, v in enumerate(p):
        reference[f(x)] = reference.get(f(x), Fraction(0)) + v
    laws = in_all(theory.pushforward, list(p), f)
    assert_vector_agrees(laws, reference)
    channel = theory.Channel.from_function(f, range(len(p)))
    assert theory.pushforward(list(p), channel, arith="exact") == laws[1]


def test_labelled_inputs_and_outputs_give_dicts_and_semi_channels_erase():
    weather = theory.Channel([["1/2", "1/2"], [0, 1]], inputs=["rain", "sun"], outputs=["wet", "dry"])
    assert theory.pushforward({"sun": "1/4", "rain": "3/4"}, weather, arith="exact") == {
        "wet": Fraction(3, 8),
        "dry": Fraction(5, 8),
    }
    assert theory.pushforward({"sun": 1}, weather, arith="exact") == {"wet": 0, "dry": 1}
    assert list(weather.probs("rain", arith="exact")) == [Fraction(1, 2), Fraction(1, 2)]
    erasure = theory.Channel([["1/2", 0], [0, "1/2"]], semi=True)
    out = theory.pushforward(["1/3", "2/3"], erasure, arith="exact")
    assert list(out) == [Fraction(1, 6), Fraction(1, 3)]
    # The erased mass is ⊥ for the divergences: half of each side abstains.
    assert theory.tvd(out, theory.pushforward(["2/3", "1/3"], erasure, arith="exact"), arith="exact") == Fraction(1, 6)


def test_ball_results_enclose_the_exact_ones():
    channel = theory.Channel([["1/3", "2/3"], ["1/7", "6/7"]])
    ball = theory.pushforward(["1/5", "4/5"], channel, arith="ball")
    exact = theory.pushforward(["1/5", "4/5"], channel, arith="exact")
    assert all(isinstance(b, arb) and b.contains(enclose(e)) for b, e in zip(ball, exact))


@pytest.mark.parametrize(
    "matrix, error, words",
    [
        ([[0.5, 0.4], [0, 1]], theory.ProbabilityError, "channel row 0 sums to 0.9 < 1"),
        ([["1/2", "1/2"], ["2/3", "2/3"]], theory.ProbabilityError, "channel row 1 sums to 4/3 > 1"),
        ([[1, 0], [-0.5, 1.5]], theory.ProbabilityError, "channel row 1 has a negative entry -0.5"),
        ([1, 0], theory.AlphabetError, "shape (2,)"),
        ([[]], theory.AlphabetError, "shape (1, 0)"),
    ],
)
def test_bad_channels_raise_naming_the_value(matrix, error, words):
    with pytest.raises(error) as info:
        theory.Channel(matrix)
    assert words in str(info.value) and isinstance(info.value, ValueError)


def test_mismatches_raise_value_errors_naming_the_value():
    channel = theory.Channel([[1, 0], [0, 1]], inputs=["a", "b"])
    cases = [
        (
            lambda: theory.pushforward([1, 0, 0], channel),
            theory.AlphabetError,
            "p has 3 outcomes but the channel has 2",
        ),
        (lambda: theory.pushforward({"c": 1}, channel), theory.AlphabetError, "outcome 'c'"),
        (lambda: theory.pushforward([[1], [0]], channel), theory.AlphabetError, "shape (2, 1)"),
        (lambda: theory.pushforward([0.5, 0.6], channel), theory.ProbabilityError, "p sums to 1.1"),
        (lambda: theory.joint([1, 0], "K"), theory.MightntError, "'K'"),
        (lambda: theory.pushforward([1, 0], 3), theory.MightntError, "got 3"),
        (lambda: channel.probs("z"), theory.AlphabetError, "'z' is not an input"),
        (lambda: theory.Channel([[1]], outputs=["x", "y"]), theory.AlphabetError, "2 output labels ('x', 'y')"),
        (lambda: theory.Channel([[1], [1]], inputs=["x", "x"]), theory.AlphabetError, "'x' appears twice"),
        (lambda: theory.marginal({(0, 1): 1, (0,): 0}, 0), theory.AlphabetError, "outcome (0,)"),
        (lambda: theory.marginal({(0, 1): 1}, 5), theory.AlphabetError, "coordinate 5"),
        (lambda: theory.marginal([1], 0), theory.AlphabetError, "[1]"),
        (lambda: theory.marginal({(0, 1): "3/2"}, 0), theory.ProbabilityError, "3/2"),
    ]
    for call, error, words in cases:
        with pytest.raises(error) as info:
            call()
        assert words in str(info.value), (words, str(info.value))


# ---------------------------------------------------------------------------------------------------------------
# Action-sequence probabilities
# ---------------------------------------------------------------------------------------------------------------
def any_history(n_actions, n_observations, max_length=4):
    return st.lists(
        st.tuples(st.integers(0, n_actions - 1), st.integers(0, n_observations - 1)), max_size=max_length
    ).map(tuple)


@given(st.data())
def test_action_sequence_probability_is_the_product_over_prefixes(data):
    policy = data.draw(policies(n_actions=2, n_observations=2, semi=data.draw(st.booleans())))
    history = data.draw(any_history(2, 2))
    start = data.draw(any_history(2, 2, max_length=2))
    reference = brute_chain(policy, history, start)
    values = in_all(theory.action_sequence_probability, policy, history, start=start)
    assert values[1] == reference
    assert_agree(values[0], reference, values[2])
    logs = in_all(theory.action_sequence_probability, policy, history, start=start, log=True)
    if reference == 0:
        assert logs == (-math.inf,) * 3
    else:
        exact_log = theory.arith.LogLinear.log(reference) if reference != 1 else Fraction(0)
        assert logs[1] == exact_log
        assert_agree(logs[0], exact_log, logs[2])


@given(st.data())
def test_a_mixture_gives_the_prior_weighted_sum_of_its_components_products(data):
    xi = data.draw(mixtures(n_actions=2, n_observations=2, max_components=4))
    start = data.draw(histories(xi, max_length=2))  # positive probability, so the posterior is defined
    history = data.draw(st.one_of(histories(xi, max_length=3), any_history(2, 2, max_length=3)))
    reference = brute_mixture(xi, history, start)
    values = in_all(theory.action_sequence_probability, xi, history, start=start)
    assert values[1] == reference
    assert_agree(values[0], reference, values[2])


def test_long_histories_do_not_underflow_in_log_space():
    fair, biased = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid(["9/10", "1/10"])
    xi = theory.BayesianMixture([fair, biased], ["1/2", "1/2"])
    history = ((0, 0),) * 10000 + ((1, 0),) * 10
    assert theory.action_sequence_probability(xi, history) == 0.0  # the float product underflows
    # ln(½ 2^-10010 + ½ (9/10)^10000 (1/10)^10): the biased component dominates by a factor e^-5900.
    expected = math.log(0.5) + 10000 * math.log(0.9) + 10 * math.log(0.1)
    assert math.isclose(theory.action_sequence_probability(xi, history, log=True), expected, rel_tol=1e-12)
    assert theory.action_sequence_probability(
        fair, history, log=True, arith="exact"
    ) == 10010 * theory.arith.LogLinear.log(Fraction(1, 2))
    # Exactly, on a history short enough for the exact posterior (its rationals grow with the length).
    short = ((0, 0),) * 300 + ((1, 0),) * 3
    exact = Fraction(1, 2) * Fraction(1, 2) ** 303 + Fraction(1, 2) * Fraction(9, 10) ** 300 * Fraction(1, 10) ** 3
    assert theory.action_sequence_probability(xi, short, arith="exact") == exact
    logs = in_all(theory.action_sequence_probability, xi, short, log=True)
    assert logs[1] == theory.arith.LogLinear.log(exact)
    assert_agree(logs[0], logs[1], logs[2])


def test_zero_probability_actions_stop_the_product_without_a_ruled_out_posterior():
    always0 = theory.FiniteStatePolicy.constant(0, n_actions=2)
    xi = theory.BayesianMixture([always0, always0], ["1/2", "1/2"])
    history = ((1, 0), (1, 0))  # ruled out by every component at the first step
    for arith in ARITHS:
        assert theory.action_sequence_probability(xi, history, arith=arith) == 0
        assert theory.action_sequence_probability(xi, history, arith=arith, log=True) == -math.inf
    assert theory.action_sequence_probability(xi, (), arith="exact") == 1


def test_malformed_histories_raise_the_librarys_errors():
    xi = theory.BayesianMixture([theory.FiniteStatePolicy.constant(0, n_actions=2)], [1])
    cases = [
        (dict(history=((2, 0),)), theory.HistoryError, "action 2"),
        (dict(history=((0, 3),)), theory.HistoryError, "observation 3"),
        (dict(history="ab"), theory.HistoryError, "'ab'"),
        (dict(history=((0,),)), theory.HistoryError, "(0,)"),
        (dict(history=(), start=((0, 0), (1.5, 0))), theory.HistoryError, "1.5"),
        (dict(history=((0, 0),), start=((1, 0),)), theory.RuledOutHistoryError, "((1, 0),)"),
    ]
    for kw, error, words in cases:
        with pytest.raises(error) as info:
            theory.action_sequence_probability(xi, **kw)
        assert words in str(info.value), (words, str(info.value))
    with pytest.raises(theory.TypeMismatchError, match=r"must be a theory.Policy, got array\(\[0.5, 0.5\]\)"):
        theory.action_sequence_probability(np.array([0.5, 0.5]), ())

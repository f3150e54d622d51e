"""Bad inputs to the core modules (kernels, divergences, events, combinators, channels, utilities, linprog and
probability-vector validation): each raises the library's own error, a ``ValueError`` subclass, whose message
names the offending value; never a TypeError, OverflowError, a bare numpy error, or a silently wrong number."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import theory
from theory import combinators, events, kernels, linprog, utilities
from theory.errors import (
    AlphabetError,
    HistoryError,
    HorizonError,
    MightntError,
    OptionError,
    ProbabilityError,
    ResourceLimitError,
    TypeMismatchError,
    UnderflowError,
    UtilityError,
)

TINY = Fraction(1, 10**400)
HUGE = 10**400


def _deep(depth=100_000):
    """A list nested far deeper than repr (or numpy) can follow: messages must not raise RecursionError."""
    out = [0.5]
    for _ in range(depth):
        out = [out]
    return out


DEEP = _deep()


def _policy():
    return theory.FiniteStatePolicy.iid([0.5, 0.5])


def _env():
    return theory.sequence_environment(2)


def _channel():
    return theory.Channel([[1, 0], [0, 1]])


def _dict_policy():
    return theory.Policy.from_function(2, lambda h: {0.5: 0, 0.25: 1})


# (id, call, error class, text the message must contain: the offending value's repr or a recognisable part)
CASES = [
    # divergences
    ("kl-bools", lambda: theory.kl([True, False], [0.5, 0.5]), ProbabilityError, "True"),
    ("kl-numpy-bools", lambda: theory.kl(np.array([True, False]), [0.5, 0.5]), ProbabilityError, "True"),
    ("tvd-bools", lambda: theory.tvd([0.5, 0.5], [False, True]), ProbabilityError, "False"),
    ("kl-none", lambda: theory.kl(None, [0.5, 0.5]), AlphabetError, "None"),
    ("kl-string", lambda: theory.kl("ab", [0.5, 0.5]), AlphabetError, "'ab'"),
    ("kl-string-entry", lambda: theory.kl(["x", 1], [0.5, 0.5]), ProbabilityError, "'x'"),
    ("kl-ragged", lambda: theory.kl([[0.5], [0.5, 0]], [0.5, 0.5]), ProbabilityError, "[0.5]"),
    ("kl-too-deep", lambda: theory.kl([[0.5, 0.5]], [[0.5, 0.5]]), AlphabetError, "[[0.5, 0.5]]"),
    ("kl-huge-int", lambda: theory.kl([HUGE, 0], [0.5, 0.5]), ProbabilityError, "1000000000"),
    ("kl-inf", lambda: theory.kl([math.inf, 0], [0.5, 0.5]), ProbabilityError, "inf"),
    ("kl-nan", lambda: theory.kl([math.nan, 1], [0.5, 0.5]), ProbabilityError, "nan"),
    ("kl-complex", lambda: theory.kl([1j, 1], [0.5, 0.5]), ProbabilityError, "1j"),
    ("kl-object", lambda: theory.tvd([object()], [1]), ProbabilityError, "object object"),
    ("kl-unit", lambda: theory.kl([1, 0], [1, 0], unit=None), OptionError, "None"),
    ("kl-convention", lambda: theory.kl([1, 0], [1, 0], convention=[]), OptionError, "[]"),
    ("kl-arith", lambda: theory.kl([1, 0], [1, 0], arith=5), MightntError, "5"),
    ("kl-underflow-q", lambda: theory.kl(["1/2", "1/2"], [TINY, 1 - TINY]), UnderflowError, "1/10^400"),
    ("tvd-underflow", lambda: theory.tvd([TINY, 1 - TINY], [0, 1]), UnderflowError, "1/10^400"),
    (
        "kl-subnormal",
        lambda: theory.kl(["1/2", "1/2"], [Fraction(1, 10**320), 1 - Fraction(1, 10**320)]),
        UnderflowError,
        "1/10^320",
    ),
    # kernels
    ("emission-bools", lambda: theory.FiniteStatePolicy([[True, False]], [[[0], [0]]]), ProbabilityError, "True"),
    ("emission-none", lambda: theory.FiniteStatePolicy(None, [[[0], [0]]]), AlphabetError, "None"),
    (
        "emission-ragged",
        lambda: theory.FiniteStatePolicy([[0.5, 0.5], [1]], [[[0], [0]]]),
        AlphabetError,
        "[[0.5, 0.5], [1]]",
    ),
    ("env-emission-2d", lambda: theory.FiniteStateEnvironment([[1]], [[[0]]]), AlphabetError, "[[1]]"),
    ("transition-string", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[["a"], ["b"]]]), AlphabetError, "'a'"),
    (
        "transition-ragged",
        lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[0], [0, 0]]]),
        AlphabetError,
        "[[[0], [0, 0]]]",
    ),
    ("transition-huge", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[HUGE], [0]]]), AlphabetError, "1000000000"),
    ("transition-bool", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[True], [0]]]), AlphabetError, "True"),
    ("transition-nan", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[math.nan], [0]]]), AlphabetError, "nan"),
    ("semi-string", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[0], [0]]], semi="no"), OptionError, "'no'"),
    ("name-int", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[0], [0]]], name=3), TypeMismatchError, "3"),
    ("iid-none", lambda: theory.FiniteStatePolicy.iid(None), TypeMismatchError, "None"),
    ("iid-int", lambda: theory.FiniteStatePolicy.iid(3), TypeMismatchError, "3"),
    (
        "iid-huge-observations",
        lambda: theory.FiniteStatePolicy.iid([1], n_observations=HUGE),
        AlphabetError,
        "1000000000",
    ),
    (
        "constant-huge-alphabet",
        lambda: theory.FiniteStatePolicy.constant(0, n_actions=HUGE),
        AlphabetError,
        "1000000000",
    ),
    ("sequence-env-huge", lambda: theory.sequence_environment(10**12), AlphabetError, "1000000000000"),
    ("history-flag-no", lambda: _policy().probs(((0, 0, "no"),)), HistoryError, "'no'"),
    ("history-flag-2", lambda: kernels.normalize_history([(0, 0, 2)], 2, 1), HistoryError, "2"),
    ("history-none", lambda: _policy().probs(None), HistoryError, "None"),
    ("history-float-action", lambda: _policy().probs(((0.0, 0),)), HistoryError, "0.0"),
    ("env-action-string", lambda: _env().probs((), "0"), HistoryError, "'0'"),
    ("from-function-dict", lambda: _dict_policy().probs(), TypeMismatchError, "{0.5: 0, 0.25: 1}"),
    (
        "from-function-set",
        lambda: theory.Policy.from_function(2, lambda h: {0.5, 0.25}).probs(),
        TypeMismatchError,
        "{0.5, 0.25}",
    ),
    ("from-function-str", lambda: theory.Policy.from_function(2, lambda h: "ab").probs(), TypeMismatchError, "'ab'"),
    (
        "from-function-generator",
        lambda: theory.Policy.from_function(2, lambda h: (x for x in [0.5, 0.5])).probs(),
        TypeMismatchError,
        "generator",
    ),
    ("from-function-none", lambda: theory.Policy.from_function(2, lambda h: None).probs(), TypeMismatchError, "None"),
    ("from-function-scalar", lambda: theory.Policy.from_function(2, lambda h: 0.5).probs(), TypeMismatchError, "0.5"),
    (
        "from-function-nested",
        lambda: theory.Policy.from_function(2, lambda h: [[0.5], [0.5]]).probs(),
        AlphabetError,
        "[0.5]",
    ),
    (
        "from-function-bools",
        lambda: theory.Policy.from_function(2, lambda h: [True, False]).probs(),
        ProbabilityError,
        "True",
    ),
    ("from-function-not-callable", lambda: theory.Policy.from_function(2, 5), TypeMismatchError, "5"),
    (
        "env-function-none",
        lambda: theory.Environment.from_function(1, 2, lambda h, a: None).probs(),
        TypeMismatchError,
        "None",
    ),
    ("env-function-not-callable", lambda: theory.Environment.from_function(1, 2, None), TypeMismatchError, "None"),
    # events
    ("event-string", lambda: events.ObservationOccurred("1"), AlphabetError, "'1'"),
    ("event-huge", lambda: events.ActionOccurred(HUGE), AlphabetError, "1000000000"),
    ("length-float", lambda: events.LengthAtLeast(3.0), HorizonError, "3.0"),
    ("table-string", lambda: events.LengthAtLeast(5).table("2", 1), AlphabetError, "'2'"),
    ("table-none", lambda: events.ObservationOccurred(0).table(None, None), AlphabetError, "None"),
    ("table-too-big", lambda: events.ObservationOccurred(0).table(10**6, 10**6), ResourceLimitError, "2000000000000"),
    # combinators
    (
        "switch-environment",
        lambda: combinators.Switch(_policy(), events.ObservationOccurred(0), _env()),
        TypeMismatchError,
        "FiniteStateEnvironment",
    ),
    ("switch-event-none", lambda: combinators.Switch(_policy(), None, _policy()), TypeMismatchError, "None"),
    (
        "hazard-environment",
        lambda: combinators.Hazard(_env(), "1/2", _policy()),
        TypeMismatchError,
        "FiniteStateEnvironment",
    ),
    ("hazard-rate-bool", lambda: combinators.Hazard(_policy(), True, _policy()), ProbabilityError, "True"),
    ("hazard-rate-nan", lambda: combinators.Hazard(_policy(), math.nan, _policy()), ProbabilityError, "nan"),
    ("hazard-rate-long-string", lambda: combinators.check_rate("1/" + "9" * 200_000), ProbabilityError, "'1/999"),
    # channels
    ("channel-bools", lambda: theory.Channel([[True, False]]), ProbabilityError, "True"),
    ("channel-none", lambda: theory.Channel(None), AlphabetError, "None"),
    ("channel-semi-string", lambda: theory.Channel([[1]], semi="no"), OptionError, "'no'"),
    ("channel-inputs-int", lambda: theory.Channel([[1]], inputs=5), TypeMismatchError, "5"),
    ("channel-unhashable-label", lambda: theory.Channel([[1], [1]], inputs=[[1], [2]]), TypeMismatchError, "[1]"),
    ("channel-from-function-none", lambda: theory.Channel.from_function(lambda x: x, None), TypeMismatchError, "None"),
    (
        "channel-from-function-unhashable",
        lambda: theory.Channel.from_function(lambda x: [x], [1, 2]),
        TypeMismatchError,
        "[1]",
    ),
    ("pushforward-bools", lambda: theory.pushforward([True, False], _channel()), ProbabilityError, "True"),
    ("pushforward-unhashable", lambda: theory.pushforward([1, 0], lambda x: [x]), TypeMismatchError, "[0]"),
    ("pushforward-none", lambda: theory.pushforward([1, 0], None), TypeMismatchError, "None"),
    ("joint-policy", lambda: theory.joint([1, 0], _policy()), TypeMismatchError, "FiniteStatePolicy"),
    ("marginal-bools", lambda: theory.marginal({(0, 1): True}, 0), ProbabilityError, "True"),
    (
        "sequence-probability-environment",
        lambda: theory.action_sequence_probability(_env(), [(0, 0)]),
        TypeMismatchError,
        "FiniteStateEnvironment",
    ),
    (
        "sequence-probability-log-string",
        lambda: theory.action_sequence_probability(_policy(), [(0, 0)], log="no"),
        OptionError,
        "'no'",
    ),
    # utilities
    ("mean-reward-empty-row", lambda: theory.MeanReward([[]]), UtilityError, "[[]]"),
    ("mean-reward-bool", lambda: theory.MeanReward([[True]]), UtilityError, "True"),
    ("mean-reward-ragged", lambda: theory.MeanReward([[0], [0, 1]]), UtilityError, "[[0], [0, 1]]"),
    ("mean-reward-huge", lambda: theory.MeanReward([[HUGE]]), UtilityError, "1000000000"),
    ("mean-reward-call-horizon-0", lambda: theory.MeanReward([[1]])([(0, 0)], horizon=0), HorizonError, "0"),
    ("mean-reward-call-horizon-string", lambda: theory.MeanReward([[1]])([(0, 0)], horizon="1"), HorizonError, "'1'"),
    ("mean-reward-call-no-steps", lambda: theory.MeanReward([[1]])([]), HorizonError, "no steps"),
    ("mean-reward-call-outside", lambda: theory.MeanReward([[1]])([(1, 0)]), HistoryError, "action 1"),
    ("mean-reward-call-none", lambda: theory.MeanReward([[1]])(None), HistoryError, "None"),
    (
        "utility-bool",
        lambda: utilities.HistoryUtility(lambda h: True).terminal([()], theory.get_context("float")),
        UtilityError,
        "True",
    ),
    (
        "utility-huge",
        lambda: utilities.HistoryUtility(lambda h: HUGE).terminal([()], theory.get_context("float")),
        UtilityError,
        "1000000000",
    ),
    (
        "utility-list",
        lambda: utilities.HistoryUtility(lambda h: [1]).terminal([()], theory.get_context("exact")),
        UtilityError,
        "[1]",
    ),
    # linear programs
    ("lp-none", lambda: linprog.maximize(None), linprog.LinearProgramError, "None"),
    ("lp-string", lambda: linprog.maximize("ab"), linprog.LinearProgramError, "'ab'"),
    ("lp-nested", lambda: linprog.maximize([[1]]), linprog.LinearProgramError, "[[1]]"),
    ("lp-empty", lambda: linprog.maximize([]), linprog.LinearProgramError, "empty"),
    ("lp-nan", lambda: linprog.maximize([math.nan], a_ub=[[1]], b_ub=[1]), linprog.LinearProgramError, "nan"),
    (
        "lp-inf-exact",
        lambda: linprog.maximize([math.inf], a_ub=[[1]], b_ub=[1], arith="exact"),
        linprog.LinearProgramError,
        "inf",
    ),
    ("lp-bool", lambda: linprog.maximize([True], a_ub=[[1]], b_ub=[1]), linprog.LinearProgramError, "True"),
    (
        "lp-wrong-columns",
        lambda: linprog.maximize([1, 1], a_ub=[[1, 2, 3]], b_ub=[1]),
        linprog.LinearProgramError,
        "[[1, 2, 3]]",
    ),
    ("lp-wrong-rows", lambda: linprog.maximize([1], a_ub=[[1]], b_ub=[1, 2]), linprog.LinearProgramError, "b_ub has 2"),
    ("lp-missing-rhs", lambda: linprog.maximize([1], a_ub=[[1]]), linprog.LinearProgramError, "b_ub"),
    ("lp-string-entry", lambda: linprog.maximize([1], a_ub=[["x"]], b_ub=[1]), linprog.LinearProgramError, "'x'"),
    ("lp-huge-float", lambda: linprog.maximize([HUGE], a_ub=[[1]], b_ub=[1]), linprog.LinearProgramError, "1000000000"),
    # nesting deeper than repr can follow (a RecursionError before)
    ("deep-kl", lambda: theory.kl(DEEP, [1]), AlphabetError, "[[[["),
    ("deep-kl-entry", lambda: theory.kl([DEEP, 0.5], [0.5, 0.5]), ProbabilityError, "[[[["),
    ("deep-emission", lambda: theory.FiniteStatePolicy(DEEP, [[[0]]]), AlphabetError, "[[[["),
    ("deep-history", lambda: _policy().probs([DEEP]), HistoryError, "[[[["),
    ("deep-rewards", lambda: theory.MeanReward(DEEP), UtilityError, "[[[["),
    ("deep-lp", lambda: linprog.maximize(DEEP), linprog.LinearProgramError, "[[[["),
    ("deep-hazard-rate", lambda: combinators.Hazard(_policy(), DEEP, _policy()), ProbabilityError, "[[[["),
    ("deep-function-row", lambda: theory.Policy.from_function(2, lambda h: [DEEP, 0.5]).probs(), AlphabetError, "[[[["),
]


def test_the_catalogue_is_broad():
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("call, error, words", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_raises_the_librarys_error_naming_the_value(call, error, words):
    with pytest.raises(Exception) as info:
        call()
    err = info.value
    # The precise class, which is one of the library's errors and so a ValueError: never a TypeError,
    # OverflowError, RecursionError or bare numpy ValueError.
    assert isinstance(err, error), f"{type(err).__name__}: {err}"
    assert isinstance(err, MightntError) and isinstance(err, ValueError)
    assert words in str(err), str(err)


def test_a_dict_returned_by_a_policy_function_is_never_read_as_probabilities():
    # Its keys 0.5 and 0.25 do not even sum to 1, but {0.75: 0, 0.25: 1} would: still refused, naming the history.
    pi = theory.Policy.from_function(2, lambda h: {0.75: 0, 0.25: 1}, n_observations=1)
    with pytest.raises(TypeMismatchError, match=r"at history \(\(0, 0\),\)") as info:
        pi.probs(((0, 0),))
    assert "{0.75: 0, 0.25: 1}" in str(info.value) and "(dict)" in str(info.value)
    # Sequences of any kind still work.
    for row in ([0.75, 0.25], (0.75, 0.25), np.array([0.75, 0.25])):
        assert theory.Policy.from_function(2, lambda h, row=row: row).probs().tolist() == [0.75, 0.25]


def test_history_flags_are_read_strictly():
    assert kernels.normalize_history([(0, 0, False), (1, 0, 1), (0, 0, np.bool_(True))], 2, 1) == (
        (0, 0, False),
        (1, 0, True),
        (0, 0, True),
    )
    for bad in ("no", "False", None, 2, 0.0):
        with pytest.raises(HistoryError, match=repr(bad).replace("(", r"\(")):
            kernels.normalize_history([(0, 0, bad)], 2, 1)


def test_tiny_exact_probabilities_never_turn_a_finite_kl_infinite():
    p, q = ["1/2", "1/2"], [TINY, 1 - TINY]
    exact = theory.kl(p, q, arith="exact")
    assert math.isfinite(float(exact)) and float(exact) == pytest.approx(
        0.5 * math.log(0.5) + 0.5 * 400 * math.log(10) + 0.5 * math.log(0.5), rel=1e-12
    )
    ball = theory.kl(p, q, arith="ball")
    assert ball.contains(theory.get_context("ball").convert(exact)) or abs(float(ball.mid()) - float(exact)) < 1e-9
    with pytest.raises(UnderflowError, match=r"q has the exact probability 1/10\^400 at index 0"):
        theory.kl(p, q)
    with pytest.raises(UnderflowError):
        theory.kl(p, q, unit="bits")
    # p's tiny mass too: float would drop it (a KL of 0 against [0, 1] would hide that p is not [0, 1]).
    with pytest.raises(UnderflowError, match="p has"):
        theory.tvd([TINY, 1 - TINY], [0, 1])
    assert theory.tvd([TINY, 1 - TINY], [0, 1], arith="exact") == TINY
    # A subnormal image keeps a few digits only: float would be off in the 8th digit, so it refuses too.
    small = Fraction(1, 10**320)
    assert float(theory.kl(p, [small, 1 - small], arith="exact")) == pytest.approx(
        160 * math.log(10) - math.log(2), rel=1e-14
    )
    with pytest.raises(UnderflowError, match="subnormal"):
        theory.kl(p, [small, 1 - small])
    # Floats given as floats are the caller's own numbers: a subnormal float passes through.
    assert theory.kl([0.5, 0.5], [1e-320, 1.0], convention="actions") > 0


def test_tiny_exact_probabilities_are_fine_outside_the_float_context():
    # Construction and the exact and ball contexts accept them; only the float context refuses.
    pi = theory.FiniteStatePolicy([[TINY, 1 - TINY]], [[[0], [0]]])
    assert pi.probs(arith="exact")[0] == TINY
    assert pi.probs(arith="ball")[0] > 0
    with pytest.raises(UnderflowError, match="emission"):
        pi.probs()
    channel = theory.Channel([[TINY, 1 - TINY], [0, 1]])
    assert channel.matrix(arith="exact")[0, 0] == TINY
    with pytest.raises(UnderflowError, match="channel"):
        channel.matrix()
    # A float row with a tiny exact entry: exact arithmetic keeps it, and checks the row in float first.
    row = theory.get_context("exact").distribution([0.25, 0.25, TINY], semi=True)
    assert row[2] == TINY


def test_validation_refuses_bools_but_keeps_ints_and_numpy_numbers():
    ctx = theory.get_context("exact")
    assert ctx.distribution([1, 0]).tolist() == [1, 0]
    assert ctx.distribution(np.array([0.25, 0.75])).tolist() == [Fraction(1, 4), Fraction(3, 4)]
    assert theory.get_context("float").distribution(np.array([1, 0], dtype=np.int64)).tolist() == [1.0, 0.0]
    with pytest.raises(ProbabilityError, match=r"\(row \[1\]\) has the bool True at index 0"):
        ctx.distribution([[0.5, 0.5], [True, 0]])


def test_lp_data_in_bulk_is_still_accepted():
    x, v = linprog.maximize(np.array([1.0, 1.0]), a_ub=np.array([[1, 2], [3, 1]]), b_ub=[4, 6], arith="exact")
    assert v == Fraction(14, 5)
    x, v = linprog.maximize([1, 1], a_ub=[["1", "2"], [3, Fraction(1)]], b_ub=[4.0, 6])
    assert v == pytest.approx(2.8)

"""Every bad input raises a ValueError subclass from `theory` whose message names the offending value.

One table: each row is a call that must fail, the error class it must raise, and text (the offending value as
the user wrote it) that the message must contain.
"""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory import errors

ENV = theory.sequence_environment(2)
ENV2 = theory.FiniteStateEnvironment([[[Fraction(1, 2), Fraction(1, 2)], [1, 0]]], [[[0, 0], [0, 0]]])
BETA = theory.FiniteStatePolicy.iid([0.5, 0.5])
BETA2 = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
ONLY0 = theory.FiniteStatePolicy.iid([1, 0])
U = theory.MeanReward([[0], [1]])
XI = theory.BayesianMixture([BETA, ONLY0], ["1/2", "1/2"])


def kl_constrained(budget):
    return lambda: theory.kl_constrained_policy(BETA, ENV, U, 1, budget)


def tvd_constrained(budget):
    return lambda: theory.tvd_constrained_policy(BETA, ENV, U, 1, budget)


def regularized(temperature):
    return lambda: theory.kl_regularized_policy(BETA, ENV, U, 1, temperature)


BAD = [
    # -- probabilities: negative, nan, above 1, summing above 1 (float tolerance 1e-9; exact: exactly) -----------
    ("kl-negative", lambda: theory.kl([-0.1, 1.1], [0.5, 0.5]), errors.ProbabilityError, "-0.1"),
    (
        "kl-negative-exact",
        lambda: theory.kl(["-1/3", "4/3"], ["1/2", "1/2"], arith="exact"),
        errors.ProbabilityError,
        "-1/3",
    ),
    ("kl-nan", lambda: theory.kl([math.nan, 1.0], [0.5, 0.5]), errors.ProbabilityError, "nan"),
    ("kl-q-nan", lambda: theory.kl([0.5, 0.5], [0.5, math.nan]), errors.ProbabilityError, "nan"),
    ("kl-entry-above-1", lambda: theory.kl([0.5, 0.5], [math.inf, 0.0]), errors.ProbabilityError, "inf"),
    ("kl-sum-above-1", lambda: theory.kl([0.6, 0.5], [0.5, 0.5]), errors.ProbabilityError, "1.1"),
    (
        "kl-sum-beyond-float-tolerance",
        lambda: theory.kl([0.5, 0.5 + 1e-8], [0.5, 0.5]),
        errors.ProbabilityError,
        "1.00000001",
    ),
    (
        "kl-sum-above-1-exact",
        lambda: theory.kl([Fraction(1, 2), Fraction(1, 2) + Fraction(1, 10**12)], ["1/2", "1/2"], arith="exact"),
        errors.ProbabilityError,
        "1000000000001/1000000000000",
    ),
    (
        "tvd-sum-above-1-ball",
        lambda: theory.tvd(["2/3", "2/3"], ["1/2", "1/2"], arith="ball"),
        errors.ProbabilityError,
        "4/3",
    ),
    ("tvd-negative", lambda: theory.tvd([0.2, -0.1], [0.5, 0.5]), errors.ProbabilityError, "-0.1"),
    ("kl-empty", lambda: theory.kl([], []), errors.ProbabilityError, "[]"),
    (
        "emission-negative",
        lambda: theory.FiniteStatePolicy([[-0.5, 1.5]], [[[0], [0]]]),
        errors.ProbabilityError,
        "-0.5",
    ),
    (
        "emission-sums-below-1",
        lambda: theory.FiniteStatePolicy([[0.25, 0.5]], [[[0], [0]]]),
        errors.ProbabilityError,
        "0.75",
    ),
    (
        "emission-semi-sum-above-1",
        lambda: theory.FiniteStatePolicy([["1/2", "2/3"]], [[[0], [0]]], semi=True),
        errors.ProbabilityError,
        "7/6",
    ),
    ("emission-nan", lambda: theory.FiniteStatePolicy.iid([math.nan, 1.0]), errors.ProbabilityError, "nan"),
    (
        "env-emission-sum",
        lambda: theory.FiniteStateEnvironment([[[0.5, 0.6]]], [[[0, 0]]]),
        errors.ProbabilityError,
        "1.1",
    ),
    (
        "function-policy-probability",
        lambda: theory.Policy.from_function(2, lambda h: [1.5, -0.5]).probs(((0, 0),)),
        errors.ProbabilityError,
        "1.5",
    ),
    (
        "function-env-probability",
        lambda: theory.Environment.from_function(1, 2, lambda h, a: [0.7, 0.7]).probs(),
        errors.ProbabilityError,
        "1.4",
    ),
    # -- wrong lengths for the alphabet -------------------------------------------------------------------------
    ("kl-lengths", lambda: theory.kl([0.5, 0.5], [1.0]), errors.AlphabetError, "q has 1"),
    ("kl-2d", lambda: theory.kl([[0.5, 0.5]], [[0.5, 0.5]]), errors.AlphabetError, "(1, 2)"),
    ("transition-shape", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[0]]]), errors.AlphabetError, "(1, 1, 1)"),
    ("transition-state", lambda: theory.FiniteStatePolicy([[0.5, 0.5]], [[[1], [0]]]), errors.AlphabetError, "= 1"),
    ("emission-shape", lambda: theory.FiniteStatePolicy([0.5, 0.5], [[[0], [0]]]), errors.AlphabetError, "(2,)"),
    (
        "env-transition-shape",
        lambda: theory.FiniteStateEnvironment([[[0.5, 0.5]]], [[[0]]]),
        errors.AlphabetError,
        "1 observations",
    ),
    (
        "function-policy-length",
        lambda: theory.Policy.from_function(3, lambda h: [0.5, 0.5]).probs(),
        errors.AlphabetError,
        "returned 2",
    ),
    (
        "function-env-length",
        lambda: theory.Environment.from_function(2, 2, lambda h, a: [1]).probs(),
        errors.AlphabetError,
        "returned 1",
    ),
    (
        "mixture-actions",
        lambda: theory.BayesianMixture([BETA, theory.FiniteStatePolicy.iid([1, 0, 0])], [0.5, 0.5]),
        errors.AlphabetError,
        "3 actions",
    ),
    (
        "measure-actions",
        lambda: theory.trajectory_kl(
            theory.FiniteStatePolicy.iid([1, 0, 0]), theory.FiniteStatePolicy.iid([1, 0, 0]), ENV, 1
        ),
        errors.AlphabetError,
        "3",
    ),
    (
        "initial-state",
        lambda: theory.FiniteStatePolicy([[1, 0]], [[[0], [0]]], initial_state=1),
        errors.AlphabetError,
        "initial_state 1",
    ),
    ("n-actions", lambda: theory.Policy.from_function(0, lambda h: []), errors.AlphabetError, "0"),
    ("constant-action", lambda: theory.FiniteStatePolicy.constant(3, n_actions=2), errors.AlphabetError, "action 3"),
    # -- histories: actions and observations out of range, malformed steps ----------------------------------------
    ("history-action", lambda: BETA.probs(((2, 0),)), errors.HistoryError, "action 2"),
    ("history-negative-action", lambda: BETA.probs(((-1, 0),)), errors.HistoryError, "action -1"),
    ("history-observation", lambda: BETA.probs(((0, 1),)), errors.HistoryError, "observation 1"),
    ("history-observation-late", lambda: BETA2.probs(((0, 1), (1, 2))), errors.HistoryError, "observation 2"),
    (
        "history-negative-observation",
        lambda: theory.Policy.from_function(2, lambda h: [1, 0]).probs(((0, -1),)),
        errors.HistoryError,
        "-1",
    ),
    ("history-float-action", lambda: BETA.probs(((0.0, 0),)), errors.HistoryError, "0.0"),
    ("history-bool-action", lambda: BETA.probs(((True, 0),)), errors.HistoryError, "True"),
    ("history-step-shape", lambda: BETA.probs(((0,),)), errors.HistoryError, "(0,)"),
    ("history-not-a-sequence", lambda: BETA.probs(5), errors.HistoryError, "5"),
    ("history-string", lambda: BETA.probs("ab"), errors.HistoryError, "'ab'"),
    ("env-action", lambda: ENV.probs((), 5), errors.HistoryError, "action 5"),
    (
        "measure-history",
        lambda: theory.trajectory_kl(BETA, BETA, ENV, 1, history=((3, 0),)),
        errors.HistoryError,
        "action 3",
    ),
    ("posterior-history", lambda: XI.posterior(((0, 0), (2, 0))), errors.HistoryError, "action 2"),
    ("imitator-history", lambda: theory.top_set(XI, ((0, 4),), "1/2"), errors.HistoryError, "observation 4"),
    # -- prior weights -------------------------------------------------------------------------------------------
    ("prior-zero", lambda: theory.BayesianMixture([BETA, BETA], [0.5, 0.0]), errors.PriorError, "0.0"),
    ("prior-zero-exact", lambda: theory.BayesianMixture([BETA, BETA], ["1/2", 0]), errors.PriorError, "weight 0 "),
    (
        "prior-negative",
        lambda: theory.BayesianMixture([BETA, BETA], [Fraction(1, 2), Fraction(-1, 4)]),
        errors.PriorError,
        "-1/4",
    ),
    ("prior-nan", lambda: theory.BayesianMixture([BETA, BETA], [0.5, math.nan]), errors.PriorError, "nan"),
    ("prior-inf", lambda: theory.BayesianMixture([BETA, BETA], [0.5, math.inf]), errors.PriorError, "inf"),
    ("prior-sum-exact", lambda: theory.BayesianMixture([BETA, BETA], ["1/2", "2/3"]), errors.PriorError, "7/6"),
    ("prior-sum-float", lambda: theory.BayesianMixture([BETA, BETA], [0.5, 0.6]), errors.PriorError, "1.1"),
    ("prior-length", lambda: theory.BayesianMixture([BETA, BETA], [0.5]), errors.PriorError, "1 weights"),
    # -- posteriors that do not exist -----------------------------------------------------------------------------
    (
        "ruled-out-posterior",
        lambda: theory.BayesianMixture([ONLY0], [1]).posterior(((1, 0),)),
        errors.RuledOutHistoryError,
        "((1, 0),)",
    ),
    (
        "ruled-out-predictive",
        lambda: theory.BayesianMixture([ONLY0, ONLY0], ["1/2", "1/2"]).probs(((0, 0), (1, 0))),
        errors.RuledOutHistoryError,
        "((0, 0), (1, 0))",
    ),
    (
        "ruled-out-corpus",
        lambda: theory.BayesianMixture([ONLY0], [1]).condition_on([((1, 0),)]).posterior(),
        errors.RuledOutHistoryError,
        "corpus",
    ),
    (
        "ruled-out-top-set",
        lambda: theory.top_set(theory.BayesianMixture([ONLY0], [1]), ((1, 0),), "1/2"),
        errors.RuledOutHistoryError,
        "((1, 0),)",
    ),
    # -- temperatures ---------------------------------------------------------------------------------------------
    ("temperature-zero", regularized(0), errors.TemperatureError, "temperature 0"),
    ("temperature-negative", regularized(-1), errors.TemperatureError, "-1"),
    ("temperature-negative-string", regularized("-1/2"), errors.TemperatureError, "-1/2"),
    ("temperature-zero-fraction", regularized(Fraction(0)), errors.TemperatureError, "Fraction(0, 1)"),
    ("temperature-nan", regularized(math.nan), errors.TemperatureError, "nan"),
    ("temperature-inf", regularized(math.inf), errors.TemperatureError, "inf"),
    ("temperature-bool", regularized(True), errors.TemperatureError, "True"),
    ("temperature-none", regularized(None), errors.TemperatureError, "None"),
    # -- budgets -------------------------------------------------------------------------------------------------
    ("kl-budget-negative", kl_constrained(-1), errors.BudgetError, "-1"),
    ("kl-budget-negative-string", kl_constrained("-1/2"), errors.BudgetError, "-1/2"),
    ("kl-budget-nan", kl_constrained(math.nan), errors.BudgetError, "nan"),
    ("kl-budget-minus-inf", kl_constrained(-math.inf), errors.BudgetError, "-inf"),
    ("kl-budget-bool", kl_constrained(False), errors.BudgetError, "False"),
    ("tvd-budget-negative", tvd_constrained(-0.1), errors.BudgetError, "-0.1"),
    ("tvd-budget-nan", tvd_constrained(math.nan), errors.BudgetError, "nan"),
    ("tvd-budget-minus-inf", tvd_constrained(-math.inf), errors.BudgetError, "-inf"),
    # -- alpha -----------------------------------------------------------------------------------------------
    ("alpha-zero", lambda: theory.top_set(XI, (), 0), errors.AlphaError, "alpha 0"),
    ("alpha-negative", lambda: theory.top_set(XI, (), -0.5), errors.AlphaError, "-0.5"),
    ("alpha-above-1", lambda: theory.top_set(XI, (), 1.5), errors.AlphaError, "1.5"),
    ("alpha-above-1-string", lambda: theory.PessimisticImitator(XI, "3/2"), errors.AlphaError, "3/2"),
    ("alpha-nan", lambda: theory.PessimisticImitator(XI, math.nan), errors.AlphaError, "nan"),
    ("alpha-inf", lambda: theory.PessimisticImitator(XI, math.inf), errors.AlphaError, "inf"),
    (
        "alpha-online",
        lambda: theory.OnlineImitator(XI, Fraction(0), demonstrator=BETA),
        errors.AlphaError,
        "Fraction(0, 1)",
    ),
    # -- utilities outside [0, 1], tables of the wrong shape --------------------------------------------------------
    ("reward-above-1", lambda: theory.MeanReward([[2], [0]]), errors.UtilityError, "= 2"),
    ("reward-negative", lambda: theory.MeanReward([[0], [-0.1]]), errors.UtilityError, "-0.1"),
    ("reward-nan", lambda: theory.MeanReward([[math.nan], [0]]), errors.UtilityError, "nan"),
    ("reward-string", lambda: theory.MeanReward([["abc"], [0]]), errors.UtilityError, "'abc'"),
    ("reward-table-1d", lambda: theory.MeanReward([0, 1]), errors.UtilityError, "(2,)"),
    (
        "reward-table-vs-env",
        lambda: theory.value(BETA, ENV, theory.MeanReward([[0, 1], [0, 1]]), 2),
        errors.UtilityError,
        "(2, 2)",
    ),
    (
        "reward-table-vs-env-optimal",
        lambda: theory.optimal_value(ENV, theory.MeanReward([[0], [1], [1]]), 1),
        errors.UtilityError,
        "(3, 1)",
    ),
    (
        "reward-table-vs-env-regularized",
        lambda: theory.kl_regularized_policy(BETA2, ENV2, theory.MeanReward([[0], [1]]), 1, 1),
        errors.UtilityError,
        "(2, 1)",
    ),
    ("utility-above-1", lambda: theory.value(BETA, ENV, lambda h: 1.5, 1), errors.UtilityError, "1.5"),
    (
        "utility-negative-exact",
        lambda: theory.value(BETA, ENV, lambda h: Fraction(-1, 2), 1, arith="exact"),
        errors.UtilityError,
        "Fraction(-1, 2)",
    ),
    (
        "utility-above-1-ball",
        lambda: theory.value(BETA, ENV, lambda h: "3/2", 1, arith="ball"),
        errors.UtilityError,
        "'3/2'",
    ),
    ("utility-nan", lambda: theory.value(BETA, ENV, lambda h: math.nan, 1), errors.UtilityError, "nan"),
    ("utility-not-a-number", lambda: theory.value(BETA, ENV, lambda h: "abc", 1), errors.UtilityError, "'abc'"),
    ("utility-expectimax", lambda: theory.optimal_value(ENV, lambda h: 2, 1), errors.UtilityError, "is 2"),
    ("utility-not-callable", lambda: theory.value(BETA, ENV, 3, 1), errors.UtilityError, "3"),
    # -- horizons, contexts and other options -----------------------------------------------------------------------
    ("horizon-negative", lambda: theory.trajectory_kl(BETA, BETA, ENV, -1), errors.HorizonError, "-1"),
    ("horizon-float", lambda: theory.worst_case_kl(BETA, BETA, ENV, 1.5), errors.HorizonError, "1.5"),
    ("horizon-bool", lambda: theory.value(BETA, ENV, U, True), errors.HorizonError, "True"),
    ("q-values-horizon-0", lambda: theory.q_values(ENV, U, 0), errors.HorizonError, "0"),
    ("arith", lambda: theory.kl([1], [1], arith="double"), errors.ArithmeticContextError, "'double'"),
    ("ball-precision", lambda: theory.BallContext(prec=2), errors.ArithmeticContextError, "2"),
    ("unparsable-number", lambda: theory.tvd(["abc", 1], [0.5, 0.5], arith="exact"), errors.ProbabilityError, "'abc'"),
    ("kl-unit", lambda: theory.kl([1], [1], unit="bans"), errors.MightntError, "'bans'"),
    (
        "mixture-update",
        lambda: theory.BayesianMixture([BETA], [1], update="sometimes"),
        errors.MightntError,
        "'sometimes'",
    ),
    (
        "episodes",
        lambda: theory.OnlineImitator(XI, 0.5, demonstrator=BETA).simulate(ENV, 2, episodes=0),
        errors.MightntError,
        "episodes 0",
    ),
    ("form", lambda: theory.kl_breakdown(BETA, BETA, ENV, 1, form="typical"), errors.MightntError, "'typical'"),
]


@pytest.mark.parametrize("call, error, text", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_input_raises_a_value_error_naming_the_value(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, errors.MightntError)
    assert text in str(info.value), f"message {str(info.value)!r} does not name {text!r}"


def test_every_error_class_is_a_value_error_except_undecided():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls is errors.UndecidedError:
            assert issubclass(cls, ArithmeticError) and not issubclass(cls, ValueError)
        else:
            assert issubclass(cls, errors.MightntError) and issubclass(cls, ValueError), name
        assert getattr(theory, name) is cls  # exported at the top level


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=0))
def test_any_non_positive_temperature_is_refused(t):
    with pytest.raises(errors.TemperatureError) as info:
        regularized(t)()
    assert repr(t) in str(info.value)


@given(st.one_of(st.fractions(max_value=0), st.floats(max_value=0, exclude_max=True, allow_nan=False)))
def test_any_negative_budget_is_refused(b):
    if b == 0:
        return  # zero is a valid budget
    for make in (kl_constrained, tvd_constrained):
        with pytest.raises(errors.BudgetError) as info:
            make(b)()
        assert repr(b) in str(info.value)


@given(
    st.one_of(
        st.fractions(max_value=0),
        st.fractions(min_value=1).filter(lambda a: a > 1),
        st.floats(allow_nan=False).filter(lambda a: not 0 < a <= 1),
    )
)
def test_any_alpha_outside_unit_interval_is_refused(alpha):
    with pytest.raises(errors.AlphaError) as info:
        theory.PessimisticImitator(XI, alpha)
    assert repr(alpha) in str(info.value)


@given(st.one_of(st.fractions(max_value=0), st.floats(max_value=0, allow_nan=False)))
def test_any_non_positive_prior_weight_is_refused(w):
    with pytest.raises(errors.PriorError) as info:
        theory.BayesianMixture([BETA, BETA], ["1/2", w] if not isinstance(w, float) else [0.5, w])
    assert (repr(w) if isinstance(w, float) else str(w)) in str(info.value)


@given(st.one_of(st.fractions(max_value=0).filter(lambda x: x < 0), st.fractions(min_value=1).filter(lambda x: x > 1)))
def test_any_reward_outside_unit_interval_is_refused(r):
    with pytest.raises(errors.UtilityError) as info:
        theory.MeanReward([[0], [r]])
    assert repr(r) in str(info.value)

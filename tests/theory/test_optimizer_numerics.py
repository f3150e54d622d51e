"""Issue 9, items 1–2 (optimizer numerics, ruled-out semantics of the mixture and the imitators), plus the
input validation of those modules.

Each test here failed before its fix (checked against the previous theory/optimize.py, mixtures.py and
imitation.py): kl_spent by cancellation ((Q − W)/λ) gave 0.0 at λ = 1e-16 and 1e284 at 1e-300 for a true ln 2;
the constrained optimum exceeded budgets near the cheapest optimal KL; λ = 1e-310 gave nan in float and
λ = 1e-40 nan in ball; the pessimistic imitator acted at a history every component rules out; semi-distribution
demonstrators and bad options were accepted or raised TypeError.
"""

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory import errors
from theory.arith import get_context

from proofs_checks.strategies import budgets

from .instances import instances

ENV = theory.sequence_environment(2)
U = theory.MeanReward([[0], [1]])
HALF = theory.FiniteStatePolicy.iid([0.5, 0.5])
TENTH = theory.FiniteStatePolicy.iid([0.9, 0.1])
BALL = get_context("ball")
TINY = sys.float_info.min  # the smallest normal float


# ---------------------------------------------------------------------------------------------------------------
# 1. The KL spent, by a forward pass at any temperature
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lam", [1e-12, 1e-16, 1e-300, TINY])
def test_kl_spent_at_tiny_temperatures_is_the_true_kl(lam):
    # One step: π → the better action, KL → ln 2 (the previous (Q − W)/λ gave 0.6931122, 0.0, 1.1e284).
    pi = theory.kl_regularized_policy(HALF, ENV, U, 1, lam)
    assert math.isclose(pi.kl_spent, math.log(2), rel_tol=1e-9)
    # Two steps from β = (0.9, 0.1): π takes action 1 twice, KL = 2 ln 10.
    pi = theory.kl_regularized_policy(TENTH, ENV, U, 2, lam)
    assert math.isclose(pi.kl_spent, 2 * math.log(10), rel_tol=1e-9)
    assert math.isclose(pi.value, 1.0, rel_tol=1e-12) and math.isfinite(pi.objective)


@settings(max_examples=40)
@given(
    instances(with_utility=True, min_horizon=1, max_leaves=27),
    st.sampled_from([1e-12, 1e-16, 1e-300, TINY, 1e-3, 10.0, 1e300]),
)
def test_kl_spent_matches_an_independent_forward_kl_at_any_temperature(x, lam):
    pi = theory.kl_regularized_policy(x.beta, x.env, x.utility, x.horizon, lam, x.history)
    independent = theory.trajectory_kl(pi.policy, x.beta, x.env, x.horizon, x.history)  # Σ π ln(π/β) on π's tables
    assert not math.isnan(pi.kl_spent) and not math.isnan(pi.value) and not math.isnan(pi.objective)
    assert math.isclose(pi.kl_spent, independent, rel_tol=1e-9, abs_tol=1e-12)
    assert not np.isnan(pi.policy.probs(x.history)).any()


def test_kl_spent_with_abstention_at_a_tiny_temperature():
    # β abstains (⊥ has probability 1/2); the demonstrator then takes the good action 1, worth 1.
    beta = theory.FiniteStatePolicy.iid(["1/4", "1/4"], semi=True)
    demo = theory.FiniteStatePolicy.iid([0, 1])
    for lam in (1e-16, 1e-300):
        pi = theory.kl_regularized_policy(beta, ENV, U, 1, lam, demonstrator=demo)
        # π puts its mass on {action 1, ⊥} (both worth 1) in proportion to β: (1/3, 2/3); KL = ln(4/3).
        assert math.isclose(pi.kl_spent, math.log(4 / 3), rel_tol=1e-9)
        assert math.isclose(pi.kl_spent, theory.trajectory_kl(pi.policy, beta, ENV, 1, demonstrator=demo), rel_tol=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# 3. No nan at any temperature; below the arithmetic's limit, a TemperatureError naming it
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lam", [TINY, 1e-307, 1e-200, 1e-20, 1.0, 1e20, 1e300])
def test_float_gibbs_weights_are_never_nan(lam):
    ctx = get_context("float")
    base = np.array([[0.5, 0.5, 0.0], [1e-300, 1 - 1e-300, 0.0], [0.25, 0.25, 0.5]])
    values = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [0.3, 0.3, 0.3]])
    probs, w, kl = ctx.gibbs(base, values, lam, kl=True)
    assert np.isfinite(probs).all() and np.isfinite(w).all() and np.isfinite(kl).all() and (kl >= 0).all()
    assert np.allclose(probs.sum(axis=1), 1.0) and (probs[:, 2][:2] == 0).all()  # zero base, zero weight
    assert np.allclose(probs[2], base[2])  # tied values: π = β at any λ


@pytest.mark.parametrize("lam", [1e-310, 5e-324, "1e-400", Fraction(1, 10**320)])
def test_float_temperature_below_the_smallest_normal_is_refused_naming_the_limit(lam):
    with pytest.raises(errors.TemperatureError) as info:
        theory.kl_regularized_policy(HALF, ENV, U, 1, lam)
    message = str(info.value)
    assert repr(lam) in message and repr(TINY) in message and "arith='exact'" in message


def test_the_limit_is_the_contexts():
    assert get_context("float").min_temperature == TINY
    assert get_context("exact").min_temperature == 0 and BALL.min_temperature == 0
    assert get_context("exact").check_temperature(Fraction(1, 10**400)) == Fraction(1, 10**400)


@pytest.mark.parametrize("lam", ["1e-40", Fraction(1, 10**300)])
def test_ball_at_tiny_temperatures_stays_finite_and_encloses_the_limit(lam):
    pi = theory.kl_regularized_policy(HALF, ENV, U, 1, lam, arith="ball")
    probs = pi.policy.probs(arith="ball")
    assert all(p.is_finite() for p in probs)
    assert probs[1].contains(1) and BALL.sign(probs[1] - BALL.convert("0.99")) > 0
    with BALL.scope():
        assert pi.kl_spent.is_finite() and pi.kl_spent.contains(BALL.log(BALL.convert(2)))
        assert pi.kl_spent.rad() < 1e-30


def test_ball_temperature_below_the_enclosures_width_is_a_temperature_error():
    # Tied values (1/3 both) carry enclosure radii of ~2^-128: at λ = 1e-300 their difference divided by λ is
    # unbounded, so the weights cannot be enclosed; at λ = 1e-30 they can.
    tied = theory.MeanReward([["1/3"], ["1/3"]])
    beta = theory.FiniteStatePolicy.iid(["1/3", "2/3"])
    pi = theory.kl_regularized_policy(beta, ENV, tied, 2, "1e-30", arith="ball")
    assert all(p.is_finite() for p in pi.policy.probs(arith="ball"))
    with pytest.raises(errors.TemperatureError, match="ball arithmetic at 128 bits"):
        theory.kl_regularized_policy(beta, ENV, tied, 2, "1e-300", arith="ball")


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_the_gibbs_row_kl_is_the_kl_of_its_weights(arith):
    ctx = get_context(arith)
    with ctx.scope():
        base = ctx.array([["1/4", "3/4", 0], ["1/2", "1/2", 0]])
        values = ctx.array([["1/3", "2/3", 1], [0, 1, 0]])
        probs, w, kl = ctx.gibbs(base, values, ctx.convert("1/2"), kl=True)
        for i in range(2):
            expected = sum(ctx.to_float(probs[i, j] * ctx.log(probs[i, j] / base[i, j])) for j in range(2))
            assert math.isclose(ctx.to_float(kl[i]), expected, rel_tol=1e-12)
            assert ctx.to_float(probs[i, 2]) == 0


@pytest.mark.parametrize("lam", [1e4, 1e8, 1e14, 1e20])
def test_kl_spent_and_objective_at_large_temperatures(lam):
    # β = (1/2, 1/2), two steps worth 0 or 1/2: KL = 2·ln cosh(1/(4λ)) − (1/(2λ))·tanh(1/(4λ)) ≈ 1/(16λ²) > 0
    # (the previous code gave -1.8e-17 at λ = 1e8, and an objective of 0.5115 at 1e14 and 1.0 at 1e20).
    pi = theory.kl_regularized_policy(HALF, ENV, U, 2, lam)
    x = 1 / (4 * lam)
    expected = 2 * (x * math.tanh(x) - math.log(math.cosh(x))) if x > 1e-4 else 2 * (x * x / 2 - x**4 / 4)
    assert pi.kl_spent > 0 and math.isclose(pi.kl_spent, expected, rel_tol=1e-9)
    assert math.isclose(pi.objective, pi.value - lam * pi.kl_spent, rel_tol=1e-12)
    assert abs(pi.objective - 0.5) <= 1 / lam + 2e-15  # W = E_β[U] + O(1/λ)


# ---------------------------------------------------------------------------------------------------------------
# 2. The KL-constrained optimum never exceeds its budget (certified in ball arithmetic)
# ---------------------------------------------------------------------------------------------------------------
def certified_within(result, beta, env, horizon, history, budget, demonstrator=None) -> bool:
    if result.temperature == math.inf:  # β itself: its KL to β is exactly 0 (in ball, ln(q/q) only encloses 0)
        return (
            theory.trajectory_kl(result.policy, beta, env, horizon, history, arith="exact", demonstrator=demonstrator)
            == 0
        )
    with BALL.scope():
        k = theory.trajectory_kl(result.policy, beta, env, horizon, history, arith=BALL, demonstrator=demonstrator)
        return BALL.compare(k, BALL.convert(budget)) <= 0


@pytest.mark.parametrize("shortfall", [1e-6, 1e-9, 1e-12, 1e-14])
def test_budgets_just_below_the_cheapest_optimal_kl_are_never_exceeded(shortfall):
    # The cheapest optimal policy spends 2 ln 10; a budget just below needs a tiny λ, where the previous
    # cancellation picked a policy over the budget (by up to ~1e-15 relative, reported as under).
    budget = 2 * math.log(10) * (1 - shortfall)
    pi = theory.kl_constrained_policy(TENTH, ENV, U, 2, budget)
    assert pi.kl_spent <= budget and pi.binding
    assert certified_within(pi, TENTH, ENV, 2, (), budget)


@settings(max_examples=30)
@given(
    instances(with_utility=True, min_horizon=1, max_leaves=27),
    budgets(max_value=3),
    st.sampled_from([1, 1 - 1e-9, 1 - 1e-13]),
)
def test_kl_constrained_is_certified_within_its_budget(x, b, scale):
    budget = float(b) * scale
    pi = theory.kl_constrained_policy(x.beta, x.env, x.utility, x.horizon, budget, x.history)
    assert pi.kl_spent <= budget
    assert certified_within(pi, x.beta, x.env, x.horizon, x.history, budget)


@settings(max_examples=15)
@given(
    instances(semi_beta=True, demonstrator=True, with_utility=True, min_horizon=1, max_leaves=27), budgets(max_value=2)
)
def test_kl_constrained_with_abstention_is_certified_within_its_budget(x, b):
    if x.demonstrator.semi:
        return  # refused (see below)
    try:
        pi = theory.kl_constrained_policy(
            x.beta, x.env, x.utility, x.horizon, b, x.history, demonstrator=x.demonstrator
        )
    except errors.MightntError as err:
        assert "could not bring the KL under the budget" in str(err)
        return
    assert certified_within(pi, x.beta, x.env, x.horizon, x.history, b, x.demonstrator)


def test_an_uncertified_end_of_the_bracket_steps_back_inside_the_budget(monkeypatch):
    # Make the first certification fail (an enclosure pushed 1e-3 above): the optimizer must step λ up until
    # the real enclosure certifies, and return that policy.
    import theory.optimize as optimize

    real = optimize.trajectory_kl
    calls = []

    def pessimistic(*args, **kw):
        calls.append(1)
        k = real(*args, **kw)
        return k + BALL.convert("1/1000") if len(calls) == 1 else k

    budget = 0.5
    plain = theory.kl_constrained_policy(TENTH, ENV, U, 2, budget)  # certified at once
    monkeypatch.setattr(optimize, "trajectory_kl", pessimistic)
    pi = theory.kl_constrained_policy(TENTH, ENV, U, 2, budget)
    assert len(calls) >= 2 and pi.temperature > plain.temperature and pi.binding
    assert pi.kl_spent <= budget and certified_within(pi, TENTH, ENV, 2, (), budget)


def test_when_nothing_certifies_the_constrained_optimum_is_beta_itself(monkeypatch):
    import theory.optimize as optimize

    monkeypatch.setattr(optimize, "trajectory_kl", lambda *a, **k: BALL.convert(10))
    pi = theory.kl_constrained_policy(TENTH, ENV, U, 2, 0.5)
    assert pi.temperature == math.inf and pi.kl_spent == 0
    assert np.allclose(pi.policy.probs(((1, 0),)), [0.9, 0.1])


def test_zero_budget_is_beta_itself_exactly():
    third = theory.FiniteStatePolicy.iid(["1/3", "2/3"])  # no float equals 1/3: a table could not be β
    pi = theory.kl_constrained_policy(third, ENV, U, 2, 0)
    assert pi.kl_spent == 0 and pi.temperature == math.inf
    assert list(pi.policy.probs(((0, 0),), arith="exact")) == [Fraction(1, 3), Fraction(2, 3)]
    assert theory.trajectory_kl(pi.policy, third, ENV, 2, arith="exact") == 0


# ---------------------------------------------------------------------------------------------------------------
# 4. Optimizer options
# ---------------------------------------------------------------------------------------------------------------
def constrained(**kw):
    return lambda: theory.kl_constrained_policy(HALF, ENV, U, 1, kw.pop("budget", 0.1), **kw)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (constrained(max_iterations=-5), errors.OptionError, "max_iterations -5"),
        (constrained(max_iterations=True), errors.OptionError, "max_iterations True"),
        (constrained(max_iterations=2.5), errors.OptionError, "max_iterations 2.5"),
        (constrained(max_iterations=10**9), errors.OptionError, "max_iterations 1000000000"),
        (constrained(rtol=math.nan), errors.OptionError, "rtol nan"),
        (constrained(rtol=0), errors.OptionError, "rtol 0"),
        (constrained(rtol=-1e-3), errors.OptionError, "rtol -0.001"),
        (constrained(rtol=2), errors.OptionError, "rtol 2"),
        (constrained(rtol=False), errors.OptionError, "rtol False"),
        (constrained(rtol="tight"), errors.OptionError, "rtol 'tight'"),
        (constrained(budget="lots"), errors.BudgetError, "budget 'lots'"),
        (constrained(budget=[1]), errors.BudgetError, "budget [1]"),
        (constrained(budget=None), errors.BudgetError, "budget None"),
        (constrained(budget=True), errors.BudgetError, "budget True"),
        (lambda: theory.kl_regularized_policy(HALF, ENV, U, 1, "warm"), errors.TemperatureError, "'warm'"),
        (lambda: theory.kl_regularized_policy(HALF, ENV, U, 1, [1]), errors.TemperatureError, "[1]"),
        (
            lambda: theory.kl_regularized_policy(HALF, ENV, U, 1, 1).policy.largest_probability(5),
            errors.HistoryError,
            "action 5",
        ),
        (
            lambda: theory.kl_regularized_policy(HALF, ENV, U, 1, 1).policy.largest_probability(True),
            errors.HistoryError,
            "action True",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_optimizer_options_raise_naming_the_value(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, errors.MightntError) and text in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# 5. Ruled-out histories: one behaviour for every object that conditions on a history
# ---------------------------------------------------------------------------------------------------------------
ONLY0 = theory.FiniteStatePolicy.iid([1, 0])
ONLY0_AGAIN = theory.FiniteStatePolicy.iid(["1", "0"])
RULED_OUT = ((1, 0),)


def conditioning_calls(arith):
    xi = theory.BayesianMixture([ONLY0, ONLY0_AGAIN], ["1/2", "1/2"])
    imitator = theory.PessimisticImitator(xi, "1/2")
    online = theory.OnlineImitator(xi, "1/2", demonstrator=HALF)
    flagged = ((1, 0, True),)  # a demonstrator step: the online imitator's posterior scores it
    return {
        "mixture posterior": lambda: xi.posterior(RULED_OUT, arith=arith),
        "mixture predictive": lambda: xi.probs(RULED_OUT, arith=arith),
        "mixture abstain": lambda: xi.abstain(RULED_OUT, arith=arith),
        "top_set": lambda: theory.top_set(xi, RULED_OUT, "1/2", arith=arith),
        "imitator probs": lambda: imitator.probs(RULED_OUT, arith=arith),
        "imitator abstain": lambda: imitator.abstain(RULED_OUT, arith=arith),
        "imitator top_set": lambda: imitator.top_set(RULED_OUT, arith=arith),
        "online law": lambda: online.law(ENV, 1, flagged, arith=arith),
        "online simulate": lambda: online.simulate(ENV, 1, episodes=2, history=flagged),
        "imitator in a tree": lambda: theory.value(imitator, ENV, U, 1, RULED_OUT, arith=arith, demonstrator=HALF),
    }


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
@pytest.mark.parametrize("name", list(conditioning_calls("float")))
def test_every_object_raises_at_a_ruled_out_history(arith, name):
    with pytest.raises(errors.RuledOutHistoryError, match=r"\(\(1, 0\),\)"):
        conditioning_calls(arith)[name]()


@pytest.mark.parametrize("arith", ["float", "exact"])
def test_imitator_abstains_fully_after_a_demonstrator_step_every_component_rules_out(arith):
    # Two components that agree on action 0 only: the imitator takes 0 with probability 1/2 and asks otherwise.
    # The demonstrator always takes action 3, which neither component ever takes: from there the top set is
    # empty and the imitator must ask at every step (it used to act as the minimum over *all* components).
    a = theory.FiniteStatePolicy.iid(["1/2", "1/2", "0", "0"])
    b = theory.FiniteStatePolicy.iid(["1/2", "0", "1/2", "0"])
    demo = theory.FiniteStatePolicy.iid([0, 0, 0, 1])
    online = theory.OnlineImitator(theory.BayesianMixture([a, b], ["1/2", "1/2"]), "1/2", demonstrator=demo)
    law = online.law(theory.sequence_environment(4), 2, arith=arith)
    after_ask = {h: p for h, p in law.items() if h[0] == (3, 0, True)}
    assert list(after_ask) == [((3, 0, True), (3, 0, True))]
    assert float(after_ask[((3, 0, True), (3, 0, True))]) == 0.5
    imitator = online.imitator
    assert list(imitator.probs(((0, 0, False),), arith=arith)) == [Fraction(1, 2), 0, 0, 0]


# ---------------------------------------------------------------------------------------------------------------
# 5b. A semi-distribution demonstrator where a full one is needed
# ---------------------------------------------------------------------------------------------------------------
SEMI = theory.FiniteStatePolicy.iid(["1/2", "1/4"], semi=True)


@pytest.mark.parametrize(
    "call",
    [
        lambda: theory.OnlineImitator(theory.BayesianMixture([HALF], [1]), "1/2", demonstrator=SEMI),
        lambda: theory.kl_regularized_policy(SEMI, ENV, U, 1, 1, demonstrator=SEMI),
        lambda: theory.kl_constrained_policy(SEMI, ENV, U, 1, "1/2", demonstrator=SEMI),
    ],
    ids=["online imitator", "kl-regularized", "kl-constrained"],
)
def test_a_semi_distribution_demonstrator_is_refused(call):
    with pytest.raises(errors.ProbabilityError, match="semi-distribution") as info:
        call()
    assert "FiniteStatePolicy" in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# Mixture and imitator construction
# ---------------------------------------------------------------------------------------------------------------
XI = theory.BayesianMixture([HALF, ONLY0], ["1/2", "1/2"])


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: theory.BayesianMixture([HALF], [True]), errors.PriorError, "True"),
        (lambda: theory.BayesianMixture([HALF], ["abc"]), errors.PriorError, "'abc'"),
        (lambda: theory.BayesianMixture([HALF], [[1]]), errors.PriorError, "[1]"),
        (lambda: theory.BayesianMixture([HALF], None), errors.PriorError, "None"),
        (lambda: theory.BayesianMixture([HALF], 1), errors.PriorError, "1"),
        (lambda: theory.BayesianMixture(None, [1]), errors.TypeMismatchError, "None"),
        (lambda: theory.BayesianMixture([3], [1]), errors.TypeMismatchError, "component 0 is 3"),
        (lambda: theory.BayesianMixture([HALF], [1], normalize="no"), errors.OptionError, "'no'"),
        (lambda: theory.BayesianMixture([HALF], [1], update="sometimes"), errors.OptionError, "'sometimes'"),
        (lambda: theory.BayesianMixture([HALF], [1], names=[3]), errors.TypeMismatchError, "3"),
        (lambda: theory.BayesianMixture([HALF], [1], names="ab"), errors.TypeMismatchError, "'ab'"),
        (lambda: XI.condition_on(5), errors.TypeMismatchError, "5"),
        (lambda: theory.top_set(3, (), "1/2"), errors.TypeMismatchError, "3"),
        (lambda: theory.PessimisticImitator([HALF], "1/2"), errors.TypeMismatchError, "list"),
        (lambda: theory.OnlineImitator(XI, "1/2", demonstrator=None), errors.TypeMismatchError, "None"),
        (lambda: theory.OnlineImitator(3, "1/2", demonstrator=HALF), errors.TypeMismatchError, "3"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_mixture_and_imitator_arguments_raise_naming_the_value(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ValueError) and text in str(info.value)


def test_an_exact_constrained_optimum_too_large_for_symbolic_bisection_is_refused_at_once():
    # Horizon 6 in exact arithmetic ran for over 10 minutes (sympy exponentials chained through the bisection).
    import time

    beta, env, u = (
        theory.FiniteStatePolicy.iid(["1/2", "1/2"]),
        theory.sequence_environment(2),
        theory.MeanReward([[0], [1]]),
    )
    start = time.perf_counter()
    with pytest.raises(theory.ResourceLimitError, match="max_symbolic_nodes"):
        theory.kl_constrained_policy(beta, env, u, 6, "1/2", arith="exact")
    assert time.perf_counter() - start < 1
    small = theory.kl_constrained_policy(beta, env, u, 1, "1/2", arith="exact")  # small trees still solve exactly
    assert small.kl_spent <= theory.arith.to_fraction("1/2") or small.binding is False

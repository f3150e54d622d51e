"""A catalogue of bad inputs across the public API: each must raise a ValueError subclass (a
:class:`theory.MightntError` for `theory`) whose message names the offending value, and must do so at once.

Every case runs in a forked child process, killed after 5 seconds (a hang fails instead of blocking the suite,
even inside C code that no ``signal.alarm`` would interrupt), under an address-space limit of about 1.5 GB above
the process's size (a memory blow-up fails with MemoryError instead of taking the machine). A case is ``(id, call, error, needles)``: ``call()`` must raise ``error`` (or a subclass)
and the message must contain one of ``needles`` (the offending value as the user wrote it, or the size estimate
a resource guard names). A few cases accept a correct answer instead of an error (``Answer``): a float result of a
tiny exact probability must be the right finite number or an UnderflowError, never a silent ∞ or nan.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import time
from fractions import Fraction
from typing import Callable, NamedTuple

import numpy as np
import pytest

import theory
from theory import (
    BayesianMixture,
    FiniteStateEnvironment,
    FiniteStatePolicy,
    MeanReward,
    MightntError,
    PessimisticImitator,
    Policy,
)

from ._counts import count

TIME_LIMIT = 5  # seconds per case
MEMORY_HEADROOM = 1_500_000_000  # bytes of address space a case may add


class Case(NamedTuple):
    id: str
    call: Callable
    error: type = MightntError
    needles: tuple = ()


class Answer(NamedTuple):
    """A case that may either raise ``error`` (naming one of ``needles``) or return a value ``accept`` approves."""

    id: str
    call: Callable
    accept: Callable
    error: type = MightntError
    needles: tuple = ()


# ---------------------------------------------------------------------------------------------------------------
# Small well-formed objects the bad inputs are combined with
# ---------------------------------------------------------------------------------------------------------------
NAN, INF_ = float("nan"), float("inf")
TINY = "1/1" + "0" * 400  # an exact probability 10^-400: 0.0 in float
ENV = FiniteStateEnvironment([[["1/2", "1/2"], ["1/4", "3/4"]]], [[[0, 0], [0, 0]]])
PI = FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
BETA = FiniteStatePolicy.iid(["1/4", "3/4"], n_observations=2)
SEMI = FiniteStatePolicy.iid(["1/4", "1/4"], n_observations=2, semi=True)
U = MeanReward([[0, 1], [1, 0]])
STAY = FiniteStatePolicy.iid([1, 0], n_observations=2)
MOVE = FiniteStatePolicy.iid([0, 1], n_observations=2)
XI = BayesianMixture([STAY, MOVE], ["1/2", "1/2"])
RULED_OUT = ((0, 0), (1, 0))  # STAY rules out action 1, MOVE action 0: every component rules it out
LANG = theory.PolicyLanguage(2, 2)


def _regularized(**kw):
    args = dict(beta=BETA, env=ENV, utility=U, horizon=1, temperature=1)
    args.update(kw)
    return theory.kl_regularized_policy(
        args.pop("beta"), args.pop("env"), args.pop("utility"), args.pop("horizon"), args.pop("temperature"), **args
    )


def _constrained(**kw):
    args = dict(beta=BETA, env=ENV, utility=U, horizon=1, budget="1/10")
    args.update(kw)
    return theory.kl_constrained_policy(
        args.pop("beta"), args.pop("env"), args.pop("utility"), args.pop("horizon"), args.pop("budget"), **args
    )


def _kl(horizon=1, history=(), **kw):
    return theory.trajectory_kl(PI, BETA, ENV, horizon, history, **kw)


def _dict_policy():
    return Policy.from_function(2, lambda h: {0: 0.5, 1: 0.5}, n_observations=2).probs(((0, 0),))


def _tiny_kl_float():
    # KL((1/2, 1/2) ‖ (10^-400, 1 − 10^-400)) = ½ ln(½·10^400) + ½ ln(½/(1 − 10^-400)): finite, about 459.8.
    return theory.kl(["1/2", "1/2"], [TINY, str(1 - Fraction(TINY))], arith="float")


_TINY_KL = 200 * math.log(10) - math.log(2)


def _tiny_posterior_float():
    # Component 0 has prior 10^-400 and is the only one that allows action 0: its posterior is exactly 1.
    xi = BayesianMixture([STAY, MOVE], [TINY, "1/2"])
    return xi.posterior(((0, 0),), arith="float")


def _tiny_temperature():
    return _regularized(temperature=1e-310)


def _temperature_ok(result, arith="float") -> bool:
    """At λ → 0 the optimum takes action 0 surely (Q = (1/2, 1/4) under U and ENV): π = (1, 0), KL = ln 4."""
    p = [float(x.mid()) if hasattr(x, "mid") else float(x) for x in result.policy.probs(arith=arith)]
    kl = result.kl_spent
    kl = float(kl.mid()) if hasattr(kl, "mid") else float(kl)
    return bool(np.allclose(p, [1.0, 0.0], rtol=0, atol=1e-12) and abs(kl - math.log(4)) < 1e-9)


def _read(path):
    from proofs_checks import certificates

    return certificates.read(path)


def _certificate_file(tmp_text: bytes):
    import tempfile

    handle = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)
    handle.write(tmp_text)
    handle.close()
    return handle.name


GARBAGE = _certificate_file(b"\xff\xfe not json")


def _decode(data):
    from proofs_checks import instances

    return instances.decode(data)


# ---------------------------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------------------------
E = theory  # error classes: E.OptionError, ...

CASES = [
    # -- optimizer options ------------------------------------------------------------------------------------
    Case("constrained-max-iterations-negative", lambda: _constrained(max_iterations=-5), MightntError, ("-5",)),
    Case("constrained-max-iterations-float", lambda: _constrained(max_iterations=2.5), MightntError, ("2.5",)),
    Case("constrained-max-iterations-bool", lambda: _constrained(max_iterations=True), MightntError, ("True",)),
    Case("constrained-rtol-nan", lambda: _constrained(rtol=NAN), MightntError, ("nan",)),
    Case("constrained-rtol-negative", lambda: _constrained(rtol=-1e-3), MightntError, ("-0.001",)),
    Case("constrained-rtol-string", lambda: _constrained(rtol="tight"), MightntError, ("'tight'",)),
    Case("constrained-budget-nan", lambda: _constrained(budget=NAN), E.BudgetError, ("nan",)),
    Case("constrained-budget-negative", lambda: _constrained(budget=-1), E.BudgetError, ("-1",)),
    Case("constrained-budget-none", lambda: _constrained(budget=None), E.BudgetError, ("None",)),
    Case("regularized-temperature-zero", lambda: _regularized(temperature=0), E.TemperatureError, ("0",)),
    Case("regularized-temperature-negative", lambda: _regularized(temperature=-1), E.TemperatureError, ("-1",)),
    Case("regularized-temperature-nan", lambda: _regularized(temperature=NAN), E.TemperatureError, ("nan",)),
    Case("regularized-temperature-string", lambda: _regularized(temperature="hot"), E.TemperatureError, ("'hot'",)),
    Case("regularized-temperature-bool", lambda: _regularized(temperature=True), E.TemperatureError, ("True",)),
    Case("tvd-budget-negative", lambda: theory.tvd_constrained_policy(BETA, ENV, U, 1, -0.5), E.BudgetError, ("-0.5",)),
    # -- probabilities ----------------------------------------------------------------------------------------
    Case("kl-booleans-as-probabilities", lambda: theory.kl([True, False], [0.5, 0.5]), E.ProbabilityError, ("True",)),
    Case(
        "policy-booleans-as-probabilities", lambda: FiniteStatePolicy.iid([True, False]), E.ProbabilityError, ("True",)
    ),
    Case(
        "environment-booleans-as-probabilities",
        lambda: FiniteStateEnvironment([[[True, False]]], [[[0, 0]]]),
        E.ProbabilityError,
        ("True",),
    ),
    Case("kl-sum-above-one", lambda: theory.kl([0.5, 0.7], [0.5, 0.5]), E.ProbabilityError, ("0.7", "1.2")),
    Case("kl-negative", lambda: theory.kl([-0.1, 1.1], [0.5, 0.5]), E.ProbabilityError, ("-0.1",)),
    Case("kl-nan", lambda: theory.kl([NAN, 1], [0.5, 0.5]), E.ProbabilityError, ("nan",)),
    Case("kl-inf", lambda: theory.kl([INF_, 0], [0.5, 0.5]), E.ProbabilityError, ("inf",)),
    Case(
        "kl-huge-int",
        lambda: theory.kl([10**400, 1], [0.5, 0.5]),
        E.ProbabilityError,
        ("1000000000", "2^1328", "10^400"),
    ),
    Case("tvd-string", lambda: theory.tvd(["1/2", "half"], ["1/2", "1/2"]), E.ProbabilityError, ("'half'",)),
    Case("tvd-none", lambda: theory.tvd(None, ["1/2", "1/2"]), MightntError, ("None",)),
    Case("kl-unit", lambda: theory.kl([0.5, 0.5], [0.5, 0.5], unit="bit"), MightntError, ("'bit'",)),
    Case("kl-convention", lambda: theory.kl([0.5, 0.5], [0.5, 0.5], convention="action"), MightntError, ("'action'",)),
    Case("policy-from-function-returns-dict", _dict_policy, MightntError, ("{0: 0.5, 1: 0.5}", "dict")),
    Case(
        "policy-from-function-bad-sum",
        lambda: Policy.from_function(2, lambda h: [0.5, 0.7]).probs(),
        E.ProbabilityError,
        ("0.7", "1.2"),
    ),
    Case("policy-from-function-not-callable", lambda: Policy.from_function(2, "uniform"), MightntError, ("'uniform'",)),
    # -- priors and mixtures ----------------------------------------------------------------------------------
    Case("prior-bool", lambda: BayesianMixture([STAY, MOVE], [0.5, True]), E.PriorError, ("True",)),
    Case("prior-negative", lambda: BayesianMixture([STAY, MOVE], [-1, 2]), E.PriorError, ("-1",)),
    Case("prior-above-one", lambda: BayesianMixture([STAY, MOVE], ["1", "1"]), E.PriorError, ("2",)),
    Case("prior-nan", lambda: BayesianMixture([STAY, MOVE], [NAN, 0.5]), E.PriorError, ("nan",)),
    Case(
        "mixture-update-option",
        lambda: BayesianMixture([STAY, MOVE], [0.5, 0.5], update="some"),
        MightntError,
        ("'some'",),
    ),
    Case(
        "mixture-component-string", lambda: BayesianMixture([STAY, "policy"], [0.5, 0.5]), MightntError, ("'policy'",)
    ),
    Case(
        "mixture-component-environment",
        lambda: BayesianMixture([STAY, ENV], [0.5, 0.5]),
        MightntError,
        ("FiniteStateEnvironment",),
    ),
    # -- histories --------------------------------------------------------------------------------------------
    Case("history-flag-no", lambda: _kl(history=((0, 0, "no"),)), MightntError, ("'no'",)),
    Case("history-flag-two", lambda: _kl(history=((0, 0, 2),)), MightntError, ("2",)),
    Case("history-bool-action", lambda: _kl(history=((True, 0),)), E.HistoryError, ("True",)),
    Case("history-string", lambda: _kl(history="abc"), E.HistoryError, ("'abc'",)),
    Case("history-none", lambda: _kl(history=None), E.HistoryError, ("None",)),
    Case("history-observation-outside", lambda: _kl(history=((0, 5),)), E.HistoryError, ("5",)),
    Case("history-negative-action", lambda: _kl(history=((-1, 0),)), E.HistoryError, ("-1",)),
    Case("history-huge-action", lambda: _kl(history=((10**30, 0),)), E.HistoryError, ("1000000000",)),
    # -- horizons and sizes -----------------------------------------------------------------------------------
    Case("horizon-negative", lambda: _kl(-1), MightntError, ("-1",)),
    Case("horizon-float", lambda: _kl(2.5), MightntError, ("2.5",)),
    Case("horizon-bool", lambda: _kl(True), MightntError, ("True",)),
    Case("horizon-nan", lambda: _kl(NAN), MightntError, ("nan",)),
    Case("horizon-1e9-trajectory-kl", lambda: _kl(10**9), MightntError, ("1000000000", "max_nodes")),
    Case("horizon-1e9-value", lambda: theory.value(PI, ENV, U, 10**9), MightntError, ("1000000000", "max_nodes")),
    Case(
        "horizon-1e9-optimal-value",
        lambda: theory.optimal_value(ENV, U, 10**9),
        MightntError,
        ("1000000000", "max_nodes"),
    ),
    Case(
        "horizon-1e9-tvd",
        lambda: theory.trajectory_tvd(PI, BETA, ENV, 10**9),
        MightntError,
        ("1000000000", "max_nodes"),
    ),
    Case("horizon-1e9-regularized", lambda: _regularized(horizon=10**9), MightntError, ("1000000000", "max_nodes")),
    Case("horizon-1e100", lambda: _kl(10**100), MightntError, ("1000000000", "max_nodes")),
    Case(
        "sample-episodes-1e12",
        lambda: theory.sample_episodes(PI, ENV, 3, episodes=10**12),
        MightntError,
        ("1000000000000", "episodes"),
    ),
    Case("sample-episodes-negative", lambda: theory.sample_episodes(PI, ENV, 3, episodes=-1), MightntError, ("-1",)),
    Case(
        "sample-horizon-1e9", lambda: theory.sample_episodes(PI, ENV, 10**9, episodes=10), MightntError, ("1000000000",)
    ),
    # -- arithmetic contexts ----------------------------------------------------------------------------------
    Case(
        "arith-ball-1e9-bits",
        lambda: theory.kl([0.5, 0.5], [0.25, 0.75], arith="ball:1000000000"),
        E.ArithmeticContextError,
        ("1000000000",),
    ),
    Case(
        "arith-ball-garbage",
        lambda: theory.kl([0.5, 0.5], [0.25, 0.75], arith="ball:many"),
        E.ArithmeticContextError,
        ("'ball:many'",),
    ),
    Case("arith-unknown", lambda: _kl(arith="double"), E.ArithmeticContextError, ("'double'",)),
    Case("arith-int", lambda: _kl(arith=3), E.ArithmeticContextError, ("3",)),
    Case("ball-precision-small", lambda: theory.BallContext(prec=4), E.ArithmeticContextError, ("4",)),
    # -- programs ---------------------------------------------------------------------------------------------
    Case(
        "mixture-from-programs-40",
        lambda: theory.mixture_from_programs(40, language=LANG),
        MightntError,
        ("40", "max_programs"),
    ),
    Case("kraft-sum-1e6", lambda: LANG.kraft_sum(10**6), MightntError, ("1000000",)),
    Case("program-count-1e6", lambda: LANG.count(10**6), MightntError, ("1000000",)),
    Case("elias-gamma-zero", lambda: theory.elias_gamma(0), MightntError, ("0",)),
    Case("elias-gamma-negative", lambda: theory.elias_gamma(-3), MightntError, ("-3",)),
    Case("elias-gamma-float", lambda: theory.elias_gamma(2.5), MightntError, ("2.5",)),
    Case("integer-negative", lambda: theory.integer(-1), MightntError, ("-1",)),
    Case("integer-code-length-string", lambda: theory.integer_code_length("7"), MightntError, ("'7'",)),
    Case("min-code-length-negative", lambda: theory.min_code_length_at_least(-1), MightntError, ("-1",)),
    Case(
        "largest-integer-expression-1e6-bits",
        lambda: theory.largest_integer_expression(10**6),
        MightntError,
        ("1000000",),
    ),
    Case("language-zero-actions", lambda: theory.PolicyLanguage(0, 2), MightntError, ("0",)),
    # -- utilities --------------------------------------------------------------------------------------------
    Case("mean-reward-empty-row", lambda: MeanReward([[]]), E.UtilityError, ("[[]]", "(1, 0)")),
    Case("mean-reward-empty", lambda: MeanReward([]), E.UtilityError, ("[]", "(0,)")),
    Case("mean-reward-nan", lambda: MeanReward([[NAN]]), E.UtilityError, ("nan",)),
    Case("mean-reward-above-one", lambda: MeanReward([[1.5]]), E.UtilityError, ("1.5",)),
    Case("mean-reward-bool", lambda: MeanReward([[True, 0], [0, 1]]), E.UtilityError, ("True",)),
    Case("mean-reward-string", lambda: MeanReward("abc"), E.UtilityError, ("'abc'",)),
    Case("utility-returns-two", lambda: theory.value(PI, ENV, lambda h: 2, 1), E.UtilityError, ("2",)),
    Case("utility-returns-nan", lambda: theory.value(PI, ENV, lambda h: NAN, 1), E.UtilityError, ("nan",)),
    Case("value-semi-without-demonstrator", lambda: theory.value(SEMI, ENV, U, 1), MightntError, ("demonstrator",)),
    Case(
        "semi-demonstrator-kl",
        lambda: theory.trajectory_kl(SEMI, BETA, ENV, 1, demonstrator=SEMI),
        MightntError,
        ("demonstrator",),
    ),
    Case(
        "semi-demonstrator-value",
        lambda: theory.value(SEMI, ENV, U, 1, demonstrator=SEMI),
        MightntError,
        ("demonstrator",),
    ),
    Case(
        "semi-demonstrator-imitator",
        lambda: theory.OnlineImitator(XI, "1/2", demonstrator=SEMI),
        MightntError,
        ("demonstrator",),
    ),
    # -- kernels, events and combinators ----------------------------------------------------------------------
    Case("transition-state-outside", lambda: FiniteStatePolicy([[0.5, 0.5]], [[[5, 0], [0, 0]]]), MightntError, ("5",)),
    Case(
        "environment-row-sum",
        lambda: FiniteStateEnvironment([[["1/2", "1/3"]]], [[[0, 0]]]),
        E.ProbabilityError,
        ("1/3", "5/6"),
    ),
    Case("sequence-environment-zero", lambda: theory.sequence_environment(0), MightntError, ("0",)),
    Case("sequence-environment-bool", lambda: theory.sequence_environment(True), MightntError, ("True",)),
    Case(
        "iid-observations-negative", lambda: FiniteStatePolicy.iid([0.5, 0.5], n_observations=-1), MightntError, ("-1",)
    ),
    Case("constant-action-outside", lambda: FiniteStatePolicy.constant(5, n_actions=2), MightntError, ("5",)),
    Case("length-at-least-negative", lambda: theory.LengthAtLeast(-1), MightntError, ("-1",)),
    Case("observation-occurred-string", lambda: theory.ObservationOccurred("a"), MightntError, ("'a'",)),
    Case("switch-event-string", lambda: theory.Switch(PI, "event", BETA), MightntError, ("'event'",)),
    Case("hazard-rate-above-one", lambda: theory.Hazard(PI, 1.5, BETA), MightntError, ("1.5",)),
    Case("hazard-rate-nan", lambda: theory.Hazard(PI, NAN, BETA), MightntError, ("nan",)),
    Case("channel-not-stochastic", lambda: theory.Channel([[0.5, 0.7]]), MightntError, ("0.7", "1.2")),
    # -- wrong object types -----------------------------------------------------------------------------------
    Case(
        "policy-where-environment-goes",
        lambda: theory.trajectory_kl(PI, BETA, PI, 1),
        MightntError,
        ("FiniteStatePolicy",),
    ),
    Case(
        "environment-where-policy-goes",
        lambda: theory.trajectory_kl(ENV, BETA, ENV, 1),
        MightntError,
        ("FiniteStateEnvironment",),
    ),
    Case("none-policy", lambda: theory.trajectory_kl(None, BETA, ENV, 1), MightntError, ("None",)),
    Case("string-policy-value", lambda: theory.value("pi", ENV, U, 1), MightntError, ("'pi'",)),
    Case("policy-as-env-optimal-value", lambda: theory.optimal_value(PI, U, 1), MightntError, ("FiniteStatePolicy",)),
    Case("top-set-of-a-policy", lambda: theory.top_set(PI, (), 1), MightntError, ("FiniteStatePolicy",)),
    Case("imitator-of-none", lambda: PessimisticImitator(None, 0.5), MightntError, ("None",)),
    Case("worst-case-env-string", lambda: theory.worst_case_kl(PI, BETA, "2", 1), MightntError, ("'2'",)),
    Case("worst-case-env-zero", lambda: theory.worst_case_kl(PI, BETA, 0, 1), MightntError, ("0",)),
    Case("regularized-utility-string", lambda: _regularized(utility="reward"), MightntError, ("'reward'",)),
    # -- alpha ------------------------------------------------------------------------------------------------
    Case("alpha-zero", lambda: theory.top_set(XI, (), 0), E.AlphaError, ("0",)),
    Case("alpha-above-one", lambda: theory.top_set(XI, (), 1.5), E.AlphaError, ("1.5",)),
    Case("alpha-nan", lambda: PessimisticImitator(XI, NAN), E.AlphaError, ("nan",)),
    Case("alpha-bool", lambda: PessimisticImitator(XI, True), E.AlphaError, ("True",)),
    # -- ruled-out histories, for every object that conditions on a history -----------------------------------
    Case("ruled-out-posterior", lambda: XI.posterior(RULED_OUT), E.RuledOutHistoryError, ("((0, 0), (1, 0))",)),
    Case("ruled-out-predictive", lambda: XI.probs(RULED_OUT), E.RuledOutHistoryError, ("((0, 0), (1, 0))",)),
    Case(
        "ruled-out-predictive-exact",
        lambda: XI.probs(RULED_OUT, arith="exact"),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    Case("ruled-out-abstain", lambda: XI.abstain(RULED_OUT), E.RuledOutHistoryError, ("((0, 0), (1, 0))",)),
    Case(
        "ruled-out-top-set", lambda: theory.top_set(XI, RULED_OUT, "1/2"), E.RuledOutHistoryError, ("((0, 0), (1, 0))",)
    ),
    Case(
        "ruled-out-imitator-probs",
        lambda: PessimisticImitator(XI, "1/2").probs(RULED_OUT),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    Case(
        "ruled-out-imitator-abstain",
        lambda: PessimisticImitator(XI, "1/2").abstain(RULED_OUT, arith="exact"),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    Case(
        "ruled-out-imitator-top-set",
        lambda: PessimisticImitator(XI, "1/2").top_set(RULED_OUT),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    Case(
        "ruled-out-condition-on",
        lambda: XI.condition_on([RULED_OUT]).posterior(),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))", "corpus"),
    ),
    Case(
        "ruled-out-hazard-modes",
        lambda: theory.Hazard(STAY, "1/2", STAY).mode_posterior(((1, 0),)),
        E.RuledOutHistoryError,
        ("((1, 0),)",),
    ),
    Case(
        "ruled-out-hazard-probs",
        lambda: theory.Hazard(STAY, "1/2", STAY).probs(((1, 0),)),
        E.RuledOutHistoryError,
        ("((1, 0),)",),
    ),
    Case(
        "ruled-out-kl-start",
        lambda: theory.trajectory_kl(PI, XI, ENV, 1, RULED_OUT),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    Case(
        "ruled-out-online-imitator",
        lambda: theory.OnlineImitator(XI, "1/2", demonstrator=PI).law(ENV, 1, RULED_OUT),
        E.RuledOutHistoryError,
        ("((0, 0), (1, 0))",),
    ),
    # -- proofs_checks ----------------------------------------------------------------------------------------
    Case("certificate-not-utf8", lambda: _read(GARBAGE), ValueError, (GARBAGE,)),
    Case("certificate-missing", lambda: _read("/nonexistent/cert.json"), ValueError, ("/nonexistent/cert.json",)),
    Case("certificate-dev-zero", lambda: _read("/dev/zero"), ValueError, ("/dev/zero",)),
    Case("instance-unknown-tag", lambda: _decode({"spaceship": 1}), ValueError, ("spaceship",)),
    Case("instance-bad-fraction", lambda: _decode({"q": "1/0"}), ValueError, ("1/0",)),
]

_KL40 = 40 * (0.5 * math.log(2) + 0.5 * math.log(2 / 3))  # 40 steps of KL((1/2, 1/2) ‖ (1/4, 3/4))

ANSWERS = [
    # Horizon 40 over |O| = 2: Definition 2 keeps 2^40 observation paths unless it merges; either the right answer
    # (the policies are i.i.d.) or a resource error that names the size, never an allocation of 2^40 entries.
    Answer(
        "worst-case-kl-horizon-40",
        lambda: theory.worst_case_kl(PI, BETA, 2, 40),
        lambda x: abs(x - _KL40) <= 1e-9 * _KL40,
        E.ResourceLimitError,
        ("40", "max_nodes", "1099511627776"),
    ),
    Answer(
        "reactive-kl-horizon-40",
        lambda: theory.reactive_worst_case_kl(PI, BETA, 2, 40),
        lambda x: abs(x - _KL40) <= 1e-9 * _KL40,
        E.ResourceLimitError,
        ("40", "max_nodes"),
    ),
    Answer(
        "tiny-exact-probability-kl-float",
        _tiny_kl_float,
        lambda x: math.isfinite(x) and abs(x - _TINY_KL) <= 1e-9 * _TINY_KL,
        E.UnderflowError,
        ("1/10^400", "1e-400"),
    ),
    Answer(
        "tiny-exact-prior-posterior-float",
        _tiny_posterior_float,
        lambda w: np.allclose(np.asarray(w, dtype=float), [1.0, 0.0]),
        E.UnderflowError,
        ("1/10^400", "1e-400"),
    ),
    Answer("temperature-1e-310-float", _tiny_temperature, _temperature_ok, E.TemperatureError, ("1e-310",)),
    Answer(
        "temperature-1e-40-ball",
        lambda: _regularized(temperature="1/" + "1" + "0" * 40, arith="ball"),
        lambda result: _temperature_ok(result, "ball"),
        E.TemperatureError,
        ("1/10^40", "1e-40"),
    ),
]


# ---------------------------------------------------------------------------------------------------------------
# Running a case: in a forked child, under a time limit and a memory cap
# ---------------------------------------------------------------------------------------------------------------
class Outcome(NamedTuple):
    kind: str  # "value", "raised", "hang", "memory" or "crash"
    type: str = ""  # the exception's class name, or the value's type
    message: str = ""
    ok: bool = False  # raised: isinstance of the expected error; value: accepted by the case


def _child(case) -> Outcome:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        cap = int(f.read().split()[0]) * resource.getpagesize() + MEMORY_HEADROOM
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        got = case.call()
    except MemoryError as err:
        return Outcome("memory", type(err).__name__, str(err)[:2000])
    except Exception as err:  # noqa: BLE001 - the catalogue records whatever comes out
        return Outcome("raised", type(err).__name__, str(err)[:2000], isinstance(err, case.error))
    accept = getattr(case, "accept", None)
    return Outcome("value", type(got).__name__, repr(got)[:2000], bool(accept(got)) if accept else False)


def run_case(case, seconds: float = TIME_LIMIT) -> Outcome:
    """Run ``case.call()`` in a forked child: a hang in C code (which no alarm interrupts) is killed after
    ``seconds``, and a memory blow-up meets the child's address-space cap, not the machine's memory."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, and leave without running any of the parent's cleanup
        os.close(read_fd)
        try:
            data = pickle.dumps(_child(case))
        except BaseException as err:  # noqa: BLE001
            data = pickle.dumps(Outcome("crash", type(err).__name__, str(err)[:2000]))
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
        os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + seconds
    chunks = []
    with os.fdopen(read_fd, "rb") as inp:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([inp], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Outcome("hang", message=f"did not return within {seconds} s")
            chunk = inp.read1(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return Outcome("crash", message=f"the child died with status {status}")
    return pickle.loads(b"".join(chunks))


def _names_any(message: str, needles) -> bool:
    return not needles or any(n in message for n in needles)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused(case):
    got = run_case(case)
    count("bad inputs")
    assert got.kind != "hang", f"{case.id}: hangs ({got.message})"
    assert got.kind != "memory", f"{case.id}: memory blow-up (MemoryError under a {MEMORY_HEADROOM:,} byte cap)"
    assert got.kind == "raised", f"{case.id}: {got.kind}: {got.type} {got.message}"
    assert got.ok, (
        f"{case.id}: raised {got.type}: {got.message} (expected {case.error.__name__}, a ValueError subclass)"
    )
    assert _names_any(got.message, case.needles), f"{case.id}: message {got.message!r} names none of {case.needles}"


@pytest.mark.parametrize("case", ANSWERS, ids=[c.id for c in ANSWERS])
def test_edge_input_is_right_or_refused(case):
    got = run_case(case)
    count("bad inputs")
    assert got.kind in ("value", "raised"), f"{case.id}: {got.kind} ({got.message})"
    if got.kind == "value":
        assert got.ok, f"{case.id}: silently wrong result {got.message}"
    else:
        assert got.ok, f"{case.id}: raised {got.type}: {got.message}"
        assert _names_any(got.message, case.needles), f"{case.id}: message {got.message!r} names none of {case.needles}"


def test_catalogue_is_large_enough():
    assert len(CASES) + len(ANSWERS) >= 60
    assert len({c.id for c in CASES + ANSWERS}) == len(CASES) + len(ANSWERS), "duplicate case ids"
    assert all(issubclass(c.error, ValueError) for c in CASES + ANSWERS)

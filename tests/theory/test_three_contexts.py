"""Every public function and method of `theory` that takes ``arith=`` runs in the three arithmetics on one small
instance, and they agree: the ball result encloses the exact one (and is narrow), the float result is within 1e-9
of it, and discrete answers (action sets, top sets, keys) are equal.

The table :data:`CASES` names one call per public entry point; :func:`test_every_public_entry_point_has_a_case`
fails when a new public function takes ``arith=`` without a case here, so "ball works wherever exact does" stays
checked as the library grows.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from fractions import Fraction

import numpy as np
import pytest

import theory

ARITHS = ("float", "exact", "ball")

# One small world: two actions, two observations, a two-state environment, a semi-policy and a mixture.
BETA = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
PI = theory.FiniteStatePolicy.iid(["1/3", "2/3"], n_observations=2)
#: A softmax policy whose state is the last observation.
SOFTMAX = theory.SoftmaxPolicy([["1/3", "2/3"], ["3/4", "1/4"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
SEMI = theory.FiniteStatePolicy.iid(["1/4", "1/2"], semi=True, n_observations=2)
ENV = theory.FiniteStateEnvironment(
    [[["3/4", "1/4"], ["1/5", "4/5"]], [["1/2", "1/2"], ["1/2", "1/2"]]], [[[0, 1], [1, 0]], [[0, 0], [1, 1]]]
)
UTILITY = theory.MeanReward([[0, 1], ["1/2", 0]])
MIXTURE = theory.BayesianMixture(
    [BETA, PI, theory.FiniteStatePolicy.iid(["9/10", "1/10"], n_observations=2)], ["1/2", "1/4", "1/4"]
)
HISTORY = ((0, 1), (1, 0))
CHANNEL = theory.Channel([["1/2", "1/2"], ["1/4", "3/4"]])
SWITCH = theory.Switch(BETA, theory.ObservationOccurred(1), PI)
HAZARD = theory.Hazard(BETA, "1/8", PI)
FUNCTION_POLICY = theory.FunctionPolicy(
    2, lambda h: [Fraction(1, 2 + len(h)), 1 - Fraction(1, 2 + len(h))], n_observations=2
)
FUNCTION_ENV = theory.FunctionEnvironment(2, 2, lambda h, a: [Fraction(1, 3), Fraction(2, 3)])
IMITATOR = theory.PessimisticImitator(MIXTURE, "1/4")
ONLINE = theory.OnlineImitator(MIXTURE, "1/4", demonstrator=PI)


def _solved(arith):
    return theory.kl_regularized_policy(BETA, ENV, UTILITY, 2, "1/2", arith=arith)


def _numbers(optimum: theory.Optimum) -> dict:
    """An optimizer's result without its policy (whose methods have cases of their own)."""
    return {f.name: getattr(optimum, f.name) for f in dataclasses.fields(optimum) if f.name != "policy"}


#: name -> call(arith): one small instance per public entry point taking ``arith=``.
CASES = {
    "get_context": lambda a: theory.get_context(a).convert("1/3"),
    "kl": lambda a: theory.kl(["1/2", "1/4", "1/4"], ["1/3", "1/3", "1/3"], arith=a),
    "tvd": lambda a: theory.tvd(["1/2", "1/2"], ["1/3", "2/3"], arith=a),
    "Channel.matrix": lambda a: CHANNEL.matrix(arith=a),
    "Channel.probs": lambda a: CHANNEL.probs(1, arith=a),
    "pushforward": lambda a: theory.pushforward(["1/3", "2/3"], CHANNEL, arith=a),
    "joint": lambda a: theory.joint(["1/3", "2/3"], CHANNEL, arith=a),
    "marginal": lambda a: theory.marginal(theory.joint(["1/3", "2/3"], CHANNEL, arith="exact"), 1, arith=a),
    "action_sequence_probability": lambda a: theory.action_sequence_probability(PI, HISTORY, arith=a),
    "Policy.abstain": lambda a: SEMI.abstain(HISTORY, arith=a),
    "Policy.probs": lambda a: PI.probs(HISTORY, arith=a),
    "Environment.probs": lambda a: ENV.probs(HISTORY, 1, arith=a),
    "FunctionPolicy.abstain": lambda a: FUNCTION_POLICY.abstain(HISTORY, arith=a),
    "FunctionPolicy.probs": lambda a: FUNCTION_POLICY.probs(HISTORY, arith=a),
    "FunctionEnvironment.probs": lambda a: FUNCTION_ENV.probs(HISTORY, 0, arith=a),
    "FiniteStatePolicy.abstain": lambda a: SEMI.abstain((), arith=a),
    "FiniteStatePolicy.emission": lambda a: SEMI.emission(arith=a),
    "FiniteStatePolicy.probs": lambda a: SEMI.probs(HISTORY, arith=a),
    "FiniteStateEnvironment.emission": lambda a: ENV.emission(arith=a),
    "FiniteStateEnvironment.probs": lambda a: ENV.probs(HISTORY, 0, arith=a),
    "Switch.abstain": lambda a: SWITCH.abstain(HISTORY, arith=a),
    "Switch.probs": lambda a: SWITCH.probs(HISTORY, arith=a),
    "Hazard.abstain": lambda a: HAZARD.abstain(HISTORY, arith=a),
    "Hazard.mode_posterior": lambda a: HAZARD.mode_posterior(HISTORY, arith=a),
    "Hazard.probs": lambda a: HAZARD.probs(HISTORY, arith=a),
    "BayesianMixture.abstain": lambda a: MIXTURE.abstain(HISTORY, arith=a),
    "BayesianMixture.posterior": lambda a: MIXTURE.posterior(HISTORY, arith=a),
    "BayesianMixture.probs": lambda a: MIXTURE.probs(HISTORY, arith=a),
    "trajectory_kl": lambda a: theory.trajectory_kl(PI, MIXTURE, ENV, 3, HISTORY, arith=a),
    "worst_case_kl": lambda a: theory.worst_case_kl(PI, MIXTURE, ENV, 3, HISTORY, arith=a),
    "reactive_worst_case_kl": lambda a: theory.reactive_worst_case_kl(PI, BETA, ENV, 2, arith=a),
    "trajectory_tvd": lambda a: theory.trajectory_tvd(PI, BETA, ENV, 3, arith=a),
    "value": lambda a: theory.value(PI, ENV, UTILITY, 3, HISTORY, arith=a),
    "optimal_value": lambda a: theory.optimal_value(ENV, UTILITY, 3, arith=a),
    "q_values": lambda a: theory.q_values(ENV, UTILITY, 2, HISTORY, arith=a),
    "optimal_actions": lambda a: theory.optimal_actions(ENV, UTILITY, 2, arith=a),
    "kl_breakdown": lambda a: theory.kl_breakdown(PI, BETA, ENV, 2, arith=a),
    "TreePolicy.abstain": lambda a: _solved(a).policy.abstain(((0, 0),), arith=a),
    "TreePolicy.largest_probability": lambda a: _solved(a).policy.largest_probability(1, arith=a),
    "TreePolicy.probs": lambda a: _solved(a).policy.probs(((0, 0),), arith=a),
    "kl_regularized_policy": lambda a: _numbers(_solved(a)),
    "kl_constrained_policy": lambda a: _numbers(theory.kl_constrained_policy(BETA, ENV, UTILITY, 1, "1/10", arith=a)),
    "tvd_constrained_policy": lambda a: _numbers(theory.tvd_constrained_policy(BETA, ENV, UTILITY, 2, "1/5", arith=a)),
    "top_set": lambda a: theory.top_set(MIXTURE, HISTORY, "1/4", arith=a),
    "PessimisticImitator.abstain": lambda a: IMITATOR.abstain(HISTORY, arith=a),
    "PessimisticImitator.probs": lambda a: IMITATOR.probs(HISTORY, arith=a),
    "PessimisticImitator.top_set": lambda a: IMITATOR.top_set(HISTORY, arith=a),
    "OnlineImitator.law": lambda a: ONLINE.law(ENV, 2, arith=a),
    "SoftmaxPolicy.abstain": lambda a: SOFTMAX.abstain(HISTORY, arith=a),
    "SoftmaxPolicy.emission": lambda a: SOFTMAX.emission(arith=a),
    "SoftmaxPolicy.logits": lambda a: SOFTMAX.logits(arith=a),
    "SoftmaxPolicy.probs": lambda a: SOFTMAX.probs(HISTORY, arith=a),
    "SoftmaxPolicy.score": lambda a: SOFTMAX.score(1, 0, arith=a),
    # k2 in both placements at the sequence level, off-policy with the trajectory's weight: products of
    # logarithms (sympy in exact), ratios and rewards to go all enter.
    "estimator_moments": lambda a: theory.estimator_moments(
        SOFTMAX,
        MIXTURE,
        ENV,
        2,
        HISTORY,
        estimator="k2",
        placement="both",
        level="sequence",
        sampling=BETA,
        ratio="sequence",
        arith=a,
    ),
    "kl_gradient": lambda a: theory.kl_gradient(SOFTMAX, MIXTURE, ENV, 2, HISTORY, direction="reverse", arith=a),
    "value_gradient": lambda a: theory.value_gradient(SOFTMAX, ENV, UTILITY, 2, HISTORY, arith=a),
}

#: Entry points whose float answer comes from a different algorithm (HiGHS, a float bisection) and so agrees
#: with the exact one only to that algorithm's tolerance.
LOOSE_FLOAT = {"kl_constrained_policy": 1e-6, "tvd_constrained_policy": 1e-6}


def public_entry_points() -> set[str]:
    """Every public function of `theory`, and public method of a public class, with an ``arith`` parameter."""
    names = set()
    for name in theory.__all__:
        obj = getattr(theory, name)
        if inspect.isfunction(obj) and "arith" in inspect.signature(obj).parameters:
            names.add(name)
        elif inspect.isclass(obj):
            for method, fn in inspect.getmembers(obj, inspect.isfunction):
                if not method.startswith("_") and "arith" in inspect.signature(fn).parameters:
                    names.add(f"{name}.{method}")
    return names


def test_every_public_entry_point_has_a_case():
    missing = public_entry_points() - set(CASES)
    assert not missing, f"public entry points taking arith= without a three-context case: {sorted(missing)}"


def _leaves(x, path="") -> list[tuple[str, object]]:
    """The numbers and labels inside a result, flattened with their paths (arrays, dicts, lists, frozen values)."""
    if isinstance(x, dict):
        return [leaf for k in sorted(x, key=repr) for leaf in _leaves(x[k], f"{path}[{k!r}]")]
    if isinstance(x, np.ndarray):
        return [leaf for i, v in enumerate(x.reshape(-1)) for leaf in _leaves(v, f"{path}[{i}]")]
    if isinstance(x, (list, tuple)):
        return [leaf for i, v in enumerate(x) for leaf in _leaves(v, f"{path}[{i}]")]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [leaf for f in dataclasses.fields(x) for leaf in _leaves(getattr(x, f.name), f"{path}.{f.name}")]
    return [(path, x)]


def _is_label(v, other=None) -> bool:
    """A string, flag, or an integer that is an index in every arithmetic (an action, a component): compared
    for equality, not as a number."""
    if isinstance(v, (str, bool, np.bool_)) or v is None:
        return True
    return isinstance(v, numbers.Integral) and (other is None or isinstance(other, numbers.Integral))


def _agree(name, exact, ball, flt):
    e_leaves, b_leaves, f_leaves = _leaves(exact), _leaves(ball), _leaves(flt)
    assert [p for p, _ in e_leaves] == [p for p, _ in b_leaves] == [p for p, _ in f_leaves], name
    ball_ctx, exact_ctx = theory.get_context("ball"), theory.get_context("exact")
    for (path, e), (_, b), (_, f) in zip(e_leaves, b_leaves, f_leaves):
        where = f"{name}{path}"
        if _is_label(e, b):
            assert e == b == f, where
            continue
        if isinstance(e, float) and math.isinf(e) or isinstance(e, theory.InfiniteDivergence):
            assert math.isinf(float(b)) and math.isinf(float(f)), where
            continue
        e_lo, e_hi = exact_ctx.rational_bounds(e)
        b_lo, b_hi = ball_ctx.rational_bounds(b)
        assert b_lo <= e_hi and e_lo <= b_hi, f"{where}: the ball {b} does not enclose the exact {e}"
        scale = max(1, abs(e_lo))
        assert b_hi - b_lo <= Fraction(1, 10**20) * scale, f"{where}: the ball {b} is wide"
        tol = LOOSE_FLOAT.get(name, 1e-9)
        assert abs(float(f) - float(e_lo)) <= tol * float(scale), f"{where}: float {f} vs exact {e}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_three_contexts_agree(name):
    call = CASES[name]
    results = {a: call(a) for a in ARITHS}
    _agree(name, results["exact"], results["ball"], results["float"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_false_agreement_is_caught(name):
    """The comparison can fail: an exact answer moved by 1/1000 (or a label changed) is told apart."""
    exact = CASES[name]("exact")
    leaves = _leaves(exact)
    assert leaves, f"{name} returns nothing to compare"
    with pytest.raises(AssertionError):
        _agree(name, _shift(exact), CASES[name]("ball"), CASES[name]("float"))


def _shift(x):
    """The same result with its first number moved by 1/1000 (a label replaced)."""
    done = [False]

    def move(v):
        if done[0] or isinstance(v, (str, bool, np.bool_)) or v is None:
            return v
        if isinstance(v, dict):
            return {k: move(w) for k, w in sorted(v.items(), key=lambda kv: repr(kv[0]))}
        if isinstance(v, np.ndarray):
            out = v.copy().reshape(-1)
            for i in range(len(out)):
                out[i] = move(out[i])
            return out.reshape(v.shape)
        if isinstance(v, (list, tuple)):
            return type(v)(move(w) for w in v)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return dataclasses.replace(v, **{f.name: move(getattr(v, f.name)) for f in dataclasses.fields(v) if f.init})
        done[0] = True
        return v + Fraction(1, 1000) if not isinstance(v, numbers.Integral) else v + 1

    return move(x)

"""The KL-estimator lab (theory.estimators) against the symbolic brute force of tests/theory/brute_estimators.py.

Toy models: a 2-state softmax policy (its state follows the last action, or the last observation), a reference
that is a Bayesian mixture of two i.i.d. policies, a 2-state π_old; horizons 1 and 2, one or two observations,
an empty or a non-empty start history. For every estimator × placement × level × sampling case the spec allows:
exact engine == brute force exactly, float ≈ exact, ball ∋ exact, Monte Carlo within 5 standard errors; the
refused cases raise OptionError; the spec's facts 1–7 hold exactly, and their "not in general" cases fail here.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

import theory

from .brute_estimators import (
    ESTIMATORS,
    LEVELS,
    PLACEMENTS,
    BruteInfinite,
    BruteRefused,
    LogPoly,
    Model,
    equal,
    refused,
    to_float,
    to_sympy,
)

F = theory.FiniteStatePolicy
EMISSION = [["1/3", "2/3"], ["3/4", "1/4"]]
OLD_EMISSION = [["1/2", "1/2"], ["1/5", "4/5"]]
FOLLOW_ACTION = [[[0], [1]], [[0], [1]]]  # |O| = 1: the next state is the last action
FOLLOW_OBSERVATION = [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]  # |O| = 2: the next state is the last observation


def _reference(n_observations: int):
    return theory.BayesianMixture(
        [F.iid(["1/2", "1/2"], n_observations=n_observations), F.iid(["1/5", "4/5"], n_observations=n_observations)],
        ["1/2", "1/2"],
    )


def _noisy_env():
    """Two observations; the observation law depends on the action and on the previous action (the state)."""
    emission = [[["2/3", "1/3"], ["1/4", "3/4"]], [["1/2", "1/2"], ["1/3", "2/3"]]]
    return theory.FiniteStateEnvironment(emission, [[[0, 0], [1, 1]], [[0, 0], [1, 1]]])


@functools.cache
def toy(name: str):
    """(policy, reference, env, horizon, history, π_old) of a named toy."""
    if name in ("h1", "h2", "h2-partial"):
        # h2-partial: π_old never takes action 1 after action 1, so it does not cover π (E_q[λ] = 5/6)
        old = [["1/2", "1/2"], [1, 0]] if name == "h2-partial" else OLD_EMISSION
        return (
            theory.SoftmaxPolicy(EMISSION, FOLLOW_ACTION),
            _reference(1),
            theory.sequence_environment(2),
            1 if name == "h1" else 2,
            (),
            F(old, FOLLOW_ACTION),
        )
    horizon, history = {"h2-obs": (2, ()), "h1-history": (1, ((1, 1),))}[name]
    return (
        theory.SoftmaxPolicy(EMISSION, FOLLOW_OBSERVATION),
        _reference(2),
        _noisy_env(),
        horizon,
        history,
        F(OLD_EMISSION, FOLLOW_OBSERVATION),
    )


TOYS = ("h1", "h2", "h2-obs", "h1-history")
ONE_TOKEN = ("h1", "h1-history")
MODES = {
    "on": (False, None),
    "off-none": (True, None),
    "off-token": (True, "token"),
    "off-sequence": (True, "sequence"),
}
ALL = [(e, p, lv, mode) for e in ESTIMATORS for p in PLACEMENTS for lv in LEVELS for mode in MODES]
ALLOWED = [c for c in ALL if not refused(c[0], c[2], *MODES[c[3]])]
REFUSED = [c for c in ALL if refused(c[0], c[2], *MODES[c[3]])]
CASES = [(t, *c) for t in TOYS for c in ALLOWED]
# The toy whose π_old does not cover π: exact comparisons of the off-policy cases only.
PARTIAL_CASES = [("h2-partial", *c) for c in ALLOWED if c[3] != "on"]


def _ids(case) -> str:
    return "-".join(str(x) for x in case)


def _kwargs(name, estimator, placement, level, mode) -> dict:
    off, ratio = MODES[mode]
    return dict(
        estimator=estimator, placement=placement, level=level, sampling=toy(name)[5] if off else None, ratio=ratio
    )


@functools.cache
def model(name) -> Model:
    pi, ref, env, m, h, _ = toy(name)
    return Model(pi, ref, env, m, h)


@functools.cache
def brute(name, estimator, placement, level, mode="on"):
    kw = _kwargs(name, estimator, placement, level, mode)
    return model(name).moments(
        kw["estimator"], kw["placement"], kw["level"], sampling=kw["sampling"], ratio=kw["ratio"]
    )


@functools.cache
def engine(name, estimator, placement, level, mode="on", arith="exact"):
    pi, ref, env, m, h, _ = toy(name)
    return theory.estimator_moments(pi, ref, env, m, h, arith=arith, **_kwargs(name, estimator, placement, level, mode))


@functools.cache
def target(name, direction, arith="exact"):
    pi, ref, env, m, h, _ = toy(name)
    return theory.kl_gradient(pi, ref, env, m, h, direction=direction, arith=arith)


def same_array(a, b) -> bool:
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    return a.shape == b.shape and all(equal(x, y) for x, y in zip(a.flat, b.flat))


def same_moments(a, b, *, variance: bool = False) -> bool:
    """Equal expected estimate and expected gradient (and variance when asked)."""
    return (
        equal(a.expected_estimate, b.expected_estimate)
        and same_array(a.expected_gradient, b.expected_gradient)
        and (not variance or equal(a.variance, b.variance))
    )


def close(value: float, exact) -> bool:
    x = to_float(exact)
    return math.isfinite(value) and abs(value - x) <= 1e-9 * max(1.0, abs(x))


def encloses(ball, exact) -> bool:
    return isinstance(ball, arb) and ball.contains(LogPoly.of(exact).enclosure(300))


# ---------------------------------------------------------------------------------------------------------------
# The brute force itself, against hand-derived one-token values
# ---------------------------------------------------------------------------------------------------------------
def test_brute_force_one_token_by_hand():
    """One token from state 0: ∇KL(π‖ref) row 0 is p_b(ℓ_b − KL); ∇KL(ref‖π) row 0 is p − ref; the rest 0."""
    import sympy

    m = model("h1")
    p = [sympy.Rational(1, 3), sympy.Rational(2, 3)]
    r = [sympy.Rational(7, 20), sympy.Rational(13, 20)]  # the mixture's first prediction: (1/2 + 1/5)/2
    ell = [sympy.log(p[a] / r[a]) for a in range(2)]
    kl = sum(p[a] * ell[a] for a in range(2))
    forward = [[p[b] * (ell[b] - kl) for b in range(2)], [0, 0]]
    reverse = [[p[b] - r[b] for b in range(2)], [0, 0]]
    assert same_array(m.kl_gradient("forward"), forward)
    assert same_array(m.kl_gradient("reverse"), reverse)
    assert equal(m.kl(), kl)
    assert same_array(brute("h1", "k2", "loss", "token").expected_gradient, forward)
    assert same_array(brute("h1", "k3", "loss", "token").expected_gradient, reverse)
    assert equal(brute("h1", "k1", "loss", "token").variance, sum(p[a] * ell[a] ** 2 for a in range(2)) - kl**2)
    assert equal(brute("h1", "k2", "loss", "token").expected_estimate, sum(p[a] * ell[a] ** 2 / 2 for a in range(2)))


@pytest.mark.parametrize("name", TOYS)
def test_brute_force_kl_matches_trajectory_kl(name):
    """The brute force's KL^μ(π‖ref) is theory.trajectory_kl's (an independent engine) and E_θ[k1] on-policy."""
    pi, ref, env, m, h, _ = toy(name)
    assert equal(model(name).kl(), theory.trajectory_kl(pi, ref, env, m, h, arith="exact"))
    assert equal(model(name).expected_estimate_theta_value("k1", "token"), model(name).kl())


# ---------------------------------------------------------------------------------------------------------------
# Engine == brute force, in every allowed case
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES + PARTIAL_CASES, ids=_ids)
def test_exact_engine_equals_brute_force(case):
    got, want = engine(*case), brute(*case)
    assert got.expected_gradient.shape == want.expected_gradient.shape == toy(case[0])[0].parameter_shape
    assert equal(got.expected_estimate, want.expected_estimate), (got.expected_estimate, want.expected_estimate)
    assert equal(got.variance, want.variance), (got.variance, want.variance)
    for idx, w in np.ndenumerate(want.expected_gradient):
        assert equal(got.expected_gradient[idx], w), (idx, got.expected_gradient[idx], w)


@pytest.mark.parametrize("case", CASES + PARTIAL_CASES, ids=_ids)
def test_float_and_ball_agree_with_exact(case):
    want = brute(*case)
    flt, ball = engine(*case, arith="float"), engine(*case, arith="ball")
    for attr in ("expected_estimate", "variance"):
        assert close(float(getattr(flt, attr)), getattr(want, attr)), (attr, getattr(flt, attr), getattr(want, attr))
        assert encloses(getattr(ball, attr), getattr(want, attr)), (attr, getattr(ball, attr), getattr(want, attr))
    for idx, w in np.ndenumerate(want.expected_gradient):
        assert close(float(flt.expected_gradient[idx]), w), (idx, flt.expected_gradient[idx], w)
        assert encloses(ball.expected_gradient[idx], w), (idx, ball.expected_gradient[idx], w)


# Monte Carlo on every toy but h1 (h1-history is also one token): every case, within the time budget.
MC_CASES = [c for c in CASES if c[0] != "h1"]


@pytest.mark.parametrize("case", MC_CASES, ids=_ids)
def test_monte_carlo_within_five_standard_errors(case):
    pi, ref, env, m, h, _ = toy(case[0])
    seed = MC_CASES.index(case)
    s = theory.sample_estimator(pi, ref, env, m, h, n=20000, seed=seed, **_kwargs(*case))
    want = brute(*case)
    assert s.n == 20000 and s.mean_gradient.shape == s.se_gradient.shape == want.expected_gradient.shape
    pairs = [("estimate", s.mean_estimate, s.se_estimate, want.expected_estimate)]
    pairs += [(idx, s.mean_gradient[idx], s.se_gradient[idx], w) for idx, w in np.ndenumerate(want.expected_gradient)]
    for what, mean, se, exact in pairs:
        x = to_float(exact)
        assert math.isfinite(mean) and se >= 0, (what, mean, se)
        # A constant (se 0, or float noise of a constant) must match to rounding.
        bound = 5 * se + 1e-12 * max(1.0, abs(x))
        assert abs(mean - x) <= bound, (what, mean, se, x)


@pytest.mark.parametrize("case", REFUSED, ids=_ids)
def test_refused_combinations_raise_option_error(case):
    pi, ref, env, m, h, _ = toy("h2")
    kw = _kwargs("h2", *case)
    for arith in ("exact", "float"):
        with pytest.raises(theory.OptionError):
            theory.estimator_moments(pi, ref, env, m, h, arith=arith, **kw)
    with pytest.raises(theory.OptionError):
        theory.sample_estimator(pi, ref, env, m, h, n=10, seed=0, **kw)
    with pytest.raises(BruteRefused):
        brute("h2", *case)


@pytest.mark.parametrize("bad", [dict(estimator="k4"), dict(placement="path"), dict(level="word"), dict(ratio="x")])
def test_unknown_option_names_raise_option_error(bad):
    pi, ref, env, m, h, old = toy("h1")
    with pytest.raises(theory.OptionError):
        theory.estimator_moments(pi, ref, env, m, h, sampling=old, arith="exact", **bad)


@pytest.mark.parametrize("ratio", ["token", "sequence"])
@pytest.mark.parametrize("case", [c for c in ALLOWED if c[3] == "on"], ids=_ids)
def test_on_policy_ratio_is_ignored(case, ratio):
    """On-policy every ratio is 1: any ratio gives the ratio=None moments (nothing refused on-policy)."""
    pi, ref, env, m, h, _ = toy("h2")
    e, p, lv, _ = case
    got = theory.estimator_moments(pi, ref, env, m, h, estimator=e, placement=p, level=lv, ratio=ratio, arith="exact")
    assert same_moments(got, engine("h2", *case), variance=True)


@pytest.mark.parametrize("name", TOYS)
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_kl_gradient_equals_brute_force(name, direction):
    want = model(name).kl_gradient(direction)
    assert same_array(target(name, direction), want)
    flt, ball = target(name, direction, "float"), target(name, direction, "ball")
    for idx, w in np.ndenumerate(want):
        assert close(float(flt[idx]), w) and encloses(ball[idx], w), (idx, flt[idx], ball[idx], w)


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_reference_zero_on_a_sampled_action_is_infinite(placement):
    """π_ref(1) = 0 while π and π_old take action 1: InfiniteEstimateError (brute force: infinite too)."""
    pi, _, env, m, h, old = toy("h2")
    ref = F.iid([1, 0])
    for sampling in (None, old):
        kw = dict(estimator="k1", placement=placement, sampling=sampling)
        with pytest.raises(theory.InfiniteEstimateError, match=r"action 1 .*history \(\)"):
            theory.estimator_moments(pi, ref, env, m, h, arith="exact", **kw)
        with pytest.raises(theory.InfiniteEstimateError):
            theory.sample_estimator(pi, ref, env, m, h, n=200, seed=0, **kw)
        with pytest.raises(BruteInfinite):
            Model(pi, ref, env, m, h).moments("k1", placement, "token", sampling=sampling)
    assert issubclass(theory.InfiniteEstimateError, theory.MightntError)


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("ratio", [None, "sequence"])
def test_reference_zero_only_off_the_sampled_actions(estimator, level, ratio):
    """π_ref(1) = 0 but π_old never takes action 1: k1, k2, k3 stay finite (engine == brute force); full, which
    weighs every action by π, is infinite."""
    pi, _, env, m, h, _ = toy("h2")
    ref, old = F.iid([1, 0]), F.constant(0, n_actions=2)
    kw = dict(estimator=estimator, placement="both", level=level, sampling=old, ratio=ratio)
    if estimator == "full":
        with pytest.raises(theory.InfiniteEstimateError):
            theory.estimator_moments(pi, ref, env, m, h, arith="exact", **kw)
        with pytest.raises(BruteInfinite):
            Model(pi, ref, env, m, h).moments(estimator, "both", level, sampling=old, ratio=ratio)
        return
    got = theory.estimator_moments(pi, ref, env, m, h, arith="exact", **kw)
    want = Model(pi, ref, env, m, h).moments(estimator, "both", level, sampling=old, ratio=ratio)
    assert same_moments(got, want, variance=True)


# ---------------------------------------------------------------------------------------------------------------
# The spec's facts, exactly, on the engine's exact results
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TOYS)
def test_fact1_pathwise_k1_gradient_is_zero(name):
    for level in LEVELS:
        assert same_array(engine(name, "k1", "loss", level).expected_gradient, np.zeros((2, 2), dtype=int)), level


@pytest.mark.parametrize("name", TOYS)
def test_fact2_pathwise_k2_is_forward_gradient_one_token_or_sequence_level(name):
    forward = target(name, "forward")
    assert same_array(engine(name, "k2", "loss", "sequence").expected_gradient, forward)
    token = same_array(engine(name, "k2", "loss", "token").expected_gradient, forward)
    assert token == (name in ONE_TOKEN)  # token level: NOT ∇KL(π‖ref) at horizon 2


@pytest.mark.parametrize("name", TOYS)
def test_fact3_pathwise_k3_is_reverse_gradient_one_token_or_sequence_level(name):
    reverse = target(name, "reverse")
    assert same_array(engine(name, "k3", "loss", "sequence").expected_gradient, reverse)
    token = same_array(engine(name, "k3", "loss", "token").expected_gradient, reverse)
    assert token == (name in ONE_TOKEN)  # token level: NOT ∇KL(ref‖π) at horizon 2
    assert not same_array(reverse, target(name, "forward"))  # the two targets differ on the toy


@pytest.mark.parametrize("name", TOYS)
def test_fact4_k1_score_function_is_forward_gradient(name):
    for level in LEVELS:
        assert same_array(engine(name, "k1", "reward", level).expected_gradient, target(name, "forward")), level


@pytest.mark.parametrize("name", TOYS)
def test_fact5_sequence_ratio_recovers_on_policy_expectations(name):
    for e, p, lv, mode in ALLOWED:
        if mode == "on":
            assert same_moments(engine(name, e, p, lv, "off-sequence"), engine(name, e, p, lv)), (e, p, lv)


@pytest.mark.parametrize("name", TOYS)
def test_fact5_token_ratio_only_for_one_token_and_no_ratio_never(name):
    for e, p, lv, mode in ALLOWED:
        if mode == "off-token":
            token_equal = same_moments(engine(name, e, p, lv, "off-token"), engine(name, e, p, lv))
            assert token_equal == (name in ONE_TOKEN), (e, p, lv)
        # full: the sequence-level estimate is a constant; one token's KL_1 sits at the start history
        constant = (e, lv) == ("full", "sequence") or (e, p, lv) == ("full", "loss", "token") and name in ONE_TOKEN
        if mode == "off-none" and not constant:
            assert not same_moments(engine(name, e, p, lv, "off-none"), engine(name, e, p, lv)), (e, p, lv)


@pytest.mark.parametrize("name", TOYS)
def test_fact6_k1_k3_full_unbiased_k2_biased(name):
    kl = model(name).kl()
    for level in LEVELS:
        for e in ("k1", "k3", "full"):
            assert equal(engine(name, e, "loss", level).expected_estimate, kl), (e, level)
        assert not equal(engine(name, "k2", "loss", level).expected_estimate, kl), level


@pytest.mark.parametrize("name", TOYS)
def test_fact7_both_is_gradient_of_expected_estimate(name):
    forward = target(name, "forward")
    for e in ESTIMATORS:
        for level in LEVELS:
            both = engine(name, e, "both", level).expected_gradient
            assert same_array(both, model(name).gradient_of_expected_estimate(e, level)), (e, level)
            assert same_array(both, forward) == (e != "k2"), (e, level)


def test_facts_hold_on_the_brute_force_too():
    """The facts are properties of the definitions: check the main ones on the brute force alone (horizon 2)."""
    m = model("h2-obs")
    forward, reverse = m.kl_gradient("forward"), m.kl_gradient("reverse")
    assert same_array(brute("h2-obs", "k1", "loss", "token").expected_gradient, np.zeros((2, 2), dtype=int))
    assert same_array(brute("h2-obs", "k2", "loss", "sequence").expected_gradient, forward)
    assert not same_array(brute("h2-obs", "k2", "loss", "token").expected_gradient, forward)
    assert same_array(brute("h2-obs", "k3", "loss", "sequence").expected_gradient, reverse)
    assert not same_array(brute("h2-obs", "k3", "loss", "token").expected_gradient, reverse)
    assert same_array(brute("h2-obs", "k1", "reward", "token").expected_gradient, forward)
    assert same_moments(brute("h2-obs", "k2", "both", "token", "off-sequence"), brute("h2-obs", "k2", "both", "token"))
    assert equal(to_sympy(brute("h2-obs", "k3", "loss", "token").expected_estimate), m.kl())


def test_sequence_ratio_without_coverage_is_biased_by_the_missing_mass():
    """π_old misses (1, 1), of π-probability 2/3 · 1/4: E_q[λ] = 5/6, so ratio="sequence" no longer recovers the
    on-policy expectations; full/sequence: estimate E_q[λ]·KL and pathwise gradient E_q[λ]·∇KL(π‖ref)."""
    kl, forward = LogPoly.of(model("h2").kl()), target("h2", "forward")
    got = engine("h2-partial", "full", "loss", "sequence", "off-sequence")
    assert equal(got.expected_estimate, kl * Fraction(5, 6))
    assert same_array(got.expected_gradient, forward * Fraction(5, 6))
    assert same_array(got.expected_gradient, model("h2-partial").kl_gradient("forward") * Fraction(5, 6))
    for e in ("k1", "k2", "k3"):
        off = engine("h2-partial", e, "both", "sequence", "off-sequence")
        assert not same_moments(off, engine("h2", e, "both", "sequence")), e

"""Switch and Hazard against brute force: a Python-function reference for Switch, and the explicit Bayesian
mixture over switch times for Hazard, with exact equality in exact arithmetic."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, fmpq
from flint import ctx as flint_ctx
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory.combinators import Hazard, Switch, check_rate
from theory.events import ActionOccurred, LengthAtLeast, ObservationOccurred
from theory.kernels import normalize_history


# -- strategies ------------------------------------------------------------------------------------------------
@st.composite
def finite_state_policies(draw, A, O, max_states=3):
    """Random deterministic finite-state policies with exact emission rows (exact zeros included)."""
    S = draw(st.integers(1, max_states))
    rows = []
    for _ in range(S):
        w = draw(st.lists(st.integers(0, 3), min_size=A, max_size=A).filter(lambda w: sum(w) > 0))
        rows.append([Fraction(x, sum(w)) for x in w])
    trans = draw(st.lists(st.integers(0, S - 1), min_size=S * A * O, max_size=S * A * O))
    return theory.FiniteStatePolicy(rows, np.array(trans).reshape(S, A, O))


def events(A, O):
    return st.one_of(
        st.integers(0, O - 1).map(ObservationOccurred),
        st.integers(0, A - 1).map(ActionOccurred),
        st.integers(1, 4).map(LengthAtLeast),
    )


alphabets = st.tuples(st.integers(1, 3), st.integers(1, 2))
rates = st.sampled_from(["1/2", "1/3", "1/4", "3/4", "2/7"])


def histories(A, O, n):
    """Every history of length exactly n."""
    return [
        tuple(zip(acts, obs))
        for acts in itertools.product(range(A), repeat=n)
        for obs in itertools.product(range(O), repeat=n)
    ]


def batched_probs(policy, A, O, depth, ctx):
    """probs_batch over every history of length <= depth, advancing one whole level per call (as the tree engine
    does); returns {history: row}."""
    out = {}
    level_hist = [()]
    state = policy.initial(ctx)
    for t in range(depth + 1):
        rows = policy.probs_batch(state, ctx)
        for h, row in zip(level_hist, rows):
            out[h] = row
        if t == depth:
            break
        parent, acts, obs, nxt = [], [], [], []
        for i, h in enumerate(level_hist):
            for a in range(A):
                for o in range(O):
                    parent.append(i)
                    acts.append(a)
                    obs.append(o)
                    nxt.append(h + ((a, o),))
        state = policy.advance(
            state, np.array(parent), np.array(acts), np.array(obs), np.ones(len(parent), dtype=bool), ctx
        )
        level_hist = nxt
    return out


def ball_contains(ball, value: Fraction) -> bool:
    """Whether an arb ball encloses an exact rational (compared at a precision finer than the ball's)."""
    with flint_ctx.workprec(512):
        return ball.contains(arb(fmpq(value.numerator, value.denominator)))


def exact(policy, h):
    return list(policy.probs(h, arith="exact"))


# -- Switch ----------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.data())
def test_switch_equals_its_definition_exactly(data):
    A, O = data.draw(alphabets)
    P = data.draw(finite_state_policies(A, O))
    Q = data.draw(finite_state_policies(A, O))
    E = data.draw(events(A, O))
    nu = Switch(P, E, Q)
    reference = theory.Policy.from_function(A, lambda h: exact(Q, h) if E.holds(h) else exact(P, h), n_observations=O)
    ctx = theory.get_context("exact")
    got = batched_probs(nu, A, O, 3, ctx)
    for h, row in got.items():
        assert list(row) == exact(reference, h), h
    h = data.draw(st.lists(st.tuples(st.integers(0, A - 1), st.integers(0, O - 1)), max_size=7).map(tuple))
    assert exact(nu, h) == exact(reference, h)


def test_switch_works_with_functions_and_mixtures_as_parts():
    A, O = 2, 2
    echo = theory.Policy.from_function(A, lambda h: [1, 0] if not h or h[-1][1] == 0 else [0, 1], n_observations=O)
    coins = theory.BayesianMixture(
        [
            theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=O),
            theory.FiniteStatePolicy.iid(["1/4", "3/4"], n_observations=O),
        ],
        ["1/2", "1/2"],
    )
    nu = Switch(coins, ObservationOccurred(1), echo)
    h = ((1, 0), (1, 0))
    assert exact(nu, h) == exact(coins, h)
    assert exact(nu, h + ((0, 1),)) == [0, 1]
    # The mixture part keeps learning from the whole history even while it is not acting.
    nested = Switch(echo, LengthAtLeast(1), Switch(coins, ActionOccurred(0), echo))
    assert exact(nested, ((1, 1),)) == exact(coins, ((1, 1),))
    assert exact(nested, ((1, 1), (0, 0))) == [1, 0]
    # A ruled-out mixture part that no longer acts does not matter.
    zero = theory.BayesianMixture([theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)], [1])
    late = Switch(zero, ActionOccurred(1), echo)
    assert exact(late, ((1, 1),)) == [0, 1]


def test_switch_float_and_ball_agree_with_exact():
    A, O = 2, 2
    P = theory.FiniteStatePolicy([["1/3", "2/3"], ["1/7", "6/7"]], [[[1, 0], [0, 1]], [[1, 1], [0, 0]]])
    Q = theory.FiniteStatePolicy.iid(["2/5", "3/5"], n_observations=O)
    nu = Switch(P, ObservationOccurred(1), Q)
    for h in histories(A, O, 2) + histories(A, O, 3):
        ex = exact(nu, h)
        assert np.allclose(nu.probs(h).astype(float), [float(x) for x in ex], atol=1e-15)
        for b, e in zip(nu.probs(h, arith="ball"), ex):
            assert ball_contains(b, e)


def test_switch_key_forgets_the_first_part_once_the_event_happened():
    P = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[1, 1], [1, 1]], [[0, 0], [0, 0]]])  # alternates states
    Q = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    nu = Switch(P, ObservationOccurred(1), Q)
    ctx = theory.get_context("exact")
    start = lambda h: nu.start(normalize_history(h, 2, 2), ctx)  # noqa: E731
    s1 = start(((0, 1),))  # P in state 1, event happened
    s2 = start(((0, 1), (0, 0)))  # P back in state 0, event happened
    s3 = start(((0, 0),))  # P in state 1, not happened
    assert np.array_equal(nu.key(s1, ctx), nu.key(s2, ctx))
    assert not np.array_equal(nu.key(s1, ctx), nu.key(s3, ctx))
    fn = theory.Policy.from_function(2, lambda h: [1, 0], n_observations=2)
    assert Switch(fn, ObservationOccurred(1), Q).key(Switch(fn, ObservationOccurred(1), Q).initial(ctx), ctx) is None


def test_switch_merging_does_not_change_trajectory_measures():
    O = 2
    env = theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/3", "2/3"]]], [[[0, 0], [0, 0]]])
    P = theory.FiniteStatePolicy([["1/3", "2/3"], ["3/4", "1/4"]], [[[1, 0], [0, 1]], [[1, 1], [0, 0]]])
    Q = theory.FiniteStatePolicy.iid(["2/5", "3/5"], n_observations=O)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=O)
    nu = Switch(P, ObservationOccurred(1), Q)
    merged = theory.trajectory_kl(pi, nu, env, 4, arith="exact")
    unmerged = theory.trajectory_kl(pi, nu, env, 4, arith="exact", merge=False)
    assert merged == unmerged


def test_switch_semi_parts():
    half = theory.Policy.from_function(2, lambda h: ["1/4", "1/4"], semi=True)
    full = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    nu = Switch(full, LengthAtLeast(1), half)
    assert nu.semi
    assert nu.abstain((), arith="exact") == 0
    assert nu.abstain(((0, 0),), arith="exact") == Fraction(1, 2)
    assert not Switch(full, LengthAtLeast(1), full).semi


# -- Hazard ----------------------------------------------------------------------------------------------------
def switch_time_mixture(P, r, Q, n):
    """The Bayesian mixture over switch times τ = 0..n−1 (act with P for τ steps, then Q), prior r(1−r)^τ,
    plus "not switched within n steps" (P), prior (1−r)^n: the hazard process, written out."""
    r = Fraction(r)
    comps = [Q] + [Switch(P, LengthAtLeast(k), Q) for k in range(1, n)] + [P]
    prior = [r * (1 - r) ** tau for tau in range(n)] + [(1 - r) ** n]
    assert sum(prior) == 1
    return theory.BayesianMixture(comps, prior)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_hazard_equals_the_mixture_over_switch_times_exactly(data):
    A, O = data.draw(alphabets)
    P = data.draw(finite_state_policies(A, O))
    Q = data.draw(finite_state_policies(A, O))
    r = data.draw(rates)
    n = 4
    nu = Hazard(P, r, Q)
    mix = switch_time_mixture(P, r, Q, n)
    ctx = theory.get_context("exact")
    got = batched_probs(nu, A, O, n - 1, ctx)
    for h, row in got.items():
        try:
            expected = exact(mix, h)
        except theory.RuledOutHistoryError:
            assert all(x == 0 for x in row), (h, row)  # zeros, never nan
            with pytest.raises(theory.RuledOutHistoryError):
                nu.probs(h, arith="exact")
            continue
        assert list(row) == expected, h
    # A random longer history, single-history path.
    h = data.draw(st.lists(st.tuples(st.integers(0, A - 1), st.integers(0, O - 1)), max_size=n - 1).map(tuple))
    try:
        expected = exact(mix, h)
    except theory.RuledOutHistoryError:
        with pytest.raises(theory.RuledOutHistoryError):
            nu.probs(h, arith="exact")
    else:
        assert exact(nu, h) == expected


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_hazard_float_and_ball_agree_with_exact(data):
    A, O = 2, 2
    P = data.draw(finite_state_policies(A, O))
    Q = data.draw(finite_state_policies(A, O))
    nu = Hazard(P, data.draw(rates), Q)
    for name in ("float", "ball"):
        got = batched_probs(nu, A, O, 3, theory.get_context(name))
        ref = batched_probs(nu, A, O, 3, theory.get_context("exact"))
        for h in ref:
            for g, e in zip(got[h], ref[h]):
                if name == "float":
                    assert not np.isnan(g) and abs(g - float(e)) < 1e-12
                else:
                    assert ball_contains(g, e)


def test_hazard_ruled_out_rows_are_zero_in_float_too():
    P, Q = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
    nu = Hazard(P, "1/4", Q)
    probs = batched_probs(nu, 2, 1, 3, theory.get_context("float"))
    assert list(probs[((1, 0), (0, 0))]) == [0.0, 0.0]
    assert list(probs[((0, 0), (0, 0))]) == [0.75, 0.25]
    with pytest.raises(theory.RuledOutHistoryError, match=r"\(\(1, 0\), \(0, 0\)\)"):
        nu.probs(((1, 0), (0, 0)))


def test_hazard_float_keeps_improbable_modes_alive_in_log_space():
    # 1100 steps of action 0 make "not switched" about 2^-1100 times as likely as "switched": below the smallest
    # float. Then action 1, which only the unswitched part can take: the posterior must still be defined.
    P, Q = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([1, 0])
    nu = Hazard(P, "1/2", Q)
    h = ((0, 0),) * 1100 + ((1, 0),)
    assert np.allclose(nu.mode_posterior(h), [1.0, 0.0])
    assert np.allclose(nu.probs(h), [0.75, 0.25])
    assert nu.probs(h, arith="exact").tolist() == [Fraction(3, 4), Fraction(1, 4)]


def test_hazard_through_the_tree_engine_equals_the_explicit_mixture():
    O = 2
    env = theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/3", "2/3"]]], [[[0, 0], [0, 0]]])
    P = theory.FiniteStatePolicy([["1/3", "2/3"], ["3/4", "1/4"]], [[[1, 0], [0, 1]], [[1, 1], [0, 0]]])
    Q = theory.FiniteStatePolicy.iid(["2/5", "3/5"], n_observations=O)
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=O)
    nu, mix = Hazard(P, "1/4", Q), switch_time_mixture(P, "1/4", Q, 3)
    assert theory.trajectory_kl(nu, mix, env, 3, arith="exact") == 0
    a = theory.trajectory_kl(pi, nu, env, 3, arith="exact")
    assert a == theory.trajectory_kl(pi, mix, env, 3, arith="exact")
    assert a == theory.trajectory_kl(pi, nu, env, 3, arith="exact", merge=False)
    assert abs(float(theory.trajectory_kl(pi, nu, env, 3)) - float(a)) < 1e-12


def level_keys(policy, steps, ctx):
    """Keys of the one-level batch of children of the empty history with the given (action, observation)s
    (exact keys are only comparable within one batch, as the tree engine uses them)."""
    n = len(steps)
    state = policy.advance(
        policy.initial(ctx),
        np.zeros(n, dtype=np.int64),
        np.array([a for a, _ in steps]),
        np.array([o for _, o in steps]),
        np.ones(n, dtype=bool),
        ctx,
    )
    return policy.key(state, ctx), state


def test_hazard_keys():
    P, Q = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    nu = Hazard(P, "1/2", Q)
    ex, fl, ball = (theory.get_context(n) for n in ("exact", "float", "ball"))
    for ctx in (ex, fl):
        keys, _ = level_keys(nu, [(0, 0), (1, 0), (0, 0)], ctx)
        assert np.array_equal(keys[0], keys[2])  # same history, same key
        assert not np.array_equal(keys[0], keys[1])  # different posteriors, different keys
    assert level_keys(nu, [(0, 0)], ball)[0] is None  # ball weights cannot be compared for equality: no merging
    # Once the unswitched mode is ruled out, the first part's state no longer enters the key.
    R = theory.FiniteStatePolicy([[1, 0], [1, 0]], [[[0], [1]], [[0], [1]]])  # state = last action; never acts 1
    S = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    hz = Hazard(R, "1/2", S)
    for ctx in (ex, fl):
        _, state = level_keys(hz, [(1, 0)], ctx)
        two = hz.advance(state, np.array([0, 0]), np.array([1, 0]), np.array([0, 0]), np.ones(2, dtype=bool), ctx)
        assert list(two[0]) == [1, 0]  # the first part's states differ...
        keys = hz.key(two, ctx)
        assert np.array_equal(keys[0], keys[1])  # ...but it can no longer act, so the histories merge


def test_hazard_semi_and_alphabets():
    half = theory.Policy.from_function(2, lambda h: ["1/4", "1/4"], semi=True)
    full = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    nu = Hazard(full, "1/2", half)
    assert nu.semi and nu.n_actions == 2 and nu.n_observations == 1
    assert nu.abstain((), arith="exact") == Fraction(1, 4)


# -- validation ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0, 1, "3/2", -0.5, 1.0, "abc"])
def test_bad_rates_are_refused_naming_the_value(rate):
    with pytest.raises(theory.ProbabilityError) as info:
        check_rate(rate)
    assert repr(rate) in str(info.value)


def test_rates_are_exact():
    assert check_rate(0.1) == Fraction(1, 10)
    assert check_rate(Fraction(1, 3)) == Fraction(1, 3)
    assert Hazard(theory.FiniteStatePolicy.iid([1, 0]), 0.25, theory.FiniteStatePolicy.iid([0, 1])).rate == Fraction(
        1, 4
    )


def test_parts_must_fit_together():
    two = theory.FiniteStatePolicy.iid([0.5, 0.5])
    three = theory.FiniteStatePolicy.iid([0.5, 0.25, 0.25])
    two_obs = theory.FiniteStatePolicy.iid([0.5, 0.5], n_observations=2)
    with pytest.raises(theory.AlphabetError, match="3 actions"):
        Switch(two, LengthAtLeast(1), three)
    with pytest.raises(theory.AlphabetError, match="3 actions"):
        Hazard(two, "1/2", three)
    with pytest.raises(theory.AlphabetError, match="observation alphabet"):
        Switch(two, LengthAtLeast(1), two_obs)
    with pytest.raises(theory.AlphabetError, match="observation 2"):
        Switch(two_obs, ObservationOccurred(2), two_obs)
    with pytest.raises(theory.AlphabetError, match="action 2"):
        Switch(two, ActionOccurred(2), two)
    with pytest.raises(theory.TypeMismatchError, match="'never'"):
        Switch(two, "never", two)
    with pytest.raises(theory.TypeMismatchError, match=r"after must be a theory.Policy, got \[0.5, 0.5\]"):
        Hazard(two, "1/2", [0.5, 0.5])
    # A part with an unknown observation alphabet adopts the other's.
    fn = theory.Policy.from_function(2, lambda h: [1, 0])
    assert Switch(fn, LengthAtLeast(1), two_obs).n_observations == 2


def test_parts_that_rule_the_history_out_make_the_composite_undefined():
    """Q sees the steps P took, so a conditioning Q (a hazard, a mixture) can be ruled out by them; the composite
    is then undefined there: zero rows (never nan) in batches, RuledOutHistoryError for a single history."""
    c0 = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
    c1 = theory.FiniteStatePolicy.constant(1, n_actions=2, n_observations=2)
    copy = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])  # action = last obs
    sw = Switch(copy, ObservationOccurred(0), Hazard(c1, "1/2", c1))
    assert sw.rows_defined(
        sw.start(normalize_history(((1, 1),), 2, 2), theory.get_context("exact")), theory.get_context("exact")
    ).tolist() == [True]
    for arith in ("exact", "float"):
        with pytest.raises(theory.RuledOutHistoryError, match="switch policy"):
            sw.probs(((0, 0),), arith=arith)
        rows = batched_probs(sw, 2, 2, 2, theory.get_context(arith))
        assert [float(x) for x in rows[((0, 0),)]] == [0.0, 0.0]
        assert [float(x) for x in rows[((1, 1),)]] == [0.0, 1.0]  # copy acts (last obs 1), no obs 0 yet
    hz = Hazard(c0, "1/2", Hazard(copy, "1/2", copy))
    assert exact(hz, ((0, 1),)) == [Fraction(1, 4), Fraction(3, 4)]
    for arith in ("exact", "float"):
        with pytest.raises(theory.RuledOutHistoryError, match="hazard policy"):
            hz.probs(((0, 1), (0, 0)), arith=arith)
        rows = batched_probs(hz, 2, 2, 3, theory.get_context(arith))
        assert all(float(x) == 0 for h, row in rows.items() if h[:2] == ((0, 1), (0, 0)) for x in row)
        assert not any(np.isnan(float(x)) for row in rows.values() for x in row)

"""theory.imitation: the top set (Definition 3), the pessimistic imitator (Definition 4) and the online imitator,
against direct implementations of the definitions."""

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import theory

from proofs_checks.strategies import alphabets, alphas, histories, mixtures

from . import brute
from .compare import assert_agree, is_infinite


def mixture_history_alpha(max_components=8, update="all", flags=False):
    return alphabets(min_actions=2).flatmap(
        lambda ao: mixtures(
            n_actions=ao[0], n_observations=ao[1], max_components=max_components, update=update
        ).flatmap(lambda xi: st.tuples(st.just(xi), histories(xi, max_length=4, flags=flags), alphas()))
    )


@given(mixture_history_alpha())
def test_top_set_is_definition_3(case):
    xi, h, alpha = case
    w = brute.posterior(xi, h)
    expected = brute.top_set(w, alpha)
    assert theory.top_set(xi, h, alpha, arith="exact") == expected
    assert theory.top_set(xi, h, alpha, arith="ball") == expected  # decided exactly under ball arithmetic
    # Float agrees except at (near) ties on the boundary w_n = α·S_n, which float rounding cannot decide.
    order = sorted(range(len(w)), key=lambda i: (-w[i], i))
    sums = np.cumsum([w[i] for i in order])
    if all(abs(float(w[i] - alpha * s)) > 1e-9 for i, s in zip(order, sums)) and all(
        abs(float(w[i] - w[j])) > 1e-9 for i in range(len(w)) for j in range(i)
    ):
        assert theory.top_set(xi, h, float(alpha)) == expected
    # The most plausible component is always in; membership is a prefix of the ranking.
    assert expected[0] == order[0] and expected == order[: len(expected)]


@given(mixture_history_alpha())
def test_top_set_size_bound(case):
    # |top set| ≤ 1 + ln(1/w_max)/ln(1/(1−α)) for α < 1 (derived in the spec, not in the paper).
    xi, h, alpha = case
    if alpha == 1:
        assert len(theory.top_set(xi, h, alpha, arith="exact")) == 1  # w_2 ≥ w_1 + w_2 is impossible
        return
    w_max = max(brute.posterior(xi, h))
    bound = 1 + math.log(1 / float(w_max)) / math.log(1 / (1 - float(alpha)))
    assert len(theory.top_set(xi, h, alpha, arith="exact")) <= bound + 1e-9


def test_top_set_ties_are_broken_by_index():
    same = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    xi = theory.BayesianMixture([same, same, same], ["1/4", "1/4", "1/4"])
    # Equal weights 1/3: n-th ranked is in iff 1/3 ≥ α·n/3, i.e. n ≤ 1/α.
    assert theory.top_set(xi, (), "1/2", arith="exact") == [0, 1]
    assert theory.top_set(xi, (), "1/3", arith="exact") == [0, 1, 2]
    assert theory.top_set(xi, (), 1, arith="exact") == [0]
    assert theory.top_set(xi, (), "1/2", arith="ball") == [0, 1]  # the boundary tie is decided exactly
    assert theory.top_set(xi, (), 0.5) == [0, 1]


@given(mixture_history_alpha(max_components=6))
def test_pessimistic_imitator_is_the_minimum_over_the_top_set(case):
    xi, h, alpha = case
    nu = theory.PessimisticImitator(xi, alpha)
    expected = brute.pessimistic_probs(xi, h, alpha)
    exact = nu.probs(h, arith="exact")
    assert list(exact) == expected
    assert nu.abstain(h, arith="exact") == 1 - sum(expected)
    for f, e, b in zip(nu.probs(h), expected, nu.probs(h, arith="ball")):
        assert_agree(float(f), e, b)
    assert_agree(nu.abstain(h), 1 - sum(expected), nu.abstain(h, arith="ball"))
    assert nu.top_set(h, arith="exact") == theory.top_set(xi, h, alpha, arith="exact")


@given(mixture_history_alpha(max_components=6), st.data())
def test_imitator_never_exceeds_a_component_in_the_top_set(case, data):
    # Theorem 4's first step: if μ is in the top set, ν_α(a|h) ≤ μ(a|h) for every a, so any π's KL to ν_α
    # bounds its KL to μ (raw sum over actions).
    xi, h, alpha = case
    nu = theory.PessimisticImitator(xi, alpha)
    probs = nu.probs(h, arith="exact")
    members = theory.top_set(xi, h, alpha, arith="exact")
    for i in members:
        mu = xi.components[i].probs(h, arith="exact")
        assert all(p <= m for p, m in zip(probs, mu))
    pi = data.draw(st.sampled_from([list(c.probs(h, arith="exact")) for c in xi.components]))
    to_nu = brute.kl_vector(pi, list(probs))
    for i in members:
        to_mu = brute.kl_vector(pi, list(xi.components[i].probs(h, arith="exact")))
        assert is_infinite(to_nu) or (not is_infinite(to_mu) and to_mu <= to_nu)


def online_case(max_components=4):
    def build(ao):
        return mixtures(n_actions=ao[0], n_observations=ao[1], max_components=max_components).flatmap(
            lambda xi: st.tuples(
                st.just(xi), st.sampled_from(xi.components), alphas(), st.integers(1, 3 if ao[0] * ao[1] <= 4 else 2)
            )
        )

    return alphabets(min_actions=2, max_observations=2).flatmap(lambda ao: st.tuples(st.just(ao), build(ao)))


@settings(max_examples=25)
@given(online_case())
def test_online_imitator_law_is_exact_and_sums_to_one(case):
    (n_actions, n_obs), (xi, demo, alpha, horizon) = case
    env = theory.FiniteStateEnvironment(
        [[[Fraction(1, n_obs)] * n_obs for _ in range(n_actions)]], np.zeros((1, n_actions, n_obs), dtype=int)
    )
    online = theory.OnlineImitator(xi, alpha, demonstrator=demo)
    law = online.law(env, horizon, arith="exact")
    assert sum(law.values()) == 1
    expected = brute.online_law(xi, alpha, demo, env, horizon)
    assert {k: v for k, v in law.items() if v} == expected
    floats = online.law(env, horizon)
    balls = online.law(env, horizon, arith="ball")
    for k, v in expected.items():
        assert_agree(floats[k], v, balls[k])


def test_online_imitator_simulation_matches_its_law():
    good = theory.FiniteStatePolicy([["3/4", "1/4"], ["1/4", "3/4"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    biased = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    other = theory.FiniteStatePolicy.iid(["9/10", "1/10"], n_observations=2)
    xi = theory.BayesianMixture([good, biased, other], ["1/2", "1/4", "1/4"])
    env = theory.FiniteStateEnvironment([[["2/3", "1/3"], ["1/3", "2/3"]]], [[[0, 0], [0, 0]]])
    online = theory.OnlineImitator(xi, "1/4", demonstrator=good)
    horizon, n = 3, 40000
    law = online.law(env, horizon, arith="exact")
    runs = online.simulate(env, horizon, episodes=n, seed=20241)
    counts: dict = {}
    for acts, obs, asked in zip(runs.actions, runs.observations, runs.asked):
        key = tuple((int(a), int(o), bool(f)) for a, o, f in zip(acts, obs, asked))
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) <= {k for k, v in law.items() if v > 0}  # never a history of probability 0
    for key, p in law.items():
        p = float(p)
        freq = counts.get(key, 0) / n
        assert abs(freq - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1 / n, (key, freq, p)
    # θ reported at each step is the imitator's abstain probability at that history.
    first = float(online.imitator.abstain(arith="exact"))
    assert np.allclose(runs.abstain[:, 0], first)
    again = online.simulate(env, horizon, episodes=n, seed=20241)
    assert all(
        np.array_equal(getattr(again, k), getattr(runs, k))
        for k in ("actions", "observations", "asked", "prob", "abstain")
    )  # deterministic under its seed


def test_online_imitator_learns_only_from_the_demonstrator():
    # Own steps (flag False) leave the posterior alone; asked steps (flag True) update it.
    xi = theory.BayesianMixture(
        [theory.FiniteStatePolicy.iid(["3/4", "1/4"]), theory.FiniteStatePolicy.iid(["1/4", "3/4"])], ["1/2", "1/2"]
    )
    online = theory.OnlineImitator(xi, "1/2", demonstrator=xi.components[0])
    assert online.mixture.update == "demonstrator" and xi.update == "all"
    assert list(online.mixture.posterior(((0, 0, False), (0, 0, False)), arith="exact")) == [Fraction(1, 2)] * 2
    assert list(online.mixture.posterior(((0, 0, True),), arith="exact")) == [Fraction(3, 4), Fraction(1, 4)]


def test_pessimistic_imitator_abstains_when_plausible_models_disagree():
    stay, move = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0, 1])
    xi = theory.BayesianMixture([stay, move], ["1/2", "1/2"])
    nu = theory.PessimisticImitator(xi, "1/2")
    for arith in ("exact", "float", "ball"):
        assert [float(x.mid()) if hasattr(x, "mid") else float(x) for x in nu.probs(arith=arith)] == [0, 0]
    assert nu.abstain(arith="exact") == 1 and nu.abstain(arith="ball").is_zero() is False
    assert list(nu.probs(((0, 0),), arith="exact")) == [1, 0] and nu.abstain(((0, 0),), arith="exact") == 0
    assert nu.abstain(((0, 0),), arith="ball").is_zero()  # exact zero, not a ball around it
    # KL of a full policy to an abstaining imitator: finite only on the imitator's support; ⊥ has no mass in π.
    env = theory.sequence_environment(2)
    d = theory.trajectory_kl(stay, nu, env, 1)
    assert d == math.inf and d.where == ((), 0)
    assert theory.trajectory_kl(stay, nu, env, 2, history=((0, 0),), arith="exact") == 0

"""theory.mixtures: posterior and predictive of Bayesian mixtures against brute-force Bayes."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory

from proofs_checks.strategies import alphabets, histories, mixtures, policies

from . import brute
from .compare import assert_agree


def mixture_and_history(update="all", flags=False, max_components=8, semi=False, components=None):
    def build(ao):
        kw = dict(n_actions=ao[0], n_observations=ao[1], max_components=max_components, update=update, semi=semi)
        if components is not None:
            kw["components"] = components(ao)
        return mixtures(**kw).flatmap(lambda xi: st.tuples(st.just(xi), histories(xi, max_length=4, flags=flags)))

    return alphabets().flatmap(build)


@given(mixture_and_history())
def test_posterior_is_bayes_rule(case):
    xi, h = case
    expected = brute.posterior(xi, h)
    exact = xi.posterior(h, arith="exact")
    assert list(exact) == expected and sum(exact) == 1
    for f, e, b in zip(xi.posterior(h), expected, xi.posterior(h, arith="ball")):
        assert_agree(float(f), e, b)


@given(mixture_and_history(components=lambda ao: policies(n_actions=ao[0], n_observations=ao[1]), max_components=4))
def test_posterior_with_function_components(case):
    xi, h = case
    assert list(xi.posterior(h, arith="exact")) == brute.posterior(xi, h)


@given(mixture_and_history(semi=True, max_components=5))
def test_predictive_is_the_posterior_average(case):
    xi, h = case
    w = brute.posterior(xi, h)
    rows = [brute.action_probs(c, h) for c in xi.components]
    expected = [sum(w[i] * rows[i][a] for i in range(len(w))) for a in range(xi.n_actions)]
    assert list(xi.probs(h, arith="exact")) == expected
    for f, e, b in zip(xi.probs(h), expected, xi.probs(h, arith="ball")):
        assert_agree(float(f), e, b)
    # Abstention of the mixture: Σ w_i θ_i.
    assert xi.abstain(h, arith="exact") == sum(w[i] * (1 - sum(rows[i])) for i in range(len(w)))


@given(mixture_and_history(max_components=5))
def test_predictive_of_a_sequence_is_the_mixture_of_sequence_probabilities(case):
    # Π_t ξ(a_t|h_<t) = Σ_i w_i Π_t ν_i(a_t|h_<t) / Σ_i w_i: the chain rule of the predictive.
    xi, h = case
    chained = Fraction(1)
    for t in range(len(h)):
        chained *= Fraction(xi.probs(h[:t], arith="exact")[h[t][0]])
    prior = [Fraction(w) for w in xi.prior]
    joint = sum(
        prior[i] * math.prod((brute.action_probs(c, h[:t])[h[t][0]] for t in range(len(h))), start=Fraction(1))
        for i, c in enumerate(xi.components)
    ) / sum(prior)
    assert chained == joint
    # Mixture dominance: ξ(h) ≥ w_i ν_i(h) for every component (prior normalized).
    for i, c in enumerate(xi.components):
        own = math.prod((brute.action_probs(c, h[:t])[h[t][0]] for t in range(len(h))), start=Fraction(1))
        assert chained >= prior[i] / sum(prior) * own


@given(mixture_and_history(max_components=5))
def test_posterior_is_a_martingale_under_the_predictive(case):
    # E_{a~ξ(·|h)} w_i(h a o) = w_i(h) for components that sum to 1 (any fixed observation).
    xi, h = case
    w = xi.posterior(h, arith="exact")
    xi_a = xi.probs(h, arith="exact")
    average = [Fraction(0)] * len(w)
    for a in range(xi.n_actions):
        if xi_a[a] > 0:
            after = xi.posterior(h + ((a, 0),), arith="exact")
            average = [s + xi_a[a] * x for s, x in zip(average, after)]
    assert average == list(w)


@given(mixture_and_history(max_components=4))
def test_prior_mass_below_one_does_not_change_the_predictive(case):
    xi, h = case
    normalized = theory.BayesianMixture(xi.components, xi.prior, normalize=True)
    assert sum(normalized.prior) == 1
    assert list(normalized.posterior(h, arith="exact")) == list(xi.posterior(h, arith="exact"))
    assert list(normalized.probs(h, arith="exact")) == list(xi.probs(h, arith="exact"))


@given(mixture_and_history(update="demonstrator", flags=True, max_components=5))
def test_demonstrator_update_ignores_the_agents_own_steps(case):
    xi, h = case
    expected = brute.posterior(xi, h)
    assert list(xi.posterior(h, arith="exact")) == expected
    # Equivalently: the same posterior as the mixture that scores only the flagged steps, by hand.
    prior = [Fraction(w) for w in xi.prior]
    for k, (a, _o, flag) in enumerate(h):
        if flag:
            prior = [w * brute.action_probs(c, h[:k])[a] for w, c in zip(prior, xi.components)]
    assert [w / sum(prior) for w in prior] == expected


def test_demonstrator_update_accepts_own_steps_every_component_rules_out():
    only0 = theory.FiniteStatePolicy.iid([1, 0])
    xi = theory.BayesianMixture(
        [only0, theory.FiniteStatePolicy.iid(["1/2", "1/2"])], ["1/2", "1/2"], update="demonstrator"
    )
    # Action 1 on an own step (flag False): scored by nobody, so no RuledOutHistoryError...
    assert list(xi.posterior(((1, 0, False), (0, 0, True)), arith="exact")) == [Fraction(2, 3), Fraction(1, 3)]
    # ...but the same step as a demonstrator step rules out component 0.
    assert list(xi.posterior(((1, 0, True),), arith="exact")) == [0, 1]
    every = theory.BayesianMixture([only0, only0], ["1/2", "1/2"], update="demonstrator")
    assert list(every.posterior(((1, 0, False),), arith="exact")) == [Fraction(1, 2), Fraction(1, 2)]
    with pytest.raises(theory.RuledOutHistoryError, match=r"\(\(1, 0\),\)"):
        every.posterior(((1, 0),))


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_ruled_out_history_is_an_error_never_nan(arith):
    only0 = theory.FiniteStatePolicy.iid([1, 0])
    xi = theory.BayesianMixture(
        [only0, theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[1], [1]], [[1], [1]]])], [0.5, 0.5]
    )
    assert list(xi.posterior(((0, 0), (1, 0)), arith=arith)) == [0, 1]  # one component survives
    for h in (((1, 0),), ((0, 0), (1, 0), (0, 0))):
        with pytest.raises(theory.RuledOutHistoryError) as info:
            xi.posterior(h, arith=arith)
        assert repr(h) in str(info.value)
        with pytest.raises(theory.RuledOutHistoryError):
            xi.probs(h, arith=arith)


@settings(max_examples=15)
@given(mixture_and_history(max_components=4), st.lists(st.integers(0, 2**16), min_size=1, max_size=3))
def test_condition_on_a_short_corpus_exactly(case, seeds):
    xi, h = case
    # Transcripts: histories the mixture allows, drawn by a seeded numpy generator.
    corpus = [sample_history(xi, 3, np.random.default_rng(s)) for s in seeds]
    conditioned = xi.condition_on(corpus)
    try:
        expected = brute.posterior(xi, h, corpus=corpus)
    except ZeroDivisionError:
        with pytest.raises(theory.RuledOutHistoryError):
            conditioned.posterior(h, arith="exact")
        return
    assert list(conditioned.posterior(h, arith="exact")) == expected
    for f, e, b in zip(conditioned.posterior(h), expected, conditioned.posterior(h, arith="ball")):
        assert_agree(float(f), e, b)


def sample_history(policy, length, rng):
    """A history drawn from the policy (observation 0), by exact probabilities."""
    h = ()
    for _ in range(length):
        p = [float(x) for x in policy.probs(h, arith="exact")]
        h += ((int(rng.choice(len(p), p=np.array(p) / sum(p))), 0),)
    return h


def test_condition_on_a_long_corpus_in_float():
    # 400 episodes of 25 steps from the second of three Markov components; float posterior vs log-likelihoods
    # accumulated by hand in numpy (plain products underflow: the likelihoods are ~1e-3000).
    rng = np.random.default_rng(1234)
    emissions = [
        np.array([[0.5, 0.5], [0.5, 0.5]]),
        np.array([[0.7, 0.3], [0.2, 0.8]]),
        np.array([[0.72, 0.28], [0.2, 0.8]]),
    ]
    transition = [[[0], [1]], [[0], [1]]]  # state = last action
    comps = [theory.FiniteStatePolicy(e, transition) for e in emissions]
    prior = [0.25, 0.25, 0.5]
    corpus, loglik = [], np.log(prior)
    for _ in range(400):
        s, ep = 0, []
        for _ in range(25):
            a = int(rng.random() < emissions[1][s, 1])
            loglik = loglik + np.log([e[s, a] for e in emissions])
            ep.append((a, 0))
            s = a
        corpus.append(tuple(ep))
    expected = np.exp(loglik - loglik.max())
    expected /= expected.sum()
    conditioned = theory.BayesianMixture(comps, prior).condition_on(corpus)
    got = conditioned.posterior()
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-300)
    assert got[1] > 0.5 and got[0] < 1e-50  # the data decides, without underflowing to nan
    # Conditioning twice on halves is conditioning once on the whole.
    halves = theory.BayesianMixture(comps, prior).condition_on(corpus[:200]).condition_on(corpus[200:])
    assert np.allclose(halves.posterior(((1, 0),)), conditioned.posterior(((1, 0),)), rtol=1e-9, atol=1e-300)


def test_condition_on_float_agrees_with_exact_on_a_short_corpus():
    comps = [
        theory.FiniteStatePolicy.iid(["1/3", "2/3"]),
        theory.FiniteStatePolicy([["1/2", "1/2"], ["1/5", "4/5"]], [[[0], [1]], [[0], [1]]]),
    ]
    xi = theory.BayesianMixture(comps, ["1/3", "1/2"])
    corpus = [((0, 0), (1, 0), (1, 0)), ((1, 0),), ()]
    exact = xi.condition_on(corpus).posterior(((1, 0),), arith="exact")
    assert list(exact) == brute.posterior(xi, ((1, 0),), corpus=corpus)
    assert np.allclose(xi.condition_on(corpus).posterior(((1, 0),)), [float(x) for x in exact], rtol=1e-12)


def test_long_history_in_exact_and_float():
    # 200 steps: exact posterior vs the closed form for i.i.d. components.
    a, b = theory.FiniteStatePolicy.iid(["1/3", "2/3"]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    xi = theory.BayesianMixture([a, b], ["1/2", "1/2"])
    h = tuple(((t % 3 == 0) * 1, 0) for t in range(200))
    ones = sum(x for x, _ in h)
    la = Fraction(1, 3) ** (200 - ones) * Fraction(2, 3) ** ones
    lb = Fraction(1, 2) ** 200
    assert list(xi.posterior(h, arith="exact")) == [la / (la + lb), lb / (la + lb)]
    assert np.allclose(xi.posterior(h), [float(la / (la + lb)), float(lb / (la + lb))], rtol=1e-9)


def test_names_and_prior_are_kept():
    xi = theory.BayesianMixture([theory.FiniteStatePolicy.iid([1, 0])] * 2, ["1/4", "1/8"], names=["a", "b"])
    assert xi.prior == (Fraction(1, 4), Fraction(1, 8)) and xi.names == ("a", "b") and len(xi) == 2
    assert xi.condition_on([]).prior == xi.prior
    with pytest.raises(theory.AlphabetError, match="1 names for 2 components"):
        theory.BayesianMixture([theory.FiniteStatePolicy.iid([1, 0])] * 2, ["1/4", "1/8"], names=["a"])


def test_mixture_of_semi_components_in_ball_arithmetic():
    a = theory.FiniteStatePolicy([["1/3", "2/3"]], [[[0], [0]]], semi=True)
    xi = theory.BayesianMixture([a, a], ["1/2", "1/2"])
    env = theory.sequence_environment(2)
    assert xi.abstain(arith="ball").is_zero()
    value = theory.trajectory_kl(xi, xi, env, 2, arith="ball")
    assert not math.isnan(value) and value.contains(0)


def test_a_corpus_with_repeated_transcripts_enters_through_its_counts():
    # Each distinct transcript is scored once and its likelihood raised to its count (square and multiply):
    # exactly Bayes over the whole corpus (brute force transcript by transcript) in exact arithmetic, within
    # rounding in float and ball; a hazard (not finite-state) component included.
    comps = [
        theory.FiniteStatePolicy.iid(["1/3", "2/3"]),
        theory.FiniteStatePolicy([["1/2", "1/2"], ["1/5", "4/5"]], [[[0], [1]], [[0], [1]]]),
        theory.Hazard(
            theory.FiniteStatePolicy.iid(["1/2", "1/2"]), "1/8", theory.FiniteStatePolicy.constant(1, n_actions=2)
        ),
    ]
    xi = theory.BayesianMixture(comps, ["1/4", "1/4", "1/4"])
    a, b = ((0, 0), (1, 0), (1, 0)), ((1, 0), (1, 0))
    corpus = [a] * 7 + [b] * 5 + [((0, 0),)] + [a] * 6  # a 13 times (binary 1101), b 5 times, interleaved
    exact = xi.condition_on(corpus).posterior(((1, 0),), arith="exact")
    assert list(exact) == brute.posterior(xi, ((1, 0),), corpus=corpus)
    for f, e, ball in zip(
        xi.condition_on(corpus).posterior(((1, 0),)), exact, xi.condition_on(corpus).posterior(((1, 0),), arith="ball")
    ):
        assert_agree(float(f), e, ball)
    # A thousand copies: the float posterior is the log-likelihood ratio scaled by 1000 (no underflow).
    many = xi.condition_on([a] * 1000).posterior()
    one = np.log([float(x) for x in brute.posterior(xi, (), corpus=[a])]) - np.log([0.25] * 3)
    expected = np.exp(1000 * (one - one.max()))
    assert np.allclose(many, expected / expected.sum(), rtol=1e-9, atol=1e-300)


def test_a_repeated_transcript_object_is_validated_like_any_other():
    xi = theory.BayesianMixture([theory.FiniteStatePolicy.iid(["1/2", "1/2"])], ["1"])
    ok = ((1, 0),)
    assert len(xi.condition_on([ok] * 3).corpus) == 3
    with pytest.raises(theory.HistoryError, match="action True"):
        xi.condition_on([ok, ((True, 0),)])  # equal to ok, but a bool is not an action
    with pytest.raises(theory.HistoryError, match="action 2"):
        xi.condition_on([ok, ((2, 0),)] * 2)

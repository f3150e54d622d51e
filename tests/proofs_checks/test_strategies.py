"""proofs_checks.strategies: what each strategy promises, and eager validation of its options."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import theory
from proofs_checks import strategies as S


@given(S.distributions(min_size=1, max_size=5), S.distributions(3, semi=True, max_denominator=4))
def test_distributions_are_exact(p, semi):
    assert all(isinstance(x, Fraction) and x >= 0 for x in p) and sum(p) == 1 and 1 <= len(p) <= 5
    assert len(semi) == 3 and sum(semi) <= 1


@given(S.priors(min_size=1, max_size=8), S.priors(4, normalized=True))
def test_priors(w, normalized):
    assert all(isinstance(x, Fraction) and x > 0 for x in w) and sum(w) <= 1
    assert len(normalized) == 4 and sum(normalized) == 1


@given(
    S.alphabets()
    .flatmap(
        lambda ao: st.tuples(
            S.mixtures(n_actions=ao[0], n_observations=ao[1], max_components=4, semi=True),
            S.finite_state_environments(n_actions=ao[0], n_observations=ao[1]),
        )
    )
    .flatmap(lambda me: st.tuples(st.just(me[0]), st.just(me[1]), S.histories(me[0], me[1], max_length=4, flags=True)))
)
def test_histories_have_positive_probability(case):
    xi, env, h = case
    for t, (a, o, _) in enumerate(h):
        assert xi.probs(h[:t], arith="exact")[a] > 0
        assert env.probs(h[:t], a, arith="exact")[o] > 0
    xi.posterior(h, arith="exact")  # defined: no RuledOutHistoryError


@given(
    S.alphabets().flatmap(
        lambda ao: st.tuples(
            S.finite_state_policies(n_actions=ao[0], n_observations=ao[1]),
            S.mixtures(n_actions=ao[0], n_observations=ao[1], max_components=3),
            S.finite_state_environments(n_actions=ao[0], n_observations=ao[1]),
            S.mean_rewards(n_actions=ao[0], n_observations=ao[1]),
        )
    )
)
def test_drawn_objects_print_as_expressions_that_rebuild_them(objs):
    namespace = {
        name: getattr(theory, name)
        for name in ("FiniteStatePolicy", "FiniteStateEnvironment", "BayesianMixture", "MeanReward")
    }
    pi, xi, env, u = objs
    again = [eval(repr(x), namespace) for x in objs]
    a = next(i for i, p in enumerate(xi.probs(arith="exact")) if p > 0)
    for h in ((), ((a, 0),)):
        assert list(again[0].probs(h, arith="exact")) == list(pi.probs(h, arith="exact"))
        assert list(again[1].posterior(h, arith="exact")) == list(xi.posterior(h, arith="exact"))
        assert list(again[2].probs(h, 0, arith="exact")) == list(env.probs(h, 0, arith="exact"))
    assert [Fraction(x) for x in again[3].table.flat] == [Fraction(x) for x in u.table.flat]


@given(
    S.budgets(),
    S.budgets(min_value="1/3", max_value="1/2"),
    S.alphas(),
    S.alphas(max_value="1/10"),
    S.temperatures(),
    S.alphabets(),
)
def test_scalars(b, b2, a, a2, t, ao):
    assert isinstance(b, Fraction) and 0 <= b <= 4 and Fraction(1, 3) <= b2 <= Fraction(1, 2)
    assert 0 < a <= 1 and 0 < a2 <= Fraction(1, 10)
    assert Fraction(1, 100) <= t <= 100
    assert 1 <= ao[0] <= 3 and 1 <= ao[1] <= 3


@given(
    S.utilities(n_actions=2, n_observations=3),
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2)), min_size=1, max_size=4),
)
def test_utilities_are_exact_and_in_the_unit_interval(u, h):
    if isinstance(u, theory.MeanReward):
        assert u.table.shape == (2, 3) and all(0 <= Fraction(x) <= 1 for x in u.table.flat)
    else:
        assert 0 <= u(tuple(h)) <= 1 and isinstance(u(tuple(h)), Fraction)


PI = theory.FiniteStatePolicy.iid([1, 0])

BAD_OPTIONS = [
    (lambda: S.distributions(0), "n=0"),
    (lambda: S.distributions(min_size=3, max_size=2), "min_size=3"),
    (lambda: S.distributions(semi=1), "semi=1"),
    (lambda: S.distributions(max_denominator=0), "max_denominator=0"),
    (lambda: S.distributions(2.5), "n=2.5"),
    (lambda: S.priors(normalized="yes"), "normalized='yes'"),
    (lambda: S.finite_state_policies(n_actions=0, n_observations=1), "n_actions=0"),
    (lambda: S.finite_state_policies(n_actions=2, n_observations=1, max_states=0), "max_states=0"),
    (lambda: S.finite_state_environments(n_actions=2, n_observations=True), "n_observations=True"),
    (lambda: S.mixtures(n_actions=2, n_observations=1, min_components=3, max_components=2), "min_components=3"),
    (lambda: S.mixtures(n_actions=2, n_observations=1, components=[PI]), "components="),
    (lambda: S.mixtures(n_actions=2, n_observations=1, update="never"), "update='never'"),
    (lambda: S.histories("policy"), "policy_or_mixture='policy'"),
    (lambda: S.histories(PI, max_length=-1), "max_length=-1"),
    (lambda: S.histories(PI, min_length=3, max_length=2), "min_length=3"),
    (lambda: S.histories(PI, theory.sequence_environment(3)), "3 actions"),
    (lambda: S.histories(theory.Policy.from_function(2, lambda h: [1, 0])), "n_observations="),
    (lambda: S.budgets(min_value=-1), "min_value=-1"),
    (lambda: S.budgets(min_value=2, max_value=1), "min_value=2"),
    (lambda: S.alphas(max_value=2), "max_value"),
    (lambda: S.alphas(min_value="1/2", max_value="1/2"), "1/2"),
    (lambda: S.temperatures(min_value=0), "min_value=0"),
    (lambda: S.temperatures(min_value="abc"), "'abc'"),
    (lambda: S.alphabets(min_actions=4, max_actions=3), "min_actions=4"),
    (lambda: S.alphabets(max_observations=0), "max_observations=0"),
]


@pytest.mark.parametrize("make, text", BAD_OPTIONS)
def test_bad_options_are_refused_when_the_strategy_is_made(make, text):
    with pytest.raises(InvalidArgument) as info:
        make()  # eagerly: before anything is drawn
    assert text in str(info.value)

"""proofs_checks.scope: the small-scope enumeration is deterministic, exhaustive by tiers, reads users' own
composites, counts rejections, ends cleanly on what it cannot read, honours its limit and deadline, and finds
tiny counterexamples that random search misses."""

import time
from fractions import Fraction

import pytest
from hypothesis import assume, find, settings
from hypothesis import strategies as st

import theory
from proofs_checks import Claim, registry
from proofs_checks import strategies as S
from proofs_checks.instances import encode
from proofs_checks.scope import SCOPE_DESCRIPTION, ScopeError, enumerate_instances, small_scope

HALF = Fraction(1, 2)


def _reprs(scope, n):
    return [repr(x) for _, x in zip(range(n), scope)]


def test_two_runs_enumerate_the_same_instances_in_the_same_order():
    claim = registry.get("chain-rule")
    first = _reprs(enumerate_instances(claim.strategy), 60)
    again = _reprs(enumerate_instances(claim.strategy), 60)
    assert len(first) == 60 and first == again and len(set(first)) == 60


def test_a_finite_scope_is_enumerated_completely_tier_by_tier():
    scope = enumerate_instances(st.tuples(st.booleans(), st.integers(0, 2)))
    seen = list(scope)
    assert sorted(seen) == [(b, i) for b in (False, True) for i in range(3)]
    sizes = [int(b) + i for b, i in seen]  # the cost of (b, i) is the sum of the chosen indices
    assert sizes == sorted(sizes) and seen[0] == (False, 0)
    assert scope.exhausted and scope.stopped == "exhausted" and scope.count == 6 and scope.max_cost == 3
    assert scope.describe() == "small scope: 6 instances (exhausted), tiers 0-3"


def test_every_leaf_is_run_once():
    scope = enumerate_instances(st.tuples(st.integers(0, 2), st.integers(0, 2), st.booleans()))
    assert len(list(scope)) == 18 and scope.runs == 18 and scope.duplicates == 0 and scope.exhausted


@pytest.mark.parametrize("claim_id", registry.ids())
def test_every_registered_claim_enumerates_instances_that_evaluate(claim_id):
    claim = registry.get(claim_id)
    if claim.strategy is None:
        pytest.skip("fixed examples only")
    start = time.monotonic()
    scope = enumerate_instances(claim.strategy, limit=20, deadline=start + 3)
    instances = list(scope)
    assert scope.unsupported is None and scope.count == len(instances) == 20, scope.describe()
    assert time.monotonic() - start < 3
    evaluations = [claim.evaluate(x, "float") for x in instances]
    assert all(e.context == "float" and e.holds in (True, False, None) for e in evaluations)
    assert any(e.parts for e in evaluations)  # some instance is not vacuous


def test_users_composites_get_the_enumeration_of_the_exported_strategies():
    @st.composite
    def pairs(draw):
        p = draw(S.distributions(2))
        return {"p": p, "q": draw(S.distributions(2)), "flip": draw(st.booleans())}

    seen = list(enumerate_instances(pairs(), limit=10_000))
    assert len(seen) == 9 * 9 * 2  # the whole 2-outcome grid (with its near-boundary points) twice over
    assert {"p": (1, 0), "q": (HALF, HALF), "flip": False} in seen


def test_the_grid_values_and_near_boundary_values_appear():
    values = {p for x in enumerate_instances(S.distributions(2)) for p in x}
    assert {Fraction(0), HALF, Fraction(1), Fraction(1, 4), Fraction(1, 3), Fraction(1, 1000)} <= values
    semi = list(enumerate_instances(S.distributions(2, semi=True)))
    assert any(sum(p) == Fraction(999, 1000) for p in semi) and all(sum(p) <= 1 for p in semi)
    rewards = {r for u in enumerate_instances(S.mean_rewards(n_actions=2, n_observations=1)) for r in u.table.flat}
    assert {Fraction(r) for r in rewards} == {Fraction(0), HALF, Fraction(1)}


def test_exported_strategies_stay_in_their_small_scope():
    policies = list(enumerate_instances(S.finite_state_policies(n_actions=2, n_observations=2, max_states=3)))
    assert {p.n_states for p in policies} == {1, 2}
    mixtures = list(enumerate_instances(S.mixtures(n_actions=2, n_observations=1, max_components=8), limit=300))
    assert {len(xi) for xi in mixtures} == {2, 3}
    pi = theory.FiniteStatePolicy([["1/2", "1/2"]], [[[0, 0], [0, 0]]])
    hs = list(enumerate_instances(S.histories(pi, max_length=4)))
    assert max(len(h) for h in hs) == 2 and len(hs) == 1 + 4 + 16
    assert set(enumerate_instances(S.alphabets(min_actions=2))) == {(2, 1), (2, 2)}


def test_instances_print_as_expressions_that_rebuild_them():
    namespace = {
        name: getattr(theory, name) for name in ("FiniteStatePolicy", "FiniteStateEnvironment", "BayesianMixture")
    }
    objects = [
        *enumerate_instances(S.finite_state_policies(n_actions=2, n_observations=2), limit=40),
        *enumerate_instances(S.finite_state_environments(n_actions=2, n_observations=2), limit=40),
        *enumerate_instances(S.mixtures(n_actions=2, n_observations=2), limit=40),
    ]
    for x in objects:
        again = eval(repr(x), namespace)
        if isinstance(x, theory.BayesianMixture):
            assert list(again.posterior((), arith="exact")) == list(x.posterior((), arith="exact"))
            assert encode(again) == encode(x)
            continue
        for h in ((), ((0, 1),), ((1, 0), (0, 0))):
            if isinstance(x, theory.FiniteStateEnvironment):
                assert list(again.probs(h, 1, arith="exact")) == list(x.probs(h, 1, arith="exact"))
            else:
                assert list(again.probs(h, arith="exact")) == list(x.probs(h, arith="exact"))


def test_filters_and_assumptions_reject_leaves_and_are_counted():
    @st.composite
    def odd_sums(draw):
        a, b = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        assume((a + b) % 2 == 1)
        return a, b

    scope = enumerate_instances(odd_sums())
    assert sorted(scope) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    assert scope.rejected == 5 and scope.exhausted
    compound = enumerate_instances(st.tuples(st.booleans(), st.booleans()).filter(lambda t: t[0] != t[1]))
    assert list(compound) == [(False, True), (True, False)] and compound.rejected == 2
    simple = enumerate_instances(st.integers(0, 50).filter(lambda v: v > 40))  # filters the options themselves
    assert list(simple) == [41, 42, 43, 50] and simple.rejected == 0


def test_invalid_arguments_reject_the_leaf():
    @st.composite
    def ranges(draw):
        lo = draw(st.integers(0, 2))
        return lo, draw(st.integers(lo, 1))  # InvalidArgument when lo = 2

    scope = enumerate_instances(ranges())
    assert (2, 1) not in set(scope) and scope.rejected == 1 and scope.count == 3


@pytest.mark.parametrize("strategy", [st.data(), st.text(), st.tuples(st.just(1), st.text())])
def test_what_the_chooser_cannot_read_ends_the_enumeration_cleanly(strategy):
    scope = enumerate_instances(strategy)
    assert list(scope) == [] and scope.unsupported and not scope.exhausted
    assert scope.describe().startswith("small scope: unsupported (")


def test_a_strategy_never_leaving_its_loop_is_rejected_not_hung():
    @st.composite
    def until_true(draw):
        while not draw(st.booleans()):  # option 0 (False) keeps drawing
            pass
        return "done"

    scope = enumerate_instances(until_true(), deadline=time.monotonic() + 1)
    list(scope)
    assert scope.rejected >= 1 and scope.stopped in ("deadline", "exhausted")


def test_the_limit_and_the_deadline_are_honoured():
    scope = enumerate_instances(S.finite_state_environments(n_actions=2, n_observations=2), limit=7)
    assert len(list(scope)) == 7 and scope.stopped == "limit" and not scope.exhausted
    assert "truncated at the limit 7" in scope.describe()
    late = enumerate_instances(st.integers(), deadline=time.monotonic() - 1)
    assert list(late) == [] and late.stopped == "deadline"
    start = time.monotonic()
    slow = enumerate_instances(registry.get("thm3-top-set").strategy, limit=10**6, deadline=start + 0.5)
    assert len(list(slow)) > 0 and slow.stopped == "deadline" and time.monotonic() - start < 1.5


def test_bad_options_are_named():
    with pytest.raises(ScopeError, match="limit=-1"):
        enumerate_instances(st.booleans(), limit=-1)
    with pytest.raises(ScopeError, match="deadline='soon'"):
        enumerate_instances(st.booleans(), deadline="soon")
    with pytest.raises(ScopeError, match="costs="):
        list(enumerate_instances(small_scope(st.booleans(), lambda choose: choose([0, 1], costs=[1, 0]))))


def test_a_users_small_scope_definition_is_kept_through_map_filter_and_collections():
    weights = small_scope(st.integers(1, 10**6), lambda choose: choose([1, 7, 10**6]))
    assert list(enumerate_instances(weights.map(str).filter(lambda s: s != "7"))) == ["1", "1000000"]
    pairs = list(enumerate_instances(st.lists(weights, min_size=2, max_size=2)))
    assert len(pairs) == 9 and [7, 10**6] in pairs
    composite = st.tuples(st.booleans()).flatmap(lambda b: weights)
    assert set(enumerate_instances(composite)) == {1, 7, 10**6}


def test_random_draws_are_unchanged_by_a_small_scope_definition():
    # hypothesis draws through the definition-carrying wrapper exactly as through the strategy itself
    plain, scoped = st.integers(0, 10**6), small_scope(st.integers(0, 10**6), lambda choose: choose([5]))
    config = settings(database=None, derandomize=True)
    assert find(scoped, lambda v: v > 1234, settings=config) == find(plain, lambda v: v > 1234, settings=config)
    raw = S._distributions(3, 1, 4, False, 12)
    last_positive = lambda p: p[2] > 0  # noqa: E731
    assert find(S.distributions(3), last_positive, settings=config) == find(raw, last_positive, settings=config)


def test_the_scope_is_described_for_reports():
    assert "1–2 states" in SCOPE_DESCRIPTION and "1/1000" in SCOPE_DESCRIPTION


# The key acceptance test: a false statement with a tiny counterexample in a reactive environment, found by the
# enumeration alone. Expected trajectory KL <= Definition 2's worst case fails when π acts on whether o == a and
# μ echoes the action: expected KL = ln 2 > Definition 2 = ½ ln 2 (the spec's counterexample).
@st.composite
def _reactive_cases(draw):
    pi = draw(S.finite_state_policies(n_actions=2, n_observations=2, max_states=2))
    beta = draw(S.finite_state_policies(n_actions=2, n_observations=2, max_states=2))
    env = draw(S.finite_state_environments(n_actions=2, n_observations=2, max_states=2))
    return {"pi": pi, "beta": beta, "env": env, "m": draw(st.integers(1, 3))}


EXPECTED_KL_BELOW_WORST_CASE = Claim(
    id="ekl-le-wc",
    title="E KL <= WC",
    kind="conjecture",
    given=_reactive_cases(),
    lhs=lambda x, a: theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["m"], arith=a),
    relation="<=",
    rhs=lambda x, a: theory.worst_case_kl(x["pi"], x["beta"], x["env"], x["m"], arith=a),
)


def test_the_enumeration_alone_refutes_expected_kl_below_the_worst_case():
    claim = EXPECTED_KL_BELOW_WORST_CASE
    scope = enumerate_instances(claim.strategy, limit=2000, deadline=time.monotonic() + 30)
    for x in scope:
        if claim.float_candidate(claim.evaluate(x, "float")):
            exact = claim.evaluate(x, "exact")
            if exact.holds is False:
                break
    else:
        pytest.fail(f"no certified counterexample in the small scope: {scope.describe()}")
    assert exact.context == "exact" and x["m"] >= 2 and x["pi"].n_states == 2
    (part,) = exact.parts
    assert part.lhs > part.rhs  # decided exactly on linear forms in logarithms
    assert scope.count <= 1000, scope.describe()  # found in the lowest tiers, not by luck

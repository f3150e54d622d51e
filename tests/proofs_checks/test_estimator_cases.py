"""proofs_checks.estimator_cases: the lab's instances are softmax policies with positive rows (random draws and the
small scope alike), round-trip through exact JSON as themselves, and move (as softmax policies) in margin
optimization; the fixed examples are what the claims' pages work by hand."""

from fractions import Fraction

from hypothesis import given, settings

import theory
from proofs_checks import Claim
from proofs_checks.estimator_cases import component_parts, estimator_cases, examples, gradient, positive, target
from proofs_checks.instances import decode, encode
from proofs_checks.refine import parameter_blocks, recording, refine
from proofs_checks.scope import enumerate_instances


def _positive_rows(policy) -> bool:
    return min(policy.emission("exact").flat) > 0


def _check_instance(x, *, sampling):
    assert isinstance(x["pi"], theory.SoftmaxPolicy) and _positive_rows(x["pi"])
    ref = x["ref"]
    components = ref.components if isinstance(ref, theory.BayesianMixture) else [ref]
    assert all(_positive_rows(c) for c in components) and not ref.semi
    assert ("pi_old" in x) == sampling and (not sampling or _positive_rows(x["pi_old"]))
    y = decode(encode(x))
    assert type(y["pi"]) is theory.SoftmaxPolicy and encode(y) == encode(x)


def test_small_scope_enumerates_softmax_instances():
    scope = enumerate_instances(estimator_cases(sampling=True), limit=60)
    instances = list(scope)
    assert scope.unsupported is None and len(instances) == 60
    for x in instances:
        _check_instance(x, sampling=True)
    assert any(isinstance(x["ref"], theory.BayesianMixture) for x in instances)
    assert {x["horizon"] for x in instances} >= {1, 2}


@settings(max_examples=40, database=None, derandomize=True, deadline=None)
@given(estimator_cases())
def test_random_draws_are_softmax_instances(x):
    _check_instance(x, sampling=False)


def test_positive_keeps_positive_rows_and_halves_the_others_with_uniform():
    p = theory.FiniteStatePolicy([["1/3", "2/3"], [0, 1]], [[[1], [1]], [[0], [0]]])
    q = positive(p, theory.SoftmaxPolicy)
    assert q.emission("exact").tolist() == [[Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 4), Fraction(3, 4)]]
    assert q.transition.tolist() == p.transition.tolist()


def _uniform_pair(d) -> bool:
    """π and π_ref equal one-state rows drawn positive (the drawn rows, before :func:`positive`, are the
    optimizer's parameters: a coordinate drawn 0 stays 0)."""
    drawn_pi, ref = d.draws[1], d.instance["ref"]
    return (
        drawn_pi.n_states == 1
        and _positive_rows(drawn_pi)
        and not isinstance(ref, theory.BayesianMixture)
        and (ref.emission("exact") == drawn_pi.emission("exact")).all()
    )


def test_margin_optimization_moves_softmax_rows_and_keeps_the_type():
    # The small scope's first instances, with the values their strategy drew (fair π and π_ref come first).
    drawn = next(d for d in enumerate_instances(recording(estimator_cases(max_horizon=1))) if _uniform_pair(d))
    blocks = parameter_blocks(drawn.instance)
    assert any(b.path[:3] == ("dict", "pi", "softmax_policy") for b in blocks)
    # A false claim: ∇KL(π‖π_ref) = 0. It holds at π = π_ref, the start; the optimizer moves away from it.
    false = Claim(
        id="forward-zero",
        title="∇KL(π‖π_ref) = 0",
        kind="conjecture",
        given=estimator_cases(max_horizon=1),
        parts=lambda x, a: component_parts("fwd", target(x, a, direction="forward"), target(x, a, direction="zero")),
    )
    assert false.evaluate(drawn.instance, "exact").holds
    result = refine(false, [drawn], max_evaluations=60)
    assert result.candidates and all(isinstance(c.instance["pi"], theory.SoftmaxPolicy) for c in result.candidates)
    assert false.evaluate(result.candidates[0].instance, "exact").holds is False


def test_examples_by_hand():
    one, two, echo = examples()
    ctx = theory.get_context("exact")
    # One token, π fair, π_ref = (1/4, 3/4): ∇KL(π_ref‖π) = π − π_ref.
    assert target(one, ctx, direction="reverse").tolist() == [[Fraction(1, 4), Fraction(-1, 4)]]
    # Two tokens: k3 summed per token weighs π_ref's second row by π (3/8), the reverse KL by π_ref (5/16).
    assert gradient(two, ctx, estimator="k3", placement="loss", level="token").tolist() == [
        [Fraction(3, 8), Fraction(-3, 8)]
    ]
    assert target(two, ctx, direction="reverse").tolist() == [[Fraction(5, 16), Fraction(-5, 16)]]
    assert echo["pi"].n_states == 2 and isinstance(echo["ref"], theory.BayesianMixture) and echo["horizon"] == 3
    assert "pi_old" not in examples(sampling=False)[0]

"""chain-rule: the independent leaf enumeration equals theory.trajectory_kl exactly; false variants are refuted."""

import math
from fractions import Fraction

import pytest

import theory
from proofs_checks import check, reference
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import chain_rule
from proofs_checks.instances import decode, encode


def test_chain_rule_holds():
    result = check(chain_rule.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    # The fixed toy instances are certified, in exact arithmetic, every time.
    assert len(result.certified) >= len(chain_rule.examples())
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.mark.parametrize("params", [{"weights": "beta"}, {"drop_last": True}])
def test_false_variants_are_refuted(params):
    result = check(chain_rule.make(**params), max_examples=40)
    assert result.verdict == "refuted"
    assert result.evaluation.context == "exact" and result.evaluation.violated_parts()


def test_false_variants_fail_on_a_finite_hand_instance():
    # Two i.i.d. steps of π = (1/2, 1/2) against β = (1/4, 3/4): KL = 2·KL(π‖β), exactly.
    x = {
        "pi": theory.FiniteStatePolicy.iid(["1/2", "1/2"]),
        "beta": theory.FiniteStatePolicy.iid(["1/4", "3/4"]),
        "env": theory.sequence_environment(2),
        "horizon": 2,
        "history": (),
    }
    one_step = theory.kl(["1/2", "1/2"], ["1/4", "3/4"], arith="exact")
    part, worst = chain_rule.CLAIM.parts(x, theory.get_context("exact"))
    assert part.lhs == part.rhs == 2 * one_step
    assert worst.lhs == worst.rhs == 2 * one_step  # i.i.d.: every observation sequence gives the same KL
    dropped, _ = chain_rule.make(drop_last=True).parts(x, theory.get_context("exact"))
    assert dropped.lhs == one_step and chain_rule.make(drop_last=True).evaluate(x, "exact").holds is False
    # Weighed by β the left side is −KL(β‖π) = −(1/4 ln(1/2) + 3/4 ln(3/2))·2 < 0.
    flipped, _ = chain_rule.make(weights="beta").parts(x, theory.get_context("exact"))
    assert flipped.lhs == -2 * theory.kl(["1/4", "3/4"], ["1/2", "1/2"], arith="exact")
    assert chain_rule.make(weights="beta").evaluate(x, "exact").holds is False


def test_refutation_certificate_replays(tmp_path):
    variant = chain_rule.make(drop_last=True)
    result = check(variant, max_examples=40)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "chain.json"
    write(cert, path)
    assert replay(path, claim=variant).ok
    # The true claim does not accept it as a refutation.
    assert not replay(path, claim=chain_rule.CLAIM).ok


def test_hand_computed_leaves_and_infinity():
    ctx = theory.get_context("exact")
    pi = theory.FiniteStatePolicy.iid([1, 0])
    beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    leaves = reference.trajectory_leaves(pi, beta, theory.sequence_environment(2), 3, arith=ctx)
    assert leaves == [(((0, 0),) * 3, 1, 1, Fraction(1, 8))]
    assert reference.leaf_kl(leaves, arith=ctx) == 3 * theory.kl([1, 0], ["1/2", "1/2"], arith="exact")
    # β rules out what π does: both sides are +inf and the claim holds (inf == inf).
    ev = chain_rule.CLAIM.evaluate(
        {"pi": beta, "beta": pi, "env": theory.sequence_environment(2), "horizon": 2, "history": ()}, "exact"
    )
    assert ev.holds and math.isinf(ev.parts[0].lhs) and math.isinf(ev.parts[0].rhs)


def test_examples_round_trip_and_hold():
    for x in chain_rule.examples():
        y = decode(encode(x))
        ev = chain_rule.CLAIM.evaluate(y, "exact")
        assert ev.holds, x["name"]
        assert ev.parts[0].lhs == chain_rule.CLAIM.evaluate(x, "exact").parts[0].lhs


def test_worst_case_part_is_the_maximum_over_observation_sequences():
    # π copies the last observation, β leans to action 0: observation 1 makes π take action 1, far from β, so the
    # maximum (observation 1) and the minimum (observation 0) differ; the part pins theory.worst_case_kl to the max.
    copy = theory.FiniteStatePolicy(
        [["1/2", "1/2"], [1, 0], [0, 1]], [[[1, 2], [1, 2]], [[1, 2], [1, 2]], [[1, 2], [1, 2]]]
    )
    beta = theory.FiniteStatePolicy.iid(["9/10", "1/10"], n_observations=2)
    x = {
        "pi": copy,
        "beta": beta,
        "env": theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/2", "1/2"]]], [[[0, 0], [0, 0]]]),
        "horizon": 2,
        "history": (),
    }
    ctx = theory.get_context("exact")
    first = theory.kl(["1/2", "1/2"], ["9/10", "1/10"], arith="exact")
    by_obs = [
        first + theory.kl([1, 0], ["9/10", "1/10"], arith="exact"),
        first + theory.kl([0, 1], ["9/10", "1/10"], arith="exact"),
    ]
    assert ctx.sign(by_obs[1] - by_obs[0]) > 0
    _, worst = chain_rule.CLAIM.parts(x, ctx)
    assert ctx.sign(worst.lhs - by_obs[1]) == 0 and ctx.sign(worst.rhs - by_obs[1]) == 0
    assert chain_rule.CLAIM.evaluate(x, "exact").holds

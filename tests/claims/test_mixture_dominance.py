"""mixture-dominance: KL(ν_i‖ξ) ≤ ln(1/w_i(h)) in both forms, with equality for disjoint supports; variants fail."""

from fractions import Fraction

import pytest
from hypothesis import given, settings

import theory
from proofs_checks import certify, check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import mixture_dominance as md
from proofs_checks.reference import leaf_kl, trajectory_leaves
from proofs_checks.instances import decode, encode

EXACT = theory.get_context("exact")


def test_mixture_dominance_holds():
    result = check(md.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.fixture(scope="module")
def slack_refuted():
    variant = md.make(slack=Fraction(1, 100))
    return variant, check(variant, max_examples=40)


def test_a_slack_below_the_bound_is_refuted(slack_refuted):
    _, result = slack_refuted
    assert result.verdict == "refuted" and result.evaluation.context == "exact"


def test_the_prior_in_place_of_the_posterior_is_refuted(tmp_path):
    # The search finds such instances too (and shrinks them, which takes ~10 s); the toy instance refutes at once.
    variant = md.make(weight="prior")
    dropped = md.examples()[1]
    ev = certify(variant, dropped)
    assert ev.context == "exact" and ev.holds is False
    write(make_certificate(variant, dropped, kind="refutation", evaluation=ev), tmp_path / "prior.json")
    assert replay(tmp_path / "prior.json", claim=variant).ok


def test_tight_instances_by_hand():
    three, dropped = md.examples()[:2]
    # Constant policies, prior (1/2, 1/4, 1/8): normalized w = (4/7, 2/7, 1/7); ν_2 vs ξ: ln 7 exactly, both forms.
    parts = md.CLAIM.parts(three, EXACT)
    assert [p.name.split(":")[0] for p in parts] == [
        "expected",
        "worst case",
        "tight, expected (disjoint supports at h)",
        "tight, worst case (disjoint supports at h)",
    ]
    assert all(p.lhs == p.rhs == theory.kl([1], [Fraction(1, 7)], arith="exact") for p in parts)
    # After action 0 the posterior of ν_0 is (1/2·1/4)/(1/2·1/4 + 1/2·3/4) = 1/4: the bound ln 4 is attained, and
    # the prior's ln 2 is exceeded.
    assert md.CLAIM.parts(dropped, EXACT)[0].lhs == theory.kl([1], [Fraction(1, 4)], arith="exact")
    assert md.make(weight="prior").evaluate(dropped, "exact").holds is False
    assert md.make(slack=Fraction(1, 10**6)).evaluate(three, "exact").holds is False


def test_ruled_out_component_has_an_infinite_bound():
    a, b = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    x = {
        "xi": theory.BayesianMixture([a, b], ["1/2", "1/2"]),
        "env": theory.sequence_environment(2),
        "horizon": 2,
        "history": ((1, 0),),
        "component": 0,
    }
    ev = md.CLAIM.evaluate(x, "exact")
    assert ev.holds and ev.parts[0].rhs == float("inf")
    assert [p.name for p in ev.parts if p.name.startswith("tight")] == []


def test_disjoint_detection():
    consts = [theory.FiniteStatePolicy.constant(k, n_actions=2) for k in range(2)]
    assert md.disjoint_at(theory.BayesianMixture(consts, ["1/2", "1/2"]), (), arith="exact")
    fair = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    assert not md.disjoint_at(theory.BayesianMixture([consts[0], fair], ["1/2", "1/2"]), (), arith="exact")


def test_refutation_certificate_replays(tmp_path, slack_refuted):
    variant, result = slack_refuted
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "dominance.json"
    write(cert, path)
    assert replay(path, claim=variant).ok


def test_examples_round_trip():
    for x in md.examples():
        assert md.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]


@settings(max_examples=20, deadline=None)
@given(md.dominance_cases(max_horizon=2))
def test_theory_kl_against_the_mixture_matches_the_leaf_enumeration(x):
    # theory.trajectory_kl with a mixture as β, against the independent leaf enumeration of chain-rule.
    nu = x["xi"].components[x["component"]]
    leaves = trajectory_leaves(nu, x["xi"], x["env"], x["horizon"], x["history"], arith=EXACT)
    assert leaf_kl(leaves, arith=EXACT) == theory.trajectory_kl(
        nu, x["xi"], x["env"], x["horizon"], x["history"], arith="exact"
    )

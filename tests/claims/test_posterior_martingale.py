"""posterior-martingale: the posterior identity and the supermartingale ξ/μ; abstaining components and
E[ξ/μ] ≥ 1 are refuted."""

from fractions import Fraction

import pytest

import theory
from proofs_checks import certify, check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import posterior_martingale as pm
from proofs_checks.instances import decode, encode


def test_posterior_martingale_holds():
    result = check(pm.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.fixture(scope="module")
def mean_refuted():
    variant = pm.make(mean_relation=">=")
    return variant, check(variant, max_examples=20)


@pytest.mark.parametrize("params", [{"semi": True}, {"mean_relation": ">="}])
def test_false_variants_are_refuted(params, mean_refuted):
    result = mean_refuted[1] if "mean_relation" in params else check(pm.make(**params), max_examples=20)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"


def test_hand_numbers():
    never, in_class = pm.examples()
    ctx = theory.get_context("exact")
    # ξ = ½·(1, 0) + ½·(½, ½) = (3/4, 1/4); μ = (1, 0) never takes 1: E_μ[ξ/μ] = ξ(0)/μ(0) = 3/4.
    nodes, mean = pm.ratio_tree(never["xi"], never["mu"], never["env"], 1, arith=ctx)
    assert mean == Fraction(3, 4) and nodes[0][4] is False
    # w_0 after action 0 is (1/2·1)/(3/4) = 2/3, after action 1 it is 0: E = 3/4·2/3 + 1/4·0 = 1/2 = w_0.
    assert pm.posterior_expectation(never["xi"], (), 0, arith=ctx) == Fraction(1, 2)
    # μ in the class and ξ ≪ μ: a martingale, E_μ[R_3] = 1 exactly, and every step is an equality.
    nodes, mean = pm.ratio_tree(in_class["xi"], in_class["mu"], in_class["env"], 3, in_class["history"], arith=ctx)
    assert mean == 1 and all(n[3] == n[2] for n in nodes)
    names = [p.name for p in pm.CLAIM.parts(in_class, ctx)]
    assert names[-1].startswith("martingale")


def test_abstaining_component_breaks_the_identity(tmp_path):
    variant = pm.make(semi=True)
    shy = pm.examples(semi=True)[-1]
    ev = certify(variant, shy)
    # ν_0 abstains with probability 1/4: E[w_0(ha)] = w_0·(1 − 1/4) = 3/8 ≠ 1/2.
    assert ev.holds is False and ev.parts[0].lhs == Fraction(3, 8) and ev.parts[0].rhs == Fraction(1, 2)
    write(make_certificate(variant, shy, kind="refutation", evaluation=ev), tmp_path / "semi.json")
    assert replay(tmp_path / "semi.json", claim=variant).ok


def test_refutation_certificate_replays(tmp_path, mean_refuted):
    variant, result = mean_refuted
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    write(cert, tmp_path / "mean.json")
    assert replay(tmp_path / "mean.json", claim=variant).ok


def test_examples_round_trip():
    for x in pm.examples():
        assert pm.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]

"""prop1-no-triangle: the witness family is exhibited; the check fails when its constant, its family or its
bound is made false; the sympy proof fails for the false constant; certificates replay; hand-derived numbers."""

from fractions import Fraction

import pytest
import sympy

from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import prop1_no_triangle as prop1
from theory.arith import LogLinear


def test_the_witness_is_exhibited():
    result = check(prop1.CLAIM, max_examples=40)
    assert result.verdict == "exhibited" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)
    forms = {inst["form"] for inst, _ in result.certified}
    assert forms == {"bernoulli", "bayes"}  # the fixed examples cover both forms


@pytest.mark.parametrize(
    "params, broken",
    [
        ({"constant": 1}, {"−ln(1−p) ≤ 1·p", "sympy: min of f′ on [0, 1/2] ≥ 0"}),
        ({"halve": False}, {"KL(τ‖β) ≤ ε"}),
        ({"tau_zero": False}, {"KL(π‖τ) = ∞"}),
        ({"bayes_scale": Fraction(1, 2)}, {"KL^μ(h,m)(τ‖ξ) ≤ ln(1/w_τ)"}),
    ],
)
def test_false_variants_are_refuted(params, broken):
    result = check(prop1.make(**params), max_examples=40)
    assert result.verdict == "refuted" and not result.met
    violated = {p.name for p in result.evaluation.violated_parts()}
    assert broken <= violated
    assert result.evaluation.context == "exact"


def test_the_sympy_proof():
    proof = prop1.log_bound_proof(2)
    p = sympy.Symbol("p", real=True)
    assert proof["proved"]
    assert sympy.simplify(proof["derivative"] - (1 - 2 * p) / (1 - p)) == 0
    assert proof["f0"] == 0 and proof["min_derivative"] == 0 and proof["negative_on"] == sympy.EmptySet
    # With the constant 1 the monotonicity step fails (f′ = −p/(1−p) < 0 on (0, 1/2]): no proof, and rightly so.
    weak = prop1.log_bound_proof(1)
    assert not weak["proved"] and weak["min_derivative"] == -1
    assert weak["negative_on"] == sympy.Interval.Lopen(0, sympy.Rational(1, 2))
    # The largest constant the argument proves is 2: 3/2 fails too (f′ < 0 on (1/3, 1/2]).
    assert not prop1.log_bound_proof(Fraction(3, 2))["proved"]


def test_hand_derived_bernoulli_numbers():
    # ε = 1/10: p = 1/20, KL(τ‖β) = −ln(19/20) = ln(20/19) ≈ 0.0513 ≤ 2p = 1/10 ≤ ε.
    ev = prop1.CLAIM.evaluate({"form": "bernoulli", "epsilon": Fraction(1, 10)}, "exact")
    parts = {p.name: p for p in ev.parts}
    assert parts["KL(π‖β) ≤ ε"].lhs == 0
    assert parts["KL(τ‖β) ≤ ε"].lhs == LogLinear.log(Fraction(20, 19))
    assert parts["KL(π‖τ) = ∞"].lhs == float("inf")
    assert parts["2·p ≤ ε"].lhs == Fraction(1, 10)
    # ε above 1: p = 1/2, KL(τ‖β) = ln 2.
    ev = prop1.CLAIM.evaluate({"form": "bernoulli", "epsilon": Fraction(5)}, "exact")
    assert ev.holds and ev.parts[1].lhs == LogLinear.log(2)


def test_hand_derived_bayesian_numbers():
    # ξ = ½·const(0) + ½·fair coin, three steps: ξ(000) = ½ + ½·⅛ = 9/16, so KL(τ‖ξ) = ln(16/9) ≤ ln 2;
    # π = fair: KL(π‖ξ) = ⅞·ln(1/8 ÷ 1/16) + ⅛·ln(1/8 ÷ 9/16) = ⅞ ln 2 + ⅛ ln(2/9) ≤ ln 2.
    x = prop1.examples()[2]
    ev = prop1.CLAIM.evaluate(x, "exact")
    assert ev.holds
    parts = {p.name: p for p in ev.parts}
    assert parts["worst-case KL(h,m)(τ‖ξ) ≤ ln(1/w_τ)"].lhs == LogLinear.log(Fraction(16, 9))
    assert parts["KL^μ(h,m)(τ‖ξ) ≤ ln(1/w_τ)"].rhs == LogLinear.log(2)
    expected = LogLinear.log(2) * Fraction(7, 8) + LogLinear.log(Fraction(2, 9)) * Fraction(1, 8)
    assert parts["KL^μ(h,m)(π‖ξ) ≤ ln(1/w_π)"].lhs == expected
    assert parts["KL^μ(h,m)(π‖τ) = ∞"].lhs == float("inf")


def test_certificates_replay(tmp_path):
    weak = prop1.make(constant=1, id="prop1-constant-1")
    refuted = check(weak, max_examples=20)
    cert = make_certificate(weak, refuted.counterexample, kind="refutation", evaluation=refuted.evaluation)
    path = tmp_path / "refutation.json"
    write(cert, path)
    assert replay(path, claim=weak).ok
    found = check(prop1.CLAIM, max_examples=10)
    instance, ev = found.certified[0]
    witness = tmp_path / "witness.json"
    write(make_certificate(prop1.CLAIM, instance, kind="witness", evaluation=ev), witness)
    assert replay(witness).ok

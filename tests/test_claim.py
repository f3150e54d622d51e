"""The claim pipeline: validation, evaluation with infinities, search, certification, verdicts, determinism."""

import math
from fractions import Fraction

import pytest
from hypothesis import strategies as st

import theory
from proofs_checks import Claim, ClaimError, Part, check, strategies as S
from proofs_checks.claim import certify


def _kl_claim(**overrides):
    args = dict(id="kl-nonneg", title="KL ≥ 0", given={"p": S.distributions(2), "q": S.distributions(2)},
                lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a), relation=">=", rhs=lambda x, a: 0)
    args.update(overrides)
    return Claim(**args)


@pytest.mark.parametrize("bad, message", [
    (dict(kind="lemma"), "kind 'lemma'"),
    (dict(relation="=<"), "relation '=<'"),
    (dict(id="has space"), "without spaces"),
    (dict(given={"p": [0.5, 0.5]}), "not a hypothesis strategy"),
    (dict(rhs=None), "needs lhs, relation and rhs"),
    (dict(certify_in=("double",)), "unknown arithmetic"),
    (dict(max_examples=0), "positive integer"),
])
def test_malformed_claims_are_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        _kl_claim(**bad)


def test_a_claim_without_instances_is_rejected():
    with pytest.raises(ClaimError, match="nothing to check"):
        Claim(id="x", title="x", lhs=lambda x, a: 0, relation="<=", rhs=lambda x, a: 1)


def test_infinite_sides_compare_correctly():
    inf = math.inf
    cases = [(inf, "<=", 3, False), (3, "<=", inf, True), (inf, "<=", inf, True), (inf, "==", inf, True),
             (inf, ">", 3, True), (-inf, ">=", 0, False)]
    for lhs, rel, rhs, expected in cases:
        c = Claim(id="inf", title="inf", parts=lambda x, a, lhs=lhs, rel=rel, rhs=rhs: [Part("p", lhs, rel, rhs)],
                  examples=lambda: [{}])
        assert c.evaluate({}, "exact").holds is expected, (lhs, rel, rhs)


def test_a_true_theorem_holds_with_certified_margins():
    result = check(_kl_claim(), max_examples=40)
    assert result.verdict == "holds" and result.met
    assert result.certified and all(ev.certified and ev.holds for _, ev in result.certified)
    assert result.margin >= 0


def test_a_false_statement_is_refuted_shrunk_and_certified():
    claim = _kl_claim(relation="<=", rhs=lambda x, a: Fraction(1, 10))  # KL ≤ 1/10: false
    result = check(claim, max_examples=100)
    assert result.verdict == "refuted" and not result.met
    assert result.evaluation.context == "exact" and result.evaluation.holds is False
    # Shrunk: a two-outcome counterexample with small denominators.
    p, q = result.counterexample["p"], result.counterexample["q"]
    assert max(v.denominator for v in p + q) <= 12


def test_a_float_violation_certification_does_not_confirm_is_never_a_refutation():
    # In float 0.1 + 0.2 > 0.3; exactly, 1/10 + 2/10 = 3/10. With no tolerance the float search flags it.
    claim = Claim(id="float-trap", title="1/10 + 2/10 ≤ 3/10", given={"n": st.integers(0, 3)},
                  lhs=lambda x, a: a.convert("1/10") + a.convert("2/10"), relation="<=",
                  rhs=lambda x, a: a.convert("3/10"), tolerance=0.0)
    assert claim.evaluate({"n": 0}, "float").holds is False
    result = check(claim, max_examples=10)
    assert result.verdict == "holds"
    assert result.unconfirmed >= 1 and "not confirmed" in result.message


def test_undecided_at_the_highest_precision_tried():
    # Two separately computed logarithms of 3: ball arithmetic cannot prove their difference is 0.
    claim = Claim(id="undecidable", title="ln 3 − ln 3 ≤ 0", examples=lambda: [{}],
                  lhs=lambda x, a: a.log(a.convert(3)) - a.log(a.convert(3)), relation="<=", rhs=lambda x, a: 0,
                  certify_in=("ball:64", "ball:96"))
    result = check(claim)
    assert result.verdict == "undecided" and result.message == "undecided at 96 bits"
    # Exact arithmetic decides it.
    assert certify(claim, {}, ("exact",)).holds is True


def test_results_are_deterministic_under_a_seed():
    claim = _kl_claim(relation="<=", rhs=lambda x, a: Fraction(1, 10))
    a, b = check(claim, seed=3), check(claim, seed=3)
    assert a.counterexample == b.counterexample and a.margin == b.margin and a.examples == b.examples


def test_fixed_examples_are_certified_and_can_refute():
    good = Claim(id="fixed", title="fixed", examples=lambda: [{"x": Fraction(1, 3)}],
                 lhs=lambda x, a: a.convert(x["x"]), relation="<", rhs=lambda x, a: 1)
    assert check(good).verdict == "holds"
    bad = Claim(id="fixed-bad", title="fixed", examples=lambda: [{"x": Fraction(3, 2)}],
                lhs=lambda x, a: a.convert(x["x"]), relation="<", rhs=lambda x, a: 1)
    result = check(bad)
    assert result.verdict == "refuted" and result.counterexample == {"x": Fraction(3, 2)}


def test_kinds_name_their_verdicts():
    witness = Claim(id="w", title="w", kind="witness", examples=lambda: [{}], lhs=lambda x, a: 0, relation="<=",
                    rhs=lambda x, a: 1)
    assert check(witness).verdict == "exhibited" and check(witness).met
    table = {"columns": ["t"], "rows": [[1]]}
    illustration = Claim(id="i", title="i", kind="illustration", examples=lambda: [{}], lhs=lambda x, a: 0,
                         relation="==", rhs=lambda x, a: 0, tabulate=lambda a: table)
    result = check(illustration)
    assert result.verdict == "tabulated" and result.table == table
    conjecture = Claim(id="c", title="c", kind="conjecture", examples=lambda: [{}], lhs=lambda x, a: 2,
                       relation="<=", rhs=lambda x, a: 1)
    assert check(conjecture).verdict == "refuted" and check(conjecture).met


def test_json_record_has_the_promised_fields():
    record = check(_kl_claim(), max_examples=5).as_dict()
    assert {"id", "kind", "expected", "verdict", "margin", "examples", "seconds"} <= set(record)

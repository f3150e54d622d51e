"""The claim pipeline: validation, evaluation with infinities, search, certification, verdicts, determinism."""

import math
from fractions import Fraction

import pytest
from hypothesis import strategies as st

import theory
from proofs_checks import Claim, ClaimError, Part, check, strategies as S
from proofs_checks.claim import certify


def _kl_claim(**overrides):
    args = dict(
        id="kl-nonneg",
        title="KL ≥ 0",
        given={"p": S.distributions(2), "q": S.distributions(2)},
        lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a),
        relation=">=",
        rhs=lambda x, a: 0,
    )
    args.update(overrides)
    return Claim(**args)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(kind="lemma"), "kind 'lemma'"),
        (dict(relation="=<"), "relation '=<'"),
        (dict(id="has space"), "without spaces"),
        (dict(given={"p": [0.5, 0.5]}), "not a hypothesis strategy"),
        (dict(rhs=None), "needs lhs, relation and rhs"),
        (dict(certify_in=("double",)), "unknown arithmetic"),
        (dict(max_examples=0), "positive integer"),
    ],
)
def test_malformed_claims_are_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        _kl_claim(**bad)


def test_a_claim_without_instances_is_rejected():
    with pytest.raises(ClaimError, match="nothing to check"):
        Claim(id="x", title="x", lhs=lambda x, a: 0, relation="<=", rhs=lambda x, a: 1)


def test_infinite_sides_compare_correctly():
    inf = math.inf
    cases = [
        (inf, "<=", 3, False),
        (3, "<=", inf, True),
        (inf, "<=", inf, True),
        (inf, "==", inf, True),
        (inf, ">", 3, True),
        (-inf, ">=", 0, False),
    ]
    for lhs, rel, rhs, expected in cases:
        c = Claim(
            id="inf",
            title="inf",
            parts=lambda x, a, lhs=lhs, rel=rel, rhs=rhs: [Part("p", lhs, rel, rhs)],
            examples=lambda: [{}],
        )
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
    claim = Claim(
        id="float-trap",
        title="1/10 + 2/10 ≤ 3/10",
        given={"n": st.integers(0, 3)},
        lhs=lambda x, a: a.convert("1/10") + a.convert("2/10"),
        relation="<=",
        rhs=lambda x, a: a.convert("3/10"),
        tolerance=0.0,
    )
    assert claim.evaluate({"n": 0}, "float").holds is False
    result = check(claim, max_examples=10)
    assert result.verdict == "holds"
    assert result.unconfirmed >= 1 and "not confirmed" in result.message


def test_undecided_at_the_highest_precision_tried():
    # Two separately computed logarithms of 3: ball arithmetic cannot prove their difference is 0.
    claim = Claim(
        id="undecidable",
        title="ln 3 − ln 3 ≤ 0",
        examples=lambda: [{}],
        lhs=lambda x, a: a.log(a.convert(3)) - a.log(a.convert(3)),
        relation="<=",
        rhs=lambda x, a: 0,
        certify_in=("ball:64", "ball:96"),
    )
    result = check(claim)
    assert result.verdict == "undecided" and result.message == "undecided at 96 bits"
    # Exact arithmetic decides it.
    assert certify(claim, {}, ("exact",)).holds is True


def test_results_are_deterministic_under_a_seed():
    claim = _kl_claim(relation="<=", rhs=lambda x, a: Fraction(1, 10))
    a, b = check(claim, seed=3), check(claim, seed=3)
    assert a.counterexample == b.counterexample and a.margin == b.margin and a.examples == b.examples


def test_fixed_examples_are_certified_and_can_refute():
    good = Claim(
        id="fixed",
        title="fixed",
        examples=lambda: [{"x": Fraction(1, 3)}],
        lhs=lambda x, a: a.convert(x["x"]),
        relation="<",
        rhs=lambda x, a: 1,
    )
    assert check(good).verdict == "holds"
    bad = Claim(
        id="fixed-bad",
        title="fixed",
        examples=lambda: [{"x": Fraction(3, 2)}],
        lhs=lambda x, a: a.convert(x["x"]),
        relation="<",
        rhs=lambda x, a: 1,
    )
    result = check(bad)
    assert result.verdict == "refuted" and result.counterexample == {"x": Fraction(3, 2)}


def test_kinds_name_their_verdicts():
    witness = Claim(
        id="w", title="w", kind="witness", examples=lambda: [{}], lhs=lambda x, a: 0, relation="<=", rhs=lambda x, a: 1
    )
    assert check(witness).verdict == "exhibited" and check(witness).met
    table = {"columns": ["t"], "rows": [[1]]}
    illustration = Claim(
        id="i",
        title="i",
        kind="illustration",
        examples=lambda: [{}],
        lhs=lambda x, a: 0,
        relation="==",
        rhs=lambda x, a: 0,
        tabulate=lambda a: table,
    )
    result = check(illustration)
    assert result.verdict == "tabulated" and result.table == table
    conjecture = Claim(
        id="c",
        title="c",
        kind="conjecture",
        examples=lambda: [{}],
        lhs=lambda x, a: 2,
        relation="<=",
        rhs=lambda x, a: 1,
    )
    assert check(conjecture).verdict == "refuted" and check(conjecture).met


def test_json_record_has_the_promised_fields():
    record = check(_kl_claim(), max_examples=5).as_dict()
    assert {"id", "kind", "expected", "verdict", "margin", "examples", "seconds"} <= set(record)


# ---------------------------------------------------------------------------------------------------------------
# The staged search: small scope, random, margin optimization; evidence; error verdicts; the cross-check
# ---------------------------------------------------------------------------------------------------------------
def test_a_tiny_counterexample_is_found_by_the_small_scope_alone():
    # KL(p‖q) ≤ 1 is false already at p = (1, 0), q = (1/4, 3/4): the grid has it, no random draw needed.
    claim = _kl_claim(relation="<=", rhs=lambda x, a: 1, kind="conjecture")
    result = check(claim, max_examples=1, starts=0)
    assert result.verdict == "refuted" and result.evidence.scope_instances >= 1
    assert result.evidence.random_examples == 0  # refuted before the random stage
    assert all(v.denominator <= 4 for v in result.counterexample["p"] + result.counterexample["q"])


def test_a_boundary_counterexample_is_found_by_margin_optimization():
    # Pinsker with 2·1.001 in place of 2 fails only for nearly equal distributions (TVD below about 0.04).
    claim = Claim(
        id="pinsker-1001",
        title="TVD ≤ sqrt(KL/2.002)",
        kind="conjecture",
        given={"p": S.distributions(2), "q": S.distributions(2)},
        lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a),
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / Fraction(2002, 1000)),
    )
    assert check(claim).verdict == "refuted"  # at the default budget, whichever stage finds it
    # The grid has no counterexample (every grid pair is at least 1/12 apart); the optimizer starts from it.
    result = check(claim, scope_limit=30, max_examples=1)
    assert result.verdict == "refuted" and result.evaluation.holds is False
    assert result.evidence.starts >= 1 and result.evidence.random_examples <= 1
    p, q = result.counterexample["p"], result.counterexample["q"]
    assert 0 < theory.tvd(p, q, arith="exact") < Fraction(1, 20)


def test_holds_comes_with_nontrivial_evidence():
    result = check(_pinsker_claim())
    ev = result.evidence
    assert result.verdict == "holds"
    assert ev.scope_instances > 0 and ev.random_examples > 0 and ev.certified >= 1
    assert ev.trivial >= 1  # the grid has instances with p = q (both sides 0), and they were excluded
    # The tightest margin reported is an instance whose sides are not both zero: here p ≠ q.
    tightest = eval(ev.tightest_instance, {"Fraction": Fraction})
    assert tightest["p"] != tightest["q"] and ev.tightest >= 0 and ev.tightest_relative >= 0


def _pinsker_claim():
    return Claim(
        id="pinsker-2",
        title="TVD ≤ sqrt(KL/2)",
        given={"p": S.distributions(2), "q": S.distributions(2)},
        lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a),
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / 2),
    )


def test_a_claim_that_raises_gets_the_verdict_error_with_the_instance():
    def lhs(x, a):
        if x["n"] >= 1:
            raise ZeroDivisionError("boom")
        return 0

    claim = Claim(
        id="raises", title="raises", given={"n": st.integers(0, 3)}, lhs=lhs, relation="<=", rhs=lambda x, a: 1
    )
    result = check(claim)
    assert result.verdict == "error" and not result.met
    assert "ZeroDivisionError: boom" in result.message and result.error["instance"] == "{'n': 1}"


def test_float_and_exact_disagreeing_is_an_engine_defect():
    # A side that is wrong in float only (as a float-only engine bug would be): the verdict is error.
    def lhs(x, a):
        value = a.convert(x["p"][0])
        return value * 2 if a.name == "float" else value

    claim = Claim(
        id="float-only-bug",
        title="p0 ≤ 1",
        given={"p": S.distributions(2)},
        lhs=lhs,
        relation="<=",
        rhs=lambda x, a: a.convert(1),
    )
    result = check(claim)
    assert result.verdict == "error" and "float and exact disagree" in result.message


def test_cross_check_compares_infinities_and_nan():
    from proofs_checks.claim import Evaluation, PartResult, cross_check

    f = Evaluation("float", [PartResult("p", "<=", math.inf, 1.0, -math.inf, False)], False, -math.inf)
    e = Evaluation("exact", [PartResult("p", "<=", Fraction(2), Fraction(1), Fraction(-1), False)], False, -1.0)
    assert "lhs is inf in float" in cross_check(f, e)
    g = Evaluation("float", [PartResult("p", "<=", math.nan, 1.0, math.nan, None)], None, math.nan)
    assert "nan" in cross_check(g, e)


def test_json_record_carries_the_counterexample_exactly_and_as_floats():
    claim = _kl_claim(relation="<=", rhs=lambda x, a: Fraction(1, 10), kind="conjecture")
    record = check(claim).as_dict()
    cx = record["counterexample"]
    assert cx["arith"] == "exact" and cx["instance"]["dict"]["p"]["tuple"]
    (part,) = cx["parts"]
    assert part["holds"] is False and isinstance(part["lhs"]["float"], float) and part["lhs"]["exact"]
    assert record["evidence"]["scope_instances"] >= 1


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(budget=0), "budget"),
        (dict(budget=float("nan")), "budget"),
        (dict(max_examples=0), "max_examples"),
        (dict(scope_limit=-1), "scope_limit"),
        (dict(starts=True), "starts"),
    ],
)
def test_check_options_are_validated(bad, message):
    with pytest.raises(ClaimError, match=message):
        check(_kl_claim(), **bad)


def test_the_budget_bounds_the_time_and_is_reported():
    import time

    def slow(x, a):
        time.sleep(0.01)
        return a.convert(0)

    claim = Claim(
        id="slow",
        title="slow",
        given={"p": S.distributions(3), "q": S.distributions(3)},
        lhs=slow,
        relation="<=",
        rhs=lambda x, a: a.convert(1),
    )
    start = time.monotonic()
    result = check(claim, budget=1.0, max_examples=10_000, scope_limit=10_000)
    assert time.monotonic() - start < 4 and result.verdict == "holds"
    assert "small scope" in result.evidence.cut_by_budget and "random" in result.evidence.cut_by_budget


@pytest.mark.parametrize("bad", [True, 0, -1, 2.5, "10"])
def test_max_examples_is_a_positive_integer_in_the_claim_and_in_check(bad):
    with pytest.raises(ClaimError, match="max_examples"):
        Claim(
            id="bad-count",
            title="1 <= 2",
            given={"x": S.budgets()},
            lhs=lambda x, a: 1,
            relation="<=",
            rhs=lambda x, a: 2,
            max_examples=bad,
        )
    claim = Claim(
        id="good-count", title="1 <= 2", given={"x": S.budgets()}, lhs=lambda x, a: 1, relation="<=", rhs=lambda x, a: 2
    )
    with pytest.raises(ClaimError, match="max_examples"):
        check(claim, max_examples=bad)

"""pinsker: the check holds, and fails when the constant is tightened below 1/2."""

from fractions import Fraction

import theory
from proofs_checks import check
from proofs_checks.claims import pinsker


def test_pinsker_holds():
    result = check(pinsker.CLAIM, max_examples=30)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


def test_a_tighter_constant_is_refuted():
    # Near KL = 0 Pinsker's 1/2 is sharp: 0.4 must already fail on some one-step instance.
    result = check(pinsker.make(Fraction(2, 5), id="pinsker-0.4"), max_examples=60)
    assert result.verdict == "refuted"
    violated = result.evaluation.violated_parts()
    assert violated and violated[0].holds is False and result.evaluation.context == "exact"


def test_the_hand_computed_instance():
    # One step, π deterministic, β fair: TVD = 1/2, KL = ln 2; 1/4 <= ln(2)/2 but not <= ln(2)/4.
    pi = theory.FiniteStatePolicy.iid([1, 0])
    beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    x = {"pi": pi, "beta": beta, "env": theory.sequence_environment(2), "horizon": 1}
    assert pinsker.CLAIM.evaluate(x, "exact").holds is True
    assert pinsker.make(Fraction(1, 4)).evaluate(x, "exact").holds is False


def test_the_one_step_parts_count_bottom(monkeypatch):
    # p = (1/2, 0), q = (1/4, 1/4): ⊥ carries 1/2 under both. KL = 1/2·ln 2 (the ⊥ term is 1/2·ln 1 = 0),
    # TVD = 1/4. The independent sum and theory.kl agree exactly, and Pinsker holds with ⊥ an outcome.
    x = {
        "pi": theory.FiniteStatePolicy.iid([1, 0]),
        "beta": theory.FiniteStatePolicy.iid(["1/2", "1/2"]),
        "env": theory.sequence_environment(2),
        "horizon": 1,
        "p": (Fraction(1, 2), Fraction(0)),
        "q": (Fraction(1, 4), Fraction(1, 4)),
    }
    ev = pinsker.CLAIM.evaluate(x, "exact")
    _, one_step, reference = ev.parts
    assert ev.holds and one_step.lhs == Fraction(1, 16)
    assert reference.lhs == reference.rhs == theory.kl(["1/2", "0"], ["1/4", "1/4"], arith="exact")
    # p = (1/2, 0) abstains with 1/2 where q = (1/2, 1/2) never does: KL = ∞. A KL that drops ⊥ (the raw sum
    # over the actions, 1/2·ln 1 = 0) is caught by the reference part.
    y = dict(x, q=(Fraction(1, 2), Fraction(1, 2)))
    assert pinsker.CLAIM.evaluate(y, "exact").parts[2].lhs == float("inf")

    def without_bottom(p, q, *, arith=None, **kw):
        ctx = theory.get_context(arith)
        return sum(
            (ctx.convert(Fraction(a)) * ctx.log(ctx.convert(Fraction(a) / Fraction(b))) for a, b in zip(p, q) if a),
            ctx.convert(0),
        )

    monkeypatch.setattr(theory, "kl", without_bottom)
    ev = pinsker.CLAIM.evaluate(y, "exact")
    assert ev.holds is False and ev.violated_parts()[-1].name.startswith("theory.kl(p, q) = Σ p ln(p/q)")


def test_instances_without_the_one_step_pair_still_evaluate():
    x = {
        "pi": theory.FiniteStatePolicy.iid([1, 0]),
        "beta": theory.FiniteStatePolicy.iid(["1/2", "1/2"]),
        "env": theory.sequence_environment(2),
        "horizon": 1,
    }
    assert len(pinsker.CLAIM.parts(x, theory.get_context("exact"))) == 1

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

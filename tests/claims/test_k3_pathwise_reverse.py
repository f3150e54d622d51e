"""k3-pathwise-reverse: pathwise k3 is unbiased for ∇KL(π_ref‖π) (the reverse KL) for one token and at sequence
level; the per-token sum over two or more steps, and the forward KL as the target, are refuted exactly."""

from fractions import Fraction as F

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import k3_pathwise_reverse as k3

ln = theory.LogLinear.log


def test_holds_and_certifies_its_examples_exactly():
    result = check(k3.CLAIM, max_examples=20, scope_limit=100)
    assert result.verdict == "holds" and result.met and result.unconfirmed == 0
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.mark.parametrize(
    "params, horizons",
    [({"token_steps": "all"}, (2, 3)), ({"target_gradient": "forward"}, (1,))],
    ids=["sum", "forward"],
)
def test_false_variants_are_refuted_exactly(params, horizons):
    # One token is the true claim itself, so the token sum needs two steps or more; the small scope meets a
    # three-step counterexample first (π_ref switching rows on token 0: at two steps π and π_ref reach its
    # states equally often).
    result = check(k3.make(**params), max_examples=20)
    assert result.verdict == "refuted" and result.counterexample["horizon"] in horizons
    assert result.evaluation.context == "exact" and result.evaluation.violated_parts()


def test_hand_instances():
    one, two = k3.examples()[:2]
    # ∇k3 = (1 − r)∇ln π and E_π[(1 − r)∇ln π] = E_π[∇ln π] − E_ref[∇ln π] = π − π_ref (row of the state).
    # One token, π = (1/2, 1/2), π_ref = (1/4, 3/4): (1/4, −1/4), which is ∇KL(π_ref‖π) = π − π_ref ...
    ev = k3.CLAIM.evaluate(one, "exact")
    assert ev.holds and [(p.lhs, p.rhs) for p in ev.parts[:2]] == [(F(1, 4), F(1, 4)), (F(-1, 4), F(-1, 4))]
    # ... and not ∇KL(π‖π_ref) = (¼ ln 3, −¼ ln 3) ≈ (0.2747, −0.2747).
    forward = k3.make(target_gradient="forward").evaluate(one, "exact")
    assert forward.holds is False and [p.rhs for p in forward.parts[:2]] == [ln(3) / 4, -ln(3) / 4]
    # Two tokens (π_ref: (1/4, 3/4) until token 1, then fair). Token-level sum: step 1 gives π − π_ref = ¼, step 2
    # gives ¼ after token 0 (π: probability ½) and 0 after token 1: 3/8. The reverse KL weighs the histories by
    # π_ref (token 0 with probability ¼): ¼ + ¼·¼ = 5/16; k3 of the sequence's ratio R gives 5/16 too.
    ev = k3.CLAIM.evaluate(two, "exact")
    assert ev.holds and [(p.lhs, p.rhs) for p in ev.parts[2:4]] == [(F(5, 16), F(5, 16)), (F(-5, 16), F(-5, 16))]
    false = k3.make(token_steps="all").evaluate(two, "exact")
    assert false.holds is False and [(p.lhs, p.rhs) for p in false.parts[:1]] == [(F(3, 8), F(5, 16))]


def test_refutation_certificate_replays(tmp_path):
    variant = k3.make(token_steps="all")
    result = check(variant, max_examples=20)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "k3.json"
    write(cert, path)
    assert replay(path, claim=variant).ok
    assert not replay(path, claim=k3.CLAIM).ok

"""k2-pathwise-forward: pathwise k2 is unbiased for ∇KL(π‖π_ref) for one token and at sequence level; the per-token
sum over two or more steps is not (refuted exactly, with a replayable certificate)."""

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import k2_pathwise_forward as k2

ln = theory.LogLinear.log


def test_holds_and_certifies_its_examples_exactly():
    result = check(k2.CLAIM, max_examples=20, scope_limit=100)
    assert result.verdict == "holds" and result.met and result.unconfirmed == 0
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)
    assert result.evidence.tightest is not None  # nonzero gradients were compared, not only 0 == 0


def test_token_sum_is_refuted_at_two_steps():
    result = check(k2.make(token_steps="all"), max_examples=20)
    assert result.verdict == "refuted" and result.counterexample["horizon"] == 2
    assert result.evaluation.context == "exact" and result.evaluation.violated_parts()


def test_hand_instances():
    one, two = k2.examples()[:2]
    # One token, π = (1/2, 1/2), π_ref = (1/4, 3/4): ℓ = (ln 2, ln 2 − ln 3), KL = ½ ln(4/3), and
    # E[ℓ ∇ln π] = π_b(ℓ_b − KL) = (¼ ln 3, −¼ ln 3) = ∇KL(π‖π_ref).
    ev = k2.CLAIM.evaluate(one, "exact")
    assert ev.holds and [p.lhs for p in ev.parts[:2]] == [ln(3) / 4, -ln(3) / 4]
    # Two tokens: the second token's ℓ depends on the first (π_ref turns fair after token 1). The per-token sum
    # has the one-token term at step 1 and at step 2 after token 0 (probability ½): (3/2)·¼ ln 3 = (3/8) ln 3;
    # ∇KL over two tokens is ¼ ln 6 (see test_k1_pathwise_zero); k2 of L = ℓ_1 + ℓ_2 recovers it.
    ev = k2.CLAIM.evaluate(two, "exact")
    assert ev.holds and [p.lhs for p in ev.parts[2:4]] == [ln(6) / 4, -ln(6) / 4]
    false = k2.make(token_steps="all").evaluate(two, "exact")
    assert false.holds is False
    assert [(p.lhs, p.rhs) for p in false.parts[:1]] == [(3 * ln(3) / 8, ln(6) / 4)]
    # The difference is the cross term E[ℓ_2 ∇ln π(a_1)] = ¼·KL(π‖(1/4, 3/4)) = ¼ ln 2 − ⅛ ln 3 ≠ 0.
    assert ln(6) / 4 - 3 * ln(3) / 8 == ln(2) / 4 - ln(3) / 8


def test_refutation_certificate_replays(tmp_path):
    variant = k2.make(token_steps="all")
    result = check(variant, max_examples=20)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "k2.json"
    write(cert, path)
    assert replay(path, claim=variant).ok
    assert not replay(path, claim=k2.CLAIM).ok

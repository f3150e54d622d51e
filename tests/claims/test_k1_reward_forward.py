"""k1-reward-forward: k1 in the reward (score function, rewards to go) is unbiased for ∇KL(π‖π_ref) at any
horizon, on-policy and from π_old with the sequence's importance weight; per-token ratios and no ratio are refuted
exactly."""

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import k1_reward_forward as k1r

ln = theory.LogLinear.log


def test_holds_and_certifies_its_examples_exactly():
    result = check(k1r.CLAIM, max_examples=20, scope_limit=100)
    assert result.verdict == "holds" and result.met and result.unconfirmed == 0
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.mark.parametrize("ratio, horizon", [("token", 2), (None, 1)], ids=["token", "none"])
def test_false_variants_are_refuted_exactly(ratio, horizon):
    result = check(k1r.make(ratio=ratio), max_examples=20)
    assert result.verdict == "refuted" and result.counterexample["horizon"] == horizon
    violated = result.evaluation.violated_parts()
    assert result.evaluation.context == "exact" and violated
    assert all(p.name.startswith("from π_old") for p in violated)  # the on-policy parts hold there


def test_hand_instance():
    # Two tokens: π = (1/2, 1/2) i.i.d.; π_ref plays (1/4, 3/4) until token 1, then (1/2, 1/2); π_old = (1/4, 3/4).
    x = k1r.examples()[1]
    target = ln(6) / 4  # ∇KL(π‖π_ref) over the two tokens, component θ[0,0] (see test_k1_pathwise_zero)
    ev = k1r.CLAIM.evaluate(x, "exact")
    assert ev.holds and all(p.rhs == (target if i % 2 == 0 else -target) for i, p in enumerate(ev.parts))
    # Per-token ratios: step 1's term E_π[s_1 (ℓ_1 + E_old[ℓ_2 | a_1])] has the second token drawn from π_old:
    # after token 0, E_old[ℓ_2] = ¼ ln 2 + ¾ ln(2/3) = ln 2 − ¾ ln 3 (not KL = ln 2 − ½ ln 3), and step 2's term
    # is weighted by P_old(a_1 = 0) = ¼ (not ½). Total: ¼ ln 3 + ¼(ln 2 − ¾ ln 3) + ¼·¼ ln 3 = ¼ ln 2 + ⅛ ln 3.
    token = k1r.make(ratio="token").evaluate(x, "exact")
    off = token.parts[-2]
    assert token.holds is False and off.name.startswith("from π_old") and off.lhs == ln(2) / 4 + ln(3) / 8
    assert off.rhs == target and target - off.lhs == ln(3) / 8
    # No ratio at all: everything under π_old: −(3/16) ln 2 + (3/8) ln 3.
    none = k1r.make(ratio=None).evaluate(x, "exact")
    assert none.holds is False and none.parts[-2].lhs == -3 * ln(2) / 16 + 3 * ln(3) / 8


def test_refutation_certificate_replays(tmp_path):
    variant = k1r.make(ratio=None)
    result = check(variant, max_examples=20)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "k1r.json"
    write(cert, path)
    assert replay(path, claim=variant).ok
    assert not replay(path, claim=k1r.CLAIM).ok

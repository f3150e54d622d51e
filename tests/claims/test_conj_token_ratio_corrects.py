"""conj-token-ratio-corrects: refuted under several seeds with a shrunk (two tokens), certified, replayable
counterexample, whose numbers are checked by hand: the per-token ratio even flips the sign of a component."""

from fractions import Fraction as F

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_token_ratio_corrects as conj

# The budget `mightnt check` gives the built-in claims: a guard the count-sized search stays well inside.
from proofs_checks.registry import PAPER_BUDGET

ln = theory.LogLinear.log


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refuted_under_several_seeds(seed):
    result = check(conj.CLAIM, seed=seed, budget=PAPER_BUDGET)
    assert result.verdict == "refuted" and result.met and result.evaluation.context == "exact"
    assert result.counterexample["horizon"] == 2  # one token holds: shrunk to two
    assert all(p.name.startswith("from π_old") for p in result.evaluation.violated_parts())


def test_the_shrunk_counterexample_by_hand():
    result = check(conj.CLAIM, budget=PAPER_BUDGET)
    x = result.counterexample
    # π: fair in state 0; token 0 moves it to state 1, which plays (3/4, 1/4). π_ref and π_old are fair.
    assert x["pi"].emission("exact").tolist() == [[F(1, 2), F(1, 2)], [F(3, 4), F(1, 4)]]
    assert x["ref"].emission("exact").tolist() == x["pi_old"].emission("exact").tolist() == [[F(1, 2), F(1, 2)]]
    # ℓ = 0 at step 1; after token 0, ℓ_2 = (ln(3/2), ln(1/2)). θ[0,0] collects s_1 times the reward to go: with
    # a_2 from π, E[ℓ_2 | a_1 = 0] = KL((3/4, 1/4)‖fair) = ¾ ln 3 − ln 2 > 0; from π_old (ρ_1 = 1, but a_2 drawn
    # fair) it is ½ ln(3/4) = ½ ln 3 − ln 2 < 0. Times ½·½ (P(a_1 = 0), score ½): the sign flips.
    parts = result.evaluation.parts  # 4 logits × (on-policy token level, on-policy sequence level, from π_old)
    on, off = parts[0], parts[8]
    assert on.name.endswith("θ[0,0]") and off.name.startswith("from π_old") and off.name.endswith("θ[0,0]")
    assert on.lhs == on.rhs == -ln(2) / 4 + 3 * ln(3) / 16
    assert off.lhs == -ln(2) / 4 + ln(3) / 8 and off.rhs == on.rhs and off.holds is False
    assert float(off.lhs) < 0 < float(off.rhs)


def test_certificate_replays(tmp_path):
    result = check(conj.CLAIM)
    cert = make_certificate(conj.CLAIM, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path).ok

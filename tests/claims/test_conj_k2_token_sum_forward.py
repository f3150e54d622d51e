"""conj-k2-token-sum-forward: refuted under several seeds with a shrunk (two tokens, one-state π), certified,
replayable counterexample, whose numbers are checked by hand."""

import pytest

import theory
from proofs_checks import check, registry
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_k2_token_sum_forward as conj

# The budget `mightnt check` gives the built-in claims: a guard the count-sized search stays well inside.
from proofs_checks.registry import PAPER_BUDGET

ln = theory.LogLinear.log


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refuted_under_several_seeds(seed):
    result = check(conj.CLAIM, seed=seed, budget=PAPER_BUDGET)
    assert result.verdict == "refuted" and result.met and result.evaluation.context == "exact"
    x = result.counterexample
    assert x["horizon"] == 2 and x["pi"].n_states == 1 and x["pi"].n_actions == 2  # shrunk: two tokens


def test_the_shrunk_counterexample_by_hand():
    result = check(conj.CLAIM, budget=PAPER_BUDGET)
    x = result.counterexample
    # π fair; π_ref fair in its start state, (3/4, 1/4) once token 0 has been seen. Per-token k2: step 2 after token
    # 0 (probability ½) gives π_b(ℓ_b − KL) with ℓ = (ln(2/3), ln 2), KL = ½ ln(4/3): −⅛ ln 3 for θ[0,0]. The KL
    # gradient adds the cross term E[ℓ_2 ∇ln π(a_1)] = ½·(½·KL) = ⅛ ln(4/3): ¼ ln 2 − ¼ ln 3.
    assert x["pi"].emission("exact").tolist() == [[theory.arith.to_fraction("1/2")] * 2]
    part = result.evaluation.parts[0]
    assert part.lhs == -ln(3) / 8 and part.rhs == ln(2) / 4 - ln(3) / 4 and part.holds is False


def test_certificate_replays(tmp_path):
    result = check(conj.CLAIM)
    cert = make_certificate(conj.CLAIM, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path).ok and registry.get(conj.CLAIM.id) is conj.CLAIM

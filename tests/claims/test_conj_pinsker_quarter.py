"""conj-pinsker-quarter: refuted with a shrunk, certified, replayable counterexample; the true constant holds."""

from fractions import Fraction

import pytest

from proofs_checks import check

# The budget `mightnt check` gives the paper's claims: a guard the count-sized search stays well inside, so a
# loaded machine does not cut the search (and its shrinking) short.
from proofs_checks.registry import PAPER_BUDGET
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_pinsker_quarter, pinsker


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refuted_under_several_seeds(seed):
    result = check(conj_pinsker_quarter.CLAIM, seed=seed, budget=PAPER_BUDGET)
    assert result.verdict == "refuted" and result.met
    assert result.counterexample["horizon"] == 1  # shrunk to a single step


def test_certificate_replays(tmp_path):
    result = check(conj_pinsker_quarter.CLAIM)
    cert = make_certificate(
        conj_pinsker_quarter.CLAIM, result.counterexample, kind="refutation", evaluation=result.evaluation
    )
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path).ok


def test_the_true_constant_is_not_refuted():
    result = check(pinsker.make(Fraction(1, 2), id="pinsker-half", kind="conjecture"), max_examples=40)
    assert result.verdict == "holds" and not result.met

"""Every seeded engine bug is caught by the claims named for it, with a clean verdict (no traceback), and the
same claims are met on the unmutated code. Each run is a subprocess on a mutated copy (see
:mod:`tests.mutation.mutants`); the catching claims are chosen narrowly to keep this file near a minute."""

from pathlib import Path

import pytest

from tests.mutation import mutants as M


@pytest.mark.parametrize("mutant", M.MUTANTS, ids=lambda m: m.name)
def test_the_original_text_occurs_exactly_once(mutant):
    # Fails loudly (before any subprocess) when the code a mutant targets has moved.
    text = (M.REPO / mutant.path).read_text(encoding="utf-8")
    assert text.count(mutant.old) == 1, f"{mutant.name}: update its original text in {mutant.path}"
    assert mutant.catching, f"{mutant.name} names no catching claim"


def test_the_catching_claims_are_met_without_a_mutant():
    claims = sorted({c for m in M.MUTANTS for c in m.catching})
    result = M.run(None, claims, timeout=600)
    assert result.status == "clean" and result.exit_code == 0, (result.not_met, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert Path(result.theory_file).parts[-2:] == ("theory", "__init__.py")
    assert not Path(result.theory_file).resolve().is_relative_to(M.REPO)  # the copy was imported, not the repo


@pytest.mark.parametrize("mutant", M.MUTANTS, ids=lambda m: m.name)
def test_each_mutant_is_caught(mutant):
    result = M.run(mutant, list(mutant.catching), timeout=600)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.exit_code not in (0, None) and result.status == "caught", (result.status, result.not_met)
    assert set(mutant.catching) <= {claim for claim, _ in result.not_met}
    assert all(verdict in ("refuted", "error", "undecided") for _, verdict in result.not_met)
    assert not Path(result.theory_file).resolve().is_relative_to(M.REPO)


def test_an_unmutated_run_of_a_claim_is_not_a_catch():
    # The harness does not call an all-met run caught.
    status, not_met = M.classify(0, '{"claims": [{"id": "pinsker", "verdict": "holds", "met": true}]}', "")
    assert (status, not_met) == ("MISSED", [])

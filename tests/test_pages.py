"""The claims' pages open with the header generated from their Claim (statement, how, kind, reference), every
built-in claim (the paper's and the KL-estimator lab's) has a page and every page a claim; editing the header
alone, or the Claim alone, is caught."""

import copy
import shutil

import pytest

from proofs_checks import pages, registry


def test_every_page_header_is_generated_from_its_claim():
    assert pages.stale() == []


def test_every_claim_has_a_page_and_every_page_a_claim():
    assert sorted(p.stem for p in pages.DOCS.glob("*.md")) == sorted(registry.BUILTIN)


@pytest.fixture
def docs_copy(tmp_path):
    folder = tmp_path / "claims"
    shutil.copytree(pages.DOCS, folder)
    return folder


def test_a_header_edited_by_hand_is_stale(docs_copy):
    path = pages.page_path("thm1-novel-situations", docs_copy)
    text = path.read_text(encoding="utf-8")
    assert "1–6, 13 or 31 steps" in text
    path.write_text(text.replace("1–6, 13 or 31 steps", "up to 30 steps", 1), encoding="utf-8")
    assert pages.stale(docs_copy) == [
        "thm1-novel-situations.md: its header is not the one generated from the "
        "claim; rerun python -m proofs_checks.pages"
    ]
    assert pages.update(docs_copy) == [path]
    assert pages.stale(docs_copy) == [] and path.read_text(encoding="utf-8") == text


def test_a_claim_edited_alone_makes_its_page_stale(docs_copy):
    claims = [registry.get(i) for i in registry.BUILTIN]
    edited = copy.copy(registry.get("pinsker"))
    edited.how = edited.how.replace("horizons 1–3", "horizons 1–4")
    assert edited.how != registry.get("pinsker").how
    claims[claims.index(registry.get("pinsker"))] = edited
    assert pages.stale(docs_copy, claims) == [
        "pinsker.md: its header is not the one generated from the claim; rerun python -m proofs_checks.pages"
    ]


def test_a_missing_page_and_a_page_without_claim_are_named(docs_copy):
    (docs_copy / "pinsker.md").rename(docs_copy / "pinskerr.md")
    assert pages.stale(docs_copy) == [
        "pinsker: no page pinsker.md",
        "pinskerr.md: no claim 'pinskerr' (rename or remove the page)",
    ]


def test_update_keeps_the_prose_below_the_header(docs_copy):
    path = pages.page_path("pinsker", docs_copy)
    prose = path.read_text(encoding="utf-8").split(pages.END, 1)[1]
    path.write_text(prose.lstrip("\n"), encoding="utf-8")  # the header removed: it is written again
    assert pages.update(docs_copy) == [path]
    assert path.read_text(encoding="utf-8") == pages.header(registry.get("pinsker")) + prose


def test_the_command_checks_and_rewrites(docs_copy, capsys):
    assert pages.main(["--check", "--docs", str(docs_copy)]) == 0
    path = pages.page_path("pinsker", docs_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("**Kind:** theorem", "**Kind:** lemma"), encoding="utf-8")
    assert pages.main(["--check", "--docs", str(docs_copy)]) == 1
    assert capsys.readouterr().out.startswith("pinsker.md: its header is not")
    assert pages.main(["--docs", str(docs_copy)]) == 0
    assert capsys.readouterr().out == f"rewrote {path}\n"
    assert pages.main(["--check", "--docs", str(docs_copy)]) == 0


def test_the_command_reports_a_user_error_on_one_line(tmp_path, capsys):
    assert pages.main(["--check", "--docs", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder of claim pages" in err
    (tmp_path / "pinsker.md").write_text(pages.BEGIN + " ... -->\n# no end marker\n", encoding="utf-8")
    assert pages.main(["--docs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no end marker" in err

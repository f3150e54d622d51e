"""The claims' documentation pages (``docs/claims/<id>.md``): each opens with a header generated from its
:class:`~proofs_checks.claim.Claim`, so the short prose (title, kind, reference, statement, how it is checked)
has one source, the claim's module, and the page holds only the long prose below the header.

The header sits between two markers, :data:`BEGIN` and :data:`END`; :func:`update` rewrites it from the claims,
:func:`stale` says which pages disagree with them (the tests fail on any), and ``python -m proofs_checks.pages``
does either from the command line (``--check`` only reports; exit status 1 when a page is stale, 2 on a user
error, printed as one line).

>>> from proofs_checks import registry
>>> print(header(registry.get("conj-pinsker-quarter")))  # doctest: +ELLIPSIS
<!-- generated from the Claim in proofs_checks/claims/conj_pinsker_quarter.py: do not edit; regenerate with python -m proofs_checks.pages -->
# `conj-pinsker-quarter` — trajectory TVD ≤ sqrt(KL·1/4)
<BLANKLINE>
**Kind:** conjecture (expected verdict: `refuted`). **Module:** `proofs_checks/claims/conj_pinsker_quarter.py`.
...
<!-- end generated -->
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import registry
from .claim import Claim

__all__ = ["BEGIN", "END", "DOCS", "header", "page_path", "stale", "update", "main"]

#: The first line of every generated header (the claim's module is named after it).
BEGIN = "<!-- generated from the Claim"
#: The line that ends a generated header.
END = "<!-- end generated -->"
#: The claims' pages in a source checkout.
DOCS = Path(__file__).resolve().parent.parent / "docs" / "claims"
_COMMAND = "python -m proofs_checks.pages"


class PagesError(ValueError):
    """The pages cannot be read or written (no such folder, a page without its end marker)."""


def _module_path(claim: Claim) -> str:
    return "proofs_checks/claims/" + claim.id.replace("-", "_") + ".py"


def _markdown(text: str) -> str:
    """Prose as one Markdown line: whitespace runs collapsed, ``*`` escaped (``π*`` is not emphasis).

    >>> _markdown("π*  is optimal;\\n  π* acts")
    'π\\\\* is optimal; π\\\\* acts'
    """
    return " ".join(text.split()).replace("*", r"\*")


def header(claim: Claim) -> str:
    """The generated header of ``claim``'s page: its id and title, kind and expected verdict, module, reference,
    statement (and LaTeX), the note on what is derived here, and what is checked and how; between the markers.

    >>> from proofs_checks import registry
    >>> text = header(registry.get("pinsker"))
    >>> text.splitlines()[1], text.splitlines()[-1]
    ('# `pinsker` — Pinsker: trajectory TVD ≤ sqrt(KL/2)', '<!-- end generated -->')
    """
    module = _module_path(claim)
    lines = [
        f"{BEGIN} in {module}: do not edit; regenerate with {_COMMAND} -->",
        f"# `{claim.id}` — {_markdown(claim.title)}",
        "",
        f"**Kind:** {claim.kind} (expected verdict: `{claim.expected}`). **Module:** `{module}`.",
    ]
    if claim.reference:
        lines += ["", f"**Reference:** {_markdown(claim.reference)}"]
    if claim.statement:
        lines += ["", f"**Statement.** {_markdown(claim.statement)}"]
    if claim.latex:
        lines += ["", "```math", " ".join(claim.latex.split()), "```"]
    if claim.derived:
        lines += ["", f"**Derived here.** {_markdown(claim.derived)}"]
    if claim.how:
        lines += ["", f"**What is checked, and how.** {_markdown(claim.how)}"]
    return "\n".join(lines + [END])


def page_path(claim_id: str, folder: Path | str = DOCS) -> Path:
    """The page of the claim ``claim_id`` in ``folder``.

    >>> page_path("pinsker", "docs/claims")
    PosixPath('docs/claims/pinsker.md')
    """
    return Path(folder) / f"{claim_id}.md"


def _split(text: str, path: Path) -> tuple[str, str]:
    """A page's generated header and the rest (the header is empty when the page has none yet)."""
    if not text.startswith(BEGIN):
        return "", text
    end = text.find(END)
    if end < 0:
        raise PagesError(f"{path}: the generated header has no end marker {END!r}; restore it and rerun {_COMMAND}")
    return text[: end + len(END)], text[end + len(END) :]


def _folder(folder) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise PagesError(f"{path}: no such folder of claim pages; give --docs DOCS/claims of a source checkout")
    return path


def _claims(claims) -> list[Claim]:
    return [registry.get(i) for i in registry.BUILTIN] if claims is None else list(claims)


def stale(folder: Path | str = DOCS, claims=None) -> list[str]:
    """What disagrees between ``claims`` (default: the built-in claims) and their pages in ``folder``: a claim
    without a page, a page without a claim, a page whose header is not the one generated from its claim. Empty
    when all agree.

    >>> import tempfile
    >>> from proofs_checks import registry
    >>> claim = registry.get("pinsker")
    >>> folder = Path(tempfile.mkdtemp())
    >>> stale(folder, [claim])
    ['pinsker: no page pinsker.md']
    >>> _ = update(folder, [claim])
    >>> stale(folder, [claim])
    []
    >>> path = page_path("pinsker", folder)
    >>> _ = path.write_text(path.read_text().replace("trajectory TVD", "trajectory TV"))
    >>> stale(folder, [claim])
    ['pinsker.md: its header is not the one generated from the claim; rerun python -m proofs_checks.pages']
    """
    folder = _folder(folder)
    claims = _claims(claims)
    known = {c.id for c in claims}
    problems = []
    for claim in claims:
        path = page_path(claim.id, folder)
        if not path.exists():
            problems.append(f"{claim.id}: no page {path.name}")
        elif _split(path.read_text(encoding="utf-8"), path)[0] != header(claim):
            problems.append(f"{path.name}: its header is not the one generated from the claim; rerun {_COMMAND}")
    problems += [
        f"{path.name}: no claim {path.stem!r} (rename or remove the page)"
        for path in sorted(folder.glob("*.md"))
        if path.stem not in known
    ]
    return problems


def update(folder: Path | str = DOCS, claims=None) -> list[Path]:
    """Write each claim's generated header at the top of its page (replacing the old header; a page without
    one gets it above its text; a missing page is created with the header alone); return the pages changed."""
    folder = _folder(folder)
    changed = []
    for claim in _claims(claims):
        path = page_path(claim.id, folder)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        _, rest = _split(old, path)
        new = header(claim) + ("\n\n" + rest.lstrip("\n") if rest.strip() else "\n")
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=_COMMAND,
        description="Regenerate the headers of the claims' pages "
        "from the claims (statement, how, kind) in their modules.",
    )
    parser.add_argument("--check", action="store_true", help="only list the pages that disagree with the claims")
    parser.add_argument(
        "--docs",
        default=str(DOCS),
        metavar="FOLDER",
        help="the folder of claim pages (default: docs/claims of this checkout)",
    )
    return parser


def main(argv=None) -> int:
    """``python -m proofs_checks.pages [--check] [--docs FOLDER]``: regenerate the claims' page headers, or with
    ``--check`` list the stale ones. Exit status 0 (all agree, or rewritten), 1 (``--check``: some are stale),
    2 (a user error, one line on standard error).

    >>> main(["--check", "--docs", "/no/such/folder"])
    2
    """
    args = _parser().parse_args(argv)
    try:
        if args.check:
            problems = stale(args.docs)
            for problem in problems:
                print(problem)
            return 1 if problems else 0
        for path in update(args.docs):
            print(f"rewrote {path}")
    except (PagesError, OSError) as err:
        sys.stderr.write(f"{_COMMAND}: error: {' '.join(str(err).split())}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

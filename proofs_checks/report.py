"""Reports of check results: a plain table, JSON (the schema ``mightnt check --format json`` promises), Markdown.

>>> from proofs_checks.claim import CheckResult
>>> r = CheckResult("pinsker", "theorem", "holds", "holds", 0.0, 60, 0.5, message="3 instance(s) certified")
>>> print(table([r]))
claim    kind     expected  verdict  met  margin  examples  seconds
-------  -------  --------  -------  ---  ------  --------  -------
pinsker  theorem  holds     holds    yes  0       60        0.5
<BLANKLINE>
1 of 1 claims met their expected outcome.
"""

from __future__ import annotations

import json
import math

from .claim import CheckResult

__all__ = ["table", "as_json", "markdown", "render", "FORMATS"]

FORMATS = ("table", "json", "markdown")


def _margin(m) -> str:
    if m is None or (isinstance(m, float) and math.isnan(m)):
        return "-"
    if isinstance(m, float) and math.isinf(m):
        return "+inf" if m > 0 else "-inf"
    return f"{m:.4g}"


def _rows(results):
    return [[r.id, r.kind, r.expected, r.verdict, "yes" if r.met else "NO", _margin(r.margin), str(r.examples),
             f"{r.seconds:.1f}"] for r in results]


def _summary(results) -> str:
    met = sum(r.met for r in results)
    return f"{met} of {len(results)} claims met their expected outcome."


def _claim_tables(results, *, markdown: bool = False) -> str:
    """The tables illustrations tabulate (``{"columns": [...], "rows": [[...]]}``), one after another."""
    out = []
    for r in results:
        t = r.table
        if not t or not t.get("rows"):
            continue
        columns = [str(c) for c in t["columns"]]
        rows = [[str(v) for v in row] for row in t["rows"]]
        title = t.get("title", f"{r.id}")
        if markdown:
            out.append(f"**{title}**\n\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
                       + "\n".join("| " + " | ".join(row) + " |" for row in rows))
        else:
            widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
            lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
                     "  ".join("-" * w for w in widths)]
            lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
            out.append("\n".join(lines))
    return ("\n\n" + "\n\n".join(out)) if out else ""


def table(results: list[CheckResult]) -> str:
    """A fixed-width table, one claim per row, with a summary line (and any tables illustrations tabulate)."""
    header = ["claim", "kind", "expected", "verdict", "met", "margin", "examples", "seconds"]
    rows = _rows(results)
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    notes = [f"  {r.id}: {r.message}" for r in results if not r.met and r.message]
    out = "\n".join(lines) + "\n"
    if notes:
        out += "\n" + "\n".join(notes) + "\n"
    return out + "\n" + _summary(results) + _claim_tables(results)


def as_json(results: list[CheckResult]) -> str:
    """``{"claims": [{"id", "kind", "expected", "verdict", "margin", "examples", "seconds", ...}]}``."""
    return json.dumps({"claims": [r.as_dict() for r in results],
                       "met": sum(r.met for r in results), "total": len(results)}, indent=2, ensure_ascii=False)


def markdown(results: list[CheckResult]) -> str:
    """A Markdown table with a summary line."""
    header = ["claim", "kind", "expected", "verdict", "met", "margin", "examples", "seconds"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(row)) + " |" for row in _rows(results)]
    return "\n".join(lines) + "\n\n" + _summary(results) + _claim_tables(results, markdown=True)


def render(results: list[CheckResult], fmt: str) -> str:
    """The report in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    return {"table": table, "json": as_json, "markdown": markdown}[fmt](results)

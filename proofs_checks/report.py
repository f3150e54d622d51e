"""Reports of check results: a plain table, JSON (the schema ``mightnt check --format json`` promises), Markdown.

Every format carries the evidence a verdict rests on (the small scope enumerated, random draws, optimizer
starts, instances certified, the tightest nontrivial margin), the float violations certification did not
confirm, and for refutations the certified counterexample with both sides exact and as floats. Reports are
made from records (:meth:`CheckResult.as_dict`), so results computed in worker processes report the same.

>>> from proofs_checks.claim import CheckResult
>>> r = CheckResult("pinsker", "theorem", "holds", "holds", 0.0, 60, 0.5, message="3 instance(s) certified")
>>> print(table([r]))
claim    kind     expected  verdict  met  margin  examples  seconds  evidence
-------  -------  --------  -------  ---  ------  --------  -------  ----------------------------------------
pinsker  theorem  holds     holds    yes  0       60        0.5      scope 0, random 0, starts 0, certified 0
<BLANKLINE>
1 of 1 claims met their expected outcome.
margin: ...
"""

from __future__ import annotations

import json
import math

from .claim import CheckResult

__all__ = ["table", "as_json", "markdown", "render", "records", "FORMATS", "MARGIN_NOTE"]

FORMATS = ("table", "json", "markdown")

#: What the margin column means, printed under every table.
MARGIN_NOTE = ("margin: how far from breaking the relation (rhs − lhs for ≤, lhs − rhs for ≥, −|lhs − rhs| for =); "
               "negative on a counterexample; for a verdict that holds, the tightest certified instance whose sides "
               "are not both zero")


def records(results) -> list[dict]:
    """Records (dicts) of results given as :class:`CheckResult` objects or records already."""
    return [r.as_dict() if isinstance(r, CheckResult) else r for r in results]


def _margin(m) -> str:
    if m is None or (isinstance(m, float) and math.isnan(m)):
        return "-"
    if isinstance(m, str):
        return m
    if isinstance(m, float) and math.isinf(m):
        return "+inf" if m > 0 else "-inf"
    return f"{m:.4g}"


def _evidence(e: dict) -> str:
    scope = f"scope {e.get('scope_instances', 0)}" + (" (exhausted)" if e.get("scope_exhausted") else "")
    out = (f"{scope}, random {e.get('random_examples', 0)}, starts {e.get('optimizer_starts', 0)}, "
           f"certified {e.get('certified', 0)}")
    if e.get("cut_by_budget"):
        out += "; cut by budget: " + ", ".join(e["cut_by_budget"])
    return out


def _rows(recs):
    return [[r["id"], r["kind"], r["expected"], r["verdict"], "yes" if r["met"] else "NO", _margin(r.get("margin")),
             str(r["examples"]), f"{r['seconds']:.1f}", _evidence(r.get("evidence", {}))] for r in recs]


def _summary(recs) -> str:
    met = sum(r["met"] for r in recs)
    return f"{met} of {len(recs)} claims met their expected outcome."


def _side(v: dict) -> str:
    exact, flt = v.get("exact"), v.get("float")
    if isinstance(flt, float):
        flt = f"{flt:.10g}"
    return str(flt) if exact in (None, str(flt)) or len(str(exact)) > 120 else f"{flt} (= {exact})"


def _notes(recs) -> list[str]:
    """Per-claim notes: counterexamples, errors, unconfirmed float violations, a missed outcome."""
    out = []
    for r in recs:
        lines = []
        cx = r.get("counterexample")
        if cx is not None:
            where = cx["arith"] + (f" at {cx['precision']} bits" if cx.get("precision") else "")
            lines.append(f"counterexample (certified in {where}): {cx['shown']}")
            for p in cx["parts"]:
                status = "holds" if p["holds"] else ("VIOLATED" if p["holds"] is False else "undecided")
                lines.append(f"  {p['name']}: {_side(p['lhs'])} {p['relation']} {_side(p['rhs'])}  ({status})")
        if r.get("error"):
            lines.append(r["message"])
        ev = r.get("evidence", {})
        if ev.get("unconfirmed_float_violations"):
            lines.append(f"{ev['unconfirmed_float_violations']} float violation(s) not confirmed by certification; "
                         f"worst float margin {_margin(ev.get('worst_unconfirmed_margin'))} at "
                         f"{ev.get('worst_unconfirmed_instance')}")
        if not r["met"] and not r.get("error") and cx is None and r.get("message"):
            lines.append(r["message"])
        if lines:
            out.append(f"{r['id']}:\n" + "\n".join("  " + line for line in lines))
    return out


def _claim_tables(recs, *, markdown: bool = False) -> str:
    """The tables illustrations tabulate (``{"columns": [...], "rows": [[...]]}``), one after another."""
    out = []
    for r in recs:
        t = r.get("table")
        if not t or not t.get("rows"):
            continue
        columns = [str(c) for c in t["columns"]]
        rows = [[str(v) for v in row] for row in t["rows"]]
        title = t.get("title", f"{r['id']}")
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


_HEADER = ["claim", "kind", "expected", "verdict", "met", "margin", "examples", "seconds", "evidence"]


def table(results) -> str:
    """A fixed-width table, one claim per row with its evidence, then notes (counterexamples, errors,
    unconfirmed float violations), a summary line, and any tables illustrations tabulate."""
    recs = records(results)
    rows = _rows(recs)
    widths = [max(len(_HEADER[i]), *(len(row[i]) for row in rows)) if rows else len(_HEADER[i])
              for i in range(len(_HEADER))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_HEADER, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    out = "\n".join(lines) + "\n"
    notes = _notes(recs)
    if notes:
        out += "\n" + "\n".join(notes) + "\n"
    return out + "\n" + _summary(recs) + "\n" + MARGIN_NOTE + "." + _claim_tables(recs)


def as_json(results) -> str:
    """``{"claims": [{"id", "kind", "expected", "verdict", "margin", "examples", "seconds", "evidence", ...,
    "counterexample" (refutations)}], "met", "total", "margin_note"}``."""
    recs = records(results)
    return json.dumps({"claims": recs, "met": sum(r["met"] for r in recs), "total": len(recs),
                       "margin_note": MARGIN_NOTE}, indent=2, ensure_ascii=False)


def markdown(results) -> str:
    """A Markdown table with evidence, notes and a summary line."""
    recs = records(results)
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    lines += ["| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(row)) + " |" for row in _rows(recs)]
    notes = _notes(recs)
    body = "\n".join(lines) + "\n\n" + (("```\n" + "\n".join(notes) + "\n```\n\n") if notes else "")
    return body + _summary(recs) + "\n\n" + MARGIN_NOTE + "." + _claim_tables(recs, markdown=True)


def render(results, fmt: str) -> str:
    """The report in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    return {"table": table, "json": as_json, "markdown": markdown}[fmt](results)

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
import re
from fractions import Fraction
from numbers import Integral, Rational

import numpy as np

from .claim import CheckResult

__all__ = [
    "table",
    "as_json",
    "markdown",
    "render",
    "records",
    "pretty_instance",
    "counterexample_text",
    "result_markdown",
    "FORMATS",
    "MARGIN_NOTE",
    "EXACT_HINT",
]

FORMATS = ("table", "json", "markdown")

#: What the margin column means, printed under every table.
MARGIN_NOTE = (
    "margin: how far from breaking the relation (rhs − lhs for ≤, lhs − rhs for ≥, −|lhs − rhs| for =); "
    "negative on a counterexample; for a verdict that holds, the tightest certified instance whose sides "
    "are not both zero"
)


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
    out = (
        f"{scope}, random {e.get('random_examples', 0)}, starts {e.get('optimizer_starts', 0)}, "
        f"certified {e.get('certified', 0)}"
    )
    if e.get("cut_by_budget"):
        out += "; cut by budget: " + ", ".join(e["cut_by_budget"])
    return out


def _rows(recs):
    return [
        [
            r["id"],
            r["kind"],
            r["expected"],
            r["verdict"],
            "yes" if r["met"] else "NO",
            _margin(r.get("margin")),
            str(r["examples"]),
            f"{r['seconds']:.1f}",
            _evidence(r.get("evidence", {})),
        ]
        for r in recs
    ]


def _summary(recs) -> str:
    met = sum(r["met"] for r in recs)
    return f"{met} of {len(recs)} claims met their expected outcome."


#: Exact forms up to this many characters are printed beside their floats.
_SHORT_EXACT = 40
#: Digit runs longer than this are elided in the short forms: ``2074757784…842688``.
_LONG_DIGITS = 16
#: Longer exact forms (after eliding digits) are left out of the report, with a pointer to ``--exact``.
_ELIDED_EXACT = 100
#: Printed under a counterexample whose exact forms were shortened.
EXACT_HINT = (
    "(… marks elided digits and exact forms; in full: `mightnt check --exact`, `mightnt counterexample "
    "--exact`, or report.table(results, exact=True))"
)


def _elide_digits(text: str) -> str:
    """``text`` with every long run of digits shortened to its first and last six digits around an ellipsis."""
    return re.sub(r"\d{%d,}" % _LONG_DIGITS, lambda m: f"{m.group()[:6]}…{m.group()[-6:]}", text)


def _float_text(flt) -> str:
    return f"{flt:.10g}" if isinstance(flt, float) else str(flt)


def _side(v: dict, *, exact: bool = False) -> tuple[str, str | None]:
    """A side as ``(inline text, exact form for a line of its own or None)``: the float, with its exact form
    beside it when that is short; a long exact form goes on its own line, shortened unless ``exact``."""
    text = v.get("exact", v.get("infinite", v.get("enclosure")))
    flt = _float_text(v.get("float", text))
    if text is None or str(text) == flt:
        return flt, None
    text = str(text)
    if len(text) <= _SHORT_EXACT:
        return f"{flt} (= {text})", None
    if exact:
        return flt, text
    short = _elide_digits(text)
    return flt, (short if len(short) <= _ELIDED_EXACT else f"… ({len(text)} characters)")


def _counterexample_lines(cx: dict, *, exact: bool = False) -> list[str]:
    where = cx["arith"] + (f" at {cx['precision']} bits" if cx.get("precision") else "")
    return [f"counterexample (certified in {where}):"] + counterexample_text(cx, exact=exact).splitlines()


def counterexample_text(cx: dict, *, exact: bool = False) -> str:
    """A counterexample record (:func:`proofs_checks.claim.counterexample_record`) as text: the instance as
    tables (:func:`pretty_instance`, indented), then every part with its sides as floats beside their exact
    forms (long ones on lines of their own, shortened unless ``exact``).

    >>> from fractions import Fraction
    >>> from proofs_checks.claim import Claim, counterexample_record
    >>> x = {"p": (Fraction(2, 3), Fraction(1, 3))}
    >>> c = Claim(id="half", title="p0 <= 1/2", given={}, examples=lambda: [x], lhs=lambda x, a: a.convert(x["p"][0]),
    ...           relation="<=", rhs=lambda x, a: a.convert(Fraction(1, 2)))
    >>> print(counterexample_text(counterexample_record(x, c.evaluate(x, "exact"))))
      p = (2/3, 1/3)
    claim: 0.6666666667 (= 2/3) <= 0.5 (= 1/2)  (VIOLATED)
    """
    lines = ["  " + line for line in _pretty_of_record(cx, exact=exact).splitlines()]
    elided = False
    for p in cx["parts"]:
        status = "holds" if p["holds"] else ("VIOLATED" if p["holds"] is False else "undecided")
        (lhs, lhs_exact), (rhs, rhs_exact) = _side(p["lhs"], exact=exact), _side(p["rhs"], exact=exact)
        lines.append(f"{p['name']}: {lhs} {p['relation']} {rhs}  ({status})")
        for label, form in (("lhs", lhs_exact), ("rhs", rhs_exact)):
            if form is not None:
                lines.append(f"  {label} = {form}")
                elided = elided or "…" in form
    if elided or (not exact and "…" in "\n".join(lines)):
        lines.append(EXACT_HINT)
    return "\n".join(lines)


def _pretty_of_record(cx: dict, *, exact: bool = False) -> str:
    """The instance of a counterexample record as :func:`pretty_instance` prints it: rebuilt from its exact
    JSON (so ``exact`` can print every digit), else the ``pretty`` text the worker made, else its repr."""
    if cx.get("instance") is not None:
        from .instances import InstanceError, decode

        try:
            return pretty_instance(decode(cx["instance"]), exact=exact)
        except (InstanceError, ValueError):  # a record from another version: fall back to its own texts
            pass
    return cx.get("pretty") or cx.get("shown", "")


def _notes(recs, *, exact: bool = False) -> list[str]:
    """Per-claim notes: counterexamples, errors, unconfirmed float violations, a missed outcome."""
    out = []
    for r in recs:
        lines = []
        cx = r.get("counterexample")
        if cx is not None:
            lines += _counterexample_lines(cx, exact=exact)
        if r.get("error"):
            lines.append(r["message"])
        ev = r.get("evidence", {})
        if ev.get("unconfirmed_float_violations"):
            lines.append(
                f"{ev['unconfirmed_float_violations']} float violation(s) not confirmed by certification; "
                f"worst float margin {_margin(ev.get('worst_unconfirmed_margin'))} at "
                f"{ev.get('worst_unconfirmed_instance')}"
            )
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
            out.append(
                f"**{title}**\n\n| "
                + " | ".join(columns)
                + " |\n|"
                + "---|" * len(columns)
                + "\n"
                + "\n".join("| " + " | ".join(row) + " |" for row in rows)
            )
        else:
            widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
            lines = [
                title,
                "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
                "  ".join("-" * w for w in widths),
            ]
            lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
            out.append("\n".join(lines))
    return ("\n\n" + "\n\n".join(out)) if out else ""


_HEADER = ["claim", "kind", "expected", "verdict", "met", "margin", "examples", "seconds", "evidence"]


def table(results, *, exact: bool = False) -> str:
    """A fixed-width table, one claim per row with its evidence, then notes (counterexamples, errors,
    unconfirmed float violations), a summary line, and any tables illustrations tabulate. Long exact forms
    in counterexamples are shortened unless ``exact``."""
    recs = records(results)
    rows = _rows(recs)
    widths = [
        max(len(_HEADER[i]), *(len(row[i]) for row in rows)) if rows else len(_HEADER[i]) for i in range(len(_HEADER))
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_HEADER, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    out = "\n".join(lines) + "\n"
    notes = _notes(recs, exact=exact)
    if notes:
        # A blank line between claims: a counterexample's tables make each note several lines long.
        out += "\n" + "\n\n".join(notes) + "\n"
    return out + "\n" + _summary(recs) + "\n" + MARGIN_NOTE + "." + _claim_tables(recs)


def as_json(results, *, exact: bool = False) -> str:
    """``{"claims": [{"id", "kind", "expected", "verdict", "margin", "examples", "seconds", "evidence", ...,
    "counterexample" (refutations)}], "met", "total", "margin_note"}``; exact forms are always in full."""
    recs = records(results)
    return json.dumps(
        {"claims": recs, "met": sum(r["met"] for r in recs), "total": len(recs), "margin_note": MARGIN_NOTE},
        indent=2,
        ensure_ascii=False,
    )


def markdown(results, *, exact: bool = False) -> str:
    """A Markdown table with evidence, notes and a summary line."""
    recs = records(results)
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    lines += ["| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(row)) + " |" for row in _rows(recs)]
    notes = _notes(recs, exact=exact)
    body = "\n".join(lines) + "\n\n" + (("```\n" + "\n".join(notes) + "\n```\n\n") if notes else "")
    return body + _summary(recs) + "\n\n" + MARGIN_NOTE + "." + _claim_tables(recs, markdown=True)


def render(results, fmt: str, *, exact: bool = False) -> str:
    """The report in one of :data:`FORMATS` (``exact``: print long exact forms in full).

    >>> render([], "yaml")
    Traceback (most recent call last):
    ...
    ValueError: format 'yaml' is not one of ('table', 'json', 'markdown')
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    return {"table": table, "json": as_json, "markdown": markdown}[fmt](results, exact=exact)


def result_markdown(result) -> str:
    """One result (a :class:`CheckResult` or its record) as Markdown for a notebook: the verdict, the
    evidence, the counterexample as tables with both sides of every part, and any table it tabulates.

    >>> r = CheckResult("pinsker", "theorem", "holds", "holds", 0.0, 60, 0.5, message="3 instance(s) certified")
    >>> print(result_markdown(r))
    **pinsker** (theorem): **holds**, as expected; margin 0; 60 examples in 0.5 s
    <BLANKLINE>
    evidence: scope 0, random 0, starts 0, certified 0
    <BLANKLINE>
    3 instance(s) certified
    """
    r = records([result])[0]
    met = "as expected" if r["met"] else f"**expected {r['expected']}**"
    out = [
        f"**{r['id']}** ({r['kind']}): **{r['verdict']}**, {met}; margin {_margin(r.get('margin'))}; "
        f"{r['examples']} examples in {r['seconds']:.1f} s",
        "",
        f"evidence: {_evidence(r.get('evidence', {}))}",
    ]
    if r.get("message"):
        out += ["", r["message"]]
    notes = _notes([r])
    if notes:
        # The note without its "id:" heading, which the first line already gives.
        body = notes[0].split("\n", 1)[1] if "\n" in notes[0] else notes[0]
        out += ["", "```text", "\n".join(line[2:] for line in body.splitlines()), "```"]
    return "\n".join(out) + _claim_tables([r], markdown=True)


# ---------------------------------------------------------------------------------------------------------------
# Instances as text
# ---------------------------------------------------------------------------------------------------------------
def _number(x, *, exact: bool = False) -> str:
    """An exact number as a short fraction; a long one with its digits elided and its value as a float beside
    it (as ``1 − ε`` when it is within 1e-6 of 1, where the float would read 1), unless ``exact``."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (Integral, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.10g}"
    q = Fraction(x)
    text = str(q)
    if exact or len(text) <= 2 * _LONG_DIGITS:
        return text
    gap = 1 - q
    approx = f"1 − {float(gap):.4g}" if 0 < gap < Fraction(1, 10**6) else f"{float(q):.4g}"
    return f"{_elide_digits(text)} ≈ {approx}"


def _is_number(x) -> bool:
    return isinstance(x, (Rational, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _is_history(x) -> bool:
    return (
        isinstance(x, tuple)
        and len(x) > 0
        and all(
            isinstance(step, tuple)
            and len(step) in (2, 3)
            and all(isinstance(v, (Integral, np.integer)) for v in step[:2])
            for step in x
        )
    )


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header, *rows]]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _policy_lines(p, *, exact: bool) -> tuple[str, list[str]]:
    """A finite-state policy: rows are states (the initial one starred), columns the action probabilities
    (and ⊥ when it may abstain), then the next state after each (action, observation) when it has several."""
    import theory

    em = p.emission("exact")
    kind = "softmax policy" if isinstance(p, theory.SoftmaxPolicy) else "finite-state policy"
    title = (
        f"{kind}{' ' + repr(p.name) if p.name else ''}: {_plural(p.n_states, 'state')}, "
        f"{_plural(p.n_actions, 'action')}, {_plural(p.n_observations, 'observation')}"
        + (", semi (⊥ = abstain)" if p.semi else "")
    )
    header = ["state"] + [f"a={a}" for a in range(p.n_actions)] + (["⊥"] if p.semi else [])
    pairs = [(a, o) for a in range(p.n_actions) for o in range(p.n_observations)]
    if p.n_states > 1:
        header += [f"next after (a,o)={a},{o}" if i == 0 else f"{a},{o}" for i, (a, o) in enumerate(pairs)]
    rows = []
    for s in range(p.n_states):
        row = [_state_label(p, s)] + [_number(v, exact=exact) for v in em[s]]
        if p.semi:
            row.append(_number(1 - sum(em[s]), exact=exact))
        if p.n_states > 1:
            row += [str(int(p.transition[s, a, o])) for a, o in pairs]
        rows.append(row)
    note = ["(* initial state)"] if p.n_states > 1 else []
    return title, _grid(header, rows) + note


def _state_label(machine, s: int) -> str:
    return f"{s}*" if s == machine.initial_state and machine.n_states > 1 else str(s)


def _environment_lines(e, *, exact: bool) -> tuple[str, list[str]]:
    """A finite-state environment: rows are (state, action), columns the observation probabilities, then the
    next state after each observation when it has several states."""
    em = e.emission("exact")
    title = (
        f"finite-state environment{' ' + repr(e.name) if e.name else ''}: {_plural(e.n_states, 'state')}, "
        f"{_plural(e.n_actions, 'action')}, {_plural(e.n_observations, 'observation')}"
    )
    header = ["state", "action"] + [f"o={o}" for o in range(e.n_observations)]
    if e.n_states > 1:
        header += [f"next after o={o}" if o == 0 else f"o={o}" for o in range(e.n_observations)]
    rows = []
    for s in range(e.n_states):
        for a in range(e.n_actions):
            # The state is named on its first row only: the rows below it are its other actions.
            row = [_state_label(e, s) if a == 0 else "", str(a)]
            row += [_number(v, exact=exact) for v in em[s, a]]
            if e.n_states > 1:
                row += [str(int(e.transition[s, a, o])) for o in range(e.n_observations)]
            rows.append(row)
    note = ["(* initial state)"] if e.n_states > 1 else []
    return title, _grid(header, rows) + note


def _history_text(h) -> str:
    steps = [
        f"({a}, {o})" if len(step) == 2 or step[2] else f"({a}, {o}, not the demonstrator's)"
        for step in h
        for a, o in [step[:2]]
    ]
    return " ".join(steps) + f"  [{_plural(len(steps), 'step')}]"


def _value_lines(x, *, exact: bool) -> tuple[str, list[str]]:
    """A value as ``(text after the name, indented lines below it)``."""
    import theory

    from .strategies import HistoryTableUtility

    if isinstance(x, theory.FiniteStatePolicy):
        return _policy_lines(x, exact=exact)
    if isinstance(x, theory.FiniteStateEnvironment):
        return _environment_lines(x, exact=exact)
    if isinstance(x, theory.BayesianMixture):
        title = f"Bayesian mixture of {_plural(len(x), 'component')}, updated on " + (
            "every step" if x.update == "all" else "demonstrator steps only"
        )
        lines = []
        for name, w, c in zip(x.names, x.prior, x.components):
            head, body = _value_lines(c, exact=exact)
            lines.append(f"{name}, prior {_number(w, exact=exact)}: {head}")
            lines += ["  " + line for line in body]
        if x.corpus:
            lines.append(f"conditioned on a corpus of {_plural(len(x.corpus), 'history')}:")
            lines += ["  " + _history_text(h) for h in x.corpus]
        return title, lines
    if isinstance(x, theory.FunctionPolicy) and hasattr(x.fn, "policy"):
        head, body = _value_lines(x.fn.policy, exact=exact)
        return f"a policy given as a function (the general path), with the probabilities of the {head}", body
    if isinstance(x, theory.MeanReward):
        rows = [
            [str(a)] + [_number(Fraction(v) if isinstance(v, str) else v, exact=exact) for v in x.table[a]]
            for a in range(x.n_actions)
        ]
        return (
            "mean reward over the steps, r[a, o]:",
            _grid(["action"] + [f"o={o}" for o in range(x.n_observations)], rows),
        )
    if isinstance(x, HistoryTableUtility):
        return (
            f"history-table utility: values ({', '.join(_number(v, exact=exact) for v in x.values)}), "
            f"multiplier {x.multiplier}, action coefficient {x.action_coef}, "
            f"observation coefficient {x.observation_coef}",
            [],
        )
    if isinstance(x, theory.Program):
        return f"program {x} ({x.length} bits)", []
    if _is_number(x):
        return _number(x, exact=exact), []
    if isinstance(x, (tuple, list)) and x and all(_is_number(v) for v in x):
        inner = ", ".join(_number(v, exact=exact) for v in x)
        return (f"({inner})" if isinstance(x, tuple) else f"[{inner}]"), []
    if _is_history(x):
        return _history_text(x), []
    if x == ():
        return "()  [empty]", []
    if isinstance(x, dict):
        return "", _entries(x, exact=exact)
    if isinstance(x, (tuple, list)):
        return "", _entries({f"[{i}]": v for i, v in enumerate(x)}, exact=exact)
    text = repr(x)
    return (text if exact or len(text) <= 300 else text[:300] + " …"), []


def _entries(instance: dict, *, exact: bool) -> list[str]:
    width = max((len(str(k)) for k in instance), default=0)
    out = []
    for key, value in instance.items():
        head, body = _value_lines(value, exact=exact)
        out.append(f"{str(key).ljust(width)} = {head}".rstrip())
        out += ["    " + line for line in body]
    return out


def pretty_instance(instance, *, exact: bool = False) -> str:
    """An instance (a dict of values) as text, one entry a line: finite-state policies and environments as
    tables of probabilities per state (with their transitions), mixtures as their components and prior,
    distributions as tuples of fractions, histories as (action, observation) steps. Long numbers have their
    digits elided (their value as a float beside them) unless ``exact``.

    >>> import theory
    >>> from fractions import Fraction
    >>> sticky = theory.FiniteStatePolicy([["3/4", "1/4"], ["1/4", "3/4"]], [[[0], [1]], [[0], [1]]])
    >>> print(pretty_instance({"pi": sticky, "p": (Fraction(1, 3), Fraction(2, 3)), "history": ((1, 0),)}))
    pi      = finite-state policy: 2 states, 2 actions, 1 observation
        state  a=0  a=1  next after (a,o)=0,0  1,0
        0*     3/4  1/4  0                     1
        1      1/4  3/4  0                     1
        (* initial state)
    p       = (1/3, 2/3)
    history = (1, 0)  [1 step]
    """
    if not isinstance(instance, dict):
        raise ValueError(f"an instance is a dict of named values, got {type(instance).__name__}: {instance!r:.200}")
    return "\n".join(_entries(instance, exact=exact))

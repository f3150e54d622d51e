"""Claims as objects, and the pipeline that checks them: search in float, certify in exact or ball arithmetic.

A :class:`Claim` states a relation between two sides (or several named :class:`Part` relations), written once
as functions of an *instance* (a dict of values drawn by hypothesis strategies) and an arithmetic context, so the
same code is evaluated in float (fast, to search) and in exact or ball arithmetic (to certify).

:func:`check` runs the pipeline:

1. **Search.** Hypothesis draws instances from ``given`` and evaluates them in float, steering toward the smallest
   margin (``hypothesis.target``). A float margin below ``-tolerance`` is only a *candidate*: it is re-evaluated
   in a certified context at once, and only a certified violation fails the test, so hypothesis shrinks
   certified counterexamples only. Candidates certification does not confirm are counted and reported, never
   taken as refutations.
2. **Certification.** A shrunk counterexample comes with its certified evaluation. Without one, the tightest
   instances the search saw (smallest float margins), and every fixed example of the claim, are re-evaluated in
   the certified contexts (exact first, then ball at rising precision); the verdict rests on them alone.

Verdicts: ``holds``, ``refuted``, ``exhibited`` (a witness family checked on every drawn member),
``tabulated`` (an illustration whose checkable parts hold), ``undecided`` (certification could not settle a
sign at the highest precision tried), ``error``.

>>> from proofs_checks import Claim, check, strategies as S
>>> import theory
>>> pinsker = Claim(
...     id="my-pinsker", title="Pinsker's inequality for two distributions",
...     given={"p": S.distributions(3), "q": S.distributions(3)},
...     lhs=lambda x, arith: theory.tvd(x["p"], x["q"], arith=arith),
...     relation="<=",
...     rhs=lambda x, arith: arith.sqrt(theory.kl(x["p"], x["q"], arith=arith) / 2),
... )
>>> result = check(pinsker, max_examples=30)
>>> result.verdict, result.met
('holds', True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, seed as hypothesis_seed, settings, target
from hypothesis import strategies as st

from theory.arith import Context, get_context

__all__ = [
    "Claim",
    "Part",
    "Evaluation",
    "PartResult",
    "CheckResult",
    "check",
    "certify",
    "KINDS",
    "RELATIONS",
    "ClaimError",
]

KINDS = ("theorem", "witness", "illustration", "conjecture")
RELATIONS = ("<=", "<", ">=", ">", "==")
_EXPECTED = {"theorem": "holds", "witness": "exhibited", "illustration": "tabulated", "conjecture": "refuted"}
#: Contexts tried in turn to certify an evaluation, unless a claim names its own.
DEFAULT_CERTIFY = ("exact", "ball:128", "ball:512")


class ClaimError(ValueError):
    """A claim is malformed (unknown kind or relation, missing sides, a bad option)."""


@dataclass(frozen=True)
class Part:
    """One relation ``lhs <relation> rhs`` of an evaluation (values in one arithmetic context)."""

    name: str
    lhs: object
    relation: str
    rhs: object

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ClaimError(f"relation {self.relation!r} of part {self.name!r} is not one of {RELATIONS}")


def _inf_sign(x) -> int:
    if isinstance(x, float) and math.isinf(x):
        return 1 if x > 0 else -1
    return 0


@dataclass
class PartResult:
    """A part evaluated in a context: both sides, the margin (positive or zero when the relation holds, as
    ``rhs - lhs`` for ``<=``/``<``, ``lhs - rhs`` for ``>=``/``>``, ``-|lhs - rhs|`` for ``==``), and whether it
    holds (None: undecided in this context)."""

    name: str
    relation: str
    lhs: object
    rhs: object
    margin: object
    holds: bool | None

    def margin_float(self, ctx: Context) -> float:
        return _to_float(self.margin, ctx)


def _to_float(v, ctx: Context) -> float:
    if isinstance(v, float):
        return v
    try:
        return ctx.to_float(v)
    except (TypeError, ValueError, ArithmeticError):
        return float("nan")


def _evaluate_part(part: Part, ctx: Context) -> PartResult:
    lhs, rhs, rel = part.lhs, part.rhs, part.relation
    li, ri = _inf_sign(lhs), _inf_sign(rhs)
    if li or ri:
        # At least one side infinite: decide by comparing infinities (finite values sit between -inf and inf).
        cmp = (li > ri) - (li < ri) if (li and ri) else (li if li else -ri)
        holds = {"<=": cmp <= 0, "<": cmp < 0, ">=": cmp >= 0, ">": cmp > 0, "==": cmp == 0}[rel]
        if li and ri and li == ri:
            margin = 0.0
        else:
            margin = math.inf if holds else -math.inf
        return PartResult(part.name, rel, lhs, rhs, margin, holds)
    if rel in ("<=", "<"):
        margin = rhs - lhs
    elif rel in (">=", ">"):
        margin = lhs - rhs
    else:
        margin = lhs - rhs
    try:
        s = ctx.sign(margin)
    except ArithmeticError:
        s = None
    if rel == "==":
        holds = None if s is None else (s == 0)
        if s is not None and s != 0:
            margin = -abs(margin) if ctx.dtype is object else -abs(float(margin))
        return PartResult(part.name, rel, lhs, rhs, margin, holds)
    if s is None:
        holds = None
    elif rel in ("<=", ">="):
        holds = s >= 0
    else:
        holds = s > 0
    return PartResult(part.name, rel, lhs, rhs, margin, holds)


@dataclass
class Evaluation:
    """A claim evaluated on one instance in one context: its parts, the worst margin, and whether it holds
    (None when some part is undecided and none is violated)."""

    context: str
    parts: list
    holds: bool | None
    margin: float
    prec: int | None = None

    @property
    def certified(self) -> bool:
        return self.context != "float" and self.holds is not None

    def violated_parts(self) -> list:
        return [p for p in self.parts if p.holds is False]


class Claim:
    """A checkable claim.

    Parameters (keyword-only)
    -------------------------
    id, title : str
        The id (the spec's ids for the paper's claims) and a one-line title.
    kind : ``"theorem" | "witness" | "illustration" | "conjecture"``
        What the check should find: a theorem holds, a witness family is exhibited, an illustration is
        tabulated, a (false) conjecture is refuted. ``expected`` defaults accordingly.
    given : dict of name -> hypothesis strategy, or a strategy of dicts
        How instances are drawn (a dict ``{name: value}`` is passed to the sides).
    lhs, relation, rhs : the single relation ``lhs(instance, arith) <relation> rhs(instance, arith)``; or
    parts : callable ``(instance, arith) -> list[Part]`` for several relations that must all hold.
    examples : callable ``() -> list[dict]``, optional
        Fixed instances (named toy environments) evaluated and certified on every check.
    tabulate : callable ``(arith) -> dict``, optional
        For illustrations: a table (``{"columns": [...], "rows": [...]}``) shown in reports.
    statement, latex, reference, how : str
        The claim in plain text and LaTeX, the paper reference, and what the check computes.
    certify_in : tuple of arithmetic names
        Contexts tried in turn to certify (default: exact, then ball at 128 and 512 bits).
    tolerance : float
        Float margins above ``-tolerance·(1 + |lhs| + |rhs|)`` are not treated as candidate violations.
    max_examples : int, optional
        The claim's own search size under the ``ci`` profile (expensive claims use fewer).
    keep : int
        How many of the tightest distinct instances the search saw are certified when it finds no violation.

    >>> import theory
    >>> from fractions import Fraction
    >>> from proofs_checks import strategies as S
    >>> c = Claim(id="kl-nonnegative", title="KL is non-negative", given={"p": S.distributions(2), "q": S.distributions(2)},
    ...           lhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith), relation=">=", rhs=lambda x, arith: 0)
    >>> c.evaluate({"p": (Fraction(1, 2), Fraction(1, 2)), "q": (Fraction(1), Fraction(0))}, "exact").holds
    True
    """

    def __init__(self, *, id: str, title: str, kind: str = "theorem", given: dict | None = None,
                 lhs: Callable | None = None, relation: str | None = None, rhs: Callable | None = None,
                 parts: Callable | None = None, examples: Callable | None = None, tabulate: Callable | None = None,
                 expected: str | None = None, statement: str = "", latex: str = "", reference: str = "",
                 how: str = "", certify_in: tuple = DEFAULT_CERTIFY, tolerance: float = 1e-9,
                 max_examples: int | None = None, derived: str = "", keep: int = 3):
        if not isinstance(id, str) or not id or any(c.isspace() for c in id):
            raise ClaimError(f"claim id {id!r} must be a non-empty string without spaces")
        if kind not in KINDS:
            raise ClaimError(f"kind {kind!r} of claim {id!r} is not one of {KINDS}")
        single = (lhs, relation, rhs)
        if parts is None and any(v is None for v in single) and kind != "illustration":
            raise ClaimError(f"claim {id!r} needs lhs, relation and rhs, or parts=")
        if parts is not None and any(v is not None for v in single):
            raise ClaimError(f"claim {id!r}: give either lhs/relation/rhs or parts=, not both")
        if relation is not None and relation not in RELATIONS:
            raise ClaimError(f"relation {relation!r} of claim {id!r} is not one of {RELATIONS}")
        if isinstance(given, st.SearchStrategy):
            self._strategy = given
        else:
            given = dict(given or {})
            for name, strategy in given.items():
                if not isinstance(strategy, st.SearchStrategy):
                    raise ClaimError(f"given[{name!r}] of claim {id!r} is {strategy!r}, not a hypothesis strategy")
            self._strategy = st.fixed_dictionaries(given) if given else None
        if self._strategy is None and examples is None and kind != "illustration":
            raise ClaimError(f"claim {id!r} has nothing to check: give strategies (given=) or examples=")
        if max_examples is not None and (not isinstance(max_examples, int) or max_examples < 1):
            raise ClaimError(f"max_examples {max_examples!r} of claim {id!r} must be a positive integer")
        self.id, self.title, self.kind = id, title, kind
        self.expected = expected or _EXPECTED[kind]
        self._lhs, self._relation, self._rhs, self._parts = lhs, relation, rhs, parts
        self.examples = examples
        self.tabulate = tabulate
        self.statement, self.latex, self.reference, self.how = statement, latex, reference, how
        self.derived = derived
        self.certify_in = tuple(certify_in)
        for a in self.certify_in:
            get_context(a)  # eager validation
        self.tolerance = float(tolerance)
        self.max_examples = max_examples
        if not isinstance(keep, int) or keep < 0:
            raise ClaimError(f"keep {keep!r} of claim {id!r} must be a non-negative integer")
        self.keep = keep

    @property
    def strategy(self):
        """The hypothesis strategy drawing this claim's instances (None: fixed examples only)."""
        return self._strategy

    def parts(self, instance: dict, arith) -> list[Part]:
        """The relations of this claim on one instance, evaluated in ``arith``."""
        if self._parts is not None:
            out = list(self._parts(instance, arith))
            for p in out:
                if not isinstance(p, Part):
                    raise ClaimError(f"parts of claim {self.id!r} must be Part objects, got {p!r}")
            return out
        if self._lhs is None:
            return []
        return [Part("claim", self._lhs(instance, arith), self._relation, self._rhs(instance, arith))]

    def evaluate(self, instance: dict, arith=None) -> Evaluation:
        """All parts on one instance in one context (``arith``: a name or a Context)."""
        ctx = get_context(arith)
        with ctx.scope():
            results = [_evaluate_part(p, ctx) for p in self.parts(instance, ctx)]
        holds: bool | None
        if any(r.holds is False for r in results):
            holds = False
        elif all(r.holds for r in results):
            holds = True
        else:
            holds = None
        margins = [r.margin_float(ctx) for r in results]
        margin = min(margins) if margins else math.inf
        return Evaluation(ctx.name, results, holds, margin, getattr(ctx, "prec", None))

    def float_candidate(self, ev: Evaluation) -> bool:
        """Whether a float evaluation looks like a violation (beyond the tolerance)."""
        for r in ev.parts:
            m = r.margin_float(get_context("float"))
            if math.isnan(m):
                return True
            scale = 1.0
            for side in (r.lhs, r.rhs):
                try:
                    v = abs(float(side))
                    if math.isfinite(v):
                        scale += v
                except (TypeError, ValueError, OverflowError):
                    pass
            if m < -self.tolerance * scale:
                return True
        return False

    def __repr__(self) -> str:
        return f"<Claim {self.id} ({self.kind}, expected {self.expected})>"


def certify(claim: Claim, instance: dict, contexts=None) -> Evaluation:
    """Evaluate ``instance`` in the claim's certified contexts in turn until every part is decided.

    Returns the first decided evaluation; if none decides, the last one (``holds is None``)."""
    last = None
    for name in contexts or claim.certify_in:
        try:
            ev = claim.evaluate(instance, name)
        except ArithmeticError:
            continue
        if ev.holds is not None:
            return ev
        last = ev
    if last is None:
        ctx = get_context((contexts or claim.certify_in)[-1])
        last = Evaluation(ctx.name, [], None, float("nan"), getattr(ctx, "prec", None))
    return last


@dataclass
class CheckResult:
    """The outcome of :func:`check`."""

    id: str
    kind: str
    expected: str
    verdict: str
    margin: float
    examples: int
    seconds: float
    counterexample: dict | None = None
    evaluation: Evaluation | None = None
    certified: list = field(default_factory=list)
    unconfirmed: int = 0
    table: dict | None = None
    message: str = ""

    @property
    def met(self) -> bool:
        """Whether the verdict is the claim's expected outcome."""
        return self.verdict == self.expected

    def as_dict(self) -> dict:
        """The JSON record of ``mightnt check --format json``."""
        margin = self.margin
        return {
            "id": self.id,
            "kind": self.kind,
            "expected": self.expected,
            "verdict": self.verdict,
            "margin": None if margin is None or (isinstance(margin, float) and math.isnan(margin))
            else (str(margin) if isinstance(margin, float) and math.isinf(margin) else margin),
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "met": self.met,
            "unconfirmed_float_violations": self.unconfirmed,
            "message": self.message,
        }


class _Violation(Exception):
    def __init__(self, instance, evaluation):
        super().__init__(f"certified violation: {evaluation.violated_parts()}")
        self.instance = instance
        self.evaluation = evaluation


def check(claim: Claim, *, max_examples: int | None = None, seed: int = 0, keep: int | None = None,
          progress: Callable | None = None, tabulate: bool = True) -> CheckResult:
    """Search for violations of ``claim`` in float, then certify (see the module docstring).

    ``max_examples`` bounds the hypothesis search (default: the claim's own, else 100); ``seed`` makes the run
    deterministic; ``keep`` (default: the claim's) is how many of the tightest instances are certified when no
    violation is found;
    ``progress(claim_id, done, total)`` is called as examples are evaluated; ``tabulate=False`` skips an
    illustration's table (tests that only want the verdict).

    >>> from proofs_checks import Claim, strategies as S
    >>> import theory
    >>> false_pinsker = Claim(id="pinsker-quarter", title="TVD ≤ sqrt(KL/4)", kind="conjecture",
    ...     given={"p": S.distributions(2), "q": S.distributions(2)},
    ...     lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a), relation="<=",
    ...     rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / 4))
    >>> r = check(false_pinsker, max_examples=50)
    >>> r.verdict, r.met, r.evaluation.context
    ('refuted', True, 'exact')
    """
    start = time.perf_counter()
    total = max_examples or claim.max_examples or 100
    keep = claim.keep if keep is None else keep
    tight: list = []  # (float margin, draw index, instance, repr), the tightest distinct instances seen
    count = [0]
    unconfirmed = [0]
    violation: _Violation | None = None

    def consider(instance):
        count[0] += 1
        if progress is not None:
            progress(claim.id, count[0], total)
        ev = claim.evaluate(instance, "float")
        m = ev.margin if not math.isnan(ev.margin) else -math.inf
        target(max(min(-m, 1e300), -1e300), label="closeness to violation")
        shown = repr(instance)
        if all(shown != t[3] for t in tight):
            tight.append((m, count[0], instance, shown))
            tight.sort(key=lambda t: (t[0], t[1]))
            del tight[keep:]
        if claim.float_candidate(ev):
            cert = certify(claim, instance)
            if cert.holds is False:
                raise _Violation(instance, cert)
            unconfirmed[0] += 1

    if claim.strategy is not None:
        strategy = claim.strategy

        @settings(max_examples=total, deadline=None, database=None, derandomize=False,
                  verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
                  suppress_health_check=list(HealthCheck),
                  phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink))
        @hypothesis_seed(seed)
        @given(strategy)
        def search(instance):
            consider(instance)

        try:
            search()
        except _Violation as v:
            violation = v
    fixed = claim.examples() if claim.examples is not None else []
    certified: list = []
    if violation is None:
        for instance in fixed:
            count[0] += 1
            cert = certify(claim, instance)
            certified.append((instance, cert))
            if cert.holds is False:
                violation = _Violation(instance, cert)
                break
    if violation is None:
        for _, _, instance, _ in tight:
            cert = certify(claim, instance)
            certified.append((instance, cert))
            if cert.holds is False:
                violation = _Violation(instance, cert)
                break
    table = claim.tabulate(get_context("float")) if tabulate and claim.tabulate is not None else None
    seconds = time.perf_counter() - start
    if violation is not None:
        ev = violation.evaluation
        return CheckResult(claim.id, claim.kind, claim.expected, "refuted", ev.margin, count[0], seconds,
                           counterexample=violation.instance, evaluation=ev, certified=certified,
                           unconfirmed=unconfirmed[0], table=table,
                           message=f"certified in {ev.context}" + (f" at {ev.prec} bits" if ev.prec else ""))
    undecided = [c for _, c in certified if c.holds is None]
    margins = [c.margin for _, c in certified if c.holds]
    margin = min(margins) if margins else (tight[0][0] if tight else math.nan)
    if undecided:
        prec = max((c.prec or 0) for c in undecided)
        verdict, message = "undecided", f"undecided at {prec} bits" if prec else "undecided"
    else:
        verdict = {"theorem": "holds", "conjecture": "holds", "witness": "exhibited",
                   "illustration": "tabulated"}[claim.kind]
        message = f"{len(certified)} instance(s) certified"
        if unconfirmed[0]:
            message += f"; {unconfirmed[0]} float violation(s) not confirmed by certification"
    return CheckResult(claim.id, claim.kind, claim.expected, verdict, margin, count[0], seconds,
                       certified=certified, unconfirmed=unconfirmed[0], table=table, message=message)

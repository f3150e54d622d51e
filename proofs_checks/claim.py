"""Claims as objects, and the pipeline that checks them: search in float, certify in exact or ball arithmetic.

A :class:`Claim` states a relation between two sides (or several named :class:`Part` relations), written once
as functions of an *instance* (a dict of values drawn by hypothesis strategies) and an arithmetic context, so the
same code is evaluated in float (fast, to search) and in exact or ball arithmetic (to certify).

:func:`check` runs the pipeline, within a time budget per claim:

1. **Small scope, exhaustively** (:mod:`proofs_checks.scope`). The claim's strategy is run against a
   deterministic chooser that enumerates its smallest instances tier by tier: 1–2 states, |A|, |O| ≤ 2,
   horizons 1–2, 1–3 components, probabilities on {0, ¼, ⅓, ½, ⅔, ¾, 1} and near-boundary values. Users'
   composite strategies built from the exported ones get this for free.
2. **Random search.** Hypothesis draws instances and evaluates them in float, steering toward the smallest
   margin (``hypothesis.target``).
3. **Margin optimization** (:mod:`proofs_checks.refine`). From the tightest distinct instances, the margin is
   minimized over the continuous parameters (scipy, several starts); the minimizers are rationalized to nearby
   simple fractions, for counterexamples that live only near a boundary.

In every stage a float margin below ``-tolerance`` is only a *candidate*: it is certified at once (exact first,
then ball at rising precision) and only a certified violation refutes; hypothesis shrinks certified
counterexamples only. Candidates certification does not confirm are counted and reported. Without a violation,
the tightest nontrivial instances and every fixed example of the claim are certified; the verdict rests on them.
Every certified instance is evaluated in float too: a disagreement beyond float tolerance is an engine defect,
and the verdict becomes ``error``, as it does when the claim's own code raises. The result carries its
:class:`Evidence`: what each stage did and the tightest nontrivial margin.

Verdicts: ``holds``, ``refuted``, ``exhibited`` (a witness family checked on every drawn member),
``tabulated`` (an illustration whose checkable parts hold), ``undecided`` (certification could not settle a
sign at the highest precision tried), ``error`` (the claim raised, or float and certified arithmetic disagree).

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
    "Evidence",
    "cross_check",
    "counterexample_record",
    "ClaimSideError",
    "variant_title",
]

KINDS = ("theorem", "witness", "illustration", "conjecture")
RELATIONS = ("<=", "<", ">=", ">", "==")
_EXPECTED = {"theorem": "holds", "witness": "exhibited", "illustration": "tabulated", "conjecture": "refuted"}
#: Contexts tried in turn to certify an evaluation, unless a claim names its own.
DEFAULT_CERTIFY = ("exact", "ball:128", "ball:512")


def _is_count(value) -> bool:
    """None (the default) or a positive integer (not a bool): what ``max_examples`` may be."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)


class ClaimError(ValueError):
    """A claim is malformed (unknown kind or relation, missing sides, a bad option)."""


class ClaimSideError(ClaimError):
    """A claim's own code failed on an instance: a side (``lhs``, ``rhs``, or the ``parts`` function) raised,
    or returned something that is not a number (a string, None, a list). The message names the claim, the side
    and the instance; ``claim_id``, ``side``, ``instance`` and ``cause`` (the exception raised, if any) keep
    them.

    >>> c = Claim(id="typo", title="a side returns text", examples=lambda: [{"x": 1}],
    ...           lhs=lambda x, a: "1", relation="<=", rhs=lambda x, a: 2)
    >>> c.evaluate({"x": 1}, "exact")
    Traceback (most recent call last):
    ...
    proofs_checks.claim.ClaimSideError: claim 'typo': lhs returned '1' (a str), not a number or a value of the exact arithmetic, at instance {'x': 1}
    """

    def __init__(self, claim_id: str, side: str, instance, problem: str, cause: BaseException | None = None):
        super().__init__(claim_id, side, problem)
        self.claim_id, self.side, self.instance, self.problem, self.cause = claim_id, side, instance, problem, cause

    def describe(self, *, instance: bool = True) -> str:
        """The message, with or without the instance (a report that shows the instance already omits it)."""
        text = f"claim {self.claim_id!r}: {self.side} {self.problem}"
        return text + (f", at instance {_show(self.instance, 300)}" if instance else "")

    def __str__(self) -> str:  # built when shown: the optimizer meets many errors and shows few
        return self.describe()


class ClaimSideArithmeticError(ClaimSideError, ArithmeticError):
    """A side raised an ``ArithmeticError`` (division by zero, an undecided comparison): still one, so the
    contexts that certify fall back as they do for the engine's own arithmetic errors."""


_VALUE_TYPES: tuple = ()


def _is_value(value) -> bool:
    """A side's value: a number (int, Fraction, float, numpy scalar) or a value of an arithmetic context."""
    global _VALUE_TYPES
    if not _VALUE_TYPES:  # built once: sides are checked on every evaluation
        import numbers

        import sympy
        from flint import arb

        from theory.arith import LogLinear

        _VALUE_TYPES = (numbers.Number, arb, LogLinear, sympy.Basic)
    if isinstance(value, _VALUE_TYPES):
        return True
    import numpy as np

    return isinstance(value, np.ndarray) and value.ndim == 0 and not isinstance(value.item(), (str, bytes))


def _is_seconds(budget) -> bool:
    """Whether ``budget`` is a time budget: a positive, finite int or float (not a bool)."""
    return not isinstance(budget, bool) and isinstance(budget, (int, float)) and budget > 0 and math.isfinite(budget)


def _side(claim_id: str, side: str, function, instance, arith):
    """``function(instance, arith)``, with its errors and non-numbers named by the claim, side and instance."""
    try:
        value = function(instance, arith)
    except ClaimSideError:
        raise
    except ArithmeticError as err:
        raise ClaimSideArithmeticError(claim_id, side, instance, f"raised {_raised(err)}", err) from err
    except Exception as err:
        raise ClaimSideError(claim_id, side, instance, f"raised {_raised(err)}", err) from err
    if not _is_value(value):
        raise ClaimSideError(
            claim_id,
            side,
            instance,
            f"returned {value!r:.80} (a {type(value).__name__}), not a "
            f"number or a value of the {getattr(arith, 'name', arith)} arithmetic",
        )
    return value


def _claim_raised(err: BaseException) -> str:
    """Why a check's verdict is "error" when the claim's code raised (the report adds the instance)."""
    return err.describe(instance=False) if isinstance(err, ClaimSideError) else f"the claim raised {_raised(err)}"


def _raised(err: BaseException) -> str:
    """``Type: message`` of an exception; a claim's side error says which claim and side (without the instance,
    which reports show beside it)."""
    if isinstance(err, ClaimSideError):
        return err.describe(instance=False)
    return f"{type(err).__name__}: {err}"


@dataclass(frozen=True)
class Part:
    """One relation ``lhs <relation> rhs`` of an evaluation (values in one arithmetic context).

    ``hypothesis=True`` marks a part that states the claim's hypothesis on the instance rather than its
    conclusion: drawn instances must satisfy it (a drawn instance that violates it refutes the claim's
    strategy), while an instance the margin optimizer made that violates it is outside the claim's domain and is
    never a counterexample.

    >>> Part("conclusion", 1, "<=", 2).hypothesis, Part("α below the threshold", 1, "<", 2, hypothesis=True).hypothesis
    (False, True)
    """

    name: str
    lhs: object
    relation: str
    rhs: object
    hypothesis: bool = False

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
    hypothesis: bool = False

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
        return PartResult(part.name, rel, lhs, rhs, margin, holds, part.hypothesis)
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
            margin = -abs(ctx.to_output(margin))
        return PartResult(part.name, rel, lhs, rhs, margin, holds, part.hypothesis)
    if s is None:
        holds = None
    elif rel in ("<=", ">="):
        holds = s >= 0
    else:
        holds = s > 0
    return PartResult(part.name, rel, lhs, rhs, margin, holds, part.hypothesis)


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
        The fixed examples: instances (built from the toy worlds of :mod:`proofs_checks.worlds`) evaluated and
        certified on every check. A claim module names this function ``examples``.
    tabulate : callable ``(arith) -> dict``, optional
        For illustrations: a table (``{"columns": [...], "rows": [...]}``) shown in reports.
    statement, latex, reference, how : str
        The claim in plain text and LaTeX, the paper reference, and what the check computes.
    certify_in : tuple of arithmetic names
        Contexts tried in turn to certify (default: exact, then ball at 128 and 512 bits).
    tolerance : float
        Float margins above ``-tolerance·(1 + |lhs| + |rhs|)`` are not treated as candidate violations.
    max_examples : int, optional
        The claim's own number of random draws under the ``ci`` profile (expensive claims use fewer).
    budget : float, optional
        The claim's own time budget in seconds (default :data:`DEFAULT_BUDGET`).
    scope_limit : int, optional
        How many small-scope instances are enumerated at most (default :data:`DEFAULT_SCOPE_LIMIT`; 0 skips).
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

    def __init__(
        self,
        *,
        id: str,
        title: str,
        kind: str = "theorem",
        given: dict | None = None,
        lhs: Callable | None = None,
        relation: str | None = None,
        rhs: Callable | None = None,
        parts: Callable | None = None,
        examples: Callable | None = None,
        tabulate: Callable | None = None,
        expected: str | None = None,
        statement: str = "",
        latex: str = "",
        reference: str = "",
        how: str = "",
        certify_in: tuple = DEFAULT_CERTIFY,
        tolerance: float = 1e-9,
        max_examples: int | None = None,
        derived: str = "",
        keep: int = 3,
        budget: float | None = None,
        scope_limit: int | None = None,
        certificate_data: Callable | None = None,
    ):
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
        if not _is_count(max_examples):
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
        if budget is not None and not _is_seconds(budget):
            raise ClaimError(f"budget {budget!r} of claim {id!r} must be a positive number of seconds")
        self.budget = budget
        if scope_limit is not None and (
            isinstance(scope_limit, bool) or not isinstance(scope_limit, int) or scope_limit < 0
        ):
            raise ClaimError(f"scope_limit {scope_limit!r} of claim {id!r} must be a non-negative integer")
        self.scope_limit = scope_limit
        if not isinstance(keep, int) or keep < 0:
            raise ClaimError(f"keep {keep!r} of claim {id!r} must be a non-negative integer")
        self.keep = keep
        if certificate_data is not None and not callable(certificate_data):
            raise ClaimError(f"certificate_data {certificate_data!r} of claim {id!r} must be callable")
        # instance -> {"lp_dual": [...]}: what an independent checker needs beyond the instance (LP duals)
        self.certificate_data = certificate_data

    @property
    def strategy(self):
        """The hypothesis strategy drawing this claim's instances (None: fixed examples only)."""
        return self._strategy

    def parts(self, instance: dict, arith) -> list[Part]:
        """The relations of this claim on one instance, evaluated in ``arith``."""
        if self._parts is not None:
            name = f"parts function {getattr(self._parts, '__name__', 'parts')!r}"
            try:
                out = self._parts(instance, arith)
            except ArithmeticError as err:
                raise ClaimSideArithmeticError(self.id, name, instance, f"raised {_raised(err)}", err) from err
            except Exception as err:
                raise ClaimSideError(self.id, name, instance, f"raised {_raised(err)}", err) from err
            if not isinstance(out, (list, tuple)):
                raise ClaimSideError(
                    self.id, name, instance, f"returned {out!r:.80} (a {type(out).__name__}), not a list of Part"
                )
            for p in out:
                if not isinstance(p, Part):
                    raise ClaimSideError(
                        self.id, name, instance, f"returned {p!r:.80} (a {type(p).__name__}) in its list, not a Part"
                    )
                for side in ("lhs", "rhs"):
                    value = getattr(p, side)
                    if not _is_value(value):
                        raise ClaimSideError(
                            self.id,
                            f"{name}, part {p.name!r}, {side}",
                            instance,
                            f"is {value!r:.80} (a {type(value).__name__}), not a number or a "
                            f"value of the {getattr(arith, 'name', arith)} arithmetic",
                        )
            return list(out)
        if self._lhs is None:
            return []
        return [
            Part(
                "claim",
                _side(self.id, "lhs", self._lhs, instance, arith),
                self._relation,
                _side(self.id, "rhs", self._rhs, instance, arith),
            )
        ]

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

    def assert_holds(self, *, database=".mightnt/examples", certificates=None, **check_options) -> "CheckResult":
        """For pytest: :func:`check` this claim and raise ``AssertionError`` unless the verdict is the expected
        one (a theorem holds, a conjecture is refuted, ...); return the result otherwise.

        The message of a failure has the certified counterexample (each side exactly and as a float) and the
        path of its certificate, written to ``certificates`` (a folder; default: a new temporary one). A
        counterexample is saved in ``database`` (a folder, by default ``.mightnt/examples`` in the current
        directory, or a hypothesis ``ExampleDatabase``; None saves nothing) and certified first on the next
        run, so a test that failed fails again at once. ``check_options`` are :func:`check`'s.

        >>> from proofs_checks import strategies as S
        >>> import theory
        >>> pinsker = Claim(id="kl-at-least-2-tvd-squared", title="KL ≥ 2·TVD²",
        ...     given={"p": S.distributions(2), "q": S.distributions(2)},
        ...     lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a), relation=">=",
        ...     rhs=lambda x, a: 2 * theory.tvd(x["p"], x["q"], arith=a) ** 2)
        >>> pinsker.assert_holds(max_examples=20, database=None).verdict
        'holds'
        """
        from .certificates import assert_holds  # certificates imports this module

        return assert_holds(self, database=database, certificates=certificates, **check_options)

    def __repr__(self) -> str:
        return f"<Claim {self.id} ({self.kind}, expected {self.expected})>"


def variant_title(title: str, changes, *, separator: str = ", ") -> str:
    """A claim's title with what a variant of it changes in brackets (the title alone when nothing changes).

    >>> variant_title("x <= 1", ["constant 2", "p halved"]), variant_title("x <= 1", [])
    ('x <= 1 [constant 2, p halved]', 'x <= 1')
    """
    return f"{title} [{separator.join(changes)}]" if changes else title


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


@dataclass(frozen=True)
class Evidence:
    """What a verdict rests on: the search done in each stage, and what was certified.

    ``scope`` describes the small-scope enumeration (its instances, whether the scope was exhausted, or why it
    could not run); ``random_examples`` is the number of hypothesis draws; ``starts`` and ``evaluations`` the
    margin optimizer's starts and float evaluations; ``certified`` how many instances were evaluated in exact or
    ball arithmetic (each also cross-checked against float). ``tightest`` is the smallest *nontrivial* margin
    seen among certified instances (an instance whose two sides are both zero, as when p = q, says nothing and is
    excluded), with its relative value ``margin / (|lhs| + |rhs|)`` and the instance; ``unconfirmed`` counts float
    violations that certification did not confirm, ``worst_unconfirmed`` the worst of them. ``cut_by_budget``
    names the stages the time budget cut short (their counts then depend on the machine's speed).

    >>> Evidence(scope="small scope: 12 instances (exhausted)", scope_instances=12, scope_exhausted=True).summary()
    'scope 12 (exhausted), random 0, starts 0, certified 0'
    """

    scope: str = "small scope: not run"
    scope_instances: int = 0
    scope_exhausted: bool = False
    random_examples: int = 0
    starts: int = 0
    evaluations: int = 0
    certified: int = 0
    tightest: float | None = None
    tightest_relative: float | None = None
    tightest_instance: str | None = None
    trivial: int = 0
    unconfirmed: int = 0
    worst_unconfirmed: float | None = None
    worst_unconfirmed_instance: str | None = None
    cut_by_budget: tuple = ()

    def summary(self) -> str:
        """One line for the table report."""
        scope = f"scope {self.scope_instances}" + (" (exhausted)" if self.scope_exhausted else "")
        out = f"{scope}, random {self.random_examples}, starts {self.starts}, certified {self.certified}"
        if self.cut_by_budget:
            out += f"; cut by the time budget: {', '.join(self.cut_by_budget)}"
        return out

    def as_dict(self) -> dict:
        """JSON-ready fields."""
        return {
            "scope": self.scope,
            "scope_instances": self.scope_instances,
            "scope_exhausted": self.scope_exhausted,
            "random_examples": self.random_examples,
            "optimizer_starts": self.starts,
            "optimizer_evaluations": self.evaluations,
            "certified": self.certified,
            "tightest_nontrivial_margin": _json_float(self.tightest),
            "tightest_relative_margin": _json_float(self.tightest_relative),
            "tightest_instance": self.tightest_instance,
            "trivial_instances_excluded": self.trivial,
            "unconfirmed_float_violations": self.unconfirmed,
            "worst_unconfirmed_margin": _json_float(self.worst_unconfirmed),
            "worst_unconfirmed_instance": self.worst_unconfirmed_instance,
            "cut_by_budget": list(self.cut_by_budget),
        }


def _json_float(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, float) and math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    return x


@dataclass
class CheckResult:
    """The outcome of :func:`check`: the verdict, the evidence it rests on, and for a refutation the certified
    counterexample (``counterexample``, its certified ``evaluation``).

    ``margin`` is the counterexample's margin for a refutation and the tightest nontrivial certified margin
    otherwise (see :class:`Evidence`); a margin is how far the instance is from breaking the relation: ``rhs −
    lhs`` for ``<=``/``<``, ``lhs − rhs`` for ``>=``/``>``, ``−|lhs − rhs|`` for ``==``, so it is negative
    exactly on violations.
    """

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
    evidence: Evidence = field(default_factory=Evidence)
    error: dict | None = None

    @property
    def met(self) -> bool:
        """Whether the verdict is the claim's expected outcome."""
        return self.verdict == self.expected

    def _repr_markdown_(self) -> str:
        """How a notebook shows the result: verdict, evidence, and the counterexample as tables (see
        :func:`proofs_checks.report.result_markdown`)."""
        from .report import result_markdown  # lazily: the report module imports this one

        return result_markdown(self)

    def as_dict(self) -> dict:
        """The JSON record of ``mightnt check --format json``: verdict, evidence, and for a refutation the
        counterexample (the instance in exact JSON, its printed form, and every part exactly and as floats)."""
        out = {
            "id": self.id,
            "kind": self.kind,
            "expected": self.expected,
            "verdict": self.verdict,
            "margin": _json_float(self.margin if isinstance(self.margin, float) else float(self.margin)),
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "met": self.met,
            "unconfirmed_float_violations": self.unconfirmed,
            "message": self.message,
            "evidence": self.evidence.as_dict(),
        }
        if self.counterexample is not None and self.evaluation is not None:
            out["counterexample"] = counterexample_record(self.counterexample, self.evaluation)
        if self.error is not None:
            out["error"] = self.error
        if self.table is not None:
            out["table"] = {k: self.table[k] for k in ("title", "columns", "rows") if k in self.table}
            out["table"]["rows"] = [[str(v) for v in row] for row in out["table"].get("rows", [])]
            out["table"]["columns"] = [str(c) for c in out["table"].get("columns", [])]
        return out


def _value_record(value, ctx: Context) -> dict:
    """A side of a part as exact text (when it has one) and as a float."""
    if isinstance(value, float) and math.isinf(value):
        return {"exact": "+inf" if value > 0 else "-inf", "float": "+inf" if value > 0 else "-inf"}
    return {"exact": str(value), "float": _json_float(_to_float(value, ctx))}


def counterexample_record(instance: dict, evaluation: Evaluation) -> dict:
    """A certified counterexample as JSON-ready data: the instance exactly (see :mod:`proofs_checks.instances`;
    ``None`` when it holds objects without an exact JSON form), as printed (``shown``, its repr) and as tables
    (``pretty``, :func:`proofs_checks.report.pretty_instance`), the certifying arithmetic, and each part with
    both sides exact and as floats.

    >>> from fractions import Fraction
    >>> import theory
    >>> c = Claim(id="half", title="x <= 1/2", given={}, examples=lambda: [{"x": Fraction(1)}],
    ...           lhs=lambda x, a: a.convert(x["x"]), relation="<=", rhs=lambda x, a: a.convert(Fraction(1, 2)))
    >>> record = counterexample_record({"x": Fraction(1)}, c.evaluate({"x": Fraction(1)}, "exact"))
    >>> record["parts"][0]["lhs"], record["parts"][0]["holds"]
    ({'exact': '1', 'float': 1.0}, False)
    """
    from .instances import InstanceError, encode
    from .report import pretty_instance  # lazily: the report module imports this one

    ctx = _context_of(evaluation)
    try:
        exact = encode(instance)
    except InstanceError:
        exact = None
    try:
        pretty = pretty_instance(instance)
    except Exception:  # a user's object that cannot be printed as tables: its repr stands in
        pretty = _show(instance)
    return {
        "instance": exact,
        "shown": _show(instance),
        "pretty": pretty,
        "arith": evaluation.context,
        "precision": evaluation.prec,
        "parts": [
            {
                "name": p.name,
                "relation": p.relation,
                "lhs": _value_record(p.lhs, ctx),
                "rhs": _value_record(p.rhs, ctx),
                "margin": _value_record(p.margin, ctx),
                "holds": p.holds,
            }
            for p in evaluation.parts
        ],
    }


def _show(instance, limit: int = 2000) -> str:
    try:
        text = repr(instance)
    except Exception as err:  # a user's object whose repr raises
        text = f"<instance whose repr raised {type(err).__name__}>"
    return text if len(text) <= limit else text[:limit] + " …"


# ---------------------------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------------------------
#: Time budget (seconds) of one claim's check when neither the claim nor the caller sets one.
DEFAULT_BUDGET = 5.0
#: Instances the small-scope stage enumerates at most, unless the claim or the caller says otherwise.
DEFAULT_SCOPE_LIMIT = 400
#: Hypothesis draws when neither the claim nor the caller sets ``max_examples``.
DEFAULT_EXAMPLES = 150
#: Optimizer starts and float evaluations of the margin-optimization stage.
DEFAULT_STARTS, DEFAULT_EVALUATIONS = 6, 600
#: Relative tolerance of the float/exact cross-check: a float side further than this from its certified value
#: (relative to 1 + |value|) is an engine defect.
CROSS_CHECK_TOLERANCE = 1e-6
#: Sides smaller than this in absolute value count as zero when deciding whether an instance is trivial.
_TRIVIAL = 1e-12
#: Shares of the budget after which the scope and random stages stop (the optimizer gets the rest).
_SCOPE_SHARE, _RANDOM_SHARE = 0.35, 0.75


class _Violation(Exception):
    def __init__(self, instance, evaluation):
        super().__init__(f"certified violation: {evaluation.violated_parts()}")
        self.instance = instance
        self.evaluation = evaluation


class _Stop(BaseException):
    """Ends a hypothesis run at once (time budget spent, or the claim raised): a BaseException, so hypothesis
    neither catches nor shrinks it."""


class _Defect(Exception):
    """The claim raised, or float and certified arithmetic disagree: the verdict is "error"."""

    def __init__(self, message: str, instance=None, exception: BaseException | None = None):
        super().__init__(message)
        self.instance = instance
        self.exception = exception


def _context_of(ev: Evaluation) -> Context:
    """The context an evaluation was made in (ball at its precision)."""
    return get_context(ev.context if ev.prec is None else f"ball:{ev.prec}")


def _side_floats(part: PartResult, ctx: Context):
    return _to_float(part.lhs, ctx), _to_float(part.rhs, ctx)


def cross_check(float_ev: Evaluation, certified: Evaluation, *, tolerance: float = CROSS_CHECK_TOLERANCE) -> str | None:
    """Where a float evaluation disagrees with a certified one beyond ``tolerance`` (relative to
    ``1 + |value|``), as a message; None when they agree. An infinity must be matched by the same infinity, and a
    NaN in float against a number is a disagreement. Sides the certified context cannot turn into a float are
    not compared.

    >>> import math
    >>> ok = Evaluation("float", [PartResult("p", "<=", 0.5, 1.0, 0.5, True)], True, 0.5)
    >>> bad = Evaluation("exact", [PartResult("p", "<=", 0.25, 1.0, 0.75, True)], True, 0.75)
    >>> cross_check(ok, ok) is None, cross_check(ok, bad)
    (True, "part 'p': lhs is 0.5 in float but 0.25 in exact")
    """
    fctx = get_context("float")
    cctx = _context_of(certified)
    by_name = {p.name: p for p in float_ev.parts}
    for cp in certified.parts:
        fp = by_name.get(cp.name)
        if fp is None:
            continue
        for side, f, c in zip(("lhs", "rhs"), _side_floats(fp, fctx), _side_floats(cp, cctx)):
            if math.isnan(c):
                continue
            if math.isinf(c) or math.isinf(f):
                agree = f == c
            else:
                agree = not math.isnan(f) and abs(f - c) <= tolerance * (1 + abs(c))
            if not agree:
                return f"part {cp.name!r}: {side} is {f!r} in float but {c!r} in {certified.context}"
    return None


def _tightness(ev: Evaluation, ctx: Context):
    """``(margin, relative margin, trivial)`` of the part that attains an evaluation's margin. Trivial: both of
    its sides are zero, up to float rounding (the arguments coincide, as when p = q), which is no evidence for an
    inequality and no start for the optimizer to prefer."""
    best = None
    for p in ev.parts:
        m = p.margin_float(ctx)
        if best is None or m < best[0]:
            best = (m, p)
    if best is None:
        return math.inf, math.inf, True
    m, p = best
    lhs, rhs = _side_floats(p, ctx)
    # Both sides zero up to float rounding (a KL of π = β comes out -1e-17): the arguments coincide.
    trivial = abs(lhs) <= _TRIVIAL and abs(rhs) <= _TRIVIAL
    scale = abs(lhs) + abs(rhs)
    rel = m / scale if scale and math.isfinite(scale) and math.isfinite(m) else m
    return m, rel, trivial


def check(
    claim: Claim,
    *,
    budget: float | None = None,
    max_examples: int | None = None,
    scope_limit: int | None = None,
    starts: int | None = None,
    seed: int = 0,
    keep: int | None = None,
    progress: Callable | None = None,
    tabulate: bool = True,
    try_first=(),
) -> CheckResult:
    """Search for violations of ``claim`` in three stages, certify, cross-check, and return the verdict with its
    evidence (see the module docstring).

    Options (keyword-only): ``budget`` is the time in seconds the search may take (default: the claim's, else
    :data:`DEFAULT_BUDGET`): the small-scope stage stops at 35 % of it, the random stage at 75 %, and the
    optimizer gets the rest; a stage cut short is named in ``evidence.cut_by_budget``. Within the budget the
    stages are bounded by counts, so a check that fits its budget is deterministic under ``seed``:
    ``scope_limit`` instances enumerated (default: the claim's, else :data:`DEFAULT_SCOPE_LIMIT`; 0 skips the
    stage), ``max_examples`` hypothesis draws (default: the claim's, else :data:`DEFAULT_EXAMPLES`), ``starts``
    optimizer starts (0 skips the stage). ``keep`` is how many of the tightest instances are certified when no
    violation is found; ``progress(claim_id, done, total)`` is called as instances are evaluated;
    ``tabulate=False`` skips an illustration's table. ``try_first`` is a list of instances certified before the
    search (counterexamples an earlier run found, see :meth:`Claim.assert_holds`): the first that is violated
    refutes the claim at once; one that raises (a claim changed since) is skipped.

    >>> from proofs_checks import Claim, strategies as S
    >>> import theory
    >>> false_pinsker = Claim(id="pinsker-quarter", title="TVD ≤ sqrt(KL/4)", kind="conjecture",
    ...     given={"p": S.distributions(2), "q": S.distributions(2)},
    ...     lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a), relation="<=",
    ...     rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / 4))
    >>> r = check(false_pinsker)
    >>> r.verdict, r.met, r.evaluation.context
    ('refuted', True, 'exact')
    """
    return _Check(
        claim,
        budget=budget,
        max_examples=max_examples,
        scope_limit=scope_limit,
        starts=starts,
        seed=seed,
        keep=keep,
        progress=progress,
        try_first=try_first,
    ).run(tabulate=tabulate)


def _positive_int(value, name: str):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ClaimError(f"{name}={value!r} must be a non-negative integer")
    return value


class _Check:
    """One run of :func:`check`: the stages share the tightest instances seen and the certification log."""

    def __init__(self, claim: Claim, *, budget, max_examples, scope_limit, starts, seed, keep, progress, try_first=()):
        try:
            self.try_first = None if isinstance(try_first, dict) else list(try_first)
        except TypeError:
            self.try_first = None
        if self.try_first is None or not all(isinstance(x, dict) for x in self.try_first):
            raise ClaimError(f"try_first={try_first!r:.80} must be a list of instances (dicts)")
        if budget is not None and not _is_seconds(budget):
            raise ClaimError(f"budget={budget!r} must be a positive number of seconds")
        if not _is_count(max_examples):
            raise ClaimError(f"max_examples={max_examples!r} must be a positive integer")
        self.claim = claim
        # Instances are drawn with the values their strategy drew, so the optimizer can move those and replay
        # the strategy's own code (relations it computes survive).
        from .refine import recording

        self.recorded = recording(claim.strategy) if claim.strategy is not None else None
        self.budget = float(budget or claim.budget or DEFAULT_BUDGET)
        self.examples_cap = max_examples or claim.max_examples or DEFAULT_EXAMPLES
        self.scope_cap = _positive_int(scope_limit, "scope_limit")
        if self.scope_cap is None:
            self.scope_cap = claim.scope_limit if claim.scope_limit is not None else DEFAULT_SCOPE_LIMIT
        self.starts_cap = _positive_int(starts, "starts")
        if self.starts_cap is None:
            self.starts_cap = DEFAULT_STARTS
        self.seed = seed
        self.keep = claim.keep if keep is None else keep
        self.progress = progress
        self.fctx = get_context("float")
        self.tight: list = []  # (relative margin, index, instance, shown, margin), nontrivial, tightest first
        self.trivial: list = []  # (index, instance, shown): both sides zero; optimizer starts only
        self.trivial_count = 0
        self.seen: set = set()
        self.count = 0
        self.unconfirmed = 0
        self.worst_unconfirmed = None  # (margin, shown)
        self.certified: list = []
        self.cut: list = []
        self.scope_info = ("small scope: not run", 0, False)
        self.random_count = 0
        self.refinement = None
        self.violation = self.defect = None

    # -- evaluation of one instance ----------------------------------------------------------------------------
    def _deadline(self, share: float) -> float:
        return self.start + share * self.budget

    def consider(self, drawn, *, stage: str):
        """Evaluate a drawn instance (a :class:`~proofs_checks.refine.Drawn`: the instance and the draws that
        built it) in float; track the tightest; certify a candidate violation at once."""
        instance = drawn.instance
        self.count += 1
        if self.progress is not None:
            self.progress(self.claim.id, self.count, self.total)
        try:
            ev = self.claim.evaluate(instance, "float")
        except Exception as err:  # the claim's own code raised: a defect of the claim or the engine
            raise _Defect(_claim_raised(err), instance, err) from err
        m = ev.margin if not math.isnan(ev.margin) else -math.inf
        if stage == "random":
            target(max(min(-m, 1e300), -1e300), label="closeness to violation")
        shown = _show(instance)
        if shown not in self.seen:
            self.seen.add(shown)
            margin, rel, trivial = _tightness(ev, self.fctx)
            if trivial:
                self.trivial_count += 1
                if len(self.trivial) < 2:
                    self.trivial.append((self.count, drawn, shown))
            else:
                self.tight.append((rel, self.count, drawn, shown, margin))
                self.tight.sort(key=lambda t: (t[0], t[1]))
                del self.tight[max(self.keep, self.starts_cap) :]
        if self.claim.float_candidate(ev):
            cert = self.certify(instance, ev)
            if cert.holds is False:
                raise _Violation(instance, cert)
            self.unconfirmed += 1
            if self.worst_unconfirmed is None or m < self.worst_unconfirmed[0]:
                self.worst_unconfirmed = (m, shown)
        return ev

    def certify(self, instance, float_ev: Evaluation | None = None) -> Evaluation:
        """Certify, then cross-check against float (an engine defect raises :class:`_Defect`)."""
        try:
            cert = certify(self.claim, instance)
            if float_ev is None:
                float_ev = self.claim.evaluate(instance, "float")
        except Exception as err:
            raise _Defect(_claim_raised(err), instance, err) from err
        self.certified.append((instance, cert))
        if cert.parts:
            tol = max(CROSS_CHECK_TOLERANCE, self.claim.tolerance)
            where = cross_check(float_ev, cert, tolerance=tol)
            if where is not None:
                raise _Defect(f"float and {cert.context} disagree ({where})", instance)
        return cert

    # -- the stages ----------------------------------------------------------------------------------------------
    def scope_stage(self):
        if self.claim.strategy is None or self.scope_cap == 0:
            return
        from .scope import enumerate_instances

        deadline = self._deadline(_SCOPE_SHARE)
        try:
            scope = enumerate_instances(self.recorded, limit=self.scope_cap, deadline=deadline)
        except Exception as err:  # a user's strategy the enumerator cannot read: fall back to random search
            self.scope_info = (f"small scope: not run ({type(err).__name__}: {err})", 0, False)
            return
        try:
            for instance in scope:
                self.consider(instance, stage="scope")
        finally:
            self.scope_info = (scope.describe(), scope.count, bool(scope.exhausted))
        if not scope.exhausted and scope.unsupported is None and scope.count < self.scope_cap:
            self.cut.append("small scope")

    def random_stage(self):
        if self.claim.strategy is None or self.examples_cap == 0:
            return
        deadline = self._deadline(_RANDOM_SHARE)
        before = self.count

        def draw(instance):
            if time.monotonic() > deadline:
                self.cut.append("random")
                raise _Stop
            try:
                self.consider(instance, stage="random")
            except _Violation as v:  # hypothesis shrinks it; the last one raised is the smallest
                self.violation = v
                raise
            except _Defect as d:  # reported as found: shrinking an engine defect is not worth the budget
                self.defect = d
                raise _Stop from None

        @settings(
            max_examples=self.examples_cap,
            deadline=None,
            database=None,
            derandomize=False,
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
        )
        @hypothesis_seed(self.seed)
        @given(self.recorded)
        def search(instance):
            draw(instance)

        try:
            search()
        except _Stop:
            pass
        except _Violation:
            pass
        except Exception as err:  # the strategy itself raised while drawing
            if self.defect is None and self.violation is None:
                raise _Defect(f"drawing an instance raised {type(err).__name__}: {err}", None, err) from err
        finally:
            self.random_count = self.count - before
        if self.defect is not None:
            raise self.defect
        if self.violation is not None:
            raise self.violation

    def refine_stage(self):
        starts = [t[2] for t in self.tight] + [t[1] for t in self.trivial]
        if not starts or self.starts_cap == 0:
            return
        from .refine import refine

        deadline = time.monotonic() + max(self._deadline(1.0) - time.monotonic(), 0.1 * self.budget)
        result = refine(
            self.claim,
            starts,
            seed=self.seed,
            max_starts=self.starts_cap,
            max_evaluations=DEFAULT_EVALUATIONS,
            deadline=deadline,
        )
        self.refinement = result
        if time.monotonic() > deadline:
            self.cut.append("optimizer")
        for drawn in result.candidates:
            cert = self.certify(drawn.instance)
            if cert.holds is False and not any(p.hypothesis and p.holds is False for p in cert.parts):
                raise _Violation(drawn.instance, cert)
            self.unconfirmed += 1  # a certified instance outside the hypotheses is no counterexample either
        for drawn in result.tightest:
            self.consider(drawn, stage="refine")

    def run(self, *, tabulate: bool) -> CheckResult:
        claim = self.claim
        self.start = time.monotonic()
        self.total = self.scope_cap + self.examples_cap
        violation = defect = None
        try:
            for stage in (self.first_stage, self.scope_stage, self.random_stage, self.refine_stage, self.certify_stage):
                stage()
        except _Violation as v:
            violation = v
        except _Defect as d:
            defect = d
        table = None
        if tabulate and claim.tabulate is not None and defect is None:
            try:
                table = claim.tabulate(get_context("float"))
            except Exception as err:
                defect = _Defect(f"the claim's table raised {type(err).__name__}: {err}", None, err)
        if violation is not None and defect is None:
            try:  # the counterexample is cross-checked like every certified instance
                float_ev = claim.evaluate(violation.instance, "float")
                where = cross_check(
                    float_ev, violation.evaluation, tolerance=max(CROSS_CHECK_TOLERANCE, claim.tolerance)
                )
                if where is not None:
                    defect = _Defect(f"float and {violation.evaluation.context} disagree ({where})", violation.instance)
            except Exception as err:
                defect = _Defect(_claim_raised(err), violation.instance, err)
        return self.result(violation, defect, table)

    def first_stage(self):
        """Certify the instances given to try first; a violated one refutes before any search."""
        for instance in self.try_first:
            self.count += 1
            try:
                cert = self.certify(instance)
            except _Defect:  # saved under an older version of the claim: the search proper decides
                continue
            if cert.holds is False:
                raise _Violation(instance, cert)

    def certify_stage(self):
        for instance in self.claim.examples() if self.claim.examples is not None else []:
            self.count += 1
            if self.certify(instance).holds is False:
                raise _Violation(instance, self.certified[-1][1])
        for _, _, drawn, _, _ in self.tight[: self.keep]:
            if self.certify(drawn.instance).holds is False:
                raise _Violation(drawn.instance, self.certified[-1][1])

    def evidence(self) -> Evidence:
        best = None
        for instance, ev in self.certified:
            if ev.holds is not True:
                continue
            margin, rel, trivial = _tightness(ev, _context_of(ev))
            if trivial:
                continue
            if best is None or (rel, margin) < (best[1], best[0]):
                best = (margin, rel, _show(instance, 300))
        r = self.refinement
        worst = self.worst_unconfirmed
        return Evidence(
            scope=self.scope_info[0],
            scope_instances=self.scope_info[1],
            scope_exhausted=self.scope_info[2],
            random_examples=self.random_count,
            starts=r.starts if r else 0,
            evaluations=r.evaluations if r else 0,
            certified=len(self.certified),
            tightest=best[0] if best else None,
            tightest_relative=best[1] if best else None,
            tightest_instance=best[2] if best else None,
            trivial=self.trivial_count,
            unconfirmed=self.unconfirmed,
            worst_unconfirmed=worst[0] if worst else None,
            worst_unconfirmed_instance=worst[1][:300] if worst else None,
            cut_by_budget=tuple(dict.fromkeys(self.cut)),
        )

    def result(self, violation, defect, table) -> CheckResult:
        claim = self.claim
        seconds = time.monotonic() - self.start
        evidence = self.evidence()
        common = dict(certified=self.certified, unconfirmed=self.unconfirmed, table=table, evidence=evidence)
        if defect is not None:
            shown = None if defect.instance is None else _show(defect.instance)
            error = {
                "message": str(defect),
                "instance": shown,
                "exception": None
                if defect.exception is None
                else f"{type(defect.exception).__name__}: {defect.exception}",
            }
            message = f"error: {defect}" + (f" at {shown}" if shown else "")
            return CheckResult(
                claim.id,
                claim.kind,
                claim.expected,
                "error",
                math.nan,
                self.count,
                seconds,
                message=message,
                error=error,
                **common,
            )
        if violation is not None:
            ev = violation.evaluation
            return CheckResult(
                claim.id,
                claim.kind,
                claim.expected,
                "refuted",
                ev.margin,
                self.count,
                seconds,
                counterexample=violation.instance,
                evaluation=ev,
                message=f"certified in {ev.context}" + (f" at {ev.prec} bits" if ev.prec else ""),
                **common,
            )
        undecided = [c for _, c in self.certified if c.holds is None]
        margin = evidence.tightest if evidence.tightest is not None else (self.tight[0][4] if self.tight else math.nan)
        if undecided:
            prec = max((c.prec or 0) for c in undecided)
            verdict, message = "undecided", (f"undecided at {prec} bits" if prec else "undecided")
        else:
            verdict = {"theorem": "holds", "conjecture": "holds", "witness": "exhibited", "illustration": "tabulated"}[
                claim.kind
            ]
            message = f"{len(self.certified)} instance(s) certified"
            if self.unconfirmed:
                message += f"; {self.unconfirmed} float violation(s) not confirmed by certification"
        return CheckResult(
            claim.id, claim.kind, claim.expected, verdict, margin, self.count, seconds, message=message, **common
        )

"""KL divergence and total variation between finite (semi-)distributions.

Conventions (the spec's): ``kl(p, q)`` is p relative to q, in nats unless ``unit="bits"``; ``0·ln(0/q) = 0``;
``kl = inf`` (never nan) when p puts mass where q puts none. TVD is half the L1 distance.

Semi-distributions: a vector summing to less than 1 leaves the rest to ⊥ (abstain). Two conventions for the
KL, chosen by the ``convention`` keyword (:data:`CONVENTIONS`); :func:`outcome_rows` is the one place the rule
lives, and the trajectory measures of :mod:`theory.measures` use it for their per-step terms too:

* ``"outcome"`` (the default): ⊥ is one more outcome, carrying the missing mass, so KL is a divergence between
  two distributions over A ∪ {⊥}: in [0, ∞], and inf when p abstains where q never does. When p sums to 1 this
  is the plain sum over the listed outcomes whatever q is.
* ``"actions"`` (the paper's, Theorem 4): the raw sum Σ_a p(a) ln(p(a)/q(a)) over the listed outcomes only; ⊥
  contributes nothing, whatever either side's abstain mass. Not a divergence: it can be negative when p
  abstains (``kl(["1/2", 0], [1, 0], convention="actions") = −½ ln 2``), and it is inf only when p puts mass on
  an outcome q gives 0.

:func:`tvd` always treats ⊥ as one more outcome.

Inputs may be sequences, numpy arrays, or dicts from outcomes to probabilities (missing keys are 0).

>>> import theory
>>> theory.kl([0.5, 0.5], [0.25, 0.75])
0.14384103622589045
>>> theory.kl([0.5, 0.5], [1, 0])
inf
>>> theory.kl(["1/2", "1/2"], ["1/4", "3/4"], arith="exact")
LogLinear(1/2*ln(2) + 1/2*ln(2/3))
>>> theory.tvd({"x": 0.5, "y": 0.5}, {"x": 1.0})
0.5
>>> theory.kl([0.5, 0], [1, 0]), theory.kl(["1/2", 0], [1, 0], convention="actions", arith="exact")
(inf, LogLinear(1/2*ln(1/2)))
"""

from __future__ import annotations

import math

import numpy as np

from .arith import Context, get_context
from .errors import AlphabetError, OptionError
from .validation import option, _shown

__all__ = [
    "kl",
    "tvd",
    "InfiniteDivergence",
    "kl_rows",
    "tvd_rows",
    "with_abstain_column",
    "outcome_rows",
    "check_convention",
    "CONVENTIONS",
]

#: The KL conventions for semi-distributions: ⊥ as one more outcome, or the paper's raw sum over actions.
CONVENTIONS = ("outcome", "actions")


def check_convention(convention) -> str:
    """Validate a KL ``convention`` keyword (one of :data:`CONVENTIONS`) and return it.

    >>> check_convention("actions")
    'actions'
    >>> check_convention("raw")
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: convention 'raw' must be 'outcome' (⊥ is one more outcome) or 'actions' (the paper's raw sum over actions)
    """
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise OptionError(
            f"convention {convention!r} must be 'outcome' (⊥ is one more outcome) or 'actions' "
            f"(the paper's raw sum over actions)"
        )
    return convention


class InfiniteDivergence(float):
    """``math.inf``, carrying where absolute continuity fails.

    It is a float equal to ``math.inf`` (so ``math.isinf`` and comparisons work) with two attributes:
    ``where`` (the outcome, or ``(history, action)`` for trajectory divergences) and ``reason`` (a sentence).

    >>> import theory
    >>> d = theory.kl([0.5, 0.5], [1.0, 0.0])
    >>> d == math.inf, d.where
    (True, 1)
    >>> print(d.reason)
    p gives outcome 1 probability 0.5 where q gives it 0
    """

    where: object
    reason: str

    def __new__(cls, where, reason: str):
        obj = super().__new__(cls, math.inf)
        obj.where = where
        obj.reason = reason
        return obj

    def __reduce__(self):
        return (InfiniteDivergence, (self.where, self.reason))


def _as_vectors(p, q, ctx: Context):
    """Two (semi-)distributions as aligned, validated 1-d context arrays, plus the outcome labels."""
    labels = None
    if isinstance(p, dict) or isinstance(q, dict):
        if not (isinstance(p, dict) and isinstance(q, dict)):
            raise AlphabetError("pass both distributions as dicts, or neither")
        labels = list(p.keys()) + [k for k in q.keys() if k not in p]
        p, q = [p.get(k, 0) for k in labels], [q.get(k, 0) for k in labels]
    shapes = []
    for name, v in (("p", p), ("q", q)):
        try:
            shape = np.shape(np.asarray(v, dtype=object))
        except (TypeError, ValueError):  # ragged nesting numpy cannot even hold
            shape = None
        if shape is None or len(shape) != 1:
            raise AlphabetError(
                f"{name} must be a one-dimensional sequence of probabilities (or a dict from outcomes "
                f"to probabilities), got {_shown(v)}{f' of shape {shape}' if shape else ''}"
            )
        shapes.append(shape[0])
    if shapes[0] != shapes[1]:
        raise AlphabetError(f"p has {shapes[0]} outcomes but q has {shapes[1]}; both must be over the same alphabet")
    pv = ctx.distribution(p, name="p", semi=True)
    qv = ctx.distribution(q, name="q", semi=True)
    return pv, qv, list(range(shapes[0])) if labels is None else labels


def with_abstain_column(probs: np.ndarray, abstain: np.ndarray) -> np.ndarray:
    """Append the abstain mass as a last column (⊥ as one more outcome)."""
    return np.concatenate([probs, abstain.reshape(-1, 1)], axis=1)


def outcome_rows(p: np.ndarray, q: np.ndarray, convention: str):
    """The per-step KL rule: from (N, K+1) rows whose last column is ⊥ (the abstain mass, as
    :func:`with_abstain_column` appends it), the rows whose row-wise Σ p ln(p/q) (:func:`kl_rows`) is the KL of
    p relative to q under ``convention``: all K+1 columns for ``"outcome"`` (⊥ one more outcome), the K action
    columns for ``"actions"`` (the raw sum; ⊥ contributes nothing).

    >>> p, q = np.array([[0.5, 0.0, 0.5]]), np.array([[1.0, 0.0, 0.0]])
    >>> outcome_rows(p, q, "outcome")[0].tolist(), outcome_rows(p, q, "actions")[0].tolist()
    ([[0.5, 0.0, 0.5]], [[0.5, 0.0]])
    """
    if check_convention(convention) == "actions":
        return p[:, :-1], q[:, :-1]
    return p, q


def kl_rows(p: np.ndarray, q: np.ndarray, ctx: Context):
    """Row-wise KL of (N, K) arrays: ``(values, infinite, first_bad)``.

    ``values[i]`` is the finite part (the sum over outcomes where both are positive), ``infinite[i]`` says
    whether p has mass where q has none, and ``first_bad[i]`` is the first such outcome (-1 if none). The
    context computes it (:meth:`~theory.arith.Context.kl_rows`).

    >>> from theory.arith import get_context
    >>> values, infinite, first_bad = kl_rows(np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([[0.5, 0.5], [0.0, 1.0]]),
    ...                                       get_context("float"))
    >>> values.tolist(), infinite.tolist(), first_bad.tolist()
    ([0.0, 0.0], [False, True], [-1, 0])
    """
    return ctx.kl_rows(p, q)


def tvd_rows(p: np.ndarray, q: np.ndarray, ctx: Context) -> np.ndarray:
    """Row-wise total variation ``½ Σ |p - q|`` of (N, K) arrays."""
    return abs(p - q).sum(axis=1) / 2


def _prepare(p, q, ctx):
    """Both (semi-)distributions as (1, K+1) rows, ⊥ (the missing mass) as the last column, and the labels."""
    pv, qv, labels = _as_vectors(p, q, ctx)
    # The ⊥ masses from the rational inputs where there are any: in ball arithmetic 1 − Σ p is a ball straddling
    # 0 where the mass is exactly 0.
    rational = ctx.rational_counterpart or ctx
    pe, qe, _ = _as_vectors(p, q, rational)
    pb, qb = ctx.convert(rational.complement(pe.sum())), ctx.convert(rational.complement(qe.sum()))
    pv = np.append(pv, np.array([pb], dtype=pv.dtype))
    qv = np.append(qv, np.array([qb], dtype=qv.dtype))
    return pv.reshape(1, -1), qv.reshape(1, -1), labels + ["⊥"]


def kl(p, q, *, unit: str = "nats", arith=None, convention: str = "outcome"):
    """KL(p‖q) = Σ p ln(p/q): with ⊥ as one more outcome for semi-distributions (``convention="outcome"``, in
    [0, ∞]), or the paper's raw sum over the listed outcomes (``convention="actions"``, ⊥ ignored; can be negative
    when p abstains). See the module docstring.

    Returns a float (``arith="float"``), an exact number (``"exact"``: a Fraction or
    :class:`~theory.arith.LogLinear`), or an arb ball (``"ball"``); an :class:`InfiniteDivergence` (equal to
    ``math.inf``) when p is not absolutely continuous with respect to q (over the outcomes the convention sums).

    >>> kl([1, 0], [0.5, 0.5], unit="bits")
    1.0
    >>> kl([0.5, 0.5], [1, 0]).where
    1
    >>> kl([0.5, 0], [1, 0]).where, kl([0.5, 0], [1, 0], convention="actions") < 0
    ('⊥', True)

    Probabilities given exactly that are not 0 but round to 0 in float raise
    :class:`~theory.errors.UnderflowError` with ``arith="float"``, never a silent ``inf``; exact and ball
    arithmetic give the finite value:

    >>> from fractions import Fraction
    >>> tiny = Fraction(1, 10**400)
    >>> kl(["1/2", "1/2"], [tiny, 1 - tiny])
    Traceback (most recent call last):
    ...
    theory.errors.UnderflowError: q has the exact probability 1/10^400 at index 0, which is not 0 but rounds to 0 in float arithmetic (a finite KL would turn infinite, a possible history impossible); use arith='exact' or arith='ball'
    >>> round(float(kl(["1/2", "1/2"], [tiny, 1 - tiny], arith="exact")), 6)
    459.823871
    """
    option(unit, name="unit", choices=("nats", "bits"))
    check_convention(convention)
    ctx = get_context(arith)
    with ctx.scope():
        pv, qv, labels = _prepare(p, q, ctx)
        pk, qk = outcome_rows(pv, qv, convention)
        value, infinite, first_bad = kl_rows(pk, qk, ctx)
        if infinite[0]:
            where = labels[first_bad[0]]
            return InfiniteDivergence(
                where, f"p gives outcome {where} probability {pk[0, first_bad[0]]} where q gives it 0"
            )
        out = value[0]
        if unit == "bits":
            out = out / ctx.log(ctx.convert(2))
        return ctx.to_output(out)


def tvd(p, q, *, arith=None):
    """Total variation ½ Σ |p − q| in [0, 1], with ⊥ as one more outcome for semi-distributions.

    >>> tvd([0.5, 0.5], [0.25, 0.75])
    0.25
    >>> tvd(["1/2"], ["1/3", "1/3"], arith="exact")
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: p has 1 outcomes but q has 2; both must be over the same alphabet
    """
    ctx = get_context(arith)
    with ctx.scope():
        pv, qv, _ = _prepare(p, q, ctx)
        return ctx.to_output(tvd_rows(pv, qv, ctx)[0])

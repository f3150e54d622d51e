"""Margin optimization: the third search stage, for counterexamples that live only near a boundary.

A claim such as Pinsker's inequality with a constant just above the tight one fails only for distributions
closer than any small grid or random draw will put them. From the tightest instances the search saw,
:func:`refine` minimizes the float margin over the *continuous parameters* of an instance with Nelder–Mead
(derivative-free: the margin is a minimum over parts and need not be smooth), from each start and from a few
seeded perturbations of it, then rounds each minimizer to nearby simple rationals and returns the rounded
instances whose float margin is still a candidate violation, simplest first. Nothing here decides a verdict:
the caller certifies the candidates in exact or ball arithmetic.

The continuous parameters are found generically in the instance's exact JSON (:mod:`proofs_checks.instances`),
as *blocks*, each a probability vector whose coordinates sum to exactly 1:

- a tuple or list of at least two exact numbers in [0, 1] summing to at most 1 (a distribution, or a
  semi-distribution or prior whose missing mass is one more coordinate);
- each emission row of a finite-state policy (a softmax policy's too; a semi policy's abstain mass is one more
  coordinate) and of a finite-state environment;
- the prior of a Bayesian mixture (its missing Kraft mass is one more coordinate).

Exact zeros stay exactly zero, so supports, which histories are possible and which KLs are infinite, never
change; integers, histories, transitions and horizons stay fixed. A block is parametrized by softmax logits
over its positive coordinates, so every point is a valid (semi-)distribution. A policy, environment or mixture
that occurs more than once among the moved values is one set of parameters; tuples are values, so equal tuples
move apart.

One more kind of parameter is a *scalar* drawn from an exported strategy that registers its range as
``scalar_range`` (:func:`~proofs_checks.strategies.budgets`, :func:`~proofs_checks.strategies.alphas`,
:func:`~proofs_checks.strategies.temperatures`, also through their ``map``/``filter``): one coordinate, mapped
onto the range by a logistic (budgets, α: the open range, so an exact end such as a budget of 0 is kept only as
drawn, or reached by rounding to a closed end) or by its logarithm clamped into the range (temperatures). It is
rounded as a block coordinate is (the simplest rational within a relative radius), clamped into the range and
never onto an excluded lower end (α > 0). A number drawn directly from ``st.fractions``, ``st.floats`` or
``st.integers`` has no registered range and stays fixed.

**The parameters are the strategy's draws, not its output.** A claim's strategy often *computes* values from
drawn ones (q set to p, α lowered to a threshold of the prior): moving the output would break those relations
and "refute" a true theorem outside its domain. So the blocks are found in the values the strategy *drew*
(:func:`recording` keeps them, in a :class:`Drawn`), and every point is rebuilt by replaying the strategy's own
code with the moved draws (:meth:`Drawn.replay`), which recomputes every relation the code computes. A replay
whose code draws differently (another number of draws, another strategy at some position, a failed filter or
assumption) is outside the domain (:class:`Outside`), counted, and never a candidate. What is entered: the
fixed dictionaries of ``Claim(given={...})`` and ``@st.composite`` strategies, recursively; each other draw is
one value (an exported strategy of :mod:`proofs_checks.strategies`, an integer, ...), moved within its shape and
zero pattern, which is why a later draw depending only on supports (``histories(policy)``) stays valid. Values
drawn from ``just``/``sampled_from``, or through a map and a filter, never move. A value drawn from a strategy of
narrower range than its shape (bounded fractions inside a tuple) may move out of that range: state such a bound
as a hypothesis part.

A second guard remains: a claim may state a relation as a *hypothesis part* (a
:class:`~proofs_checks.claim.Part` flagged ``hypothesis=True`` or named ``"hypothesis..."``); a point where a
hypothesis part does not hold by more than the claim's tolerance is outside the claim's domain and is never a
candidate, and the objective is the margin of the other parts.

>>> from fractions import Fraction
>>> import theory
>>> from proofs_checks import Claim, certify, strategies as S
>>> tight = Claim(id="pinsker-1001", title="TVD ≤ sqrt(KL/2.002)", kind="conjecture",
...     given={"p": S.distributions(2), "q": S.distributions(2)},
...     lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a), relation="<=",
...     rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / Fraction(2002, 1000)))
>>> half = (Fraction(1, 2), Fraction(1, 2))
>>> r = refine(tight, [{"p": half, "q": (Fraction(1, 3), Fraction(2, 3))}])
>>> certify(tight, r.candidates[0].instance).holds
False
>>> from hypothesis import strategies as st
>>> @st.composite
... def equal_pair(draw):  # q is computed, not drawn: KL(p‖q) = 0 on the whole domain
...     p = draw(S.distributions(2))
...     return {"p": p, "q": p}
>>> zero = Claim(id="kl-self", title="KL(p‖p) = 0", given=equal_pair(),
...     lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a), relation="==", rhs=lambda x, a: 0)
>>> start = find_drawn(equal_pair(), lambda d: 0 < d.instance["p"][0] < 1)
>>> refine(zero, [start], max_evaluations=60).candidates
()
>>> cold = Claim(id="temperature-at-most-6", title="λ ≤ 6", kind="conjecture", given={"t": S.temperatures()},
...     lhs=lambda x, a: a.convert(x["t"]), relation="<=", rhs=lambda x, a: 6)
>>> refine(cold, [find_drawn(cold.strategy)]).candidates[0].instance  # λ moved from 1 within [1/100, 100]
{'t': Fraction(100, 1)}
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import time
import warnings
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from hypothesis import reject
from hypothesis.errors import HypothesisDeprecationWarning, InvalidArgument, UnsatisfiedAssumption
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.internal.conjecture.utils import fisher_yates_shuffle
from hypothesis.strategies import SearchStrategy, composite
from hypothesis.strategies._internal.collections import FixedDictStrategy
from hypothesis.strategies._internal.core import CompositeStrategy
from hypothesis.strategies._internal.lazy import LazyStrategy
from hypothesis.strategies._internal.strategies import FilteredStrategy, SampledFromStrategy
from scipy.optimize import minimize

import theory
from theory.arith import simplest_rational
from .instances import InstanceError, decode, encode
from .scope import _instance_key, _rebuild, _Scoped

__all__ = [
    "Block",
    "Drawn",
    "Outside",
    "find_drawn",
    "Refinement",
    "RefineError",
    "parameter_blocks",
    "recording",
    "refine",
    "RADII",
]

#: Relative radii tried, in turn, when rounding a minimizer to rationals: each positive coordinate x becomes the
#: simplest rational (smallest denominator, Stern–Brocot) within x·(1 ± radius). Coarse radii first, so the
#: simplest candidates come first.
RADII = tuple(Fraction(1, 10**k) for k in (1, 2, 3, 4, 5, 6, 8, 10, 12))
# Logits are clipped here (relative to the block's reference coordinate): e^-200 is still a normal float, so no
# positive coordinate underflows to an exact zero, which would change the support.
_LOGIT_CLIP = 200.0
# Objective value standing for an infinite margin, an exception or nan (the optimizer needs finite numbers).
_HUGE = 1e300
# Spread (in logits) of the seeded perturbed starts, one per entry, and the initial simplex step.
_PERTURBATIONS = (0.3, 1.0)
_SIMPLEX_STEP = 0.1
# Minimizers rounded to rationals; evaluations kept back from the optimizer for that rounding.
_ROUNDED_MINIMIZERS = 3
# Fewest evaluations worth giving one optimizer run.
_MIN_RUN = 10
# A scalar drawn at an end of its range starts this far inside it, in its logistic coordinate (σ(5) ≈ 0.9933).
_SCALAR_EDGE = 5.0


class RefineError(ValueError):
    """An option of :func:`refine` is invalid, or a start is not an instance (a dict)."""


@dataclass(frozen=True)
class Block:
    """One probability vector among an instance's continuous parameters.

    ``path`` leads, in ``encode(instance)``, to the JSON list holding the block's numbers; ``values`` are those
    numbers exactly; when ``semi``, the missing mass ``1 - sum(values)`` is one more coordinate. Blocks with the
    same ``group`` come from one policy, environment or mixture occurring more than once, and move together.

    >>> from fractions import Fraction
    >>> b = parameter_blocks({"p": (Fraction(1, 4), Fraction(1, 2))})[0]
    >>> b.path, b.semi, b.coordinates
    (('dict', 'p', 'tuple'), True, (Fraction(1, 4), Fraction(1, 2), Fraction(1, 4)))
    """

    path: tuple
    values: tuple
    semi: bool
    group: int

    @property
    def coordinates(self) -> tuple:
        """The block's coordinates, summing to exactly 1: the values, then the missing mass when semi."""
        return self.values + ((1 - sum(self.values, Fraction(0)),) if self.semi else ())


@dataclass(frozen=True)
class Refinement:
    """What :func:`refine` found.

    ``candidates``: :class:`Drawn` exact instances whose float evaluation is a candidate violation, simplest
    first (the caller certifies each ``.instance``); ``tightest``: up to a few :class:`Drawn` with the smallest
    float margins (evidence when nothing violates); ``starts``: optimizer runs; ``evaluations``: float
    evaluations spent; ``errors``: evaluations where the claim or the strategy's code raised; ``margin``: the
    smallest float margin of the claim's conclusions seen (inf when nothing was evaluated); ``outside``:
    evaluations outside the claim's domain (the strategy's replay raised :class:`Outside`, or a hypothesis part of
    the claim did not strictly hold).

    >>> Refinement((), (), 0, 0, 0).margin
    inf
    """

    candidates: tuple
    tightest: tuple
    starts: int
    evaluations: int
    errors: int
    margin: float = math.inf
    outside: int = 0


# ---------------------------------------------------------------------------------------------------------------
# Recording a strategy's draws, and replaying its code
# ---------------------------------------------------------------------------------------------------------------
class Outside(Exception):
    """A replay left the strategy's domain: its code drew a different number of times or from a different
    strategy, a filter failed, ``assume(False)`` or ``reject()`` was called, or a strategy raised
    ``InvalidArgument``. Not an input error: :func:`refine` counts it (:attr:`Refinement.outside`).

    >>> from hypothesis import strategies as st
    >>> d = find_drawn(st.fixed_dictionaries({"n": st.integers(0, 3)}))
    >>> d.replay((1, 2))
    Traceback (most recent call last):
    ...
    proofs_checks.refine.Outside: the strategy drew 1 values, 2 were recorded
    """


class _Filtered(Exception):
    """A filter of the strategy failed on a drawn or replayed value."""


@dataclass(frozen=True, repr=False)
class Drawn:
    """An instance together with the values its strategy drew to build it.

    ``instance`` is what the claim evaluates; ``draws`` are the values drawn by the strategy's code, in order (for
    ``st.fixed_dictionaries`` the dict's values; for an ``@st.composite`` the values its ``draw`` returned, nested
    composites and fixed dictionaries entered in turn; for anything else one draw, the whole instance);
    ``strategies`` describe the strategies drawn, same order; ``ranges`` give, per draw, the range a scalar
    strategy registered (:meth:`range_of`); ``movable`` says, per draw, whether its continuous
    parameters may move (a value drawn from ``just``/``sampled_from``, or through a filter and a map, is a
    constant of the strategy's domain: it stays). :meth:`replay` runs the strategy's code again with other
    draws, so every value the code computes from them (a table copied from another, a parameter lowered to a
    threshold) is recomputed. Two ``Drawn`` print, and so deduplicate, as their instances do.

    >>> from fractions import Fraction
    >>> from hypothesis import strategies as st
    >>> from proofs_checks import strategies as S
    >>> @st.composite
    ... def same(draw):
    ...     p = draw(S.distributions(2))
    ...     return {"p": p, "q": p}
    >>> d = find_drawn(same())
    >>> d.draws == (d.instance["p"],), d.strategies
    (True, ('distributions(2, 1, 4, False, 12)',))
    >>> third = (Fraction(1, 3), Fraction(2, 3))
    >>> d.replay((third,)) == {"p": third, "q": third}
    True
    """

    instance: object
    draws: tuple
    strategies: tuple
    movable: tuple = ()
    source: object = field(default=None, compare=False)
    ranges: tuple = field(default=(), compare=False)

    @classmethod
    def of(cls, instance) -> "Drawn":
        """An instance with no recorded strategy: one draw, the whole instance (moving it moves the output).

        >>> Drawn.of({"n": 1}).replay(({"n": 2},))
        {'n': 2}
        """
        return cls(instance, (instance,), ("instance",), (True,))

    def replay(self, draws) -> object:
        """The instance the strategy's code builds when its draws return ``draws`` (in order); raises
        :class:`Outside` if the code draws differently (see the class example)."""
        draws = tuple(draws)
        if self.source is None:
            if len(draws) != 1:
                raise Outside(f"an instance without a strategy is one draw, got {len(draws)}")
            return draws[0]
        walker = _Walker(values=draws, descriptions=self.strategies)
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Using `(assume|reject)` outside", category=HypothesisDeprecationWarning
            )
            try:
                instance = walker.draw(self.source)
            except _Filtered as err:
                raise Outside(f"a filter failed on replay: {err}") from None
            except (UnsatisfiedAssumption, InvalidArgument) as err:
                raise Outside(f"{type(err).__name__} on replay: {err}") from None
        if walker.position != len(draws):
            raise Outside(f"the strategy drew {walker.position} values, {len(draws)} were recorded")
        return instance

    def with_draws(self, draws) -> "Drawn":
        """A new ``Drawn``: ``draws`` replayed (raises :class:`Outside` as :meth:`replay` does).

        >>> Drawn.of({"n": 1}).with_draws(({"n": 2},)).instance
        {'n': 2}
        """
        draws = tuple(draws)
        return Drawn(self.replay(draws), draws, self.strategies, self.movable, self.source, self.ranges)

    def is_movable(self, i: int) -> bool:
        """Whether draw ``i``'s continuous parameters may move."""
        return self.movable[i] if self.movable else True

    def range_of(self, i: int):
        """The registered range of the scalar strategy draw ``i`` came from (its ``scalar_range``: min_value,
        max_value, exclude_min, log), or None.

        >>> from hypothesis import strategies as st
        >>> from proofs_checks import strategies as S
        >>> d = find_drawn(st.fixed_dictionaries({"alpha": S.alphas(), "x": st.fractions(0, 1)}))
        >>> tuple(d.range_of(0)), d.range_of(1)
        ((Fraction(0, 1), Fraction(1, 1), True, False), None)
        """
        return self.ranges[i] if i < len(self.ranges) else None

    def __repr__(self) -> str:
        return f"Drawn({_instance_key(self.instance)})"


def _summary(arg) -> str:
    """An argument of a strategy as it identifies the strategy: numbers, strings and containers of them as they
    are, strategies by description, other objects (policies, environments: values that move, and whose type a
    move may change, a drawn subclass becoming its decoded base class) as ``...``."""
    if arg is None or isinstance(arg, (bool, numbers.Number, str)):
        return repr(arg)
    if isinstance(arg, (tuple, list)):
        return "(" + ", ".join(_summary(a) for a in arg) + ")"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k!r}: {_summary(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, SearchStrategy):
        return _describe(arg)
    return "..."


def _describe(s) -> str:
    """A short description of a strategy, the same for the same strategy drawn again with moved objects."""
    if isinstance(s, _Scoped):
        inner = _describe(s._inner)
        transforms = s._transformations
    elif isinstance(s, LazyStrategy):
        name = getattr(s.function, "__name__", type(s.function).__name__).lstrip("_")
        args = [_summary(a) for a in s._LazyStrategy__args]
        args += [f"{k}={_summary(v)}" for k, v in s._LazyStrategy__kwargs.items()]
        inner = f"{name}({', '.join(args)})"
        transforms = s._transformations
    else:
        return type(s).__name__
    return inner + "".join(f".{method}()" for method, *_ in transforms)


def _untransformed(s):
    """A lazy strategy without its transforms (drawing it makes the same choices as drawing ``s``)."""
    if isinstance(s, _Scoped):
        return _Scoped(s._inner, s.definition)
    return LazyStrategy(s.function, s._LazyStrategy__args, s._LazyStrategy__kwargs)


def _scalar_range(s):
    """The range registered on an exported scalar strategy (``S.budgets``, ``S.alphas``, ``S.temperatures``: a
    ``scalar_range`` on its small-scope definition, which ``map`` and ``filter`` keep), or None."""
    if not isinstance(s, _Scoped):
        return None
    return getattr(s, "scalar_range", None) or getattr(s.definition, "scalar_range", None)


def _nested(base) -> bool:
    return isinstance(base, CompositeStrategy) or (isinstance(base, FixedDictStrategy) and base.optional is None)


def _classify(s) -> tuple:
    """``(kind, strategy, transforms)``: ``"nested"`` (a composite or fixed dictionary, entered: ``strategy`` is
    its unwrapped form, ``transforms`` applied to its value), ``"value"`` (a draw of ``strategy``, movable, then
    the maps ``transforms``), ``"filtered"`` (a draw of the whole strategy; on replay its filters, when it has no
    map, are checked again), ``"fixed"`` (``just``/``sampled_from``: a draw of the whole strategy, which stays)."""
    if isinstance(s, _Scoped):  # an exported strategy: its small scope is its own definition, never entered
        base, transforms = None, s._transformations
    elif isinstance(s, LazyStrategy):
        base, transforms = _rebuild(s), s._transformations
        if _nested(base):
            return "nested", base, transforms
    else:
        if _nested(s):
            return "nested", s, ()
        if isinstance(s, SampledFromStrategy):
            return "fixed", s, ()
        if isinstance(s, FilteredStrategy):
            return "filtered", s, tuple(("filter", c) for c in s.flat_conditions)
        return "value", s, ()
    if isinstance(base, SampledFromStrategy):
        return "fixed", s, ()
    if any(method == "filter" for method, *_ in transforms):
        return "filtered", s, transforms
    return "value", (_untransformed(s) if transforms else s), transforms


def _apply_transforms(value, transforms):
    for method, fn, *_ in transforms:
        if method == "map":
            value = fn(value)
        elif not fn(value):
            raise _Filtered(repr(fn))
    return value


def _contains(elements, value) -> bool:
    for e in elements:
        if e is value:
            return True
        try:
            if bool(e == value):
                return True
        except Exception:  # noqa: BLE001 - an element that cannot be compared (arrays): not this one
            pass
    return False


class _Walker:
    """Runs a strategy's construction, entering composites and fixed dictionaries, either recording the leaf
    values drawn (``draw`` given) or returning recorded ones in order (``values`` given)."""

    def __init__(self, draw=None, values=None, descriptions=None):
        self._draw, self._values, self._descriptions = draw, values, descriptions
        data = getattr(draw, "__self__", None)
        self._data = data if isinstance(data, ConjectureData) else None
        self.values, self.descriptions, self.movable, self.ranges = [], [], [], []
        self.position = 0

    def __call__(self, strategy, label=None):
        return self.draw(strategy)

    def draw(self, s):
        if not isinstance(s, SearchStrategy):
            raise InvalidArgument(f"draw expected a hypothesis strategy, got {s!r}")
        kind, base, transforms = _classify(s)
        if kind == "nested":
            if isinstance(base, CompositeStrategy):
                value = base.definition(self, *base.args, **base.kwargs)
            else:
                pairs = [(k, self.draw(v)) for k, v in base.mapping.items()]
                if self._data is not None:  # as hypothesis's own fixed_dictionaries: the same choices
                    fisher_yates_shuffle(self._data, pairs)
                value = type(base.mapping)(pairs) if isinstance(base.mapping, dict) else dict(pairs)
            return _apply_transforms(value, transforms)
        description = _describe(s)
        if self._values is None:  # recording
            raw = self._draw(base)
            self.values.append(raw)
            self.descriptions.append(description)
            self.movable.append(kind == "value" or (kind == "filtered" and all(m == "filter" for m, *_ in transforms)))
            self.ranges.append(_scalar_range(s))
            return _apply_transforms(raw, transforms) if kind == "value" else raw
        # replaying
        k = self.position
        if k >= len(self._values):
            raise Outside(f"the strategy drew more than the {len(self._values)} recorded values")
        if self._descriptions[k] != description:
            raise Outside(f"draw {k} is from {description}, was from {self._descriptions[k]}")
        self.position += 1
        raw = self._values[k]
        if kind == "value":
            return _apply_transforms(raw, transforms)
        if kind == "filtered" and all(m == "filter" for m, *_ in transforms):
            return _apply_transforms(raw, transforms)
        if kind == "fixed":
            plain = _rebuild(s) if isinstance(s, LazyStrategy) and not s._transformations else s
            if isinstance(plain, SampledFromStrategy) and not plain._transformations:
                elements = tuple(plain.elements)
                if len(elements) == 1:  # just(x): x as the code computes it now
                    return elements[0]
                if not _contains(elements, raw):
                    raise Outside(f"draw {k} is no longer one of the values of {description}")
        return raw


@composite
def _recording(draw, strategy):
    walker = _Walker(draw=draw)
    try:
        instance = walker.draw(strategy)
    except _Filtered:
        reject()
    return Drawn(
        instance,
        tuple(walker.values),
        tuple(walker.descriptions),
        tuple(walker.movable),
        strategy,
        tuple(walker.ranges),
    )


def recording(strategy) -> SearchStrategy:
    """A strategy of :class:`Drawn`: the instances of ``strategy``, each with the values its code drew.

    Under hypothesis and under the small-scope enumerator (:func:`proofs_checks.scope.enumerate_instances`) it
    makes exactly the choices ``strategy`` makes, so it yields the same instances in the same order (one
    exception: a filter on a composite or fixed dictionary rejects the whole draw, where hypothesis would
    retry it).

    >>> from hypothesis import strategies as st
    >>> from proofs_checks.scope import enumerate_instances
    >>> from proofs_checks import strategies as S
    >>> cases = st.fixed_dictionaries({"n": st.integers(0, 1), "p": S.distributions(2)})
    >>> [d.instance == x for d, x in zip(enumerate_instances(recording(cases)), enumerate_instances(cases))]
    [True, True, True, True, True, True, True, True, True, True, True, True, True, True, True, True, True, True]
    >>> recording("cases")
    Traceback (most recent call last):
    ...
    proofs_checks.refine.RefineError: strategy='cases' must be a hypothesis strategy
    """
    if not isinstance(strategy, SearchStrategy):
        raise RefineError(f"strategy={strategy!r} must be a hypothesis strategy")
    return _recording(strategy)


def find_drawn(strategy, condition=lambda d: True) -> Drawn:
    """The first :class:`Drawn` of ``recording(strategy)`` meeting ``condition``, found deterministically by
    hypothesis (its smallest, after shrinking). A convenience for examples and tests.

    >>> from hypothesis import strategies as st
    >>> find_drawn(st.fixed_dictionaries({"n": st.integers(0, 3)}), lambda d: d.instance["n"] > 1).draws
    (2,)
    """
    from hypothesis import find, settings

    return find(recording(strategy), condition, settings=settings(database=None, derandomize=True))


# ---------------------------------------------------------------------------------------------------------------
# Finding the blocks
# ---------------------------------------------------------------------------------------------------------------
def _exact_numbers(items):
    """The Fractions of a JSON list of ``{"q": ...}`` numbers, or None if it is anything else."""
    out = []
    for item in items:
        if not (isinstance(item, dict) and set(item) == {"q"}):
            return None
        out.append(Fraction(item["q"]))
    return out


def _walk(value, data, path, found):
    """Append ``(identity, path, values, semi)`` for each candidate block under ``value`` (encoded as ``data``).

    The Python value is walked alongside its JSON for one reason: identity. The same object reached twice must
    stay one set of parameters, and JSON alone cannot tell a shared object from two equal ones."""
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, data["dict"][k], path + ("dict", k), found)
    elif isinstance(value, (tuple, list)):
        tag = "tuple" if isinstance(value, tuple) else "list"
        items = data[tag]
        numbers_ = _exact_numbers(items) if items else None
        if numbers_ is not None:
            total = sum(numbers_, Fraction(0))
            if len(numbers_) >= 2 and all(x >= 0 for x in numbers_) and total <= 1:
                # A tuple is a value: two equal (even identical) tuples are two sets of parameters.
                found.append((("vector", path), path + (tag,), tuple(numbers_), total < 1))
            return
        for i, v in enumerate(value):
            _walk(v, items[i], path + (tag, i), found)
    elif isinstance(value, theory.FiniteStatePolicy):
        tag = "softmax_policy" if "softmax_policy" in data else "finite_state_policy"
        rows = data[tag]["emission"]
        for s, row in enumerate(rows):
            found.append(
                (
                    (id(value), s),
                    path + (tag, "emission", s),
                    tuple(Fraction(x) for x in row),
                    bool(value.semi),
                )
            )
    elif isinstance(value, theory.FiniteStateEnvironment):
        rows = data["finite_state_environment"]["emission"]
        for s, by_action in enumerate(rows):
            for a, row in enumerate(by_action):
                found.append(
                    (
                        (id(value), s, a),
                        path + ("finite_state_environment", "emission", s, a),
                        tuple(Fraction(x) for x in row),
                        False,
                    )
                )
    elif isinstance(value, theory.BayesianMixture):
        body = data["mixture"]
        prior = tuple(Fraction(w["q"]) for w in body["prior"])
        found.append(((id(value), "prior"), path + ("mixture", "prior"), prior, sum(prior, Fraction(0)) < 1))
        for i, c in enumerate(value.components):
            _walk(c, body["components"][i], path + ("mixture", "components", i), found)
    elif isinstance(value, theory.FunctionPolicy) and isinstance(data, dict) and "function_policy" in data:
        _walk(value.fn.policy, data["function_policy"]["of"], path + ("function_policy", "of"), found)
    # Anything else (numbers, histories, utilities, programs) is fixed.


def _blocks(instance) -> tuple[dict, list]:
    if not isinstance(instance, dict):
        raise RefineError(f"an instance is a dict of values, got {instance!r}")
    data = encode(instance)
    found: list = []
    _walk(instance, data, (), found)
    groups: dict = {}
    blocks = []
    for identity, path, values, semi in found:
        block = Block(path, values, semi, groups.setdefault(identity, len(groups)))
        if sum(1 for c in block.coordinates if c > 0) >= 2:  # one positive coordinate: nothing can move
            blocks.append(block)
    # Renumber the groups that kept a block, in order of appearance.
    order = {g: i for i, g in enumerate(dict.fromkeys(b.group for b in blocks))}
    return data, [Block(b.path, b.values, b.semi, order[b.group]) for b in blocks]


def parameter_blocks(instance) -> list:
    """The continuous parameters of an instance: its :class:`Block` s, in the order of ``encode(instance)``.

    >>> import theory
    >>> pi = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1], [0]], [[0], [1]]])
    >>> [(b.path, b.values) for b in parameter_blocks({"pi": pi, "mu": pi, "horizon": 2})]
    [(('dict', 'pi', 'finite_state_policy', 'emission', 0), (Fraction(1, 2), Fraction(1, 2))), \
(('dict', 'mu', 'finite_state_policy', 'emission', 0), (Fraction(1, 2), Fraction(1, 2)))]
    >>> [b.group for b in parameter_blocks({"pi": pi, "mu": pi})]  # one object: one set of parameters
    [0, 0]
    >>> parameter_blocks({"budget": Fraction(1, 2)})
    []
    >>> parameter_blocks([1, 2])
    Traceback (most recent call last):
    ...
    proofs_checks.refine.RefineError: an instance is a dict of values, got [1, 2]
    """
    return _blocks(instance)[1]


# ---------------------------------------------------------------------------------------------------------------
# A parameter view of one instance
# ---------------------------------------------------------------------------------------------------------------
def _renormalized(approx: list, reference: int) -> list | None:
    """Exact coordinates summing to 1: ``approx`` with the reference (largest) coordinate set to 1 minus the
    others; None if that leaves it non-positive."""
    out = list(approx)
    out[reference] = 1 - (sum(approx, Fraction(0)) - approx[reference])
    return out if out[reference] > 0 else None


def _simplest_near(x: float, radius: Fraction) -> Fraction:
    """The simplest rational within ``x·(1 ± radius)``: positive for ``x > 0`` (a relative radius keeps a tiny
    coordinate tiny and never rounds it to an exact zero, which would change the support).

    >>> _simplest_near(0.5258, Fraction(1, 100)), _simplest_near(1e-7, Fraction(1, 10))
    (Fraction(9, 17), Fraction(1, 9090910))
    """
    exact = Fraction(x)
    return simplest_rational(exact * (1 - radius), exact * (1 + radius))


def _sigmoid(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@dataclass(frozen=True)
class _Scalar:
    """A scalar draw of a strategy with a registered range (``scalar_range``): one coordinate t of R^d, mapped
    by a logistic onto the open range, or, on a log scale (temperatures), t = ln x clamped into the range; then
    rounded exactly into the range."""

    key: str
    value: Fraction
    lo: Fraction
    hi: Fraction
    exclude_min: bool
    log: bool

    @classmethod
    def of(cls, key: str, value, scalar_range) -> "_Scalar | None":
        """The parameter of a drawn ``value`` in ``scalar_range``; None if it cannot move (no range, an empty
        or malformed one, or a value that is not an exact number inside it)."""
        if scalar_range is None or isinstance(value, bool) or not isinstance(value, numbers.Rational):
            return None
        try:
            lo, hi = Fraction(scalar_range.min_value), Fraction(scalar_range.max_value)
            exclude_min, log = bool(scalar_range.exclude_min), bool(scalar_range.log)
        except (AttributeError, TypeError, ValueError):
            return None
        value = Fraction(value)
        if not 0 <= lo < hi or (log and lo == 0) or not lo <= value <= hi or (exclude_min and value == lo):
            return None
        return cls(key, value, lo, hi, exclude_min, log)

    def _ends(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.lo), math.log(self.hi)
        return float(self.lo), float(self.hi)

    def start(self) -> float:
        """The coordinate of the drawn value; on the logistic, a value at an end of the range starts just
        inside it."""
        if self.log:
            return math.log(self.value)
        a, b = self._ends()
        u = (float(self.value) - a) / (b - a)
        if self.value == self.lo or u <= 0:
            return -_SCALAR_EDGE
        if self.value == self.hi or u >= 1:
            return _SCALAR_EDGE
        return float(np.clip(math.log(u / (1 - u)), -_LOGIT_CLIP, _LOGIT_CLIP))

    def at(self, t: float) -> float:
        """The float value at coordinate ``t``."""
        a, b = self._ends()
        if self.log:
            return math.exp(float(np.clip(t, a, b)))
        return a + (b - a) * _sigmoid(float(np.clip(t, -_LOGIT_CLIP, _LOGIT_CLIP)))

    def exact(self, x: float, radius: Fraction | None) -> Fraction:
        """An exact value in the range near ``x``: all its digits (``radius`` None) or the simplest rational
        within the relative radius, clamped into the range (an excluded lower end is never returned)."""
        q = Fraction(x)
        low, high = (q, q) if radius is None else (q * (1 - radius), q * (1 + radius))
        low, high = max(low, self.lo), min(high, self.hi)
        if low > high:  # rounding put the float just outside the range
            low = high = self.lo if q < self.lo else self.hi
        if self.exclude_min and low <= self.lo:
            if high <= self.lo:
                high = self.lo + (self.hi - self.lo) / 2**64
            low = (self.lo + high) / 2
        return simplest_rational(low, high)


class _View:
    """The movable draws of a :class:`Drawn` as a point of R^d: the free logits of their blocks (one set per
    group), then one coordinate per scalar draw with a registered range. The view's JSON ``data`` holds only the
    draws that have blocks or are such scalars, keyed by their index."""

    def __init__(self, drawn: Drawn):
        self.drawn = drawn
        movable, scalars = {}, {}
        for i, value in enumerate(drawn.draws):
            if not drawn.is_movable(i):
                continue
            scalar = _Scalar.of(str(i), value, drawn.range_of(i))
            if scalar is not None:
                scalars[scalar.key] = scalar
                movable[scalar.key] = value
                continue
            try:
                encode(value)
            except InstanceError:  # a value with no exact JSON form: it stays
                continue
            except Exception:  # noqa: BLE001 - a user's object that encode cannot read: it stays
                continue
            movable[str(i)] = value
        _, found = _blocks(movable)
        keys = {b.path[1] for b in found} | set(scalars)
        self.data, self.blocks = _blocks({k: v for k, v in movable.items() if k in keys})
        self.scalars = list(scalars.values())
        self.key = json.dumps(self.data, sort_keys=True) + "|" + _instance_key(drawn.instance)
        self.groups = []  # per group: (coordinates of its first block, positive indices, reference index)
        for g in range(len({b.group for b in self.blocks})):
            coords = next(b for b in self.blocks if b.group == g).coordinates
            positive = [i for i, c in enumerate(coords) if c > 0]
            reference = max(positive, key=lambda i: (coords[i], -i))
            self.groups.append((coords, positive, reference))
        self.dim = sum(len(p) - 1 for _, p, _ in self.groups) + len(self.scalars)

    def start(self) -> np.ndarray:
        """The logits of the instance itself (relative to each group's reference coordinate), then the
        coordinates of its scalars."""
        x = []
        for coords, positive, reference in self.groups:
            base = math.log(coords[reference])
            x.extend(math.log(coords[i]) - base for i in positive if i != reference)
        x.extend(sc.start() for sc in self.scalars)
        return np.array(x, dtype=float)

    def floats(self, theta) -> list:
        """Each group's coordinates at ``theta``, as floats (softmax over its positive coordinates), then each
        scalar's value."""
        out, k = [], 0
        for coords, positive, reference in self.groups:
            logits = {reference: 0.0}
            for i in positive:
                if i != reference:
                    logits[i] = float(np.clip(theta[k], -_LOGIT_CLIP, _LOGIT_CLIP))
                    k += 1
            top = max(logits.values())
            weights = {i: math.exp(v - top) for i, v in logits.items()}
            total = sum(weights.values())
            out.append([weights[i] / total if i in weights else 0.0 for i in range(len(coords))])
        out.extend(sc.at(theta[k + j]) for j, sc in enumerate(self.scalars))
        return out

    def exact(self, floats: list, radius: Fraction | None) -> dict | None:
        """The instance's JSON with each group set to exact coordinates near ``floats`` (all of the float's
        digits when ``radius`` is None, else the simplest rationals within that relative radius; a group whose
        floats are None keeps the start's values; scalars likewise, kept inside their ranges); None if a
        renormalized coordinate would not be positive."""
        values = []
        for (coords, positive, reference), xs in zip(self.groups, floats):
            if xs is None:  # a group reset to the start: its exact values, unrounded
                values.append(list(coords))
                continue
            approx = [Fraction(0)] * len(coords)
            for i in positive:
                approx[i] = Fraction(xs[i]) if radius is None else _simplest_near(xs[i], radius)
                if approx[i] <= 0:  # only a float that underflowed: keep the support
                    approx[i] = Fraction(1, 2**1074)
            exact = _renormalized(approx, reference)
            if exact is None:
                return None
            values.append(exact)
        data = copy.deepcopy(self.data)
        for block in self.blocks:
            target = data
            for step in block.path:
                target = target[step]
            for i in range(len(block.values)):
                v = values[block.group][i]
                target[i] = {"q": str(v)} if isinstance(target[i], dict) else str(v)
        for sc, x in zip(self.scalars, floats[len(self.groups) :]):
            data["dict"][sc.key] = {"q": str(sc.value if x is None else sc.exact(x, radius))}
        return data

    def rebuild(self, data: dict) -> Drawn:
        """The :class:`Drawn` whose movable draws are ``data``: the strategy's code replayed on them (raises
        :class:`Outside` if it draws differently)."""
        draws = list(self.drawn.draws)
        for key, value in decode(data).items():
            draws[int(key)] = value
        return self.drawn.with_draws(draws)


def _complexity(view: _View, data: dict) -> tuple:
    """How simple an instance's block entries are: the largest denominator, then the sum of denominators."""
    dens = []
    for block in view.blocks:
        target = data
        for step in block.path:
            target = target[step]
        for item in target:
            dens.append(Fraction(item["q"] if isinstance(item, dict) else item).denominator)
    dens.extend(Fraction(data["dict"][sc.key]["q"]).denominator for sc in view.scalars)
    return (max(dens, default=1), sum(dens))


# ---------------------------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------------------------
class _Stop(Exception):
    """The evaluation budget or the deadline ran out (raised through scipy to end a run)."""


def _is_hypothesis(part) -> bool:
    """Whether a part states the claim's hypothesis (flagged ``hypothesis=True``, or named "hypothesis...")
    rather than its conclusion."""
    return bool(getattr(part, "hypothesis", False)) or str(getattr(part, "name", "")).startswith("hypothesis")


def _float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _nearly_holds(part, tolerance: float) -> bool:
    """A float part holds up to the claim's tolerance (a hypothesis the strategy's replayed code makes hold
    exactly, α lowered to its threshold, is 0 up to rounding)."""
    scale = 1.0 + sum(abs(v) for v in map(_float, (part.lhs, part.rhs)) if math.isfinite(v))
    return _float(part.margin) >= -tolerance * scale  # false for nan


def _strictly_holds(part, tolerance: float) -> bool:
    """A float part holds by more than the claim's tolerance, so the exact part holds too (a hypothesis on its
    boundary, such as α lowered exactly to its threshold, may fail exactly after any move)."""
    scale = 1.0 + sum(abs(v) for v in map(_float, (part.lhs, part.rhs)) if math.isfinite(v))
    margin = _float(part.margin)
    return margin > tolerance * scale  # false for nan


class _Evaluator:
    """Float evaluations of a claim on exact JSON points, within a budget and a deadline.

    The objective is the smallest margin of the claim's conclusions; an instance where a hypothesis part does
    not strictly hold is outside the claim's domain (moving blocks can break a relation the strategy built in),
    and, like an exception or a nan, is +inf for the objective and never a candidate."""

    def __init__(self, claim, max_evaluations: int, deadline: float | None):
        self.claim, self.max_evaluations, self.deadline = claim, max_evaluations, deadline
        self.evaluations = self.errors = self.outside = 0
        self.best = math.inf

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def __call__(self, view: _View, data: dict, *, limit: int):
        """``(objective, margin, is_candidate, drawn)`` at ``data`` (the view's movable draws); raises _Stop
        past ``limit`` evaluations or the deadline. A replay that leaves the strategy's domain, and a claim's
        (or a strategy's) exception, are counted."""
        if self.evaluations >= min(limit, self.max_evaluations) or self.out_of_time():
            raise _Stop
        self.evaluations += 1
        try:
            drawn = view.rebuild(data)
        except Outside:
            self.outside += 1
            return _HUGE, math.inf, False, None
        except Exception:  # noqa: BLE001 - the strategy's own code raised on moved values: counted
            self.errors += 1
            return _HUGE, math.inf, False, None
        instance = drawn.instance
        try:
            ev = self.claim.evaluate(instance, "float")
            hypotheses = [p for p in ev.parts if _is_hypothesis(p)]
            # A replayed strategy recomputes its relations exactly: a hypothesis on its boundary is admitted (and
            # a candidate's hypotheses are confirmed in certified arithmetic, see `confirmed`); a moved output
            # must keep its hypotheses by more than the tolerance.
            holds = _nearly_holds if view.drawn.source is not None else _strictly_holds
            admissible = all(holds(p, self.claim.tolerance) for p in hypotheses)
            margin = (
                min((_float(p.margin) for p in ev.parts if not _is_hypothesis(p)), default=math.inf)
                if hypotheses
                else _float(ev.margin)
            )
            candidate = admissible and margin < 0 and self.claim.float_candidate(ev)
        except Exception:  # noqa: BLE001 - a claim's own error must not end the search; it is counted
            self.errors += 1
            return _HUGE, math.inf, False, None
        if not admissible:
            self.outside += 1
            return _HUGE, math.inf, False, drawn
        if math.isnan(margin):
            return _HUGE, math.inf, False, drawn
        self.best = min(self.best, margin)
        return float(np.clip(margin, -_HUGE, _HUGE)), margin, candidate, drawn

    def confirmed(self, drawn: Drawn) -> bool:
        """Whether a candidate lies in the claim's domain: its hypothesis parts hold strictly in float, or else
        in certified arithmetic (a hypothesis on its boundary in float). An exact failure counts as outside."""
        from .claim import certify  # lazily: claim imports this module's callers

        try:
            ev = self.claim.evaluate(drawn.instance, "float")
            hypotheses = [p for p in ev.parts if _is_hypothesis(p)]
            if all(_strictly_holds(p, self.claim.tolerance) for p in hypotheses):
                return True
            exact = certify(self.claim, drawn.instance)
        except Exception:  # noqa: BLE001 - counted, as every error of the claim
            self.errors += 1
            return False
        if any(p.holds is False for p in exact.parts if _is_hypothesis(p)):
            self.outside += 1
            return False
        return True


def _run(view: _View, x0: np.ndarray, evaluator: _Evaluator, limit: int) -> tuple | None:
    """One Nelder–Mead run from ``x0``; its best point ``(margin, theta, candidate)`` (None if none evaluated)."""
    best: list = []

    def objective(theta):
        data = view.exact(view.floats(theta), None)
        f, margin, candidate, _ = evaluator(view, data, limit=limit)
        if not best or f < best[0][0]:
            best[:] = [(f, margin, np.array(theta, dtype=float), candidate)]
        return f

    # Our own initial simplex: scipy's default moves a zero logit (a uniform block) by only 0.00025.
    simplex = np.vstack([x0] + [x0 + _SIMPLEX_STEP * e for e in np.eye(view.dim)])
    try:
        minimize(
            objective,
            x0,
            method="Nelder-Mead",
            options={
                "initial_simplex": simplex,
                "maxfev": max(limit - evaluator.evaluations, 1),
                "xatol": 1e-7,
                "fatol": 1e-15,
                "adaptive": view.dim > 4,
            },
        )
    except _Stop:
        pass
    if not best:
        return None
    _, margin, theta, candidate = best[0]
    return margin, theta, candidate


def _check_options(starts, seed, max_starts, max_evaluations, deadline) -> list:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise RefineError(f"seed={seed!r} must be an integer")
    for name, value in (("max_starts", max_starts), ("max_evaluations", max_evaluations)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise RefineError(f"{name}={value!r} must be a positive integer")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, numbers.Real)):
        raise RefineError(f"deadline={deadline!r} must be a time.monotonic() value or None")
    if isinstance(starts, dict):
        raise RefineError("starts is one instance; pass a list of instances")
    try:
        starts = list(starts)
    except TypeError:
        raise RefineError(f"starts={starts!r} must be an iterable of instances") from None
    out = []
    for s in starts:
        if isinstance(s, Drawn):
            out.append(s)
        elif isinstance(s, dict):
            out.append(Drawn.of(s))
        else:
            raise RefineError(f"a start must be a Drawn or an instance (a dict of values), got {s!r}")
    return out


def _views(starts, max_starts: int) -> list:
    views, seen = [], set()
    for drawn in starts:
        try:
            view = _View(drawn)
        except InstanceError:  # a value with no exact JSON form: nothing we can move
            continue
        if view.dim == 0 or view.key in seen:
            continue
        seen.add(view.key)
        views.append(view)
        if len(views) == max_starts:
            break
    return views


def refine(
    claim, starts, *, seed: int = 0, max_starts: int = 6, max_evaluations: int = 2000, deadline: float | None = None
) -> Refinement:
    """Minimize ``claim``'s float margin over the continuous parameters of ``starts``; round the minimizers.

    ``starts`` are :class:`Drawn` objects (from :func:`recording` of the claim's strategy), tightest first; a
    plain instance (a dict) is one draw, the whole instance. The parameters are those of the movable draws; each
    point is rebuilt by replaying the strategy's code (a replay leaving its domain counts in ``outside``). At
    most ``max_starts`` distinct starts with continuous parameters are used, each as itself and with seeded
    perturbations of its logits. At most ``max_evaluations`` float evaluations are spent, and none after
    ``deadline`` (a ``time.monotonic()`` value). The claim's and the strategy's own exceptions are counted,
    never raised. Candidates and tightest points are :class:`Drawn`: certify their ``.instance``.
    Deterministic for a given ``seed``.

    >>> from fractions import Fraction
    >>> import theory
    >>> from proofs_checks import Claim, strategies as S
    >>> true = Claim(id="kl-nonnegative", title="KL ≥ 0", given={"p": S.distributions(2)},
    ...              lhs=lambda x, a: theory.kl(x["p"], (Fraction(1, 2), Fraction(1, 2)), arith=a),
    ...              relation=">=", rhs=lambda x, a: 0)
    >>> r = refine(true, [{"p": (Fraction(1, 3), Fraction(2, 3))}], max_evaluations=100)
    >>> r.candidates, r.evaluations <= 100, r.tightest[0].instance["p"]
    ((), True, (Fraction(1, 2), Fraction(1, 2)))
    >>> refine(true, [{"p": Fraction(1, 3)}]).starts  # no continuous parameter: nothing to optimize
    0
    """
    starts = _check_options(starts, seed, max_starts, max_evaluations, deadline)
    rng = np.random.default_rng(int(seed))
    views = _views(starts, int(max_starts))
    evaluator = _Evaluator(claim, int(max_evaluations), deadline)
    # Keep some evaluations for rounding: each rounded minimizer costs one per radius.
    reserve = min(_ROUNDED_MINIMIZERS * len(RADII), max_evaluations // 4)
    plan = [(view, x0) for view in views for x0 in _starting_points(view, rng)]
    minimizers: list = []  # (margin, run index, view, theta, candidate)
    runs = 0
    for index, (view, x0) in enumerate(plan):
        left = max_evaluations - reserve - evaluator.evaluations
        if left < 1 or evaluator.out_of_time():
            break
        limit = evaluator.evaluations + max(left // (len(plan) - index), min(_MIN_RUN, left))
        runs += 1
        found = _run(view, x0, evaluator, limit)
        if found is not None:
            margin, theta, candidate = found
            minimizers.append((margin, index, view, theta, candidate))
            if candidate:  # a float violation: round it rather than spend the rest of the budget
                break
    candidates, tightest = _round(minimizers, evaluator)
    return Refinement(
        tuple(candidates),
        tuple(tightest),
        runs,
        evaluator.evaluations,
        evaluator.errors,
        evaluator.best,
        evaluator.outside,
    )


def _starting_points(view: _View, rng: np.random.Generator) -> list:
    x0 = view.start()
    return [x0] + [x0 + rng.normal(0.0, spread, size=view.dim) for spread in _PERTURBATIONS]


def _round(minimizers: list, evaluator: _Evaluator) -> tuple[list, list]:
    """Exact instances near the best distinct minimizers: the candidate violations (simplest first) and the
    tightest rounded instances (smallest float margin first)."""
    minimizers = sorted(minimizers, key=lambda m: (m[0], m[1]))
    negative = [m for m in minimizers if m[0] < 0]
    chosen, seen = [], set()
    for margin, index, view, theta, candidate in negative or minimizers:
        floats = view.floats(theta)
        key = json.dumps(view.exact(floats, None), sort_keys=True)
        if key not in seen:
            seen.add(key)
            chosen.append((margin, index, view, floats, candidate))
        if len(chosen) == _ROUNDED_MINIMIZERS:
            break
    found: list = []  # (complexity, margin, order, instance, candidate, minimizer)
    keys: set = set()
    for m, (margin, _index, view, floats, candidate) in enumerate(chosen):
        if candidate:
            margin, floats = _simplify(view, floats, margin, evaluator)
        for level, radius in enumerate(RADII + (None,)):
            data = view.exact(floats, radius)
            if data is None:
                continue
            key = json.dumps(data, sort_keys=True)
            if key in keys:
                continue
            keys.add(key)
            if radius is None:
                # The minimizer itself: the optimizer evaluated exactly this instance already.
                if margin == math.inf:  # it raised, or lies outside the claim's domain
                    continue
                try:
                    instance = view.rebuild(data)
                except Exception:  # noqa: BLE001 - the optimizer's point replayed already; never expected
                    continue
                rounded, is_candidate = margin, candidate
            else:
                try:
                    _, rounded, is_candidate, instance = evaluator(view, data, limit=evaluator.max_evaluations)
                except _Stop:
                    continue
            if instance is None or rounded == math.inf:  # raised, or nan: no evidence either way
                continue
            found.append((_complexity(view, data), rounded, (m, level), instance, is_candidate, m))
    candidates = [
        f[3] for f in sorted((f for f in found if f[4]), key=lambda f: (f[0], f[1], f[2])) if evaluator.confirmed(f[3])
    ]
    best_per_minimizer: dict = {}
    for f in sorted(found, key=lambda f: (f[1], f[0], f[2])):
        best_per_minimizer.setdefault(f[5], f)
    tightest = [f[3] for f in sorted(best_per_minimizer.values(), key=lambda f: (f[1], f[2]))]
    return candidates, tightest


def _simplify(view: _View, floats: list, margin: float, evaluator: _Evaluator) -> tuple[float, list]:
    """Reset each group in turn to the start's values while the float violation survives (a shrink step: a
    counterexample reads best when it moves only what the violation needs). Returns the margin and the floats,
    None for a reset group."""
    floats = list(floats)
    for g in range(len(floats)):
        trial = floats[:g] + [None] + floats[g + 1 :]
        data = view.exact(trial, None)
        if data is None:
            continue
        try:
            _, trial_margin, candidate, _ = evaluator(view, data, limit=evaluator.max_evaluations)
        except _Stop:
            break
        if candidate:
            floats, margin = trial, trial_margin
    return margin, floats

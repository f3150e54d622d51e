"""Small-scope exhaustive enumeration: every instance of a strategy's smallest scope, smallest first.

Random search misses false statements whose counterexamples are tiny (two steps, probabilities 1/2 and 1). The
*small-scope hypothesis* (Alloy; SmallCheck and LeanCheck enumerate by size tiers) says most such statements
have a counterexample in a small scope, so before random search every claim walks its smallest instances
exhaustively and deterministically.

How. A hypothesis strategy is run as a generator of *choice points*, each a finite ordered list of options
(smallest / simplest first), by introspection of the strategy objects: integers, booleans, ``sampled_from``,
``just``, tuples, lists, fixed dictionaries, ``one_of``, ``map``, ``filter``, ``flatmap``, ``builds``,
``shared``, ``deferred``, fractions, floats, and ``@st.composite`` functions (called with our own ``draw``).
Strategies that carry a *small-scope definition* (every exported strategy of :mod:`proofs_checks.strategies`,
and any strategy passed to :func:`small_scope`) are run by that definition instead of by their random
construction. So a user's own composite, drawing from exported strategies, gets the enumeration for free.

Plain strategies get a small scope too: an integer range its :data:`SMALL_INTEGERS` values nearest
hypothesis's shrink target plus its far bounds; a list up to :data:`LIST_EXTRA` elements beyond its minimum;
fractions and floats the grid values in range (:data:`PROBABILITY_GRID`, :data:`NEAR_BOUNDARY`, -1, 2) and
their bounds; ``sampled_from`` all its elements; a filter on a plain strategy filters its options.

A run is a *leaf*; its cost is the sum of the costs of its choices (by default the chosen options' indices).
Leaves are visited by tiers of cost 0, 1, 2, ... (iterative deepening over the choice tree, which is kept, so
each leaf is run once), lexicographically within a tier, and deduplicated (by exact JSON, else ``repr``). A
leaf is *rejected* (and counted) when a filter fails, ``assume(False)`` / ``reject()`` is called, a strategy
raises ``InvalidArgument``, or a run makes more than :data:`MAX_CHOICES` choices. A strategy the chooser cannot
read (``st.data()``, ``st.text()``, ...) ends the enumeration cleanly, with ``unsupported`` naming it.

>>> from hypothesis import strategies as st
>>> scope = enumerate_instances(st.tuples(st.booleans(), st.integers(0, 2)))
>>> list(scope)
[(False, 0), (False, 1), (True, 0), (False, 2), (True, 1), (True, 2)]
>>> scope.describe()
'small scope: 6 instances (exhausted), tiers 0-3'
"""

from __future__ import annotations

import inspect
import math
import time
import warnings
from fractions import Fraction
from itertools import islice
from weakref import WeakKeyDictionary

from hypothesis.errors import HypothesisDeprecationWarning, InvalidArgument, UnsatisfiedAssumption
from hypothesis.internal.reflection import get_pretty_function_description
from hypothesis.strategies import SearchStrategy
from hypothesis.strategies import fractions as _st_fractions
from hypothesis.strategies import integers as _st_integers

# hypothesis internals, read by introspection (hypothesis 6.155); a strategy class not handled below is reported
# as unsupported, so a renamed internal degrades to random search, never to a crash.
from hypothesis.strategies._internal.collections import (
    FixedDictStrategy,
    ListStrategy,
    TupleStrategy,
    UniqueListStrategy,
    UniqueSampledListStrategy,
)
from hypothesis.strategies._internal.core import BuildsStrategy, CompositeStrategy
from hypothesis.strategies._internal.deferred import DeferredStrategy
from hypothesis.strategies._internal.flatmapped import FlatMapStrategy
from hypothesis.strategies._internal.lazy import LazyStrategy
from hypothesis.strategies._internal.misc import BooleansStrategy, Nothing
from hypothesis.strategies._internal.numbers import FloatStrategy, IntegersStrategy
from hypothesis.strategies._internal.shared import SharedStrategy
from hypothesis.strategies._internal.strategies import (
    FilteredStrategy,
    MappedStrategy,
    OneOfStrategy,
    SampledFromStrategy,
)

__all__ = [
    "enumerate_instances",
    "SmallScope",
    "small_scope",
    "ScopeError",
    "SCOPE_DESCRIPTION",
    "PROBABILITY_GRID",
    "NEAR_BOUNDARY",
    "MAX_CHOICES",
]

#: The probabilities every small scope is built from, simplest first.
PROBABILITY_GRID = tuple(Fraction(x) for x in ("0", "1", "1/2", "1/3", "2/3", "1/4", "3/4"))
#: Near-boundary probabilities (a tiny mass moved off a point mass), for statements that fail only there.
NEAR_BOUNDARY = (Fraction(1, 1000), Fraction(999, 1000))
#: The scope in words, for reports.
SCOPE_DESCRIPTION = (
    "1–2 states, |A|,|O| ≤ 2, horizons 1–2, 1–3 components, probabilities in "
    "{0, 1/4, 1/3, 1/2, 2/3, 3/4, 1} ∪ {1/1000, 999/1000}"
)
#: A run making more choices than this is rejected (guards generators that never stop choosing).
MAX_CHOICES = 10_000
#: How many of the smallest values of a plain integer range are in scope (its far bounds are added).
SMALL_INTEGERS = 3
#: Extra elements a list may have beyond its minimum size, in scope.
LIST_EXTRA = 2
#: How many elements of a ``sampled_from`` are filtered or mapped eagerly.
MAX_SAMPLED = 256


class ScopeError(ValueError):
    """A bad option of the small-scope API (a limit, a deadline, a definition, a choice's costs).

    >>> enumerate_instances("not a strategy")
    Traceback (most recent call last):
    ...
    proofs_checks.scope.ScopeError: strategy='not a strategy' must be a hypothesis strategy
    """


class _Reject(Exception):
    """This leaf is skipped (a failed filter, no option, too many choices)."""


class _Unsupported(Exception):
    """The chooser cannot interpret this strategy."""


# ---------------------------------------------------------------------------------------------------------------
# Strategies that carry their own small-scope definition
# ---------------------------------------------------------------------------------------------------------------
def _identity(strategy):
    return strategy


# A transform is (method, function) before hypothesis 6.150-ish and (method, function, call site) after; hypothesis
# unpacks its own length, so ours must match it. Read the arity off a probe rather than a version number.
_TRANSFORM_ARITY = len(_st_integers().map(abs)._transformations[-1])


def _transform(method: str, fn) -> tuple:
    return (method, fn, None)[:_TRANSFORM_ARITY]


class _Scoped(LazyStrategy):
    """A strategy drawing exactly as ``inner`` does (hypothesis unwraps lazy strategies before drawing, so the
    random behaviour is unchanged), carrying the definition of its small scope. ``map`` and ``filter`` keep it
    (a definition kept as an attribute would be lost: hypothesis rebuilds lazy strategies on ``map``, and
    unwraps the arguments of ``st.lists`` / ``st.tuples``)."""

    def __init__(self, inner, definition, transforms=()):
        super().__init__(_identity, (inner,), {}, transforms=transforms)
        self._inner = inner
        self.definition = definition

    def map(self, pack):
        return _Scoped(self._inner, self.definition, (*self._transformations, _transform("map", pack)))

    def filter(self, condition):
        return _Scoped(self._inner, self.definition, (*self._transformations, _transform("filter", condition)))

    def __repr__(self) -> str:
        return repr(self._inner) + "".join(
            f".{method}({get_pretty_function_description(fn)})" for method, fn, *_ in self._transformations
        )


def small_scope(strategy, definition):
    """``strategy`` with a small-scope definition attached: enumeration runs ``definition(choose)`` instead of
    interpreting the strategy's random construction. ``choose(options)`` returns one of the options (a finite
    sequence, simplest first; ``costs=`` optionally gives non-decreasing costs instead of the indices) and
    ``choose.draw(other_strategy)`` draws from another strategy. Random draws are exactly those of ``strategy``;
    ``map`` and ``filter`` keep the definition.

    >>> from hypothesis import strategies as st
    >>> weights = small_scope(st.integers(1, 10**6), lambda choose: choose([1, 2, 10**6]))
    >>> list(enumerate_instances(weights.map(lambda w: -w)))
    [-1, -2, -1000000]
    >>> sizes = small_scope(st.integers(0, 9), lambda choose: choose([0, 1, 9], costs=[0, 0, 5]))
    >>> scope = enumerate_instances(sizes)
    >>> list(scope), scope.max_cost
    ([0, 1, 9], 5)
    >>> small_scope(st.integers(), "not callable")
    Traceback (most recent call last):
    ...
    proofs_checks.scope.ScopeError: definition='not callable' must be a callable definition(choose) -> value
    """
    if not isinstance(strategy, SearchStrategy):
        raise ScopeError(f"strategy={strategy!r} must be a hypothesis strategy")
    if not callable(definition):
        raise ScopeError(f"definition={definition!r} must be a callable definition(choose) -> value")
    return _Scoped(strategy, definition)


# ---------------------------------------------------------------------------------------------------------------
# The chooser: one run of a generator, replaying a prefix of choices and taking option 0 beyond it
# ---------------------------------------------------------------------------------------------------------------
class _Chooser:
    """What a small-scope definition receives: ``choose(options, costs=None)`` and ``choose.draw(strategy)``."""

    __slots__ = ("_prefix", "trace", "_steps", "_shared")

    def __init__(self, prefix):
        self._prefix = prefix
        self.trace: list = []  # (index, number of options, costs or None) of every choice among 2+ options
        self._steps = 0
        self._shared: dict = {}

    def __call__(self, options, *, costs=None):
        if not isinstance(options, (list, tuple, range)):
            options = list(options)
        n = len(options)
        self._steps += 1
        if self._steps > MAX_CHOICES:
            raise _Reject(f"more than {MAX_CHOICES} choices")
        if n == 0:
            raise _Reject("no option")
        if costs is not None:
            costs = _check_costs(costs, n)
        if n == 1:
            return options[0]
        k = len(self.trace)
        i = self._prefix[k] if k < len(self._prefix) else 0
        if i >= n:  # only a non-deterministic generator offers fewer options on replay
            raise _Reject("the options changed on replay")
        self.trace.append((i, n, costs))
        return options[i]

    def draw(self, strategy, label=None):
        """One value of ``strategy`` (``label`` is accepted, as hypothesis's ``draw`` does, and ignored)."""
        return _draw(self, strategy)


def _check_costs(costs, n) -> tuple:
    costs = tuple(costs)
    if (
        len(costs) != n
        or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in costs)
        or any(a > b for a, b in zip(costs, costs[1:]))
    ):
        raise ScopeError(f"costs={costs!r} must be {n} non-decreasing non-negative integers")
    return tuple(c - costs[0] for c in costs)  # option 0 (the default beyond a prefix) must cost nothing


def _cost(i, costs) -> int:
    return i if costs is None else costs[i]


# ---------------------------------------------------------------------------------------------------------------
# Interpreting hypothesis strategies
# ---------------------------------------------------------------------------------------------------------------
_FRACTIONS = _st_fractions(0, 1).function
_LISTS = (ListStrategy, UniqueListStrategy, UniqueSampledListStrategy)
_FRACTION_SIGNATURE = inspect.signature(_FRACTIONS)
_REBUILT: WeakKeyDictionary = WeakKeyDictionary()


def _rebuild(s: LazyStrategy):
    """The strategy a lazy one stands for, built from its *original* arguments (hypothesis's own unwrapping
    replaces them by unwrapped copies, which would lose their small-scope definitions); transforms not applied."""
    try:
        return _REBUILT[s]
    except KeyError:
        pass
    base = s.function(*s._LazyStrategy__args, **s._LazyStrategy__kwargs)
    _REBUILT[s] = base
    return base


def _apply(value, transforms):
    """Apply ``(method, fn)`` transforms to one chosen value; a failed filter rejects the leaf."""
    for method, fn, *_ in transforms:
        if method == "map":
            value = fn(value)
        elif not fn(value):
            raise _Reject("filter")
    return value


def _has_filter(transforms) -> bool:
    return any(method == "filter" for method, *_ in transforms)


def _apply_eagerly(options, transforms) -> list:
    """Transforms applied to every option, so that a filter removes options instead of rejecting leaves."""
    out = []
    for value in islice(options, MAX_SAMPLED):
        try:
            out.append(_apply(value, transforms))
        except _Reject:
            pass
    return out


def _integers_in_scope(start, end, transforms=()) -> list:
    """The SMALL_INTEGERS values nearest hypothesis's shrink target (0, else the bound nearest 0) that pass the
    filters among ``transforms``, then the far bounds (boundary values); ``transforms`` applied to each."""
    if start is not None and end is not None and start > end:
        return []
    if (start is None or start <= 0) and (end is None or end >= 0):
        origin = 0
    else:
        origin = start if start is not None and start > 0 else end

    def candidates():
        yield origin
        for d in range(1, 1000):
            for v in (origin + d, origin - d):
                if (start is None or v >= start) and (end is None or v <= end):
                    yield v
            if start is not None and end is not None and origin - d <= start and origin + d >= end:
                return

    def passing(values):
        for v in values:
            try:
                yield v, _apply(v, transforms)
            except _Reject:
                pass

    chosen = list(islice(passing(candidates()), SMALL_INTEGERS))
    taken = {v for v, _ in chosen}
    chosen += passing(b for b in dict.fromkeys((end, start)) if b is not None and b not in taken)
    return [value for _, value in chosen]


def _grid_numbers(lo, hi, *, max_denominator=None) -> list:
    """Grid and near-boundary numbers in [lo, hi] (None: unbounded) and the bounds themselves, simplest first
    (smaller denominators, then nearer 0: hypothesis's shrink order for fractions)."""
    pool = set(PROBABILITY_GRID) | set(NEAR_BOUNDARY) | {Fraction(-1), Fraction(2)}
    pool |= {b for b in (lo, hi) if b is not None}
    inside = [
        x
        for x in pool
        if (lo is None or x >= lo)
        and (hi is None or x <= hi)
        and (max_denominator is None or x.denominator <= max_denominator)
    ]
    return sorted(inside, key=lambda x: (x.denominator, abs(x), x < 0))


def _fraction_options(s: LazyStrategy) -> list:
    bound = _FRACTION_SIGNATURE.bind(*s._LazyStrategy__args, **s._LazyStrategy__kwargs)
    bound.apply_defaults()
    lo, hi = (None if v is None else Fraction(v) for v in (bound.arguments["min_value"], bound.arguments["max_value"]))
    return _grid_numbers(lo, hi, max_denominator=bound.arguments["max_denominator"])


def _float_options(s: FloatStrategy) -> list:
    lo = None if math.isinf(s.min_value) else Fraction(s.min_value)
    hi = None if math.isinf(s.max_value) else Fraction(s.max_value)
    return [float(x) for x in _grid_numbers(lo, hi)] or [float(s.min_value)]


def _options(s):
    """``(options, transforms still to apply to the chosen one)`` for a strategy that is one choice point, else
    None (compound strategies). Filters are applied to the options eagerly, so they remove options."""
    if isinstance(s, _Scoped):
        return None
    if isinstance(s, LazyStrategy):
        if s.function is _FRACTIONS:
            values, pending = _fraction_options(s), ()
        else:
            base = _rebuild(s)
            if isinstance(base, IntegersStrategy) and _has_filter(s._transformations):
                # a filter chooses among the passing integers, not among the first few integers
                return _integers_in_scope(base.start, base.end, s._transformations), ()
            inner = _options(base)
            if inner is None:
                return None
            values, pending = inner
        transforms = (*pending, *s._transformations)
        if _has_filter(transforms):
            return _apply_eagerly(values, transforms), ()
        return values, transforms
    if isinstance(s, IntegersStrategy):
        return _integers_in_scope(s.start, s.end), ()
    if isinstance(s, BooleansStrategy):
        return [False, True], ()
    if isinstance(s, SampledFromStrategy):  # also just(x), and their maps and filters
        transforms = s._transformations
        if _has_filter(transforms):
            return _apply_eagerly(s.elements, transforms), ()
        return s.elements, transforms
    if isinstance(s, FloatStrategy):
        return _float_options(s), ()
    if isinstance(s, Nothing):
        return [], ()
    if isinstance(s, FilteredStrategy):
        base = s.filtered_strategy
        conditions = tuple(("filter", c) for c in s.flat_conditions)
        if isinstance(base, IntegersStrategy):
            return _integers_in_scope(base.start, base.end, conditions), ()
        inner = _options(base)
        if inner is None:
            return None
        values, pending = inner
        return _apply_eagerly(values, (*pending, *conditions)), ()
    return None


def _draw(choose: _Chooser, s):
    """One value of strategy ``s``, every choice made by ``choose``."""
    if not isinstance(s, SearchStrategy):
        raise InvalidArgument(f"draw expected a hypothesis strategy, got {s!r}")
    if isinstance(s, _Scoped):  # checked before any unwrapping: the definition replaces the construction
        return _apply(s.definition(choose), s._transformations)
    simple = _options(s)
    if simple is not None:
        values, transforms = simple
        return _apply(choose(values), transforms)
    if isinstance(s, LazyStrategy):
        return _apply(_draw(choose, _rebuild(s)), s._transformations)
    if isinstance(s, MappedStrategy):
        return s.pack(_draw(choose, s.mapped_strategy))
    if isinstance(s, FilteredStrategy):
        value = _draw(choose, s.filtered_strategy)
        if not all(c(value) for c in s.flat_conditions):
            raise _Reject("filter")
        return value
    if isinstance(s, FlatMapStrategy):
        return _draw(choose, s.expand(_draw(choose, s.base)))
    if isinstance(s, TupleStrategy):
        return tuple(_draw(choose, e) for e in s.element_strategies)
    if type(s) in _LISTS:  # exact types: st.text() is a ListStrategy of characters that joins them
        top = s.min_size + LIST_EXTRA if math.isinf(s.max_size) else min(s.max_size, s.min_size + LIST_EXTRA)
        values = [_draw(choose, s.element_strategy) for _ in range(choose(range(s.min_size, int(top) + 1)))]
        if isinstance(s, UniqueListStrategy):
            for key in s.keys:
                keys = [key(v) for v in values]
                if any(keys[i] == keys[j] for i in range(len(keys)) for j in range(i)):
                    raise _Reject("unique")
            if s.tuple_suffixes is not None:
                values = [(v, *_draw(choose, s.tuple_suffixes)) for v in values]
        return values
    if isinstance(s, FixedDictStrategy):
        pairs = [(k, _draw(choose, v)) for k, v in s.mapping.items()]
        for k, v in (s.optional or {}).items():
            if choose([False, True]):
                pairs.append((k, _draw(choose, v)))
        return type(s.mapping)(pairs) if isinstance(s.mapping, dict) else dict(pairs)
    if isinstance(s, OneOfStrategy):
        return _draw(choose, choose(s.original_strategies))
    if isinstance(s, BuildsStrategy):
        return s.target(*[_draw(choose, a) for a in s.args], **{k: _draw(choose, v) for k, v in s.kwargs.items()})
    if isinstance(s, CompositeStrategy):
        return s.definition(choose.draw, *s.args, **s.kwargs)
    if isinstance(s, DeferredStrategy):
        return _draw(choose, s.wrapped_strategy)
    if isinstance(s, SharedStrategy):
        key = s.key if s.key is not None else id(s.base)
        if key not in choose._shared:
            choose._shared[key] = _draw(choose, s.base)
        return choose._shared[key]
    try:
        shown = repr(s)
    except Exception:  # a broken repr must not hide what was unsupported
        shown = type(s).__name__
    raise _Unsupported(shown)


# ---------------------------------------------------------------------------------------------------------------
# The enumeration
# ---------------------------------------------------------------------------------------------------------------
def _instance_key(value) -> str:
    """What makes two instances the same: their exact JSON (:func:`proofs_checks.instances.encode`) when they
    have one, else their ``repr``. (A user's object may print lossily: deduplicating by ``repr`` alone could
    drop distinct instances.)"""
    from .instances import encode  # lazily: instances imports the strategies, which import this module

    try:
        return repr(encode(value))
    except Exception:  # not exact JSON (a user's own object): its repr is all we have
        return repr(value)


#: Marks a child in the choice tree whose run ended there (a leaf, possibly rejected).
_LEAF = "leaf"


def _unlink(link) -> list:
    """The path ``[i_1, ..., i_k]`` of a linked path ``(i_k, (..., (i_1, None)))``."""
    path = []
    while link is not None:
        i, link = link
        path.append(i)
    path.reverse()
    return path


class SmallScope:
    """An iterator over the small scope of a strategy (see :func:`enumerate_instances`), in a deterministic
    order: tier by tier of total cost (lexicographic by choices within a tier), each new instance once (by its
    exact JSON, :mod:`proofs_checks.instances`, else by ``repr``).

    Attributes, up to date while iterating: ``count`` (instances yielded), ``rejected`` (leaves skipped: filters,
    assumptions, invalid arguments), ``exhausted`` (True once every leaf of the scope was visited),
    ``unsupported`` (why enumeration could not run, else None), ``max_cost`` (the highest tier reached),
    ``duplicates`` (leaves whose instance was already yielded), ``runs`` (leaves visited) and ``stopped``
    (``"limit"``, ``"deadline"``, ``"exhausted"``, ``"unsupported"``, ``"error"``, or None while running).
    Reaching the limit stops the enumeration: ``exhausted`` is then True only if no leaf was left.

    The choice tree discovered so far is kept (each node: its number of options, their costs, its children),
    so every leaf is run exactly once although tiers are visited in turn.

    >>> from hypothesis import strategies as st
    >>> scope = enumerate_instances(st.integers(0, 10).filter(lambda v: v % 2), limit=2)
    >>> list(scope), scope.count, scope.exhausted, scope.stopped
    ([1, 3], 2, False, 'limit')
    """

    def __init__(self, strategy, *, limit: int = 1000, deadline: float | None = None):
        if not isinstance(strategy, SearchStrategy):
            raise ScopeError(f"strategy={strategy!r} must be a hypothesis strategy")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ScopeError(f"limit={limit!r} must be a non-negative integer")
        if deadline is not None and (
            isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or math.isnan(deadline)
        ):
            raise ScopeError(f"deadline={deadline!r} must be a time.monotonic() value or None")
        self._strategy = strategy
        self.limit = limit
        self.deadline = deadline
        self.count = 0
        self.rejected = 0
        self.duplicates = 0
        self.runs = 0
        self.exhausted = False
        self.unsupported: str | None = None
        self.max_cost = 0
        self.stopped: str | None = None
        self._root = None  # the choice tree: None (unexplored), _LEAF, or [n, costs, children]
        self._seen: set = set()
        self._leaves = self._walk()

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.stopped is None and self.count >= self.limit:
                self.stopped = "limit"
            if self.stopped is None and self.deadline is not None and time.monotonic() >= self.deadline:
                self.stopped = "deadline"
            if self.stopped is not None:
                raise StopIteration
            try:
                rejected, value = next(self._leaves)
            except StopIteration:
                raise StopIteration from None  # the walk set `stopped`
            if self.stopped == "unsupported":
                raise StopIteration
            if rejected:
                self.rejected += 1
                continue
            key = _instance_key(value)
            if key in self._seen:
                self.duplicates += 1
                continue
            self._seen.add(key)
            self.count += 1
            return value

    def _walk(self):
        """Run every leaf once, tier by tier: ``(rejected, value)`` per leaf."""
        yield self._run([])
        while self.stopped is None:
            blocked = False  # some option lies beyond this tier's cost bound: the next tier is needed
            # Entries: (node, its parent node, its index there, the path as a linked list (i, rest), its cost).
            # Paths are linked, not copied, so deep trees are walked in time linear in their size.
            stack = [(self._root, None, 0, None, 0)]
            while stack and self.stopped is None:
                node, parent, index, link, acc = stack.pop()
                if node is _LEAF:
                    continue
                if node is None:  # an unexplored leaf of cost exactly the tier's: run it, then walk what it found
                    yield self._run(_unlink(link))
                    stack.append((parent[2][index], parent, index, link, acc))
                    continue
                n, costs, children = node
                todo = []
                for i in range(n):
                    cost = acc + _cost(i, costs)
                    if cost > self.max_cost:
                        blocked = True
                        break  # costs are non-decreasing
                    if children[i] is not None or cost == self.max_cost:
                        todo.append((children[i], node, i, (i, link), cost))
                stack.extend(reversed(todo))  # option 0 first
            if self.stopped is not None:
                return
            if not blocked:
                self.exhausted, self.stopped = True, "exhausted"
                return
            self.max_cost += 1

    def _run(self, prefix) -> tuple:
        """Run the strategy with ``prefix`` (option 0 beyond it) and record the choice points it met."""
        self.runs += 1
        choose = _Chooser(prefix)
        rejected, value = False, None
        try:
            with warnings.catch_warnings():
                # Strategies run outside a hypothesis test here, on purpose: their assume() and reject() still
                # reject the leaf, without a deprecation warning each time.
                warnings.filterwarnings(
                    "ignore", message="Using `(assume|reject)` outside", category=HypothesisDeprecationWarning
                )
                value = choose.draw(self._strategy)
        except (_Reject, UnsatisfiedAssumption, InvalidArgument):
            rejected = True
        except _Unsupported as u:
            self.unsupported, self.stopped = str(u), "unsupported"
        except Exception as err:  # a defect of the strategy (or of the engine it calls): as hypothesis would
            self.stopped = "error"
            err.add_note(f"while enumerating the small scope of {self._strategy!r}, choices {prefix}")
            raise
        self._record(choose.trace)
        return rejected, value

    def _record(self, trace) -> None:
        """Add the choice points of one run to the tree (a node per choice point, _LEAF where the run ended)."""
        if not trace:
            self._root = _LEAF if self._root is None else self._root
            return
        if self._root is None:
            self._root = [trace[0][1], trace[0][2], [None] * trace[0][1]]
        node = self._root
        for k, (i, _, _) in enumerate(trace):
            children = node[2]
            if k + 1 < len(trace):
                if children[i] is None or children[i] is _LEAF:
                    _, n, costs = trace[k + 1]
                    children[i] = [n, costs, [None] * n]
                node = children[i]
            elif children[i] is None:
                children[i] = _LEAF

    def describe(self) -> str:
        """One line for reports.

        >>> from hypothesis import strategies as st
        >>> scope = enumerate_instances(st.tuples(st.booleans(), st.data()))
        >>> list(scope), scope.describe()
        ([], 'small scope: unsupported (data()); 0 instances')
        >>> scope = enumerate_instances(st.booleans())
        >>> list(scope), scope.describe()
        ([False, True], 'small scope: 2 instances (exhausted), tiers 0-1')
        """
        if self.unsupported is not None:
            return f"small scope: unsupported ({self.unsupported}); {self.count} instances"
        state = {
            "exhausted": "exhausted",
            "limit": f"truncated at the limit {self.limit}",
            "deadline": "truncated at the deadline",
            "error": "stopped by an error",
        }.get(self.stopped, "not exhausted")
        out = f"small scope: {self.count} instances ({state}), tiers 0-{self.max_cost}"
        if self.rejected:
            out += f", {self.rejected} rejected"
        return out

    def __repr__(self) -> str:
        return f"<SmallScope {self.describe()}>"


def enumerate_instances(strategy, *, limit: int = 1000, deadline: float | None = None) -> SmallScope:
    """The small scope of ``strategy``, exhaustively and deterministically, smallest first: an iterator of at
    most ``limit`` distinct instances that stops at ``deadline`` (a ``time.monotonic()`` value) and reports
    whether the scope was exhausted (see :class:`SmallScope`).

    >>> from proofs_checks import strategies as S
    >>> scope = enumerate_instances(S.distributions(2))
    >>> [tuple(str(p) for p in x) for x in scope][:4]
    [('1', '0'), ('1/2', '1/2'), ('0', '1'), ('2/3', '1/3')]
    >>> scope.exhausted, scope.count
    (True, 9)
    >>> enumerate_instances(S.distributions(2), limit=-1)
    Traceback (most recent call last):
    ...
    proofs_checks.scope.ScopeError: limit=-1 must be a non-negative integer
    """
    return SmallScope(strategy, limit=limit, deadline=deadline)

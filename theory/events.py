"""Events on histories: monotone predicates "has E happened by history h", evaluated a tree level at a time.

An event is what a switching policy waits for ("behave like P until E first happens, then like Q", the paper's
unprecedented event). Every event here is *monotone*: once it has happened in a history it has happened in every
extension, so a switch made at its first occurrence is made for good.

* :class:`ObservationOccurred` ``(x)`` — some step of h has observation x;
* :class:`ActionOccurred` ``(a)`` — some step of h has action a;
* :class:`LengthAtLeast` ``(T)`` — ``len(h) >= T`` (T a positive integer, possibly astronomically large: the
  event that is unprecedented until time T and happens at T, the paper's Proposition 2).

Each event has the batched interface of the kernels (:mod:`theory.kernels`): a *state batch* (an int64 array, one
row per tree node) from ``initial(ctx)``, ``advance(state, parent, actions, observations, flags, ctx)`` (row i of
the result extends row ``parent[i]``), ``happened(state)`` (bool array) and ``key(state)`` (int64 array (N, 1)
identifying rows with the same future). ``holds(history)`` evaluates one plain history directly (the slow,
obviously-correct path the batched one is tested against). ``table(n_actions, n_observations)`` gives the event as
a deterministic finite automaton, from which :mod:`theory.programs` builds product machines.

>>> import numpy as np
>>> from theory.events import ObservationOccurred
>>> e = ObservationOccurred(1)
>>> e.holds(((0, 0), (1, 1))), e.holds(((0, 0),))
(True, False)
>>> s = e.initial(None)
>>> s = e.advance(s, np.array([0, 0]), np.array([0, 0]), np.array([0, 1]), np.array([True, True]), None)
>>> e.happened(s)
array([False,  True])
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import AlphabetError, HorizonError, ResourceLimitError
from .kernels import MAX_ALPHABET, check_alphabet_size, normalize_history
from .validation import _shown

__all__ = [
    "Event",
    "ObservationOccurred",
    "ActionOccurred",
    "LengthAtLeast",
    "LENGTH_CAP",
    "TABLE_LIMIT",
    "TABLE_ENTRIES_LIMIT",
]

#: Lengths are stored capped at this value: no history anyone can build is longer, and it fits in int64.
LENGTH_CAP = 2**62

#: Largest number of automaton states :meth:`Event.table` will tabulate.
TABLE_LIMIT = 10**7

#: Largest number of entries (states × actions × observations) of one tabulated automaton.
TABLE_ENTRIES_LIMIT = 4 * 10**7


def _table_alphabets(n_states: int, n_actions, n_observations) -> tuple[int, int]:
    """Validated alphabet sizes for :meth:`Event.table`, refusing a table above :data:`TABLE_ENTRIES_LIMIT`.

    >>> _table_alphabets(2, 3, 2)
    (3, 2)
    >>> _table_alphabets(2, 10**6, 10**6)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: an automaton table of 2 states × 1000000 actions × 1000000 observations has 2000000000000 entries, above the limit 40000000 (events.TABLE_ENTRIES_LIMIT); use smaller alphabets
    """
    n_actions = check_alphabet_size(n_actions, "n_actions")
    n_observations = check_alphabet_size(n_observations, "n_observations")
    entries = n_states * n_actions * n_observations
    if entries > TABLE_ENTRIES_LIMIT:
        raise ResourceLimitError(
            f"an automaton table of {n_states} states × {n_actions} actions × {n_observations} observations has "
            f"{entries} entries, above the limit {TABLE_ENTRIES_LIMIT} (events.TABLE_ENTRIES_LIMIT); use smaller "
            "alphabets"
        )
    return n_actions, n_observations


def _check_symbol(value, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise AlphabetError(
            f"{what} {_shown(value)} must be a non-negative integer (an index into the {what} alphabet)"
        )
    if int(value) >= MAX_ALPHABET:
        raise AlphabetError(
            f"{what} {_shown(int(value))} is outside every supported {what} alphabet (at most "
            f"{MAX_ALPHABET} symbols, kernels.MAX_ALPHABET)"
        )
    return int(value)


def _steps(history) -> list[tuple[int, int]]:
    """(action, observation) pairs of a plain history (pairs or flagged triples), validated."""
    return [(a, o) for a, o, _ in normalize_history(history, None, None)]


class Event:
    """A monotone predicate on histories with a batched, finite-memory evaluation.

    Subclasses set ``n_states`` (the number of automaton states, or None when unbounded) and implement the
    batched interface. States are int64 arrays with one entry per row.

    >>> LengthAtLeast(2).n_states, ObservationOccurred(0).n_states
    (3, 2)
    """

    n_states: int | None = None

    def initial(self, ctx=None) -> np.ndarray:
        """State batch (one row) of the empty history."""
        return np.zeros(1, dtype=np.int64)

    def advance(self, state, parent, actions, observations, flags=None, ctx=None) -> np.ndarray:
        """Child states: row ``i`` extends row ``parent[i]`` by ``(actions[i], observations[i])``."""
        raise NotImplementedError

    def happened(self, state) -> np.ndarray:
        """Bool array: has the event happened in each row's history."""
        raise NotImplementedError

    def key(self, state, ctx=None) -> np.ndarray:
        """int64 array (N, 1): rows with equal keys have the same future of this event."""
        return np.asarray(state, dtype=np.int64).reshape(-1, 1)

    def holds(self, history) -> bool:
        """Whether the event has happened in one plain history (direct evaluation)."""
        raise NotImplementedError

    def check_alphabets(self, n_actions: int | None, n_observations: int | None) -> None:
        """Raise :class:`~theory.errors.AlphabetError` if the event names a symbol outside the alphabets."""

    def table(self, n_actions: int, n_observations: int) -> tuple[np.ndarray, np.ndarray]:
        """The event as an automaton started in state 0: ``(transition, happened)`` with ``transition`` of shape
        (n_states, n_actions, n_observations) and ``happened`` a bool array over states."""
        raise NotImplementedError

    # Events are values: equal parameters, equal events.
    def _params(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self._params() == other._params()

    def __hash__(self):
        return hash((type(self).__name__,) + self._params())


class _SymbolOccurred(Event):
    """Shared machinery of ObservationOccurred and ActionOccurred: two states, 0 = not yet, 1 = happened; the
    subclass says which half of a step it reads (``_axis``: 0 the action, 1 the observation)."""

    n_states = 2
    _what = "symbol"
    _axis = 0
    _advice = ""

    def __init__(self, symbol):
        self.symbol = _check_symbol(symbol, self._what)

    def advance(self, state, parent, actions, observations, flags=None, ctx=None):
        seen = np.asarray((actions, observations)[self._axis]) == self.symbol
        return (np.asarray(state)[np.asarray(parent, dtype=np.int64)] | seen).astype(np.int64)

    def happened(self, state):
        return np.asarray(state) == 1

    def holds(self, history) -> bool:
        return any(step[self._axis] == self.symbol for step in _steps(history))

    def check_alphabets(self, n_actions, n_observations):
        n = (n_actions, n_observations)[self._axis]
        if n is not None and self.symbol >= check_alphabet_size(n, ("n_actions", "n_observations")[self._axis]):
            raise AlphabetError(
                f"event {self} names {self._what} {self.symbol}, outside the {self._what} alphabet 0..{n - 1}; "
                f"{self._advice}"
            )

    def table(self, n_actions, n_observations):
        n_actions, n_observations = _table_alphabets(2, n_actions, n_observations)
        self.check_alphabets(n_actions, n_observations)
        t = np.zeros((2, n_actions, n_observations), dtype=np.int64)
        t[(0,) + ((self.symbol, slice(None)), (slice(None), self.symbol))[self._axis]] = 1
        t[1] = 1
        return t, np.array([False, True])

    def _params(self):
        return (self.symbol,)

    def __repr__(self):
        return f"{type(self).__name__}({self.symbol})"

    __str__ = __repr__


class ObservationOccurred(_SymbolOccurred):
    """The event "some step of h has observation x".

    >>> ObservationOccurred(2).holds(((0, 1), (1, 2), (0, 0)))
    True
    >>> ObservationOccurred(-1)
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: observation -1 must be a non-negative integer (an index into the observation alphabet)
    """

    _what = "observation"
    _axis = 1
    _advice = "use an observation the policies can see"

    @property
    def observation(self) -> int:
        return self.symbol


class ActionOccurred(_SymbolOccurred):
    """The event "some step of h has action a".

    >>> ActionOccurred(1).holds(((0, 0), (0, 1))), ActionOccurred(1).holds(((0, 0), (1, 0)))
    (False, True)
    """

    _what = "action"
    _axis = 0
    _advice = "use an action the policies can take"

    @property
    def action(self) -> int:
        return self.symbol


class LengthAtLeast(Event):
    """The event "the history has at least T steps": ``len(h) >= T``, for a positive integer T.

    T may be astronomically large (``10**100``): the state is the length so far, capped at
    ``min(T, 2**62)`` so it fits in int64 (no history is longer than 2**62 steps), and ``n_states = T + 1`` is a
    Python int. Until length T the event is unprecedented; at T it happens.

    >>> e = LengthAtLeast(10**100)
    >>> e.holds(((0, 0),) * 5), e.n_states == 10**100 + 1
    (False, True)
    >>> LengthAtLeast(3).holds(((0, 0),) * 3)
    True
    >>> LengthAtLeast(0)
    Traceback (most recent call last):
    ...
    theory.errors.HorizonError: LengthAtLeast needs a positive integer T, got 0; use T >= 1 (length >= 0 always holds)
    """

    def __init__(self, T):
        if isinstance(T, (bool, np.bool_)) or not isinstance(T, numbers.Integral) or T < 1:
            raise HorizonError(
                f"LengthAtLeast needs a positive integer T, got {_shown(T)}; use T >= 1 (length >= 0 always holds)"
            )
        self.T = int(T)
        self.n_states = self.T + 1
        self._cap = min(self.T, LENGTH_CAP)

    def advance(self, state, parent, actions, observations, flags=None, ctx=None):
        return np.minimum(np.asarray(state, dtype=np.int64)[np.asarray(parent, dtype=np.int64)] + 1, self._cap)

    def happened(self, state):
        state = np.asarray(state, dtype=np.int64)
        if self.T > LENGTH_CAP:
            # No storable history reaches a length above 2**62.
            return np.zeros(state.shape, dtype=bool)
        return state >= self.T

    def holds(self, history) -> bool:
        return len(_steps(history)) >= self.T

    def table(self, n_actions, n_observations):
        if self.n_states > TABLE_LIMIT:
            raise HorizonError(
                f"LengthAtLeast({self.T}) has {self.n_states} automaton states, more than the {TABLE_LIMIT} "
                "that can be tabulated; use the batched interface (theory.combinators.Switch) instead"
            )
        n_actions, n_observations = _table_alphabets(self.n_states, n_actions, n_observations)
        nxt = np.minimum(np.arange(self.n_states, dtype=np.int64) + 1, self.T)
        t = np.broadcast_to(nxt[:, None, None], (self.n_states, n_actions, n_observations)).copy()
        return t, np.arange(self.n_states) >= self.T

    def _params(self):
        return (self.T,)

    def __repr__(self):
        return f"LengthAtLeast({self.T})"

    __str__ = __repr__

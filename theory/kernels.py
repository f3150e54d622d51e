"""Policies and environments as history kernels, with a batched interface for the tree engine.

A *history* is a tuple of ``(action, observation)`` int pairs. A step may carry a third entry, a bool that says
whether the demonstrator took that action (``(a, o, True)``); a plain pair counts as a demonstrator step. Only
mixtures that update on demonstrator steps alone look at the flag.

A policy maps a history to a distribution over actions (a *semi*-distribution when ``semi=True``: the missing
mass is the probability of abstaining, ⊥). An environment maps a history and an action to a distribution over
observations.

Every kernel also evaluates a whole tree level at once: it keeps a *state batch* (numpy arrays with one row per
node), and implements ``initial(ctx)``, ``advance(state, parent, actions, observations, flags, ctx)``,
``probs_batch(state, ctx)`` and ``key(state, ctx)`` (integer rows that identify nodes whose futures coincide,
used to merge histories; ``None`` when the kernel cannot say). :class:`FiniteStatePolicy` and
:class:`FiniteStateEnvironment` are the fast path: one fancy-indexing operation per level.
:meth:`Policy.from_function` and :meth:`Environment.from_function` are the general, slow path (one Python call
per node, memoized).

>>> import theory
>>> coin = theory.FiniteStatePolicy.iid([0.25, 0.75])
>>> coin.probs(((0, 0), (1, 0)))
array([0.25, 0.75])
>>> echo = theory.Policy.from_function(2, lambda h: [1, 0] if not h or h[-1][1] == 0 else [0, 1], n_observations=2)
>>> echo.probs(((0, 1),), arith="exact")
array([Fraction(0, 1), Fraction(1, 1)], dtype=object)
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Mapping, Sequence

import numpy as np

from .arith import Context, get_context, to_fraction
from .errors import AlphabetError, HistoryError, ProbabilityError, TypeMismatchError, UnderflowError
from .validation import flag as _flag, require_instance, _shown

__all__ = [
    "Kernel",
    "Policy",
    "Environment",
    "FunctionPolicy",
    "FunctionEnvironment",
    "FiniteStatePolicy",
    "FiniteStateEnvironment",
    "sequence_environment",
    "take",
    "normalize_history",
    "check_alphabet_size",
    "MAX_ALPHABET",
]

#: Largest alphabet (number of actions, observations or states per table axis) a kernel accepts: tables are
#: allocated per symbol, and no computation over a bigger alphabet finishes anyway.
MAX_ALPHABET = 1 << 20


# ---------------------------------------------------------------------------------------------------------------
# State batches and histories
# ---------------------------------------------------------------------------------------------------------------
def take(state, idx):
    """Rows ``idx`` of a state batch: an array, a tuple/list of state batches, None, or an object with its own
    ``take(idx)`` method.

    >>> take((np.arange(4), [np.arange(4) * 10, None]), np.array([3, 0]))
    (array([3, 0]), [array([30,  0]), None])
    """
    if state is None:
        return None
    if isinstance(state, np.ndarray):
        return state[idx]
    if isinstance(state, tuple):
        return tuple(take(s, idx) for s in state)
    if isinstance(state, list):
        return [take(s, idx) for s in state]
    if hasattr(state, "take"):
        return state.take(idx)
    raise TypeMismatchError(
        f"cannot index a state batch {_shown(state)} ({type(state).__name__}); a state batch is "
        "an array, a tuple or list of state batches, None, or an object with a take method"
    )


def check_alphabet_size(n, name: str) -> int:
    """An alphabet size as a Python int: a positive integer (not a bool) of at most :data:`MAX_ALPHABET`.

    >>> check_alphabet_size(3, "n_actions")
    3
    >>> check_alphabet_size(10**12, "n_actions")
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: n_actions 1000000000000 is above the largest supported alphabet size 1048576 (kernels.MAX_ALPHABET)
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or int(n) < 1:
        raise AlphabetError(f"{name} must be a positive integer, got {_shown(n)}")
    if int(n) > MAX_ALPHABET:
        raise AlphabetError(
            f"{name} {_shown(int(n))} is above the largest supported alphabet size {MAX_ALPHABET} "
            "(kernels.MAX_ALPHABET)"
        )
    return int(n)


def normalize_history(history, n_actions: int | None, n_observations: int | None) -> tuple[tuple[int, int, bool], ...]:
    """Validate a history and return it as ``(action, observation, demonstrator_flag)`` triples (an alphabet
    size of None checks only that the entries are non-negative integers).

    >>> normalize_history([(1, 0), (0, 1, False)], 2, 2)
    ((1, 0, True), (0, 1, False))
    >>> normalize_history([(0, 5)], 2, 2)
    Traceback (most recent call last):
    ...
    theory.errors.HistoryError: history step 0 has observation 5, outside the observation alphabet 0..1
    >>> normalize_history([(0, 1, "no")], 2, 2)
    Traceback (most recent call last):
    ...
    theory.errors.HistoryError: history step 0 demonstrator flag 'no' must be True or False (or 0 or 1)
    """
    if n_actions is not None:
        n_actions = check_alphabet_size(n_actions, "n_actions")
    if n_observations is not None:
        n_observations = check_alphabet_size(n_observations, "n_observations")
    if isinstance(history, (str, bytes)) or not isinstance(history, (Sequence, np.ndarray)):
        raise HistoryError(f"a history is a sequence of (action, observation) pairs, got {_shown(history)}")
    out = []
    for t, step in enumerate(history):
        if isinstance(step, (str, bytes)) or not isinstance(step, (Sequence, np.ndarray)) or len(step) not in (2, 3):
            raise HistoryError(f"history step {t} is {_shown(step)}; each step is an (action, observation) pair")
        a, o = step[0], step[1]
        # Not bool(step[2]): bool("no") is True.
        demonstrated = (
            _flag(step[2], name=f"history step {t} demonstrator flag", error=HistoryError) if len(step) == 3 else True
        )
        for value, what in ((a, "action"), (o, "observation")):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise HistoryError(f"history step {t} has {what} {_shown(value)}; {what}s are integers")
        a, o = int(a), int(o)
        if n_actions is not None and not 0 <= a < n_actions:
            raise HistoryError(f"history step {t} has action {a}, outside the action alphabet 0..{n_actions - 1}")
        if a < 0:
            raise HistoryError(f"history step {t} has negative action {a}")
        if n_observations is not None and not 0 <= o < n_observations:
            raise HistoryError(
                f"history step {t} has observation {o}, outside the observation alphabet 0..{n_observations - 1}"
            )
        if o < 0:
            raise HistoryError(f"history step {t} has negative observation {o}")
        out.append((a, o, demonstrated))
    return tuple(out)


def _exact_text(x) -> str:
    """A number as a replayable repr writes it: integers bare, other rationals as exact ``'n/d'`` strings
    (floats as the simplest rational that rounds to them, as every exact context reads them).

    >>> _exact_text(3), _exact_text("2/6"), _exact_text(0.25)
    ('3', "'1/3'", "'1/4'")
    """
    q = to_fraction(x)
    return str(q.numerator) if q.denominator == 1 else repr(f"{q.numerator}/{q.denominator}")


def _replay_text(x) -> str:
    """A parameter as a replayable repr writes it: a float as itself (its repr rebuilds the same float), any
    other number as :func:`_exact_text`.

    >>> _replay_text(0.25), _replay_text("1/4")
    ('0.25', "'1/4'")
    """
    return repr(x) if isinstance(x, float) else _exact_text(x)


def _exact_table(values) -> str:
    """A nested table of numbers as a Python list expression of :func:`_exact_text` entries.

    >>> _exact_table(np.array([[0.5, "1/2"], [1, 0]], dtype=object))
    "[['1/2', '1/2'], [1, 0]]"
    """
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(_exact_table(v) for v in values) + "]"
    return _exact_text(values)


def _plain(history) -> tuple:
    """Triples back to the user's form: pairs when every step is a demonstrator step."""
    if all(step[2] for step in history):
        return tuple((a, o) for a, o, _ in history)
    return tuple(history)


def _function_row(raw, n: int, *, what: str, where: str, per: str) -> list:
    """The list of probabilities a user function returned, checked to be a sequence (list, tuple, 1-d array) of
    length ``n``; a mapping, set, string, generator, scalar or None raises
    :class:`~theory.errors.TypeMismatchError` naming ``where`` and the value (a dict's keys are not
    probabilities).

    >>> _function_row((0.5, 0.5), 2, what="policy function", where="history ()", per="action")
    [0.5, 0.5]
    >>> _function_row({0: 0.5, 1: 0.5}, 2, what="policy function", where="history ()", per="action")
    Traceback (most recent call last):
    ...
    theory.errors.TypeMismatchError: policy function returned {0: 0.5, 1: 0.5} (dict) at history (); it must return a list, tuple or 1-d array of 2 probabilities, one per action in order
    """
    if isinstance(raw, np.ndarray):
        if raw.ndim != 1:
            raise AlphabetError(
                f"{what} returned an array of shape {raw.shape} at {where}; it must return "
                f"{n} probabilities, one per {per}"
            )
    elif isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence):
        raise TypeMismatchError(
            f"{what} returned {_shown(raw)} ({type(raw).__name__}) at {where}; it must return "
            f"a list, tuple or 1-d array of {n} probabilities, one per {per} in order"
        )
    if len(raw) != n:
        raise AlphabetError(f"{what} returned {len(raw)} probabilities at {where}; expected {n} (one per {per})")
    for i, v in enumerate(raw):
        if isinstance(v, (Sequence, np.ndarray, Mapping, set)) and not isinstance(v, str):
            raise AlphabetError(
                f"{what} returned {_shown(raw)} at {where}: entry {i} is {_shown(v)}, not a number; "
                f"return a flat sequence of {n} probabilities, one per {per}"
            )
    return list(raw)


# ---------------------------------------------------------------------------------------------------------------
# Base classes
# ---------------------------------------------------------------------------------------------------------------
class Kernel:
    """Shared machinery of policies and environments: batched states over a tree level."""

    n_actions: int
    n_observations: int | None = None

    def initial(self, ctx: Context):
        """State batch (one row) for the empty history."""
        raise NotImplementedError

    def advance(self, state, parent, actions, observations, flags, ctx: Context):
        """State batch of the children: row ``i`` extends row ``parent[i]`` by ``(actions[i], observations[i])``."""
        raise NotImplementedError

    def key(self, state, ctx: Context):
        """Integer array (N, d) identifying rows whose futures coincide, or None (no merging)."""
        return None

    def without_keys(self, state):
        """The state batch with anything kept only for :meth:`key` dropped (once a tree stops merging)."""
        return state

    def start(self, history, ctx: Context):
        """State batch (one row) after a (normalized) history."""
        state = self.initial(ctx)
        one = np.zeros(1, dtype=np.int64)
        for a, o, flag in history:
            state = self.advance(state, one, np.array([a]), np.array([o]), np.array([flag]), ctx)
        return state


class Policy(Kernel):
    """A history kernel over actions. Subclasses implement the batched interface; users call :meth:`probs`.

    ``semi`` policies may leave mass unassigned: the probability of abstaining (asking for help), ⊥.
    """

    semi: bool = False

    def probs_batch(self, state, ctx: Context) -> np.ndarray:
        """Action probabilities, shape (N, n_actions), in ``ctx``."""
        raise NotImplementedError

    def abstain_batch(self, state, ctx: Context, probs: np.ndarray | None = None) -> np.ndarray:
        """Abstain probability per row (zeros for a policy that is not semi)."""
        if probs is None:
            probs = self.probs_batch(state, ctx)
        if not self.semi:
            return ctx.zeros(probs.shape[0])
        return ctx.complement(probs.sum(axis=1))

    def probs(self, history=(), *, arith=None) -> np.ndarray:
        """The action distribution at ``history``.

        >>> import theory
        >>> theory.FiniteStatePolicy.constant(1, n_actions=3).probs()
        array([0., 1., 0.])
        """
        ctx = get_context(arith)
        with ctx.scope():
            h = normalize_history(history, self.n_actions, self.n_observations)
            return self.probs_batch(self.start(h, ctx), ctx)[0]

    def abstain(self, history=(), *, arith=None):
        """The probability of abstaining (⊥) at ``history``: 0 unless the policy is semi.

        >>> import theory
        >>> theory.Policy.from_function(2, lambda h: [0.25, 0.5], semi=True).abstain()
        0.25
        """
        ctx = get_context(arith)
        with ctx.scope():
            h = normalize_history(history, self.n_actions, self.n_observations)
            state = self.start(h, ctx)
            return ctx.to_output(self.abstain_batch(state, ctx)[0])

    @staticmethod
    def from_function(n_actions: int, fn: Callable, *, n_observations: int | None = None, semi: bool = False):
        """A policy from ``fn(history) -> probabilities`` (the general, slow path; memoized per history).

        ``fn`` receives the history as a tuple of ``(action, observation)`` pairs and returns a sequence (list,
        tuple or 1-d array) of ``n_actions`` probabilities (floats, Fractions or strings such as ``"1/3"``); any
        other return value (a dict, set, string, generator, number, None) raises
        :class:`~theory.errors.TypeMismatchError` naming the history and the value.

        >>> import theory
        >>> alternate = theory.Policy.from_function(2, lambda h: [1, 0] if len(h) % 2 == 0 else [0, 1])
        >>> alternate.probs(((0, 0),))
        array([0., 1.])
        >>> theory.Policy.from_function(2, lambda h: {0: 0.5, 1: 0.5}).probs()
        Traceback (most recent call last):
        ...
        theory.errors.TypeMismatchError: policy function returned {0: 0.5, 1: 0.5} (dict) at history (); it must return a list, tuple or 1-d array of 2 probabilities, one per action in order
        """
        return FunctionPolicy(n_actions, fn, n_observations=n_observations, semi=semi)


class Environment(Kernel):
    """A history kernel over observations, given the history and the action just taken."""

    def probs_batch(self, state, ctx: Context) -> np.ndarray:
        """Observation probabilities for every action, shape (N, n_actions, n_observations)."""
        raise NotImplementedError

    def probs(self, history=(), action: int = 0, *, arith=None) -> np.ndarray:
        """The observation distribution after ``action`` at ``history``.

        >>> import theory
        >>> theory.sequence_environment(2).probs((), 1)
        array([1.])
        """
        ctx = get_context(arith)
        with ctx.scope():
            h = normalize_history(history, self.n_actions, self.n_observations)
            if isinstance(action, bool) or not isinstance(action, numbers.Integral) or not 0 <= action < self.n_actions:
                raise HistoryError(f"action {action!r} is outside the action alphabet 0..{self.n_actions - 1}")
            return self.probs_batch(self.start(h, ctx), ctx)[0, int(action)]

    @staticmethod
    def from_function(n_actions: int, n_observations: int, fn: Callable):
        """An environment from ``fn(history, action) -> probabilities`` over observations (slow path, memoized).

        >>> import theory
        >>> noisy = theory.Environment.from_function(2, 2, lambda h, a: [0.9, 0.1] if a == 0 else [0.1, 0.9])
        >>> noisy.probs((), 1)
        array([0.1, 0.9])
        """
        return FunctionEnvironment(n_actions, n_observations, fn)


# ---------------------------------------------------------------------------------------------------------------
# The general path: functions of histories
# ---------------------------------------------------------------------------------------------------------------
class _HistoryStates:
    """State batches that are the histories themselves (object arrays of tuples)."""

    def initial(self, ctx):
        out = np.empty(1, dtype=object)
        out[0] = ()
        return out

    def advance(self, state, parent, actions, observations, flags, ctx):
        out = np.empty(len(parent), dtype=object)
        for i, (p, a, o) in enumerate(zip(parent, actions, observations)):
            out[i] = state[p] + ((int(a), int(o)),)
        return out


class FunctionPolicy(_HistoryStates, Policy):
    """A policy given by a Python function of the history; see :meth:`Policy.from_function`.

    >>> FunctionPolicy(2, lambda h: [0.5, 0.5]).probs()
    array([0.5, 0.5])
    """

    def __init__(self, n_actions: int, fn: Callable, *, n_observations: int | None = None, semi: bool = False):
        self.n_actions = check_alphabet_size(n_actions, "n_actions")
        self.n_observations = None if n_observations is None else check_alphabet_size(n_observations, "n_observations")
        if not callable(fn):
            raise TypeMismatchError(f"fn must be a function of the history, got {_shown(fn)} ({type(fn).__name__})")
        self.fn = fn
        self.semi = _flag(semi, name="semi")
        self._memo: dict = {}

    def _row(self, history, ctx):
        k = (ctx.cache_key, history)
        row = self._memo.get(k)
        if row is None:
            raw = _function_row(
                self.fn(history), self.n_actions, what="policy function", where=f"history {history!r}", per="action"
            )
            row = ctx.distribution(raw, name=f"policy probabilities at history {history!r}", semi=self.semi)
            self._memo[k] = row
        return row

    def probs_batch(self, state, ctx):
        if len(state) == 0:
            return ctx.zeros((0, self.n_actions))
        return np.stack([self._row(h, ctx) for h in state])

    def __repr__(self) -> str:
        """The call that builds the policy (it rebuilds it when the function's own repr does).

        >>> Policy.from_function(2, abs, n_observations=3)
        Policy.from_function(2, <built-in function abs>, n_observations=3)
        """
        obs = "" if self.n_observations is None else f", n_observations={self.n_observations}"
        return f"Policy.from_function({self.n_actions}, {self.fn!r}{obs}{', semi=True' if self.semi else ''})"

    def abstain_batch(self, state, ctx, probs=None):
        if not self.semi:
            return ctx.zeros(len(state))
        # From the exact rows: in ball arithmetic 1 − Σ probs would straddle 0 where the mass is exactly 0.
        exact = get_context("exact")
        return ctx.array([1 - self._row(h, exact).sum() for h in state]) if len(state) else ctx.zeros(0)


class FunctionEnvironment(_HistoryStates, Environment):
    """An environment given by a Python function; see :meth:`Environment.from_function`.

    >>> FunctionEnvironment(1, 2, lambda h, a: [1, 0]).probs()
    array([1., 0.])
    """

    def __init__(self, n_actions: int, n_observations: int, fn: Callable):
        self.n_actions = check_alphabet_size(n_actions, "n_actions")
        self.n_observations = check_alphabet_size(n_observations, "n_observations")
        if not callable(fn):
            raise TypeMismatchError(
                f"fn must be a function of the history and action, got {_shown(fn)} ({type(fn).__name__})"
            )
        self.fn = fn
        self._memo: dict = {}

    def _row(self, history, action, ctx):
        k = (ctx.cache_key, history, action)
        row = self._memo.get(k)
        if row is None:
            raw = _function_row(
                self.fn(history, action),
                self.n_observations,
                what="environment function",
                where=f"history {history!r}, action {action}",
                per="observation",
            )
            row = ctx.distribution(
                raw, name=f"observation probabilities at history {history!r}, action {action}", semi=False
            )
            self._memo[k] = row
        return row

    def probs_batch(self, state, ctx):
        if len(state) == 0:
            return ctx.zeros((0, self.n_actions, self.n_observations))
        return np.stack([np.stack([self._row(h, a, ctx) for a in range(self.n_actions)]) for h in state])

    def __repr__(self) -> str:
        """The call that builds the environment (it rebuilds it when the function's own repr does).

        >>> Environment.from_function(1, 2, divmod)
        Environment.from_function(1, 2, <built-in function divmod>)
        """
        return f"Environment.from_function({self.n_actions}, {self.n_observations}, {self.fn!r})"


# ---------------------------------------------------------------------------------------------------------------
# The fast path: finite-state machines
# ---------------------------------------------------------------------------------------------------------------
def _transition_table(transition, n_states: int, n_actions: int, name: str) -> np.ndarray:
    """The transition table as an int64 array of shape (n_states, n_actions, n_observations), every entry a state.

    >>> _transition_table([[[0], [True]]], 1, 2, "policy")
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: policy transition[0, 1, 0] = True is a bool; entries are integer state indices
    """
    shape_hint = (
        f"expected ({n_states}, {n_actions}, n_observations) (next state for each state, action and observation)"
    )
    if isinstance(transition, np.ndarray) and transition.dtype.kind in "iu":
        t = transition
    else:
        try:
            t = np.asarray(transition, dtype=object)
        except (TypeError, ValueError):
            raise AlphabetError(
                f"{name} transition {_shown(transition)} is not a rectangular table; {shape_hint}"
            ) from None
    if t.ndim != 3 or t.shape[0] != n_states or t.shape[1] != n_actions:
        raise AlphabetError(f"{name} transition has shape {t.shape} (from {_shown(transition)}); {shape_hint}")
    if t.dtype == object:
        ints = np.zeros(t.shape, dtype=np.int64)
        for idx, v in np.ndenumerate(t):
            shown = f"{name} transition{list(idx)} = {_shown(v)}"
            if isinstance(v, (bool, np.bool_)):
                raise AlphabetError(f"{shown} is a bool; entries are integer state indices")
            if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
                v = int(v)
            if not isinstance(v, numbers.Integral):
                raise AlphabetError(f"{shown} is not an integer state index ({type(v).__name__})")
            if not 0 <= int(v) < n_states:
                raise AlphabetError(f"{shown} is not a state in 0..{n_states - 1}")
            ints[idx] = int(v)
        t = ints
    bad = (t < 0) | (t >= n_states)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AlphabetError(f"{name} transition{list(idx)} = {t[idx]} is not a state in 0..{n_states - 1}")
    return t.astype(np.int64)


def _emission_array(emission, ndim: int, expected: str) -> np.ndarray:
    """An emission table as an object array of ``ndim`` dimensions, none empty; otherwise AlphabetError naming it.

    >>> _emission_array([[0.5, 0.5], [1]], 2, "(n_states, n_actions)")
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: emission [[0.5, 0.5], [1]] has shape (2,); expected (n_states, n_actions) (equal-length rows of probabilities)
    """
    try:
        em = np.asarray(emission, dtype=object)
    except (TypeError, ValueError):
        em = None
    if em is None or em.ndim != ndim or 0 in em.shape:
        shape = "no shape" if em is None else f"shape {em.shape}"
        raise AlphabetError(
            f"emission {_shown(emission)} has {shape}; expected {expected} (equal-length rows of probabilities)"
        )
    return em


class _ConvertedTable:
    """A probability table (last axis a distribution) validated once, converted lazily into each context."""

    def __init__(self, values, *, name: str, semi: bool):
        self._raw = np.asarray(values, dtype=object)
        self.shape = self._raw.shape
        self.name, self.semi = name, semi
        self._cache: dict = {}
        try:
            get_context("float").distribution(self._raw, name=name, semi=semi)  # eager validation
        except UnderflowError:
            # Valid, but not representable in float: only the float context refuses it (when asked for it).
            pass

    def get(self, ctx: Context) -> np.ndarray:
        out = self._cache.get(ctx.cache_key)
        if out is None:
            out = ctx.distribution(self._raw, name=self.name, semi=self.semi)
            self._cache[ctx.cache_key] = out
        return out

    def missing(self, ctx: Context) -> np.ndarray:
        """The mass each row leaves unassigned (⊥), computed exactly and then converted: in ball arithmetic
        1 − Σ row would be a ball straddling 0 where the mass is exactly 0."""
        key = ("missing", ctx.cache_key)
        out = self._cache.get(key)
        if out is None:
            gap = 1 - self.get(get_context("exact")).sum(axis=-1)
            with ctx.scope():
                out = ctx.array(gap)
            self._cache[key] = out
        return out


class _FiniteStateMachine:
    """What finite-state policies and environments share: a validated emission table converted lazily into each
    context, a transition table, an initial state; a state batch is an int array, advanced by one gather."""

    n_actions: int

    def _set_machine(self, emission: "_ConvertedTable", transition, initial_state, kind: str, name):
        if name is not None:
            require_instance(name, str, name="name")
        n_states = emission.shape[0]
        self._emission = emission
        self.transition = _transition_table(transition, n_states, self.n_actions, kind)
        if (
            isinstance(initial_state, bool)
            or not isinstance(initial_state, numbers.Integral)
            or not 0 <= int(initial_state) < n_states
        ):
            raise AlphabetError(f"initial_state {_shown(initial_state)} is not a state in 0..{n_states - 1}")
        self.initial_state = int(initial_state)
        self.name = name

    @property
    def n_states(self) -> int:
        return self.transition.shape[0]

    def emission(self, arith=None) -> np.ndarray:
        """The emission table in the given arithmetic."""
        return self._emission.get(get_context(arith))

    def initial(self, ctx):
        return np.array([self.initial_state], dtype=np.int64)

    def advance(self, state, parent, actions, observations, flags, ctx):
        return self.transition[state[parent], actions, observations]

    def key(self, state, ctx):
        return state[:, None]

    def probs_batch(self, state, ctx):
        return self._emission.get(ctx)[state]

    def _machine_args(self) -> str:
        # The exact table: every context converts the given numbers the same way, so these strings rebuild it.
        initial = f", initial_state={self.initial_state}" if self.initial_state else ""
        return f"{_exact_table(self.emission('exact'))}, {self.transition.tolist()!r}{initial}"

    def _name_arg(self) -> str:
        return f", name={self.name!r}" if self.name is not None else ""


class FiniteStatePolicy(_FiniteStateMachine, Policy):
    """A policy run by a deterministic finite-state machine over the history.

    ``emission[s]`` is the action distribution in state ``s`` (shape (S, |A|)); ``transition[s, a, o]`` is the
    next state after action ``a`` and observation ``o`` (shape (S, |A|, |O|)). A whole tree level is evaluated
    with one indexing operation.

    >>> import theory
    >>> # Repeat the last action with probability 3/4.
    >>> sticky = theory.FiniteStatePolicy([[0.75, 0.25], [0.25, 0.75]], [[[0], [1]], [[0], [1]]])
    >>> sticky.probs(((1, 0),))
    array([0.25, 0.75])
    """

    def __init__(self, emission, transition, initial_state: int = 0, *, semi: bool = False, name: str | None = None):
        em = _emission_array(emission, 2, "(n_states, n_actions)")
        self.n_actions = check_alphabet_size(em.shape[1], "n_actions")
        self.semi = _flag(semi, name="semi")
        self._set_machine(
            _ConvertedTable(em, name="emission", semi=self.semi), transition, initial_state, "policy", name
        )
        self.n_observations = check_alphabet_size(
            self.transition.shape[2], "n_observations (the transition's last axis)"
        )

    @classmethod
    def iid(cls, probs, *, n_observations: int = 1, semi: bool = False):
        """The i.i.d. policy drawing each action from ``probs``.

        >>> FiniteStatePolicy.iid(["1/3", "2/3"]).probs(arith="exact")
        array([Fraction(1, 3), Fraction(2, 3)], dtype=object)
        """
        n_obs = check_alphabet_size(n_observations, "n_observations")
        if isinstance(probs, np.ndarray):
            if probs.ndim != 1:
                raise AlphabetError(f"probs has shape {probs.shape}; the i.i.d. policy takes one distribution")
        elif isinstance(probs, (str, bytes, Mapping)) or not isinstance(probs, Sequence):
            raise TypeMismatchError(
                f"probs must be a sequence of action probabilities, got {_shown(probs)} ({type(probs).__name__})"
            )
        row = list(probs)
        if not row:
            raise AlphabetError("probs is empty; the i.i.d. policy needs at least one action")
        n_actions = check_alphabet_size(len(row), "n_actions")
        return cls([row], np.zeros((1, n_actions, n_obs), dtype=np.int64), semi=semi)

    @classmethod
    def constant(cls, action: int, *, n_actions: int, n_observations: int = 1):
        """The deterministic policy that always takes ``action``.

        >>> FiniteStatePolicy.constant(0, n_actions=2).probs()
        array([1., 0.])
        """
        n_actions = check_alphabet_size(n_actions, "n_actions")
        if (
            isinstance(action, (bool, np.bool_))
            or not isinstance(action, numbers.Integral)
            or not 0 <= action < n_actions
        ):
            raise AlphabetError(f"action {_shown(action)} is outside the action alphabet 0..{n_actions - 1}")
        row = [0] * n_actions
        row[int(action)] = 1
        return cls.iid(row, n_observations=n_observations)

    def abstain_batch(self, state, ctx, probs=None):
        if not self.semi:
            return ctx.zeros(len(state))
        return self._emission.missing(ctx)[state]

    def __repr__(self) -> str:
        """A Python expression that rebuilds the policy, with exact probabilities (``from theory import *``).

        >>> FiniteStatePolicy([[0.75, 0.25], ["1/3", "2/3"]], [[[1], [1]], [[1], [1]]], semi=False, name="sticky")
        FiniteStatePolicy([['3/4', '1/4'], ['1/3', '2/3']], [[[1], [1]], [[1], [1]]], name='sticky')
        """
        return f"FiniteStatePolicy({self._machine_args()}{', semi=True' if self.semi else ''}{self._name_arg()})"


class FiniteStateEnvironment(_FiniteStateMachine, Environment):
    """An environment run by a deterministic finite-state machine.

    ``emission[s, a]`` is the observation distribution after action ``a`` in state ``s`` (shape (S, |A|, |O|));
    ``transition[s, a, o]`` the next state.

    >>> import theory
    >>> # Observation 1 echoes action 1 with probability 0.9.
    >>> env = theory.FiniteStateEnvironment([[[0.9, 0.1], [0.1, 0.9]]], [[[0, 0], [0, 0]]])
    >>> env.probs((), 1)
    array([0.1, 0.9])
    """

    def __init__(self, emission, transition, initial_state: int = 0, *, name: str | None = None):
        em = _emission_array(emission, 3, "(n_states, n_actions, n_observations)")
        self.n_actions = check_alphabet_size(em.shape[1], "n_actions")
        self.n_observations = check_alphabet_size(em.shape[2], "n_observations")
        self._set_machine(
            _ConvertedTable(em, name="environment emission", semi=False), transition, initial_state, "environment", name
        )
        if self.transition.shape[2] != self.n_observations:
            raise AlphabetError(
                f"environment transition has {self.transition.shape[2]} observations but emission "
                f"has {self.n_observations}"
            )

    def __repr__(self) -> str:
        """A Python expression that rebuilds the environment, with exact probabilities.

        >>> sequence_environment(2)
        FiniteStateEnvironment([[[1], [1]]], [[[0], [0]]], name='no observations')
        """
        return f"FiniteStateEnvironment({self._machine_args()}{self._name_arg()})"


def sequence_environment(n_actions: int) -> FiniteStateEnvironment:
    """The environment with a single observation: plain sequence prediction (|O| = 1).

    >>> sequence_environment(3).n_observations
    1
    """
    n_actions = check_alphabet_size(n_actions, "n_actions")
    return FiniteStateEnvironment(
        np.ones((1, n_actions, 1), dtype=int), np.zeros((1, n_actions, 1), dtype=int), name="no observations"
    )


def _require_full_demonstrator(demonstrator, who: str | None = None) -> Policy:
    """``demonstrator`` itself if it is a policy that never abstains; else a TypeMismatchError (not a policy) or
    a :class:`~theory.errors.ProbabilityError` (a semi-distribution). The demonstrator acts whenever the
    agent abstains, so it must be a full distribution. ``who`` (the caller) prefixes the message.

    >>> _require_full_demonstrator(FiniteStatePolicy.iid([1, 0])).n_actions
    2
    >>> _require_full_demonstrator(FiniteStatePolicy.iid(["1/2", 0], semi=True), "value")
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: value: demonstrator FiniteStatePolicy(...) is a semi-distribution (it may abstain), ...
    """
    prefix = f"{who}: " if who else ""
    if not isinstance(demonstrator, Policy):
        raise TypeMismatchError(
            f"{prefix}demonstrator must be a theory.Policy, got {_shown(demonstrator)} ({type(demonstrator).__name__})"
        )
    if demonstrator.semi:
        raise ProbabilityError(
            f"{prefix}demonstrator {_shown(demonstrator)} is a semi-distribution (it may abstain), but the "
            "demonstrator acts whenever the agent abstains, so it must be a full distribution; give a policy "
            "whose action probabilities sum to 1 (not semi=True)"
        )
    return demonstrator

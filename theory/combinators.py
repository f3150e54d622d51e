"""Composite policies: switch at an event, or switch at a random time (a hazard).

Both combinators take *any* :class:`theory.Policy` as parts (finite-state machines, Python functions, Bayesian
mixtures, other combinators) and are policies themselves, with the batched kernel interface, in all three
arithmetic contexts.

:class:`Switch` ``(before, event, after)``
    "Behave like P until E first happens, then like Q": ``ν(a|h) = P(a|h)`` while the event has not happened
    in h, ``Q(a|h)`` once it has. This is the paper's switch variant ν' of a model ν, waiting for an
    unprecedented event. Both parts see the whole history.
:class:`Hazard` ``(before, rate, after)``
    The generative process "before each step, if not yet switched, switch for good with probability r; then act
    with the current policy". As a kernel on histories it is a two-mode Bayesian filter: with (w_u, w_s) the
    posterior over (not switched, switched) given the history so far,
    ``ν(a|h) = w_u(1−r)·P(a|h) + (w_s + w_u·r)·Q(a|h)``, and after action a,
    ``w_u' ∝ w_u(1−r)P(a|h)``, ``w_s' ∝ (w_s + w_u·r)Q(a|h)``. It equals the Bayesian mixture over switch times
    τ = 1, 2, ... with prior ``r(1−r)^(τ−1)`` (tested exactly).

Parts that condition on the history (Bayesian mixtures, hazards) can be *undefined* at a history: one they rule
out, which the composite may still reach (Q sees the steps P took). The combinators are strict: a composite is
undefined wherever a part it needs is (Switch: the acting part; Hazard: Q always, P while "not switched" has
positive weight, and every later history of a hazard once a step was undefined). Undefined rows of
``probs_batch`` are zero, never nan; :meth:`~theory.Policy.probs` on them raises
:class:`~theory.errors.RuledOutHistoryError`. A part is recognized as undefined on a row when it says so
(``rows_defined``) or, for a part that is not semi, when its row is all zero (a distribution never is).

>>> import theory
>>> from theory.events import ObservationOccurred
>>> p, q = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2), theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
>>> nu = Switch(p, ObservationOccurred(1), q)
>>> nu.probs(((0, 0),), arith="exact"), nu.probs(((0, 1),), arith="exact")
(array([Fraction(1, 1), Fraction(0, 1)], dtype=object), array([Fraction(1, 2), Fraction(1, 2)], dtype=object))
>>> Hazard(p, "1/2", q).probs(((0, 0),), arith="exact")
array([Fraction(2, 3), Fraction(1, 3)], dtype=object)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .arith import Context, get_context, to_fraction
from .errors import AlphabetError, ArithmeticContextError, ProbabilityError, RuledOutHistoryError
from .events import Event
from .kernels import FiniteStatePolicy, Policy, _exact_text, _plain, normalize_history, take
from .validation import MAX_EXACT_DIGITS, require_instance, _shown

__all__ = ["Switch", "Hazard", "Machine", "switch_product", "check_rate", "rows_defined"]


def _check_parts(parts: dict) -> tuple[int, int | None]:
    """Common action alphabet and observation alphabet (None when no part knows it) of the parts."""
    for role, p in parts.items():
        require_instance(p, Policy, name=role, what="theory.Policy")
    roles = list(parts)
    n_actions = parts[roles[0]].n_actions
    for role in roles[1:]:
        if parts[role].n_actions != n_actions:
            raise AlphabetError(
                f"{role} has {parts[role].n_actions} actions but {roles[0]} has {n_actions}; "
                "both parts must act over the same action alphabet"
            )
    obs = {role: p.n_observations for role, p in parts.items() if p.n_observations is not None}
    if len(set(obs.values())) > 1:
        raise AlphabetError(
            f"the parts disagree on the observation alphabet size: {obs}; give them the same n_observations"
        )
    return n_actions, (next(iter(obs.values())) if obs else None)


def check_rate(rate) -> Fraction:
    """A hazard rate as an exact rational strictly between 0 and 1 (int, Fraction, str or float).

    >>> check_rate("1/8"), check_rate(0.25)
    (Fraction(1, 8), Fraction(1, 4))
    >>> check_rate(1)
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: hazard rate 1 must lie strictly between 0 and 1 (a switch probability per step)
    >>> check_rate(True)
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: hazard rate True is a bool, not a number; give a rational such as '1/8'
    """
    if isinstance(rate, (bool, np.bool_)):
        raise ProbabilityError(f"hazard rate {rate!r} is a bool, not a number; give a rational such as '1/8'")
    if isinstance(rate, str) and len(rate) > MAX_EXACT_DIGITS:
        raise ProbabilityError(
            f"hazard rate {_shown(rate)} has {len(rate)} characters, more than the "
            f"{MAX_EXACT_DIGITS} accepted for one number"
        )
    try:
        if isinstance(rate, (list, tuple, dict, set, np.ndarray)):  # not even a scalar
            raise ArithmeticContextError("not a number")
        r = to_fraction(rate)
    except ArithmeticContextError as err:
        raise ProbabilityError(f"hazard rate {_shown(rate)} is not a number; give a rational such as '1/8'") from err
    if not 0 < r < 1:
        raise ProbabilityError(
            f"hazard rate {_shown(rate)} must lie strictly between 0 and 1 (a switch probability per step)"
        )
    return r


def rows_defined(policy: Policy, state, ctx: Context, probs: np.ndarray | None = None) -> np.ndarray:
    """Bool array: on which rows ``policy``'s action distribution is defined.

    A policy may say so itself (``policy.rows_defined(state, ctx)``, as the combinators do); otherwise a policy
    that is not semi is undefined exactly on its all-zero rows (how mixtures report a ruled-out history), and a
    semi policy is taken as defined (an all-zero row is then full abstention).

    >>> import theory
    >>> zero = theory.BayesianMixture([theory.FiniteStatePolicy.constant(0, n_actions=2)], [1])
    >>> ctx = theory.get_context("exact")
    >>> s = zero.advance(zero.initial(ctx), np.array([0, 0]), np.array([0, 1]), np.array([0, 0]), np.array([True, True]), ctx)
    >>> rows_defined(zero, s, ctx)
    array([ True, False])
    """
    require_instance(policy, Policy, name="policy", what="theory.Policy")
    own = getattr(policy, "rows_defined", None)
    if own is not None:
        return np.asarray(own(state, ctx), dtype=bool)
    if probs is None:
        probs = policy.probs_batch(state, ctx)
    if policy.semi:
        return np.ones(len(probs), dtype=bool)
    if len(probs) == 0:
        return np.zeros(0, dtype=bool)
    return ~np.all(np.asarray(ctx.is_zero(probs), dtype=bool).reshape(len(probs), -1), axis=1)


def _ruled_out(kind: str, history) -> RuledOutHistoryError:
    return RuledOutHistoryError(
        f"the {kind} is undefined at history {_plain(history)!r}: a part it needs there gives that history "
        "probability 0, so its posterior is undefined"
    )


class Machine:
    """A deterministic finite-state policy as plain tables: emission (S, A) of the numbers as given (an object
    array), transition (S, A, O), initial state. What :func:`switch_product` combines.

    >>> Machine([[1, 0]], [[[0], [0]]]).n_states
    1
    """

    __slots__ = ("emission", "transition", "initial")

    def __init__(self, emission, transition, initial=0):
        self.emission = np.asarray(emission, dtype=object)
        self.transition = np.asarray(transition, dtype=np.int64)
        self.initial = int(initial)

    @property
    def n_states(self) -> int:
        return self.transition.shape[0]


def switch_product(p: Machine, te: np.ndarray, he: np.ndarray, q: Machine, max_states: int) -> Machine | None:
    """The reachable product machine of switch(P, E, Q), or None beyond ``max_states`` states.

    States are triples (p, e, q); once E has happened P's state no longer matters and is set to 0, so such
    histories share states. States are numbered in breadth-first order of discovery (ties by code), so programs
    with the same structure get identical transition tables (which BayesianMixture shares between components).
    ``te`` and ``he`` are the event's automaton (:meth:`theory.events.Event.table`).

    >>> stay, leave = Machine([[1, 0]], [[[0, 0], [0, 0]]]), Machine([[0, 1]], [[[0, 0], [0, 0]]])
    >>> m = switch_product(stay, np.array([[[0, 1], [0, 1]], [[1, 1], [1, 1]]]), np.array([False, True]), leave, 16)
    >>> m.n_states, m.emission.tolist()
    (2, [[1, 0], [0, 1]])
    """
    Sp, Se, Sq = p.n_states, te.shape[0], q.n_states
    if Sp * Se * Sq >= 2**62:
        return None
    A, O = te.shape[1], te.shape[2]

    def canon(pp, ee, qq):
        pp = np.where(he[ee], 0, pp)
        return (pp * Se + ee) * Sq + qq

    start = int(canon(np.array(p.initial), np.array(0), np.array(q.initial)))
    order = [start]
    index = {start: 0}
    frontier = np.array([start], dtype=np.int64)
    rows = []
    while frontier.size:
        pp, ee, qq = frontier // (Se * Sq), (frontier // Sq) % Se, frontier % Sq
        nxt = canon(p.transition[pp], te[ee], q.transition[qq])  # (F, A, O)
        rows.append(nxt)
        fresh = [int(c) for c in np.unique(nxt) if int(c) not in index]
        if len(index) + len(fresh) > max_states:
            return None
        for c in fresh:
            index[c] = len(order)
            order.append(c)
        frontier = np.array(fresh, dtype=np.int64)
    codes = np.array(order, dtype=np.int64)
    all_next = np.concatenate(rows, axis=0).reshape(len(order), A, O)
    sorter = np.argsort(codes)
    transition = sorter[np.searchsorted(codes, all_next, sorter=sorter)]
    pp, ee, qq = codes // (Se * Sq), (codes // Sq) % Se, codes % Sq
    emission = np.where(he[ee][:, None], q.emission[qq], p.emission[pp])
    return Machine(emission, transition, 0)


class Switch(Policy):
    """ "Behave like ``before`` until ``event`` first happens, then like ``after``" (the paper's switch variant).

    ``ν(a|h) = before(a|h)`` if the event has not happened in h, else ``after(a|h)``. Both parts are advanced on
    every step, so ``after`` sees the full history, the part before the event included. The state is the triple
    (before state, event state, after state); the merge key concatenates the parts' keys (None if either part
    has none), with the ``before`` part blanked once the event has happened (the event is monotone, so
    ``before`` no longer matters: such histories merge on the event and ``after`` alone).

    >>> import theory
    >>> from theory.events import LengthAtLeast
    >>> stay, leave = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
    >>> nu = Switch(stay, LengthAtLeast(2), leave)
    >>> [float(nu.probs(((0, 0),) * t)[1]) for t in range(4)]
    [0.0, 0.0, 1.0, 1.0]
    """

    _machine: "FiniteStatePolicy | None"

    def __init__(self, before: Policy, event: Event, after: Policy):
        self.n_actions, self.n_observations = _check_parts({"before": before, "after": after})
        require_instance(event, Event, name="event", what="theory.events.Event")
        event.check_alphabets(self.n_actions, self.n_observations)
        self.before, self.event, self.after = before, event, after
        self.semi = bool(before.semi or after.semi)

    def initial(self, ctx):
        return (self.before.initial(ctx), self.event.initial(ctx), self.after.initial(ctx))

    def advance(self, state, parent, actions, observations, flags, ctx):
        b, e, a = state
        return (
            self.before.advance(b, parent, actions, observations, flags, ctx),
            self.event.advance(e, parent, actions, observations, flags, ctx),
            self.after.advance(a, parent, actions, observations, flags, ctx),
        )

    def happened_batch(self, state) -> np.ndarray:
        """Bool array: has the event happened in each row's history."""
        return np.asarray(self.event.happened(state[1]), dtype=bool)

    def _acting(self, state, ctx):
        """Per-row action probabilities of the acting part, and whether the acting part is defined there."""
        b, e, a = state
        done = self.happened_batch(state)
        out = ctx.zeros((len(done), self.n_actions))
        ok = np.ones(len(done), dtype=bool)
        # Evaluate each part only on the rows where it acts: a part given by a Python function is called once
        # per row, and a mixture part may be ruled out on rows where it no longer matters.
        for rows, part, s in ((np.nonzero(~done)[0], self.before, b), (np.nonzero(done)[0], self.after, a)):
            if len(rows):
                sub = take(s, rows)
                probs = part.probs_batch(sub, ctx)
                out[rows] = probs
                ok[rows] = rows_defined(part, sub, ctx, probs)
        return out, ok

    def probs_batch(self, state, ctx):
        out, ok = self._acting(state, ctx)
        if not ok.all():
            out[~ok] = ctx.zeros((int((~ok).sum()), self.n_actions))
        return out

    def rows_defined(self, state, ctx) -> np.ndarray:
        """Bool array: rows on which the acting part is defined."""
        return self._acting(state, ctx)[1]

    def start(self, history, ctx):
        state = super().start(history, ctx)
        if not self.rows_defined(state, ctx)[0]:
            raise _ruled_out("switch policy", history)
        return state

    def key(self, state, ctx):
        b, e, a = state
        kb, ka = self.before.key(b, ctx), self.after.key(a, ctx)
        if kb is None or ka is None:
            return None
        n = len(self.happened_batch(state))
        kb = np.asarray(kb, dtype=np.int64).reshape(n, -1).copy()
        kb[self.happened_batch(state)] = 0
        ke = np.asarray(self.event.key(e, ctx), dtype=np.int64).reshape(n, -1)
        return np.concatenate([kb, ke, np.asarray(ka, dtype=np.int64).reshape(n, -1)], axis=1)

    #: Largest product machine :meth:`as_finite_state` builds (reachable (before, event, after) states).
    MAX_PRODUCT_STATES = 1 << 12

    def as_finite_state(self) -> "FiniteStatePolicy | None":
        """The same policy as one :class:`~theory.FiniteStatePolicy` when both parts are finite-state policies
        and the event is a monotone automaton (product of at most :data:`MAX_PRODUCT_STATES` states), else None.

        Its states are (before, event, after) triples; once the event has happened the before part is reset to
        its state 0, as it no longer matters, so histories that differ only before the event share a state. A
        Bayesian mixture runs such components as machines (:mod:`theory.compiled`'s loops, count keys).

        >>> import theory
        >>> from theory.events import ObservationOccurred
        >>> stay = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
        >>> leave = theory.FiniteStatePolicy.constant(1, n_actions=2, n_observations=2)
        >>> m = Switch(stay, ObservationOccurred(1), leave).as_finite_state()
        >>> m.n_states, m.probs(((0, 0),)).tolist(), m.probs(((0, 1),)).tolist()
        (2, [1.0, 0.0], [0.0, 1.0])
        """
        if "_machine" in self.__dict__:
            return self._machine
        self._machine = None
        if not (isinstance(self.before, FiniteStatePolicy) and isinstance(self.after, FiniteStatePolicy)):
            return None
        n_e = self.event.n_states
        if n_e is None or n_e > self.MAX_PRODUCT_STATES or self.n_observations is None:
            return None
        te, he = self.event.table(self.n_actions, self.n_observations)
        he = np.asarray(he, dtype=bool)
        if not he[np.asarray(te)[he]].all():
            return None  # not monotone: the before part could matter again after the event
        parts = [Machine(p._emission._raw, p.transition, p.initial_state) for p in (self.before, self.after)]
        m = switch_product(parts[0], np.asarray(te), he, parts[1], self.MAX_PRODUCT_STATES)
        if m is not None:
            self._machine = FiniteStatePolicy(m.emission.tolist(), m.transition, m.initial, semi=self.semi)
        return self._machine

    def __repr__(self):
        """A Python expression that rebuilds the policy (``from theory import *``).

        >>> from theory.events import ObservationOccurred
        >>> stay = FiniteStatePolicy.iid([1, 0], n_observations=2)
        >>> Switch(stay, ObservationOccurred(1), stay)
        Switch(FiniteStatePolicy([[1, 0]], [[[0, 0], [0, 0]]]), ObservationOccurred(1), FiniteStatePolicy([[1, 0]], [[[0, 0], [0, 0]]]))
        """
        return f"Switch({self.before!r}, {self.event!r}, {self.after!r})"


class Hazard(Policy):
    """Switch from ``before`` to ``after`` at a random time: before each step, if not yet switched, switch for
    good with probability ``rate``.

    As a kernel on histories this is the Bayesian filter over the two modes (not switched, switched):
    ``ν(a|h) = w_u(1−r)·P(a|h) + (w_s + w_u·r)·Q(a|h)`` with (w_u, w_s) the normalized posterior given h, updated
    by ``w_u' ∝ w_u(1−r)P(a|h)``, ``w_s' ∝ (w_s + w_u·r)Q(a|h)``. The weights are kept in the arithmetic context's
    weight representation (log weights in float, exact rationals in exact, balls in ball), so merge keys come
    from ``ctx.weights_key`` (quantized in float, exact in exact, none in ball).

    A history both modes rule out has no posterior: its row of ``probs_batch`` is zero (never nan), and
    :meth:`probs` on it raises :class:`~theory.errors.RuledOutHistoryError`.

    ``rate`` is an exact rational in (0, 1) (int, Fraction, str such as ``"1/8"``, or float).

    >>> import theory
    >>> p, q = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
    >>> nu = Hazard(p, "1/4", q)
    >>> nu.probs(arith="exact"), nu.probs(((0, 0), (0, 0)), arith="exact")
    (array([Fraction(3, 4), Fraction(1, 4)], dtype=object), array([Fraction(3, 4), Fraction(1, 4)], dtype=object))
    >>> nu.probs(((1, 0),), arith="exact")  # once switched, switched for good
    array([Fraction(0, 1), Fraction(1, 1)], dtype=object)
    >>> nu.mode_posterior(((1, 0),), arith="exact")
    array([Fraction(0, 1), Fraction(1, 1)], dtype=object)
    >>> nu.probs(((1, 0), (0, 0)))
    Traceback (most recent call last):
    ...
    theory.errors.RuledOutHistoryError: both modes of the hazard policy give history ((1, 0), (0, 0)) probability 0 (neither 'not switched' nor 'switched' can produce it), so its posterior is undefined
    """

    def __init__(self, before: Policy, rate, after: Policy):
        self.n_actions, self.n_observations = _check_parts({"before": before, "after": after})
        self.before, self.after = before, after
        self.rate = check_rate(rate)
        self.semi = bool(before.semi or after.semi)

    # State: (before state, after state, mode weights (N, 2) in the context's representation, defined (N,)).
    def initial(self, ctx):
        weights, defined = ctx.weights_from_linear(ctx.array([[1, 0]]))
        return (self.before.initial(ctx), self.after.initial(ctx), weights, defined)

    def _prior_step(self, weights, ctx):
        """Weights of (not switched, switched) after this step's switch draw, in the context's representation
        (unnormalized: ``(w_u(1−r), w_s + w_u·r)``)."""
        # The context mixes in its weight domain (float: log space, so a long run of data that makes one mode
        # improbable does not underflow it to an exact 0, which would make later histories "ruled out").
        return ctx.weights_transition(weights, [[1 - self.rate, self.rate], [0, 1]])

    def _parts(self, b, a, weights, defined, ctx):
        """P's and Q's rows, and on which rows the hazard is defined: its posterior is, Q is (it always has
        weight w_s + w_u·r > 0), and P is unless "not switched" has weight 0."""
        pp, qp = self.before.probs_batch(b, ctx), self.after.probs_batch(a, ctx)
        no_before = np.asarray(ctx.is_zero(ctx.weights_linear(weights)[:, 0]), dtype=bool)
        ok = (
            np.asarray(defined, dtype=bool)
            & rows_defined(self.after, a, ctx, qp)
            & (rows_defined(self.before, b, ctx, pp) | no_before)
        )
        return pp, qp, ok

    def advance(self, state, parent, actions, observations, flags, ctx):
        b, a, weights, defined = state
        parent = np.asarray(parent, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        # Evaluate the parts once per distinct parent row.
        uniq, inverse = np.unique(parent, return_inverse=True)
        inverse = inverse.reshape(-1)
        pp, qp, ok = self._parts(take(b, uniq), take(a, uniq), weights[uniq], defined[uniq], ctx)
        rows = np.arange(len(parent))
        lik = np.empty((len(parent), 2), dtype=ctx.dtype)
        lik[:, 0] = pp[inverse][rows, actions]
        lik[:, 1] = qp[inverse][rows, actions]
        new_w, new_defined = ctx.weights_update(self._prior_step(weights[parent], ctx), lik)
        return (
            self.before.advance(b, parent, actions, observations, flags, ctx),
            self.after.advance(a, parent, actions, observations, flags, ctx),
            new_w,
            # A history through an undefined step stays undefined (its probability is undefined).
            np.asarray(ok[inverse] & new_defined, dtype=bool),
        )

    def mode_posterior_batch(self, state, ctx) -> np.ndarray:
        """(N, 2) posterior over (not switched, switched) given each row's history (zero rows where undefined)."""
        _, _, weights, defined = state
        w = ctx.weights_linear(weights)
        if not np.all(defined):
            w = w.copy()
            w[~defined] = ctx.zeros((int((~defined).sum()), 2))
        return w

    def rows_defined(self, state, ctx) -> np.ndarray:
        """Bool array: rows on which the hazard's action distribution is defined."""
        b, a, weights, defined = state
        return self._parts(b, a, weights, defined, ctx)[2]

    def probs_batch(self, state, ctx):
        b, a, weights, defined = state
        pp, qp, ok = self._parts(b, a, weights, defined, ctx)
        w = self.mode_posterior_batch(state, ctx)
        stay = w[:, 0] * ctx.convert(1 - self.rate)
        switched = w[:, 1] + w[:, 0] * ctx.convert(self.rate)
        out = stay[:, None] * pp + switched[:, None] * qp
        if not np.all(ok):
            # Zero, never nan, where the hazard is undefined (a part may return anything there).
            out[~ok] = ctx.zeros((int((~ok).sum()), self.n_actions))
        return out

    def key(self, state, ctx):
        b, a, weights, defined = state
        wkey = ctx.weights_key(weights)
        if wkey is None:
            return None
        kb, ka = self.before.key(b, ctx), self.after.key(a, ctx)
        if kb is None or ka is None:
            return None
        n = len(defined)
        defined = np.asarray(defined, dtype=bool)
        kb = np.asarray(kb, dtype=np.int64).reshape(n, -1).copy()
        ka = np.asarray(ka, dtype=np.int64).reshape(n, -1).copy()
        wkey = np.asarray(wkey, dtype=np.int64).reshape(n, -1).copy()
        # Parts that can no longer act do not shape the future: blank their keys so such histories merge.
        # (The float key already equates log weights below -800, so a weight that exp underflows to 0 is 0 there.)
        no_before = ~defined | np.asarray(ctx.is_zero(ctx.weights_linear(weights)[:, 0]), dtype=bool)
        kb[no_before] = 0
        ka[~defined] = 0
        wkey[~defined] = 0
        return np.concatenate([defined[:, None].astype(np.int64), wkey, kb, ka], axis=1)

    def start(self, history, ctx):
        state = super().start(history, ctx)
        if not state[3][0]:
            raise RuledOutHistoryError(
                f"both modes of the hazard policy give history {_plain(history)!r} probability 0 (neither "
                "'not switched' nor 'switched' can produce it), so its posterior is undefined"
            )
        if not self.rows_defined(state, ctx)[0]:
            raise _ruled_out("hazard policy", history)
        return state

    def mode_posterior(self, history=(), *, arith=None) -> np.ndarray:
        """The posterior (w_u, w_s) over (not switched, switched) after ``history``, before the next switch draw.

        >>> import theory
        >>> p, q = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid([1, 0])
        >>> Hazard(p, "1/2", q).mode_posterior(((0, 0),), arith="exact")
        array([Fraction(1, 3), Fraction(2, 3)], dtype=object)
        """
        ctx = get_context(arith)
        with ctx.scope():
            h = normalize_history(history, self.n_actions, self.n_observations)
            return self.mode_posterior_batch(self.start(h, ctx), ctx)[0]

    def __repr__(self):
        """A Python expression that rebuilds the policy, with the exact rate (``from theory import *``).

        >>> p = FiniteStatePolicy.iid([1, 0])
        >>> Hazard(p, 0.125, p)
        Hazard(FiniteStatePolicy([[1, 0]], [[[0], [0]]]), '1/8', FiniteStatePolicy([[1, 0]], [[[0], [0]]]))
        """
        return f"Hazard({self.before!r}, {_exact_text(self.rate)}, {self.after!r})"

"""Channels, pushforwards, joints and marginals of finite distributions; and the probability a policy gives a
sequence of actions.

A :class:`Channel` is a row-stochastic matrix ``K[x, y] = P(Y = y | X = x)`` from inputs to outputs (as in dit
and in information theory texts). :func:`pushforward` gives the law of the output, ``(pK)(y) = Σ_x p(x) K[x, y]``,
or of ``f(X)`` for a function ``f``; :func:`joint` the law of the pair ``(X, Y)``; :func:`marginal` the law of
some coordinates of a joint. Everything is computed in the arithmetic asked for (``arith="float" | "exact" |
"ball"``), so exact inputs give exact laws, and :func:`theory.kl` and :func:`theory.tvd` take the results.

Distributions are sequences (outcomes ``0..n-1``) or dicts from outcomes to probabilities (missing keys are 0).
A pushforward through a channel is an array when both the distribution and the channel's outputs are unlabelled,
and a dict otherwise; pushforwards through functions, joints and marginals are dicts.

The data processing inequality, KL(pK‖qK) ≤ KL(p‖q), checked exactly:

>>> import theory
>>> p, q = ["1/2", "1/2"], ["9/10", "1/10"]
>>> noisy = theory.Channel([["3/4", "1/4"], ["1/4", "3/4"]])
>>> pK, qK = theory.pushforward(p, noisy, arith="exact"), theory.pushforward(q, noisy, arith="exact")
>>> pK, qK
(array([Fraction(1, 2), Fraction(1, 2)], dtype=object), array([Fraction(7, 10), Fraction(3, 10)], dtype=object))
>>> theory.kl(pK, qK, arith="exact") <= theory.kl(p, q, arith="exact")
True

:func:`action_sequence_probability` is ν(a_{1:t} | o_{1:t}) = Π_k ν(a_k | h_<k): the probability a policy
(a Bayesian mixture included) gives the actions of a history, given its observations.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .arith import get_context
from .errors import AlphabetError, TypeMismatchError, UnderflowError
from .kernels import Policy, _ConvertedTable, _exact_table, normalize_history
from .validation import flag as _flag, require_instance, _shown

__all__ = ["Channel", "pushforward", "joint", "marginal", "action_sequence_probability"]


def _as_tuple(values, what: str) -> tuple:
    """A finite iterable (not a string, a mapping or a set, whose order is no order) as a tuple.

    >>> _as_tuple(range(2), "inputs")
    (0, 1)
    >>> _as_tuple(5, "inputs")
    Traceback (most recent call last):
    ...
    theory.errors.TypeMismatchError: inputs must be a sequence of outcomes (a list, tuple or range), got 5 (int)
    """
    if isinstance(values, (str, bytes, dict, set, frozenset)) or not hasattr(values, "__iter__"):
        raise TypeMismatchError(
            f"{what} must be a sequence of outcomes (a list, tuple or range), got "
            f"{_shown(values)} ({type(values).__name__})"
        )
    return tuple(values)


def _hashable(label, what: str):
    """``label`` if it can be a dict key (an outcome); otherwise TypeMismatchError naming it."""
    try:
        hash(label)
    except TypeError:
        raise TypeMismatchError(
            f"{what} {_shown(label)} ({type(label).__name__}) cannot be an outcome: outcomes "
            "are hashable values (numbers, strings, tuples), not lists or dicts"
        ) from None
    return label


def _labels(labels, n: int, what: str) -> tuple:
    """Validated outcome labels (distinct, ``n`` of them); ``range(n)`` when not given."""
    if labels is None:
        return tuple(range(n))
    labels = _as_tuple(labels, f"{what} labels")
    if len(labels) != n:
        raise AlphabetError(f"{len(labels)} {what} labels {_shown(labels)} for a channel with {n} {what}s")
    seen = set()
    for label in labels:
        _hashable(label, f"{what} label")
        if label in seen:
            raise AlphabetError(f"{what} label {label!r} appears twice in {labels!r}; labels must be distinct")
        seen.add(label)
    return labels


class Channel:
    """A row-stochastic matrix from inputs to outputs: ``K[x, y] = P(Y = y | X = x)``.

    ``matrix`` has one row per input, each a distribution over the outputs (floats, Fractions, ints or strings
    such as ``"1/3"``; exact entries are checked exactly, and kept exact in exact arithmetic). ``inputs`` and
    ``outputs`` optionally label the rows and columns (default ``0..n-1``); ``semi=True`` allows rows summing to
    less than 1, the missing mass going to ⊥ (an erasure). Rows that are not distributions raise
    :class:`~theory.ProbabilityError` naming the row; a matrix that is not 2-d, or labels that do not fit,
    :class:`~theory.AlphabetError`.

    >>> import theory
    >>> bsc = theory.Channel([["9/10", "1/10"], ["1/10", "9/10"]], outputs=["heads", "tails"])
    >>> bsc.n_inputs, bsc.n_outputs, bsc.outputs
    (2, 2, ('heads', 'tails'))
    >>> bsc.matrix(arith="exact")[1].tolist()
    [Fraction(1, 10), Fraction(9, 10)]
    >>> theory.Channel([[0.5, 0.4], [0, 1]])
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: channel row 0 sums to 0.9 < 1; a distribution sums to exactly 1 (pass semi=True for a semi-distribution)
    """

    def __init__(self, matrix, *, inputs=None, outputs=None, semi: bool = False):
        try:
            raw = np.asarray(matrix, dtype=object)
        except (TypeError, ValueError):  # nesting numpy cannot even hold
            raw = np.empty(0, dtype=object)
        if raw.ndim != 2 or 0 in raw.shape:
            raise AlphabetError(
                f"a channel is a non-empty 2-d matrix (inputs × outputs), got shape {raw.shape} from {_shown(matrix)}"
            )
        self.semi = _flag(semi, name="semi")
        for i, row in enumerate(raw):  # row by row, so the error names the row plainly
            try:
                get_context("float").distribution(row, name=f"channel row {i}", semi=self.semi)
            except UnderflowError:
                pass  # valid, only not representable in float: matrix(arith="float") will say so
        self._table = _ConvertedTable(raw, name="channel", semi=self.semi)
        self.n_inputs, self.n_outputs = raw.shape
        self._explicit_outputs = outputs is not None
        self.inputs = _labels(inputs, self.n_inputs, "input")
        self.outputs = _labels(outputs, self.n_outputs, "output")
        self._index = {x: i for i, x in enumerate(self.inputs)}

    @classmethod
    def from_function(cls, function: Callable, inputs) -> "Channel":
        """The deterministic channel of ``function``: ``K[x, y] = 1`` when ``y = function(x)``, else 0; its outputs
        are the values taken, in order of first appearance.

        >>> import theory
        >>> parity = theory.Channel.from_function(lambda n: n % 2, range(4))
        >>> parity.outputs, parity.matrix().tolist()
        ((0, 1), [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
        """
        if not callable(function):
            raise TypeMismatchError(f"function {_shown(function)} ({type(function).__name__}) is not callable")
        inputs = _as_tuple(inputs, "inputs")
        images = [_hashable(function(x), f"function value at input {x!r}") for x in inputs]
        outputs = tuple(dict.fromkeys(images))
        column = {y: j for j, y in enumerate(outputs)}
        matrix = [[int(column[y] == j) for j in range(len(outputs))] for y in images]
        return cls(matrix, inputs=inputs, outputs=outputs)

    def matrix(self, *, arith=None) -> np.ndarray:
        """The matrix in the arithmetic ``arith`` (shape ``(n_inputs, n_outputs)``).

        >>> Channel([["1/3", "2/3"]]).matrix(arith="exact").tolist()
        [[Fraction(1, 3), Fraction(2, 3)]]
        """
        ctx = get_context(arith)
        with ctx.scope():
            return self._table.get(ctx)

    def probs(self, x, *, arith=None) -> np.ndarray:
        """The output distribution ``K[x, ·]`` for the input labelled ``x``.

        >>> Channel([[1, 0], ["1/2", "1/2"]], inputs=["a", "b"]).probs("b")
        array([0.5, 0.5])
        """
        return self.matrix(arith=arith)[self._row(x)]

    def _row(self, x) -> int:
        try:
            return self._index[x]
        except (KeyError, TypeError):
            raise AlphabetError(f"{x!r} is not an input of the channel (its inputs are {list(self.inputs)})") from None

    def __repr__(self) -> str:
        """A Python expression that rebuilds the channel, with exact probabilities (``from theory import *``).

        >>> Channel([[1, 0], [0.5, 0.5]], inputs=["a", "b"])
        Channel([[1, 0], ['1/2', '1/2']], inputs=['a', 'b'])
        """
        options = "" if self.inputs == tuple(range(self.n_inputs)) else f", inputs={list(self.inputs)!r}"
        if self._explicit_outputs:
            options += f", outputs={list(self.outputs)!r}"
        return f"Channel({_exact_table(self._table.get(get_context('exact')))}{options}{', semi=True' if self.semi else ''})"


def _as_distribution(distribution, inputs, ctx, name: str):
    """``(labels, probabilities)``: a sequence (labels ``inputs`` by position, or ``0..n-1``) or a dict,
    validated as a (semi-)distribution in ``ctx``."""
    if isinstance(distribution, dict):
        labels = list(distribution) if inputs is None else list(inputs)
        if inputs is not None:
            allowed = set(inputs)
            for key in distribution:
                if key not in allowed:
                    raise AlphabetError(
                        f"{name} has outcome {key!r}, which is not an input of the channel "
                        f"(its inputs are {list(inputs)})"
                    )
        values = [distribution.get(x, 0) for x in labels]
        if not values:
            raise AlphabetError(f"{name} is empty; a distribution needs at least one outcome")
        return labels, ctx.distribution(values, name=name, semi=True)
    try:
        shape = np.shape(np.asarray(distribution, dtype=object))
    except (TypeError, ValueError):  # nesting numpy cannot even hold
        shape = None
    if shape is None or len(shape) != 1:
        raise AlphabetError(
            f"{name} must be one-dimensional (or a dict), got {_shown(distribution)}"
            f"{f' of shape {shape}' if shape else ''}"
        )
    if inputs is not None and shape[0] != len(inputs):
        raise AlphabetError(f"{name} has {shape[0]} outcomes but the channel has {len(inputs)} inputs")
    probs = ctx.distribution(distribution, name=name, semi=True)
    return (list(range(shape[0])) if inputs is None else list(inputs)), probs


def _law(labels, probs, ctx) -> dict:
    """A dict from labels to output values, adding the mass of repeated labels (in order of first appearance)."""
    out: dict = {}
    for label in labels:
        _hashable(label, "outcome")
    for label, v in zip(labels, probs):
        out[label] = out[label] + v if label in out else v
    return {k: ctx.to_output(v) for k, v in out.items()}


def pushforward(distribution, channel_or_function, *, arith=None):
    """The law of the output: ``(pK)(y) = Σ_x p(x) K[x, y]`` for a :class:`Channel` ``K``, or the law of
    ``f(X)``, ``Σ_{x: f(x) = y} p(x)``, for a function ``f`` of the outcomes.

    ``distribution`` is a sequence (outcomes ``0..n-1``, matched to the channel's inputs by position) or a dict
    (keys among the channel's inputs); a semi-distribution's missing mass stays missing. The result is an array
    in the arithmetic ``arith`` when the distribution is a sequence and the channel's outputs are unlabelled, a
    dict from outputs to probabilities otherwise (always for a function). Mismatched sizes or unknown outcomes
    raise :class:`~theory.AlphabetError`; bad probabilities :class:`~theory.ProbabilityError`.

    >>> import theory
    >>> theory.pushforward(["1/6"] * 6, lambda face: face % 2 == 0, arith="exact")
    {True: Fraction(1, 2), False: Fraction(1, 2)}
    >>> theory.pushforward({"rain": 0.25, "sun": 0.75}, theory.Channel([[0.5, 0.5], [0, 1]], inputs=["rain", "sun"]))
    {0: 0.125, 1: 0.875}
    >>> theory.pushforward([0.5, 0.5], theory.Channel([[1, 0], [0, 1], [0, 1]]))
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: p has 2 outcomes but the channel has 3 inputs
    """
    ctx = get_context(arith)
    with ctx.scope():
        if isinstance(channel_or_function, Channel):
            channel = channel_or_function
            labels, p = _as_distribution(distribution, channel.inputs, ctx, "p")
            out = (p[:, None] * channel._table.get(ctx)).sum(axis=0)
            if isinstance(distribution, dict) or channel._explicit_outputs:
                return _law(channel.outputs, out, ctx)
            return out
        if not callable(channel_or_function):
            raise TypeMismatchError(
                f"pushforward needs a theory.Channel or a function, got "
                f"{_shown(channel_or_function)} ({type(channel_or_function).__name__})"
            )
        labels, p = _as_distribution(distribution, None, ctx, "p")
        return _law([channel_or_function(x) for x in labels], p, ctx)


def joint(distribution, channel: Channel, *, arith=None) -> dict:
    """The joint law of ``(X, Y)`` for ``X ~ p`` and ``Y`` drawn from the channel's row ``K[X, ·]``:
    ``{(x, y): p(x) K[x, y]}`` over every input and output (zeros included, so two joints share their keys).

    Its :func:`marginal` 0 is ``p`` and its marginal 1 the :func:`pushforward`; :func:`theory.kl` compares two
    joints (by the chain rule, KL of ``joint(p, K)`` to ``joint(q, K)`` is KL(p‖q)).

    >>> import theory
    >>> erase = theory.Channel([["1/2", "1/2", 0], [0, "1/2", "1/2"]], outputs=["0", "?", "1"])
    >>> theory.joint(["1/4", "3/4"], erase, arith="exact")[(1, "?")]
    Fraction(3, 8)
    >>> p, q = ["1/4", "3/4"], ["1/2", "1/2"]
    >>> theory.kl(theory.joint(p, erase, arith="exact"), theory.joint(q, erase, arith="exact"), arith="exact") == \\
    ...     theory.kl(p, q, arith="exact")
    True
    """
    require_instance(channel, Channel, name="joint's channel", what="theory.Channel")
    ctx = get_context(arith)
    with ctx.scope():
        labels, p = _as_distribution(distribution, channel.inputs, ctx, "p")
        table = p[:, None] * channel._table.get(ctx)
        return {(x, y): ctx.to_output(table[i, j]) for i, x in enumerate(labels) for j, y in enumerate(channel.outputs)}


def marginal(distribution: dict, index, *, arith=None) -> dict:
    """The law of some coordinates of a joint law given as a dict over tuples (as :func:`joint` returns):
    ``index`` is one coordinate (the result is keyed by its values) or a sequence of them (keyed by tuples).

    >>> import theory
    >>> law = {(0, "a"): "1/8", (0, "b"): "3/8", (1, "a"): "1/2", (1, "b"): 0}
    >>> theory.marginal(law, 1, arith="exact")
    {'a': Fraction(5, 8), 'b': Fraction(3, 8)}
    >>> theory.marginal(law, [1, 0], arith="exact")[("a", 1)]
    Fraction(1, 2)
    >>> theory.marginal(law, 2)
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: coordinate 2 is outside 0..1 (the outcomes are tuples of length 2)
    """
    if not isinstance(distribution, dict) or not distribution:
        raise AlphabetError(f"marginal needs a non-empty dict from tuples to probabilities, got {_shown(distribution)}")
    lengths = {len(k) if isinstance(k, tuple) else None for k in distribution}
    if None in lengths or len(lengths) != 1:
        bad = next(k for k in distribution if not isinstance(k, tuple) or len(k) != len(next(iter(distribution))))
        raise AlphabetError(
            f"outcome {bad!r} is not a tuple of the same length as the others; a joint law's "
            "outcomes are tuples of one length"
        )
    (n,) = lengths
    assert n is not None  # every outcome is a tuple (checked above)
    single = isinstance(index, (int, np.integer)) and not isinstance(index, bool)
    coords = [index] if single else list(index) if isinstance(index, (list, tuple, range)) else [index]
    for c in coords:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < n:
            raise AlphabetError(f"coordinate {c!r} is outside 0..{n - 1} (the outcomes are tuples of length {n})")
    ctx = get_context(arith)
    with ctx.scope():
        labels, p = _as_distribution(distribution, None, ctx, "the joint law")
        keys = [k[coords[0]] if single else tuple(k[c] for c in coords) for k in labels]
        return _law(keys, p, ctx)


def action_sequence_probability(policy: Policy, history, *, start=(), arith=None, log: bool = False):
    """ν(a_{1:t} | o_{1:t}) = Π_k ν(a_k | h_<k): the probability ``policy`` gives the actions of ``history``
    given its observations, after the history ``start`` (each h_<k is ``start`` followed by the first k − 1
    steps of ``history``).

    For a :class:`~theory.BayesianMixture` (updating on every step) this is Bayes' identity
    Σ_i w_i(start) Π_k ν_i(a_k | h_<k), with w(start) the posterior after ``start`` (the prior, normalized, when
    ``start`` is empty); a prior of total mass W < 1 (a Kraft sum) gives the semimeasure Σ_i w_i Π_k ν_i the
    mass W times this. Computed step by step along the policy's own states (linear in the length; in exact
    arithmetic a mixture's posterior rationals grow with the history, so thousands of steps take minutes).

    Exact in exact arithmetic; ``log=True`` returns ln ν(a_{1:t} | o_{1:t}) (``-inf`` when it is 0), summed in
    log space, so long histories do not underflow in float. A malformed history, or an action or observation
    outside the policy's alphabets, raises :class:`~theory.HistoryError`; a ``start`` every component of a
    mixture rules out :class:`~theory.RuledOutHistoryError`.

    >>> import theory
    >>> fair, biased = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid(["9/10", "1/10"])
    >>> xi = theory.BayesianMixture([fair, biased], ["1/2", "1/2"])
    >>> theory.action_sequence_probability(xi, [(0, 0), (0, 0)], arith="exact")   # ½·¼ + ½·81/100
    Fraction(53, 100)
    >>> theory.action_sequence_probability(fair, [(1, 0)] * 2000)                  # 2^-2000 underflows
    0.0
    >>> round(theory.action_sequence_probability(fair, [(1, 0)] * 2000, log=True), 6)
    -1386.294361
    """
    require_instance(policy, Policy, name="policy", what="theory.Policy")
    log = _flag(log, name="log")
    ctx = get_context(arith)
    with ctx.scope():
        before = normalize_history(start, policy.n_actions, policy.n_observations)
        steps = normalize_history(history, policy.n_actions, policy.n_observations)
        state = policy.start(before, ctx)
        one = np.zeros(1, dtype=np.int64)
        factors = []
        for a, o, flag in steps:
            factor = policy.probs_batch(state, ctx)[0, a]
            factors.append(factor)
            if ctx.is_zero(np.array([factor], dtype=ctx.dtype))[0]:
                # The product is 0 whatever follows; past an impossible action a mixture's posterior is undefined.
                break
            state = policy.advance(state, one, np.array([a]), np.array([o]), np.array([flag]), ctx)
        factor_array = np.array(factors, dtype=ctx.dtype)
        if not log:
            return ctx.to_output(ctx.ones(1)[0] * factor_array.prod())
        if ctx.is_zero(factor_array).any():
            return -math.inf
        # A sum of logs, never the log of the product: the product underflows in float on long histories.
        return ctx.to_output(ctx.zeros(1)[0] + _pairwise_sum(list(ctx.log(factor_array))))


def _pairwise_sum(values: list):
    """Σ values by pairwise summation: O(n log n) work for exact log forms (whose terms accumulate; a running
    sum would copy them n times) and a rounding error growing like log n in float. 0 for no values."""
    while len(values) > 1:
        values = [values[i] + values[i + 1] if i + 1 < len(values) else values[i] for i in range(0, len(values), 2)]
    return values[0] if values else 0

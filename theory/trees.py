"""The engine: history trees expanded level by level, with equal states merged.

A tree starts at a history h and grows one level per step. A :class:`Level` holds, for every node at that
depth, the state batch of each kernel involved (policies, environment, demonstrator), any per-node weights
(probability masses), and where it came from (parent index, action, observation, demonstrator flag), from which
the node's history is rebuilt on demand. Everything is numpy arrays: a level is advanced by each kernel in one
batched call, never a Python call per node (except for kernels given as Python functions, the slow path).

Two nodes whose kernel keys coincide have the same future (same action and observation laws from there on),
so forward computations of expectations merge them, summing their weights. With finite-state kernels and
mixtures whose posterior is a function of counts, this turns exponential trees into polynomial ones.

Forward computations that only need sums over nodes walk the tree depth first over *chunks* of a level, so
memory stays bounded at long horizons; computations that need the whole tree (backward induction, linear
programs) keep every level.

Every walk is guarded against sizes it cannot finish (see :func:`guard_walk` and :meth:`Tree.reserve`): a walk
to horizon m needs at least m + 1 nodes, refused up front beyond ``max_nodes``
(:data:`~theory.validation.MAX_TREE_NODES` by default); then a tree counts the nodes it creates and refuses,
before allocating them, a level of a merging tree (or a whole tree that does not merge) beyond ``max_nodes``,
with a :class:`~theory.errors.ResourceLimitError` naming the estimate and the keyword that raises the limit. The depth-first walks are recursive (one Python frame per
level) until an iterative walk replaces them, so a horizon beyond the interpreter's recursion limit is refused
with a :class:`WalkDepthError` rather than a ``RecursionError``.

This module is the machinery; :mod:`theory.measures` and :mod:`theory.optimize` are thin layers over it.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field

import numpy as np

from .arith import Context
from .errors import HorizonError, ResourceLimitError, TypeMismatchError
from .kernels import Kernel, take
from .validation import MAX_TREE_NODES, guard_size, integer

__all__ = ["Level", "Tree", "CHUNK", "branch", "select", "alphabet", "DecisionTree", "unique_rows",
           "WalkDepthError", "guard_walk", "recursion_guard", "check_max_nodes"]

#: Largest number of nodes processed in one numpy batch by depth-first forward walks.
CHUNK = 1 << 17
# A tree stops trying to merge after two consecutive levels of at least this many nodes merged almost nothing.
_MERGE_GIVE_UP_SIZE = 1 << 10
# Levels smaller than this are not worth keying (their children are merged at the next level anyway).
_MERGE_MIN_SIZE = 64


class WalkDepthError(ResourceLimitError, HorizonError):
    """A horizon too long for the recursive depth-first walk: it needs one Python frame per level, and Python's
    recursion limit (``sys.getrecursionlimit()``) is lower. Both a :class:`~theory.errors.ResourceLimitError`
    and a :class:`~theory.errors.HorizonError`. Pending the iterative walk, use a shorter horizon or raise the
    limit with ``sys.setrecursionlimit``.

    >>> issubclass(WalkDepthError, ResourceLimitError) and issubclass(WalkDepthError, HorizonError)
    True
    """


def check_max_nodes(max_nodes) -> int:
    """The node limit a caller passed (``None``: :data:`~theory.validation.MAX_TREE_NODES`), validated.

    >>> check_max_nodes(None) == MAX_TREE_NODES, check_max_nodes(10**9)
    (True, 1000000000)
    """
    if max_nodes is None:
        return MAX_TREE_NODES
    return integer(max_nodes, name="max_nodes", minimum=1)


def _depth_error(horizon: int, limit: int) -> WalkDepthError:
    return WalkDepthError(
        f"horizon {horizon} needs a recursion depth of about {horizon} frames, above Python's recursion limit "
        f"{limit} (sys.getrecursionlimit()); this tree walk is recursive until the iterative walk lands: use a "
        f"shorter horizon, or raise the limit with sys.setrecursionlimit")


def guard_walk(horizon: int, max_nodes: int, *, recursive: bool = True) -> None:
    """Refuse, before anything is built, a walk that certainly cannot finish: every level up to ``horizon``
    holds at least one node (so ``horizon + 1`` nodes against ``max_nodes``), and a recursive walk needs one
    frame per level (so ``horizon`` against Python's recursion limit).

    >>> guard_walk(10, MAX_TREE_NODES)      # fine: returns None
    >>> guard_walk(10**9, MAX_TREE_NODES)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 1000000001 history-tree nodes (at least one per level up to the horizon), above the limit 10000000; pass max_nodes=... to raise it (or shrink the input)
    """
    guard_size(horizon + 1, limit=max_nodes, what="history-tree nodes (at least one per level up to the horizon)",
               option="max_nodes")
    if recursive and horizon > sys.getrecursionlimit():
        raise _depth_error(horizon, sys.getrecursionlimit())


@contextlib.contextmanager
def recursion_guard(horizon: int):
    """Turn a ``RecursionError`` of a recursive walk into a :class:`WalkDepthError` naming the horizon.

    >>> with recursion_guard(5000):
    ...     def deep(n):
    ...         return 0 if n == 0 else 1 + deep(n - 1)
    ...     deep(10**6)
    Traceback (most recent call last):
    ...
    theory.trees.WalkDepthError: horizon 5000 needs a recursion depth of about 5000 frames, above Python's recursion limit 1000 (sys.getrecursionlimit()); this tree walk is recursive until the iterative walk lands: use a shorter horizon, or raise the limit with sys.setrecursionlimit
    """
    try:
        yield
    except RecursionError:
        raise _depth_error(horizon, sys.getrecursionlimit()) from None


_HASH_MULTIPLIERS = np.random.default_rng(20241008).integers(1, 2**63 - 1, size=4096, dtype=np.int64) | 1


def unique_rows(keys: np.ndarray):
    """``(first, inverse)`` for the distinct rows of an integer array: ``first`` are the indices of each
    distinct row's first occurrence, in order of appearance; ``inverse[i]`` is row i's index among them.

    Rows are hashed to one 64-bit integer (a fixed random linear map, wrapping), sorted once, and the hash
    classes are verified row by row; a collision (never seen, but possible) falls back to an exact sort.

    >>> unique_rows(np.array([[1, 2], [3, 4], [1, 2]]))
    (array([0, 1]), array([0, 1, 0]))
    """
    n, d = keys.shape
    if d == 0:
        return np.zeros(min(n, 1), dtype=np.int64), np.zeros(n, dtype=np.int64)
    if d <= len(_HASH_MULTIPLIERS):
        with np.errstate(over="ignore"):
            h = (keys * _HASH_MULTIPLIERS[:d]).sum(axis=1)
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if not np.array_equal(keys[first[inverse]], keys):
            _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
            inverse = inverse.reshape(-1)
    else:
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    # Renumber classes by first appearance, so results never depend on hash or sort order.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse]


@dataclass
class Level:
    """One tree level (or a chunk of one)."""

    depth: int
    states: tuple
    weights: dict = field(default_factory=dict)
    parent_level: "Level | None" = None
    parent: np.ndarray | None = None
    action: np.ndarray | None = None
    observation: np.ndarray | None = None
    flag: np.ndarray | None = None
    #: Per-node quantities computed after merging (kernel probabilities, values); not summed by merges.
    data: dict = field(default_factory=dict)

    def __len__(self) -> int:
        for w in self.weights.values():
            return len(w)
        if self.parent is not None:
            return len(self.parent)
        return 1

    def take(self, idx) -> "Level":
        """The sub-level of rows ``idx``."""
        return Level(
            self.depth,
            take(self.states, idx),
            {k: v[idx] for k, v in self.weights.items()},
            self.parent_level,
            None if self.parent is None else self.parent[idx],
            None if self.action is None else self.action[idx],
            None if self.observation is None else self.observation[idx],
            None if self.flag is None else self.flag[idx],
            {k: v[idx] for k, v in self.data.items()},
        )


class Tree:
    """Expansion, merging and history reconstruction for a fixed tuple of kernels in one context.

    ``kernels`` is a tuple of policies and environments (``None`` entries are allowed and ignored);
    ``history`` the normalized start history (triples). ``max_nodes`` bounds the nodes the tree may create in
    all (:meth:`reserve`); ``None`` is :data:`~theory.validation.MAX_TREE_NODES`.
    """

    def __init__(self, kernels, history, ctx: Context, *, merge: bool = True, max_nodes: int | None = None):
        self.kernels = tuple(kernels)
        self.history = tuple(history)
        self.ctx = ctx
        self.merge_enabled = merge
        self._merge_misses = 0
        self.max_nodes = check_max_nodes(max_nodes)
        #: Nodes of the tree so far, in all and per depth: counted by :meth:`reserve` when created, less those
        #: :meth:`merge` merged away.
        self.created = 1
        self.level_nodes: dict = {0: 1}

    def reserve(self, n: int, depth: int) -> None:
        """Count ``n`` nodes about to be created at ``depth`` (part of a level, before merging), refusing
        before they are allocated when they would take the tree beyond ``max_nodes``:

        * while the tree merges equal states, one *level* (all its nodes at one depth, over every batch of a
          depth-first walk) may hold at most ``max_nodes`` nodes: merged trees legitimately reach long
          horizons with many modest levels;
        * a tree that does not merge (or stopped merging) may hold at most ``max_nodes`` nodes in all.

        :meth:`merge` gives back the nodes it merges away.

        >>> t = Tree((), (), None, merge=False, max_nodes=10)
        >>> t.reserve(5, 1)
        >>> t.reserve(5, 2)
        Traceback (most recent call last):
        ...
        theory.errors.ResourceLimitError: this computation needs about 11 history-tree nodes (in a tree that does not merge), above the limit 10; pass max_nodes=... to raise it (or shrink the input)
        """
        n = int(n)
        if self.merge_enabled and self._merge_misses < 2:
            guard_size(self.level_nodes.get(depth, 0) + n, limit=self.max_nodes, option="max_nodes",
                       what=f"history-tree nodes at depth {depth} (one level, before merging)")
        else:
            guard_size(self.created + n, limit=self.max_nodes, option="max_nodes",
                       what="history-tree nodes (in a tree that does not merge)")
        self.created += n
        self.level_nodes[depth] = self.level_nodes.get(depth, 0) + n

    def chunk_size(self, branching: int) -> int:
        """Rows per batch of a depth-first walk whose nodes have up to ``branching`` children each: at most
        :data:`CHUNK`, and small enough that one batch's child table stays within ``max_nodes`` entries."""
        return max(1, min(CHUNK, self.max_nodes // max(1, int(branching))))

    # -- construction --------------------------------------------------------------------------------------
    def root(self) -> Level:
        states = tuple(None if k is None else k.start(self.history, self.ctx) for k in self.kernels)
        return Level(0, states)

    def children(self, level: Level, parent, actions, observations, flags) -> Level:
        """The level whose row ``i`` extends ``level`` row ``parent[i]`` by one step."""
        parent = np.asarray(parent, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        observations = np.asarray(observations, dtype=np.int64)
        flags = np.asarray(flags, dtype=bool)
        states = tuple(
            None if k is None else k.advance(s, parent, actions, observations, flags, self.ctx)
            for k, s in zip(self.kernels, level.states)
        )
        return Level(level.depth + 1, states, {}, level, parent, actions, observations, flags)

    def keys(self, level: Level) -> np.ndarray | None:
        """Integer keys (N, d) of the level's nodes, or None when some kernel cannot provide one."""
        parts = []
        for k, s in zip(self.kernels, level.states):
            if k is None:
                continue
            sub = k.key(s, self.ctx)
            if sub is None:
                return None
            parts.append(np.asarray(sub, dtype=np.int64).reshape(len(level), -1))
        if not parts:
            return np.zeros((len(level), 0), dtype=np.int64)
        return np.concatenate(parts, axis=1)

    def merge(self, level: Level, *, extra_key: np.ndarray | None = None):
        """Merge nodes with equal keys, summing their weights; returns ``(level, inverse)`` where
        ``inverse[i]`` is the merged index of original row ``i`` (None when nothing was merged).

        Merging is an optimization only: results do not depend on it. A tree whose levels stop merging
        (almost every key distinct twice in a row) stops trying, to save the cost of the keys."""
        n = len(level)
        if not self.merge_enabled or self._merge_misses >= 2:
            self._stop_keys(level)
            return level, None
        if n < _MERGE_MIN_SIZE:
            return level, None
        keys = self.keys(level)
        if keys is None:
            self.merge_enabled = False
            self._stop_keys(level)
            return level, None
        if extra_key is not None:
            keys = np.concatenate([keys, extra_key.reshape(n, -1).astype(np.int64)], axis=1)
        first, inverse = unique_rows(keys)
        if len(first) > 0.98 * n:
            # Too few coincidences to be worth copying the level for.
            if n >= _MERGE_GIVE_UP_SIZE:
                self._merge_misses += 1
            return level, None
        self._merge_misses = 0
        self.created -= n - len(first)
        self.level_nodes[level.depth] = self.level_nodes.get(level.depth, n) - (n - len(first))
        merged = level.take(first)
        merged.weights = {name: self.sum_by(w, inverse, len(first)) for name, w in level.weights.items()}
        return merged, inverse

    def _stop_keys(self, level: Level) -> None:
        """No more merging in this tree: let the kernels drop what they keep only for keys (in place)."""
        level.states = tuple(None if k is None else k.without_keys(s) for k, s in zip(self.kernels, level.states))

    def sum_by(self, values: np.ndarray, inverse: np.ndarray, size: int) -> np.ndarray:
        """Sum rows of ``values`` into ``size`` bins given by ``inverse``."""
        if self.ctx.dtype is not object and values.ndim == 1:
            return np.bincount(inverse, weights=values, minlength=size)
        out = self.ctx.zeros((size,) + values.shape[1:])
        np.add.at(out, inverse, values)
        return out

    # -- histories -----------------------------------------------------------------------------------------
    def steps_of(self, level: Level, idx=None) -> np.ndarray:
        """(n, depth, 3) array of the (action, observation, flag) steps after the start history."""
        idx = np.arange(len(level)) if idx is None else np.asarray(idx, dtype=np.int64)
        out = np.zeros((len(idx), level.depth, 3), dtype=np.int64)
        lv, rows = level, idx
        while lv.parent_level is not None:
            d = lv.depth - 1
            out[:, d, 0] = lv.action[rows]
            out[:, d, 1] = lv.observation[rows]
            out[:, d, 2] = lv.flag[rows]
            rows = lv.parent[rows]
            lv = lv.parent_level
        return out

    def histories(self, level: Level, idx=None, *, flags: bool = False) -> list[tuple]:
        """Full histories (start history plus steps) of some nodes of a level.

        Steps are ``(action, observation)`` pairs, or triples with the demonstrator flag when ``flags``.
        """
        steps = self.steps_of(level, idx)
        if flags:
            head = tuple((a, o, bool(f)) for a, o, f in self.history)
            return [head + tuple((int(a), int(o), bool(f)) for a, o, f in row) for row in steps]
        head = tuple((a, o) for a, o, _ in self.history)
        return [head + tuple((int(a), int(o)) for a, o, _ in row) for row in steps]

    def chunks(self, level: Level, size: int = CHUNK):
        """Sub-levels of at most ``size`` rows (the level itself when it is small)."""
        n = len(level)
        if n <= size:
            yield level
            return
        for start in range(0, n, size):
            yield level.take(np.arange(start, min(n, start + size)))


def branch(ctx: Context, own: np.ndarray, abstain: np.ndarray | None, env: np.ndarray,
           demo: np.ndarray | None):
    """Child weights of one level, shape (N, 2, A, O): axis 1 is the demonstrator flag.

    ``own[n, a]`` is the probability that the agent itself takes ``a``; when it abstains (``abstain[n]``) and a
    demonstrator is given, the demonstrator takes ``a`` with probability ``demo[n, a]``. ``env[n, a, o]`` is the
    observation law. Without a demonstrator an abstention ends the trajectory (no children).
    """
    n, a_count, o_count = env.shape
    out = ctx.zeros((n, 2, a_count, o_count))
    out[:, 0] = own[:, :, None] * env
    if demo is not None and abstain is not None:
        out[:, 1] = abstain[:, None, None] * demo[:, :, None] * env
    return out


def select(ctx: Context, weights: np.ndarray, *others: np.ndarray):
    """Indices ``(parent, flag, action, observation)`` of children where any of the weight arrays is non-zero,
    and those weights at the selected children."""
    keep = ~ctx.is_zero(weights)
    for w in others:
        keep |= ~ctx.is_zero(w)
    parent, flag, action, obs = np.nonzero(keep)
    return (parent, action, obs, flag.astype(bool)), [w[keep] for w in (weights,) + others]


def alphabet(*kernels):
    """Common (n_actions, n_observations) of policies and an environment; raise AlphabetError otherwise."""
    from .errors import AlphabetError

    n_actions = None
    n_obs = None
    for k in kernels:
        if k is None:
            continue
        if not isinstance(k, Kernel):
            raise TypeMismatchError(f"{k!r} is not a theory policy or environment")
        if n_actions is None:
            n_actions = k.n_actions
        elif k.n_actions != n_actions:
            raise AlphabetError(f"{k!r} has {k.n_actions} actions where the others have {n_actions}")
        if k.n_observations is not None:
            if n_obs is None:
                n_obs = k.n_observations
            elif k.n_observations != n_obs:
                raise AlphabetError(f"{k!r} has {k.n_observations} observations where the others have {n_obs}")
    return n_actions, n_obs



@dataclass
class DecisionTree:
    """A whole tree kept in memory for backward induction: its levels, and for each level but the last the
    index of every child, ``child[d][n, flag, a, o]`` (-1 where the child was not expanded)."""

    tree: Tree
    levels: list
    child: list

    @property
    def horizon(self) -> int:
        return len(self.levels) - 1

    def size(self) -> int:
        return sum(len(lv) for lv in self.levels)


def grow_decision_tree(tree: Tree, horizon: int, expand) -> DecisionTree:
    """Grow every level of a tree to ``horizon`` steps, keeping all of them.

    ``expand(level)`` computes the level's per-node data (stored in ``level.data``) and returns an
    (N, 2, A, O) array whose non-zero entries are the children to create (axis 1: demonstrator flag). It is
    called on every level but the leaves. Children with equal kernel keys are merged. Refused before it starts
    when ``horizon + 1`` levels exceed the tree's ``max_nodes``, and before each level that would take the tree
    beyond it (:meth:`Tree.reserve`).
    """
    guard_walk(horizon, tree.max_nodes, recursive=False)
    ctx = tree.ctx
    level = tree.root()
    levels, child_tables = [level], []
    for _ in range(horizon):
        grow = expand(level)
        keep = ~ctx.is_zero(grow)
        parent, flag, action, obs = np.nonzero(keep)
        tree.reserve(len(parent), level.depth + 1)
        nxt = tree.children(level, parent, action, obs, flag.astype(bool))
        nxt, inverse = tree.merge(nxt)
        index = np.full(keep.shape, -1, dtype=np.int64)
        index[keep] = np.arange(len(parent)) if inverse is None else inverse
        child_tables.append(index)
        levels.append(nxt)
        level = nxt
    return DecisionTree(tree, levels, child_tables)

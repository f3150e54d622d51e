"""The engine: history trees expanded level by level, with equal states merged.

A tree starts at a history h and grows one level per step. A :class:`Level` holds, for every node at that
depth, the state batch of each kernel involved (policies, environment, demonstrator), any per-node weights
(probability masses), and where it came from (parent index, action, observation, demonstrator flag), from which
the node's history is rebuilt on demand. Everything is numpy arrays: a level is advanced by each kernel in one
batched call, never a Python call per node (except for kernels given as Python functions, the slow path).

Two nodes whose kernel keys coincide have the same future (same action and observation laws from there on),
so forward computations of expectations merge them, summing their weights. With finite-state kernels and
mixtures whose posterior is a function of counts, this turns exponential trees into polynomial ones.

Every computation walks the tree with the one iterative walk, :func:`walk` (no Python recursion, so any
horizon the node budget allows): a *step* function computes what it needs at a level and returns the weights of
the children to create; the walk creates them, merges equal states and goes on. Forward computations that only
need sums over nodes go depth first over *chunks* of a level, so memory stays bounded at long horizons, and a
level that has been visited keeps only the links that rebuild histories (``keep="links"``); computations that
need whole levels (the worst case's groups of observation prefixes) walk level by level; backward induction
keeps every level (``keep="levels"``, returning a :class:`DecisionTree`).

Every walk is guarded against sizes it cannot finish (see :func:`guard_walk` and :meth:`Tree.reserve`): a walk
to horizon m needs at least m + 1 nodes, refused up front beyond ``max_nodes``
(:data:`~theory.validation.MAX_TREE_NODES` by default); then a tree counts the nodes it creates and refuses,
before allocating them, a level of a merging tree (or a whole tree that does not merge) beyond ``max_nodes``,
with a :class:`~theory.errors.ResourceLimitError` naming the estimate and the keyword that raises the limit.

This module is the machinery; :mod:`theory.measures` and :mod:`theory.optimize` are thin layers over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np

from .arith import Context
from .errors import TypeMismatchError
from .kernels import Kernel, take
from .validation import MAX_TREE_NODES, guard_size, integer, option

__all__ = [
    "Level",
    "Tree",
    "CHUNK",
    "walk",
    "branch",
    "select",
    "alphabet",
    "DecisionTree",
    "unique_rows",
    "guard_walk",
    "check_max_nodes",
    "merge_groups",
]

#: Largest number of nodes processed in one numpy batch by depth-first forward walks.
CHUNK = 1 << 17
# A tree stops trying to merge after two consecutive levels of at least this many nodes merged almost nothing.
_MERGE_GIVE_UP_SIZE = 1 << 10
# Levels smaller than this are not worth keying (their children are merged at the next level anyway).
_MERGE_MIN_SIZE = 64


def check_max_nodes(max_nodes) -> int:
    """The node limit a caller passed (``None``: :data:`~theory.validation.MAX_TREE_NODES`), validated.

    >>> check_max_nodes(None) == MAX_TREE_NODES, check_max_nodes(10**9)
    (True, 1000000000)
    """
    if max_nodes is None:
        return MAX_TREE_NODES
    return integer(max_nodes, name="max_nodes", minimum=1)


def guard_walk(horizon: int, max_nodes: int) -> None:
    """Refuse, before anything is built, a walk that certainly cannot finish: every level up to ``horizon``
    holds at least one node, so ``horizon + 1`` nodes against ``max_nodes``.

    >>> guard_walk(10, MAX_TREE_NODES)      # fine: returns None
    >>> guard_walk(10**9, MAX_TREE_NODES)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 1000000001 history-tree nodes (at least one per level up to the horizon), above the limit 10000000; pass max_nodes=... to raise it (or shrink the input)
    """
    guard_size(
        horizon + 1,
        limit=max_nodes,
        what="history-tree nodes (at least one per level up to the horizon)",
        option="max_nodes",
    )


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

    def retire(self) -> None:
        """Drop what a visited level no longer needs (kernel states, weights, per-node data), keeping only the
        links that rebuild its nodes' histories: a long walk then holds a few bytes per node it has passed."""
        self.states, self.weights, self.data = (), {}, {}

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

    def __init__(
        self, kernels, history, ctx: Context, *, merge: bool = True, max_nodes: int | None = None, eager: bool = False
    ):
        self.kernels = tuple(kernels)
        self.history = tuple(history)
        self.ctx = ctx
        self.merge_enabled = merge
        #: Merge every level, however small or few its coincidences, and never give up (a tree whose merged
        #: levels are compared, as the worst case compares groups of nodes, needs every equal state merged).
        self.eager = eager
        self._merge_misses = 0
        self.max_nodes = check_max_nodes(max_nodes)
        #: Nodes of the tree so far, in all and per depth: counted by :meth:`reserve` when created, less those
        #: :meth:`merge` merged away.
        self.created = 1
        self.level_nodes: dict = {0: 1}

    @property
    def merging(self) -> bool:
        """Whether the tree still merges equal nodes (it stops after two levels that barely merged): a caller
        whose merge labels cost work can skip them once it stops.

        >>> Tree((), (), None).merging, Tree((), (), None, merge=False).merging
        (True, False)
        """
        return self.merge_enabled and self._merge_misses < 2

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
        if self.merging:
            guard_size(
                self.level_nodes.get(depth, 0) + n,
                limit=self.max_nodes,
                option="max_nodes",
                what=f"history-tree nodes at depth {depth} (one level, before merging)",
            )
        else:
            guard_size(
                self.created + n,
                limit=self.max_nodes,
                option="max_nodes",
                what="history-tree nodes (in a tree that does not merge)",
            )
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
        # The links outlive the level's states (they rebuild histories): kept in the smallest integer type.
        # Alphabets are at most MAX_ALPHABET (< 2^31) letters.
        link = np.int32 if len(level) < 2**31 else np.int64
        return Level(
            level.depth + 1,
            states,
            {},
            level,
            parent.astype(link),
            actions.astype(np.int32),
            observations.astype(np.int32),
            flags,
        )

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
        if not self.merging:
            self._stop_keys(level)
            return level, None
        if n == 0 or (n < _MERGE_MIN_SIZE and not self.eager):
            return level, None
        kernel_keys = self.keys(level)
        if kernel_keys is None:
            self.merge_enabled = False
            self._stop_keys(level)
            return level, None
        keys = kernel_keys
        if extra_key is not None:
            keys = np.concatenate([keys, extra_key.reshape(n, -1).astype(np.int64)], axis=1)
        first, inverse = unique_rows(keys)
        if len(first) == n or (len(first) > 0.98 * n and not self.eager):
            # Nothing (or too little) to merge: not worth copying the level for.
            if n >= _MERGE_GIVE_UP_SIZE and not self.eager:
                self._merge_misses += 1
            level.data["keys"] = kernel_keys  # for merge_groups, which would compute them again
            return level, None
        self._merge_misses = 0
        self.created -= n - len(first)
        self.level_nodes[level.depth] = self.level_nodes.get(level.depth, n) - (n - len(first))
        merged = level.take(first)
        merged.data["keys"] = kernel_keys[first]
        merged.weights = {name: self.sum_by(w, inverse, len(first)) for name, w in level.weights.items()}
        return merged, inverse

    def _stop_keys(self, level: Level) -> None:
        """No more merging in this tree: let the kernels drop what they keep only for keys (in place)."""
        level.states = tuple(None if k is None else k.without_keys(s) for k, s in zip(self.kernels, level.states))

    def sum_by(self, values: np.ndarray, inverse: np.ndarray, size: int) -> np.ndarray:
        """Sum rows of ``values`` into ``size`` bins given by ``inverse``."""
        return self.ctx.sum_by(values, inverse, size)

    # -- histories -----------------------------------------------------------------------------------------
    def steps_of(self, level: Level, idx=None) -> np.ndarray:
        """(n, depth, 3) array of the (action, observation, flag) steps after the start history."""
        idx = np.arange(len(level)) if idx is None else np.asarray(idx, dtype=np.int64)
        out = np.zeros((len(idx), level.depth, 3), dtype=np.int64)
        lv, rows = level, idx
        while lv.parent_level is not None:
            assert (
                lv.action is not None and lv.observation is not None and lv.flag is not None and lv.parent is not None
            )
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
        pairs = tuple((a, o) for a, o, _ in self.history)
        return [pairs + tuple((int(a), int(o)) for a, o, _ in row) for row in steps]

    def chunks(self, level: Level, size: int = CHUNK):
        """Sub-levels of at most ``size`` rows (the level itself when it is small)."""
        n = len(level)
        if n <= size:
            yield level
            return
        for start in range(0, n, size):
            # A slice: every part of the level is a view, not a copy.
            yield level.take(slice(start, min(n, start + size)))


def branch(ctx: Context, own: np.ndarray, abstain: np.ndarray | None, env: np.ndarray, demo: np.ndarray | None):
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
    """The children where any of the (N, 2, A, O) weight arrays is non-zero, as indices ``(parent, action,
    observation, flag)`` (flag: bool), and each array's weights at them.

    >>> from theory.arith import get_context
    >>> w = np.zeros((1, 2, 2, 1)); w[0, 0, 1, 0] = 0.5
    >>> select(get_context("float"), w)
    ((array([0]), array([1]), array([0]), array([False])), [array([0.5])])
    """
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


@overload
def walk(
    tree: Tree,
    horizon: int,
    step,
    *,
    root: Level | None = None,
    keep: Literal["links"] = "links",
    label=None,
    chunked: bool = True,
    leaves: bool = True,
) -> None: ...


@overload
def walk(
    tree: Tree,
    horizon: int,
    step,
    *,
    root: Level | None = None,
    keep: Literal["levels"],
    label=None,
    chunked: bool = True,
    leaves: bool = True,
) -> DecisionTree: ...


def walk(
    tree: Tree,
    horizon: int,
    step,
    *,
    root: Level | None = None,
    keep: str = "links",
    label=None,
    chunked: bool = True,
    leaves: bool = True,
) -> DecisionTree | None:
    """The one walk over a history tree, iterative (any horizon the node budget allows), from ``root`` (default
    ``tree.root()``) to ``horizon`` steps.

    ``step(level)`` is called once on every level (or chunk of one) reached, leaves included unless
    ``leaves=False``; before the horizon it returns the weights of the children to create, an (N, 2, A, O)
    array or a dict of them by name (axis 1: the demonstrator flag; children are created where any of them is
    non-zero, and the named ones are stored in the children's ``weights``), or None for no children. The walk
    then creates the children, merges those with equal kernel keys (and equal ``label``, when given:
    ``label(level, parent, action, observation, flag)`` returns an integer per child, stored in its
    ``data["label"]``), and visits them.

    ``keep``:

    * ``"links"`` (forward sums): depth first over chunks of at most :data:`CHUNK` rows (``chunked=False``: whole
      levels, in order of depth), and a visited level keeps only the links that rebuild histories
      (:meth:`Level.retire`), so memory stays bounded at long horizons;
    * ``"levels"`` (backward induction): whole levels, all kept with their ``data`` and weights (the kernel states
      only on the last level); returns the :class:`DecisionTree`.

    >>> import theory
    >>> from theory.arith import get_context
    >>> pi, env = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.sequence_environment(2)
    >>> ctx = get_context("exact")
    >>> tree = Tree((pi, env), (), ctx)
    >>> sizes = []
    >>> def step(level):
    ...     sizes.append(len(level))
    ...     return branch(ctx, pi.probs_batch(level.states[0], ctx), None, env.probs_batch(level.states[1], ctx), None)
    >>> walk(tree, 3, step, keep="links")
    >>> sizes        # 1 root, then 2 children per node (histories of equal states are merged only from 64 on)
    [1, 2, 4, 8]
    """
    guard_walk(horizon, tree.max_nodes)
    option(keep, name="keep", choices=("links", "levels"))
    ctx = tree.ctx
    root = tree.root() if root is None else root
    levels: list[Level] = [root]  # kept with keep="levels" only
    tables: list[np.ndarray] = []
    by_chunks = chunked and keep == "links"
    stack = [root]
    while stack:
        level = stack.pop()
        last = level.depth >= horizon
        grow = step(level) if leaves or not last else None
        if last or grow is None:
            if keep == "links":
                level.retire()
            elif not last:
                raise TypeMismatchError("a step of a decision tree must return the weights of its children, not None")
            continue
        named = grow if isinstance(grow, dict) else {None: grow}
        child_shape = next(iter(named.values())).shape  # (N, 2, A, O)
        (parent, action, observation, flag), selected = select(ctx, *named.values())
        tree.reserve(len(parent), level.depth + 1)
        nxt = tree.children(level, parent, action, observation, flag)
        for name, w in zip(named, selected):
            if name is not None:
                nxt.weights[name] = w
        extra = None
        if label is not None:
            extra = np.asarray(label(level, parent, action, observation, flag), dtype=np.int64)
            nxt.data["label"] = extra
        if keep == "links":
            level.retire()
        else:
            level.states = ()  # backward induction needs the level's data and links, not its kernel states
        nxt, inverse = tree.merge(nxt, extra_key=extra)
        if keep == "levels":
            index = np.full(child_shape, -1, dtype=np.int64)
            index[parent, flag.astype(np.int64), action, observation] = (
                np.arange(len(parent)) if inverse is None else inverse
            )
            tables.append(index)
            levels.append(nxt)
            stack.append(nxt)
        elif len(nxt) == 0:
            continue
        elif by_chunks:
            branching = int(np.prod(child_shape[1:]))  # children per node, at most
            stack.extend(reversed(list(tree.chunks(nxt, tree.chunk_size(branching)))))
        else:
            stack.append(nxt)
    return DecisionTree(tree, levels, tables) if keep == "levels" else None


def merge_groups(tree: Tree, level: Level, labels: np.ndarray, weight_keys: np.ndarray):
    """Merge *groups* of nodes of a whole level: nodes carry a group label, and two groups are the same when they
    hold the same nodes (equal kernel keys) with the same weights (equal ``weight_keys``, integer rows from the
    context's :meth:`~theory.arith.Context.merge_keys`). Groups of nodes are how Definition 2 merges
    observation prefixes: a prefix's induced state is the weighted set of nodes it leads to.

    Returns ``(group, representative)``: ``group[i]`` is node i's merged group (numbered by first appearance),
    and ``representative[i]`` is True for the nodes of each merged group's first member (the nodes of the
    other members duplicate them). None when the tree cannot key its nodes (nothing merges).

    >>> import theory
    >>> from theory.arith import get_context
    >>> ctx = get_context("float")
    >>> pi = theory.FiniteStatePolicy.iid([0.5, 0.5], n_observations=2)
    >>> tree = Tree((pi,), (), ctx)
    >>> level = tree.children(tree.root(), [0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1], [False] * 4)
    >>> group, rep = merge_groups(tree, level, np.array([0, 0, 1, 1]), ctx.merge_keys(ctx.array([0.5] * 4)))
    >>> group.tolist(), rep.tolist()       # observation 1 leads to the same state as observation 0
    ([0, 0, 0, 0], [True, True, False, False])
    """
    n = len(labels)
    keys = level.data.get("keys") if tree.merge_enabled else None
    if keys is None and tree.merge_enabled:
        keys = tree.keys(level)
    if keys is None:
        return None
    rows = np.concatenate([keys, np.asarray(weight_keys, dtype=np.int64).reshape(n, -1)], axis=1)
    d = rows.shape[1]
    with np.errstate(over="ignore"):
        h = (rows * _HASH_MULTIPLIERS[:d]).sum(axis=1) if d <= len(_HASH_MULTIPLIERS) else unique_rows(rows)[1]
        # An order-free hash of each label's set of rows: a non-linear mix of each row's hash, summed.
        mixed = (h ^ (h >> np.int64(29))) * np.int64(-7046029254386353131)
    raw, first_of_raw, raw_of = np.unique(labels, return_index=True, return_inverse=True)
    raw_of = raw_of.reshape(-1)
    # Raw labels in order of first appearance, so the numbering never depends on the label values.
    order = np.argsort(first_of_raw, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    raw_of = rank[raw_of]
    n_raw = len(order)
    count = np.bincount(raw_of, minlength=n_raw)
    # Each label's rows together, sorted by hash; every label holds at least one row.
    sort = np.lexsort((h, raw_of))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    with np.errstate(over="ignore"):
        set_hash = np.add.reduceat(mixed[sort], start)
    first, inverse = unique_rows(np.stack([set_hash, count], axis=1))
    # Verify: each label's rows equal its representative's, in the same order (a hash collision merges nothing).
    pos_label = raw_of[sort]
    offset = np.arange(n) - start[pos_label]
    rep_label = first[inverse[pos_label]]
    rep_pos = start[rep_label] + offset
    if not np.array_equal(rows[sort], rows[sort][rep_pos]):
        return np.arange(n_raw)[raw_of], np.ones(n, dtype=bool)
    group = inverse[raw_of]
    return group, first[group] == raw_of

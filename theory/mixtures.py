"""Bayesian mixtures of policies: prior, posterior, predictive.

For components ν_i with prior weights w_i > 0, the posterior after a history is
``w_i(h) ∝ w_i Π_k ν_i(a_k | h_<k)`` (actions only: policies do not predict observations) and the predictive is
``ξ(a|h) = Σ_i w_i(h) ν_i(a|h)``. The posterior is always normalized, so the prior's total mass (which may be
below 1, as for a Kraft sum) does not change the predictive; it is kept as given unless ``normalize=True``.

A mixture may update only on demonstrator steps (``update="demonstrator"``), the steps of a history flagged
``(a, o, True)`` (plain pairs count as demonstrator steps); this is the posterior of the online imitator, which
learns only from the actions the demonstrator took when asked.

In the float context the posterior lives in log space, so long data (a corpus of thousands of steps) does not
underflow; exact and ball contexts keep plain numbers, which do not.

At a history every component gives probability 0 (a *ruled-out* history) the posterior is undefined:
:meth:`BayesianMixture.posterior`, ``probs`` and ``abstain`` raise :class:`~theory.errors.RuledOutHistoryError`
there, as do :func:`theory.top_set` and the imitators. Inside a tree (a batch of histories reached through another
policy's actions), a ruled-out row has all-zero posterior weights and an all-zero predictive row.

>>> import theory
>>> fair, biased = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.9, 0.1])
>>> xi = theory.BayesianMixture([fair, biased], ["1/2", "1/2"])
>>> xi.posterior(((0, 0), (0, 0)), arith="exact")
array([Fraction(25, 106), Fraction(81, 106)], dtype=object)
>>> xi.probs(((0, 0), (0, 0)), arith="exact")
array([Fraction(427, 530), Fraction(103, 530)], dtype=object)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import compiled
from .arith import Context, get_context, to_fraction
from .errors import AlphabetError, PriorError, RuledOutHistoryError, TypeMismatchError
from .kernels import FiniteStatePolicy, Policy, _plain, _replay_text, normalize_history, take
from .validation import _shown, flag, option, real

__all__ = ["BayesianMixture"]

# Largest number of (state, action) count columns kept as exact merge statistics.
_MAX_COUNT_COLUMNS = 64
# Fixed-point unit of the float merge statistics: log likelihoods rounded to multiples of 2^-40 nats.
_FIXED_POINT = 2.0**40


class BayesianMixture(Policy):
    """A Bayesian mixture of policies; itself a policy (the predictive ξ).

    Parameters
    ----------
    components : sequence of Policy
        Over the same action alphabet.
    prior : sequence of numbers
        Positive weights summing to at most 1 (exactly, when given as exact numbers; within 1e-9 for floats).
    normalize : bool, keyword-only
        Rescale the prior to sum to 1 (otherwise a prior summing above 1 is an error).
    update : ``"all"`` or ``"demonstrator"``, keyword-only
        Update the posterior on every step, or only on steps flagged as demonstrator steps.
    names : sequence of str, keyword-only
        Labels for the components (for reports).

    >>> import theory
    >>> a, b = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
    >>> xi = theory.BayesianMixture([a, b], [0.25, 0.25])
    >>> xi.probs(), xi.prior
    (array([0.5, 0.5]), (0.25, 0.25))
    >>> xi.posterior(((1, 0),))
    array([0., 1.])
    >>> xi.posterior(((1, 0), (0, 0)))   # no component takes 0 after 1
    Traceback (most recent call last):
    ...
    theory.errors.RuledOutHistoryError: every component of the mixture gives history ((1, 0), (0, 0)) probability 0, so its posterior is undefined
    """

    def __init__(
        self,
        components: Sequence[Policy],
        prior,
        *,
        normalize: bool = False,
        update: str = "all",
        names: Sequence[str] | None = None,
        corpus=(),
    ):
        components = _sequence(components, "components", "a list of theory.Policy objects")
        if not components:
            raise AlphabetError("a mixture needs at least one component")
        for i, c in enumerate(components):
            if not isinstance(c, Policy):
                raise TypeMismatchError(f"component {i} is {_shown(c)} ({type(c).__name__}), not a theory.Policy")
        normalize = flag(normalize, name="normalize")
        self.n_actions = components[0].n_actions
        for i, c in enumerate(components):
            if c.n_actions != self.n_actions:
                raise AlphabetError(f"component {i} has {c.n_actions} actions but component 0 has {self.n_actions}")
        obs = {c.n_observations for c in components if c.n_observations is not None}
        if len(obs) > 1:
            raise AlphabetError(f"components disagree on the observation alphabet size: {sorted(obs)}")
        self.n_observations = obs.pop() if obs else None
        self.update = option(update, name="update", choices=("all", "demonstrator"))
        self.components = tuple(components)
        self.semi = any(c.semi for c in components)
        self.prior = self._check_prior(prior, len(components), normalize)
        self.names = (
            tuple(_sequence(names, "names", "a list of strings"))
            if names is not None
            else tuple(f"ν{i}" for i in range(len(components)))
        )
        for i, name in enumerate(self.names):
            if not isinstance(name, str):
                raise TypeMismatchError(
                    f"name {i} of the mixture is {_shown(name)} ({type(name).__name__}), not a string"
                )
        if len(self.names) != len(components):
            raise AlphabetError(f"{len(self.names)} names for {len(components)} components")
        self.corpus = _normalize_corpus(
            _sequence(corpus, "corpus", "a list of histories"), self.n_actions, self.n_observations
        )
        self._group_components()
        self._initial_cache: dict = {}
        self._table_cache: dict = {}

    # -- construction --------------------------------------------------------------------------------------
    @staticmethod
    def _check_prior(prior, k: int, normalize: bool) -> tuple:
        values = _sequence(prior, "prior", "a list of positive weights, one per component", error=PriorError)
        if len(values) != k:
            raise PriorError(f"prior has {len(values)} weights for {k} components; give one weight per component")
        for i, v in enumerate(values):
            if isinstance(v, (bool, np.bool_)):
                raise PriorError(f"prior weight {v!r} of component {i} is a bool, not a number; give a positive weight")
            if not isinstance(v, (float, np.floating)):
                real(v, name=f"prior weight of component {i}", error=PriorError)  # a number (not nan, not a list)
        exact = all(not isinstance(v, (float, np.floating)) for v in values)
        if exact:
            fr = [to_fraction(v) for v in values]
            for i, v in enumerate(fr):
                if not v > 0:
                    raise PriorError(
                        f"prior weight {values[i]} of component {i} is not positive; every component needs weight > 0"
                    )
            total = sum(fr)
            if normalize:
                return tuple(v / total for v in fr)
            if total > 1:
                raise PriorError(f"prior weights sum to {total} > 1; pass normalize=True to rescale them")
            return tuple(fr)
        fl = [float(v) for v in values]
        for i, v in enumerate(fl):
            if not v > 0 or not np.isfinite(v):
                raise PriorError(
                    f"prior weight {values[i]!r} of component {i} is not positive; every component needs weight > 0"
                )
        total_float = sum(fl)
        if normalize:
            return tuple(v / total_float for v in fl)
        if total_float > 1 + 1e-9:
            raise PriorError(f"prior weights sum to {total_float!r} > 1; pass normalize=True to rescale them")
        return tuple(fl)

    def condition_on(self, transcripts) -> "BayesianMixture":
        """The same mixture conditioned on independent episodes (each starting from the empty history).

        The returned mixture's initial posterior is the posterior after ``transcripts``; later histories update
        it further. In float arithmetic the corpus likelihood is accumulated in log space.

        >>> import theory
        >>> fair, biased = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.9, 0.1])
        >>> xi = theory.BayesianMixture([fair, biased], [0.5, 0.5]).condition_on([((0, 0),)] * 500)
        >>> xi.posterior().round(6)
        array([0., 1.])
        """
        transcripts = _sequence(transcripts, "transcripts", "a list of histories (one per episode)")
        return BayesianMixture(
            self.components, self.prior, update=self.update, names=self.names, corpus=self.corpus + tuple(transcripts)
        )

    def _group_components(self) -> None:
        """Group the components: finite-state components with the same transition table share one state
        column (and one set of counts); every other component is a group of its own."""
        groups: list[dict] = []
        # Components that are finite-state machines in another form (a Switch of machines at a monotone event)
        # run as the machine: one more row of the stacked tables instead of a state batch of their own.
        self._machines = [_machine_of(c) for c in self.components]
        for i, c in enumerate(self._machines):
            if c is None:
                groups.append({"proto": self.components[i], "members": [i]})
            elif isinstance(c, FiniteStatePolicy):
                for g in groups:
                    proto = g["proto"]
                    if (
                        isinstance(proto, FiniteStatePolicy)
                        and proto.initial_state == c.initial_state
                        and proto.transition.shape == c.transition.shape
                        and np.array_equal(proto.transition, c.transition)
                    ):
                        g["members"].append(i)
                        break
                else:
                    groups.append({"proto": c, "members": [i]})
        self._fs_groups = [g for g in groups if isinstance(g["proto"], FiniteStatePolicy)]
        self._other_groups = [g for g in groups if not isinstance(g["proto"], FiniteStatePolicy)]
        # Finite-state machinery stacked so that a whole level is one gather: every finite-state component's
        # emission rows sit in one table (offset per component), every group's transitions in another.
        fs_members = [i for g in self._fs_groups for i in g["members"]]
        self._fs_members = np.array(fs_members, dtype=np.int64)
        self._fs_group_of = np.array([gi for gi, g in enumerate(self._fs_groups) for _ in g["members"]], dtype=np.int64)
        sizes = [self._machines[i].n_states for i in fs_members]
        self._fs_row_offset = (
            np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else np.zeros(0, np.int64)
        )
        gsizes = [g["proto"].n_states for g in self._fs_groups]
        self._fs_group_offset = (
            np.concatenate([[0], np.cumsum(gsizes)[:-1]]).astype(np.int64) if gsizes else np.zeros(0, np.int64)
        )
        self._fs_transitions = (
            np.concatenate([g["proto"].transition for g in self._fs_groups])
            if self._fs_groups
            else np.zeros((0, self.n_actions, 1), dtype=np.int64)
        )
        self._fs_initial = np.array([g["proto"].initial_state for g in self._fs_groups], dtype=np.int64)
        self._other_members = np.array([g["members"][0] for g in self._other_groups], dtype=np.int64)
        self._fs_identity = not self._other_groups and np.array_equal(self._fs_members, np.arange(len(self.components)))
        # Count statistics: how often each (state, action) pair of each finite-state group was scored. With
        # every component finite-state they determine the posterior exactly, and serve as the merge key. They
        # pay off when they are few (classes of i.i.d. and Markov components, whose histories merge in large
        # numbers); many distinct machines rarely share statistics, so their counts would only cost.
        n_counts = sum(gsizes) * self.n_actions
        # Membership (K, G) of components in finite-state groups, and the group of each count column.
        self._fs_membership = np.zeros((len(self.components), len(self._fs_groups)), dtype=np.int64)
        for gi, g in enumerate(self._fs_groups):
            self._fs_membership[g["members"], gi] = 1
        self._fs_count_group = np.repeat(
            np.arange(len(gsizes), dtype=np.int64), np.array(gsizes, dtype=np.int64) * self.n_actions
        )
        self._count_statistics = not self._other_groups and n_counts <= _MAX_COUNT_COLUMNS
        self._n_counts = n_counts if self._count_statistics else 0

    # -- batched interface ---------------------------------------------------------------------------------
    def _tables(self, ctx: Context):
        """The stacked emission rows of all finite-state components, and the same in the weight domain."""
        tables = self._table_cache.get(ctx.cache_key)
        if tables is None:
            if len(self._fs_members):
                em = np.concatenate([self._machines[i].emission(ctx) for i in self._fs_members])
            else:
                em = ctx.zeros((0, self.n_actions))
            tables = (em, ctx.weights_domain(em))
            self._table_cache[ctx.cache_key] = tables
        return tables

    def _machine_rows(self, state: "_MixtureState"):
        """What locates each finite-state component's emission row: (states, group_of, offset), row
        ``offset[k] + states[n, group_of[k]]`` (see :meth:`_rows`)."""
        return state.fs_states, self._fs_group_of, self._fs_row_offset

    def _rows(self, state: "_MixtureState") -> np.ndarray:
        """(N, K_fs) rows of the stacked emission table that the finite-state components use now."""
        if state.rows is None:
            state.rows = self._fs_row_offset[None, :] + np.take(state.fs_states, self._fs_group_of, axis=1)
        return state.rows

    def _component_probs(self, state: "_MixtureState", ctx: Context) -> np.ndarray:
        """(N, K, A) action probabilities of every component (computed once per state batch)."""
        if state.probs is not None:
            return state.probs
        em, _ = self._tables(ctx)
        fs = np.take(em, self._rows(state), axis=0)  # (N, K_fs, A)
        if self._fs_identity:
            out = fs
        else:
            out = np.empty((len(state), len(self.components), self.n_actions), dtype=ctx.dtype)
            out[:, self._fs_members] = fs
            for g, gs in zip(self._other_groups, state.other_states):
                out[:, g["members"][0]] = g["proto"].probs_batch(gs, ctx)
        state.probs = out
        return out

    def _statistics(self, ctx: Context) -> str | None:
        """What identifies equal posteriors exactly, for merging: ``"counts"`` ((state, action) counts of an
        all-finite-state class, in every context), ``"fixed"`` (float: the log likelihoods accumulated in
        fixed point, 2^-40 nats, whose sums do not depend on the order of the steps, unlike float sums),
        or None (exact weights are canonical themselves; ball weights cannot be compared)."""
        if self._count_statistics:
            return "counts"
        return "fixed" if ctx.fixed_point_log_keys else None

    def _new_state(self, n: int, weights, ctx: Context) -> "_MixtureState":
        fs_states = np.repeat(self._fs_initial[None, :], n, axis=0)
        others = tuple(take(g["proto"].initial(ctx), np.zeros(n, dtype=np.int64)) for g in self._other_groups)
        mode = self._statistics(ctx)
        width = self._n_counts if mode == "counts" else len(self.components) if mode == "fixed" else 0
        return _MixtureState(fs_states, others, weights, np.zeros((n, width), dtype=np.int64))

    def initial(self, ctx: Context):
        cached = self._initial_cache.get(ctx.cache_key)
        if cached is None:
            weights = ctx.weights_init(ctx.array(list(self.prior)))
            if self.corpus:
                weights = ctx.weights_multiply(weights, self._corpus_weights(ctx))
                if not bool(ctx.weights_defined(weights)[0]):
                    raise RuledOutHistoryError(
                        "every component of the mixture gives the conditioning corpus probability 0, so its "
                        "posterior is undefined"
                    )
            cached = self._new_state(1, weights, ctx)
            self._initial_cache[ctx.cache_key] = cached
        return cached.take(np.zeros(1, dtype=np.int64))

    def _corpus_weights(self, ctx: Context):
        """The corpus likelihood under each component, in the weight domain (one factor per transcript,
        multiplied in; each transcript's own normalization cancels in the posterior).

        The corpus enters through its sufficient statistic, the multiset of its transcripts (they are
        independent episodes): each distinct transcript is scored once, turn by turn, and its likelihood raised
        to its multiplicity (square and multiply in the weight domain, so log space in float). A corpus of a
        million turns that falls into a few hundred distinct transcripts costs what those few hundred cost."""
        multiplicity: dict = {}
        for tr in self.corpus:
            multiplicity[tr] = multiplicity.get(tr, 0) + 1
        transcripts = sorted(multiplicity, key=len, reverse=True)
        n = len(transcripts)
        flat = ctx.weights_init(ctx.ones(len(self.components)))
        state = self._new_state(n, np.repeat(flat, n, axis=0), ctx)
        final = state.weights.copy()
        for t in range(len(transcripts[0]) if transcripts else 0):
            active = sum(1 for tr in transcripts if len(tr) > t)  # a prefix, since sorted by length
            steps = [tr[t] for tr in transcripts[:active]]
            a = np.array([s[0] for s in steps], dtype=np.int64)
            o = np.array([s[1] for s in steps], dtype=np.int64)
            f = np.array([s[2] for s in steps], dtype=bool)
            state = self.advance(state.take(np.arange(active)), np.arange(active), a, o, f, ctx)
            final[:active] = state.weights
        out = flat
        for r in range(n):
            out = ctx.weights_multiply(out, _weights_power(ctx, final[r : r + 1], multiplicity[transcripts[r]]))
        return out

    def advance(self, state, parent, actions, observations, flags, ctx):
        parent = np.asarray(parent, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        observations = np.asarray(observations, dtype=np.int64)
        n_a = self.n_actions
        # Everything is computed once per (parent, action) or (parent, action, observation) at the parent
        # level, then each child takes its row with one 1-d gather: far cheaper than index arithmetic per child.
        # Statistics are tracked only while a tree may still merge (see without_keys).
        mode = self._statistics(ctx) if state.counts is not None else None
        # The posterior after each (node, action), normalized once and shared by its children (one per observation).
        posterior_pa, linear_pa, fixed_pa = self._posterior_after_action(state, ctx, fixed=mode == "fixed")
        pa = parent * n_a + actions
        weights = np.take(posterior_pa, pa, axis=0)
        post = np.take(linear_pa, pa, axis=0)
        skip = ~np.asarray(flags, dtype=bool) if self.update == "demonstrator" else np.zeros(len(parent), dtype=bool)
        if skip.any():
            weights[skip] = state.weights[parent[skip]]
            post[skip] = self.posterior_batch(state, ctx)[parent[skip]]
        if mode == "fixed":
            counts = np.take(fixed_pa, pa, axis=0)
            if skip.any():
                counts[skip] = state.counts[parent[skip]]
        else:
            counts = None if state.counts is None else state.counts[parent]
        if mode == "counts":
            idx = np.nonzero(~skip)[0]
            cols = (self._fs_group_offset[None, :] + state.fs_states[parent[idx]]) * n_a + actions[idx, None]
            counts = counts.copy()
            counts[idx[:, None], cols] += 1
        if len(self._fs_groups):
            fs_states = compiled.successor_states(
                state.fs_states, parent, actions, observations, self._fs_group_offset, self._fs_transitions
            )
        else:
            fs_states = state.fs_states[parent]
        others = tuple(
            g["proto"].advance(gs, parent, actions, observations, flags, ctx)
            for g, gs in zip(self._other_groups, state.other_states)
        )
        out = _MixtureState(fs_states, others, weights, counts)
        out.post = post
        return out

    def _posterior_after_action(self, state, ctx, *, fixed: bool = False):
        """(N·A, K) weights after each node's each action (row n·A + a), the same normalized, and the fixed-point
        log likelihoods (float statistics, when ``fixed``)."""
        n, k, n_a = len(state), len(self.components), self.n_actions
        em, em_w = self._tables(ctx)
        if self._fs_identity and not fixed:
            return (
                *ctx.posterior_after_actions(
                    state.weights, self.posterior_batch(state, ctx), em, em_w, *self._machine_rows(state)
                ),
                None,
            )
        factor = np.empty((n, n_a, k), dtype=ctx.dtype)
        if len(self._fs_members):
            factor[:, :, self._fs_members] = np.take(em_w, self._rows(state), axis=0).transpose(0, 2, 1)
        if self._other_groups:
            probs = self._component_probs(state, ctx)
            factor[:, :, self._other_members] = ctx.weights_domain(probs[:, self._other_members, :]).transpose(0, 2, 1)
        factor = factor.reshape(n * n_a, k)
        repeated = np.repeat(state.weights, n_a, axis=0)
        fixed_pa = None
        if fixed:
            # A zero likelihood becomes a huge negative integer (the sum stays an integer, never nan).
            steps = np.where(np.isfinite(factor), np.round(factor * _FIXED_POINT), -(2.0**55)).astype(np.int64)
            fixed_pa = np.maximum(np.repeat(state.counts, n_a, axis=0) + steps, -(2**60))
        after = ctx.weights_step(repeated, factor)
        return after, ctx.weights_linear(after), fixed_pa

    def posterior_batch(self, state, ctx: Context) -> np.ndarray:
        """(N, K) posterior weights (rows of ruled-out histories are zero)."""
        if state.post is None:
            state.post = ctx.weights_linear(state.weights)
        return state.post

    def component_probs_batch(self, state, ctx: Context) -> np.ndarray:
        """(N, K, A) action probabilities of each component."""
        return self._component_probs(state, ctx)

    def abstain_batch(self, state, ctx, probs=None):
        # ξ's abstain mass is the posterior average of the components' (exact zeros stay exact in ball
        # arithmetic, where 1 − Σ ξ would straddle 0).
        if not self.semi:
            return ctx.zeros(len(state))
        w = self.posterior_batch(state, ctx)
        gaps = ctx.zeros((len(state), len(self.components)))
        if len(self._fs_members):
            fs_gaps = np.concatenate(
                [self._machines[i].abstain_batch(np.arange(self._machines[i].n_states), ctx) for i in self._fs_members]
            )
            gaps[:, self._fs_members] = np.take(fs_gaps, self._rows(state))
        for g, gs in zip(self._other_groups, state.other_states):
            gaps[:, g["members"][0]] = g["proto"].abstain_batch(gs, ctx)
        return (w * gaps).sum(axis=1)

    def probs_batch(self, state, ctx):
        w = self.posterior_batch(state, ctx)
        if self._fs_identity and state.probs is None:
            # Every component a finite-state machine: ξ in one step of the context, without the (N, K, A)
            # table of component probabilities.
            return ctx.predictive(w, self._tables(ctx)[0], *self._machine_rows(state))
        return (w[:, :, None] * self._component_probs(state, ctx)).sum(axis=1)

    def without_keys(self, state):
        """The same state without merge statistics (a tree that has stopped merging needs no keys)."""
        others = tuple(g["proto"].without_keys(gs) for g, gs in zip(self._other_groups, state.other_states))
        out = _MixtureState(state.fs_states, others, state.weights, None)
        out.rows, out.probs, out.post = state.rows, state.probs, state.post
        return out

    def key(self, state, ctx):
        if state.counts is None:
            return None
        mode = self._statistics(ctx)
        if mode == "counts":
            # Which components are still alive (a weight 0 stays 0), and the machine states and counts of the
            # groups with a live member: a group whose members are all ruled out no longer matters, so histories
            # that differ only there (the switch variants after the switch, say) share a key.
            alive = ctx.weights_alive(state.weights)
            group_alive = (alive.astype(np.int64) @ self._fs_membership) > 0  # (N, G)
            return np.concatenate(
                [
                    alive.astype(np.int64),
                    np.where(group_alive, state.fs_states, 0),
                    np.where(group_alive[:, self._fs_count_group], state.counts, 0),
                ],
                axis=1,
            )
        parts = [ctx.weights_defined(state.weights)[:, None].astype(np.int64), state.fs_states]
        for g, gs in zip(self._other_groups, state.other_states):
            sub = g["proto"].key(gs, ctx)
            if sub is None:
                return None
            parts.append(sub)
        if mode == "fixed":
            # Normalize (row maximum 0) so histories with proportional likelihoods share a key.
            rel = state.counts - state.counts.max(axis=1, keepdims=True)
            parts.append(np.maximum(rel, -800 * _FIXED_POINT).astype(np.int64))
        else:
            wkey = ctx.weights_key(state.weights)
            if wkey is None:
                return None
            parts.append(wkey)
        return np.concatenate(parts, axis=1)

    def start(self, history, ctx):
        state = super().start(history, ctx)
        if not ctx.weights_defined(state.weights)[0]:
            raise RuledOutHistoryError(
                f"every component of the mixture gives history {_plain(history)!r} probability 0, so its "
                "posterior is undefined"
            )
        return state

    # -- user interface ------------------------------------------------------------------------------------
    def posterior(self, history=(), *, arith=None) -> np.ndarray:
        """The posterior weights w_i(h) (normalized) after ``history``.

        >>> import theory
        >>> a, b = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([1, 0])
        >>> theory.BayesianMixture([a, b], [0.5, 0.5], update="demonstrator").posterior(((0, 0, False),))
        array([0.5, 0.5])
        """
        ctx = get_context(arith)
        with ctx.scope():
            h = normalize_history(history, self.n_actions, self.n_observations)
            return self.posterior_batch(self.start(h, ctx), ctx)[0]

    def __len__(self) -> int:
        return len(self.components)

    def __repr__(self) -> str:
        """A Python expression that rebuilds the mixture: its components, exact prior, and any options set.

        >>> import theory
        >>> theory.BayesianMixture([theory.FiniteStatePolicy.iid([1, 0])], ["1/2"], update="demonstrator")
        BayesianMixture([FiniteStatePolicy([[1, 0]], [[[0], [0]]])], ['1/2'], update='demonstrator')
        """
        comps = ", ".join(repr(c) for c in self.components)
        prior = ", ".join(_replay_text(w) for w in self.prior)
        options = "" if self.update == "all" else f", update={self.update!r}"
        if self.names != tuple(f"ν{i}" for i in range(len(self.components))):
            options += f", names={list(self.names)!r}"
        if len(self.corpus) > _REPR_CORPUS:
            # A corpus of 10^6 turns would print for pages: say how large it is instead (no longer rebuildable).
            options += f", corpus=<{len(self.corpus)} transcripts>"
        elif self.corpus:
            options += f", corpus={[_plain(h) for h in self.corpus]!r}"
        return f"BayesianMixture([{comps}], [{prior}]{options})"


#: Longest corpus (in transcripts) a mixture's repr writes out in full.
_REPR_CORPUS = 20


def _sequence(value, name: str, what: str, *, error: type = TypeMismatchError) -> list:
    """``value`` as a list: any iterable but a string, bytes or mapping (whose iteration is not what is meant)."""
    from collections.abc import Iterable, Mapping

    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise error(f"{name} must be {what}, got {_shown(value)} ({type(value).__name__})")
    return list(value)


def _normalize_corpus(corpus, n_actions, n_observations) -> tuple:
    """Validate the corpus's transcripts; the same transcript object repeated (a corpus given by its distinct
    transcripts, each repeated its number of times) is validated once and shared. Keyed by identity, not
    equality, so that ``((True, 0),)`` is still refused after an equal ``((1, 0),)``; the held reference keeps
    an id from being reused."""
    seen: dict = {}
    out = []
    for h in corpus:
        known = seen.get(id(h))
        if known is None:
            known = seen[id(h)] = (h, normalize_history(h, n_actions, n_observations))
        out.append(known[1])
    return tuple(out)


def _weights_power(ctx: Context, w: np.ndarray, m: int) -> np.ndarray:
    """``w`` multiplied by itself ``m`` ≥ 1 times in the weight domain (square and multiply: O(log m) steps)."""
    out = None
    while m:
        if m & 1:
            out = w if out is None else ctx.weights_multiply(out, w)
        m >>= 1
        if m:
            w = ctx.weights_multiply(w, w)
    assert out is not None, "a power m >= 1"
    return out


def _machine_of(policy):
    """The policy as a FiniteStatePolicy (itself, or its ``as_finite_state()`` form), or None."""
    if isinstance(policy, FiniteStatePolicy):
        return policy
    convert = getattr(policy, "as_finite_state", None)
    return convert() if convert is not None else None


class _MixtureState:
    """A mixture's state batch: finite-state groups' states (N, G), the other components' state batches,
    posterior weights (weight domain), count statistics, and per-batch caches (emission rows, probabilities)."""

    __slots__ = ("fs_states", "other_states", "weights", "counts", "rows", "probs", "post")

    def __init__(self, fs_states, other_states, weights, counts):
        self.fs_states, self.other_states, self.weights, self.counts = fs_states, other_states, weights, counts
        self.rows = None
        self.probs = None
        self.post = None

    def __len__(self) -> int:
        return len(self.weights)

    def take(self, idx) -> "_MixtureState":
        out = _MixtureState(
            self.fs_states[idx],
            take(self.other_states, idx),
            self.weights[idx],
            None if self.counts is None else self.counts[idx],
        )
        out.rows = None if self.rows is None else self.rows[idx]
        out.probs = None if self.probs is None else self.probs[idx]
        out.post = None if self.post is None else self.post[idx]
        return out

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

>>> import theory
>>> fair, biased = theory.FiniteStatePolicy.iid([0.5, 0.5]), theory.FiniteStatePolicy.iid([0.9, 0.1])
>>> xi = theory.BayesianMixture([fair, biased], ["1/2", "1/2"])
>>> xi.posterior(((0, 0), (0, 0)), arith="exact")
array([Fraction(25, 106), Fraction(81, 106)], dtype=object)
>>> xi.probs(((0, 0), (0, 0)), arith="exact")
array([Fraction(427, 530), Fraction(103, 530)], dtype=object)
"""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from .arith import Context, get_context, to_fraction
from .errors import AlphabetError, PriorError, RuledOutHistoryError
from .kernels import FiniteStatePolicy, Policy, _plain, normalize_history, take

__all__ = ["BayesianMixture"]


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
    """

    def __init__(self, components: Sequence[Policy], prior, *, normalize: bool = False, update: str = "all",
                 names: Sequence[str] | None = None, corpus=()):
        components = list(components)
        if not components:
            raise AlphabetError("a mixture needs at least one component")
        for i, c in enumerate(components):
            if not isinstance(c, Policy):
                raise TypeError(f"component {i} is {c!r}, not a theory.Policy")
        self.n_actions = components[0].n_actions
        for i, c in enumerate(components):
            if c.n_actions != self.n_actions:
                raise AlphabetError(
                    f"component {i} has {c.n_actions} actions but component 0 has {self.n_actions}"
                )
        obs = {c.n_observations for c in components if c.n_observations is not None}
        if len(obs) > 1:
            raise AlphabetError(f"components disagree on the observation alphabet size: {sorted(obs)}")
        self.n_observations = obs.pop() if obs else None
        if update not in ("all", "demonstrator"):
            raise AlphabetError(f"update {update!r} must be 'all' or 'demonstrator'")
        self.update = update
        self.components = tuple(components)
        self.semi = any(c.semi for c in components)
        self.prior = self._check_prior(prior, len(components), normalize)
        self.names = tuple(names) if names is not None else tuple(f"ν{i}" for i in range(len(components)))
        if len(self.names) != len(components):
            raise AlphabetError(f"{len(self.names)} names for {len(components)} components")
        self.corpus = tuple(normalize_history(h, self.n_actions, self.n_observations) for h in corpus)
        self._groups = self._group_components()
        self._initial_cache: dict = {}

    # -- construction --------------------------------------------------------------------------------------
    @staticmethod
    def _check_prior(prior, k: int, normalize: bool) -> tuple:
        values = list(prior)
        if len(values) != k:
            raise PriorError(f"prior has {len(values)} weights for {k} components; give one weight per component")
        exact = all(not isinstance(v, (float, np.floating)) for v in values)
        if exact:
            fr = [to_fraction(v) for v in values]
            for i, v in enumerate(fr):
                if not v > 0:
                    raise PriorError(f"prior weight {values[i]} of component {i} is not positive; every component needs weight > 0")
            total = sum(fr)
            if normalize:
                return tuple(v / total for v in fr)
            if total > 1:
                raise PriorError(f"prior weights sum to {total} > 1; pass normalize=True to rescale them")
            return tuple(fr)
        fl = [float(v) for v in values]
        for i, v in enumerate(fl):
            if not v > 0 or not np.isfinite(v):
                raise PriorError(f"prior weight {values[i]!r} of component {i} is not positive; every component needs weight > 0")
        total = sum(fl)
        if normalize:
            return tuple(v / total for v in fl)
        if total > 1 + 1e-9:
            raise PriorError(f"prior weights sum to {total!r} > 1; pass normalize=True to rescale them")
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
        return BayesianMixture(self.components, self.prior, update=self.update, names=self.names,
                               corpus=self.corpus + tuple(transcripts))

    def _group_components(self):
        """Finite-state components sharing a transition table share one state array (and one merge key)."""
        groups: list[dict] = []
        for i, c in enumerate(self.components):
            if isinstance(c, FiniteStatePolicy):
                for g in groups:
                    proto = g["proto"]
                    if (isinstance(proto, FiniteStatePolicy) and proto.initial_state == c.initial_state
                            and proto.transition.shape == c.transition.shape
                            and np.array_equal(proto.transition, c.transition)):
                        g["members"].append(i)
                        break
                else:
                    groups.append({"proto": c, "members": [i]})
            else:
                groups.append({"proto": c, "members": [i]})
        return groups

    # -- batched interface ---------------------------------------------------------------------------------
    # State: (tuple of group state batches, weights (N, K) in the context's representation, defined (N,)).
    def _component_probs(self, group_states, ctx: Context) -> np.ndarray:
        """(N, K, A) action probabilities of every component."""
        n = len(group_states[0]) if group_states else 0
        out = np.empty((n, len(self.components), self.n_actions), dtype=ctx.dtype)
        for g, gs in zip(self._groups, group_states):
            if isinstance(g["proto"], FiniteStatePolicy):
                table = np.stack([self.components[i].emission(ctx) for i in g["members"]])  # (Kg, S, A)
                out[:, g["members"], :] = np.transpose(table[:, gs, :], (1, 0, 2))
            else:
                out[:, g["members"][0], :] = g["proto"].probs_batch(gs, ctx)
        return out

    def _advance_groups(self, group_states, parent, actions, observations, flags, ctx):
        return tuple(g["proto"].advance(gs, parent, actions, observations, flags, ctx)
                     for g, gs in zip(self._groups, group_states))

    def _fresh(self, ctx: Context):
        return tuple(g["proto"].initial(ctx) for g in self._groups)

    def initial(self, ctx: Context):
        cached = self._initial_cache.get(ctx.cache_key)
        if cached is not None:
            return cached
        weights = ctx.weights_init(ctx.array(list(self.prior)))
        if self.corpus:
            weights = ctx.weights_multiply(weights, self._corpus_weights(ctx))
            if not bool(ctx.weights_defined(weights)[0]):
                raise RuledOutHistoryError(
                    "every component of the mixture gives the conditioning corpus probability 0, so its posterior "
                    "is undefined"
                )
        state = (self._fresh(ctx), weights, np.ones(1, dtype=bool))
        self._initial_cache[ctx.cache_key] = state
        return state

    def _corpus_weights(self, ctx: Context):
        """Normalized likelihood of the corpus under each component, in the context's weight representation."""
        transcripts = sorted(self.corpus, key=len, reverse=True)
        n = len(transcripts)
        k = len(self.components)
        weights = ctx.weights_init(ctx.ones(k))
        rows = np.repeat(weights, n, axis=0)
        states = take(self._fresh(ctx), np.zeros(n, dtype=np.int64))
        longest = len(transcripts[0]) if transcripts else 0
        for t in range(longest):
            active = sum(1 for tr in transcripts if len(tr) > t)  # a prefix, since sorted by length
            steps = [tr[t] for tr in transcripts[:active]]
            a = np.array([s[0] for s in steps], dtype=np.int64)
            o = np.array([s[1] for s in steps], dtype=np.int64)
            f = np.array([s[2] for s in steps], dtype=bool)
            states = take(states, np.arange(active))
            probs = self._component_probs(states, ctx)
            lik = probs[np.arange(active), :, a]
            if self.update == "demonstrator":
                lik[~f] = 1
            rows[:active], _ = ctx.weights_update(rows[:active], lik)
            states = self._advance_groups(states, np.arange(active), a, o, f, ctx)
        out = weights
        for r in range(n):
            out = ctx.weights_multiply(out, rows[r:r + 1])
        return out

    def advance(self, state, parent, actions, observations, flags, ctx):
        group_states, weights, defined = state
        probs = self._component_probs(take(group_states, parent), ctx)
        lik = probs[np.arange(len(parent)), :, actions]
        if self.update == "demonstrator":
            lik[~np.asarray(flags, dtype=bool)] = 1
        new_w, new_defined = ctx.weights_update(weights[parent], lik)
        new_states = self._advance_groups(group_states, parent, actions, observations, flags, ctx)
        return new_states, new_w, defined[parent] & new_defined

    def posterior_batch(self, state, ctx: Context) -> np.ndarray:
        """(N, K) posterior weights (rows of ruled-out histories are zero)."""
        _, weights, defined = state
        w = ctx.weights_linear(weights)
        if not defined.all():
            w = w.copy()
            w[~defined] = 0
        return w

    def component_probs_batch(self, state, ctx: Context) -> np.ndarray:
        """(N, K, A) action probabilities of each component."""
        return self._component_probs(state[0], ctx)

    def probs_batch(self, state, ctx):
        w = self.posterior_batch(state, ctx)
        return (w[:, :, None] * self.component_probs_batch(state, ctx)).sum(axis=1)

    def key(self, state, ctx):
        group_states, weights, defined = state
        wkey = ctx.weights_key(weights)
        if wkey is None:
            return None
        parts = [defined[:, None].astype(np.int64), wkey]
        for g, gs in zip(self._groups, group_states):
            sub = g["proto"].key(gs, ctx)
            if sub is None:
                return None
            parts.append(sub)
        return np.concatenate(parts, axis=1)

    def start(self, history, ctx):
        state = super().start(history, ctx)
        if not state[2][0]:
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
        return f"<BayesianMixture: {len(self.components)} components, update={self.update!r}>"

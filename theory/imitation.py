"""Pessimistic imitation: the top set, the pessimistic imitator, and the online imitator that asks for help.

* :func:`top_set` (Definition 3): sort the components by posterior weight, largest first (ties by index);
  component n is in the top set iff ``w_n(h) ≥ α·(w_1(h) + … + w_n(h))``.
* :class:`PessimisticImitator` (Definition 4): ``ν_α(a|h) = min over the top set of ν_i(a|h)``, a
  semi-distribution whose missing mass θ(h) is the probability of abstaining (asking for help).
* :class:`OnlineImitator`: acts with ν_α; when it abstains the demonstrator acts, and the posterior updates on
  those demonstrator steps only. Its law is computed exactly on small trees (:meth:`OnlineImitator.law`)
  and sampled on long runs (:meth:`OnlineImitator.simulate`).

Top-set membership is a comparison of posterior weights, so in ball arithmetic the imitator decides it in
exact arithmetic (the weights of rational components are rational) and encloses the result: a tie never
becomes an "undecided".

**Ruled-out histories.** At a history that every component of the mixture gives probability 0 the posterior
is undefined, and every object here that is asked about such a history raises
:class:`~theory.errors.RuledOutHistoryError`, as the mixture itself does: :func:`top_set`, the pessimistic
imitator's ``probs``/``abstain``/``top_set``, and :meth:`OnlineImitator.law` and :meth:`OnlineImitator.simulate`
started from such a history. Inside a tree or a simulation (a history reached through the demonstrator's
actions, which the components need not predict), the top set there is empty, so the imitator abstains fully
(θ = 1) and the demonstrator acts.

The demonstrator, who acts whenever the imitator abstains, must be a full distribution: a semi-distribution
demonstrator is refused with a :class:`~theory.errors.ProbabilityError`.

>>> import theory
>>> a, b = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(["1/4", "3/4"])
>>> xi = theory.BayesianMixture([a, b], ["1/2", "1/2"])
>>> theory.top_set(xi, (), "1/2")
[0, 1]
>>> imitator = theory.PessimisticImitator(xi, "1/2")
>>> imitator.probs(arith="exact"), imitator.abstain(arith="exact")
(array([Fraction(1, 4), Fraction(1, 2)], dtype=object), Fraction(1, 4))
"""

from __future__ import annotations


import numpy as np

from .arith import Context, get_context, parameter
from .errors import AlphaError, TypeMismatchError
from .kernels import Environment, Policy, _replay_text, _require_full_demonstrator, normalize_history
from .measures import check_horizon
from .mixtures import BayesianMixture
from .trees import Level, Tree, alphabet, branch, walk
from .validation import _shown

__all__ = ["top_set", "PessimisticImitator", "OnlineImitator", "top_set_mask"]


def _check_alpha(alpha):
    if not 0 < parameter(alpha, error=AlphaError, what="alpha") <= 1:
        raise AlphaError(f"alpha {alpha!r} lies outside (0, 1]; the top set needs 0 < α ≤ 1")
    return alpha


def top_set_mask(weights: np.ndarray, alpha, ctx: Context) -> np.ndarray:
    """Boolean (N, K): which components are in the top set, row by row (Definition 3). A row of all-zero
    weights (a history every component rules out: no posterior) has an empty top set.

    >>> top_set_mask(np.array([[0.1, 0.6, 0.3], [0.0, 0.0, 0.0]]), 0.3, get_context("float"))
    array([[False,  True,  True],
           [False, False, False]])
    """
    n, k = weights.shape
    if k == 0 or n == 0:
        return np.zeros((n, k), dtype=bool)
    undefined = np.asarray(ctx.is_zero(weights.sum(axis=1)), dtype=bool).reshape(n)
    order = ctx.descending_order(weights)  # ties by index
    ranked = np.take_along_axis(weights, order, axis=1)
    cumulative = np.cumsum(ranked, axis=1)
    # Ties at the boundary (w = α·S) are members (in float: within the context's tie rule).
    member_ranked = ctx.at_least(ranked, ctx.convert(alpha) * cumulative)
    # Membership is monotone along the ranking (w decreases, the sum grows): once out, out for good.
    member_ranked = np.logical_and.accumulate(member_ranked, axis=1)
    member_ranked[undefined] = False
    mask = np.zeros((n, k), dtype=bool)
    np.put_along_axis(mask, order, member_ranked, axis=1)
    return mask


def _decision_context(ctx: Context) -> Context:
    """Top-set decisions are made exactly under ball arithmetic (and in the given context otherwise)."""
    return ctx.rational_counterpart or ctx


def top_set(mixture: BayesianMixture, history=(), alpha=1, *, arith=None) -> list[int]:
    """The top set at ``history`` (Definition 3), as component indices in rank order (largest weight first).

    >>> import theory
    >>> c = [theory.FiniteStatePolicy.iid(p) for p in (["1/2", "1/2"], ["1/10", "9/10"], ["9/10", "1/10"])]
    >>> xi = theory.BayesianMixture(c, ["1/3"] * 3)
    >>> theory.top_set(xi, ((0, 0), (0, 0)), "1/5")   # posterior (25, 1, 81)/107
    [2, 0]
    >>> theory.top_set(xi, ((0, 0), (0, 0)), "1/4")   # 25/107 < (1/4)(106/107)
    [2]

    At a history every component rules out there is no posterior, hence no top set:

    >>> theory.top_set(theory.BayesianMixture([theory.FiniteStatePolicy.iid([1, 0])], [1]), ((1, 0),), "1/2")
    Traceback (most recent call last):
    ...
    theory.errors.RuledOutHistoryError: every component of the mixture gives history ((1, 0),) probability 0, so its posterior is undefined
    """
    _require_mixture(mixture, "top_set")
    _check_alpha(alpha)
    ctx = _decision_context(get_context(arith))
    with ctx.scope():
        w = mixture.posterior(history, arith=ctx)
        mask = top_set_mask(w.reshape(1, -1), alpha, ctx)[0]
        return [int(i) for i in ctx.descending_order(w.reshape(1, -1))[0] if mask[i]]


def _require_mixture(mixture, who: str) -> None:
    if not isinstance(mixture, BayesianMixture):
        raise TypeMismatchError(
            f"{who} needs a theory.BayesianMixture, got {_shown(mixture)} "
            f"({type(mixture).__name__}); build one with theory.BayesianMixture(components, prior)"
        )


class PessimisticImitator(Policy):
    """ν_α(a|h) = min over the top set of ν_i(a|h) (Definition 4): a semi-distribution; θ(h) = 1 − Σ_a ν_α(a|h)
    is the probability of abstaining.

    At a history every component rules out, ``probs``, ``abstain`` and ``top_set`` raise
    :class:`~theory.errors.RuledOutHistoryError` (as :func:`top_set` and the mixture do); where a tree reaches
    such a history (through a demonstrator's actions), the top set is empty and the imitator abstains fully.

    >>> import theory
    >>> stay, move = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0, 1])
    >>> imitator = theory.PessimisticImitator(theory.BayesianMixture([stay, move], [0.5, 0.5]), 0.5)
    >>> imitator.probs(), imitator.abstain()   # both plausible: neither action is safe
    (array([0., 0.]), 1.0)
    >>> imitator.probs(((0, 0),)), imitator.abstain(((0, 0),))
    (array([1., 0.]), 0.0)
    >>> only_stay = theory.PessimisticImitator(theory.BayesianMixture([stay], [1]), 0.5)
    >>> only_stay.abstain(((1, 0),))   # the only component never moves
    Traceback (most recent call last):
    ...
    theory.errors.RuledOutHistoryError: every component of the mixture gives history ((1, 0),) probability 0, so its posterior is undefined
    """

    semi = True

    def __init__(self, mixture: BayesianMixture, alpha):
        _require_mixture(mixture, "the pessimistic imitator")
        _check_alpha(alpha)
        self.mixture = mixture
        self.alpha = alpha
        self.n_actions = mixture.n_actions
        self.n_observations = mixture.n_observations

    def initial(self, ctx):
        return self.mixture.initial(_decision_context(ctx))

    def start(self, history, ctx):
        # The mixture's own start: it raises RuledOutHistoryError at a history every component rules out.
        return self.mixture.start(history, _decision_context(ctx))

    def advance(self, state, parent, actions, observations, flags, ctx):
        return self.mixture.advance(state, parent, actions, observations, flags, _decision_context(ctx))

    def key(self, state, ctx):
        return self.mixture.key(state, _decision_context(ctx))

    def top_set_batch(self, state, ctx) -> np.ndarray:
        """(N, K) top-set membership."""
        dctx = _decision_context(ctx)
        return top_set_mask(self.mixture.posterior_batch(state, dctx), self.alpha, dctx)

    def probs_batch(self, state, ctx):
        dctx = _decision_context(ctx)
        with dctx.scope():
            mask = self.top_set_batch(state, ctx)
            probs = self.mixture.component_probs_batch(state, dctx)  # (N, K, A)
            # Probabilities are at most 1, so 2 is a neutral element for the minimum.
            big = dctx.convert(2)
            masked = np.where(mask[:, :, None], probs, big)
            out = masked.min(axis=1)
            out = np.where(mask.any(axis=1)[:, None], out, dctx.convert(0))
        if dctx is ctx:
            return np.asarray(out, dtype=ctx.dtype)
        with ctx.scope():
            return ctx.array(out)

    def abstain_batch(self, state, ctx, probs=None):
        dctx = _decision_context(ctx)
        exact_probs = self.probs_batch(state, dctx)
        missing = dctx.complement(exact_probs.sum(axis=1))
        if dctx is ctx:
            return missing
        with ctx.scope():
            return ctx.array(missing)

    def top_set(self, history=(), *, arith=None) -> list[int]:
        """The top set at ``history`` (see :func:`top_set`)."""
        return top_set(self.mixture, history, self.alpha, arith=arith)

    def __repr__(self) -> str:
        """A Python expression that rebuilds the imitator: its mixture and α (``from theory import *``).

        >>> import theory
        >>> theory.PessimisticImitator(theory.BayesianMixture([theory.FiniteStatePolicy.iid([1, 0])], [1]), "1/2")
        PessimisticImitator(BayesianMixture([FiniteStatePolicy([[1, 0]], [[[0], [0]]])], [1]), '1/2')
        """
        return f"PessimisticImitator({self.mixture!r}, {_replay_text(self.alpha)})"


class OnlineImitator:
    """The imitator that acts with ν_α, asks the demonstrator when it abstains, and updates its posterior only on
    the demonstrator's steps (its mixture is re-made with ``update="demonstrator"``).

    The demonstrator must be a full distribution (a semi-distribution is refused with a
    :class:`~theory.errors.ProbabilityError`). :meth:`law` and :meth:`simulate` started from a history that every
    component rules out raise :class:`~theory.errors.RuledOutHistoryError`; a history reached by a demonstrator
    action that every component rules out leaves an empty top set, so from there on the imitator asks at every
    step.

    >>> import theory
    >>> good, bad = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0.5, 0.5])
    >>> online = theory.OnlineImitator(theory.BayesianMixture([good, bad], [0.5, 0.5]), 0.1, demonstrator=good)
    >>> law = online.law(theory.sequence_environment(2), 2, arith="exact")
    >>> law[((0, 0, True), (0, 0, True))]   # both models stay plausible: it asks with probability 1/2 each step
    Fraction(1, 4)
    """

    def __init__(self, mixture: BayesianMixture, alpha, *, demonstrator: Policy):
        _require_mixture(mixture, "the online imitator")
        _require_full_demonstrator(demonstrator, "the online imitator")
        _check_alpha(alpha)
        learner = BayesianMixture(
            mixture.components, mixture.prior, update="demonstrator", names=mixture.names, corpus=mixture.corpus
        )
        self.mixture = learner
        self.alpha = alpha
        self.imitator = PessimisticImitator(learner, alpha)
        self.demonstrator = demonstrator

    def __repr__(self) -> str:
        """A Python expression that rebuilds the online imitator (``from theory import *``).

        >>> import theory
        >>> good = theory.FiniteStatePolicy.iid([1, 0])
        >>> theory.OnlineImitator(theory.BayesianMixture([good], [1]), 0.5, demonstrator=good)
        OnlineImitator(BayesianMixture([FiniteStatePolicy([[1, 0]], [[[0], [0]]])], [1], update='demonstrator'), 0.5, demonstrator=FiniteStatePolicy([[1, 0]], [[[0], [0]]]))
        """
        return f"OnlineImitator({self.mixture!r}, {_replay_text(self.alpha)}, demonstrator={self.demonstrator!r})"

    def law(self, env: Environment, horizon: int, history=(), *, arith=None) -> dict:
        """The exact law of the flagged history ``((a, o, asked), …)`` over ``horizon`` steps (small trees).

        ``asked`` is True on the steps where the imitator abstained and the demonstrator acted.
        """
        ctx = get_context(arith)
        n_actions, n_obs = alphabet(self.imitator, env, self.demonstrator)
        h = normalize_history(history, n_actions, n_obs)
        m = check_horizon(horizon)
        out: dict = {}
        with ctx.scope():
            tree = Tree((self.imitator, env, self.demonstrator), h, ctx, merge=False)

            def step(level: Level):
                mass = level.weights["mass"]
                if level.depth == m:
                    for hist, p in zip(tree.histories(level, flags=True), mass):
                        out[hist[len(h) :]] = ctx.to_output(p)
                    return None
                p = self.imitator.probs_batch(level.states[0], ctx)
                theta = self.imitator.abstain_batch(level.states[0], ctx, p)
                return {
                    "mass": mass[:, None, None, None]
                    * branch(
                        ctx,
                        p,
                        theta,
                        env.probs_batch(level.states[1], ctx),
                        self.demonstrator.probs_batch(level.states[2], ctx),
                    )
                }

            root = tree.root()
            root.weights["mass"] = ctx.ones(1)
            walk(tree, m, step, root=root)
        return out

    def simulate(self, env: Environment, horizon: int, *, episodes: int = 1000, seed: int = 0, history=()):
        """Sample ``episodes`` runs of ``horizon`` steps (float arithmetic, vectorized over episodes); see
        :func:`theory.sample_episodes`. ``asked`` marks the steps where the demonstrator acted and ``abstain``
        holds θ at each step. Deterministic under ``seed``.

        >>> import theory
        >>> good = theory.FiniteStatePolicy.iid([1, 0])
        >>> online = theory.OnlineImitator(theory.BayesianMixture([good], [1]), 0.5, demonstrator=good)
        >>> runs = online.simulate(theory.sequence_environment(2), 3, episodes=4)
        >>> int(runs.asked.sum()), int(runs.actions.sum())
        (0, 0)
        """
        from .sampling import sample_episodes

        return sample_episodes(
            self.imitator, env, horizon, episodes=episodes, seed=seed, history=history, demonstrator=self.demonstrator
        )

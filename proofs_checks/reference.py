"""Independent references: the paper's definitions computed from an instance's own tables, not by the engine.

A claim that bounds an engine quantity from one side passes an engine that computes it wrongly on the other
side (a worst case taken as a minimum, a top set too large). Pairing the engine's value with a reference makes
the check two-sided. Everything here reads only the kernels' probabilities (``policy.probs(history)``,
``policy.abstain(history)``, ``xi.components``, ``xi.prior``, ``xi.update``, ``xi.corpus``) and does the
arithmetic of the definition itself, in any arithmetic context: no trajectory measure, posterior, top set or
divergence of :mod:`theory` is called.

* :func:`posterior` — Bayes' rule: ``w_i(h) ∝ w_i · Π_k ν_i(a_k | h_<k)`` over the counted steps (every step,
  or only the demonstrator steps when ``update="demonstrator"``).
* :func:`top_set` — Definition 3 from a weight vector: rank by weight, largest first, ties by index; n is in
  iff ``w_n ≥ α·(w_1 + … + w_n)``.
* :func:`pessimistic_probs` — Definition 4: ``ν_α(a|h) = min over the top set of ν_i(a|h)``.
* :func:`kl` — ``Σ p ln(p/q)`` over the outcomes of two (semi-)distributions, ⊥ (the missing mass) included.
* :func:`worst_case_kl` — Definition 2: the maximum over observation sequences of the KL between the
  action-sequence laws, each enumerated leaf by leaf.
* :func:`trajectory_leaves`, :func:`leaf_kl` — every trajectory with its probability and the policies' action
  probabilities along it, multiplied out; the expected trajectory KL as one logarithm per leaf.

>>> import theory
>>> fair, biased = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid(["9/10", "1/10"])
>>> xi = theory.BayesianMixture([fair, biased], ["1/2", "1/2"])
>>> posterior(xi, ((0, 0), (0, 0)), arith="exact")
[Fraction(25, 106), Fraction(81, 106)]
>>> top_set([Fraction(25, 106), Fraction(81, 106)], Fraction(1, 4))
[1]
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction


import theory

__all__ = [
    "ReferenceInputError",
    "posterior",
    "top_set",
    "pessimistic_probs",
    "kl",
    "worst_case_kl",
    "trajectory_leaves",
    "leaf_kl",
    "BOTTOM",
]


class ReferenceInputError(ValueError):
    """Bad input to a reference computation (a negative probability, a ruled-out history, a bad α)."""


def _counted(step, update: str) -> bool:
    """Whether the posterior learns from this step: always, or only on demonstrator steps (flag True; plain
    pairs are demonstrator steps)."""
    return update == "all" or len(step) < 3 or bool(step[2])


def _likelihood(component, steps, update, ctx, start=()):
    """``Π_k ν(a_k | start + steps_<k)`` over the counted steps."""
    out = ctx.convert(1)
    prefix = tuple(start)
    for step in steps:
        if _counted(step, update):
            out = out * component.probs(prefix, arith=ctx)[int(step[0])]
        prefix = prefix + (tuple(step),)
    return out


def posterior(mixture, history=(), *, arith="exact") -> list:
    """The posterior weights of ``mixture`` after ``history`` by Bayes' rule, as a list in ``arith``.

    The likelihood of each component is the product of its own action probabilities over the counted steps of
    the mixture's conditioning corpus (each transcript from the empty history) and of ``history``; the weights
    are normalized. A history every component rules out raises :class:`ReferenceInputError`.

    >>> import theory
    >>> a, b = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid([1, 0])
    >>> xi = theory.BayesianMixture([a, b], ["1/2", "1/2"], update="demonstrator")
    >>> posterior(xi, ((0, 0, False), (0, 0, True)))   # only the second step counts
    [Fraction(1, 3), Fraction(2, 3)]
    >>> posterior(xi, ((1, 0),))
    [Fraction(1, 1), Fraction(0, 1)]
    >>> posterior(theory.BayesianMixture([b], [1]), ((1, 0),))
    Traceback (most recent call last):
    ...
    proofs_checks.reference.ReferenceInputError: every component gives history ((1, 0),) probability 0: no posterior
    """
    ctx = theory.get_context(arith)
    update = getattr(mixture, "update", "all")
    with ctx.scope():
        weights = []
        for prior, component in zip(mixture.prior, mixture.components):
            w = ctx.convert(Fraction(prior) if not isinstance(prior, float) else prior)
            for transcript in getattr(mixture, "corpus", ()):
                w = w * _likelihood(component, transcript, update, ctx)
            weights.append(w * _likelihood(component, history, update, ctx))
        total = sum(weights[1:], weights[0])
        if ctx.sign(total) == 0:
            raise ReferenceInputError(f"every component gives history {tuple(history)!r} probability 0: no posterior")
        return [w / total for w in weights]


def top_set(weights, alpha) -> list[int]:
    """Definition 3 on exact weights: the component indices in the top set, in rank order (largest weight
    first, ties by index); n is in iff ``w_n ≥ α·S_n``, ``S_n`` the total weight ranked at or above n.

    >>> top_set([Fraction(1, 10), Fraction(6, 10), Fraction(3, 10)], Fraction(3, 10))
    [1, 2]
    >>> top_set([Fraction(1, 2), Fraction(1, 2)], 1)   # a tie: the first index ranks first
    [0]
    >>> top_set([Fraction(1, 2)], 0)
    Traceback (most recent call last):
    ...
    proofs_checks.reference.ReferenceInputError: alpha 0 lies outside (0, 1]
    """
    a = Fraction(alpha)
    if not 0 < a <= 1:
        raise ReferenceInputError(f"alpha {alpha!r} lies outside (0, 1]")
    w = [Fraction(x) for x in weights]
    order = sorted(range(len(w)), key=lambda i: (-w[i], i))
    members, running = [], Fraction(0)
    for i in order:
        running += w[i]
        if w[i] >= a * running:
            members.append(i)
    return members


def pessimistic_probs(mixture, history, alpha, *, arith="exact") -> list:
    """Definition 4: ``ν_α(a|h) = min over the top set of ν_i(a|h)``, the top set from :func:`top_set` on the
    exact Bayes posterior; a list in ``arith``.

    >>> import theory
    >>> stay, move = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> xi = theory.BayesianMixture([stay, move], ["1/2", "1/2"])
    >>> pessimistic_probs(xi, (), "1/2"), pessimistic_probs(xi, ((0, 0),), "1/2")
    ([Fraction(1, 2), Fraction(0, 1)], [Fraction(1, 1), Fraction(0, 1)])
    """
    ctx = theory.get_context(arith)
    members = top_set(posterior(mixture, history, arith="exact"), alpha)
    exact = theory.get_context("exact")
    rows = [mixture.components[i].probs(history, arith=exact) for i in members]
    with ctx.scope():
        return [ctx.convert(min(Fraction(r[a]) for r in rows)) for a in range(mixture.n_actions)]


def _exact_vector(values, name: str) -> list:
    out = []
    for x in values:
        try:
            v = Fraction(x) if not isinstance(x, str) else Fraction(x.strip())
        except (TypeError, ValueError, ZeroDivisionError) as err:
            raise ReferenceInputError(f"{name} has entry {x!r}, not a number") from err
        if v < 0:
            raise ReferenceInputError(f"{name} has negative entry {x!r}")
        out.append(v)
    if sum(out) > 1:
        raise ReferenceInputError(f"{name} sums to {sum(out)} > 1")
    return out


def kl(p, q, *, arith="exact"):
    """``KL(p‖q) = Σ p ln(p/q)`` over the listed outcomes and ⊥ (the missing mass ``1 − Σ``), term by term;
    ``0·ln(0/q) = 0`` and ``math.inf`` when p puts mass where q puts none.

    >>> kl(["1/2"], ["1/4"])                       # 1/2·ln 2 + 1/2·ln(1/2 / 3/4)
    LogLinear(1/2*ln(2) + 1/2*ln(2/3))
    >>> kl(["1/2", "1/2"], ["1", "0"])
    inf
    >>> kl(["1/2", "1/2"], ["3/4"])                # ⊥ has q-mass 1/4 and no p-mass
    Traceback (most recent call last):
    ...
    proofs_checks.reference.ReferenceInputError: p has 2 outcomes but q has 1
    """
    pe, qe = _exact_vector(p, "p"), _exact_vector(q, "q")
    if len(pe) != len(qe):
        raise ReferenceInputError(f"p has {len(pe)} outcomes but q has {len(qe)}")
    pe, qe = pe + [1 - sum(pe)], qe + [1 - sum(qe)]
    ctx = theory.get_context(arith)
    with ctx.scope():
        total = ctx.convert(0)
        for x, y in zip(pe, qe):
            if x == 0:
                continue
            if y == 0:
                return math.inf
            total = total + ctx.convert(x) * ctx.log(ctx.convert(x / y))
        return total


def _open_loop_kl(pi, beta, start, observations, ctx):
    """The KL between the action-sequence laws of π and β when the observation after step t is
    ``observations[t]`` whatever the actions: enumerated leaf by leaf (⊥ ends a leaf), one logarithm of the
    product ratio per leaf."""
    horizon = len(observations)
    total = [ctx.convert(0)]
    infinite = [False]

    def leaf(p_pi, p_beta):
        if ctx.is_zero(p_beta):
            infinite[0] = True
        else:
            total[0] = total[0] + p_pi * ctx.log(p_pi / p_beta)

    def visit(h, p_pi, p_beta, t):
        if t == horizon:
            leaf(p_pi, p_beta)
            return
        a_pi, a_beta = pi.probs(h, arith=ctx), beta.probs(h, arith=ctx)
        if pi.semi:
            bot = ctx.convert(pi.abstain(h, arith=ctx))
            if not ctx.is_zero(bot):
                leaf(p_pi * bot, p_beta * ctx.convert(beta.abstain(h, arith=ctx)))
        for a in range(len(a_pi)):
            if ctx.is_zero(a_pi[a]):
                continue
            if ctx.is_zero(a_beta[a]):
                infinite[0] = True  # β's state after an action it rules out is never needed: KL is infinite
                continue
            visit(h + ((a, observations[t]),), p_pi * a_pi[a], p_beta * a_beta[a], t + 1)

    visit(tuple(start), ctx.convert(1), ctx.convert(1), 0)
    return math.inf if infinite[0] else total[0]


def worst_case_kl(pi, beta, n_observations: int, horizon: int, history=(), *, arith="exact"):
    """Definition 2: ``max over o_{1:m}`` of the KL between the action-sequence laws of π and β with the
    observations held fixed, each KL enumerated leaf by leaf from the policies' own probabilities.

    The last observation is seen by no action of the horizon, so the maximum runs over ``O^(m−1)``.

    >>> import theory
    >>> copy = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    >>> beta = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    >>> worst_case_kl(copy, beta, 2, 2)          # copy is deterministic given the observations: 2·ln 2
    LogLinear(1*ln(4))
    >>> worst_case_kl(copy, beta, 2, -1)
    Traceback (most recent call last):
    ...
    proofs_checks.reference.ReferenceInputError: horizon -1 must be a non-negative integer
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
        raise ReferenceInputError(f"horizon {horizon!r} must be a non-negative integer")
    if isinstance(n_observations, bool) or not isinstance(n_observations, int) or n_observations < 1:
        raise ReferenceInputError(f"n_observations {n_observations!r} must be a positive integer")
    ctx = theory.get_context(arith)
    with ctx.scope():
        if horizon == 0:
            return ctx.convert(0)
        values = []
        for seq in itertools.product(range(n_observations), repeat=horizon - 1):
            v = _open_loop_kl(pi, beta, history, seq + (0,), ctx)
            if isinstance(v, float) and math.isinf(v):
                return math.inf
            values.append(v)
        return ctx.extreme(values)


#: The last step of a trajectory that ends with the policy abstaining.
BOTTOM = "⊥"


def _zero(ctx, x) -> bool:
    return bool(ctx.is_zero(x))


def trajectory_leaves(pi, beta, env, horizon, history=(), *, arith, under="pi"):
    """Every trajectory of ``horizon`` steps after ``history`` that has positive probability under
    ``under`` (``"pi"`` or ``"beta"``) and the environment, as ``(steps, P(x), π(x), β(x))``.

    ``P(x)`` is the trajectory probability (actions of ``under`` times observations of ``env``), ``π(x)`` and
    ``β(x)`` the products of the policies' action probabilities along x (abstaining, ⊥, is a last step that ends
    the trajectory). Everything is multiplied out from the kernels' own probabilities at each node.

    >>> import theory
    >>> ctx = theory.get_context("exact")
    >>> pi, beta = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> trajectory_leaves(pi, beta, theory.sequence_environment(2), 2, arith=ctx)
    [(((0, 0), (0, 0)), Fraction(1, 1), Fraction(1, 1), Fraction(1, 4))]
    """
    ctx = theory.get_context(arith)
    start = tuple(history)
    one = ctx.convert(1)
    out = []

    def visit(steps, mass, p_pi, p_beta, t):
        if t == horizon:
            out.append((steps, mass, p_pi, p_beta))
            return
        h = start + steps
        a_pi, a_beta = pi.probs(h, arith=ctx), beta.probs(h, arith=ctx)
        if pi.semi or beta.semi:
            bot_pi, bot_beta = ctx.convert(pi.abstain(h, arith=ctx)), ctx.convert(beta.abstain(h, arith=ctx))
            own = bot_pi if under == "pi" else bot_beta
            if not _zero(ctx, own):
                out.append((steps + (BOTTOM,), mass * own, p_pi * bot_pi, p_beta * bot_beta))
        acting = a_pi if under == "pi" else a_beta
        for a in range(len(acting)):
            if _zero(ctx, acting[a]):
                continue
            obs = env.probs(h, a, arith=ctx)
            for o in range(len(obs)):
                if _zero(ctx, obs[o]):
                    continue
                visit(steps + ((a, o),), mass * acting[a] * obs[o], p_pi * a_pi[a], p_beta * a_beta[a], t + 1)

    visit((), one, one, one, 0)
    return out


def leaf_kl(leaves, *, arith):
    """``Σ_x P(x)·ln(π(x)/β(x))`` over leaves from :func:`trajectory_leaves` (``math.inf`` when some leaf has
    β(x) = 0 < π(x); a leaf with π(x) = 0 < β(x) contributes ``-inf``, which only the false variants meet).

    >>> import theory
    >>> ctx = theory.get_context("exact")
    >>> pi, beta = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> leaf_kl(trajectory_leaves(pi, beta, theory.sequence_environment(2), 2, arith=ctx), arith=ctx)
    LogLinear(1*ln(4))
    """
    ctx = theory.get_context(arith)
    total = ctx.convert(0)
    plus_inf = minus_inf = False
    for _, mass, p_pi, p_beta in leaves:
        if _zero(ctx, p_beta):
            plus_inf = True
        elif _zero(ctx, p_pi):
            minus_inf = True
        else:
            total = total + mass * ctx.log(p_pi / p_beta)
    if plus_inf and minus_inf:
        raise ArithmeticError("the sum has both +inf and -inf terms")
    if plus_inf:
        return math.inf
    if minus_inf:
        return -math.inf
    return total

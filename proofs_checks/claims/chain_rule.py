"""chain-rule: the expected trajectory KL equals the expected sum of the per-step KLs (exact equality).

For policies π, β, an environment μ, a start history h and a horizon m,

``Σ_x P^{π,μ}_h(x) · ln(π(a_{1:m}|x) / β(a_{1:m}|x))  =  E_{x~P^{π,μ}_h} Σ_t KL(π(·|x_{<t}) ‖ β(·|x_{<t}))``.

The right side is :func:`theory.trajectory_kl`, which *is* computed as the expected sum of per-step KLs, so
comparing it with itself could never fail. The left side is therefore computed independently, by
:func:`trajectory_leaves`: an enumeration of every full trajectory x reachable under π and μ, built from the
kernels' own action and observation probabilities (``policy.probs(history)``, ``env.probs(history, a)``), with
the trajectory probabilities multiplied out at each leaf and one logarithm of the product ratio per leaf. No
per-step KL appears on the left. Semi-distribution policies are allowed: abstaining (⊥) ends a trajectory and
is a leaf of its own, as in :mod:`theory.measures`.

Both sides are exact linear forms in logarithms in exact arithmetic, whose equality is decided exactly.

**The worst-case form.** The same identity holds for Definition 2 observation sequence by observation sequence:
:func:`theory.worst_case_kl` (a backward maximum over the observation tree of per-step KLs) must equal the
maximum over o_{1:m} of the KL between the action-sequence laws with those observations held fixed, enumerated
leaf by leaf by :func:`proofs_checks.reference.worst_case_kl`. An equality, not a bound: a worst case taken as
a minimum, or over too few sequences, fails it.

:func:`make` builds false variants: ``weights="beta"`` weighs the leaves by P^{β,μ} instead of P^{π,μ}, and
``drop_last=True`` drops the last step from the left side; both must be refuted.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = {"pi": theory.FiniteStatePolicy.iid(["1/2", "1/2"]), "beta": theory.FiniteStatePolicy.iid(["1/4", "3/4"]),
...      "env": theory.sequence_environment(2), "horizon": 2, "history": ()}
>>> part, worst = CLAIM.parts(x, theory.get_context("exact"))
>>> part.lhs == part.rhs == 2 * theory.kl(["1/2", "1/2"], ["1/4", "3/4"], arith="exact")  # decided exactly
True
>>> worst.lhs == worst.rhs == part.lhs      # i.i.d. policies: every observation sequence gives the same KL
True
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

import theory
from theory.events import ObservationOccurred
from proofs_checks import reference
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import copy_last_observation, lean_to_zero, noisy_echo

__all__ = ["CLAIM", "make", "trajectory_cases", "trajectory_leaves", "leaf_kl", "toy_examples"]

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


@st.composite
def trajectory_cases(draw, *, max_actions=3, max_observations=2, max_states=2, max_horizon=3, semi=True,
                     max_history=2, min_horizon=1):
    """π, β and μ over a drawn alphabet, a horizon and a start history reachable under π and μ (policies are
    sometimes semi-distributions, when ``semi``).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(trajectory_cases())
    ... def check(x):
    ...     assert sorted(x) == ['beta', 'env', 'history', 'horizon', 'pi'] and 1 <= x["horizon"] <= 3
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    kw = dict(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    pi = draw(S.finite_state_policies(semi=semi and draw(st.booleans()), **kw))
    beta = draw(S.finite_state_policies(semi=semi and draw(st.booleans()), **kw))
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=max_states))
    history = draw(S.histories(pi, env, max_length=max_history)) if max_history else ()
    return {"pi": pi, "beta": beta, "env": env, "horizon": draw(st.integers(min_horizon, max_horizon)),
            "history": history}


def toy_examples() -> list[dict]:
    """Named toy instances certified on every check: observations that steer the policies, abstaining
    policies, and an infinite KL that only appears at the second step.

    >>> [sorted(x) for x in toy_examples()][0]
    ['beta', 'env', 'history', 'horizon', 'name', 'pi']
    """
    echo, copy, lean = noisy_echo(), copy_last_observation(), lean_to_zero()
    shy = theory.FiniteStatePolicy.iid(["1/2", "1/4"], n_observations=2, semi=True)
    shyer = theory.FiniteStatePolicy.iid(["1/3", "1/6"], n_observations=2, semi=True)
    # β takes action 1 surely after observation 1, where π still takes action 0 with probability 1/4.
    late = theory.FiniteStatePolicy([["1/2", "1/2"], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    # Two observation prefixes reach the same states with different weights: Definition 2 may merge such prefixes
    # only when the weights agree too (theory.trees.merge_groups).
    steer = theory.Switch(theory.FiniteStatePolicy([[0, 1], ["1/4", "3/4"]], [[[0, 0], [1, 0]], [[0, 0], [1, 0]]]),
                          ObservationOccurred(1),
                          theory.FiniteStatePolicy([["1/4", "3/4"]], [[[0, 0], [0, 0]]])).as_finite_state()
    follow = theory.FiniteStatePolicy([["1/2", "1/2"], ["1/4", "3/4"]], [[[0, 1], [1, 0]], [[0, 0], [1, 0]]])
    return [
        {"name": "copy-the-echo", "pi": copy, "beta": lean, "env": echo, "horizon": 3, "history": ()},
        {"name": "same-states-other-weights", "pi": steer, "beta": follow, "env": echo, "horizon": 3, "history": ()},
        {"name": "abstaining", "pi": shy, "beta": shyer, "env": echo, "horizon": 3, "history": ((1, 1),)},
        {"name": "infinite-at-step-2", "pi": copy, "beta": late, "env": echo, "horizon": 2, "history": ()},
    ]


def make(*, weights="pi", drop_last=False, id="chain-rule", kind="theorem") -> Claim:
    """The chain-rule check; ``weights="beta"`` (leaves weighed by P^{β,μ}) and ``drop_last=True`` (the left side
    over m−1 steps) are false variants.

    >>> make(weights="beta").title
    'chain rule with the leaves weighed by P^{β,μ} (false)'
    """
    if weights not in ("pi", "beta"):
        raise ValueError(f"weights {weights!r} must be 'pi' or 'beta'")

    def parts(x, arith):
        pi, beta, env, m, h = x["pi"], x["beta"], x["env"], x["horizon"], x["history"]
        leaves = trajectory_leaves(pi, beta, env, m - 1 if drop_last else m, h, arith=arith, under=weights)
        return [
            Part("expected form: Σ_x P(x) ln(π(x)/β(x)) (leaves) = theory.trajectory_kl (per-step sum)",
                 leaf_kl(leaves, arith=arith), "==", theory.trajectory_kl(pi, beta, env, m, h, arith=arith)),
            # Two-sided: Definition 2 against its own definition, so a worst case computed too small fails too.
            Part("worst-case form (Definition 2): max over o_{1:m} of the open-loop KL (leaves) = "
                 "theory.worst_case_kl", reference.worst_case_kl(pi, beta, env.n_observations, m, h, arith=arith),
                 "==", theory.worst_case_kl(pi, beta, env, m, h, arith=arith)),
        ]

    if weights == "beta":
        title = "chain rule with the leaves weighed by P^{β,μ} (false)"
    elif drop_last:
        title = "chain rule without the last step on the left (false)"
    else:
        title = "chain rule: expected trajectory KL = expected sum of per-step KLs"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Standard chain rule for KL; the spec's definition of the expected trajectory KL (paper §2, "
                  "used throughout the proofs of Theorems 1 and 4)",
        statement="For all policies π, β (semi-distributions allowed, ⊥ ending a trajectory), environments μ, start "
                  "histories h and horizons m: Σ_x P^{π,μ}_h(x) ln(π(a_{1:m}|x)/β(a_{1:m}|x)) = "
                  "E_{x~P^{π,μ}_h} Σ_{t=1}^m KL(π(·|x_{<t}) ‖ β(·|x_{<t})), both sides possibly +∞; and for "
                  "every observation sequence the same identity with the observations held fixed, so Definition "
                  "2 (the maximum over o_{1:m}) is the maximum of the per-step sums along o_{1:m}.",
        latex=r"\sum_{x} P^{\pi,\mu}_h(x)\,\ln\frac{\pi(a_{1:m}\mid x)}{\beta(a_{1:m}\mid x)}"
              r" = \mathbb{E}^{\pi,\mu}_h \sum_{t=1}^{m} \mathrm{KL}\big(\pi(\cdot\mid x_{<t})\,\|\,"
              r"\beta(\cdot\mid x_{<t})\big)",
        how="Random finite-state π, β, μ (exact rational tables, exact zeros and near-zeros, π and β sometimes "
            "semi-distributions), |A| ≤ 3, |O| ≤ 2, horizons 1–3, start histories of length ≤ 2 reachable under π "
            "and μ. Left: an independent enumeration of every trajectory reachable under π and μ, the "
            "trajectory probabilities multiplied out from the kernels' probabilities at each leaf, one log of "
            "the ratio π(x)/β(x) per leaf (+∞ when β(x) = 0 < π(x)). Right: theory.trajectory_kl (the per-step "
            "KLs summed over the merged tree). The worst-case form likewise: for every observation sequence "
            "the action-sequence KL enumerated leaf by leaf (proofs_checks.reference.worst_case_kl), maximized, "
            "against theory.worst_case_kl. Equality is decided exactly on linear forms in logarithms.",
        given=trajectory_cases(),
        examples=toy_examples,
        parts=parts,
        max_examples=150,
    )


CLAIM = make()

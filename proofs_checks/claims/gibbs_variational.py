"""``gibbs-variational``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/gibbs-variational.md.

>>> CLAIM.kind, CLAIM.expected, CLAIM.certify_in
('theorem', 'holds', ('ball:128', 'ball:256', 'ball:512'))
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import bandit, fair_coin, safe_or_gamble
from theory.validation import option

__all__ = ["CLAIM", "make", "gibbs_cases", "StepMixture", "TOLERANCE", "examples", "one_step", "two_steps"]

#: Agreement required of the two sides of an identity (far above ball radii, far below any float error).
TOLERANCE = Fraction(1, 2**64)


class StepMixture(theory.Policy):
    """The policy ``(1 − ε)·first + ε·second`` at every history (a per-step mixture, not a mixture of
    trajectories): a perturbation of ``first``'s table in the direction of ``second``.

    >>> p = StepMixture(theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"]), "1/2")
    >>> p.probs(((0, 0),), arith="exact")
    array([Fraction(3, 4), Fraction(1, 4)], dtype=object)
    """

    def __init__(self, first, second, weight):
        if first.n_actions != second.n_actions:
            raise ValueError(f"the policies have {first.n_actions} and {second.n_actions} actions")
        self.first, self.second, self.weight = first, second, Fraction(weight)
        if not 0 <= self.weight <= 1:
            raise ValueError(f"the mixture weight {weight!r} must lie in [0, 1]")
        self.n_actions = first.n_actions
        self.n_observations = first.n_observations if first.n_observations is not None else second.n_observations
        self.semi = False

    def initial(self, ctx):
        return (self.first.initial(ctx), self.second.initial(ctx))

    def advance(self, state, parent, actions, observations, flags, ctx):
        return (
            self.first.advance(state[0], parent, actions, observations, flags, ctx),
            self.second.advance(state[1], parent, actions, observations, flags, ctx),
        )

    def key(self, state, ctx):
        k1, k2 = self.first.key(state[0], ctx), self.second.key(state[1], ctx)
        if k1 is None or k2 is None:
            return None
        return np.concatenate([k1, k2], axis=1)

    def probs_batch(self, state, ctx):
        w = ctx.convert(self.weight)
        return (1 - w) * self.first.probs_batch(state[0], ctx) + w * self.second.probs_batch(state[1], ctx)


def gibbs_cases(*, max_actions=3, max_observations=2, max_states=2, max_horizon=3, max_leaves=36, max_history=1):
    """β, μ, a utility, a horizon, a temperature λ, a start history h, and a perturbation (σ, ε).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(gibbs_cases())
    ... def check(x):
    ...     assert 0 < x["epsilon"] <= 1 and (x["beta"].n_actions * x["env"].n_observations) ** x["horizon"] <= 36
    >>> check()
    """
    shapes = {}
    for n_actions in range(2, max_actions + 1):
        for n_obs in range(1, max_observations + 1):
            top = 1
            while top < max_horizon and (n_actions * n_obs) ** (top + 1) <= max_leaves:
                top += 1
            policies = S.finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
            shapes[(n_actions, n_obs)] = st.fixed_dictionaries(
                {
                    "beta": policies,
                    "env": S.finite_state_environments(
                        n_actions=n_actions, n_observations=n_obs, max_states=max_states
                    ),
                    "utility": S.utilities(n_actions=n_actions, n_observations=n_obs),
                    "horizon": st.integers(1, top),
                    "temperature": S.temperatures(min_value=Fraction(1, 10), max_value=10),
                    "sigma": policies,
                    "epsilon": st.one_of(
                        st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(1, 1000)]),
                        st.fractions(Fraction(1, 12), 1, max_denominator=12),
                    ),
                }
            )
    cases = st.sampled_from(sorted(shapes)).flatmap(shapes.__getitem__)
    return S.with_history(cases, max_length=max_history)


def one_step() -> dict:
    """One step, two actions paying 0 and 1, β fair, λ = 1: π* = (1, e)/(1 + e), W = ln((1 + e)/2); the
    perturbation pushes halfway to "always action 0".

    >>> x = one_step()
    >>> optimum = theory.kl_regularized_policy(x["beta"], x["env"], x["utility"], 1, x["temperature"])
    >>> round(optimum.objective, 9), round(math.log((1 + math.e) / 2), 9)
    (0.620114507, 0.620114507)
    """
    return {
        "name": "one step, rewards 0 and 1, β fair, λ = 1",
        **bandit([0, 1]),
        "horizon": 1,
        "temperature": Fraction(1),
        "history": (),
        "sigma": theory.FiniteStatePolicy.iid([1, 0]),
        "epsilon": Fraction(1, 2),
    }


def two_steps() -> dict:
    """Two steps with stochastic observations: a safe action (reward 2/5) and a gamble (reward 1 with
    probability 1/2), β = (3/4, 1/4), λ = 1/2, perturbed a tenth of the way towards uniform play.

    >>> x = two_steps()
    >>> optimum = theory.kl_regularized_policy(x["beta"], x["env"], x["utility"], 2, x["temperature"])
    >>> round(optimum.value - 0.5 * optimum.kl_spent - optimum.objective, 12)
    0.0
    """
    return {
        "name": "safe action or gamble, two steps, λ = 1/2",
        **safe_or_gamble(),
        "horizon": 2,
        "temperature": Fraction(1, 2),
        "history": (),
        "sigma": fair_coin(n_observations=2),
        "epsilon": Fraction(1, 10),
    }


def examples() -> list[dict]:
    """The fixed examples every check certifies: :func:`one_step` and :func:`two_steps`.

    >>> [x["horizon"] for x in examples()]
    [1, 2]
    """
    return [one_step(), two_steps()]


def _objective(policy, x, lam, arith):
    """J(π) = V − λ·KL (−∞ when π leaves β's support), and the KL."""
    beta, env, utility, m, h = x["beta"], x["env"], x["utility"], x["horizon"], tuple(x["history"])
    kl = theory.trajectory_kl(policy, beta, env, m, h, arith=arith)
    if isinstance(kl, float) and math.isinf(kl):
        return -math.inf, kl
    return theory.value(policy, env, utility, m, h, arith=arith) - lam * kl, kl


def make(
    *,
    perturbed: str = "<=",
    temperature_factor=1,
    id: str = "gibbs-variational",
    kind: str = "theorem",
    max_examples: int = 150,
    tolerance=TOLERANCE,
    given=None,
) -> Claim:
    """The check of Gibbs' variational principle on trajectory trees; ``perturbed=">="`` flips the claim about
    perturbations, ``temperature_factor`` recomputes the objective at a multiple of λ; ``given={}`` checks the
    named examples only.

    >>> make(perturbed=">=", id="gibbs-flipped").statement.startswith("For all β")
    True
    """
    option(perturbed, name="perturbed", choices=("<=", ">="))
    factor = Fraction(temperature_factor)
    tol = Fraction(tolerance)

    def parts(x, arith):
        beta, env, utility, m, h = x["beta"], x["env"], x["utility"], x["horizon"], tuple(x["history"])
        optimum = theory.kl_regularized_policy(beta, env, utility, m, x["temperature"], h, arith=arith)
        pi, w = optimum.policy, optimum.objective
        lam = arith.convert(x["temperature"])
        eps = arith.convert(tol)
        j_star, _ = _objective(pi, x, lam * arith.convert(factor), arith)
        out = [
            Part(
                "attained: |V(π*) − λ·KL(π*‖β) − W(h)| ≤ 2^-64 (V, KL recomputed on the returned policy)",
                abs(j_star - w),
                "<=",
                eps,
            )
        ]
        mixed = StepMixture(pi, x["sigma"], x["epsilon"])
        j_mixed, kl_mixed = _objective(mixed, x, lam, arith)
        if perturbed == "<=":
            out.append(Part("not exceeded: V(π_ε) − λ·KL(π_ε‖β) ≤ W(h) + 2^-64", j_mixed, "<=", w + eps))
        else:
            out.append(Part("(false variant) V(π_ε) − λ·KL(π_ε‖β) ≥ W(h) − 2^-64", j_mixed, ">=", w - eps))
        if not (isinstance(kl_mixed, float) and math.isinf(kl_mixed)):
            gap = theory.trajectory_kl(mixed, pi, env, m, h, arith=arith)
            out.append(Part("the gap: |W(h) − J(π_ε) − λ·KL(π_ε‖π*)| ≤ 2^-64", abs(w - j_mixed - lam * gap), "<=", eps))
        return out

    flipped = perturbed == ">="
    return Claim(
        id=id,
        title="Gibbs' variational principle: the regularized optimum attains W(h), and nothing exceeds it"
        + (" (false variant)" if flipped or factor != 1 else ""),
        kind=kind,
        reference="Gibbs' variational principle (Donsker–Varadhan), node by node; the spec's KL-regularized optimum",
        statement=(
            "For all β, μ, U, h, m and λ > 0: π* from backward induction attains "
            f"V^π*_μ(h) − {'' if factor == 1 else str(factor) + '·'}λ·KL^μ_{{h,m}}(π*‖β) = W(h), and every "
            f"policy π has V^π_μ(h) − λ·KL^μ_{{h,m}}(π‖β) {'≤' if perturbed == '<=' else '≥'} W(h), the gap being "
            "λ·KL^μ_{h,m}(π‖π*)."
        ),
        latex=(
            r"\max_\pi\; V^\pi_\mu(h) - \lambda\,\mathrm{KL}^\mu_{h,m}(\pi\,\|\,\beta) = W(h),\quad "
            r"W(h) - J(\pi) = \lambda\,\mathrm{KL}^\mu_{h,m}(\pi\,\|\,\pi^*)"
        ),
        how=(
            "Random finite-state β, μ, horizons 1–3, λ in [1/10, 10]: J(π*) recomputed against W(h) from "
            "theory.kl_regularized_policy, and a perturbation π_ε of π* against W(h), with the gap "
            "λ·KL(π_ε‖π*); verdicts in ball arithmetic, to 2^-64."
        ),
        derived=(
            "The gap identity W(h) − J(π) = λ·KL(π‖π*) is derived here (the chain rule with "
            "ln(π/β) = ln(π/π*) + (Q − W)/λ), not stated in the paper. Equalities are certified to 2^-64, "
            "since enclosures cannot prove an equality of transcendental numbers."
        ),
        given=gibbs_cases() if given is None else given,
        parts=parts,
        examples=examples,
        certify_in=("ball:128", "ball:256", "ball:512"),
        max_examples=max_examples,
    )


CLAIM = make()

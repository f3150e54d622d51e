"""``mixture-dominance``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/mixture-dominance.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = examples()[0]                 # three constant policies, prior (1/2, 1/4, 1/8): w = (4, 2, 1)/7
>>> [(p.name, p.lhs == p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][-1]   # KL = ln 7, exactly
('tight, worst case (disjoint supports at h)', True)
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import copy_last_observation, fair_coin, noisy_echo
from theory.validation import option

__all__ = ["CLAIM", "make", "dominance_cases", "disjoint_mixtures", "examples", "disjoint_at"]


def disjoint_at(xi, history, *, arith) -> bool:
    """Whether the components with positive posterior at ``history`` have pairwise disjoint next-action
    supports (decided exactly from the instance's tables; the components that abstain must not share ⊥ either).

    >>> import theory
    >>> a, b = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> disjoint_at(theory.BayesianMixture([a, b], ["1/2", "1/2"]), (), arith="exact")
    False
    >>> disjoint_at(theory.BayesianMixture([a, b], ["1/2", "1/2"]), ((1, 0),), arith="exact")   # only b is left
    True
    """
    ctx = theory.get_context("exact")
    w = xi.posterior(history, arith=ctx)
    seen: set = set()
    for j, c in enumerate(xi.components):
        if w[j] == 0:
            continue
        probs = c.probs(history, arith=ctx)
        support = {a for a in range(len(probs)) if probs[a] != 0}
        if c.semi and c.abstain(history, arith=ctx) != 0:
            support.add("⊥")
        if support & seen:
            return False
        seen |= support
    return True


@st.composite
def disjoint_mixtures(draw, *, n_actions, n_observations, max_components=3, max_states=3):
    """Mixtures whose components' first actions have pairwise disjoint supports, so that the first action
    reveals the component: the case where the bound is attained. State 0 of each component is transient.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(disjoint_mixtures(n_actions=3, n_observations=2))
    ... def check(xi):
    ...     assert disjoint_at(xi, (), arith="exact") and 2 <= len(xi) <= 3
    >>> check()
    """
    k = draw(st.integers(2, min(max_components, n_actions)))
    # Actions 0..k-1 open the k blocks; the rest join a drawn block.
    block = list(range(k)) + [draw(st.integers(0, k - 1)) for _ in range(n_actions - k)]
    comps = []
    for c in range(k):
        members = [a for a in range(n_actions) if block[a] == c]
        first = draw(S.distributions(len(members)))
        row0 = [Fraction(0)] * n_actions
        for a, p in zip(members, first):
            row0[a] = p
        n_states = draw(st.integers(2, max_states))
        rows = [row0] + [list(draw(S.distributions(n_actions))) for _ in range(n_states - 1)]
        later = st.integers(1, n_states - 1)
        transition = [[[draw(later) for _ in range(n_observations)] for _ in range(n_actions)] for _ in range(n_states)]
        comps.append(theory.FiniteStatePolicy(rows, transition))
    prior = draw(S.priors(k))
    return theory.BayesianMixture(comps, prior)


@st.composite
def dominance_cases(draw, *, max_actions=3, max_observations=2, max_components=4, max_horizon=3):
    """A mixture, an environment, a horizon, a start history the mixture and μ may produce, and a component.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(dominance_cases())
    ... def check(x):
    ...     assert sorted(x) == ['component', 'env', 'history', 'horizon', 'xi'] and 0 <= x["component"] < len(x["xi"])
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    if draw(st.integers(0, 3)) == 0:
        xi = draw(disjoint_mixtures(n_actions=n_actions, n_observations=n_obs))
        history = ()
    else:
        xi = draw(
            S.mixtures(
                n_actions=n_actions,
                n_observations=n_obs,
                max_components=max_components,
                max_states=2,
                semi=draw(st.booleans()),
            )
        )
        history = None
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=2))
    if history is None:
        history = draw(S.histories(xi, env, max_length=2))
    return {
        "xi": xi,
        "env": env,
        "horizon": draw(st.integers(1, max_horizon)),
        "history": history,
        "component": draw(st.integers(0, len(xi) - 1)),
    }


def examples() -> list[dict]:
    """Named toy instances: ``disjoint-three`` (bound attained: ln 7), and ``posterior-dropped`` (the data at h
    lowered ν_0's weight from the prior 1/2 to 1/4, and the bound ln 4 is attained, so the prior's ln 2 fails).

    >>> [x["name"] for x in examples()]
    ['disjoint-three', 'posterior-dropped', 'echo-mixture']
    """
    consts = [theory.FiniteStatePolicy.constant(a, n_actions=3) for a in range(3)]
    three = theory.BayesianMixture(consts, ["1/2", "1/4", "1/8"])
    # Step 1: ν_0 = (1/4, 3/4), ν_1 = (3/4, 1/4); afterwards ν_0 always takes 0 and ν_1 always takes 1.
    nu0 = theory.FiniteStatePolicy([["1/4", "3/4"], [1, 0]], [[[1], [1]], [[1], [1]]])
    nu1 = theory.FiniteStatePolicy([["3/4", "1/4"], [0, 1]], [[[1], [1]], [[1], [1]]])
    dropped = theory.BayesianMixture([nu0, nu1], ["1/2", "1/2"])
    stubborn = theory.FiniteStatePolicy.iid(["19/20", "1/20"], n_observations=2)
    mixed = theory.BayesianMixture(
        [copy_last_observation(), fair_coin(n_observations=2), stubborn], ["1/2", "1/4", "1/4"]
    )
    return [
        {
            "name": "disjoint-three",
            "xi": three,
            "env": theory.sequence_environment(3),
            "horizon": 2,
            "history": (),
            "component": 2,
        },
        {
            "name": "posterior-dropped",
            "xi": dropped,
            "env": theory.sequence_environment(2),
            "horizon": 2,
            "history": ((0, 0),),
            "component": 0,
        },
        {"name": "echo-mixture", "xi": mixed, "env": noisy_echo(), "horizon": 3, "history": ((1, 1),), "component": 2},
    ]


def _log_inverse(w, ctx):
    """ln(1/w) in the context (``math.inf`` for w = 0)."""
    if bool(ctx.is_zero(w)):
        return math.inf
    return -ctx.log(ctx.convert(w))


def make(*, slack=0, weight="posterior", id="mixture-dominance", kind="theorem") -> Claim:
    """The dominance check ``KL(ν_i‖ξ) ≤ ln(1/w_i(h)) − slack``; ``slack > 0`` and ``weight="prior"`` (the
    prior in place of the posterior at h) are false variants.

    >>> make(weight="prior").title
    'KL(ν_i‖ξ) ≤ ln(1/w_i) with the prior weight (false)'
    """
    slack = Fraction(slack)
    option(weight, name="weight", choices=("posterior", "prior"))

    def parts(x, arith):
        xi, env, m, h, i = x["xi"], x["env"], x["horizon"], x["history"], x["component"]
        nu = xi.components[i]
        w = xi.posterior(h if weight == "posterior" else (), arith=arith)[i]
        bound = _log_inverse(w, arith)
        if slack and not (isinstance(bound, float) and math.isinf(bound)):
            bound = bound - arith.convert(slack)
        expected = theory.trajectory_kl(nu, xi, env, m, h, arith=arith)
        worst = theory.worst_case_kl(nu, xi, env, m, h, arith=arith)
        out = [
            Part("expected: KL(ν_i‖ξ) <= ln(1/w_i(h))", expected, "<=", bound),
            Part("worst case: WC(ν_i‖ξ) <= ln(1/w_i(h))", worst, "<=", bound),
        ]
        w_h = xi.posterior(h, arith="exact")[i]
        if w_h != 0 and disjoint_at(xi, h, arith=arith):
            out += [
                Part("tight, expected (disjoint supports at h)", expected, "==", bound),
                Part("tight, worst case (disjoint supports at h)", worst, "==", bound),
            ]
        return out

    if weight == "prior":
        title = "KL(ν_i‖ξ) ≤ ln(1/w_i) with the prior weight (false)"
    elif slack:
        title = f"KL(ν_i‖ξ) ≤ ln(1/w_i(h)) − {slack} (false)"
    else:
        title = "mixture dominance: KL(ν_i‖ξ) ≤ ln(1/w_i(h)), tight for disjoint supports"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Dominance of a Bayes mixture (ξ ≥ w_i(h)·ν_i); the step behind the paper's Theorem 1 and "
        "Proposition 1 (Bayesian form), cf. Cohen et al. 2022",
        statement="For a Bayesian mixture ξ of policies ν_i (semi-distributions allowed), every component i, "
        "history h with positive probability under ξ, environment μ and horizon m: KL^μ_{h,m}(ν_i‖ξ) ≤ "
        "ln(1/w_i(h)) and the worst-case KL_{h,m}(ν_i‖ξ) ≤ ln(1/w_i(h)); with equality in both when "
        "the components' action-sequence laws after h are disjoint.",
        latex=r"\mathrm{KL}^{\mu}_{h,m}(\nu_i\|\xi) \le \overline{\mathrm{KL}}_{h,m}(\nu_i\|\xi) \le"
        r" \ln\frac{1}{w_i(h)}",
        how="Random mixtures ξ of 2–4 finite-state components, horizons 1–3: expected and worst-case "
        "KL(ν_i‖ξ) against ln(1/w_i(h)) from the exact posterior, decided exactly; equality too where the "
        "components' next-action supports at h are disjoint.",
        given=dominance_cases(),
        examples=examples,
        parts=parts,
        max_examples=100,
    )


CLAIM = make()

"""Does a KL budget to a base policy transfer to the demonstrator μ? The instances and parts shared by
``thm4-pessimistic-kl`` (base ν_α, the pessimistic imitator: it does) and ``conj-bayes-kl-transfers`` (base ξ,
the Bayesian mixture: it does not).

An instance is a mixture ξ with μ one of its components, an environment, a start history, a horizon, α and a
policy π (:func:`imitation_cases`; :func:`pi_of` builds π). :func:`transfer_parts` checks KL(π‖μ) ≤ KL(π‖base)
in the expected and worst-case forms, with the top-set hypothesis and, for the imitator, ν_α ≤ μ, Definition 4
and the delegated bound.

>>> import theory
>>> stay, leave = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
>>> x = {"mixture": theory.BayesianMixture([stay, leave], ["1/2", "1/2"]), "mu": 0,
...      "env": theory.sequence_environment(2), "history": (), "horizon": 1, "alpha": Fraction(1, 2),
...      "pi_kind": "component", "pi_component": 1, "pi": None}
>>> [(p.lhs, p.rhs) for p in transfer_parts(x, EXACT, base="mixture")][1]     # KL(π‖μ) = ∞ > KL(π‖ξ) = ln 2
(inf, LogLinear(1*ln(2)))
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import reference
from proofs_checks import strategies as S
from proofs_checks.claim import Part
from theory.arith import get_context

__all__ = [
    "imitation_cases",
    "transfer_parts",
    "requirement_histories",
    "top_set_margin",
    "pi_of",
    "delegated",
    "renormalized",
    "PI_KINDS",
    "ABSTAINING_KINDS",
    "DELEGATED",
]

EXACT = get_context("exact")
#: Which π an instance uses (:func:`pi_of`): a component, ξ, the renormalized imitator, a drawn policy; and π that
#: abstain: ν_α itself, a drawn semi-distribution policy restricted to ν_α's support, a drawn one.
#: (ν_α itself comes early: the small-scope enumeration tries the first kinds of every small instance.)
PI_KINDS = ("component", "imitator-itself", "mixture", "imitator", "drawn", "within", "abstaining")
ABSTAINING_KINDS = ("imitator-itself", "within", "abstaining")
DELEGATED = ("bound", "bare")


# ---------------------------------------------------------------------------------------------------------------
# The hypothesis: μ in the top set
# ---------------------------------------------------------------------------------------------------------------
def requirement_histories(mu: theory.Policy, history: tuple, horizon: int, n_observations: int) -> list:
    """N: the histories extending ``history`` by fewer than ``horizon`` steps whose every new action μ takes with
    positive probability (any observation).

    >>> mu = theory.FiniteStatePolicy.iid([1, 0], n_observations=2)
    >>> requirement_histories(mu, (), 2, 2)
    [(), ((0, 0),), ((0, 1),)]
    """
    out = []

    def rec(h, depth):
        out.append(h)
        if depth + 1 >= horizon:
            return
        p = mu.probs(h, arith=EXACT)
        for a in range(len(p)):
            if p[a] > 0:
                for o in range(n_observations):
                    rec(h + ((a, o),), depth + 1)

    rec(tuple((int(a), int(o)) for a, o, *_ in history), 0)
    return out


def top_set_margin(weights, mu: int, alpha) -> Fraction:
    """w_μ − α·S_μ, S_μ the total weight of the components ranked at or above μ (largest first, ties by index):
    μ is in the top set iff this is ≥ 0 (Definition 3; components ranked above μ are then members too).

    >>> top_set_margin([Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)], 2, Fraction(1, 6))
    Fraction(0, 1)
    """
    return weights[mu] - Fraction(alpha) * _mass_at_or_above(weights, mu)


def _mass_at_or_above(weights, mu: int):
    """S_μ: the total weight of the components ranked at or above μ (largest first, ties by index)."""
    w_mu = weights[mu]
    return sum(w for j, w in enumerate(weights) if w > w_mu or (w == w_mu and j <= mu))


def _alpha_max(mixture, mu: int, nodes) -> Fraction:
    """The largest α for which μ is in the top set at every node: min over nodes of w_μ/S_μ."""
    best = Fraction(1)
    for h in nodes:
        w = mixture.posterior(h, arith=EXACT)
        best = min(best, w[mu] / _mass_at_or_above(w, mu))
    return best


# ---------------------------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def imitation_cases(draw, *, clamp_alpha: bool = True, max_components: int = 4, max_horizon: int = 3):
    """``{"mixture", "mu", "env", "history", "horizon", "alpha", "pi_kind", "pi_component", "pi"}``.

    With ``clamp_alpha``, α is lowered so that μ is in the top set at every history of
    :func:`requirement_histories` (the theorem's hypothesis); ``pi_kind`` says which π to build
    (:func:`pi_of`): a component, the mixture ξ, the renormalized imitator, the drawn policy ``pi``, or an
    abstaining π (ν_α itself, the drawn semi-distribution policy ``pi`` restricted to ν_α's support, or ``pi``).
    """
    n_a, n_o = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    mixture = draw(
        S.mixtures(n_actions=n_a, n_observations=n_o, min_components=2, max_components=max_components, max_states=2)
    )
    k = len(mixture)
    mu = draw(st.integers(0, k - 1))
    env = draw(S.finite_state_environments(n_actions=n_a, n_observations=n_o, max_states=2))
    history = draw(S.histories(mixture.components[mu], env, max_length=3))
    horizon = draw(st.integers(1, max_horizon))
    alpha = draw(S.alphas())
    if clamp_alpha:
        nodes = requirement_histories(mixture.components[mu], history, horizon, n_o)
        alpha = min(alpha, _alpha_max(mixture, mu, nodes))
    pi_kind = draw(st.sampled_from(PI_KINDS))
    pi_component = draw(st.integers(0, k - 1))
    pi = None
    if pi_kind in ("drawn", "within", "abstaining"):
        pi = draw(S.finite_state_policies(n_actions=n_a, n_observations=n_o, max_states=2, semi=pi_kind != "drawn"))
    return {
        "mixture": mixture,
        "mu": mu,
        "env": env,
        "history": history,
        "horizon": horizon,
        "alpha": alpha,
        "pi_kind": pi_kind,
        "pi_component": pi_component,
        "pi": pi,
    }


class _Renormalized:
    """``history -> exact row``: the imitator's action probabilities rescaled to sum to 1 (uniform where it
    abstains surely)."""

    def __init__(self, imitator: theory.PessimisticImitator):
        self.imitator = imitator

    def __call__(self, history):
        p = list(self.imitator.probs(history, arith=EXACT))
        total = sum(p)
        return [x / total for x in p] if total > 0 else [Fraction(1, len(p))] * len(p)


class _Within:
    """``history -> exact row``: a (semi-)policy's action probabilities with those ν_α gives 0 set to 0 (the rest
    of the mass abstains): an abstaining π whose support lies within the imitator's."""

    def __init__(self, policy: theory.Policy, imitator: theory.PessimisticImitator):
        self.policy, self.imitator = policy, imitator

    def __call__(self, history):
        nu = self.imitator.probs(history, arith=EXACT)
        return [p if q > 0 else Fraction(0) for p, q in zip(self.policy.probs(history, arith=EXACT), nu)]


class _Delegated:
    """``history -> exact row``: π with its abstentions answered by μ, π(a|h) + π(⊥|h)·μ(a|h) (a distribution).
    A kernel of the unflagged history because the drawn π and μ do not look at the demonstrator flags."""

    def __init__(self, pi: theory.Policy, mu: theory.Policy):
        self.pi, self.mu = pi, mu

    def __call__(self, history):
        p = list(self.pi.probs(history, arith=EXACT))
        theta = 1 - sum(p)
        return [x + theta * y for x, y in zip(p, self.mu.probs(history, arith=EXACT))]


def pi_of(x: dict, imitator: theory.PessimisticImitator) -> theory.Policy:
    """The policy π an instance names."""
    kind = x["pi_kind"]
    if kind == "component":
        return x["mixture"].components[x["pi_component"]]
    if kind == "mixture":
        return x["mixture"]
    if kind == "imitator":
        return theory.Policy.from_function(
            imitator.n_actions, _Renormalized(imitator), n_observations=imitator.n_observations
        )
    if kind == "imitator-itself":
        return imitator
    if kind == "within":
        return theory.Policy.from_function(
            imitator.n_actions, _Within(x["pi"], imitator), n_observations=imitator.n_observations, semi=True
        )
    return x["pi"]


def delegated(pi: theory.Policy, mu: theory.Policy) -> theory.Policy:
    """π with its abstentions answered by μ, as a policy: π(a|h) + π(⊥|h)·μ(a|h).

    >>> import theory
    >>> half = theory.FiniteStatePolicy.iid(["1/2", 0], semi=True)
    >>> delegated(half, theory.FiniteStatePolicy.iid(["1/2", "1/2"])).probs(arith="exact").tolist()
    [Fraction(3, 4), Fraction(1, 4)]
    """
    return theory.Policy.from_function(pi.n_actions, _Delegated(pi, mu), n_observations=pi.n_observations)


def renormalized(pi: theory.Policy) -> theory.Policy:
    """π conditioned on acting, π̂(a|h) = π(a|h)/(1 − π(⊥|h)) (uniform where π abstains surely).

    >>> import theory
    >>> renormalized(theory.FiniteStatePolicy.iid(["1/4", "1/4"], semi=True)).probs(arith="exact").tolist()
    [Fraction(1, 2), Fraction(1, 2)]
    """
    return theory.Policy.from_function(pi.n_actions, _Renormalized(pi), n_observations=pi.n_observations)


# ---------------------------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------------------------
def transfer_parts(
    x,
    arith,
    *,
    base: str = "imitator",
    hypothesis: bool = True,
    convention: str = "actions",
    delegation: str | None = "bound",
) -> list:
    """The parts of a drawn instance, with the base policy the pessimistic imitator (``base="imitator"``, the
    theorem) or the Bayesian mixture ξ (``base="mixture"``, the false conjecture conj-bayes-kl-transfers), every
    KL under ``convention`` (the theorem's is ``"actions"``, the paper's raw sum). With the imitator as base and
    ``delegation`` set, the delegated parts too: ``"bound"`` the true bound with the acting term, ``"bare"``
    without it (false)."""
    mixture, mu_i, env = x["mixture"], int(x["mu"]), x["env"]
    mu = mixture.components[mu_i]
    h, m = tuple(x["history"]), int(x["horizon"])
    imitator = theory.PessimisticImitator(mixture, x["alpha"])
    pi = pi_of(x, imitator)
    beta = imitator if base == "imitator" else mixture
    name = "ν_α" if base == "imitator" else "ξ"
    nodes = requirement_histories(mu, h, m, env.n_observations)
    kw = {"arith": arith, "convention": convention}
    parts = []
    if hypothesis:
        margin = min(top_set_margin(list(mixture.posterior(g, arith=EXACT)), mu_i, x["alpha"]) for g in nodes)
        parts.append(
            Part(
                "hypothesis: μ in the top set at h and at every μ-possible history of the horizon",
                arith.convert(margin),
                ">=",
                arith.convert(0),
            )
        )
    if base == "imitator":
        gap = min(min(mu.probs(g, arith=EXACT) - imitator.probs(g, arith=EXACT)) for g in nodes)
        parts.append(
            Part(
                "ν_α(a|h') ≤ μ(a|h') for every action and history of the horizon",
                arith.convert(gap),
                ">=",
                arith.convert(0),
            )
        )
        definition = reference.pessimistic_probs(mixture, h, x["alpha"], arith=EXACT)
        off = sum(abs(p - q) for p, q in zip(imitator.probs(h, arith=EXACT), definition))
        parts.append(
            Part(
                "ν_α(·|h) = Definition 4: min over the Definition 3 top set of the Bayes posterior (Σ_a |difference|)",
                arith.convert(off),
                "==",
                arith.convert(0),
            )
        )
    for form, kl, measure in (
        ("expected", "KL^μ_{h,m}", theory.trajectory_kl),
        ("worst-case", "KL_{h,m}", theory.worst_case_kl),
    ):
        parts.append(
            Part(
                f"{form} {kl}(π‖μ) ≤ {kl}(π‖{name})",
                measure(pi, mu, env, m, h, **kw),
                "<=",
                measure(pi, beta, env, m, h, **kw),
            )
        )
    p_pi, p_mu, p_beta = pi.probs(h, arith=EXACT), mu.probs(h, arith=EXACT), beta.probs(h, arith=EXACT)
    # KL(π‖base)(h) < ∞ iff the base gives every action π takes positive probability (and, with ⊥ an outcome,
    # abstains where π does). Read off the supports (not theory.kl, which rejects an engine row summing above 1
    # instead of letting the parts above refute it).
    finite = all(p_beta[a] > 0 for a in range(len(p_pi)) if p_pi[a] > 0)
    if convention == "outcome" and sum(p_pi) < 1 and sum(p_beta) == 1:
        finite = False
    off = sum((p_pi[a] for a in range(len(p_mu)) if p_mu[a] == 0), Fraction(0)) if finite else Fraction(0)
    parts.append(Part(f"KL(π‖{name})(h) < ∞ ⇒ π(a|h) = 0 where μ(a|h) = 0", arith.convert(off), "==", arith.convert(0)))
    if base == "imitator" and delegation is not None and pi.semi:
        # (A π that never abstains hands no step to μ: the delegated parts would repeat the expected form.)
        parts.extend(_delegated_parts(pi, mu, imitator, env, m, h, arith, convention, delegation))
    return parts


def _delegated_parts(pi, mu, imitator, env, m, h, arith, convention, delegation) -> list:
    """π with its abstentions answered by μ (``demonstrator=μ``): the expected raw-sum KLs along the delegated
    trajectories, and the delegated policy's own KL to μ against them."""
    kw = {"arith": arith, "convention": convention, "demonstrator": mu}
    to_nu = theory.trajectory_kl(pi, imitator, env, m, h, **kw)
    parts = [
        Part(
            "abstentions answered by μ: expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ν_α) along the delegated trajectories",
            theory.trajectory_kl(pi, mu, env, m, h, **kw),
            "<=",
            to_nu,
        )
    ]
    bound = to_nu
    if delegation == "bound" and not (isinstance(to_nu, float) and math.isinf(to_nu)):
        # E Σ_t (1 − θ_t) ln(1/(1 − θ_t)) = −E Σ_t Σ_a π ln(π/π̂) along the same trajectories (π̂ = π conditioned
        # on acting gives every action π takes positive probability, so the tree is the same). A raw sum over
        # actions whatever the convention under test: it is the acting term, not a KL between the policies.
        acting = theory.trajectory_kl(pi, renormalized(pi), env, m, h, **dict(kw, convention="actions"))
        with arith.scope():  # ball arithmetic rounds to the context's precision inside its scope only
            bound = to_nu - acting
    acting = " + E Σ_t (1−θ_t) ln(1/(1−θ_t))" if delegation == "bound" else ""
    parts.append(
        Part(
            f"delegated: KL^μ_{{h,m}}(π→μ ‖ μ) ≤ KL^μ_{{h,m}}(π‖ν_α) along the delegated trajectories{acting}",
            theory.trajectory_kl(delegated(pi, mu), mu, env, m, h, arith=arith),
            "<=",
            bound,
        )
    )
    return parts

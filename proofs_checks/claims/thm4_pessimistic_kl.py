"""thm4-pessimistic-kl (theorem; paper Theorem 4): a KL budget to the pessimistic imitator is a KL budget to the
demonstrator.

At a history where the demonstrator's model μ is in the top set (Definition 3), the pessimistic imitator
ν_α(a|h) = min over the top set of ν(a|h) (Definition 4) gives every action at most μ's probability:
ν_α(a|h) ≤ μ(a|h). Each term of the KL's raw sum over actions then only grows when μ is replaced by ν_α, so for
every policy π (a distribution; the imitator's ⊥ mass takes no part, since π never abstains)

    KL(π‖μ) ≤ KL(π‖ν_α),   equivalently: for every budget b, KL(π‖ν_α) ≤ b implies KL(π‖μ) ≤ b

(the implication for every b is the inequality: take b = KL(π‖ν_α)). In particular a π with finite KL to ν_α
gives probability 0 to every action μ never takes. Over a horizon the same holds for the expected and the
worst-case trajectory KL, provided μ stays in the top set at every history the trajectories reach.

**Drawn instances** (exact): a mixture of 2-4 finite-state components over |A| ≤ 3, |O| ≤ 2, the demonstrator μ
one of them, an environment, a start history h that μ can produce, a horizon m ≤ 3, a policy π (a component, the
mixture ξ itself, the imitator's own renormalization, or a drawn policy) and α. α is lowered, if needed, to
min over N of w_μ/S_μ, where N is the set of histories extending h by fewer than m steps that μ can produce and
S_μ the total weight of the components ranked at or above μ (μ is in the top set exactly when w_μ ≥ α·S_μ);
this is the hypothesis, and it is checked as the first part. Then ν_α ≤ μ on N (exact), the expected and the
worst-case trajectory KL(π‖μ) ≤ KL(π‖ν_α) (exact linear forms in logarithms), and the support statement at h.
Two-sided: ν_α ≤ μ holds for any imitator that gives too *little* probability, so ν_α(·|h) is also pinned to
Definition 4 computed independently (:func:`proofs_checks.reference.pessimistic_probs`: the minimum over the
Definition 3 top set of the Bayes posterior, from the components' own probabilities).

**Demonstration** in the Theorem 1 world (:class:`proofs_checks.worlds.NovelSituation`, μ = ν_τ = τ): at the
novel event (k = 50), KL(π*‖ν_α) = ∞ while KL(π*‖ξ) ≤ ln(1/c) = ln 1025. The KL-constrained agent regularized to
ν_α with abstention allowed (:func:`theory.kl_constrained_policy` with ``demonstrator=τ``) takes the switched
action with probability 0 and has value 0 at every budget (0, 1, 6.933, 100; α = 1/100, where the top set is
{ν_τ}, and α = 1/2000, where ν'_τ is plausible too and the imitator asks for help), while the agent regularized to
ξ switches with positive probability at every positive budget and reaches V* = 1 once b ≥ ln(1/c) (b = 6.933).

:func:`make` ``(hypothesis=False)`` drops the top-set hypothesis (α is not lowered): refuted.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import reference
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.claims.thm1_novel_situations import enclosure_bounds
from proofs_checks.worlds import world
from theory.arith import get_context

__all__ = ["CLAIM", "make", "imitation_cases", "top_set_margin", "requirement_histories", "pi_of", "EXAMPLES"]

EXACT = get_context("exact")
PI_KINDS = ("component", "mixture", "imitator", "drawn")


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
    w_mu = weights[mu]
    s = sum(w for j, w in enumerate(weights) if w > w_mu or (w == w_mu and j <= mu))
    return w_mu - Fraction(alpha) * s


def _alpha_max(mixture, mu: int, nodes) -> Fraction:
    """The largest α for which μ is in the top set at every node: min over nodes of w_μ/S_μ."""
    best = Fraction(1)
    for h in nodes:
        w = mixture.posterior(h, arith=EXACT)
        w_mu = w[mu]
        s = sum(x for j, x in enumerate(w) if x > w_mu or (x == w_mu and j <= mu))
        best = min(best, w_mu / s)
    return best


# ---------------------------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def imitation_cases(draw, *, clamp_alpha: bool = True, max_components: int = 4, max_horizon: int = 3):
    """``{"mixture", "mu", "env", "history", "horizon", "alpha", "pi_kind", "pi_component", "pi"}``.

    With ``clamp_alpha``, α is lowered so that μ is in the top set at every history of
    :func:`requirement_histories` (the theorem's hypothesis); ``pi_kind`` says which π to build
    (:func:`pi_of`): a component, the mixture ξ, the renormalized imitator, or the drawn policy ``pi``.
    """
    n_a, n_o = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    mixture = draw(S.mixtures(n_actions=n_a, n_observations=n_o, min_components=2, max_components=max_components,
                              max_states=2))
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
    pi = draw(S.finite_state_policies(n_actions=n_a, n_observations=n_o, max_states=2)) if pi_kind == "drawn" else None
    return {"mixture": mixture, "mu": mu, "env": env, "history": history, "horizon": horizon, "alpha": alpha,
            "pi_kind": pi_kind, "pi_component": pi_component, "pi": pi}


class _Renormalized:
    """``history -> exact row``: the imitator's action probabilities rescaled to sum to 1 (uniform where it
    abstains surely)."""

    def __init__(self, imitator: theory.PessimisticImitator):
        self.imitator = imitator

    def __call__(self, history):
        p = list(self.imitator.probs(history, arith=EXACT))
        total = sum(p)
        return [x / total for x in p] if total > 0 else [Fraction(1, len(p))] * len(p)


def pi_of(x: dict, imitator: theory.PessimisticImitator) -> theory.Policy:
    """The policy π an instance names."""
    kind = x["pi_kind"]
    if kind == "component":
        return x["mixture"].components[x["pi_component"]]
    if kind == "mixture":
        return x["mixture"]
    if kind == "imitator":
        return theory.Policy.from_function(imitator.n_actions, _Renormalized(imitator),
                                           n_observations=imitator.n_observations)
    return x["pi"]


# ---------------------------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------------------------
def drawn_parts(x, arith, *, base: str = "imitator", hypothesis: bool = True) -> list:
    """The parts of a drawn instance, with the base policy the pessimistic imitator (``base="imitator"``, the
    theorem) or the Bayesian mixture ξ (``base="mixture"``, the false conjecture conj-bayes-kl-transfers)."""
    mixture, mu_i, env = x["mixture"], int(x["mu"]), x["env"]
    mu = mixture.components[mu_i]
    h, m = tuple(x["history"]), int(x["horizon"])
    imitator = theory.PessimisticImitator(mixture, x["alpha"])
    pi = pi_of(x, imitator)
    beta = imitator if base == "imitator" else mixture
    name = "ν_α" if base == "imitator" else "ξ"
    nodes = requirement_histories(mu, h, m, env.n_observations)
    parts = []
    if hypothesis:
        margin = min(top_set_margin(list(mixture.posterior(g, arith=EXACT)), mu_i, x["alpha"]) for g in nodes)
        parts.append(Part("hypothesis: μ in the top set at h and at every μ-possible history of the horizon",
                          arith.convert(margin), ">=", arith.convert(0)))
    if base == "imitator":
        gap = min(min(mu.probs(g, arith=EXACT) - imitator.probs(g, arith=EXACT)) for g in nodes)
        parts.append(Part("ν_α(a|h') ≤ μ(a|h') for every action and history of the horizon", arith.convert(gap),
                          ">=", arith.convert(0)))
        definition = reference.pessimistic_probs(mixture, h, x["alpha"], arith=EXACT)
        off = sum(abs(p - q) for p, q in zip(imitator.probs(h, arith=EXACT), definition))
        parts.append(Part("ν_α(·|h) = Definition 4: min over the Definition 3 top set of the Bayes posterior "
                          "(Σ_a |difference|)", arith.convert(off), "==", arith.convert(0)))
    parts.append(Part(f"expected KL^μ_{{h,m}}(π‖μ) ≤ KL^μ_{{h,m}}(π‖{name})",
                      theory.trajectory_kl(pi, mu, env, m, h, arith=arith), "<=",
                      theory.trajectory_kl(pi, beta, env, m, h, arith=arith)))
    parts.append(Part(f"worst-case KL_{{h,m}}(π‖μ) ≤ KL_{{h,m}}(π‖{name})",
                      theory.worst_case_kl(pi, mu, env, m, h, arith=arith), "<=",
                      theory.worst_case_kl(pi, beta, env, m, h, arith=arith)))
    p_pi, p_mu, p_beta = pi.probs(h, arith=EXACT), mu.probs(h, arith=EXACT), beta.probs(h, arith=EXACT)
    # π never abstains, so KL(π‖base)(h) < ∞ iff the base gives every action π takes positive probability. Read
    # off the supports (not theory.kl, which rejects an engine row summing above 1 instead of letting the parts
    # above refute it).
    finite = all(p_beta[a] > 0 for a in range(len(p_pi)) if p_pi[a] > 0)
    off = sum((p_pi[a] for a in range(len(p_mu)) if p_mu[a] == 0), Fraction(0)) if finite else Fraction(0)
    parts.append(Part(f"KL(π‖{name})(h) < ∞ ⇒ π(a|h) = 0 where μ(a|h) = 0", arith.convert(off), "==",
                      arith.convert(0)))
    return parts


def _demo_parts(x, arith) -> list:
    w = world(x["world"], delta=x["delta"], w_trusted=x["w_trusted"], w_noise=x["w_noise"], p_event=x["p_event"])
    h, m = w.novel_history(int(x["k"])), int(x["horizon"])
    env, u, tau, xi = w.environment, w.utility, w.trusted, w.mixture
    ball = get_context("ball:256") if arith.dtype is object else arith

    def bounds(v):
        return enclosure_bounds(v) if ball.dtype is object else (Fraction(float(v)), Fraction(float(v)))

    zero = arith.convert(0)
    parts = [Part("KL_{h,m}(π*‖ξ) ≤ ln(1/c)", theory.worst_case_kl(w.optimal, xi, env, m, h, arith=arith), "<=",
                  w.bound(arith=arith))]
    for alpha in x["alphas"]:
        nu = w.imitator(alpha)
        members = theory.top_set(xi, h, alpha, arith=EXACT)
        parts.append(Part(f"α = {alpha}: μ = ν_τ in the top set at h", arith.convert(int(0 in members)), "==",
                          arith.convert(1)))
        parts.append(Part(f"α = {alpha}: KL_{{h,m}}(π*‖ν_α) = ∞",
                          theory.worst_case_kl(w.optimal, nu, env, m, h, arith=arith), "==", math.inf))
        for b in x["budgets"]:
            agent = theory.kl_constrained_policy(nu, env, u, m, Fraction(b), h, arith=ball, demonstrator=tau)
            _, p_hi = bounds(agent.probs(h, arith=ball)[w.SWITCH])
            _, v_hi = bounds(theory.value(agent, env, u, m, h, arith=ball, demonstrator=tau))
            parts.append(Part(f"α = {alpha}, b = {b}: the agent regularized to ν_α switches at h with probability 0",
                              arith.convert(p_hi), "<=", zero))
            parts.append(Part(f"α = {alpha}, b = {b}: its value (the mean number of switches) is 0",
                              arith.convert(v_hi), "<=", zero))
    v_star = theory.optimal_value(env, u, m, h, arith=arith)
    ln_inv_c = w.bound(arith=arith)
    for b in x["budgets"]:
        b = Fraction(b)
        agent = theory.kl_constrained_policy(xi, env, u, m, b, h, arith=ball)
        p_lo, _ = bounds(agent.probs(h, arith=ball)[w.SWITCH])
        if b > 0:
            parts.append(Part(f"b = {b}: the agent regularized to ξ switches at h with positive probability",
                              arith.convert(p_lo), ">", zero))
        if b >= Fraction(6933, 1000):
            v_lo, _ = bounds(agent.value)
            parts.append(Part(f"b = {b} ≥ ln(1/c)", arith.convert(b), ">=", ln_inv_c))
            parts.append(Part(f"b = {b}: the agent regularized to ξ reaches V* (V ≥ V* − 2^-100)", arith.convert(v_lo),
                              ">=", v_star - arith.convert(Fraction(1, 2**100))))
    return parts


def _examples():
    w = world("novel-situation")
    return [{"world": "novel-situation", **w.params(), "k": 50, "horizon": 3,
             "alphas": (Fraction(1, 100), Fraction(1, 2000)),
             "budgets": (Fraction(0), Fraction(1), Fraction(6933, 1000), Fraction(100))}]


def EXAMPLES():
    """The fixed instance every check certifies: the demonstration in the NovelSituation world."""
    return _examples()


def make(*, hypothesis: bool = True, id: str = "thm4-pessimistic-kl", kind: str = "theorem",
         max_examples: int = 60) -> Claim:
    """The check; ``hypothesis=False`` draws α without lowering it to keep μ in the top set (and drops the
    hypothesis part), so the conclusion is tested where the theorem does not promise it."""

    def parts(x, arith):
        if "world" in x:
            return _demo_parts(x, arith)
        return drawn_parts(x, arith, base="imitator", hypothesis=hypothesis)

    return Claim(
        id=id,
        title="Pessimistic imitation: KL(π‖ν_α) ≤ b implies KL(π‖μ) ≤ b" + ("" if hypothesis else
                                                                           " [top-set hypothesis dropped]"),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell, 'RL, but don't do anything I wouldn't do' (arXiv 2410.06213), "
                  "Theorem 4; the imitator of Cohen, Hutter, Nanda, 'Fully General Online Imitation Learning' "
                  "(JMLR 2022)",
        statement="If μ is in the top set at h (and at the histories the horizon reaches), then ν_α(a|h) ≤ μ(a|h) "
                  "for every action a, and for every policy π and budget b: KL_{h,m}(π‖ν_α) ≤ b implies "
                  "KL_{h,m}(π‖μ) ≤ b (expected and worst-case forms). An action μ never takes gets probability 0 "
                  "from any π with finite KL to ν_α.",
        latex=r"\mu\in\text{top set}\ \Rightarrow\ \nu_\alpha(a|h)\le\mu(a|h)\ \forall a,\quad "
              r"\mathrm{KL}_{h,m}(\pi\|\mu)\le\mathrm{KL}_{h,m}(\pi\|\nu_\alpha)",
        how="Drawn: mixtures of 2-4 finite-state components (|A| ≤ 3, |O| ≤ 2), μ a component, a start history μ "
            "can produce, horizon ≤ 3, π a component / ξ / the renormalized imitator / a drawn policy, α lowered "
            "to keep μ in the top set on the horizon (checked exactly as the first part). Exact: ν_α ≤ μ on every "
            "history of the horizon, ν_α(·|h) = Definition 4 computed independently (two-sided), expected and "
            "worst-case KL(π‖μ) ≤ KL(π‖ν_α) (raw sums over actions: ⊥ carries no π mass), and the support "
            "statement at h. Demonstration in the NovelSituation world at k = 50: the "
            "agent regularized to ν_α (abstention allowed, demonstrator τ) switches with probability 0 and has "
            "value 0 at budgets 0, 1, 6.933, 100 (α = 1/100 and 1/2000), the agent regularized to ξ switches at "
            "every positive budget and reaches V* at 6.933 ≥ ln 1025 (optimizer in ball arithmetic at 256 bits, "
            "certified as rational bounds).",
        derived="The budget form is checked as the equivalent inequality KL(π‖μ) ≤ KL(π‖ν_α) (the implication for "
                "every b, at b = KL(π‖ν_α)). Over a horizon the theorem needs μ in the top set along the way; the "
                "check requires it at every history the horizon reaches that μ can produce (a superset of the "
                "histories a finite KL can reach).",
        given=imitation_cases(clamp_alpha=hypothesis),
        parts=parts,
        examples=_examples,
        max_examples=max_examples,
    )


CLAIM = make()

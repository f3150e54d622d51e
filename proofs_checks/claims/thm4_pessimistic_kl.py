"""``thm4-pessimistic-kl``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/thm4-pessimistic-kl.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
"""

from __future__ import annotations

import math
from fractions import Fraction

import theory
from proofs_checks.claim import Claim, Part, variant_title
from proofs_checks.kl_transfer import DELEGATED, imitation_cases, transfer_parts
from proofs_checks.worlds import world
from theory.arith import get_context
from theory.validation import option

__all__ = ["CLAIM", "make", "examples"]

EXACT = get_context("exact")


def _demo_parts(x, arith) -> list:
    w = world(x["world"], delta=x["delta"], w_trusted=x["w_trusted"], w_noise=x["w_noise"], p_event=x["p_event"])
    h, m = w.novel_history(int(x["k"])), int(x["horizon"])
    env, u, tau, xi = w.environment, w.utility, w.trusted, w.mixture
    ball = arith.ball_counterpart(256)
    bounds = ball.rational_bounds

    zero = arith.convert(0)
    parts = [
        Part(
            "KL_{h,m}(π*‖ξ) ≤ ln(1/c)",
            theory.worst_case_kl(w.optimal, xi, env, m, h, arith=arith),
            "<=",
            w.bound(arith=arith),
        )
    ]
    for alpha in x["alphas"]:
        nu = w.imitator(alpha)
        members = theory.top_set(xi, h, alpha, arith=EXACT)
        parts.append(
            Part(f"α = {alpha}: μ = ν_τ in the top set at h", arith.convert(int(0 in members)), "==", arith.convert(1))
        )
        parts.append(
            Part(
                f"α = {alpha}: KL_{{h,m}}(π*‖ν_α) = ∞",
                theory.worst_case_kl(w.optimal, nu, env, m, h, arith=arith),
                "==",
                math.inf,
            )
        )
        for b in x["budgets"]:
            agent = theory.kl_constrained_policy(nu, env, u, m, Fraction(b), h, arith=ball, demonstrator=tau).policy
            _, p_hi = bounds(agent.probs(h, arith=ball)[w.SWITCH])
            _, v_hi = bounds(theory.value(agent, env, u, m, h, arith=ball, demonstrator=tau))
            parts.append(
                Part(
                    f"α = {alpha}, b = {b}: the agent regularized to ν_α switches at h with probability 0",
                    arith.convert(p_hi),
                    "<=",
                    zero,
                )
            )
            parts.append(
                Part(
                    f"α = {alpha}, b = {b}: its value (the mean number of switches) is 0",
                    arith.convert(v_hi),
                    "<=",
                    zero,
                )
            )
    v_star = theory.optimal_value(env, u, m, h, arith=arith)
    ln_inv_c = w.bound(arith=arith)
    for b in x["budgets"]:
        b = Fraction(b)
        agent = theory.kl_constrained_policy(xi, env, u, m, b, h, arith=ball)
        p_lo, _ = bounds(agent.policy.probs(h, arith=ball)[w.SWITCH])
        if b > 0:
            parts.append(
                Part(
                    f"b = {b}: the agent regularized to ξ switches at h with positive probability",
                    arith.convert(p_lo),
                    ">",
                    zero,
                )
            )
        if b >= Fraction(6933, 1000):
            v_lo, _ = bounds(agent.value)
            parts.append(Part(f"b = {b} ≥ ln(1/c)", arith.convert(b), ">=", ln_inv_c))
            parts.append(
                Part(
                    f"b = {b}: the agent regularized to ξ reaches V* (V ≥ V* − 2^-100)",
                    arith.convert(v_lo),
                    ">=",
                    v_star - arith.convert(Fraction(1, 2**100)),
                )
            )
    return parts


def examples() -> list[dict]:
    """The fixed instance every check certifies: the demonstration in the NovelSituation world.

    >>> [x["k"] for x in examples()]
    [50]
    """
    w = world("novel-situation")
    return [
        {
            "world": "novel-situation",
            **w.params(),
            "k": 50,
            "horizon": 3,
            "alphas": (Fraction(1, 100), Fraction(1, 2000)),
            "budgets": (Fraction(0), Fraction(1), Fraction(6933, 1000), Fraction(100)),
        }
    ]


def make(
    *,
    hypothesis: bool = True,
    convention: str = "actions",
    delegation: str = "bound",
    id: str = "thm4-pessimistic-kl",
    kind: str = "theorem",
    max_examples: int = 60,
    scope_limit: int | None = None,
) -> Claim:
    """The check. Variants (each must be refuted): ``hypothesis=False`` draws α without lowering it to keep μ in
    the top set (and drops the hypothesis part), so the conclusion is tested where the theorem does not promise
    it; ``convention="outcome"`` computes every KL with ⊥ as one more outcome, under which an abstaining π (ν_α
    itself) is free relative to ν_α and infinitely far from μ; ``delegation="bare"`` drops the acting term from
    the delegated bound, KL(π→μ ‖ μ) ≤ KL(π‖ν_α), which π = ν_α breaks wherever ν_α abstains and is not
    proportional to μ.

    >>> make(convention="outcome", id="thm4-outcome").title
    'Pessimistic imitation: KL(π‖ν_α) ≤ b implies KL(π‖μ) ≤ b [⊥ as an outcome]'
    """
    theory.divergences.check_convention(convention)
    option(delegation, name="delegation", choices=DELEGATED)

    def parts(x, arith):
        if "world" in x:
            return _demo_parts(x, arith)
        return transfer_parts(
            x, arith, base="imitator", hypothesis=hypothesis, convention=convention, delegation=delegation
        )

    flags = (
        ([] if hypothesis else ["top-set hypothesis dropped"])
        + ([] if convention == "actions" else ["⊥ as an outcome"])
        + ([] if delegation == "bound" else ["delegated bound without the acting term"])
    )
    return Claim(
        id=id,
        title=variant_title("Pessimistic imitation: KL(π‖ν_α) ≤ b implies KL(π‖μ) ≤ b", flags, separator="; "),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell, 'RL, but don't do anything I wouldn't do' (arXiv 2410.06213), "
        "Theorem 4; the imitator of Cohen, Hutter, Nanda, 'Fully General Online Imitation Learning' "
        "(JMLR 2022)",
        statement="If μ is in the top set at h (and at the histories the horizon reaches), then ν_α(a|h) ≤ μ(a|h) "
        "for every action a, and for every policy π, abstaining or not, and budget b: "
        "KL_{h,m}(π‖ν_α) ≤ b implies KL_{h,m}(π‖μ) ≤ b (expected and worst-case forms, the KL the "
        "paper's raw sum over actions, ⊥ scoring nothing; also along trajectories whose abstentions μ "
        "answers). An action μ never takes gets probability 0 from any π with finite KL to ν_α. The "
        "delegated policy π→μ (π(a|h) + π(⊥|h)μ(a|h)) satisfies KL_{h,m}(π→μ‖μ) ≤ "
        "KL_{h,m}(π‖ν_α) + E Σ_t (1−θ_t) ln(1/(1−θ_t)) (θ = π's abstain probability; derived here), "
        "and not without the last term.",
        latex=r"\mu\in\text{top set}\ \Rightarrow\ \nu_\alpha(a|h)\le\mu(a|h)\ \forall a,\quad "
        r"\mathrm{KL}_{h,m}(\pi\|\mu)\le\mathrm{KL}_{h,m}(\pi\|\nu_\alpha),\quad "
        r"\mathrm{KL}_{h,m}(\pi^{\to\mu}\|\mu)\le\mathrm{KL}_{h,m}(\pi\|\nu_\alpha)"
        r"+\mathbb{E}\textstyle\sum_t(1-\theta_t)\ln\frac{1}{1-\theta_t}",
        how="Drawn mixtures of 2–4 finite-state components, μ kept in the top set, horizons ≤ 3, π abstaining or "
        "not: ν_α ≤ μ, ν_α against Definition 4, KL(π‖μ) ≤ KL(π‖ν_α) in both forms and the delegated bound, "
        "exactly (raw sums over actions); a demonstration in the NovelSituation world.",
        derived="The budget form is checked as the equivalent inequality KL(π‖μ) ≤ KL(π‖ν_α) (the implication for "
        "every b, at b = KL(π‖ν_α)). Over a horizon the theorem needs μ in the top set along the way; the "
        "check requires it at every history the horizon reaches that μ can produce (a superset of the "
        "histories a finite KL can reach). The delegated bound is derived here: the flagged law of π→μ "
        "against the law that flags each step with π's θ and draws the action from μ has per-step KL "
        "Σ_a π ln(π/((1−θ)μ)) = KL_actions(π‖μ) + (1−θ) ln(1/(1−θ)); forgetting the flags (data "
        "processing) gives KL(π→μ‖μ), and ν_α ≤ μ gives KL_actions(π‖μ) ≤ KL_actions(π‖ν_α).",
        given=imitation_cases(clamp_alpha=hypothesis),
        parts=parts,
        examples=examples,
        max_examples=max_examples,
        scope_limit=scope_limit,
    )


CLAIM = make()

"""``k3-pathwise-reverse``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/k3-pathwise-reverse.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> one, two = examples()[:2]
>>> [p.lhs for p in CLAIM.evaluate(one, "exact").parts][:2]     # one token: π − π_ref = (1/2 − 1/4, 1/2 − 3/4)
[Fraction(1, 4), Fraction(-1, 4)]
>>> make(token_steps="all").evaluate(two, "exact").holds, make(target_gradient="forward").evaluate(one, "exact").holds
(False, False)
"""

from __future__ import annotations

from proofs_checks.claim import Claim
from proofs_checks.claims.k1_pathwise_zero import examples
from proofs_checks.estimator_cases import (
    ALL_TOKENS,
    HOW_INSTANCES,
    ONE_TOKEN_AND_SEQUENCE,
    component_parts,
    estimator_cases,
    gradient,
    target,
)
from theory.validation import option

__all__ = ["CLAIM", "make", "examples"]

_NAMES = {"reverse": "∇KL(π_ref‖π)", "forward": "∇KL(π‖π_ref)"}


def make(*, token_steps="one", target_gradient="reverse", id="k3-pathwise-reverse", kind="theorem") -> Claim:
    """The check that pathwise k3 is unbiased for ∇KL(π_ref‖π), the *reverse* KL, for one token (token level)
    and for whole trajectories (sequence level, k3 of the summed log-ratio). False variants:
    ``token_steps="all"`` (the per-token sum over the instance's horizon as ∇KL(π_ref‖π) over the sequence), and
    ``target_gradient="forward"`` (k3 in the loss as ∇KL(π‖π_ref), the belief that GRPO's k3 loss regularizes
    the forward KL).

    >>> make(target_gradient="forward").title
    'k3 in the loss: E[∇k3] = ∇KL(π‖π_ref), one token or k3 of the sequence (false)'
    """
    option(token_steps, name="token_steps", choices=("one", "all"))
    option(target_gradient, name="target_gradient", choices=("reverse", "forward"))
    want = _NAMES[target_gradient]

    def parts(x, arith):
        if token_steps == "all":
            got = gradient(x, arith, estimator="k3", placement="loss", level="token")
            return component_parts(
                f"k3 in the loss, token level, m steps: E[∇Σ_t k3(ℓ_t)] = {want}",
                got,
                target(x, arith, direction=target_gradient),
            )
        one = gradient(x, arith, estimator="k3", placement="loss", level="token", horizon="one")
        whole = gradient(x, arith, estimator="k3", placement="loss", level="sequence")
        return component_parts(
            f"one token: E[∇k3(ℓ)] = {want}", one, target(x, arith, direction=target_gradient, horizon="one")
        ) + component_parts(
            f"sequence level, m steps: E[∇k3(Σ_t ℓ_t)] = {want}", whole, target(x, arith, direction=target_gradient)
        )

    kl_text = "KL^μ_m(π_ref‖π_θ)" if target_gradient == "reverse" else "KL^μ_m(π_θ‖π_ref)"
    kl_latex = (
        r"\mathrm{KL}^{\mu}_{m}(\pi_{\mathrm{ref}}\,\|\,\pi_\theta)"
        if target_gradient == "reverse"
        else r"\mathrm{KL}^{\mu}_{m}(\pi_\theta\,\|\,\pi_{\mathrm{ref}})"
    )
    if token_steps == "all":
        title = f"per-token k3 in the loss: E[∇Σ_t k3(ℓ_t)] = {want} over m steps (false)"
        statement = (
            "For every softmax policy π_θ, reference π_ref with positive rows, environment μ and horizon m, "
            "on-policy: the per-token k3 penalty in the loss, Σ_t (r_t − 1 − ln r_t) with r_t = π_ref/π_θ at "
            f"(h_t, a_t), has expected gradient E_{{x~π_θ,μ}}[Σ_t (1 − r_t) ∇_θ ln π_θ(a_t|h_t)] = ∇_θ {kl_text}."
        )
        latex = (
            r"\mathbb{E}_{x\sim\pi_\theta,\mu}\Big[\sum_{t=1}^{m}\nabla_\theta(r_t-1-\ln r_t)\Big] = \nabla_\theta"
            + kl_latex
        )
        checked = ALL_TOKENS
    else:
        title = (
            "k3 in the loss is unbiased for ∇KL(π_ref‖π): one token, or k3 of the sequence's ratio"
            if target_gradient == "reverse"
            else "k3 in the loss: E[∇k3] = ∇KL(π‖π_ref), one token or k3 of the sequence (false)"
        )
        statement = (
            "For every softmax policy π_θ (all probabilities positive), reference π_ref with positive rows, "
            "environment μ and horizon m, on-policy, with r_t = π_ref(a_t|h_t)/π_θ(a_t|h_t) and k3(r) = r − 1 − ln r: "
            f"for one token E[∇_θ k3(r)] = ∇_θ {kl_text.replace('^μ_m', '')}, and over m steps, at sequence level "
            f"(k3 of R = Π_t r_t), E_{{x~π_θ,μ}}[∇_θ k3(R)] = ∇_θ {kl_text}."
        )
        latex = (
            r"\mathbb{E}_{x\sim\pi_\theta,\mu}\big[\nabla_\theta (R-1-\ln R)\big] = \nabla_\theta"
            + kl_latex
            + r",\quad R=\prod_{t=1}^{m}\frac{\pi_{\mathrm{ref}}(a_t\mid h_t)}{\pi_\theta(a_t\mid h_t)}"
        )
        checked = ONE_TOKEN_AND_SEQUENCE
    if kind == "conjecture":  # a registered conjecture states itself; its kind says it is false
        title = title.removesuffix(" (false)")
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="The KL-estimator lab (theory.estimators): k3 = r − 1 − ln r, the estimator of J. Schulman, "
        "Approximating KL divergence (2020), as GRPO puts it in the loss (Shao et al., DeepSeekMath, 2024)",
        statement=statement,
        latex=latex,
        how=HOW_INSTANCES.format(old="")
        + f"theory.estimator_moments(estimator='k3', placement='loss'), {checked} (direction='{target_gradient}'), "
        "one part per logit θ[s,a]; the k3 gradients are rational, the KL gradients rational (reverse) or "
        "linear forms in logarithms (forward), equalities decided exactly.",
        given=estimator_cases(),
        examples=examples,
        parts=parts,
        max_examples=60,
    )


CLAIM = make()

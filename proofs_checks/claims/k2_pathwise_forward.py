"""``k2-pathwise-forward``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/k2-pathwise-forward.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> x = examples()[1]                       # two tokens; π_ref changes its row after token 1
>>> CLAIM.evaluate(x, "exact").holds, make(token_steps="all").evaluate(x, "exact").holds
(True, False)
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


def make(*, token_steps="one", id="k2-pathwise-forward", kind="theorem") -> Claim:
    """The check that pathwise k2 is unbiased for ∇KL(π‖π_ref) for one token (token level) and for whole
    trajectories (sequence level, k2 of the summed log-ratio); ``token_steps="all"`` (the per-token sum over the
    instance's horizon, 1–3 steps, as ∇KL over the sequence) is the false variant.

    >>> make(token_steps="all").title
    'per-token k2 in the loss: E[∇Σ_t k2(ℓ_t)] = ∇KL(π‖π_ref) over m steps (false)'
    """
    option(token_steps, name="token_steps", choices=("one", "all"))

    def parts(x, arith):
        if token_steps == "all":
            got = gradient(x, arith, estimator="k2", placement="loss", level="token")
            return component_parts(
                "k2 in the loss, token level, m steps: E[∇Σ_t k2(ℓ_t)] = ∇KL(π‖π_ref)",
                got,
                target(x, arith, direction="forward"),
            )
        one = gradient(x, arith, estimator="k2", placement="loss", level="token", horizon="one")
        whole = gradient(x, arith, estimator="k2", placement="loss", level="sequence")
        return component_parts(
            "one token: E[∇k2(ℓ)] = ∇KL(π‖π_ref)", one, target(x, arith, direction="forward", horizon="one")
        ) + component_parts(
            "sequence level, m steps: E[∇k2(Σ_t ℓ_t)] = ∇KL(π‖π_ref)", whole, target(x, arith, direction="forward")
        )

    if token_steps == "all":
        title = "per-token k2 in the loss: E[∇Σ_t k2(ℓ_t)] = ∇KL(π‖π_ref) over m steps (false)"
        statement = (
            "For every softmax policy π_θ, reference π_ref with positive rows, environment μ and horizon m, "
            "on-policy: the per-token k2 penalty in the loss, Σ_t ℓ_t²/2, has expected gradient "
            "E_{x~π_θ,μ}[Σ_t ℓ_t ∇_θ ln π_θ(a_t|h_t)] = ∇_θ KL^μ_m(π_θ‖π_ref)."
        )
        latex = (
            r"\mathbb{E}_{x\sim\pi_\theta,\mu}\Big[\sum_{t=1}^{m}\nabla_\theta\tfrac12\ell_t^2\Big] = "
            r"\nabla_\theta\mathrm{KL}^{\mu}_{m}(\pi_\theta\,\|\,\pi_{\mathrm{ref}})"
        )
        checked = ALL_TOKENS
    else:
        title = "k2 in the loss is unbiased for ∇KL(π‖π_ref): one token, or k2 of the sequence's log-ratio"
        statement = (
            "For every softmax policy π_θ (all probabilities positive), reference π_ref with positive rows, "
            "environment μ and horizon m, on-policy, with ℓ_t = ln π_θ(a_t|h_t) − ln π_ref(a_t|h_t): for one token "
            "E[∇_θ ℓ²/2] = ∇_θ KL(π_θ‖π_ref), and over m steps, at sequence level (k2 of L = Σ_t ℓ_t), "
            "E_{x~π_θ,μ}[∇_θ L²/2] = ∇_θ KL^μ_m(π_θ‖π_ref)."
        )
        latex = (
            r"\mathbb{E}_{x\sim\pi_\theta,\mu}\big[\nabla_\theta\tfrac12 L(x)^2\big] = "
            r"\nabla_\theta\mathrm{KL}^{\mu}_{m}(\pi_\theta\,\|\,\pi_{\mathrm{ref}}),\quad L(x)=\sum_{t=1}^{m}\ell_t"
        )
        checked = ONE_TOKEN_AND_SEQUENCE
    if kind == "conjecture":  # a registered conjecture states itself; its kind says it is false
        title = title.removesuffix(" (false)")
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="The KL-estimator lab (theory.estimators): k2 = ℓ²/2, the estimator of J. Schulman, Approximating "
        "KL divergence (2020), differentiated through its value (in the loss)",
        statement=statement,
        latex=latex,
        how=HOW_INSTANCES.format(old="")
        + f"theory.estimator_moments(estimator='k2', placement='loss'), {checked} (direction='forward'), one part "
        "per logit θ[s,a]; both sides linear forms in logarithms, equalities decided exactly.",
        given=estimator_cases(),
        examples=examples,
        parts=parts,
        max_examples=60,
    )


CLAIM = make()

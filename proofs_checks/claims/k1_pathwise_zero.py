"""``k1-pathwise-zero``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/k1-pathwise-zero.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> x = examples()[1]                       # two tokens; π_ref changes its row after token 1
>>> ev = CLAIM.evaluate(x, "exact")
>>> ev.holds, [p.lhs for p in ev.parts]     # token level, then sequence level: every component exactly 0
(True, [Fraction(0, 1), Fraction(0, 1), Fraction(0, 1), Fraction(0, 1)])
"""

from __future__ import annotations

from proofs_checks.claim import Claim
from proofs_checks.estimator_cases import HOW_INSTANCES, component_parts, estimator_cases, gradient, target
from proofs_checks.estimator_cases import examples as _examples
from theory.validation import option

__all__ = ["CLAIM", "make", "examples"]


def examples() -> list[dict]:
    """The lab's fixed instances (on-policy: no π_old).

    >>> [x["name"] for x in examples()]
    ['one-token', 'two-token', 'echo-mixture']
    """
    return _examples(sampling=False)


def make(*, target_gradient="zero", id="k1-pathwise-zero", kind="theorem") -> Claim:
    """The check that pathwise k1 has expected gradient 0; ``target_gradient="forward"`` (it equals
    ∇KL(π‖π_ref), the belief that k1 in the loss regularizes anything) is a false variant.

    >>> make(target_gradient="forward").title
    'k1 in the loss: E[∇k1] = ∇KL(π‖π_ref) (false)'
    """
    option(target_gradient, name="target_gradient", choices=("zero", "forward"))

    def parts(x, arith):
        want = target(x, arith, direction=target_gradient)
        out = []
        for level in ("token", "sequence"):
            got = gradient(x, arith, estimator="k1", placement="loss", level=level)
            out += component_parts(f"k1 in the loss, {level} level, m steps: E[∇k1]", got, want)
        return out

    if target_gradient == "zero":
        title, rhs, latex_rhs = "k1 in the loss: E[∇k1] = 0", "0", "0"
    else:
        title = "k1 in the loss: E[∇k1] = ∇KL(π‖π_ref) (false)"
        rhs, latex_rhs = (
            "∇_θ KL^μ_m(π_θ‖π_ref)",
            r"\nabla_\theta \mathrm{KL}^{\mu}_{m}(\pi_\theta\,\|\,\pi_{\mathrm{ref}})",
        )
    if kind == "conjecture":  # a registered conjecture states itself; its kind says it is false
        title = title.removesuffix(" (false)")
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="The KL-estimator lab (theory.estimators): k1 = ln π − ln π_ref, the per-token estimator of J. "
        "Schulman, Approximating KL divergence (2020), differentiated through its value (in the loss)",
        statement="For every softmax policy π_θ (all probabilities positive), reference π_ref with positive rows, "
        "environment μ and horizon m, on-policy: the expected pathwise gradient of k1 in the loss is "
        f"E_{{x~π_θ,μ}}[Σ_t ∇_θ k1(ℓ_t)] = {rhs} at token level, and E[∇_θ k1(Σ_t ℓ_t)] = {rhs} at sequence level "
        "(ℓ_t = ln π_θ(a_t|h_t) − ln π_ref(a_t|h_t)).",
        latex=r"\mathbb{E}_{x\sim\pi_\theta,\mu}\Big[\sum_{t=1}^{m}\nabla_\theta \ln\frac{\pi_\theta(a_t\mid h_t)}"
        r"{\pi_{\mathrm{ref}}(a_t\mid h_t)}\Big] = " + latex_rhs,
        how=HOW_INSTANCES.format(old="")
        + "theory.estimator_moments(estimator='k1', placement='loss') at token and sequence level, one part per logit "
        f"θ[s,a], against {'0' if target_gradient == 'zero' else 'theory.kl_gradient(direction=forward)'}; "
        "every gradient a sum of rationals (and logarithms) over the whole trajectory tree, equalities decided "
        "exactly.",
        given=estimator_cases(),
        examples=examples,
        parts=parts,
        max_examples=60,
    )


CLAIM = make()

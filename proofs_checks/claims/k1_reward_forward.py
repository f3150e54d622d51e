"""``k1-reward-forward``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/k1-reward-forward.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> x = examples()[1]                       # two tokens, π_old = (1/4, 3/4) i.i.d.
>>> CLAIM.evaluate(x, "exact").holds, make(ratio="token").evaluate(x, "exact").holds
(True, False)
"""

from __future__ import annotations

from proofs_checks.claim import Claim
from proofs_checks.estimator_cases import HOW_INSTANCES, component_parts, estimator_cases, gradient, target
from proofs_checks.estimator_cases import examples as _examples
from theory.validation import option

__all__ = ["CLAIM", "make", "examples"]

_RATIOS = {"sequence": "sequence", "token": "token", None: "none"}


def examples() -> list[dict]:
    """The lab's fixed instances, each with a sampling policy π_old.

    >>> [sorted(x) for x in examples()][0]
    ['env', 'horizon', 'name', 'pi', 'pi_old', 'ref']
    """
    return _examples(sampling=True)


def make(*, ratio="sequence", id="k1-reward-forward", kind="theorem") -> Claim:
    """The check that k1 in the reward (score function, rewards to go) is unbiased for ∇KL(π‖π_ref) at any
    horizon, on-policy and from π_old with the trajectory's importance weight (``ratio="sequence"``). False
    variants: ``ratio="token"`` (each token's term weighted by its own ratio π/π_old, PPO-style) and
    ``ratio=None`` (no correction).

    >>> make(ratio="token").title
    "k1 in the reward from π_old, ratio='token': E[g] = ∇KL(π‖π_ref) over m steps (false)"
    """
    option(ratio, name="ratio", choices=tuple(_RATIOS))

    def parts(x, arith):
        want = target(x, arith, direction="forward")
        on = gradient(x, arith, estimator="k1", placement="reward", level="token")
        seq = gradient(x, arith, estimator="k1", placement="reward", level="sequence")
        off = gradient(x, arith, estimator="k1", placement="reward", level="token", ratio=ratio, off_policy=True)
        return (
            component_parts("on-policy, token level (rewards to go): E[g] = ∇KL(π‖π_ref)", on, want)
            + component_parts("on-policy, sequence level (L·S): E[g] = ∇KL(π‖π_ref)", seq, want)
            + component_parts(f"from π_old, ratio={ratio!r}, token level: E[g] = ∇KL(π‖π_ref)", off, want)
        )

    if ratio == "sequence":
        title = "k1 in the reward is unbiased for ∇KL(π‖π_ref), on-policy and from π_old with the sequence's weight"
    else:
        title = f"k1 in the reward from π_old, ratio={ratio!r}: E[g] = ∇KL(π‖π_ref) over m steps (false)"
    weight = {
        "sequence": "weighted by the trajectory's importance weight λ(x) = Π_t π_θ(a_t|h_t)/π_old(a_t|h_t)",
        "token": "each step's term weighted by its own ratio ρ_t = π_θ(a_t|h_t)/π_old(a_t|h_t) (PPO-style)",
        None: "without any importance weight",
    }[ratio]
    if kind == "conjecture":  # a registered conjecture states itself; its kind says it is false
        title = title.removesuffix(" (false)")
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="The KL-estimator lab (theory.estimators): k1 = ln π − ln π_ref as a penalty in the reward, "
        "differentiated by the score function with rewards to go (REINFORCE; PPO's per-token KL penalty)",
        statement="For every softmax policy π_θ (all probabilities positive), reference π_ref with positive rows, "
        "environment μ and horizon m, with ℓ_t = ln π_θ(a_t|h_t) − ln π_ref(a_t|h_t) and s_t = ∇_θ ln π_θ(a_t|h_t): "
        "on-policy, E_{x~π_θ,μ}[Σ_t s_t Σ_{u≥t} ℓ_u] = ∇_θ KL^μ_m(π_θ‖π_ref) (and at sequence level "
        "E[L(x) Σ_t s_t] = the same); and for every sampling policy π_old with positive rows, the same "
        f"estimator on trajectories from π_old, {weight}, has the same expectation.",
        latex=r"\mathbb{E}_{x\sim\pi_\theta,\mu}\Big[\sum_{t=1}^{m}\nabla_\theta\ln\pi_\theta(a_t\mid h_t)"
        r"\sum_{u=t}^{m}\ell_u\Big] = \nabla_\theta\mathrm{KL}^{\mu}_{m}(\pi_\theta\,\|\,\pi_{\mathrm{ref}})",
        how=HOW_INSTANCES.format(old="π_old with positive rows, ")
        + "theory.estimator_moments(estimator='k1', placement='reward') on-policy at token and sequence level, and "
        f"from π_old at token level with ratio={ratio!r}, each against theory.kl_gradient(direction='forward'), "
        "one part per logit θ[s,a]; linear forms in logarithms, equalities decided exactly.",
        given=estimator_cases(sampling=True),
        examples=examples,
        parts=parts,
        max_examples=60,
    )


CLAIM = make()

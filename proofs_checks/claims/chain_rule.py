"""``chain-rule``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/chain-rule.md.

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

import theory
from proofs_checks import reference
from proofs_checks.cases import trajectory_cases
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import policy_pairs as examples
from theory.validation import option

__all__ = ["CLAIM", "make", "examples"]


def make(*, weights="pi", drop_last=False, id="chain-rule", kind="theorem") -> Claim:
    """The chain-rule check; ``weights="beta"`` (leaves weighed by P^{β,μ}) and ``drop_last=True`` (the left side
    over m−1 steps) are false variants.

    >>> make(weights="beta").title
    'chain rule with the leaves weighed by P^{β,μ} (false)'
    """
    option(weights, name="weights", choices=("pi", "beta"))

    def parts(x, arith):
        pi, beta, env, m, h = x["pi"], x["beta"], x["env"], x["horizon"], x["history"]
        leaves = reference.trajectory_leaves(pi, beta, env, m - 1 if drop_last else m, h, arith=arith, under=weights)
        return [
            Part(
                "expected form: Σ_x P(x) ln(π(x)/β(x)) (leaves) = theory.trajectory_kl (per-step sum)",
                reference.leaf_kl(leaves, arith=arith),
                "==",
                theory.trajectory_kl(pi, beta, env, m, h, arith=arith),
            ),
            # Two-sided: Definition 2 against its own definition, so a worst case computed too small fails too.
            Part(
                "worst-case form (Definition 2): max over o_{1:m} of the open-loop KL (leaves) = theory.worst_case_kl",
                reference.worst_case_kl(pi, beta, env.n_observations, m, h, arith=arith),
                "==",
                theory.worst_case_kl(pi, beta, env, m, h, arith=arith),
            ),
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
        how="Random finite-state π, β, μ (π, β sometimes semi-distributions), horizons 1–3: the left side "
        "enumerated leaf by leaf, one log per trajectory, against theory.trajectory_kl; the worst-case form "
        "likewise per observation sequence; equalities decided exactly.",
        given=trajectory_cases(),
        examples=examples,
        parts=parts,
        max_examples=150,
    )


CLAIM = make()

"""``conj-bayes-kl-transfers``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-bayes-kl-transfers.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
>>> import theory
>>> from fractions import Fraction
>>> stay, leave = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
>>> x = {"mixture": theory.BayesianMixture([stay, leave], ["1/2", "1/2"]), "mu": 0,
...      "env": theory.sequence_environment(2), "history": (), "horizon": 1, "alpha": Fraction(1, 2),
...      "pi_kind": "component", "pi_component": 1, "pi": None}
>>> ev = CLAIM.evaluate(x, "exact")
>>> ev.holds, ev.parts[1].lhs, ev.parts[1].rhs       # KL(π‖μ) = ∞ > KL(π‖ξ) = ln 2
(False, inf, LogLinear(1*ln(2)))
"""

from __future__ import annotations

from proofs_checks.claim import Claim
from proofs_checks.kl_transfer import imitation_cases, transfer_parts
from theory.validation import option

__all__ = ["CLAIM", "make"]


def make(
    *, base: str = "mixture", id: str = "conj-bayes-kl-transfers", kind: str = "conjecture", max_examples: int = 60
) -> Claim:
    """The implication with the base policy ``"mixture"`` (ξ: the false conjecture) or ``"imitator"`` (ν_α:
    Theorem 4, true)."""
    option(base, name="base", choices=("mixture", "imitator"))
    name = "ξ" if base == "mixture" else "ν_α"

    def parts(x, arith):
        return transfer_parts(x, arith, base=base, hypothesis=True)

    return Claim(
        id=id,
        title=f"KL(π‖{name}) ≤ b implies KL(π‖μ) ≤ b"
        + (" (Bayesian base policy)" if base == "mixture" else " (pessimistic imitator: Theorem 4)"),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell (arXiv 2410.06213): the contrast to Theorem 4 (Section 'Don't do "
        "anything I mightn't do'); Proposition 1 and Theorem 1 explain why it fails",
        statement=f"For every Bayesian mixture ξ containing the demonstrator μ, every history h, horizon m, policy π "
        f"and budget b: KL_{{h,m}}(π‖{name}) ≤ b implies KL_{{h,m}}(π‖μ) ≤ b (expected and worst-case "
        f"forms), even while μ is in the top set.",
        latex=r"\mathrm{KL}_{h,m}(\pi\|" + (r"\xi" if base == "mixture" else r"\nu_\alpha") + r")\le b\ \Rightarrow\ "
        r"\mathrm{KL}_{h,m}(\pi\|\mu)\le b",
        how="KL_{h,m}(π‖μ) ≤ KL_{h,m}(π‖" + name + "), expected and worst-case forms, decided exactly on "
        "thm4-pessimistic-kl's instances (mixtures of 2–4 finite-state components, μ kept in the top set, "
        "horizons ≤ 3).",
        derived="The implication for every budget b is equivalent to the inequality KL(π‖μ) ≤ KL(π‖" + name + "): "
        "the budget b = KL(π‖" + name + ") is the one that binds.",
        given=imitation_cases(clamp_alpha=True),
        parts=parts,
        max_examples=max_examples,
    )


CLAIM = make()

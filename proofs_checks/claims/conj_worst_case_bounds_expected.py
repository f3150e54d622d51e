"""``conj-worst-case-bounds-expected``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-worst-case-bounds-expected.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
>>> import theory
>>> from proofs_checks.worlds import echo_example
>>> ev = CLAIM.evaluate(echo_example(), "exact")
>>> ev.holds, ev.parts[0].lhs, ev.parts[0].rhs        # KL^μ = ln 2 > Definition 2 = ½ ln 2
(False, LogLinear(1*ln(2)), LogLinear(1/2*ln(2)))
"""

from __future__ import annotations

import theory
from proofs_checks.claim import Claim, Part
from proofs_checks.cases import reactive_cases, worst_case_form
from theory.validation import option

__all__ = ["CLAIM", "make"]

_ENVIRONMENTS = ("any", "action-blind")


def make(
    *,
    bound: str = "definition-2",
    environments: str = "any",
    id: str = "conj-worst-case-bounds-expected",
    kind: str = "conjecture",
    max_examples: int = 40,
) -> Claim:
    """The bound ``KL^μ_{h,m}(π‖β) ≤ bound`` with ``bound="definition-2"`` (the false conjecture) or
    ``"reactive"`` (the maximum over environments: true), for ``environments="any"`` μ or only
    ``"action-blind"`` ones (observations that ignore the agent's actions: true for Definition 2 as well).

    >>> make(bound="reactive").title
    'the expected KL is at most the reactive worst case (true)'
    """
    upper = worst_case_form(bound)
    option(environments, name="environments", choices=_ENVIRONMENTS)
    name = "Definition 2" if bound == "definition-2" else "the reactive worst case"
    blind = environments == "action-blind"

    def parts(x, arith):
        pi, beta, m, h = x["pi"], x["beta"], x["horizon"], x["history"]
        env = x["blind"] if blind else x["env"]
        return [
            Part(
                f"expected KL^μ_{{h,m}}(π‖β) ≤ {name}" + (" (μ action-blind)" if blind else ""),
                theory.trajectory_kl(pi, beta, env, m, h, arith=arith),
                "<=",
                upper(pi, beta, env, m, h, arith=arith),
            )
        ]

    if bound == "reactive":
        title = "the expected KL is at most the reactive worst case (true)"
    elif blind:
        title = "Definition 2 bounds the expected KL when observations ignore actions (true)"
    else:
        title = "Definition 2 (worst-case KL) bounds the expected KL in every environment"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell (arXiv 2410.06213), Definition 2 (worst-case trajectory KL) "
        "against the expected trajectory KL of §2",
        statement="For all policies π, β, environments μ, start histories h and horizons m: KL^μ_{h,m}(π‖β) ≤ "
        "KL_{h,m}(π‖β), the maximum over observation sequences o_{1:m} of the KL between the "
        "action-sequence laws of π and β with those observations held fixed (Definition 2).",
        latex=r"\mathrm{KL}^{\mu}_{h,m}(\pi\|\beta)\ \le\ \max_{o_{1:m}}\mathrm{KL}\big(\pi(a_{1:m}\,\|\,o_{1:m})"
        r"\,\big\|\,\beta(a_{1:m}\,\|\,o_{1:m})\big)",
        how=f"Random finite-state π, β, μ{' (μ action-blind)' if blind else ''}, |O| = 2, horizons 2–3: the "
        f"expected KL (theory.trajectory_kl) against theory.{'reactive_' if bound == 'reactive' else ''}worst_case_kl, "
        "decided exactly"
        + ("; the small scope reaches the echo counterexample." if bound == "definition-2" and not blind else "."),
        given=reactive_cases(blind="blind" if blind else None),
        parts=parts,
        max_examples=max_examples,
        scope_limit=120,
    )


CLAIM = make()

"""``top-set-size``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/top-set-size.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = examples()[0]       # uniform over 8 components, α = 1/8: all 8 are in the top set
>>> [(p.lhs, p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][1:3]
[(Fraction(823543, 2097152), Fraction(1, 8)), (Fraction(1, 1), 1)]
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import reference
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import fair_coin

__all__ = ["CLAIM", "make", "size_cases", "examples", "size_bound"]


def size_bound(w_max, alpha) -> float:
    """The derived bound ``1 + ln(1/w_max)/ln(1/(1−α))`` as a float, for display only (inf-free: α = 1 gives 1).

    >>> round(size_bound(Fraction(1, 8), Fraction(1, 8)), 4)
    16.5727
    """
    import math

    alpha, w_max = Fraction(alpha), Fraction(w_max)
    if alpha == 1:
        return 1.0
    return 1 + math.log(1 / w_max) / math.log(1 / (1 - alpha))


@st.composite
def size_cases(draw, *, max_components=8, max_history=3):
    """A mixture of 1–8 components (updating on every step, or only on demonstrator steps), a history it may
    produce (its steps sometimes flagged as demonstrator steps or not), and α.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(size_cases())
    ... def check(x):
    ...     assert 0 < x["alpha"] <= 1 and 1 <= len(x["xi"]) <= 8
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    update = draw(st.sampled_from(["all", "demonstrator"]))
    xi = draw(
        S.mixtures(
            n_actions=n_actions,
            n_observations=n_obs,
            min_components=1,
            max_components=max_components,
            max_states=2,
            update=update,
        )
    )
    history = draw(S.histories(xi, max_length=max_history, flags=draw(st.booleans())))
    return {"xi": xi, "history": history, "alpha": draw(S.alphas())}


def examples() -> list[dict]:
    """Named instances: ``uniform-8`` (α = 1/8, |T| = 8 = 1/α: the 1/α bound is attained), ``two-tight``
    (posterior (1−α, α) with α = 1/3: |T| = 2 = 1 + ln(1/w_max)/ln(1/(1−α)), the derived bound attained),
    ``geometric`` (posterior ∝ 16, 8, 4, 2, 1 with α = 1/10: |T| = 3), ``alpha-one`` (α = 1: only the top one),
    ``own-weight-counts`` (posterior (1/2, 1/4, 1/4), α = 1/2: 1/4 < (1/2)(3/4), so |T| = 1; leaving the
    component's own weight out of the sum would admit it), ``demonstrator-steps`` (update="demonstrator": the
    first step, not a demonstrator step, would rule out the component that the second makes the favourite).

    >>> [x["name"] for x in examples()][4:]
    ['own-weight-counts', 'demonstrator-steps']
    """
    consts = [fair_coin() for _ in range(8)]
    uniform = theory.BayesianMixture(consts, [Fraction(1, 8)] * 8)
    geometric = theory.BayesianMixture(consts[:5], ["16/31", "8/31", "4/31", "2/31", "1/31"])
    zeros = theory.FiniteStatePolicy.iid([1, 0])
    learner = theory.BayesianMixture([zeros, consts[0]], ["1/2", "1/2"], update="demonstrator")
    return [
        {"name": "uniform-8", "xi": uniform, "history": (), "alpha": Fraction(1, 8)},
        {
            "name": "two-tight",
            "xi": theory.BayesianMixture(consts[:2], ["2/3", "1/3"]),
            "history": (),
            "alpha": Fraction(1, 3),
        },
        {"name": "geometric", "xi": geometric, "history": (), "alpha": Fraction(1, 10)},
        {"name": "alpha-one", "xi": geometric, "history": (), "alpha": Fraction(1)},
        {
            "name": "own-weight-counts",
            "xi": theory.BayesianMixture(consts[:3], ["1/2", "1/4", "1/4"]),
            "history": (),
            "alpha": Fraction(1, 2),
        },
        # Posterior (2/3, 1/3) from the flagged step alone; top set {zeros} at α = 1/2.
        {
            "name": "demonstrator-steps",
            "xi": learner,
            "history": ((1, 0, False), (0, 0, True)),
            "alpha": Fraction(1, 2),
        },
    ]


def make(*, plus_one=True, id="top-set-size", kind="theorem") -> Claim:
    """The size check; ``plus_one=False`` drops the "1 +" of the bound (false).

    >>> make(plus_one=False).title
    '|T| ≤ ln(1/w_max)/ln(1/(1−α)), without the 1 + (false)'
    """

    def parts(x, arith):
        xi, h, alpha = x["xi"], x["history"], x["alpha"]
        w = xi.posterior(h, arith=arith)
        members = theory.top_set(xi, h, alpha, arith=arith)
        n = len(members)
        a = arith.convert(alpha)
        w_max = w[members[0]]
        mass = sum((w[i] for i in members[1:]), w[members[0]])
        shrink = (1 - a) ** (n - 1 if plus_one else n)
        # The references: Bayes' rule from the components' own probabilities, Definition 3 on its exact values.
        bayes = reference.posterior(xi, h, arith=arith)
        off = sum((abs(w[i] - bayes[i]) for i in range(1, len(w))), abs(w[0] - bayes[0]))
        definition = set(reference.top_set(reference.posterior(xi, h, arith="exact"), alpha))
        differ = sum(1 for i in range(len(w)) if (i in definition) != (i in members))
        return [
            Part("mass growth: (1−α)^(|T|−1)·S_T >= w_max", shrink * mass if plus_one else shrink, ">=", w_max),
            Part(
                "size: (1−α)^(|T|−1) >= w_max, i.e. |T| <= 1 + ln(1/w_max)/ln(1/(1−α))"
                if plus_one
                else "size without the 1 +: (1−α)^|T| >= w_max",
                shrink,
                ">=",
                w_max,
            ),
            Part("size: α·|T| <= 1", a * n, "<=", 1),
            Part("posterior = Bayes' rule (Σ_i |w_i(h) − prior_i·likelihood_i/Σ|)", off, "==", 0),
            Part(
                "theory.top_set = Definition 3 on the Bayes posterior (components whose membership differs)",
                arith.convert(differ),
                "==",
                0,
            ),
        ]

    title = (
        "top-set size: |T| ≤ 1 + ln(1/w_max)/ln(1/(1−α)) and |T| ≤ 1/α"
        if plus_one
        else "|T| ≤ ln(1/w_max)/ln(1/(1−α)), without the 1 + (false)"
    )
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Derived here from the paper's Definition 3 (the top set of Cohen, Hutter, Nanda 2022); not a "
        "result of the paper",
        derived="Derived here, not in the paper: from w_n ≥ α·S_n for every member, S_n ≥ S_{n−1}/(1−α), so "
        "w_max/(1−α)^{|T|−1} ≤ S_{|T|} ≤ 1; and from S_n ≥ n·w_n, |T| ≤ 1/α.",
        statement="For every posterior w(h) (w_max its largest weight) and α in (0, 1], the top set T of "
        "Definition 3 satisfies (1−α)^{|T|−1}·Σ_{n∈T} w_n(h) ≥ w_max, hence |T| ≤ 1 + "
        "ln(1/w_max)/ln(1/(1−α)); and |T| ≤ 1/α.",
        latex=r"|T_\alpha(h)| \le 1 + \frac{\ln(1/w_{\max}(h))}{\ln(1/(1-\alpha))},\qquad |T_\alpha(h)| \le"
        r" \frac{1}{\alpha}",
        how="Random mixtures of 1–8 finite-state components, histories of length ≤ 3, α in (0, 1]: the bounds "
        "on theory.top_set in their power forms, in exact rationals; the posterior against Bayes' rule and "
        "the top set against Definition 3, both computed independently.",
        given=size_cases(),
        examples=examples,
        parts=parts,
        max_examples=300,
    )


CLAIM = make()

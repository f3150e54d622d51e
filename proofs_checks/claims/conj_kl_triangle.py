"""``conj-kl-triangle``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-kl-triangle.md.

>>> CLAIM.kind, CLAIM.expected
('conjecture', 'refuted')
>>> x = {"pi": (Fraction(1, 2), Fraction(1, 2)), "beta": (Fraction(1, 2), Fraction(1, 2)),
...      "tau": (1 - Fraction(1, 2**300), Fraction(1, 2**300))}
>>> ev = CLAIM.evaluate(x, "exact")
>>> ev.holds, round(float(ev.parts[0].lhs), 3), round(float(ev.parts[0].rhs), 3)   # 149 ln 2 > 100 ln 2
(False, 103.279, 69.315)
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim
from theory.validation import option

__all__ = ["CLAIM", "make", "tiny_probabilities", "full_support_distributions", "triangle_cases"]


def tiny_probabilities(max_exponent: int = 600):
    """Tiny exact probabilities 2^-k, k in 1..max_exponent (2^-600 ≈ 2.4e-181 is still a normal float64).

    >>> from hypothesis import find, settings
    >>> p = find(tiny_probabilities(), lambda p: p < Fraction(1, 10**50), settings=settings(database=None, derandomize=True))
    >>> p == Fraction(1, 2**167)      # the largest 2^-k below 10^-50
    True
    """
    return st.integers(1, max_exponent).map(lambda k: Fraction(1, 2**k))


@st.composite
def full_support_distributions(draw, n: int, *, full_support: bool = True, max_exponent: int = 600):
    """Distributions over n outcomes from :func:`proofs_checks.strategies.distributions`, then each entry is
    possibly replaced by a tiny 2^-k (always, for a zero entry when ``full_support``); the tiny masses are taken
    from the largest entry, so the result sums to exactly 1.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=30, database=None)
    ... @given(full_support_distributions(3))
    ... def check(p):
    ...     assert sum(p) == 1 and min(p) > 0
    >>> check()
    """
    base = list(draw(S.distributions(n)))
    tiny = tiny_probabilities(max_exponent)
    for i in range(n):
        if (base[i] == 0 and full_support) or draw(st.booleans()):
            base[i] = draw(tiny) / n  # at most 1/(2n): the largest entry (>= 1/n) can pay for all of them
    j = max(range(n), key=lambda i: base[i])
    base[j] = 1 - sum(base[i] for i in range(n) if i != j)
    return tuple(base)


@st.composite
def triangle_cases(draw, *, full_support: bool = True):
    """``{"pi", "beta", "tau"}`` over 2-3 outcomes: π drawn; τ from :func:`full_support_distributions`; β equal
    to π, a mixture wπ + (1−w)τ (a Bayesian predictive over the two), or drawn with tiny masses too."""
    n = draw(st.integers(2, 3))
    pi = draw(full_support_distributions(n, full_support=False))
    tau = draw(full_support_distributions(n, full_support=full_support))
    kind = draw(st.sampled_from(["pi", "mixture", "drawn"]))
    if kind == "pi":
        beta = pi
    elif kind == "mixture":
        w = draw(st.fractions(min_value=Fraction(1, 100), max_value=Fraction(99, 100), max_denominator=100))
        beta = tuple(w * a + (1 - w) * b for a, b in zip(pi, tau))
    else:
        beta = draw(full_support_distributions(n, full_support=False))
    return {"pi": pi, "beta": beta, "tau": tau}


def make(
    C=100,
    *,
    full_support: bool = True,
    lhs: str = "kl",
    id: str = "conj-kl-triangle",
    kind: str = "conjecture",
    max_examples: int = 200,
) -> Claim:
    """The conjecture ``KL(π‖τ) ≤ C·(KL(π‖β) + KL(τ‖β))``, with τ of full support unless ``full_support=False``.

    ``lhs="tvd²"`` puts TVD(π, τ)² on the left instead: with C = 1 that is a true statement (the triangle
    inequality for TVD and Pinsker give TVD(π,τ)² ≤ (√(KL(π‖β)/2) + √(KL(τ‖β)/2))² ≤ KL(π‖β) + KL(τ‖β)), the
    true relative of the conjecture: a KL budget to β does bound the *total variation* to τ, not the KL.
    """
    c = Fraction(C)
    option(lhs, name="lhs", choices=("kl", "tvd²"))
    left = "KL(π‖τ)" if lhs == "kl" else "TVD(π,τ)²"

    def lhs_fn(x, arith):
        if lhs == "tvd²":
            t = theory.tvd(x["pi"], x["tau"], arith=arith)
            return t * t
        return theory.kl(x["pi"], x["tau"], arith=arith)

    def rhs(x, arith):
        total = theory.kl(x["pi"], x["beta"], arith=arith) + theory.kl(x["tau"], x["beta"], arith=arith)
        if isinstance(total, float) and math.isinf(total):
            return math.inf
        return total * arith.convert(c)

    scope = "τ of full support" if full_support else "any τ"
    return Claim(
        id=id,
        title=f"{left} ≤ {c}·(KL(π‖β) + KL(τ‖β)) ({scope})",
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell (arXiv 2410.06213), Proposition 1 (no triangle inequality): the "
        "relaxed form with a constant, which the proposition's family leaves open for full-support τ",
        statement=f"For all distributions π, β and τ ({scope}) over a finite alphabet: "
        f"{left} ≤ {c}·(KL(π‖β) + KL(τ‖β)).",
        latex=(r"\mathrm{KL}(\pi\|\tau)" if lhs == "kl" else r"\mathrm{TV}(\pi,\tau)^2")
        + r"\le "
        + str(c)
        + r"\,\big(\mathrm{KL}(\pi\|\beta)+\mathrm{KL}(\tau\|\beta)\big)",
        how=f"π, β, τ over 2–3 outcomes ({scope}), exact rationals down to 2^-600, β equal to π, a mixture of π "
        "and τ, or drawn: both sides exact linear forms in logarithms; a counterexample is shrunk and certified "
        "exactly.",
        derived="Expected to be refuted: the ratio KL(π‖τ)/(KL(π‖β)+KL(τ‖β)) is unbounded, growing like "
        "ln(1/min τ) (e.g. π = β = Bernoulli(1/2), τ = Bernoulli(δ)).",
        given=triangle_cases(full_support=full_support),
        lhs=lhs_fn,
        relation="<=",
        rhs=rhs,
        max_examples=max_examples,
    )


CLAIM = make()

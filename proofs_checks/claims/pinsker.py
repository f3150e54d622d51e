"""pinsker: trajectory total variation is at most sqrt(KL/2) (Pinsker's inequality on trajectory laws).

For policies π, β and an environment μ, from a start history over m steps,
``TVD(P^{π,μ}_h, P^{β,μ}_h) ≤ sqrt(KL^μ_{h,m}(π‖β) / 2)``. The check compares squares, ``TVD² ≤ c·KL``
with ``c = 1/2``, so that both sides stay exact (a rational and a linear form in logarithms).
:func:`make` builds the same check with another constant: ``c = 1/4`` is the false conjecture
``conj-pinsker-quarter``.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim


@st.composite
def trajectory_cases(draw, *, max_actions=3, max_observations=2, max_states=2, max_horizon=3):
    """π, β and μ over a drawn alphabet, and a horizon: the instances of trajectory inequalities."""
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    policies = S.finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    return {
        "pi": draw(policies),
        "beta": draw(policies),
        "env": draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=max_states)),
        "horizon": draw(st.integers(1, max_horizon)),
    }


def make(constant=Fraction(1, 2), *, id="pinsker", kind="theorem") -> Claim:
    """The check ``TVD² ≤ constant·KL`` on trajectory laws."""
    c = Fraction(constant)

    def tvd_squared(x, arith):
        t = theory.trajectory_tvd(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith)
        return t * t

    def scaled_kl(x, arith):
        return theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith) * arith.convert(c)

    return Claim(
        id=id,
        title=f"trajectory TVD ≤ sqrt(KL·{c})" if c != Fraction(1, 2) else "Pinsker: trajectory TVD ≤ sqrt(KL/2)",
        kind=kind,
        reference="Pinsker's inequality (standard); used with the paper's Theorem 2",
        statement=f"For all π, β, μ, h and m: TVD(P^π, P^β)^2 ≤ {c}·KL^μ_{{h,m}}(π‖β).",
        latex=r"\mathrm{TV}\big(P^{\pi,\mu}_{h},P^{\beta,\mu}_{h}\big)^2 \le " + f"{c.numerator}/{c.denominator}"
        + r"\,\mathrm{KL}^{\mu}_{h,m}(\pi\,\|\,\beta)",
        how="Random finite-state π, β, μ (exact rational tables), |A| ≤ 3, |O| ≤ 2, horizons 1–3; both sides "
            "computed on the full trajectory tree (TVD exactly as a rational, KL as an exact linear form in "
            "logarithms) and compared without square roots.",
        given=trajectory_cases(),
        lhs=tvd_squared,
        relation="<=",
        rhs=scaled_kl,
        max_examples=60,
    )


CLAIM = make()

"""``pinsker``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/pinsker.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = {"pi": theory.FiniteStatePolicy.iid([1, 0]), "beta": theory.FiniteStatePolicy.iid(["1/2", "1/2"]),
...      "env": theory.sequence_environment(2), "horizon": 1,
...      "p": (Fraction(1, 2), Fraction(0)), "q": (Fraction(1, 4), Fraction(1, 4))}   # ⊥: 1/2 each
>>> [(p.lhs, p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][1:]
[(Fraction(1, 16), LogLinear(1/4*ln(2))), (LogLinear(1/2*ln(2)), LogLinear(1/2*ln(2)))]
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import reference
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part


@st.composite
def trajectory_cases(draw, *, max_actions=3, max_observations=2, max_states=2, max_horizon=3):
    """π, β and μ over a drawn alphabet, and a horizon: the instances of trajectory inequalities; and p, q, two
    semi-distributions over the actions (⊥ the missing mass).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(trajectory_cases())
    ... def check(x):
    ...     assert sorted(x) == ['beta', 'env', 'horizon', 'p', 'pi', 'q'] and sum(x["p"]) <= 1
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    policies = S.finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    one_step = S.distributions(n_actions, semi=True)
    return {
        "pi": draw(policies),
        "beta": draw(policies),
        "env": draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=max_states)),
        "horizon": draw(st.integers(1, max_horizon)),
        "p": draw(one_step),
        "q": draw(one_step),
    }


def make(constant=Fraction(1, 2), *, id="pinsker", kind="theorem") -> Claim:
    """The check ``TVD² ≤ constant·KL`` on trajectory laws."""
    c = Fraction(constant)

    def parts(x, arith):
        t = theory.trajectory_tvd(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith)
        out = [
            Part(
                f"trajectory laws: TVD² ≤ {c}·KL",
                t * t,
                "<=",
                theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith) * arith.convert(c),
            )
        ]
        if "p" in x:  # instances saved before the one-step part have no p, q
            p, q = x["p"], x["q"]
            d, k = theory.tvd(p, q, arith=arith), theory.kl(p, q, arith=arith)
            out.append(
                Part(
                    f"one step, semi-distributions with ⊥ an outcome: TVD(p,q)² ≤ {c}·KL(p‖q)",
                    d * d,
                    "<=",
                    k * arith.convert(c),
                )
            )
            out.append(
                Part(
                    "theory.kl(p, q) = Σ p ln(p/q) over the actions and ⊥ (independent sum)",
                    k,
                    "==",
                    reference.kl(p, q, arith=arith),
                )
            )
        return out

    return Claim(
        id=id,
        title=f"trajectory TVD ≤ sqrt(KL·{c})" if c != Fraction(1, 2) else "Pinsker: trajectory TVD ≤ sqrt(KL/2)",
        kind=kind,
        reference="Pinsker's inequality (standard); used with the paper's Theorem 2",
        statement=f"For all π, β, μ, h and m: TVD(P^π, P^β)^2 ≤ {c}·KL^μ_{{h,m}}(π‖β); and for semi-distributions "
        f"p, q (⊥ one more outcome) TVD(p, q)^2 ≤ {c}·KL(p‖q).",
        latex=r"\mathrm{TV}\big(P^{\pi,\mu}_{h},P^{\beta,\mu}_{h}\big)^2 \le "
        + f"{c.numerator}/{c.denominator}"
        + r"\,\mathrm{KL}^{\mu}_{h,m}(\pi\,\|\,\beta)",
        how="Random finite-state π, β, μ, horizons 1–3: trajectory TVD (exact rational) against KL (exact linear "
        "form in logs), compared squared; also one step of two semi-distributions, with KL equal to the "
        "independent sum.",
        given=trajectory_cases(),
        parts=parts,
        max_examples=60,
    )


CLAIM = make()

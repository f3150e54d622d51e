"""``thm3-top-set``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/thm3-top-set.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> x = examples()[0]
>>> leave_probabilities(x["xi"], x["mu"], x["env"], x["horizon"], x["alpha"], x["delta"], arith="exact")[:2]
(Fraction(1, 2), Fraction(1, 2))
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import echo_three, fair_vs_zeros
from theory.imitation import top_set_mask
from theory.trees import Tree, branch, walk

__all__ = ["CLAIM", "make", "thm3_cases", "leave_probabilities", "examples"]


def leave_probabilities(xi, mu, env, horizon, alpha, delta, *, arith):
    """``(P_leave, P_ville, w_mu, nodes)`` on μ's tree (μ = component ``mu`` of ``xi``) over ``horizon`` steps.

    ``P_leave``: μ-probability that μ is outside the top set (level α) at some step 0..horizon;
    ``P_ville``: μ-probability that ``max_t ξ(h_t)/μ(h_t) ≥ 1/δ``; ``w_mu``: μ's normalized prior;
    ``nodes``: how many (merged) nodes were visited.

    >>> import theory
    >>> zeros, fair = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> xi = theory.BayesianMixture([zeros, fair], ["1/2", "1/2"])
    >>> env = theory.sequence_environment(2)
    >>> leave_probabilities(xi, 1, env, 4, Fraction(1, 10), Fraction(1, 4), arith="exact")[:3]
    (Fraction(1, 16), Fraction(1, 8), Fraction(1, 2))
    """
    ctx = theory.get_context(arith)
    with ctx.scope():
        w_mu = xi.posterior((), arith=ctx)[mu]
        threshold = ctx.convert(delta) * w_mu
        tree = Tree((xi, env), (), ctx, merge=True)
        root = tree.root()
        root.weights["in"], root.weights["ville"] = ctx.ones(1), ctx.ones(1)
        totals = {"leave": ctx.convert(0), "ville": ctx.convert(0), "visited": 0}

        def step(level):
            totals["visited"] += len(level)
            post = xi.posterior_batch(level.states[0], ctx)
            stay = top_set_mask(post, alpha, ctx)[:, mu]
            m_in, m_v = level.weights["in"].copy(), level.weights["ville"].copy()
            if (~stay).any():
                totals["leave"] = totals["leave"] + m_in[~stay].sum()
                m_in[~stay] = ctx.convert(0)
            hit = np.array([ctx.sign(threshold - v) >= 0 for v in post[:, mu]], dtype=bool)
            if hit.any():
                totals["ville"] = totals["ville"] + m_v[hit].sum()
                m_v[hit] = ctx.convert(0)
            if level.depth == horizon:
                return None
            acts = xi.component_probs_batch(level.states[0], ctx)[:, mu, :]
            grow = branch(ctx, acts, None, env.probs_batch(level.states[1], ctx), None)
            # Histories that left (or hit the bound) carry no more mass: they are not expanded.
            return {"in": m_in[:, None, None, None] * grow, "ville": m_v[:, None, None, None] * grow}

        walk(tree, horizon, step, root=root)
        p_leave, p_ville, visited = totals["leave"], totals["ville"], totals["visited"]
        return ctx.to_output(p_leave), ctx.to_output(p_ville), ctx.to_output(w_mu), visited


def _fractions_in_unit(max_denominator=20):
    return st.one_of(
        st.sampled_from([Fraction(1, 2), Fraction(9, 10), Fraction(99, 100), Fraction(999, 1000), Fraction(1, 100)]),
        st.integers(2, max_denominator).flatmap(lambda d: st.integers(1, d - 1).map(lambda n: Fraction(n, d))),
    )


@st.composite
def thm3_cases(draw, *, hypothesis=True, max_components=4):
    """A mixture, the index of the demonstrator μ in it, an environment, a horizon (up to 8 on the smallest
    alphabets), δ in (0, 1) and α = u·δ·w(μ) with u in (0, 1) (α drawn in (0, 1] when ``hypothesis`` is False).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(thm3_cases())
    ... def check(x):
    ...     assert 0 < x["alpha"] < x["delta"] * x["xi"].posterior((), arith="exact")[x["mu"]] and x["horizon"] <= 8
    >>> check()
    """
    n_actions, n_obs = draw(st.sampled_from([(2, 1), (2, 2), (3, 1), (3, 2)]))
    max_horizon = 6 if n_actions * n_obs == 6 else 8
    xi = draw(S.mixtures(n_actions=n_actions, n_observations=n_obs, max_components=max_components, max_states=2))
    mu = draw(st.integers(0, len(xi) - 1))
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=2))
    delta = draw(_fractions_in_unit())
    if hypothesis:
        w_mu = xi.posterior((), arith="exact")[mu]
        alpha = draw(_fractions_in_unit()) * delta * w_mu
    else:
        alpha = draw(S.alphas())
    # Half the draws are deep trees (4..max); shrinking goes to the shallow branch.
    horizon = draw(st.one_of(st.integers(1, 3), st.integers(4, max_horizon)))
    return {"xi": xi, "mu": mu, "env": env, "horizon": horizon, "alpha": alpha, "delta": delta}


def examples(hypothesis=True) -> list[dict]:
    """Named instances. ``fair-vs-zeros``: μ = fair coin, the other component always plays 0, prior (1/2, 1/2),
    α = 2/5 < δ·w(μ) = 9/20: μ leaves the top set exactly when its first action is 0 (probability 1/2).
    ``echo-three``: three observation-dependent components, horizon 6. Without the hypothesis, also
    ``alpha-one``: α = 1, δ = 1/3 (μ leaves with probability 1/2 > δ).

    >>> [x["name"] for x in examples(hypothesis=False)]
    ['fair-vs-zeros', 'echo-three', 'alpha-one']
    """
    xi, seq = fair_vs_zeros()
    three, echo = echo_three()
    out = [
        {
            "name": "fair-vs-zeros",
            "xi": xi,
            "mu": 1,
            "env": seq,
            "horizon": 8,
            "alpha": Fraction(2, 5),
            "delta": Fraction(9, 10),
        },
        {
            "name": "echo-three",
            "xi": three,
            "mu": 1,
            "env": echo,
            "horizon": 6,
            "alpha": Fraction(1, 20),
            "delta": Fraction(1, 4) + Fraction(1, 100),
        },
    ]
    if not hypothesis:
        out.append(
            {
                "name": "alpha-one",
                "xi": xi,
                "mu": 1,
                "env": seq,
                "horizon": 3,
                "alpha": Fraction(1),
                "delta": Fraction(1, 3),
            }
        )
    return out


def make(*, hypothesis=True, delta_factor=1, id="thm3-top-set", kind="theorem") -> Claim:
    """The Theorem 3 check; ``hypothesis=False`` (α unrestricted) and ``delta_factor=Fraction(1, 2)`` (bounds
    claimed with δ/2) are false variants.

    >>> make(hypothesis=False).title
    'Theorem 3 without the hypothesis α < δ·w(μ) (false)'
    """
    factor = Fraction(delta_factor)

    def parts(x, arith):
        xi, mu, alpha, delta = x["xi"], x["mu"], Fraction(x["alpha"]), Fraction(x["delta"])
        w_exact = xi.posterior((), arith="exact")[mu]
        if hypothesis and not alpha < delta * w_exact:
            return []  # outside the theorem's hypothesis: vacuous
        p_leave, p_ville, w_mu, _ = leave_probabilities(xi, mu, x["env"], x["horizon"], alpha, delta, arith=arith)
        bound = arith.convert(delta * factor)
        return [
            Part("P_μ(μ leaves the top set) <= δ" + ("" if factor == 1 else f"·{factor}"), p_leave, "<=", bound),
            Part(
                "P_μ(μ leaves the top set) <= α/w(μ)" + ("" if factor == 1 else f"·{factor}"),
                p_leave,
                "<=",
                arith.convert(alpha * factor) / w_mu,
            ),
            Part("Ville: P_μ(max_t ξ/μ >= 1/δ) <= δ" + ("" if factor == 1 else f"·{factor}"), p_ville, "<=", bound),
        ]

    if not hypothesis:
        title = "Theorem 3 without the hypothesis α < δ·w(μ) (false)"
    elif factor != 1:
        title = f"Theorem 3 with δ·{factor} in place of δ (false)"
    else:
        title = "Theorem 3: μ stays in the top set at every step with probability ≥ 1 − δ"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Cohen, Bengio, Hutter, Russell (arXiv 2410.06213), Theorem 3 = Cohen, Hutter, Nanda (JMLR 2022), "
        "Theorem 2; Ville's inequality",
        derived="The second part, P ≤ α/w(μ), is the sharper bound the proof gives (derived here; the paper states "
        "the corollary ≤ δ). w(μ) is the normalized prior (the posterior at the empty history), which is "
        "what the posterior formula uses when the prior sums to less than 1.",
        statement="If the data are drawn from a component μ of ξ with normalized prior w(μ), δ ∈ (0, 1) and "
        "α < δ·w(μ), then P_μ(μ is in the top set at every step) ≥ 1 − δ. Finite version: for every "
        "horizon m, P_μ(μ is outside the top set at some step 0..m) ≤ α/w(μ) < δ, and "
        "P_μ(max_{t≤m} ξ(h_t)/μ(h_t) ≥ 1/δ) ≤ δ.",
        latex=r"\alpha < \delta\,w(\mu)\ \Rightarrow\ P_\mu\big(\exists t\le m:\ \mu\notin T_\alpha(h_t)\big)"
        r" \le \frac{\alpha}{w(\mu)} < \delta,\qquad P_\mu\Big(\max_{t\le m}\frac{\xi(h_t)}{\mu(h_t)} \ge"
        r" \frac1\delta\Big) \le \delta",
        how="Random mixtures of 2–4 finite-state components, μ one of them, horizons up to 8, α < δ·w(μ): on μ's "
        "tree, walked exactly, the probability that μ leaves the top set against α/w(μ) and δ, and Ville's "
        "event against δ; exact rationals.",
        given=thm3_cases(hypothesis=hypothesis),
        examples=lambda: examples(hypothesis=hypothesis),
        parts=parts,
        certify_in=("exact",),
        max_examples=200,
    )


CLAIM = make()

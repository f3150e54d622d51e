"""``posterior-martingale``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/posterior-martingale.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = examples()[0]
>>> [(p.name, p.lhs, p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][-1]   # ξ ≪ μ fails: mean < 1
('mean: E_μ[R_m] <= 1', Fraction(3, 4), 1)
"""

from __future__ import annotations


from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import copy_last_observation, fair_vs_zeros, lean_to_zero, noisy_echo
from theory.validation import option

__all__ = ["CLAIM", "make", "martingale_cases", "posterior_expectation", "ratio_tree", "examples"]


def _zero(ctx, x) -> bool:
    return bool(ctx.is_zero(x))


def posterior_expectation(xi, history, i, *, arith):
    """``Σ_a ξ(a|h)·w_i(ha)`` over the actions ξ may take at h (the posterior after each action, observation 0).

    >>> import theory
    >>> zeros, fair = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> xi = theory.BayesianMixture([zeros, fair], ["1/2", "1/2"])
    >>> posterior_expectation(xi, (), 0, arith="exact"), xi.posterior((), arith="exact")[0]
    (Fraction(1, 2), Fraction(1, 2))
    """
    ctx = theory.get_context(arith)
    pred = xi.probs(history, arith=ctx)
    total = ctx.convert(0)
    for a in range(len(pred)):
        if _zero(ctx, pred[a]):
            continue
        total = total + pred[a] * xi.posterior(tuple(history) + ((a, 0),), arith=ctx)[i]
    return total


def ratio_tree(xi, mu, env, horizon, history=(), *, arith):
    """μ's trajectory tree from h with the ratio ``R = ξ(a_{1:t})/μ(a_{1:t})`` at each node.

    Returns ``(nodes, leaves_mean)`` where ``nodes`` lists ``(steps, P_μ(steps), R, E_μ[R_{t+1}|node], ξ ≪ μ at
    node)`` for the inner nodes and ``leaves_mean`` is ``E_μ[R_m]``. ξ's likelihood is
    ``Σ_j w_j(h)·Π_k ν_j(a_k|…)``, from the components' own probabilities.

    >>> import theory
    >>> zeros, fair = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> xi = theory.BayesianMixture([zeros, fair], ["1/2", "1/2"])
    >>> nodes, mean = ratio_tree(xi, xi.components[1], theory.sequence_environment(2), 1, arith="exact")
    >>> mean, nodes[0][2:]    # R after action 0: (1/2·1 + 1/2·1/2)/(1/2) = 3/2; after 1: 1/2
    (Fraction(1, 1), (Fraction(1, 1), Fraction(1, 1), True))
    """
    ctx = theory.get_context(arith)
    start = tuple(history)
    w = xi.posterior(start, arith=ctx)
    live = [j for j in range(len(w)) if not _zero(ctx, w[j])]
    one = ctx.convert(1)
    nodes = []

    def ratio(lik, lik_mu):
        return sum((w[j] * lik[j] for j in live), ctx.convert(0)) / lik_mu

    def visit(steps, mass, lik, lik_mu, t):
        r = ratio(lik, lik_mu)
        if t == horizon:
            return mass * r
        h = start + steps
        comp = {j: xi.components[j].probs(h, arith=ctx) for j in live}
        p_mu = mu.probs(h, arith=ctx)
        xi_next = sum((w[j] * lik[j] * comp[j] for j in live), ctx.zeros(len(p_mu)))
        absolutely = all(_zero(ctx, xi_next[a]) for a in range(len(p_mu)) if _zero(ctx, p_mu[a]))
        cond = ctx.convert(0)  # E_μ[R_{t+1} | node]
        total = ctx.convert(0)  # contribution of the leaves below
        for a in range(len(p_mu)):
            if _zero(ctx, p_mu[a]):
                continue
            obs = env.probs(h, a, arith=ctx)
            child_lik = [lik[j] * comp[j][a] if j in comp else lik[j] for j in range(len(lik))]
            cond = cond + p_mu[a] * ratio(child_lik, lik_mu * p_mu[a])
            for o in range(len(obs)):
                if not _zero(ctx, obs[o]):
                    total = total + visit(
                        steps + ((a, o),), mass * p_mu[a] * obs[o], child_lik, lik_mu * p_mu[a], t + 1
                    )
        nodes.append((steps, mass, r, cond, absolutely))
        return total

    mean = visit((), one, [one] * len(w), one, 0)
    nodes.sort(key=lambda n: (len(n[0]), n[0]))
    return nodes, mean


@st.composite
def martingale_cases(draw, *, semi=False, max_actions=3, max_observations=2, max_components=4, max_horizon=3):
    """A mixture (semi-distribution components when ``semi``), an environment, a start history, a horizon and a
    demonstrator μ (a component of the mixture, or an independent policy).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(martingale_cases())
    ... def check(x):
    ...     assert sorted(x) == ['env', 'history', 'horizon', 'mu', 'xi'] and not x["xi"].semi
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    xi = draw(
        S.mixtures(n_actions=n_actions, n_observations=n_obs, max_components=max_components, max_states=2, semi=semi)
    )
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=2))
    history = draw(S.histories(xi, env, max_length=2))
    if draw(st.booleans()):
        mu = xi.components[draw(st.integers(0, len(xi) - 1))]
    else:
        mu = draw(S.finite_state_policies(n_actions=n_actions, n_observations=n_obs, max_states=2))
    return {"xi": xi, "env": env, "history": history, "horizon": draw(st.integers(1, max_horizon)), "mu": mu}


def examples(semi=False) -> list[dict]:
    """Named toy instances: ``mu-never-takes-1`` (ξ puts mass on an action μ never takes: E_μ[R] = 3/4 < 1),
    ``mu-in-class`` (μ a component of ξ, ξ ≪ μ: a martingale), and with ``semi`` an abstaining component.

    >>> [x["name"] for x in examples()]
    ['mu-never-takes-1', 'mu-in-class']
    """
    xi, seq = fair_vs_zeros()
    never, fair = xi.components
    copy = copy_last_observation()
    both = theory.BayesianMixture([copy, lean_to_zero()], ["1/3", "2/3"])
    out = [
        {"name": "mu-never-takes-1", "xi": xi, "env": seq, "history": (), "horizon": 1, "mu": never},
        {"name": "mu-in-class", "xi": both, "env": noisy_echo(), "history": ((0, 1),), "horizon": 3, "mu": copy},
    ]
    if semi:
        shy = theory.FiniteStatePolicy.iid(["1/2", "1/4"], semi=True)
        out.append(
            {
                "name": "abstaining-component",
                "xi": theory.BayesianMixture([shy, fair], ["1/2", "1/2"]),
                "env": theory.sequence_environment(2),
                "history": (),
                "horizon": 1,
                "mu": fair,
            }
        )
    return out


def make(*, semi=False, mean_relation="<=", id="posterior-martingale", kind="theorem") -> Claim:
    """The check; ``semi=True`` (abstaining components) and ``mean_relation=">="`` (E_μ[ξ/μ] ≥ 1) are false
    variants.

    >>> make(mean_relation=">=").title
    'E_μ[ξ/μ] ≥ 1 (false)'
    """
    option(mean_relation, name="mean_relation", choices=("<=", ">=", "=="))

    def parts(x, arith):
        xi, h = x["xi"], x["history"]
        w = xi.posterior(h, arith=arith)
        out = [
            Part(
                f"posterior martingale: E_ξ[w_{i}(ha)] = w_{i}(h)",
                posterior_expectation(xi, h, i, arith=arith),
                "==",
                w[i],
            )
            for i in range(len(w))
        ]
        nodes, mean = ratio_tree(xi, x["mu"], x["env"], x["horizon"], h, arith=arith)
        # The step as a ratio E_μ[R_{t+1}|h_t]/R_t (R_t can be huge where μ is unlikely; a difference would
        # drown in float rounding during the search). Nodes with R_t = 0 have E_μ[R_{t+1}|h_t] = 0 too.
        worst = None
        for _, _, r, cond, _ in nodes:
            if _zero(arith, r):
                continue
            q = cond / r
            worst = q if worst is None else (q if arith.sign(q - worst) > 0 else worst)
        out.append(
            Part(
                "supermartingale: max over nodes of E_μ[R_{t+1}|h_t]/R_t <= 1",
                worst if worst is not None else arith.convert(0),
                "<=",
                1,
            )
        )
        out.append(Part(f"mean: E_μ[R_m] {mean_relation} 1", mean, mean_relation, 1))
        if mean_relation == "<=" and all(n[4] for n in nodes if not _zero(arith, n[2])):
            out.append(Part("martingale (ξ ≪ μ on μ's tree): E_μ[R_m] = 1", mean, "==", 1))
        return out

    if semi:
        title = "the posterior is a martingale even for abstaining components (false)"
    elif mean_relation != "<=":
        title = f"E_μ[ξ/μ] {'≥' if mean_relation == '>=' else '='} 1 (false)"
    else:
        title = "posterior martingale; ξ/μ is a non-negative supermartingale under μ with mean ≤ 1"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Bayesian posterior martingale; the likelihood-ratio supermartingale of Ville's inequality "
        "used in the paper's Theorem 3 (Cohen, Hutter, Nanda 2022, Theorem 2)",
        statement="For a mixture ξ of policies ν_i summing to 1: E_{a~ξ(·|h)}[w_i(ha)] = w_i(h). For any policy μ "
        "and environment, R_t = ξ(a_{1:t}|h,o)/μ(a_{1:t}|h,o) is a non-negative supermartingale under "
        "μ with R_0 = 1, so E_μ[R_m] ≤ 1, with equality when ξ puts no mass where μ puts none.",
        latex=r"\mathbb{E}_{a\sim\xi(\cdot|h)}[w_i(ha)] = w_i(h),\qquad \mathbb{E}_\mu\Big[\frac{\xi(a_{1:t+1})}"
        r"{\mu(a_{1:t+1})}\,\Big|\,h_t\Big] \le \frac{\xi(a_{1:t})}{\mu(a_{1:t})},\qquad"
        r" \mathbb{E}_\mu\Big[\frac{\xi(a_{1:m})}{\mu(a_{1:m})}\Big] \le 1",
        how="Random mixtures ξ of 2–4 finite-state components, horizons 1–3: the posterior's mean after one "
        "action against w_i(h), in exact rationals; on μ's tree, walked exactly, the worst step of ξ/μ and "
        "its mean at the horizon, with equality where ξ ≪ μ.",
        given=martingale_cases(semi=semi),
        examples=lambda: examples(semi=semi),
        parts=parts,
        max_examples=150,
    )


CLAIM = make()

"""``imitator-domination``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/imitator-domination.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> x = examples()[0]
>>> [(p.lhs, p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][:2]   # the product bound is attained
[(Fraction(1, 4), Fraction(1, 4)), (Fraction(9, 16), Fraction(9, 16))]
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import echo_three, fair_vs_zeros
from theory.trees import Tree, branch, select

__all__ = ["CLAIM", "make", "domination_cases", "flagged_paths", "examples"]


def flagged_paths(xi, mu, env, horizon, alpha, *, arith):
    """Every flagged history of the online imitator (ν_α over ``xi`` at level α, demonstrator component ``mu``)
    over ``horizon`` steps, with what the bounds need.

    Returns a dict ``x̃ -> (P_I(x̃), P_μ(x), in_event, Σ_t θ_t, Π_t (1+θ_t))``, ``P_I`` from
    :meth:`theory.OnlineImitator.law`, the rest from a walk of the same tree (θ, top set and μ at each of the
    ``horizon`` decision points).

    >>> import theory
    >>> zeros, fair = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> xi = theory.BayesianMixture([zeros, fair], ["1/2", "1/2"])
    >>> paths = flagged_paths(xi, 1, theory.sequence_environment(2), 1, Fraction(1, 10), arith="exact")
    >>> paths[((0, 0, False),)]     # acts: ν_α(0) = 1/2; μ(0) = 1/2; in the top set; θ = 1/2
    (Fraction(1, 2), Fraction(1, 2), True, Fraction(1, 2), Fraction(3, 2))
    >>> paths[((0, 0, True),)][0]   # asks (θ = 1/2), then μ plays 0 (1/2)
    Fraction(1, 4)
    """
    ctx = theory.get_context(arith)
    demonstrator = xi.components[mu]
    online = theory.OnlineImitator(xi, alpha, demonstrator=demonstrator)
    law = online.law(env, horizon, arith=ctx)
    imitator = online.imitator
    out = {}
    with ctx.scope():
        tree = Tree((imitator, env, demonstrator), (), ctx, merge=False)
        level = tree.root()
        one = ctx.convert(1)
        data = {
            "mu": ctx.ones(1),
            "sum": ctx.zeros(1),
            "prod": ctx.ones(1),
            "event": np.ones(1, dtype=bool),
            "mass": ctx.ones(1),
        }
        for _ in range(horizon):
            p = imitator.probs_batch(level.states[0], ctx)
            theta = imitator.abstain_batch(level.states[0], ctx, p)
            member = imitator.top_set_batch(level.states[0], ctx)[:, mu]
            env_p = env.probs_batch(level.states[1], ctx)
            demo_p = demonstrator.probs_batch(level.states[2], ctx)
            w = data["mass"][:, None, None, None] * branch(ctx, p, theta, env_p, demo_p)
            (parent, a, o, f), (child_mass,) = select(ctx, w)
            level = tree.children(level, parent, a, o, f)
            data = {
                "mu": data["mu"][parent] * demo_p[parent, a] * env_p[parent, a, o],
                "sum": data["sum"][parent] + theta[parent],
                "prod": data["prod"][parent] * (one + theta[parent]),
                "event": data["event"][parent] & member[parent],
                "mass": child_mass,
            }
        for i, hist in enumerate(tree.histories(level, flags=True)):
            out[hist] = (law[hist], data["mu"][i], bool(data["event"][i]), data["sum"][i], data["prod"][i])
    if set(out) != set(law):
        raise AssertionError("the walk and OnlineImitator.law disagree on the flagged histories")
    return out


def _unflag(hist):
    return tuple((a, o) for a, o, _ in hist)


def _worst(candidates, ctx):
    """The (name, lhs, rhs, margin) with the smallest margin (first in order on ties)."""
    best = None
    for c in candidates:
        if best is None or ctx.compare(c[3], best[3]) < 0:
            best = c
    return best


@st.composite
def domination_cases(draw, *, max_components=4):
    """A mixture, the index of the demonstrator μ in it, an environment, a horizon (1–3) and α.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, derandomize=True)
    ... @given(domination_cases())
    ... def check(x):
    ...     assert 0 <= x["mu"] < len(x["xi"]) and 1 <= x["horizon"] <= 3
    >>> check()
    """
    n_actions, n_obs = draw(st.sampled_from([(2, 1), (2, 2), (3, 1), (3, 2)]))
    xi = draw(S.mixtures(n_actions=n_actions, n_observations=n_obs, max_components=max_components, max_states=2))
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=2))
    horizon = draw(st.integers(1, 3 if n_actions * n_obs <= 4 else 2))
    return {
        "xi": xi,
        "mu": draw(st.integers(0, len(xi) - 1)),
        "env": env,
        "horizon": horizon,
        "alpha": draw(S.alphas()),
    }


def examples(event=True) -> list[dict]:
    """Named instances. ``fair-vs-zeros``: μ = fair coin, the other component always plays 0, α = 1/10; along
    x = ((0,0),(0,0)) the imitator plays 0 with ν_α(0) = 1/2 = μ(0) and asks with θ = 1/2 at both steps, so
    P_I(x) = 9/16 = P_μ(x)·(3/2)² exactly (the product bound is attained). ``echo-three``: observation-dependent
    components. Without the event also ``mu-outvoted``: α = 3/4, μ leaves the top set at once and the imitator
    plays 0 surely, twice as often as μ.

    >>> [x["name"] for x in examples(event=False)]
    ['fair-vs-zeros', 'echo-three', 'mu-outvoted']
    """
    xi, seq = fair_vs_zeros()
    three, echo = echo_three()
    out = [
        {"name": "fair-vs-zeros", "xi": xi, "mu": 1, "env": seq, "horizon": 2, "alpha": Fraction(1, 10)},
        {"name": "echo-three", "xi": three, "mu": 1, "env": echo, "horizon": 3, "alpha": Fraction(1, 10)},
    ]
    if not event:
        out.append(
            {
                "name": "mu-outvoted",
                "xi": fair_vs_zeros(("3/4", "1/4"))[0],
                "mu": 1,
                "env": seq,
                "horizon": 1,
                "alpha": Fraction(3, 4),
            }
        )
    return out


def make(*, factor=True, event=True, id="imitator-domination", kind="theorem") -> Claim:
    """The domination check; ``factor=False`` (no exp(Σθ) factor) and ``event=False`` (not restricted to the
    event that μ stays in the top set) are false variants.

    >>> make(factor=False).title
    'the online imitator is dominated by μ without the exp(Σθ) factor (false)'
    """

    def parts(x, arith):
        paths = flagged_paths(x["xi"], x["mu"], x["env"], x["horizon"], x["alpha"], arith=arith)
        kept = {h: v for h, v in paths.items() if v[2] or not event}
        flagged = [(f"flagged: P_I(x̃) <= P_μ(x) at x̃ = {h}", v[0], v[1], v[1] - v[0]) for h, v in kept.items()]
        groups: dict = {}
        for h, v in kept.items():
            groups.setdefault(_unflag(h), []).append(v)
        product, logs = [], []
        for x_plain, vs in groups.items():
            p_i = sum((v[0] for v in vs[1:]), vs[0][0])
            p_mu = vs[0][1]
            prod, total = vs[0][4], vs[0][3]
            for v in vs[1:]:
                if arith.compare(v[4], prod) > 0:
                    prod = v[4]
                if arith.compare(v[3], total) > 0:
                    total = v[3]
            if not factor:
                prod, total = arith.convert(1), arith.convert(0)
            product.append(
                (f"product: P_I(x, E) <= P_μ(x)·max Π(1+θ) at x = {x_plain}", p_i, p_mu * prod, p_mu * prod - p_i)
            )
            if bool(arith.is_zero(p_i)):
                continue
            gap = math.inf if bool(arith.is_zero(p_mu)) else arith.log(p_i) - arith.log(p_mu)
            logs.append(
                (
                    f"exp: ln P_I(x, E) − ln P_μ(x) <= max Σθ at x = {x_plain}",
                    gap,
                    total,
                    -math.inf if gap == math.inf else total - gap,
                )
            )
        out = []
        for kind_, cands, empty in (
            ("flagged", flagged, "flagged: no flagged history on the event"),
            ("product", product, "product: no history on the event"),
            ("exp", logs, "exp: no history of positive probability on the event"),
        ):
            if not factor and kind_ == "flagged":
                continue
            w = _worst(cands, arith) if cands else None
            out.append(Part(w[0], w[1], "<=", w[2]) if w else Part(empty, 0, "<=", 0))
        return out

    if not factor:
        title = "the online imitator is dominated by μ without the exp(Σθ) factor (false)"
    elif not event:
        title = "the online imitator is dominated by μ even off the event of Theorem 3 (false)"
    else:
        title = "imitator domination: P_I(x) ≤ P_μ(x)·exp(Σ_t θ(h_t)) while μ is in the top set"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Derived here from the paper's Definitions 3–4 and Theorem 4 (ν_α ≤ μ on the top-set event), for "
        "the online imitator of Cohen, Hutter, Nanda (JMLR 2022)",
        derived="Derived here, not in the paper: on the event that μ is in the top set, each step satisfies "
        "ν_α(a) + θ·μ(a) ≤ (1+θ)·μ(a) ≤ e^θ·μ(a); summing over who acted and multiplying over steps gives "
        "P_I(x, E) ≤ P_μ(x)·max Π(1+θ_t) ≤ P_μ(x)·max exp(Σθ_t), the maximum over the flag sequences "
        "consistent with x (θ depends on who acted before). Per flagged history, P_I(x̃) ≤ P_μ(x) with no "
        "factor at all.",
        statement="For the online imitator with demonstrator μ in the class and α in (0, 1], for every history x "
        "of m steps: Σ over flagged histories x̃ of x on which μ stays in the top set of P_I(x̃) ≤ "
        "P_μ(x)·max_{x̃} Π_t(1+θ(x̃_{<t})) ≤ P_μ(x)·max_{x̃} exp(Σ_t θ(x̃_{<t})); and P_I(x̃) ≤ P_μ(x) "
        "for each such x̃.",
        latex=r"P_I(x, E) \le P_\mu(x)\,\max_{\tilde x\to x}\prod_{t}\big(1+\theta(\tilde x_{<t})\big) \le"
        r" P_\mu(x)\,\max_{\tilde x\to x}\exp\Big(\sum_t \theta(\tilde x_{<t})\Big)",
        how="Random mixtures of 2–4 finite-state components, μ one of them, horizons 1–3, α in (0, 1]: the "
        "imitator's exact law (theory.OnlineImitator.law) against P_μ, per flagged history and summed over "
        "those of each history, in the product and the exp form; all exact.",
        given=domination_cases(),
        examples=lambda: examples(event=event),
        parts=parts,
        certify_in=("exact",),
        max_examples=100,
    )


CLAIM = make()

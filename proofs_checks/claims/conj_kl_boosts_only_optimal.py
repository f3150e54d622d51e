"""``conj-kl-boosts-only-optimal``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/conj-kl-boosts-only-optimal.md.

>>> CLAIM.kind, CLAIM.expected, CLAIM.certify_in
('conjecture', 'refuted', ('ball:128', 'ball:256', 'ball:512'))
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import bandit

__all__ = ["CLAIM", "make", "kl_cases", "positive_policies", "examples", "three_arms_one_pull"]


@st.composite
def positive_policies(draw, *, n_actions, n_observations, max_states=2, max_weight=8):
    """Finite-state policies that give every action a positive probability in every state: rows of integer
    weights 1..``max_weight``, normalized (so the KL-regularized optimum can reach every action).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(positive_policies(n_actions=3, n_observations=1))
    ... def check(p):
    ...     assert all(v > 0 for v in p.probs(((0, 0),), arith="exact"))
    >>> check()
    """
    n_states = draw(st.integers(1, max_states))
    emission = []
    for _ in range(n_states):
        weights = draw(st.lists(st.integers(1, max_weight), min_size=n_actions, max_size=n_actions))
        emission.append([Fraction(w, sum(weights)) for w in weights])
    cell = st.integers(0, n_states - 1)
    transition = [[[draw(cell) for _ in range(n_observations)] for _ in range(n_actions)] for _ in range(n_states)]
    return theory.FiniteStatePolicy(emission, transition)


def kl_cases(*, min_actions=2, max_actions=3, max_observations=2, max_states=2, max_horizon=2, max_history=1):
    """β (every action possible everywhere), μ, a utility, a horizon, a temperature λ and a start history h.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(kl_cases())
    ... def check(x):
    ...     assert 1 <= x["horizon"] <= 2 and all(p > 0 for p in x["beta"].probs(x["history"], arith="exact"))
    >>> check()
    """
    shapes = {}
    for n_actions in range(min_actions, max_actions + 1):
        for n_obs in range(1, max_observations + 1):
            shapes[(n_actions, n_obs)] = st.fixed_dictionaries(
                {
                    "beta": positive_policies(n_actions=n_actions, n_observations=n_obs, max_states=max_states),
                    "env": S.finite_state_environments(
                        n_actions=n_actions, n_observations=n_obs, max_states=max_states
                    ),
                    "utility": S.utilities(n_actions=n_actions, n_observations=n_obs),
                    "horizon": st.integers(1, max_horizon),
                    "temperature": S.temperatures(min_value=Fraction(1, 10), max_value=10),
                }
            )
    cases = st.sampled_from(sorted(shapes)).flatmap(shapes.__getitem__)
    return S.with_history(cases, max_length=max_history)


def three_arms_one_pull() -> dict:
    """The docs' toy: one step, three actions paying 1, 9/10 and 0, β uniform, λ = 1.

    >>> x = three_arms_one_pull()
    >>> pi = theory.kl_regularized_policy(x["beta"], x["env"], x["utility"], 1, x["temperature"]).policy
    >>> [round(float(p), 6) for p in pi.probs()]
    [0.440002, 0.39813, 0.161868]
    """
    return {
        "name": "three arms paying 1, 9/10, 0; one pull",
        **bandit([1, Fraction(9, 10), 0]),
        "horizon": 1,
        "temperature": Fraction(1),
        "history": (),
    }


def examples(*, max_actions: int = 3, max_horizon: int = 2) -> list[dict]:
    """The fixed examples within ``max_actions`` actions and ``max_horizon`` steps: :func:`three_arms_one_pull`.

    >>> [x["horizon"] for x in examples()], examples(max_actions=2)
    ([1], [])
    """
    return [x for x in [three_arms_one_pull()] if x["env"].n_actions <= max_actions and x["horizon"] <= max_horizon]


def make(
    *,
    min_actions: int = 2,
    max_actions: int = 3,
    max_horizon: int = 2,
    max_observations: int = 2,
    id: str = "conj-kl-boosts-only-optimal",
    kind: str = "conjecture",
    max_examples: int = 100,
) -> Claim:
    """The check "the KL-regularized optimum raises only V-optimal actions at h" on instances with at most
    ``max_actions`` actions and ``max_horizon`` steps.

    >>> make(max_actions=2, max_horizon=1, id="kl-two-actions-one-step").title
    'KL-regularized optimum raises only V-optimal actions at h (|A| ≤ 2, m ≤ 1)'
    """

    def parts(x, arith):
        beta, env, utility, m, lam = x["beta"], x["env"], x["utility"], x["horizon"], x["temperature"]
        h = tuple(x["history"])
        pi = theory.kl_regularized_policy(beta, env, utility, m, lam, h, arith=arith).policy
        optimal = set(theory.optimal_actions(env, utility, m, h, arith="exact"))
        exact_beta = beta.probs(h, arith="exact")
        p, b = pi.probs(h, arith=arith), beta.probs(h, arith=arith)
        out = []
        for a in range(env.n_actions):
            if a in optimal or exact_beta[a] in (0, 1):
                continue  # optimal, or π_λ(a|h) = β(a|h) exactly (0 stays 0; a lone action keeps probability 1)
            out.append(Part(f"π_λ(a={a}|h) ≤ β(a={a}|h): a is not V-optimal at h", p[a], "<=", b[a]))
        return out

    restricted = (max_actions, max_horizon) != (3, 2)
    return Claim(
        id=id,
        title="KL-regularized optimum raises only V-optimal actions at h"
        + (f" (|A| ≤ {max_actions}, m ≤ {max_horizon})" if restricted else " (false)"),
        kind=kind,
        reference="Contrast to Theorem 2 of Cohen, Hutter, Bengio, Russell (arXiv 2410.06213); Definition 7",
        statement=(
            "If π_λ maximizes V^π_μ(h) − λ·KL^μ_{h,m}(π‖β), then every action a with π_λ(a|h) > β(a|h) is "
            "V-optimal at h: Q*(h, a) = V*(h)."
            + (f" Restricted to |A| ≤ {max_actions} and horizon m ≤ {max_horizon}." if restricted else "")
        ),
        latex=(
            r"\pi_\lambda = \arg\max_\pi V^\pi_\mu(h) - \lambda\,\mathrm{KL}^\mu_{h,m}(\pi\,\|\,\beta),\quad "
            r"\pi_\lambda(a\mid h) > \beta(a\mid h) \implies Q^*_\mu(h,a) = V^*_\mu(h)"
        ),
        how=(
            f"Random finite-state β (every action positive) and μ, |A| {min_actions}–{max_actions}, horizons "
            f"1–{max_horizon}, λ in [1/10, 10]: π_λ from theory.kl_regularized_policy may raise above β only "
            "V-optimal actions (exact expectimax); counterexamples certified in ball arithmetic."
        ),
        derived="Not a claim of the paper: it is the KL counterpart of Theorem 2, which the paper contrasts with "
        "the TVD constraint; refuted here.",
        given=kl_cases(
            min_actions=min_actions, max_actions=max_actions, max_horizon=max_horizon, max_observations=max_observations
        ),
        parts=parts,
        examples=lambda: examples(max_actions=max_actions, max_horizon=max_horizon),
        certify_in=("ball:128", "ball:256", "ball:512"),
        max_examples=max_examples,
    )


CLAIM = make()

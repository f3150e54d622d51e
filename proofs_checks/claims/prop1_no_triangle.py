"""``prop1-no-triangle``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/prop1-no-triangle.md.

>>> CLAIM.kind, CLAIM.expected
('witness', 'exhibited')
>>> ev = CLAIM.evaluate({"form": "bernoulli", "epsilon": Fraction(1, 10)}, "exact")
>>> ev.holds, ev.parts[1].lhs          # KL(τ‖β) = −ln(1 − 1/20)
(True, LogLinear(1*ln(20/19)))
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import sympy
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Claim, Part, variant_title
from proofs_checks.worlds import fair_coin

__all__ = ["CLAIM", "make", "log_bound_proof", "epsilons", "bayes_cases", "instances", "examples"]


@lru_cache(maxsize=None)
def log_bound_proof(constant=Fraction(2)) -> dict:
    """sympy's proof (or failure to prove) that −ln(1 − p) ≤ constant·p for p in [0, 1/2].

    With f(p) = constant·p + ln(1 − p): f(0) = 0, and if f′ ≥ 0 on [0, 1/2] then f ≥ 0 there. Returns f, f′
    (simplified), f(0), the minimum of f′ on the interval (exact, from sympy), the set where f′ < 0
    (``solveset``; empty iff the monotonicity step holds) and ``proved``.

    >>> proof = log_bound_proof(2)
    >>> proof["derivative"], proof["f0"], proof["min_derivative"], proof["proved"]
    ((2*p - 1)/(p - 1), 0, 0, True)
    >>> log_bound_proof(1)["proved"], log_bound_proof(1)["negative_on"]
    (False, Interval.Lopen(0, 1/2))
    """
    c = sympy.Rational(Fraction(constant).numerator, Fraction(constant).denominator)
    p = sympy.Symbol("p", real=True)
    interval = sympy.Interval(0, sympy.Rational(1, 2))
    f = c * p + sympy.log(1 - p)
    derivative = sympy.simplify(sympy.diff(f, p))
    f0 = sympy.simplify(f.subs(p, 0))
    minimum = sympy.minimum(derivative, p, interval)
    negative = sympy.solveset(derivative < 0, p, domain=interval)
    proved = bool(f0 == 0 and minimum >= 0 and negative == sympy.EmptySet)
    return {
        "f": f,
        "derivative": derivative,
        "f0": f0,
        "min_derivative": minimum,
        "negative_on": negative,
        "proved": proved,
    }


def _fraction(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def epsilons():
    """ε > 0, exact: round values, tiny values (down to 2^-40) and values above 1.

    >>> from hypothesis import find, settings
    >>> find(epsilons(), lambda e: e > 1, settings=settings(database=None, derandomize=True))
    Fraction(2, 1)
    """
    specials = [
        Fraction(1, 10),
        Fraction(1),
        Fraction(2),
        Fraction(1, 1000),
        Fraction(1, 10**6),
        Fraction(1, 2**40),
        Fraction(100),
    ]
    return st.one_of(
        st.sampled_from(specials), st.fractions(min_value=Fraction(1, 10**4), max_value=10, max_denominator=10**4)
    )


def _force_zero(policy: theory.FiniteStatePolicy, action: int) -> theory.FiniteStatePolicy:
    """The same machine with the initial state's probability of ``action`` moved to the next action."""
    em = [list(row) for row in policy.emission("exact")]
    row = em[policy.initial_state]
    row[(action + 1) % len(row)] += row[action]
    row[action] = Fraction(0)
    return theory.FiniteStatePolicy(em, policy.transition, policy.initial_state)


def _force_positive(policy: theory.FiniteStatePolicy, action: int) -> theory.FiniteStatePolicy:
    """The same machine with the initial state's row averaged with a point mass on ``action``."""
    em = [list(row) for row in policy.emission("exact")]
    row = em[policy.initial_state]
    em[policy.initial_state] = [(x + (1 if i == action else 0)) / 2 for i, x in enumerate(row)]
    return theory.FiniteStatePolicy(em, policy.transition, policy.initial_state)


@st.composite
def bayes_cases(draw, *, max_others=2, max_horizon=3):
    """A mixture ξ over τ, π and up to ``max_others`` other components, with τ giving probability 0 at its first
    step to an action π takes there; an environment and a horizon.

    Instances: ``{"form": "bayes", "tau", "pi", "others", "prior", "env", "horizon"}``.
    """
    n_a, n_o = draw(S.alphabets(min_actions=2, max_actions=3, max_observations=2))
    policies = S.finite_state_policies(n_actions=n_a, n_observations=n_o, max_states=2)
    action = draw(st.integers(0, n_a - 1))
    tau = _force_zero(draw(policies), action)
    pi = _force_positive(draw(policies), action)
    others = tuple(draw(st.lists(policies, max_size=max_others)))
    prior = draw(S.priors(2 + len(others)))
    env = draw(S.finite_state_environments(n_actions=n_a, n_observations=n_o, max_states=2))
    return {
        "form": "bayes",
        "tau": tau,
        "pi": pi,
        "others": others,
        "prior": prior,
        "env": env,
        "horizon": draw(st.integers(1, max_horizon)),
    }


def instances():
    """Instances of both forms: ``{"form": "bernoulli", "epsilon"}`` first (it shrinks there), then the Bayesian
    form (:func:`bayes_cases`)."""
    return st.one_of(st.builds(lambda e: {"form": "bernoulli", "epsilon": e}, epsilons()), bayes_cases())


def examples() -> list[dict]:
    """The fixed instances every check certifies: ε = 1/10, ε = 10^-9, and a two-component mixture.

    >>> [x["form"] for x in examples()]
    ['bernoulli', 'bernoulli', 'bayes']
    """
    fair = fair_coin(n_observations=2)
    const0 = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
    rare = theory.FiniteStateEnvironment([[["99/100", "1/100"], ["99/100", "1/100"]]], [[[0, 0], [0, 0]]])
    return [
        {"form": "bernoulli", "epsilon": Fraction(1, 10)},
        {"form": "bernoulli", "epsilon": Fraction(1, 10**9)},
        # τ never switches, π is a fair coin, ξ their even mixture: KL(τ‖ξ) = ln 2 exactly over one step.
        {
            "form": "bayes",
            "tau": const0,
            "pi": fair,
            "others": (),
            "prior": (Fraction(1, 2), Fraction(1, 2)),
            "env": rare,
            "horizon": 3,
        },
    ]


def make(
    constant=Fraction(2),
    *,
    halve: bool = True,
    tau_zero: bool = True,
    bayes_scale=Fraction(1),
    id: str = "prop1-no-triangle",
    kind: str = "witness",
    max_examples: int = 100,
) -> Claim:
    """The witness check; the defaults are the paper's family and bounds.

    ``constant``: the c in −ln(1 − p) ≤ c·p ≤ ε (the family's p is min(ε, 1)/2 when ``halve``, else min(ε, 1));
    ``tau_zero``: τ = Bernoulli(0) (else Bernoulli(p/2)); ``bayes_scale``: the Bayesian bound is
    ``bayes_scale·ln(1/w)``.
    """
    c = Fraction(constant)
    scale = Fraction(bayes_scale)

    def bernoulli_parts(x, arith):
        eps = Fraction(x["epsilon"])
        p = min(eps, Fraction(1)) / (2 if halve else 1)
        tau = (1, 0) if tau_zero else (1 - p / 2, p / 2)
        pi = beta = (1 - p, p)
        e = arith.convert(eps)
        kl_tau_beta = theory.kl(tau, beta, arith=arith)
        proof = log_bound_proof(c)
        neg_log = math.inf if p == 1 else -arith.log(arith.convert(1 - p))
        return [
            Part("KL(π‖β) ≤ ε", theory.kl(pi, beta, arith=arith), "<=", e),
            Part("KL(τ‖β) ≤ ε", kl_tau_beta, "<=", e),
            Part("KL(π‖τ) = ∞", theory.kl(pi, tau, arith=arith), "==", math.inf),
            Part(f"−ln(1−p) ≤ {c}·p", neg_log, "<=", arith.convert(c * p)),
            Part(f"{c}·p ≤ ε", arith.convert(c * p), "<=", e),
            Part(
                f"sympy: f(0) = 0 for f(p) = {c}p + ln(1−p)",
                arith.convert(_fraction(proof["f0"])),
                "==",
                arith.convert(0),
            ),
            Part(
                "sympy: min of f′ on [0, 1/2] ≥ 0",
                arith.convert(_fraction(proof["min_derivative"])),
                ">=",
                arith.convert(0),
            ),
        ]

    def bayes_parts(x, arith):
        comps = [x["tau"], x["pi"]] + list(x["others"])
        prior = [Fraction(w) for w in x["prior"]]
        total = sum(prior)
        xi = theory.BayesianMixture(comps, prior)
        env, m = x["env"], x["horizon"]
        parts = []
        for name, i in (("τ", 0), ("π", 1)):
            bound = arith.log(arith.convert(total / prior[i])) * arith.convert(scale)
            parts.append(
                Part(
                    f"KL^μ(h,m)({name}‖ξ) ≤ ln(1/w_{name})",
                    theory.trajectory_kl(comps[i], xi, env, m, arith=arith),
                    "<=",
                    bound,
                )
            )
            parts.append(
                Part(
                    f"worst-case KL(h,m)({name}‖ξ) ≤ ln(1/w_{name})",
                    theory.worst_case_kl(comps[i], xi, env, m, arith=arith),
                    "<=",
                    bound,
                )
            )
        parts.append(
            Part("KL^μ(h,m)(π‖τ) = ∞", theory.trajectory_kl(x["pi"], x["tau"], env, m, arith=arith), "==", math.inf)
        )
        return parts

    def parts(x, arith):
        return bernoulli_parts(x, arith) if x["form"] == "bernoulli" else bayes_parts(x, arith)

    changed = []
    if c != 2:
        changed.append(f"constant {c}")
    if not halve:
        changed.append("p = min(ε, 1)")
    if not tau_zero:
        changed.append("τ = Bernoulli(p/2)")
    if scale != 1:
        changed.append(f"Bayesian bound ×{scale}")
    return Claim(
        id=id,
        title=variant_title("No triangle inequality: KL(π‖β), KL(τ‖β) ≤ ε yet KL(π‖τ) = ∞", changed),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell, 'RL, but don't do anything I wouldn't do' (arXiv 2410.06213), "
        "Proposition 1",
        statement="For every ε > 0 there are π, β, τ with KL(π‖β) ≤ ε, KL(τ‖β) ≤ ε and KL(π‖τ) = ∞. Witness: "
        "τ = Bernoulli(0), π = β = Bernoulli(p), p = min(ε, 1)/2. Bayesian form: if β = ξ is a mixture "
        "containing τ and π (prior weights w_τ, w_π), then KL(τ‖ξ) ≤ ln(1/w_τ) and KL(π‖ξ) ≤ ln(1/w_π) "
        "over any horizon, yet KL(π‖τ) = ∞ whenever π puts mass where τ puts none.",
        latex=r"\forall \varepsilon>0\ \exists \pi,\beta,\tau:\ \mathrm{KL}(\pi\|\beta)\le\varepsilon,\ "
        r"\mathrm{KL}(\tau\|\beta)\le\varepsilon,\ \mathrm{KL}(\pi\|\tau)=\infty;\quad "
        r"\mathrm{KL}_{h,m}(\nu\|\xi)\le\ln\frac{1}{w_\nu}\ (\nu\in\{\tau,\pi\})",
        how="The Bernoulli witness for drawn exact ε > 0: the three KLs exactly, and sympy's proof of "
        "−ln(1−p) ≤ 2p; the Bayesian form on drawn finite-state mixtures, horizons 1–3: expected and "
        "worst-case KL(τ‖ξ), KL(π‖ξ) against ln(1/w), and KL(π‖τ) = ∞.",
        derived="The Bayesian bound is checked with the mixture's normalized prior weight w/Σw, which is at least "
        "the raw weight w, so ln(Σw/w) ≤ ln(1/w): the form checked implies the paper's.",
        given=instances(),
        parts=parts,
        examples=examples,
        max_examples=max_examples,
    )


CLAIM = make()

"""``reactive-worst-case``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/reactive-worst-case.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = echo_example()
>>> [(p.lhs, p.rhs) for p in CLAIM.parts(x, theory.get_context("exact"))][2:4]   # KL^μ ≤ W and Def. 2 ≤ W
[(LogLinear(1*ln(2)), LogLinear(1*ln(2))), (LogLinear(1/2*ln(2)), LogLinear(1*ln(2)))]
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import theory
from proofs_checks.cases import BLIND_MODES, reactive_cases, worst_case_form
from proofs_checks.claim import Claim, Part
from proofs_checks.worlds import delayed_echo, echo_example
from theory.validation import option

__all__ = ["CLAIM", "make", "adaptive_leaf_kl", "maximizing_environment", "examples"]


def _is_inf(x) -> bool:
    return isinstance(x, float) and math.isinf(x)


def adaptive_leaf_kl(pi, beta, n_observations: int, horizon: int, history=(), *, arith, choices=None):
    """The maximum over adaptive deterministic observation choices (an observation for every history and action)
    of ``Σ_x π(x)·ln(π(x)/β(x))`` over the trajectories x, enumerated leaf by leaf from the policies' own
    probabilities (``policy.probs``, ``policy.abstain``): one logarithm of the product ratio per leaf, no
    per-step KL. ``math.inf`` when some choice leads π to a leaf β gives probability 0.

    Each subtree below a history carries π's whole mass at that history (⊥ ends a leaf), so comparing subtrees'
    leaf sums compares the continuations: the maximum is taken at every (history, action). ``choices``, when a
    dict, receives the first maximizing observation at every (history, action) π reaches.

    >>> import theory
    >>> x = echo_example()
    >>> adaptive_leaf_kl(x["pi"], x["beta"], 2, 2, arith="exact")
    LogLinear(1*ln(2))
    """
    ctx = theory.get_context(arith)
    start = tuple((int(s[0]), int(s[1])) for s in history)

    def zero(v) -> bool:
        return bool(ctx.is_zero(v))

    def best_of(values):
        best = ctx.maximum(np.array(values, dtype=object), axis=0)
        return best.item() if isinstance(best, np.ndarray) else best

    def first_argmax(values) -> int:
        try:
            return ctx.argmax_set(values)[0]
        except ArithmeticError:
            # Enclosures that cannot separate tied maximizers: any of them attains the maximum.
            return int(np.argmax([ctx.to_float(v) for v in values]))

    def visit(h, p_pi, p_beta, t):
        if t == horizon:
            return p_pi * ctx.log(p_pi / p_beta)
        a_pi, a_beta = pi.probs(h, arith=ctx), beta.probs(h, arith=ctx)
        total = ctx.convert(0)
        if pi.semi:
            bot = ctx.convert(pi.abstain(h, arith=ctx))
            if not zero(bot):
                bot_beta = ctx.convert(beta.abstain(h, arith=ctx)) if beta.semi else ctx.convert(0)
                if zero(bot_beta):
                    return math.inf
                total = total + p_pi * bot * ctx.log(p_pi * bot / (p_beta * bot_beta))
        for a in range(len(a_pi)):
            if zero(a_pi[a]):
                continue
            if zero(a_beta[a]):
                return math.inf
            values = []
            for o in range(n_observations):
                v = visit(h + ((a, o),), p_pi * a_pi[a], p_beta * a_beta[a], t + 1)
                if _is_inf(v):
                    return math.inf
                values.append(v)
            best = best_of(values)
            if choices is not None:
                choices[(h, a)] = first_argmax(values)
            total = total + best
        return total

    with ctx.scope():
        if horizon == 0:
            return ctx.convert(0)
        return visit(start, ctx.convert(1), ctx.convert(1), 0)


class _Choices:
    """``(history, action) -> law`` of a deterministic environment that emits the recorded observation (the first
    one where nothing is recorded: π never goes there)."""

    def __init__(self, choices: dict, n_observations: int):
        self.choices, self.n_observations = choices, n_observations

    def __call__(self, history, action):
        o = self.choices.get((tuple((int(s[0]), int(s[1])) for s in history), action), 0)
        return [Fraction(int(i == o)) for i in range(self.n_observations)]

    def __repr__(self) -> str:
        return f"(the observations maximizing the expected KL: {self.choices!r})"


def maximizing_environment(pi, beta, n_observations: int, horizon: int, history=(), *, arith="exact"):
    """``(environment, W)``: the deterministic environment making the maximizing choices of
    :func:`adaptive_leaf_kl`, as a :class:`theory.FunctionEnvironment`, and the maximum W itself.

    >>> import theory
    >>> x = echo_example()
    >>> env, w = maximizing_environment(x["pi"], x["beta"], 2, 2)
    >>> [list(env.probs((), a, arith="exact")) for a in (0, 1)]     # it echoes the action
    [[Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(1, 1)]]
    >>> theory.trajectory_kl(x["pi"], x["beta"], env, 2, arith="exact") == w
    True
    """
    choices: dict = {}
    w = adaptive_leaf_kl(pi, beta, n_observations, horizon, history, arith=arith, choices=choices)
    env = theory.FunctionEnvironment(pi.n_actions, n_observations, _Choices(choices, n_observations))
    return env, w


def examples(blind: str = "blind") -> list[dict]:
    """The named instances certified on every check: the echo example, and the delayed echo (whose environment
    is action-blind only in its current rows: it serves as μ, and as the ``blind`` environment only for the
    ``blind="rows"`` variant).

    >>> [x["name"] for x in examples()], examples("rows")[1]["blind"] is examples("rows")[1]["env"]
    (['echo', 'delayed-echo'], False)
    """
    echo, late = echo_example(), delayed_echo()
    if blind == "dropped":
        echo["blind"] = echo["env"]
    if blind != "rows":
        late["blind"] = echo_example()["blind"]
    return [echo, late]


#: Which environments part 3 (the expected KL against Definition 2) is checked in, per variant.
_BLIND_SCOPE = {
    "blind": "in an action-blind environment",
    "dropped": "in every environment (the false variant)",
    "rows": "when observations ignore only the current action (the false variant)",
}


def make(
    *,
    bound: str = "reactive",
    blind: str = "blind",
    id: str = "reactive-worst-case",
    kind: str = "theorem",
    max_examples: int = 40,
) -> Claim:
    """The reactive worst-case check. False variants: ``bound="definition-2"`` (Definition 2 in place of the
    reactive worst case W), ``blind="dropped"`` (part 3 for any environment) and ``blind="rows"`` (part 3 for
    environments whose current observation law ignores the current action, but whose state remembers actions).

    >>> make(bound="definition-2").title
    'Definition 2 bounds the expected KL and equals the maximum over environments (false)'
    """
    upper = worst_case_form(bound)
    option(blind, name="blind", choices=BLIND_MODES)
    name = "W" if bound == "reactive" else "Definition 2"

    def parts(x, arith):
        pi, beta, env, m, h = x["pi"], x["beta"], x["env"], x["horizon"], x["history"]
        n_obs = env.n_observations
        w = upper(pi, beta, env, m, h, arith=arith)
        worst_env, reference = maximizing_environment(pi, beta, n_obs, m, h, arith=arith)
        attained = reference if _is_inf(reference) else theory.trajectory_kl(pi, beta, worst_env, m, h, arith=arith)
        expected = theory.trajectory_kl(pi, beta, env, m, h, arith=arith)
        open_loop = theory.worst_case_kl(pi, beta, env, m, h, arith=arith)
        blind_kl = theory.trajectory_kl(pi, beta, x["blind"], m, h, arith=arith)
        return [
            Part(
                f"{name} = max over adaptive observation choices of Σ_x π(x) ln(π(x)/β(x)) (leaves)", w, "==", reference
            ),
            Part(f"the maximizing deterministic environment attains it: KL^μ* = {name}", attained, "==", w),
            Part(f"expected KL under the drawn μ ≤ {name}", expected, "<=", w),
            Part(f"Definition 2 ≤ {name}", open_loop, "<=", w),
            Part(
                "expected KL under an action-blind μ ≤ Definition 2"
                if blind == "blind"
                else "expected KL under μ ≤ Definition 2 ("
                + ("any μ" if blind == "dropped" else "μ blind to the current action only")
                + ", false)",
                blind_kl,
                "<=",
                open_loop,
            ),
        ]

    if bound == "definition-2":
        title = "Definition 2 bounds the expected KL and equals the maximum over environments (false)"
    elif blind == "dropped":
        title = "Definition 2 bounds the expected KL in every environment (false)"
    elif blind == "rows":
        title = "Definition 2 bounds the expected KL when observations ignore the current action (false)"
    else:
        title = (
            "the reactive worst case bounds the expected KL and Definition 2; Definition 2 bounds it when "
            "observations ignore actions"
        )
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell (arXiv 2410.06213), Definition 2 (worst-case trajectory KL) "
        "against the expected KL of §2; the reactive worst case is ours",
        derived="Ours, not in the paper: the reactive worst case W (the expected KL maximized over environments, an "
        "expectimax over observations) and the three relations. KL^μ ≤ W because W maximizes over μ; "
        "Definition 2 ≤ W because a fixed observation sequence is one environment's choice; and for an "
        "environment whose observations depend on past observations only, the trajectory law is a "
        "ν(o)-mixture of open-loop laws, so KL^ν = Σ_o ν(o)·KL(π(·|o)‖β(·|o)) ≤ Definition 2.",
        statement="For all policies π, β (semi-distributions allowed, ⊥ ending a trajectory), start histories h and "
        "horizons m, with W(h') = Σ_a π(a|h')[ln(π(a|h')/β(a|h')) + max_o W(h'ao)] (W = 0 after m "
        "steps): KL^μ_{h,m}(π‖β) ≤ W(h) for every environment μ, with equality for a deterministic "
        "one; KL_{h,m}(π‖β) (Definition 2) ≤ W(h); and KL^ν_{h,m}(π‖β) ≤ KL_{h,m}(π‖β) for every "
        "environment ν whose observations do not depend on the agent's actions.",
        latex=r"\mathrm{KL}^{\mu}_{h,m}(\pi\|\beta)\le \max_{\mu'}\mathrm{KL}^{\mu'}_{h,m}(\pi\|\beta) = W(h),\quad"
        r"\overline{\mathrm{KL}}_{h,m}(\pi\|\beta)\le W(h),\quad"
        r"\mathrm{KL}^{\nu}_{h,m}(\pi\|\beta)\le\overline{\mathrm{KL}}_{h,m}(\pi\|\beta)"
        r"\ \text{if }\nu\text{ ignores actions}",
        how="Random finite-state π, β, μ, |O| = 2, horizons 2–3: W (theory.reactive_worst_case_kl) against an "
        "independent enumeration, the expected KL and Definition 2 (theory.worst_case_kl); the expected KL "
        f"{_BLIND_SCOPE[blind]} against Definition 2; all decided exactly.",
        given=reactive_cases(blind=blind),
        examples=lambda: examples(blind),
        parts=parts,
        max_examples=max_examples,
        scope_limit=120,
    )


CLAIM = make()

"""``telescoping``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/telescoping.md.

>>> CLAIM.kind, CLAIM.expected
('theorem', 'holds')
>>> import theory
>>> x = {"pi": theory.FiniteStatePolicy.iid(["1/2", "1/2"]), "beta": theory.FiniteStatePolicy.iid(["1/4", "3/4"]),
...      "env": theory.sequence_environment(2), "horizon": 3, "split": 1, "history": ()}
>>> [p.holds for p in CLAIM.evaluate(x, "exact").parts]
[True, True]
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

import theory
from proofs_checks.claim import Claim, Part
from proofs_checks.cases import trajectory_cases
from proofs_checks.reference import BOTTOM, trajectory_leaves
from proofs_checks.worlds import policy_pairs
from theory.validation import option

__all__ = ["CLAIM", "make", "examples", "split_cases", "continuation_term", "add"]


def add(a, b):
    """``a + b`` where either may be ``math.inf`` (KLs are never −∞).

    >>> add(1, math.inf), add(1, 2)
    (inf, 3)
    """
    if (isinstance(a, float) and math.isinf(a)) or (isinstance(b, float) and math.isinf(b)):
        return math.inf
    return a + b


def _histories_after(x, arith, under):
    """The j-step extensions h' of the start history with their probabilities under ``under`` and μ
    (⊥-ended ones dropped: they have no continuation)."""
    leaves = trajectory_leaves(x["pi"], x["beta"], x["env"], x["split"], x["history"], arith=arith, under=under)
    return [(steps, mass) for steps, mass, _, _ in leaves if not (steps and steps[-1] == BOTTOM)]


def continuation_term(x, arith, *, under="pi"):
    """``Σ_{h'} P^{under,μ}_h(h') · KL^μ_{h',m−j}(π‖β)`` over the j-step extensions h' of the start history.

    >>> import theory
    >>> pi, beta = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    >>> x = {"pi": pi, "beta": beta, "env": theory.sequence_environment(2), "horizon": 3, "split": 1, "history": ()}
    >>> continuation_term(x, theory.get_context("exact"))   # two more steps, ln 2 each
    LogLinear(2*ln(2))
    """
    ctx = theory.get_context(arith)
    total = ctx.convert(0)
    rest = x["horizon"] - x["split"]
    for steps, mass in _histories_after(x, ctx, under):
        kl = theory.trajectory_kl(x["pi"], x["beta"], x["env"], rest, tuple(x["history"]) + steps, arith=ctx)
        if isinstance(kl, float) and math.isinf(kl):
            return math.inf
        total = total + mass * ctx.convert(kl)
    return total


def _worst_continuation(x, arith):
    """``max_{h'} WC_{h',m−j}(π‖β)`` over the j-step extensions with π-positive actions and any observations."""
    ctx = theory.get_context(arith)
    pi, beta, n_obs = x["pi"], x["beta"], x["env"].n_observations
    rest = x["horizon"] - x["split"]
    values = []

    def visit(h, t):
        if t == x["split"]:
            values.append(theory.worst_case_kl(pi, beta, x["env"], rest, h, arith=ctx))
            return
        probs = pi.probs(h, arith=ctx)
        for a in range(len(probs)):
            if not bool(ctx.is_zero(probs[a])):
                for o in range(n_obs):
                    visit(h + ((a, o),), t + 1)

    visit(tuple(x["history"]), 0)
    if not values:  # π abstains surely within the first j steps: nothing continues
        return ctx.convert(0)
    if any(isinstance(v, float) and math.isinf(v) for v in values):
        return math.inf
    best = values[0]
    for v in values[1:]:
        if ctx.sign(ctx.convert(v) - ctx.convert(best)) > 0:
            best = v
    return best


@st.composite
def split_cases(draw, **kw):
    """:func:`~proofs_checks.cases.trajectory_cases` with a horizon of 2–3 and a split j in 0..m.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(split_cases())
    ... def check(x):
    ...     assert 2 <= x["horizon"] <= 3 and 0 <= x["split"] <= x["horizon"]
    >>> check()
    """
    x = draw(trajectory_cases(min_horizon=2, **kw))
    m = x["horizon"]
    x["split"] = draw(st.one_of(st.integers(1, m - 1), st.sampled_from([0, m])))
    return x


def examples() -> list[dict]:
    """The fixed examples: those of ``chain-rule`` over at least two steps, split after the first.

    >>> [x["split"] for x in examples()]
    [1, 1, 1, 1]
    """
    out = []
    for x in policy_pairs():
        y = dict(x)
        y["horizon"] = max(x["horizon"], 2)
        y["split"] = 1
        out.append(y)
    return out


def make(*, weights="pi", worst_case="inequality", id="telescoping", kind="theorem") -> Claim:
    """The telescoping check. False variants: ``weights="beta"`` (h' weighed by P^{β,μ}) and
    ``worst_case="equality"`` (the worst-case form claimed to telescope with the μ-expectation).

    >>> make(worst_case="equality").title
    'the worst-case trajectory KL telescopes with equality (false)'
    """
    option(weights, name="weights", choices=("pi", "beta"))
    option(worst_case, name="worst_case", choices=("inequality", "equality"))

    def parts(x, arith):
        pi, beta, env, h, m, j = x["pi"], x["beta"], x["env"], x["history"], x["horizon"], x["split"]
        whole = theory.trajectory_kl(pi, beta, env, m, h, arith=arith)
        first = theory.trajectory_kl(pi, beta, env, j, h, arith=arith)
        out = [
            Part(
                "expected: KL_{h,m} = KL_{h,j} + E[KL_{h',m-j}]",
                whole,
                "==",
                add(first, continuation_term(x, arith, under=weights)),
            )
        ]
        wc_whole = theory.worst_case_kl(pi, beta, env, m, h, arith=arith)
        wc_first = theory.worst_case_kl(pi, beta, env, j, h, arith=arith)
        if worst_case == "inequality":
            out.append(
                Part(
                    "worst case: WC_{h,m} <= WC_{h,j} + max_h' WC_{h',m-j}",
                    wc_whole,
                    "<=",
                    add(wc_first, _worst_continuation(x, arith)),
                )
            )
        else:
            out.append(
                Part(
                    "worst case: WC_{h,m} = WC_{h,j} + E[WC_{h',m-j}] (false)",
                    wc_whole,
                    "==",
                    add(wc_first, _expected_worst_continuation(x, arith)),
                )
            )
        return out

    if worst_case == "equality":
        title = "the worst-case trajectory KL telescopes with equality (false)"
    elif weights == "beta":
        title = "telescoping with h' weighed by P^{β,μ} (false)"
    else:
        title = "KL_{h,m} = KL_{h,j} + E[KL_{h',m−j}] (expected form); the worst case only ≤"
    return Claim(
        id=id,
        title=title,
        kind=kind,
        reference="Chain rule for KL over the first j steps (used in the proofs of the paper's Theorems 1 and 4); "
        "the worst-case form is the paper's Definition 2",
        derived="The spec writes the continuation as KL_{h',m}; with horizons counted in steps after the start "
        "history (the spec's convention) the remaining horizon after j steps is m − j, which is what is "
        "checked. The worst-case inequality is derived here (the worst case does not telescope with "
        "equality).",
        statement="For all π, β (semi-distributions allowed), μ, h, m and 0 ≤ j ≤ m: KL^μ_{h,m}(π‖β) = "
        "KL^μ_{h,j}(π‖β) + Σ_{h'} P^{π,μ}_h(h') KL^μ_{h',m−j}(π‖β), h' ranging over the j-step "
        "extensions of h. The worst-case form satisfies only WC_{h,m} ≤ WC_{h,j} + max_{h'} WC_{h',m−j}.",
        latex=r"\mathrm{KL}^{\mu}_{h,m}(\pi\|\beta) = \mathrm{KL}^{\mu}_{h,j}(\pi\|\beta) + \sum_{h'}"
        r" P^{\pi,\mu}_h(h')\,\mathrm{KL}^{\mu}_{h',m-j}(\pi\|\beta),\qquad"
        r" \overline{\mathrm{KL}}_{h,m} \le \overline{\mathrm{KL}}_{h,j} + \max_{h'}"
        r" \overline{\mathrm{KL}}_{h',m-j}",
        how="Random finite-state π, β, μ, horizons 2–3, every split j: KL_{h,m} against KL_{h,j} plus the "
        "expected KL from the j-step extensions (enumerated independently), an exact equality; the "
        "worst-case inequality likewise, exactly.",
        given=split_cases(),
        examples=examples,
        parts=parts,
        max_examples=100,
    )


def _expected_worst_continuation(x, arith):
    ctx = theory.get_context(arith)
    total = ctx.convert(0)
    rest = x["horizon"] - x["split"]
    for steps, mass in _histories_after(x, ctx, "pi"):
        wc = theory.worst_case_kl(x["pi"], x["beta"], x["env"], rest, tuple(x["history"]) + steps, arith=ctx)
        if isinstance(wc, float) and math.isinf(wc):
            return math.inf
        total = total + mass * ctx.convert(wc)
    return total


CLAIM = make()

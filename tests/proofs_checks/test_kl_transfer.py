"""proofs_checks.kl_transfer: the top-set margin agrees with theory's top set, every kind of π is drawn and only
abstaining ones get the delegated parts, and the delegated bound is attained exactly by a scaled demonstrator."""

import pytest
from hypothesis import given, settings

import theory
from proofs_checks import kl_transfer

BOUND = (
    "delegated: KL^μ_{h,m}(π→μ ‖ μ) ≤ KL^μ_{h,m}(π‖ν_α) along the delegated trajectories + E Σ_t (1−θ_t) ln(1/(1−θ_t))"
)


@settings(max_examples=40, deadline=None)
@given(kl_transfer.imitation_cases(clamp_alpha=False))
def test_top_set_margin_agrees_with_theory_top_set(x):
    mixture, mu, alpha = x["mixture"], x["mu"], x["alpha"]
    weights = list(mixture.posterior(x["history"], arith="exact"))
    member = mu in theory.top_set(mixture, x["history"], alpha, arith="exact")
    assert (kl_transfer.top_set_margin(weights, mu, alpha) >= 0) == member


def test_abstaining_kinds_are_drawn_and_delegated_parts_only_for_them():
    seen = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(kl_transfer.imitation_cases(max_horizon=1))
    def run(x):
        seen.add(x["pi_kind"])
        imitator = theory.PessimisticImitator(x["mixture"], x["alpha"])
        pi = kl_transfer.pi_of(x, imitator)
        names = {p.name for p in kl_transfer.transfer_parts(x, theory.get_context("exact"))}
        assert (BOUND in names) == pi.semi == (x["pi_kind"] in kl_transfer.ABSTAINING_KINDS)
        if x["pi_kind"] == "within":
            # Its support lies within ν_α's.
            p, q = pi.probs(x["history"], arith="exact"), imitator.probs(x["history"], arith="exact")
            assert all(q[a] > 0 for a in range(len(p)) if p[a] > 0)

    run()
    assert set(kl_transfer.ABSTAINING_KINDS) <= seen


@pytest.mark.parametrize("arith", ["exact", "ball"])
def test_the_delegated_bound_is_attained_by_a_scaled_demonstrator(arith):
    # ν_α = μ and π = c·μ (abstaining with 1 − c): π→μ = μ, so KL(π→μ‖μ) = 0, and the bound is
    # Σ_t [c ln c + c ln(1/c)] = 0 too: the acting term is exactly what the raw sum's reward for abstaining needs.
    mu = theory.FiniteStatePolicy.iid(["1/3", "2/3"])
    pi = theory.FiniteStatePolicy.iid(["1/6", "1/3"], semi=True)  # c = 1/2
    env, ctx = theory.sequence_environment(2), theory.get_context(arith)
    kw = {"arith": arith, "convention": "actions", "demonstrator": mu}
    raw = theory.trajectory_kl(pi, mu, env, 2, **kw)
    # (Arithmetic on balls rounds to the working precision of the context's scope.)
    with ctx.scope():
        acting = -theory.trajectory_kl(pi, kl_transfer.renormalized(pi), env, 2, **kw)
        total = raw + acting
    assert ctx.sign(ctx.convert(raw)) < 0 and ctx.sign(ctx.convert(acting)) > 0
    lhs = theory.trajectory_kl(kl_transfer.delegated(pi, mu), mu, env, 2, arith=arith)
    if arith == "exact":
        assert total == 0 and lhs == 0
    else:
        # A ball cannot decide a zero; it encloses it, to the working precision.
        for v in (total, lhs):
            assert v.contains(0) and v.rad() < 1e-30, v

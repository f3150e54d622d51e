"""thm1-novel-situations: the theorem holds, on the finite class and on classes closed under the switch map; the
check fails for a tightened bound (Δ·ln 2 on the finite class, one closure level too tight, below Δ·ln 2 on the
full closure) or an event that is not novel; the paper's looser printed bound holds; certificates replay; the toy
world's numbers and the closure table match closed forms."""

import json
import math
from fractions import Fraction

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import thm1_novel_situations as thm1
from proofs_checks.instances import decode, encode
from proofs_checks.worlds import world
from theory.arith import LogLinear


def test_the_theorem_holds():
    result = check(thm1.CLAIM, max_examples=10)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)
    # The world and both closure tables were certified, and the table came with the check.
    fixed = [x.get("world") or x.get("closure") for x, _ in result.certified]
    assert fixed.count("novel-situation") >= 3
    assert [row[:2] for row in result.table["rows"]][:6] == [
        [1, "1"],
        [1, "2"],
        [1, "4"],
        [1, "8"],
        [1, "16"],
        [1, "∞"],
    ]


def _one_deterministic_model(delta, depth, horizon=1):
    tau = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
    coin = theory.FiniteStateEnvironment([[["1/2", "1/2"]] * 2], [[[0, 0], [0, 0]]])
    return {
        "models": (tau,),
        "prior": (Fraction(1),),
        "delta": delta,
        "depth": depth,
        "event": ("observation", 1),
        "utility": theory.MeanReward([[0, 0], [1, 1]]),
        "env": coin,
        "horizon": horizon,
        "history": ((0, 0), (0, 1)),
    }


def _worst_case_part(ev):
    (part,) = [p for p in ev.parts if p.name.startswith("worst-case KL")]
    return part


def test_delta_ln2_is_not_a_bound_on_the_finite_class():
    result = check(thm1.make(bound="Δ·ln2", depths=(1,), id="thm1-delta-ln2-finite"), max_examples=20)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"
    assert result.counterexample["depth"] == 1 and result.counterexample["delta"] == 1
    # The spec's counterexample: one deterministic model, Δ = 1, horizon 1 costs ln 3 > ln 2 = Δ·ln 2.
    ev = thm1.make(bound="Δ·ln2", depths=(1,)).evaluate(_one_deterministic_model(1, 1), "exact")
    part = _worst_case_part(ev)
    assert ev.holds is False and part.holds is False
    assert part.lhs == LogLinear.log(3) and part.rhs == LogLinear.log(2)


def test_delta_ln2_bounds_the_full_closure_and_is_attained():
    result = check(thm1.make(bound="Δ·ln2", depths=(None,), id="thm1-delta-ln2-closed"), max_examples=10)
    assert result.verdict == "holds"
    for delta in (1, 5):
        ev = thm1.CLAIM.evaluate(_one_deterministic_model(delta, None, horizon=2), "exact")
        assert ev.holds and _worst_case_part(ev).lhs == LogLinear.log(2) * delta


def test_a_bound_below_delta_ln2_is_refuted_on_the_full_closure():
    result = check(thm1.make(bound="Δ·ln2−1/1000", depths=(None,), id="thm1-below-closed"), max_examples=20)
    assert result.verdict == "refuted" and result.counterexample["depth"] is None
    part = _worst_case_part(result.evaluation)
    assert part.lhs == LogLinear.log(2) * result.counterexample["delta"]


def test_one_closure_level_too_tight_is_refuted_at_finite_depth():
    result = check(thm1.make(bound="ln(1/c_{d+1})", depths=(2, 3), id="thm1-next-level"), max_examples=20)
    assert result.verdict == "refuted"
    x = result.counterexample
    assert x["depth"] in (2, 3)
    part = _worst_case_part(result.evaluation)
    assert part.rhs == LogLinear.log(1 / thm1.switching_mass(x["delta"], x["depth"] + 1)) < part.lhs
    # On the deterministic instance the cost is exactly ln(1/c_d), one level above.
    for d in (2, 3):
        ev = thm1.CLAIM.evaluate(_one_deterministic_model(2, d), "exact")
        assert ev.holds and _worst_case_part(ev).lhs == LogLinear.log(1 / thm1.switching_mass(2, d))


@pytest.fixture(scope="module")
def tightened():
    claim = thm1.make(bound="(Δ−1)·ln2", id="thm1-delta-minus-one")
    return claim, check(claim, max_examples=30)


def test_a_tightened_bound_is_refuted(tightened):
    _, result = tightened
    assert result.verdict == "refuted"
    assert result.evaluation.context == "exact"
    assert any("bound" in p.name for p in result.evaluation.violated_parts())
    # Shrunk: one model, Δ = 1, horizon 1; the bound (Δ−1)·ln 2 = 0 < ln(1 + 2) = ln(1/c).
    assert result.counterexample["delta"] == 1 and result.counterexample["horizon"] == 1


def test_delta_ln2_fails_in_the_world_by_ln_1_plus_2_to_minus_delta():
    # Δ·ln 2 is not an upper bound: the world's cost at k = 50 exceeds 10·ln 2, by at most ln(1 + 2^-10).
    x = thm1.examples()[0]
    ev = thm1.make(bound="Δ·ln2").evaluate(x, "exact")
    violated = {p.name: p for p in ev.violated_parts()}
    top = violated["k = 1..50: max_k KL(π*‖ξ)(h_k) ≤ bound"]
    excess = top.lhs - LogLinear.log(2) * 10
    assert 0 < float(excess) <= math.log(1 + 2**-10)


def test_an_event_that_already_happened_is_refuted():
    result = check(thm1.make(novel=False), max_examples=20)
    assert result.verdict == "refuted"
    names = {p.name for p in result.evaluation.violated_parts()}
    assert any("2^-Δ" in n for n in names)  # the posterior ratio moved with the data
    # In the world the same switch at an old event costs far more than ln 1025.
    ev = thm1.make(novel=False).evaluate(thm1.examples(False)[0], "exact")
    assert ev.holds is False


def test_the_papers_printed_bound_holds():
    result = check(thm1.make(bound="Δ/ln2", id="thm1-printed"), max_examples=10)
    assert result.verdict == "holds"
    # ... but loosely: 1/ln²2 ≈ 2.08 times Δ·ln 2, the full closure's (attained) bound.
    assert 2.08 < 1 / math.log(2) ** 2 < 2.09


@pytest.mark.parametrize("delta", [1, 3, 10])
def test_switching_mass_closed_form_and_limit(delta):
    s = Fraction(1, 2**delta)
    masses = [thm1.switching_mass(delta, d) for d in (1, 2, 4, 8)]
    assert masses[0] == Fraction(1, 1 + 2**delta)
    assert all(a < b < s for a, b in zip(masses, masses[1:]))
    assert thm1.switching_mass(delta, None) == s
    for d, c in zip((1, 2, 4, 8), masses):
        assert c == sum(s**j for j in range(1, d + 1)) / sum(s**j for j in range(d + 1))
        # ln(1/c_d) − Δ·ln 2 ∈ (0, s^d(1−s)/(1−s^d)]
        excess = LogLinear.log(1 / c) - LogLinear.log(2) * delta
        assert 0 < excess <= s**d * (1 - s) / (1 - s**d)


def test_bad_depths_and_bounds_are_rejected():
    with pytest.raises(ValueError, match="depth 0"):
        thm1.switching_mass(3, 0)
    with pytest.raises(ValueError, match="delta -1"):
        thm1.variant_weights(-1, 2)
    with pytest.raises(ValueError, match="'Δ·ln 2'"):
        thm1.make(bound="Δ·ln 2")
    with pytest.raises(ValueError, match="depth 'x'"):
        thm1.make(depths=(1, "x"))


def test_nested_repeated_and_merged_classes_agree():
    # Nesting Switch d times, repeating S ν, and merging the variants give the same ξ: S^j ν ≡ S ν.
    w = world("novel-situation")
    h = w.novel_history(4)
    probs = []
    for depth, merge in ((3, False), (3, True)):
        xi, variants = thm1.closed_class(w.models, (w.w_trusted, w.w_noise), 10, depth, w.event, w.optimal, merge=merge)
        assert len(variants) == (2 if merge else 6)
        probs.append(xi.probs(h, arith="exact"))
        post = xi.posterior(h, arith="exact")
        assert sum(post[v[2]] for v in variants) == thm1.switching_mass(10, 3)
    assert list(probs[0]) == list(probs[1])
    nested = thm1.closed_class((w.trusted,), (1,), 1, 3, w.event, w.optimal)[0]
    assert isinstance(nested.components[3].before, theory.Switch)  # S^3 τ really is Switch(Switch(Switch(τ)))


def test_the_idempotence_check_can_fail():
    # S(S(ν)) ≡ S(ν) is checked by counting differing rows; kernels that differ are counted.
    w = world("novel-situation")
    once = theory.Switch(w.trusted, w.event, w.optimal)
    other = theory.Switch(w.noise, w.event, w.optimal)
    h = w.novel_history(3)
    assert thm1._rows_differing(once, theory.Switch(once, w.event, w.optimal), w.optimal, h, 3, 2) == 0
    assert thm1._rows_differing(once, other, w.optimal, h, 3, 2) == 4  # the 4 steps before E differ


def test_closure_examples_hold_and_refute_delta_ln2_at_every_finite_depth():
    for x in thm1.examples()[1:]:
        assert thm1.CLAIM.evaluate(x, "exact").holds
        ev = thm1.make(bound="Δ·ln2").evaluate(x, "exact")
        violated = {p.name for p in ev.violated_parts()}
        delta = x["delta"]
        assert violated == {
            f"Δ = {delta}, d = {d}: cost = worst-case KL_{{h,2}}(π*‖ξ) ≤ bound" for d in (1, 2, 4, 8, 16)
        }  # the full closure (d = ∞) meets Δ·ln 2


def test_closure_table_converges_to_delta_ln2_from_above():
    t = thm1.closure_table()
    assert t["columns"][:4] == ["Δ", "d", "c_d = Σ_j w(S^j τ|h)", "cost = KL_{h,2}(π*‖ξ)"]
    assert len(t["rows"]) == 12 and not any("NOT" in row[-1] for row in t["rows"])
    for delta in (1, 10):
        rows = [r for r in t["rows"] if r[0] == delta]
        assert [r[1] for r in rows] == ["1", "2", "4", "8", "16", "∞"]
        assert rows[-1][4] == "0" and rows[-1][-1] == "cost = ln(1/c_d) = Δ·ln 2 < row above"
        assert rows[0][3] == rows[0][6]  # d = 1: cost = ln(1 + 2^Δ)
    # The certified costs themselves, exactly: ln(1/c_d) for Δ = 1 is ln((2^(d+1) − 1)/(2^d − 1)).
    for d in (1, 2, 4, 8, 16):
        _, cost = thm1._closure_exact(1, d, 50, 2, True)
        assert cost == LogLinear.log(Fraction(2 ** (d + 1) - 1, 2**d - 1))


def test_certificate_replays(tmp_path, tightened):
    claim, result = tightened
    path = tmp_path / "thm1.json"
    write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation), path)
    assert replay(path, claim=claim).ok


def _novel_closed_form(w, k):
    # ξ(switch | h_novel(k)) = [2^-Δ(a + b·2^-(k+1)) + b·2^-(k+2)] / [(1 + 2^-Δ)(a + b·2^-(k+1))]
    a, b, s = w.w_trusted, w.w_noise, Fraction(1, 2**w.delta)
    noise = b / 2 ** (k + 1)
    return (s * (a + noise) + noise / 2) / ((1 + s) * (a + noise))


def _old_closed_form(w, k):
    # ξ(switch | h_old(k)) = (b·2^-(k+1)/2) / (a + b·2^-(k+1)): the variants are ruled out.
    a, b = w.w_trusted, w.w_noise
    noise = b / 2 ** (k + 1)
    return (noise / 2) / (a + noise)


@pytest.mark.parametrize("k", [1, 2, 10, 50])
def test_world_numbers_match_closed_forms(k):
    w = world("novel-situation")
    xi = w.mixture
    post = xi.posterior(w.novel_history(k), arith="exact")
    assert post[2] / post[0] == post[3] / post[1] == Fraction(1, 1024)
    assert post[2] + post[3] == w.c == Fraction(1, 1025)
    assert xi.probs(w.novel_history(k), arith="exact")[1] == _novel_closed_form(w, k)
    assert xi.probs(w.old_history(k), arith="exact")[1] == _old_closed_form(w, k)
    assert w.switch_cost(w.novel_history(k), arith="exact") == LogLinear.log(1 / _novel_closed_form(w, k))
    # Old event: cost = ln 2 + ln(1 + 2^(k+1)·a/b) = ln 2 + ln(1 + 2^(k+20)) ≥ (k + 21)·ln 2.
    old = w.switch_cost(w.old_history(k), arith="exact")
    assert old == LogLinear.log(2) + LogLinear.log(1 + 2 ** (k + 20))
    assert old > LogLinear.log(2) * (k + 21)


def test_flat_versus_growing_table():
    t = world("novel-situation").cost_table(50)
    novel = [row[1] for row in t["rows"]]
    old = [row[2] for row in t["rows"]]
    bound = math.log(1025)
    assert all(bound - 1e-3 <= v <= bound + 1e-12 for v in novel)
    assert all(b - a > 0.69 for a, b in zip(old, old[1:]))
    assert old[-1] > 49


def test_the_optimizer_reaches_v_star_with_budget_ln_inverse_c():
    w = world("novel-situation")
    h = w.novel_history(50)
    pol = theory.kl_constrained_policy(
        w.mixture, w.environment, w.utility, 3, Fraction(6933, 1000), h, arith="ball:256"
    )
    assert pol.binding is False
    assert theory.get_context("ball").rational_bounds(pol.value)[0] > 1 - Fraction(1, 2**100)
    low = theory.kl_constrained_policy(w.mixture, w.environment, w.utility, 3, Fraction(1), h, arith="ball:256")
    assert low.binding and theory.get_context("ball").rational_bounds(low.value)[1] < Fraction(1, 4)


def test_expectimax_policy_is_optimal_and_deterministic():
    env = theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/4", "3/4"]]], [[[0, 0], [0, 0]]])
    u = theory.MeanReward([[0, 1], [1, 0]])
    h = ((0, 1),)
    pi = thm1.expectimax_policy(env, u, 3, h)
    assert theory.value(pi, env, u, 3, h, arith="exact") == theory.optimal_value(env, u, 3, h, arith="exact")
    for g in (h, h + ((0, 0),), h + ((1, 1), (0, 0))):
        row = pi.probs(g, arith="exact")
        assert sorted(row) == [0, 1]


def test_instances_round_trip_as_exact_json():
    for x in thm1.examples():  # the world and the closure tables (depths with None for ∞)
        y = decode(json.loads(json.dumps(encode(x))))
        assert y == x
    drawn = {
        "models": (theory.FiniteStatePolicy.iid(["1/3", "2/3"], n_observations=2),),
        "prior": (Fraction(1, 2),),
        "delta": 2,
        "event": ("observation", 1),
        "utility": theory.MeanReward([[0, 1], [1, 0]]),
        "env": theory.FiniteStateEnvironment([[["1/2", "1/2"]] * 2], [[[0, 0], [0, 0]]]),
        "horizon": 2,
        "history": ((1, 0), (0, 1)),
    }
    back = decode(json.loads(json.dumps(encode(drawn))))
    a, b = thm1.CLAIM.evaluate(drawn, "exact"), thm1.CLAIM.evaluate(back, "exact")
    assert a.holds and [(p.name, str(p.lhs), str(p.rhs)) for p in a.parts] == [
        (p.name, str(p.lhs), str(p.rhs)) for p in b.parts
    ]


def test_a_model_that_can_switch_pulls_the_cost_below_delta_ln2():
    # Only the bound ln(1/c_d) stays above Δ·ln 2 at every finite depth: with the world's noisy model (which takes
    # the switch action with probability 1/2) the cost itself drops below Δ·ln 2 from d = 8 on, at k = 50.
    w = world("novel-situation")
    h = w.novel_history(50)
    ln_delta = LogLinear.log(2) * w.delta
    costs = {}
    for depth in (4, 8, None):
        xi, _ = thm1.closed_class(w.models, (w.w_trusted, w.w_noise), w.delta, depth, w.event, w.optimal, merge=True)
        costs[depth] = theory.worst_case_kl(w.optimal, xi, w.environment, 1, h, arith="exact")
        assert costs[depth] < LogLinear.log(1 / thm1.switching_mass(w.delta, depth))
    assert costs[4] > ln_delta > costs[8] > costs[None]


def _drawn_history_lengths(novel):
    from hypothesis import HealthCheck, given, settings

    seen = set()

    @settings(max_examples=150, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(thm1.novel_cases(novel=novel))
    def draw(x):
        seen.add(len(x["history"]))

    draw()
    return seen


def test_the_drawn_histories_have_the_lengths_the_claim_states():
    # The claim's `how` (and so its page) says "a history of 1–6, 13 or 31 steps": the strategy draws a length
    # L in 0..5 or {12, 30} (1..5 when the event is not novel) and a history of L + 1 steps.
    novel, not_novel = _drawn_history_lengths(True), _drawn_history_lengths(False)
    assert novel <= {1, 2, 3, 4, 5, 6, 13, 31} and {1, 31} <= novel
    assert not_novel <= {2, 3, 4, 5, 6, 13, 31}
    assert "a history of 1–6, 13 or 31 steps" in thm1.CLAIM.how

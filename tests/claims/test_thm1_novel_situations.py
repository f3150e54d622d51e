"""thm1-novel-situations: the theorem holds; the check fails for a tightened bound or an event that is not novel;
the paper's looser printed bound holds; certificates replay; the toy world's numbers match closed forms."""

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
    x = thm1.EXAMPLES()[0]
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
    ev = thm1.make(novel=False).evaluate(thm1._examples(False)[0], "exact")
    assert ev.holds is False


def test_the_papers_printed_bound_holds():
    result = check(thm1.make(bound="Δ/ln2", id="thm1-printed"), max_examples=10)
    assert result.verdict == "holds"


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
    pol = theory.kl_constrained_policy(w.mixture, w.environment, w.utility, 3, Fraction(6933, 1000), h,
                                       arith="ball:256")
    assert pol.binding is False
    assert thm1.enclosure_bounds(pol.value)[0] > 1 - Fraction(1, 2**100)
    low = theory.kl_constrained_policy(w.mixture, w.environment, w.utility, 3, Fraction(1), h, arith="ball:256")
    assert low.binding and thm1.enclosure_bounds(low.value)[1] < Fraction(1, 4)


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
    x = thm1.EXAMPLES()[0]
    y = decode(json.loads(json.dumps(encode(x))))
    assert y == x
    drawn = {"models": (theory.FiniteStatePolicy.iid(["1/3", "2/3"], n_observations=2),), "prior": (Fraction(1, 2),),
             "delta": 2, "event": ("observation", 1), "utility": theory.MeanReward([[0, 1], [1, 0]]),
             "env": theory.FiniteStateEnvironment([[["1/2", "1/2"]] * 2], [[[0, 0], [0, 0]]]), "horizon": 2,
             "history": ((1, 0), (0, 1))}
    back = decode(json.loads(json.dumps(encode(drawn))))
    a, b = thm1.CLAIM.evaluate(drawn, "exact"), thm1.CLAIM.evaluate(back, "exact")
    assert a.holds and [(p.name, str(p.lhs), str(p.rhs)) for p in a.parts] == [
        (p.name, str(p.lhs), str(p.rhs)) for p in b.parts]

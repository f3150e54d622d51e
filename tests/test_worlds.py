"""proofs_checks.worlds: the named toy worlds are what their docstrings say, exactly."""

from fractions import Fraction

import pytest

import theory
from proofs_checks.instances import decode, encode
from proofs_checks import worlds
from proofs_checks.worlds import NovelSituation, switch_overhead_bits, world


def test_delta_is_the_policy_languages_switch_overhead():
    assert NovelSituation().delta == switch_overhead_bits() == 10
    lang = theory.PolicyLanguage(2, 2)
    for p in ("const(0)", "iid(1/2,1/2)", "iid(1/4,3/4)"):
        s = lang.parse(f"switch({p}, obs_occurred(1), const(1))")
        assert s.length - lang.parse(p).length == 10


def test_the_parts():
    w = world("novel-situation")
    h = w.novel_history(4)
    assert list(w.trusted.probs(h, arith="exact")) == [1, 0]
    assert list(w.optimal.probs(h, arith="exact")) == [0, 1]
    assert list(w.environment.probs(h, 1, arith="exact")) == [Fraction(99, 100), Fraction(1, 100)]
    assert theory.optimal_value(w.environment, w.utility, 3, h, arith="exact") == 1
    assert theory.value(w.optimal, w.environment, w.utility, 3, h, arith="exact") == 1
    assert theory.value(w.trusted, w.environment, w.utility, 3, h, arith="exact") == 0
    # Before the event the variants act as their models; at and after it, as π*.
    before = w.novel_history(4)[:-1]
    assert [list(v.probs(before, arith="exact")) for v in w.variants] == [[1, 0], [Fraction(1, 2), Fraction(1, 2)]]
    assert [list(v.probs(h, arith="exact")) for v in w.variants] == [[0, 1], [0, 1]]
    assert w.prior == (Fraction(1, 2), Fraction(1, 2**20), Fraction(1, 2**11), Fraction(1, 2**30))
    assert sum(w.prior) <= 1


def test_histories():
    w = NovelSituation()
    assert w.novel_history(2) == ((0, 0), (0, 0), (0, 1))
    assert w.old_history(2) == ((0, 1), (0, 0), (0, 0))
    assert w.event.holds(w.novel_history(2)) and not w.event.holds(w.novel_history(2)[:-1])


def test_c_and_bound():
    w = NovelSituation(delta=3)
    assert w.c == Fraction(1, 9)
    assert w.bound(arith="exact") == theory.arith.LogLinear.log(9)
    assert float(w.bound()) == pytest.approx(2.1972245773362196)


def test_switch_cost_in_every_arithmetic():
    w = world("novel-situation")
    h = w.novel_history(7)
    exact = w.switch_cost(h, arith="exact")
    ball = w.switch_cost(h, arith="ball:128")
    assert float(w.switch_cost(h)) == pytest.approx(float(exact), rel=1e-12)
    assert ball.contains(get_ball(exact))


def get_ball(x):
    return theory.get_context("ball:128").convert(x)


def test_world_cache_and_params_round_trip():
    w = world("novel-situation", delta=4)
    assert world("novel-situation", delta=4) is w and world("novel-situation") is not w
    params = decode(encode(w.params()))
    assert NovelSituation(**params) == w


@pytest.mark.parametrize(
    "bad",
    [{"delta": -1}, {"w_trusted": 0}, {"p_event": 1}, {"w_trusted": Fraction(99, 100), "w_noise": Fraction(1, 50)}],
)
def test_invalid_parameters(bad):
    with pytest.raises(ValueError):
        NovelSituation(**bad)


@pytest.mark.parametrize("name", ["policy_pairs", "three_armed_bandit", "gamble", "echo_example", "delayed_echo"])
def test_named_instances_round_trip_as_exact_json(name):
    made = getattr(worlds, name)()
    assert encode(decode(encode(made))) == encode(made)
    again = getattr(worlds, name)()
    assert encode(again) == encode(made)  # the same instance every call, as new objects
    first = again[0] if isinstance(again, list) else again
    assert first["env"] is not (made[0] if isinstance(made, list) else made)["env"]


def test_the_pieces_are_distributions_over_their_alphabets():
    for policy in (
        worlds.fair_coin(),
        worlds.fair_coin(n_observations=2),
        worlds.lean_to_zero(),
        worlds.copy_last_observation(),
    ):
        for h in ((), ((0, 0),), ((1, 0),)):
            assert sum(policy.probs(h, arith="exact")) == 1
    echo = worlds.noisy_echo()
    assert [list(echo.probs((), a, arith="exact")) for a in (0, 1)] == [
        [Fraction(9, 10), Fraction(1, 10)],
        [Fraction(1, 10), Fraction(9, 10)],
    ]

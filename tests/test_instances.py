"""Instances round-trip through exact JSON; what cannot be written exactly is refused with a clear error."""

import json
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.instances import InstanceError, decode, encode


def _roundtrip(x):
    return decode(json.loads(json.dumps(encode(x))))


@given(
    S.alphabets(max_actions=2, max_observations=2).flatmap(
        lambda ao: st.tuples(
            S.finite_state_policies(n_actions=ao[0], n_observations=ao[1]),
            S.finite_state_environments(n_actions=ao[0], n_observations=ao[1]),
            S.mixtures(n_actions=ao[0], n_observations=ao[1], max_components=3),
        )
    )
)
def test_theory_objects_round_trip_exactly(objects):
    pi, env, xi = objects
    back_pi, back_env, back_xi = _roundtrip((pi, env, xi))
    h = ((0, 0),)
    assert list(back_pi.probs(h, arith="exact")) == list(pi.probs(h, arith="exact"))
    assert (back_env.probs((), 0, arith="exact") == env.probs((), 0, arith="exact")).all()
    assert list(back_xi.posterior((), arith="exact")) == list(xi.posterior((), arith="exact"))
    assert back_xi.prior == xi.prior and back_xi.update == xi.update


def test_numbers_histories_and_utilities_round_trip():
    x = {
        "eps": Fraction(1, 3),
        "h": ((0, 1), (1, 0)),
        "k": 7,
        "flag": True,
        "name": "x",
        "none": None,
        "u": theory.MeanReward([["1/2", 0], [1, "1/3"]]),
        "t": S.HistoryTableUtility(values=("0", "1/2"), multiplier=2, action_coef=1, observation_coef=0),
        "prog": theory.PolicyLanguage(2, 2).parse("switch(iid(1/4,3/4), obs_occurred(1), const(0))"),
    }
    back = _roundtrip(x)
    assert back["eps"] == Fraction(1, 3) and back["h"] == ((0, 1), (1, 0)) and back["k"] == 7
    assert back["flag"] is True and back["name"] == "x" and back["none"] is None
    exact = theory.get_context("exact")
    assert (exact.array(back["u"].table) == exact.array(x["u"].table)).all()
    assert back["t"](((1, 0),)) == x["t"](((1, 0),))
    assert back["prog"].code == x["prog"].code


def test_floats_are_written_as_their_simplest_rational():
    assert encode(0.25) == {"q": "1/4"} and encode(0.1) == {"q": "1/10"}


@pytest.mark.parametrize("value", [object(), {1: "non-string key"}, theory.Policy.from_function(2, lambda h: [1, 0])])
def test_unwritable_values_are_refused(value):
    with pytest.raises(InstanceError, match="cannot write|string keys"):
        encode(value)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"q": "one third"}, "not an exact rational"),
        ({"q": "1/0"}, "not an exact rational"),
        ({"wat": 1}, "unknown instance value tag"),
        ({"a": 1, "b": 2}, "cannot read"),
        ({"finite_state_policy": {"emission": [["1/2", "1/2"]]}}, "malformed"),
        ({"finite_state_policy": {"emission": [["1/2", "2/3"]], "transition": [[[0], [0]]]}}, "sums to"),
    ],
)
def test_malformed_data_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        decode(data)

"""proofs_checks.cases: the drawn instances have the shapes their claims need, and action-blind copies are."""

import pytest
from hypothesis import given, settings

from proofs_checks.cases import action_blind, blind_environment, reactive_cases, trajectory_cases
from proofs_checks.worlds import delayed_echo, echo_example


@settings(max_examples=30, deadline=None, database=None)
@given(trajectory_cases(min_horizon=2, max_history=0))
def test_trajectory_cases_respect_their_options(x):
    assert 2 <= x["horizon"] <= 3 and x["history"] == ()
    assert x["pi"].n_actions == x["beta"].n_actions == x["env"].n_actions


@settings(max_examples=30, deadline=None, database=None)
@given(reactive_cases(blind="rows"))
def test_reactive_cases_draw_two_observations_and_a_blind_copy(x):
    assert x["env"].n_observations == 2 and x["horizon"] >= 2
    # "rows": the current action is ignored, the transitions (the memory of actions) are kept.
    emission = x["blind"].emission(arith="exact")
    assert (emission == emission[:, :1]).all()


def test_blind_environments():
    echo = echo_example()["env"]
    assert not action_blind(echo) and action_blind(blind_environment(echo))
    assert not action_blind(delayed_echo()["env"])
    assert blind_environment(echo, "dropped") is echo
    with pytest.raises(ValueError, match="sideways"):
        blind_environment(echo, "sideways")

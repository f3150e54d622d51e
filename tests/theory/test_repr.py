"""Replayable reprs: every theory object a claim takes prints as an expression that rebuilds it.

The objects are drawn with the project's strategies; ``eval(repr(x))`` with ``from theory import *`` in scope
(and the strategies' HistoryTableUtility) must give an object with the same exact probabilities, rewards or
values on drawn histories.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

import theory
from proofs_checks import strategies as S
from theory.arith import get_context

EXACT = get_context("exact")
SCOPE = {name: getattr(theory, name) for name in theory.__all__} | {"HistoryTableUtility": S.HistoryTableUtility}
RUNS = settings(max_examples=40, deadline=None, database=None)


def replay(x):
    """``eval(repr(x))`` in a fresh namespace holding ``from theory import *``."""
    text = repr(x)
    copy = eval(text, dict(SCOPE))  # noqa: S307 - the point of the test
    assert type(copy) is type(x), text
    return copy


def same_policy(a, b, histories):
    for h in histories:
        assert a.probs(h, arith=EXACT).tolist() == b.probs(h, arith=EXACT).tolist(), (repr(a), h)
        assert a.abstain(h, arith=EXACT) == b.abstain(h, arith=EXACT), (repr(a), h)


@st.composite
def alphabet_and_parts(draw):
    n_a, n_o = draw(S.alphabets(max_actions=3, max_observations=2))
    kw = {"n_actions": n_a, "n_observations": n_o}
    env = draw(S.finite_state_environments(**kw, max_states=2))
    return kw, env


@RUNS
@given(st.data(), st.booleans())
def test_policies_replay(data, semi):
    kw, env = data.draw(alphabet_and_parts())
    pi = data.draw(S.policies(**kw, semi=semi, max_states=2))
    histories = [data.draw(S.histories(pi, env, max_length=3)) for _ in range(3)]
    same_policy(pi, replay(pi), histories)


@RUNS
@given(st.data(), st.sampled_from(["all", "demonstrator"]))
def test_mixtures_and_imitators_replay(data, update):
    kw, env = data.draw(alphabet_and_parts())
    xi = data.draw(S.mixtures(**kw, max_components=3, max_states=2, update=update))
    flags = update == "demonstrator"
    histories = [data.draw(S.histories(xi, env, max_length=3, flags=flags)) for _ in range(3)]
    copy = replay(xi)
    same_policy(xi, copy, histories)
    assert [Fraction(w) for w in copy.prior] == [Fraction(w) for w in xi.prior] and copy.update == xi.update
    alpha = data.draw(S.alphas())
    nu = theory.PessimisticImitator(xi, alpha)
    same_policy(nu, replay(nu), histories)
    demonstrator = data.draw(S.finite_state_policies(**kw, max_states=2))
    online = theory.OnlineImitator(xi, alpha, demonstrator=demonstrator)
    again = replay(online)
    same_policy(online.imitator, again.imitator, histories)
    same_policy(online.demonstrator, again.demonstrator, histories)


@RUNS
@given(st.data())
def test_combinators_and_events_replay(data):
    kw, env = data.draw(alphabet_and_parts())
    before, after = (data.draw(S.finite_state_policies(**kw, max_states=2)) for _ in range(2))
    event = data.draw(
        st.one_of(
            st.builds(theory.ObservationOccurred, st.integers(0, kw["n_observations"] - 1)),
            st.builds(theory.ActionOccurred, st.integers(0, kw["n_actions"] - 1)),
            st.builds(theory.LengthAtLeast, st.integers(1, 3)),
        )
    )
    rate = data.draw(st.fractions(Fraction(1, 12), Fraction(11, 12), max_denominator=12))
    for policy in (theory.Switch(before, event, after), theory.Hazard(before, rate, after)):
        histories = [data.draw(S.histories(policy, env, max_length=3)) for _ in range(3)]
        same_policy(policy, replay(policy), histories)
        assert all(replay(event).holds(h) == event.holds(h) for h in histories)


@RUNS
@given(st.data())
def test_environments_and_utilities_replay(data):
    kw, env = data.draw(alphabet_and_parts())
    copy = replay(env)
    pi = data.draw(S.finite_state_policies(**kw, max_states=2))
    for h in [data.draw(S.histories(pi, env, max_length=3)) for _ in range(3)]:
        for a in range(kw["n_actions"]):
            assert env.probs(h, a, arith=EXACT).tolist() == copy.probs(h, a, arith=EXACT).tolist()
        u = data.draw(S.utilities(**kw))
        again = replay(u)
        if isinstance(u, theory.MeanReward):
            assert again.step_rewards(3, EXACT).tolist() == u.step_rewards(3, EXACT).tolist()
        else:
            assert again(h) == u(h)


@RUNS
@given(st.lists(S.distributions(2, semi=True), min_size=1, max_size=3), st.booleans())
def test_channels_replay(rows, labelled):
    inputs = [f"x{i}" for i in range(len(rows))] if labelled else None
    channel = theory.Channel(rows, inputs=inputs, outputs=["yes", "no"] if labelled else None, semi=True)
    copy = replay(channel)
    assert copy.matrix(arith=EXACT).tolist() == channel.matrix(arith=EXACT).tolist()
    assert (copy.inputs, copy.outputs, copy.semi) == (channel.inputs, channel.outputs, True)


def test_function_policies_say_they_wrap_a_function():
    """A policy of an arbitrary function shows the function's own repr: it does not pretend to be replayable."""
    text = repr(theory.Policy.from_function(2, lambda h: [1, 0]))
    assert text.startswith("Policy.from_function(2, <function ") and "<lambda>" in text

"""Events on histories: the batched evaluation agrees with the direct one, and bad parameters are refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory.events import LENGTH_CAP, ActionOccurred, Event, LengthAtLeast, ObservationOccurred

A, O = 3, 3

histories = st.lists(st.tuples(st.integers(0, A - 1), st.integers(0, O - 1)), max_size=8).map(tuple)
events = st.one_of(
    st.integers(0, O - 1).map(ObservationOccurred),
    st.integers(0, A - 1).map(ActionOccurred),
    st.integers(1, 9).map(LengthAtLeast),
    st.just(LengthAtLeast(10**100)),
)


def run_batched(event, batch):
    """Advance the event over a batch of histories one level at a time (all histories in one array per level),
    returning happened/key after every prefix length for every history."""
    n = len(batch)
    state = event.initial(None)
    state = state[np.zeros(n, dtype=np.int64)]
    happened, keys = [event.happened(state)], [event.key(state)]
    for t in range(max((len(h) for h in batch), default=0)):
        alive = [i for i, h in enumerate(batch) if len(h) > t]
        acts = np.array([batch[i][t][0] if i in alive else 0 for i in range(n)])
        obs = np.array([batch[i][t][1] if i in alive else 0 for i in range(n)])
        state = event.advance(state, np.arange(n), acts, obs, np.ones(n, dtype=bool), None)
        happened.append(event.happened(state))
        keys.append(event.key(state))
    return happened, keys


@settings(max_examples=60, deadline=None)
@given(events, st.lists(histories, min_size=1, max_size=6))
def test_batched_happened_matches_direct_evaluation(event, batch):
    happened, keys = run_batched(event, batch)
    for i, h in enumerate(batch):
        for t in range(len(h) + 1):
            assert bool(happened[t][i]) == event.holds(h[:t])
    for k in keys:
        assert k.dtype == np.int64 and k.shape == (len(batch), 1)


@settings(max_examples=60, deadline=None)
@given(events, histories)
def test_events_are_monotone_and_keys_determine_the_future(event, h):
    flags = [event.holds(h[:t]) for t in range(len(h) + 1)]
    assert flags == sorted(flags)  # False...False True...True
    # Equal keys mean equal futures: two prefixes with the same key agree on every common continuation.
    prefixes = [h[:t] for t in range(len(h) + 1)]
    _, keys = run_batched(event, prefixes)
    final = [keys[len(p)][i, 0] for i, p in enumerate(prefixes)]  # each prefix's key after its own last step
    for i in range(len(h) + 1):
        for j in range(len(h) + 1):
            if final[i] == final[j]:
                for tail in (((0, 0),), ((1, 1), (2, 2))):
                    assert event.holds(h[:i] + tail) == event.holds(h[:j] + tail)


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.integers(0, O - 1).map(ObservationOccurred),
        st.integers(0, A - 1).map(ActionOccurred),
        st.integers(1, 6).map(LengthAtLeast),
    ),
    histories,
)
def test_automaton_table_matches_direct_evaluation(event, h):
    transition, happened = event.table(A, O)
    assert transition.shape == (event.n_states, A, O)
    s = 0
    for t, (a, o) in enumerate(h):
        assert bool(happened[s]) == event.holds(h[:t])
        s = transition[s, a, o]
    assert bool(happened[s]) == event.holds(h)


def test_length_event_astronomical_T():
    e = LengthAtLeast(10**100)
    assert e.n_states == 10**100 + 1
    state = e.initial(None)
    for _ in range(5):
        state = e.advance(state, np.array([0]), np.array([0]), np.array([0]))
    assert state.tolist() == [5] and not e.happened(state).any()
    assert e.key(state).dtype == np.int64
    # A stored length at the cap: T above 2**62 can never be reached by a storable history.
    assert not e.happened(np.array([LENGTH_CAP])).any()
    big = LengthAtLeast(LENGTH_CAP + 5)
    capped = big.advance(np.array([LENGTH_CAP]), np.array([0]), np.array([0]), np.array([0]))
    assert capped.tolist() == [LENGTH_CAP] and not big.happened(capped).any()
    with pytest.raises(theory.HorizonError, match="tabulated"):
        e.table(2, 2)


def test_length_event_happens_exactly_at_T():
    e = LengthAtLeast(3)
    assert [e.holds(((0, 0),) * t) for t in range(6)] == [False, False, False, True, True, True]
    state = e.initial(None)
    seen = []
    for _ in range(5):
        state = e.advance(state, np.array([0]), np.array([1]), np.array([0]))
        seen.append(int(state[0]))
    assert seen == [1, 2, 3, 3, 3]  # capped at T: all lengths >= T share one state


def test_events_are_values():
    assert ObservationOccurred(1) == ObservationOccurred(1)
    assert ObservationOccurred(1) != ActionOccurred(1)
    assert len({LengthAtLeast(4), LengthAtLeast(4), LengthAtLeast(5)}) == 2
    assert isinstance(LengthAtLeast(2), Event)


@pytest.mark.parametrize(
    "make, value, error",
    [
        (ObservationOccurred, -1, theory.AlphabetError),
        (ObservationOccurred, 1.5, theory.AlphabetError),
        (ActionOccurred, True, theory.AlphabetError),
        (ActionOccurred, "0", theory.AlphabetError),
        (LengthAtLeast, 0, theory.HorizonError),
        (LengthAtLeast, -3, theory.HorizonError),
        (LengthAtLeast, 2.0, theory.HorizonError),
    ],
)
def test_bad_parameters_are_refused_naming_the_value(make, value, error):
    with pytest.raises(error) as info:
        make(value)
    assert isinstance(info.value, ValueError)
    assert repr(value) in str(info.value)


def test_alphabet_checks_and_bad_histories():
    with pytest.raises(theory.AlphabetError, match="observation 3"):
        ObservationOccurred(3).check_alphabets(2, 3)
    with pytest.raises(theory.AlphabetError, match="action 2"):
        ActionOccurred(2).table(2, 1)
    ObservationOccurred(3).check_alphabets(2, None)  # unknown alphabet: nothing to check
    with pytest.raises(theory.HistoryError):
        ObservationOccurred(0).holds("abc")
    with pytest.raises(theory.HistoryError):
        ObservationOccurred(0).holds([(0,)])
    assert ActionOccurred(1).holds([(1, 0, False)])  # flagged triples are histories too

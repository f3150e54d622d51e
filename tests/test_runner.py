"""Claims checked in worker processes: a failure is one claim's verdict, never the run's; --jobs changes nothing."""

import time

import pytest
from hypothesis import strategies as st

import theory
from proofs_checks import Claim, registry, strategies as S
from proofs_checks.runner import run_checks


def _without_times(records):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def _cheap_claims():
    return [registry.get(i) for i in ("pinsker", "conj-pinsker-quarter", "conj-kl-triangle")]


def test_two_jobs_report_what_one_job_reports():
    options = dict(seed=1, budget=60, max_examples=30, scope_limit=60, starts=2)
    one = run_checks(_cheap_claims(), jobs=1, options=options)
    two = run_checks(_cheap_claims(), jobs=2, options=options)
    assert [r["id"] for r in two] == ["pinsker", "conj-pinsker-quarter", "conj-kl-triangle"]
    assert _without_times(one) == _without_times(two)
    assert [r["verdict"] for r in two] == ["holds", "refuted", "refuted"]


def _sleeper(x, a):
    time.sleep(30)
    return 0


def _hog(x, a):
    blocks = []
    while True:
        blocks.append(bytearray(2**27))


def _raiser(x, a):
    raise RuntimeError("the claim's own bug")


@pytest.mark.parametrize(
    "side, limits, message",
    [
        (_sleeper, dict(timeout=2), "timed out after 2 s"),
        (_hog, dict(memory=2**31), "memory"),
        (_raiser, {}, "RuntimeError: the claim's own bug"),
    ],
)
def test_a_claim_that_hangs_blows_up_or_raises_is_reported_and_the_run_goes_on(side, limits, message):
    bad = Claim(id="bad", title="bad", given={"n": st.integers(0, 1)}, lhs=side, relation="<=", rhs=lambda x, a: 1)
    good = Claim(
        id="good",
        title="KL ≥ 0",
        given={"p": S.distributions(2), "q": S.distributions(2)},
        lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a),
        relation=">=",
        rhs=lambda x, a: 0,
    )
    start = time.monotonic()
    bad_record, good_record = run_checks(
        [bad, good], jobs=2, options=dict(max_examples=5, scope_limit=5, starts=0), **limits
    )
    assert bad_record["verdict"] == "error" and not bad_record["met"]
    assert message.lower() in bad_record["message"].lower()
    assert good_record["verdict"] == "holds" and good_record["met"]
    assert time.monotonic() - start < 25


@pytest.mark.parametrize("bad", [dict(jobs=0), dict(jobs=1.5), dict(timeout=-1)])
def test_runner_options_are_validated(bad):
    with pytest.raises(ValueError):
        run_checks(_cheap_claims(), **bad)

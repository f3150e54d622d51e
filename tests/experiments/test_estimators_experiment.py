"""The KL-estimator lab (``mightnt experiment estimators``): the command runs, its findings hold on the default run,
the docs page shows that run's tables and numbers, and each check is shown to fail on a deliberately false
variant."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

import theory
from proofs_checks.cli import main
from proofs_checks.experiments import estimators as E
from proofs_checks.experiments import teacher_student as TS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "estimators.md"
PAPER = "exact KL (the paper's optimum)"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The default run, the one the page shows (about 25 s: the suite's only full run of it), with its plot."""
    return E.run(E.Config(), out=tmp_path_factory.mktemp("plots"))


def _row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, len(found))
    return found[0]


# -- the command -----------------------------------------------------------------------------------------------------
def test_the_command_runs_with_the_default_configuration_and_rewrites_the_page(default_run, tmp_path, monkeypatch):
    page = PAGE.read_text(encoding="utf-8")
    altered = page.replace("| k1 | loss | token | 0.1318 |", "| k1 | loss | token | 0.1319 |")
    assert altered != page and E.fill_page(altered, E.page_tables(default_run)) != altered
    copy = tmp_path / "estimators.md"
    copy.write_text(altered, encoding="utf-8")
    seen = []

    def replay(config, **kwargs):
        seen.append(config)
        return default_run

    monkeypatch.setattr(E, "run", replay)
    assert main(["experiment", "estimators", "--out", str(tmp_path / "plots"), "--page", str(copy)]) == 0
    assert seen == [E.Config()]
    assert copy.read_text(encoding="utf-8") == page  # the command restores the number


@pytest.mark.parametrize(
    "argv, message",
    [
        (["experiment", "estimators", "--turns", "3"], "--turns: the estimators experiment takes --seed, --out"),
        (["experiment", "estimators", "--episodes", "5", "--budget", "2"], "--budget, --episodes"),
    ],
)
def test_options_of_the_other_experiment_are_one_line_errors(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(E, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_unknown_experiment_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "estimator"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "invalid choice: 'estimator'" in err


def test_the_plot_is_written(default_run):
    (path,) = default_run["plots"]
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


# -- part 1: what each case differentiates ---------------------------------------------------------------------------
def test_the_toy_has_every_case_and_the_engine_refuses_the_others(default_run):
    rows = default_run["toy"]
    assert len(rows) == 4 * 3 * 2 * 4 - (4 * 3 + 3)  # ratio='token' refused at sequence level and for full
    pi, ref, env, old = E.toy()
    with pytest.raises(theory.OptionError, match="no per-token term"):
        theory.estimator_moments(pi, ref, env, 2, estimator="full", sampling=old, ratio="token")


def test_the_verdicts_are_the_specs_facts(default_run):
    rows = default_run["toy"]
    on = {(r["estimator"], r["placement"], r["level"]): r for r in rows if r["sampling"] == "on-policy"}
    every = [(r["forward"], r["reverse"]) for r in rows]
    assert all(v is not None for pair in every for v in itertools.chain(*pair))  # every verdict decided
    assert on[("k1", "loss", "token")]["forward"] == (False, False)  # zero expected gradient
    assert on[("k1", "reward", "token")]["forward"] == (True, True)
    assert on[("k2", "loss", "token")]["forward"] == (True, False)  # one token only
    assert on[("k2", "loss", "sequence")]["forward"] == (True, True)
    assert on[("k3", "loss", "token")]["reverse"] == (True, False)  # the reverse KL's, one token only
    assert on[("k3", "loss", "sequence")]["reverse"] == (True, True)
    for estimator in ("k1", "k3", "full"):
        assert on[(estimator, "both", "token")]["forward"] == (True, True)
    sequence_ratio = [r for r in rows if r["ratio"] == "sequence"]
    assert all(r["on_policy_gradient"] == (True, True) for r in sequence_ratio)
    token_ratio = [r for r in rows if r["ratio"] == "token"]
    assert {r["on_policy_gradient"] for r in token_ratio if (r["estimator"], r["placement"]) != ("k1", "loss")} == {
        (True, False)
    }


def test_monte_carlo_agrees_with_the_exact_expectations(default_run):
    z = [r["mc_z"] for r in default_run["toy"]]
    assert max(z) <= default_run["config"].z_limit and max(z) > 0.5  # the check measures something


def test_the_checks_of_part_one_fail_on_a_false_variant():
    pi, ref, env, old = E.toy()
    forward = theory.kl_gradient(pi, ref, env, 2, arith="exact")
    k3 = theory.estimator_moments(pi, ref, env, 2, estimator="k3", placement="loss", arith="exact")
    assert E.decide_equal(k3.expected_gradient, forward) is False
    assert E.decide_equal(forward, forward) is True
    # Monte Carlo against the wrong expectation (k3's gradient for k1's samples) is caught.
    k1 = theory.estimator_moments(pi, ref, env, 2, estimator="k1", placement="reward")
    sample = theory.sample_estimator(pi, ref, env, 2, n=20_000, estimator="k1", placement="reward")
    assert E._mc_z(sample, float(k1.expected_estimate), k1.expected_gradient) < 5
    assert E._mc_z(sample, float(k1.expected_estimate), np.asarray(k3.expected_gradient, dtype=float)) > 5


def test_a_product_of_logarithms_is_decided_by_its_enclosure():
    # k2's expectations are sympy expressions in the exact context: a difference that is not 0 is certified by
    # the ball enclosure; one that is 0 by simplification.
    pi, ref, env, _ = E.toy()
    exact = theory.estimator_moments(pi, ref, env, 2, estimator="k2", placement="both", arith="exact")
    ball = theory.estimator_moments(pi, ref, env, 2, estimator="k2", placement="both", arith="ball")
    assert not isinstance(exact.expected_gradient[0, 0], (F, theory.LogLinear))
    target = {a: theory.kl_gradient(pi, ref, env, 2, arith=a) for a in ("exact", "ball")}
    assert E.decide_equal(exact.expected_gradient, target["exact"], ball.expected_gradient, target["ball"]) is False
    assert E.decide_equal(exact.expected_gradient, exact.expected_gradient) is True


# -- part 2: fixed points --------------------------------------------------------------------------------------------
def test_the_kl_equivalent_regularizers_reach_the_papers_optimum_and_the_others_do_not(default_run):
    rows = [r for r in default_run["fixed_points"] if r["estimator"] is not None]
    equivalent = {("k1", "reward"), ("k1", "both"), ("k3", "both"), ("full", "both")}
    for r in rows:
        assert r["converged"], r
        if (r["estimator"], r["placement"]) in equivalent:
            assert r["tv_root"] < 1e-9 and not r["boundary"]
    two_step = {(r["estimator"], r["placement"]): r for r in rows if r["world"] == "two-step"}
    assert two_step[("k3", "loss")]["tv_root"] > 0.01 and two_step[("k2", "loss")]["tv_root"] > 1e-3
    assert two_step[("k1", "loss")]["boundary"] and two_step[("k3", "reward")]["boundary"]


# -- part 3: the teacher–student world ------------------------------------------------------------------------------
def _brute_silence(agent, base, world, turns):
    """P(any EMPTY), the silent fraction and the first EMPTY's expected cost by plain recursion over histories."""
    env, empty = world.environment(), world.EMPTY
    out = {"any": 0.0, "silent": 0.0, "cost": 0.0}

    def visit(h, prob, fresh):
        if len(h) == turns:
            return
        pi, xi = agent.probs(h), base.probs(h)
        for a in range(world.n_actions):
            if pi[a] == 0:
                continue
            if a == empty:
                out["silent"] += prob * pi[a]
                if fresh:
                    out["any"] += prob * pi[a]
                    out["cost"] += prob * pi[a] * math.log(pi[a] / xi[a])
            for o, q in enumerate(env.probs(h, a)):
                if q > 0:
                    visit(h + ((a, o),), prob * pi[a] * q, fresh and a != empty)

    visit((), 1.0, True)
    return out["any"], out["silent"] / turns, out["cost"] / out["any"]


def test_the_silence_statistics_agree_with_brute_force():
    world = TS.World()
    base = TS.base_policy(world, 30)
    fp = theory.practical_fixed_point(
        base, world.environment(), world.utility(), 3, F(1, 100), estimator="k3", placement="loss"
    )
    stats = E.silence(fp.policy, base, world, 3)
    any_, silent, cost = _brute_silence(fp.policy, base, world, 3)
    assert 0.01 < any_ < 0.99  # a case where the first silence is uncertain
    assert stats["any_silence"] == pytest.approx(any_, rel=1e-9)
    assert stats["silent_fraction"] == pytest.approx(silent, rel=1e-9)
    assert stats["first_cost"] == pytest.approx(cost, rel=1e-9)


def test_the_latch_survives_every_practical_regularizer_and_not_the_imitator(default_run):
    latched = {r["label"]: r for r in E.latch(default_run)}
    grid = default_run["config"].coefficients
    for estimator, placement, _ in E.REGULARIZERS:
        assert latched[f"{estimator} in the {placement}"]["latched_at"], (estimator, placement)
    assert latched["k1 in the loss"]["latched_at"] == list(grid)
    assert latched["k3 in the loss"]["largest"] > latched["exact KL (the paper's optimum)"]["largest"]
    assert latched["ν_α"]["latched_at"] == []
    part = default_run["teacher_student"]
    assert all(r["silent_fraction"] == 0 for r in part["imitator"])
    # k1 in the reward is the paper's agent: the same numbers at every coefficient.
    for c in grid:
        paper = _row(part["rows"], kind="paper", coefficient=c)
        ppo = _row(part["rows"], label="k1 in the reward", coefficient=c)
        assert ppo["silent_fraction"] == pytest.approx(paper["silent_fraction"], abs=1e-9)
        assert ppo["kl_spent"] == pytest.approx(paper["kl_spent"], abs=1e-9)
    assert all(r["converged"] for r in part["rows"])


def test_the_latch_check_fails_when_silence_is_removed(default_run):
    # A run in which no agent is ever silent latches nowhere: the summary is not a constant.
    quiet = {**default_run, "teacher_student": {**default_run["teacher_student"]}}
    quiet["teacher_student"]["rows"] = [{**r, "silent_fraction": 0.0} for r in default_run["teacher_student"]["rows"]]
    assert all(r["latched_at"] == [] for r in E.latch(quiet))


# -- the docs page ---------------------------------------------------------------------------------------------------
def test_the_page_shows_the_default_run(default_run):
    page = PAGE.read_text(encoding="utf-8")
    assert E.generated_tables(page) == list(E.TABLES)
    assert E.fill_page(page, E.page_tables(default_run)) == page, (
        f"the tables of docs/estimators.md are not the default run's; regenerate them with {E.PAGE_COMMAND}"
    )


def test_every_generated_table_has_as_many_cells_in_each_row_as_in_its_header(default_run):
    for name, table in E.page_tables(default_run).items():
        widths = {line.count("|") for line in table.splitlines()}
        assert len(widths) == 1, name


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda page: page.replace("table latch;", "table latches;"), "a generated table 'latches'"),
        (lambda page: page.replace("table latch;", "table budgeted;"), "budgeted more than once"),
    ],
)
def test_a_page_with_its_tables_mismarked_is_refused(edit, message):
    with pytest.raises(E.PageError, match=message):
        E.generated_tables(edit(PAGE.read_text(encoding="utf-8")))


def _ts(results, label, c):
    return _row(results["teacher_student"]["rows"], label=label, coefficient=c)


def _latched(results, label):
    return next(r for r in E.latch(results) if r["label"] == label)


#: Every number of the page's prose that comes from the run: the text with ``{}`` where the numbers stand.
PROSE = [
    (
        "the first `EMPTY` costs {} nats and the\nsecond {}",
        lambda r: tuple(f"{r['teacher_student'][k]:.2f}" for k in ("first_empty_cost", "second_empty_cost")),
    ),
    ("make the first\n`EMPTY`'s {} nats worth", lambda r: (f"{r['teacher_student']['first_empty_cost']:.2f}",)),
    ("probability e^{{−{}}}", lambda r: (f"{r['teacher_student']['first_empty_cost']:.2f}",)),
    (
        "latched from c = {} down",
        lambda r: (E._c(_latched(r, "k1 in the reward")["largest"]),),
    ),
    ("coefficient the exact KL needs (from c = {})", lambda r: (E._c(_latched(r, "k3 in the loss")["largest"]),)),
    (
        "c = 0.003, P(`EMPTY` at turn 1) = {} against {}",
        lambda r: (
            f"{_ts(r, 'k2 in the loss', F(3, 1000))['p_empty_first']:.2f}",
            f"{_ts(r, PAPER, F(3, 1000))['p_empty_first']:.2f}",
        ),
    ),
]


def _prose_numbers_not_the_runs(page: str, results: dict) -> list:
    prose = E.fill_page(page, dict.fromkeys(E.TABLES, ""))
    expected = [template.format(*numbers(results)) for template, numbers in PROSE]
    return [text for text in expected if prose.count(text) != 1]


def test_the_pages_prose_shows_the_default_runs_numbers(default_run):
    missing = _prose_numbers_not_the_runs(PAGE.read_text(encoding="utf-8"), default_run)
    assert not missing, f"docs/estimators.md's prose does not show these numbers of the default run: {missing}"


def test_a_number_altered_in_the_prose_is_caught(default_run):
    page = PAGE.read_text(encoding="utf-8")
    assert page.count("= 0.31 against 0.93") == 1
    altered = page.replace("= 0.31 against 0.93", "= 0.32 against 0.93")
    assert _prose_numbers_not_the_runs(altered, default_run) == ["c = 0.003, P(`EMPTY` at turn 1) = 0.31 against 0.93"]

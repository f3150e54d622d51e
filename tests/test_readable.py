"""Readable output: objects print as expressions that rebuild them, counterexamples print as tables with floats
beside short exact forms, results render in notebooks, the strategies namespace is clean, progress is shown on
a terminal only, and the experiment runs without matplotlib."""

import io
import re
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

import theory
from proofs_checks import Claim, check, strategies as S
from proofs_checks.cli import _Progress, _Stages, main
from proofs_checks.instances import encode
from proofs_checks.report import EXACT_HINT, pretty_instance, table

THEORY = {name: getattr(theory, name) for name in dir(theory) if not name.startswith("_")}


def _rebuilt(x):
    return eval(repr(x), dict(THEORY))


# -- reprs that rebuild ----------------------------------------------------------------------------------------
def test_user_built_objects_print_as_expressions_that_rebuild_them():
    sticky = theory.FiniteStatePolicy(
        [[0.75, 0.25], ["1/3", "2/3"]], [[[1, 0], [1, 1]], [[0, 0], [1, 0]]], initial_state=1, semi=False, name="sticky"
    )
    semi = theory.FiniteStatePolicy([["1/4", "1/2"]], [[[0, 0], [0, 0]]], semi=True)
    env = theory.FiniteStateEnvironment(
        [[[0.9, 0.1], [0.1, 0.9]], [[1, 0], [0, 1]]], [[[0, 1], [0, 0]], [[1, 1], [1, 0]]], name="echo"
    )
    xi = theory.BayesianMixture(
        [sticky, semi], ["1/2", "1/4"], update="demonstrator", names=["s", "t"], corpus=[((0, 1), (1, 0, False))]
    )
    floats = theory.BayesianMixture([semi, semi], [0.25, 0.5])
    for x in (sticky, semi, env, xi, floats, theory.sequence_environment(3), theory.MeanReward([[0, "1/6"]])):
        assert encode(_rebuilt(x)) == encode(x), repr(x)
    assert repr(sticky) == (
        "FiniteStatePolicy([['3/4', '1/4'], ['1/3', '2/3']], [[[1, 0], [1, 1]], [[0, 0], [1, 0]]], "
        "initial_state=1, name='sticky')"
    )
    assert _rebuilt(floats).prior == (0.25, 0.5)  # a float prior stays float
    assert _rebuilt(xi).names == ("s", "t") and _rebuilt(xi).corpus == xi.corpus


def test_function_kernels_and_history_utilities_print_the_call_that_builds_them():
    assert (
        repr(theory.Policy.from_function(2, abs, semi=True))
        == "Policy.from_function(2, <built-in function abs>, semi=True)"
    )
    assert (
        repr(theory.Environment.from_function(2, 3, divmod))
        == "Environment.from_function(2, 3, <built-in function divmod>)"
    )
    assert repr(theory.HistoryUtility(len)) == "HistoryUtility(<built-in function len>)"


@settings(max_examples=40, database=None, deadline=None)
@given(
    S.alphabets().flatmap(
        lambda ao: st.tuples(
            S.finite_state_policies(n_actions=ao[0], n_observations=ao[1], semi=True),
            S.mixtures(n_actions=ao[0], n_observations=ao[1], update="demonstrator"),
            S.finite_state_environments(n_actions=ao[0], n_observations=ao[1]),
            S.function_policies(n_actions=ao[0], n_observations=ao[1]),
        )
    )
)
def test_drawn_objects_are_plain_theory_objects_that_round_trip(objs):
    *exact_json, function_policy = objs
    for x in objs:
        # The strategies no longer subclass for their reprs: the base classes print the same expressions.
        assert type(x).__module__.startswith("theory.")
    for x in exact_json:
        assert encode(_rebuilt(x)) == encode(x)
    # A function policy rebuilds as a lambda over the finite-state policy it reads: compare its probabilities.
    again = _rebuilt(function_policy)
    for h in ((), ((0, 0),), ((0, 0), (0, 0))):
        assert list(again.probs(h, arith="exact")) == list(function_policy.probs(h, arith="exact"))


# -- pretty counterexamples ------------------------------------------------------------------------------------
def _first_action_at_most_a_third():
    return Claim(
        id="first-action-rare",
        title="π(0) ≤ 1/3",
        kind="conjecture",
        given={"pi": S.finite_state_policies(n_actions=2, n_observations=1, max_states=1)},
        lhs=lambda x, a: x["pi"].probs(arith=a)[0],
        relation="<=",
        rhs=lambda x, a: a.convert(Fraction(1, 3)),
    )


def test_a_counterexample_prints_as_a_table_of_probabilities_with_floats_beside_exact_forms():
    result = check(_first_action_at_most_a_third(), max_examples=20, budget=10)
    assert result.verdict == "refuted"
    lines = table([result]).splitlines()
    start = lines.index("first-action-rare:")
    block = lines[start : start + 6]
    assert block[1] == "  counterexample (certified in exact):"
    assert block[2] == "    pi = finite-state policy: 1 state, 2 actions, 1 observation"
    assert re.fullmatch(r" {8}state  a=0 +a=1", block[3])
    p0, p1 = result.counterexample["pi"].probs(arith="exact")
    assert p0 > Fraction(1, 3)
    assert block[4].split() == ["0", str(p0), str(p1)]
    lhs = f"{float(p0):.10g}" + ("" if p0.denominator == 1 else f" (= {p0})")
    assert block[5] == f"  claim: {lhs} <= 0.3333333333 (= 1/3)  (VIOLATED)"
    assert result.as_dict()["counterexample"]["pretty"] == "\n".join(line[4:] for line in block[2:5])


def _long_fraction_claim():
    big = Fraction(10**40 + 1, 10**40)
    return Claim(
        id="below-one",
        title="x ≤ 1",
        kind="conjecture",
        given={},
        examples=lambda: [{"p": (big - 1, 2 - big), "x": big}],
        lhs=lambda x, a: a.convert(x["x"]),
        relation="<=",
        rhs=lambda x, a: a.convert(1),
    )


def test_long_exact_forms_are_elided_unless_asked_for_in_full():
    result = check(_long_fraction_claim(), max_examples=5, budget=5)
    assert result.verdict == "refuted"
    short, full = table([result]), table([result], exact=True)
    digits = str(10**40 + 1)
    assert "    p = (1/" + str(10**40) + ", " in full and digits in full and EXACT_HINT not in full
    assert digits not in short and EXACT_HINT in short
    assert "    x = 100000…000001/100000…000000 ≈ 1" in short
    assert "  claim: 1 <= 1  (VIOLATED)" in short  # the float rounds to 1: the exact form below tells them apart
    assert "    lhs = 100000…000001/100000…000000" in short
    assert f"    lhs = {digits}/1{'0' * 40}" in full


def test_check_and_counterexample_commands_take_exact(capsys, tmp_path):
    assert main(["check", "conj-kl-triangle", "--jobs", "1", "--budget", "5"]) == 0
    short = capsys.readouterr().out
    assert main(["check", "conj-kl-triangle", "--jobs", "1", "--budget", "5", "--exact"]) == 0
    full = capsys.readouterr().out
    assert EXACT_HINT in short and "…" in short and "…" not in full and len(full) > len(short) + 1000
    assert main(["counterexample", "conj-kl-triangle", "--out", str(tmp_path / "t.json"), "--budget", "5"]) == 0
    printed = capsys.readouterr().out
    assert "  tau  = (" in printed and "VIOLATED" in printed and EXACT_HINT in printed


def test_pretty_instance_rejects_what_is_not_an_instance():
    with pytest.raises(ValueError, match="an instance is a dict"):
        pretty_instance([1, 2])


def test_pretty_instance_shows_mixtures_environments_histories_and_rewards():
    a = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[1], [1]], [[1], [1]]])
    xi = theory.BayesianMixture([a, theory.FiniteStatePolicy.iid([0, 1])], ["2/3", "1/3"], names=["fair", "one"])
    text = pretty_instance(
        {
            "xi": xi,
            "env": theory.sequence_environment(2),
            "h": ((1, 0), (0, 0, False)),
            "u": theory.MeanReward([["1/2"], [1]]),
        }
    )
    lines = text.splitlines()
    assert lines[0] == "xi  = Bayesian mixture of 2 components, updated on every step"
    assert lines[1] == "    fair, prior 2/3: finite-state policy: 2 states, 2 actions, 1 observation"
    assert lines[2].split() == ["state", "a=0", "a=1", "next", "after", "(a,o)=0,0", "1,0"]
    assert lines[3].split() == ["0*", "1/2", "1/2", "1", "1"] and lines[4].split() == ["1", "1", "0", "1", "1"]
    assert "    one, prior 1/3: finite-state policy: 1 state, 2 actions, 1 observation" in lines
    assert "env = finite-state environment 'no observations': 1 state, 2 actions, 1 observation" in lines
    assert "h   = (1, 0) (0, 0, not the demonstrator's)  [2 steps]" in lines
    assert lines[-4] == "u   = mean reward over the steps, r[a, o]:"
    assert [line.split() for line in lines[-3:]] == [["action", "o=0"], ["0", "1/2"], ["1", "1"]]


# -- notebooks -------------------------------------------------------------------------------------------------
def test_results_render_as_markdown_in_notebooks():
    result = check(_first_action_at_most_a_third(), max_examples=20, budget=10)
    md = result._repr_markdown_()
    assert md.startswith("**first-action-rare** (conjecture): **refuted**, as expected; margin -")
    assert "evidence: scope " in md
    body = md.split("```text\n", 1)[1].split("```", 1)[0]
    assert body.splitlines()[0] == "counterexample (certified in exact):"
    assert "  pi = finite-state policy: 1 state, 2 actions, 1 observation" in body and "(VIOLATED)" in body


# -- the strategies namespace ----------------------------------------------------------------------------------
def test_the_strategies_namespace_shows_only_the_strategies():
    names = [n for n in dir(S) if not n.startswith("__")]
    assert sorted(names) == sorted(S.__all__)
    for hidden in (
        "math",
        "numbers",
        "st",
        "Fraction",
        "lru_cache",
        "partial",
        "InvalidArgument",
        "FiniteStatePolicy",
        "small_scope",
    ):
        assert hidden not in dir(S)
    star: dict = {}
    exec("from proofs_checks.strategies import *", star)
    assert set(star) - {"__builtins__"} == set(S.__all__)


# -- progress --------------------------------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _record(claim_id):
    return {"id": claim_id, "verdict": "holds", "met": True, "examples": 3, "seconds": 0.5}


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere():
    tty = _Terminal()
    p = _Progress(2, tty)
    p.start("a"), p.start("b"), p.finish(_record("a"))
    drawn = tty.getvalue()
    assert "\r\033[K[--------------------] 0/2 claims, 0 s; running a, b" in drawn
    assert "\r\033[K[1/2] a: holds (met, 3 examples, 0.5 s)\n" in drawn
    assert drawn.endswith("[##########----------] 1/2 claims, 0 s; running b")
    for stream, bar in ((io.StringIO(), True), (_Terminal(), False)):  # a log or a pipe; --format json
        p = _Progress(1, stream, bar=bar)
        p.start("a"), p.update("a", 1, 2), p.finish(_record("a"))
        assert stream.getvalue() == "[1/1] a ...\n[1/1] a: holds (met, 3 examples, 0.5 s)\n"


def test_experiment_stages_are_a_bar_on_a_terminal_and_lines_elsewhere():
    tty, log = _Terminal(), io.StringIO()
    for stream in (tty, log):
        stages = _Stages(4, stream)
        stages("first"), stages("second")
        stages.close()
    assert "[#####---------------] [    0 s] second" in tty.getvalue() and tty.getvalue().endswith("\r\033[K")
    assert log.getvalue() == "[    0 s] first\n[    0 s] second\n"


# -- matplotlib is optional ------------------------------------------------------------------------------------
def test_the_experiment_prints_its_tables_without_matplotlib(monkeypatch, capsys):
    from proofs_checks.experiments import teacher_student as E

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    seen = {}

    def run(config, *, out, progress):
        seen["out"] = out
        progress("the only stage")
        return {"config": config}

    monkeypatch.setattr(E, "run", run)
    monkeypatch.setattr(E, "report", lambda results: f"tables for budgets {results['config'].budgets}")
    assert main(["experiment", "teacher-student", "--budget", "3", "--out", "plots"]) == 0
    captured = capsys.readouterr()
    assert seen["out"] is None  # the numbers are computed; no plots are attempted
    assert captured.out == "tables for budgets (3,)\n"
    hint = [line for line in captured.err.splitlines() if "matplotlib" in line]
    assert hint == ["mightnt: matplotlib is not installed, so no plots; pip install 'mightnt[plots]' for them"]
    with pytest.raises(ImportError, match=r"pip install 'mightnt\[plots\]'"):
        E.plot({}, None)

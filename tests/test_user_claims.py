"""Users' claims everywhere: ``--import`` on the command line, the ``mightnt.claims`` entry points, certificates
that name their module, ``Claim.assert_holds`` for pytest, and errors of a claim's own code that name the claim,
the side and the instance."""

import json
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import strategies as st

from proofs_checks import Claim, Part, check, registry
from proofs_checks.certificates import CertificateError, replay, save_counterexample, saved_counterexamples
from proofs_checks.claim import ClaimSideError, certify
from proofs_checks.cli import main

ROOT = Path(__file__).resolve().parent.parent

# Two claims over pairs of distributions on two outcomes: Pinsker (true) and Pinsker with 4 for 2 (false, and
# refuted at once by p = (1, 0), q = (1/2, 1/2)). Small searches: these tests are about plumbing.
CLAIMS_MODULE = """
import theory
from proofs_checks import Claim, strategies as S


def pair():
    return {"p": S.distributions(2), "q": S.distributions(2)}


def kl(x, a):
    return theory.kl(x["p"], x["q"], arith=a)


def tvd_squared(x, a):
    return theory.tvd(x["p"], x["q"], arith=a) ** 2


CLAIMS = [
    Claim(id="user-pinsker", title="KL >= 2 TVD^2", given=pair(), lhs=kl, relation=">=",
          rhs=lambda x, a: 2 * tvd_squared(x, a), max_examples=10, scope_limit=20, budget=2),
    Claim(id="user-pinsker-4", title="KL >= 4 TVD^2", given=pair(), lhs=kl, relation=">=",
          rhs=lambda x, a: 4 * tvd_squared(x, a), max_examples=10, scope_limit=20, budget=2),
]
"""

# The same false claim, registered on import instead of listed in CLAIMS.
REGISTERING_MODULE = """
import theory
from proofs_checks import Claim, registry, strategies as S

registry.register(Claim(
    id="user-registered", title="KL >= 4 TVD^2", given={"p": S.distributions(2), "q": S.distributions(2)},
    lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a), relation=">=",
    rhs=lambda x, a: 4 * theory.tvd(x["p"], x["q"], arith=a) ** 2, max_examples=10, scope_limit=20, budget=2))
"""

_OURS = ("user_claims", "registering_claims", "ep_claims", "mightnt_user_", "broken_claims")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Each test gets its own registry of users' claims, sys.path, current directory, and no installed
    entry points (unless it installs some)."""
    for name in ("_USER", "_ORIGIN", "_IMPORTED", "_FILE_MODULES"):
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))
    monkeypatch.setattr(registry, "_ENTRY_POINTS", {})
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(tmp_path)
    yield
    for module in [m for m in sys.modules if m.startswith(_OURS)]:
        del sys.modules[module]


def _write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _forget(*ids):
    """As in a fresh process: the claims and the modules that registered them are unknown."""
    for i in ids:
        registry._USER.pop(i, None)
        registry._ORIGIN.pop(i, None)
    registry._IMPORTED.clear()
    for module in [m for m in sys.modules if m.startswith(_OURS)]:
        del sys.modules[module]


def _run(*args, cwd, env=None):
    """``python -m proofs_checks ARGS`` in a fresh process."""
    environment = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "proofs_checks", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


# -- --import by module name and by path ------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["name", "path"])
def test_list_and_explain_import_claims_by_module_name_or_path(tmp_path, capsys, by):
    path = _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    spec = "user_claims" if by == "name" else str(path)
    assert main(["list", "--import", spec]) == 0
    out = capsys.readouterr().out
    assert "user-pinsker " in out and "user-pinsker-4" in out and "pinsker" in out.splitlines()[10]
    assert main(["explain", "--import", spec, "user-pinsker-4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("user-pinsker-4: KL >= 4 TVD^2") and "reproduce: mightnt check user-pinsker-4" in out
    assert registry.origin("user-pinsker") == ("user_claims" if by == "name" else str(path.resolve()))


@pytest.mark.parametrize("by", ["name", "path"])
def test_check_imports_claims_and_the_forked_workers_see_them(tmp_path, capsys, by):
    path = _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    spec = "user_claims" if by == "name" else str(path)
    code = main(
        [
            "check",
            "--import",
            spec,
            "user-pinsker",
            "user-pinsker-4",
            "--jobs",
            "1",
            "--format",
            "json",
            "--certificates",
            str(tmp_path / "certs"),
        ]
    )
    report = json.loads(capsys.readouterr().out)
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts == {"user-pinsker": "holds", "user-pinsker-4": "refuted"}
    assert code == 1  # a theorem refuted is not its expected outcome
    certificate = json.loads((tmp_path / "certs" / "user-pinsker-4.json").read_text())
    assert certificate["module"] == ("user_claims" if by == "name" else str(path.resolve()))


def test_a_module_that_registers_on_import_is_found_too(tmp_path, capsys):
    _write(tmp_path, "registering_claims.py", REGISTERING_MODULE)
    assert main(["list", "--import", "registering_claims"]) == 0
    assert "user-registered" in capsys.readouterr().out
    assert registry.origin("user-registered") == "registering_claims"
    # Importing it again (a second --import, a replay) imports once and finds the same claims.
    assert [c.id for c in registry.import_claims("registering_claims")] == ["user-registered"]


def test_a_module_imported_by_python_itself_is_the_origin_of_what_it_registers(tmp_path):
    from proofs_checks.certificates import make_certificate

    _write(tmp_path, "registering_claims.py", REGISTERING_MODULE)
    sys.path.insert(0, str(tmp_path))
    import registering_claims  # noqa: F401 - imported for what it registers

    claim = registry.get("user-registered")
    assert registry.origin("user-registered") == "registering_claims"
    instance = {"p": (Fraction(1), Fraction(0)), "q": (Fraction(1, 2), Fraction(1, 2))}
    assert make_certificate(claim, instance, kind="refutation")["module"] == "registering_claims"


def test_counterexample_and_replay_of_a_user_claim(tmp_path, capsys):
    _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    out = tmp_path / "q.json"
    assert main(["counterexample", "--import", "user_claims", "user-pinsker-4", "--out", str(out)]) == 0
    assert "counterexample for user-pinsker-4 certified in exact" in capsys.readouterr().out
    assert main(["replay", "--import", "user_claims", str(out)]) == 0
    assert "certificate verified: the instance refutes user-pinsker-4" in capsys.readouterr().out


def test_a_user_claims_certificate_replays_without_import(tmp_path, capsys):
    _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    out = tmp_path / "q.json"
    assert main(["counterexample", "--import", "user_claims", "user-pinsker-4", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["module"] == "user_claims" and data["module_file"] == str(tmp_path / "user_claims.py")
    _forget("user-pinsker", "user-pinsker-4")
    with pytest.raises(KeyError):
        registry.get("user-pinsker-4")
    assert main(["replay", str(out)]) == 0  # the certificate names the module: replay imports it
    assert "refutes user-pinsker-4" in capsys.readouterr().out
    # From another folder, where the module name does not import, the recorded file is found instead.
    _forget("user-pinsker", "user-pinsker-4")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    assert replay(out).ok


def test_replay_without_import_in_a_fresh_process(tmp_path):
    path = _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    made = _run("counterexample", "--import", str(path), "user-pinsker-4", "--out", "q.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    done = _run("replay", str(tmp_path / "q.json"), cwd=ROOT)  # another folder, no --import
    assert done.returncode == 0, done.stderr
    assert "certificate verified: the instance refutes user-pinsker-4 (exact)" in done.stdout


def test_replay_refuses_when_the_module_is_gone(tmp_path):
    path = _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    assert main(["counterexample", "--import", str(path), "user-pinsker-4", "--out", "q.json"]) == 0
    _forget("user-pinsker", "user-pinsker-4")
    path.unlink()
    with pytest.raises(CertificateError, match=r"comes from .*user_claims\.py, which cannot be imported.*no such file"):
        replay(tmp_path / "q.json")
    # A certificate that names no module says how to supply the claim.
    data = json.loads((tmp_path / "q.json").read_text())
    del data["module"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(CertificateError, match="names no module: replay with --import MODULE"):
        replay(tmp_path / "old.json")


def test_certificates_of_the_papers_claims_name_no_module(tmp_path):
    from proofs_checks.certificates import make_certificate

    claim = registry.get("conj-pinsker-quarter")
    result = check(claim)
    certificate = make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation)
    assert "module" not in certificate and certificate["claim"] == "conj-pinsker-quarter"


# -- bad --import values: one line, exit 2 ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command", [["list"], ["check", "x"], ["explain", "x"], ["counterexample", "x"], ["replay", "x.json"]]
)
@pytest.mark.parametrize(
    "source, spec, message",
    [
        (
            None,
            "no_such_claims_module",
            "cannot import claims from module 'no_such_claims_module': ModuleNotFoundError",
        ),
        (None, "missing/claims.py", "cannot import claims from missing/claims.py: no such file"),
        (
            "CLAIMS = ['not a claim']\n",
            "broken_claims.py",
            "CLAIMS must be a list of proofs_checks.Claim, but CLAIMS[0] is 'not a claim'",
        ),
        ("CLAIMS = 3\n", "broken_claims.py", "CLAIMS must be a list of proofs_checks.Claim, not a int"),
        ("raise RuntimeError('no\\nclaims today')\n", "broken_claims", "RuntimeError: no claims today"),
        ("x = 1\n", "broken_claims", "broken_claims defines no claims"),
    ],
)
def test_bad_import_values_are_one_line_usage_errors(tmp_path, capsys, command, source, spec, message):
    if source is not None:
        _write(tmp_path, "broken_claims.py", source)
    code = main([command[0], "--import", spec, *command[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("mightnt: ") and err.count("\n") == 1 and message in err, err


def test_a_bad_import_is_one_line_without_a_traceback_from_the_shell(tmp_path):
    done = _run("check", "--import", "no_such_claims_module", "anything", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "mightnt: cannot import claims from module 'no_such_claims_module': "
        "ModuleNotFoundError: No module named 'no_such_claims_module'\n"
    )


def test_import_refuses_a_paper_id_and_a_clash_between_modules(tmp_path):
    _write(tmp_path, "user_claims.py", CLAIMS_MODULE.replace('"user-pinsker"', '"pinsker"'))
    with pytest.raises(registry.ImportClaimsError, match="'pinsker' is one of the paper's claims"):
        registry.import_claims("user_claims")
    _write(tmp_path, "ep_claims_a.py", CLAIMS_MODULE)
    _write(tmp_path, "ep_claims_b.py", CLAIMS_MODULE)
    registry.import_claims("ep_claims_a")
    with pytest.raises(registry.ImportClaimsError, match="'user-pinsker' is already registered by ep_claims_a"):
        registry.import_claims("ep_claims_b")


# -- entry points: mightnt.claims ----------------------------------------------------------------------------------
def _install_entry_points(site: Path) -> None:
    """A distribution installed in ``site`` (as pip would lay it out) declaring three entry points."""
    site.mkdir()
    info = site / "epdist-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: epdist\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[mightnt.claims]\n"
        "module = ep_claims_module\n"
        "function = ep_claims_function:make_claims\n"
        "broken = ep_claims_missing\n"
    )
    _write(site, "ep_claims_module.py", CLAIMS_MODULE.replace('"user-pinsker', '"ep-pinsker'))
    _write(
        site,
        "ep_claims_function.py",
        """
        from proofs_checks import Claim


        def make_claims():
            return [Claim(id="ep-made", title="1 <= 2", examples=lambda: [{}],
                          lhs=lambda x, a: 1, relation="<=", rhs=lambda x, a: 2)]
        """,
    )


def test_entry_points_load_on_demand_and_in_list(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    _install_entry_points(site)
    sys.path.insert(0, str(site))
    monkeypatch.setattr(registry, "_ENTRY_POINTS", None)  # not loaded yet
    claim = registry.get("ep-pinsker-4")  # unknown at first: the entry points are loaded, and it is there
    assert claim.title == "KL >= 4 TVD^2" and registry.origin("ep-pinsker-4") == "ep_claims_module"
    assert registry.get("ep-made").evaluate({}, "exact").holds is True
    assert registry.origin("ep-made") == "ep_claims_function:make_claims"
    problems = registry.load_entry_points()
    assert problems["module"] is None and problems["function"] is None
    assert "ModuleNotFoundError: No module named 'ep_claims_missing'" in problems["broken"]
    assert main(["list"]) == 0  # a broken package is a warning; the others' claims are listed
    captured = capsys.readouterr()
    assert "ep-pinsker-4" in captured.out and "ep-made" in captured.out
    assert "mightnt: warning: entry point 'broken' (mightnt.claims)" in captured.err
    with pytest.raises(KeyError, match="unknown claim 'nope'.*entry point 'broken'"):
        registry.get("nope")


def test_entry_point_claims_from_the_shell(tmp_path):
    site = tmp_path / "site"
    _install_entry_points(site)
    done = _run("explain", "ep-pinsker", cwd=tmp_path, env={"PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ep-pinsker: KL >= 2 TVD^2")


# -- pytest: assert_holds -------------------------------------------------------------------------------------------
def _claims(tmp_path):
    _write(tmp_path, "user_claims.py", CLAIMS_MODULE)
    claims = registry.import_claims("user_claims")
    return claims[0], claims[1]


def test_assert_holds_passes_on_a_true_claim(tmp_path):
    true, _ = _claims(tmp_path)
    result = true.assert_holds(database=tmp_path / "db")
    assert result.verdict == "holds" and result.met
    assert saved_counterexamples("user-pinsker", database=tmp_path / "db") == []


def test_assert_holds_fails_with_the_counterexample_and_a_certificate(tmp_path):
    _, false = _claims(tmp_path)
    with pytest.raises(AssertionError) as failure:
        false.assert_holds(database=tmp_path / "db", certificates=tmp_path / "certs")
    message = str(failure.value)
    assert message.startswith("claim 'user-pinsker-4' (theorem) should be 'holds' but is 'refuted'")
    assert "counterexample (certified in exact): {'p': (Fraction(1, 1), Fraction(0, 1))" in message
    assert "claim: 0.6931471806 (= ln(2)) >= 1  (VIOLATED)" in message  # both sides, as floats and exactly
    certificate = tmp_path / "certs" / "user-pinsker-4.json"
    assert f"certificate: {certificate}" in message
    assert replay(certificate).ok
    assert "tried first" not in message


def test_a_second_run_tries_the_saved_counterexample_first(tmp_path):
    _, false = _claims(tmp_path)
    with pytest.raises(AssertionError):
        false.assert_holds()  # the default database: .mightnt/examples in the current directory
    saved = saved_counterexamples("user-pinsker-4")
    assert saved == [{"p": (Fraction(1), Fraction(0)), "q": (Fraction(1, 2), Fraction(1, 2))}]
    assert (tmp_path / ".mightnt" / "examples").is_dir()
    with pytest.raises(AssertionError, match="saved by an earlier run and tried first"):
        false.assert_holds()
    found = check(false, try_first=saved)
    assert found.verdict == "refuted" and found.examples == 1 and found.evidence.scope_instances == 0


def test_saved_counterexamples_that_no_longer_refute_are_forgotten(tmp_path):
    true, _ = _claims(tmp_path)
    db = tmp_path / "db"
    assert save_counterexample(
        "user-pinsker", {"p": (Fraction(1), Fraction(0)), "q": (Fraction(1, 2), Fraction(1, 2))}, database=db
    )
    assert len(saved_counterexamples("user-pinsker", database=db)) == 1
    assert true.assert_holds(database=db).verdict == "holds"
    assert saved_counterexamples("user-pinsker", database=db) == []


def test_assert_holds_passes_on_a_refuted_conjecture_and_fails_on_an_error(tmp_path):
    conjecture = registry.get("conj-pinsker-quarter")
    assert conjecture.assert_holds(database=None).verdict == "refuted"
    broken = Claim(
        id="broken",
        title="a side with a typo",
        given={"n": st.integers(0, 3)},
        lhs=lambda x, a: x["m"],
        relation="<=",
        rhs=lambda x, a: 1,
    )
    with pytest.raises(
        AssertionError,
        match=r"should be 'holds' but is 'error'.*claim 'broken': lhs raised "
        r"KeyError: 'm' at \{'n': 0\}",
    ):
        broken.assert_holds(database=None)


# -- errors from a claim's own code name the claim, the side and the instance -----------------------------------
def _claim(**sides):
    return Claim(id="my-claim", title="t", given={"n": st.integers(0, 3)}, **sides)


def test_a_side_that_raises_is_named_with_the_instance():
    claim = _claim(lhs=lambda x, a: x["m"], relation="<=", rhs=lambda x, a: 1)
    with pytest.raises(ClaimSideError) as err:
        claim.evaluate({"n": 2}, "exact")
    assert str(err.value) == "claim 'my-claim': lhs raised KeyError: 'm', at instance {'n': 2}"
    assert (err.value.claim_id, err.value.side, err.value.instance) == ("my-claim", "lhs", {"n": 2})
    assert isinstance(err.value.cause, KeyError) and isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    "value, shown", [("1/2", "'1/2' (a str)"), (None, "None (a NoneType)"), ([1, 2], "[1, 2] (a list)")]
)
def test_a_side_that_returns_no_number_is_a_claim_error(value, shown):
    claim = _claim(lhs=lambda x, a: 0, relation="<=", rhs=lambda x, a: value)
    with pytest.raises(
        ClaimSideError,
        match=r"claim 'my-claim': rhs returned "
        + shown.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")
        + r", not a number or a value of the float arithmetic, at instance \{'n': 1\}",
    ):
        claim.evaluate({"n": 1}, "float")


def test_a_parts_function_is_named_and_its_parts_checked():
    def raising(x, a):
        raise RuntimeError("oops")

    def returns_none(x, a):
        return None

    def text_side(x, a):
        return [Part("conclusion", 0, "<=", "one")]

    for function, problem in [
        (raising, "parts function 'raising' raised RuntimeError: oops"),
        (returns_none, "parts function 'returns_none' returned None (a NoneType), not a list"),
        (text_side, "parts function 'text_side', part 'conclusion', rhs is 'one' (a str)"),
    ]:
        with pytest.raises(
            ClaimSideError, match=r"claim 'my-claim': " + problem.replace("(", r"\(").replace(")", r"\)")
        ):
            _claim(parts=function).evaluate({"n": 3}, "exact")


def test_check_reports_the_claim_the_side_and_the_instance():
    claim = _claim(lhs=lambda x, a: 0, relation="<=", rhs=lambda x, a: "two" if x["n"] == 2 else 1)
    result = check(claim)
    assert result.verdict == "error"
    assert result.message == (
        "error: claim 'my-claim': rhs returned 'two' (a str), not a number or a value of the "
        "float arithmetic at {'n': 2}"
    )
    assert result.error["instance"] == "{'n': 2}"


def test_an_arithmetic_error_of_a_side_still_lets_certification_fall_back():
    # Exact arithmetic cannot do this side (as when it has no exact form): ball arithmetic certifies instead.
    def lhs(x, a):
        if a.name == "exact":
            raise ZeroDivisionError("no exact form")
        return a.convert(Fraction(1, 3))

    claim = _claim(lhs=lhs, relation="<=", rhs=lambda x, a: a.convert(1))
    with pytest.raises(ArithmeticError, match="claim 'my-claim': lhs raised ZeroDivisionError: no exact form"):
        claim.evaluate({"n": 0}, "exact")
    assert certify(claim, {"n": 0}).context == "ball" and check(claim).verdict == "holds"

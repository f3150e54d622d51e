"""The trusted kernel (proofs_checks/kernel/): it accepts the genuine certificates of every covered claim,
rejects tampered ones (an instance that does not violate its claim, a flipped ``holds``, a changed kind), bounds
logarithms and exponentials rigorously, decides exact zeros of linear forms in logarithms, checks LP optima
through dual solutions, and imports nothing but the standard library.

The certificates in tests/data/kernel/ were written by ``mightnt counterexample ID --out FILE`` (seed 0).
"""

import copy
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from proofs_checks import kernel
from proofs_checks.kernel import INF, KernelError, LogLin, NotCovered, check, check_lp, decide, exp_bounds, ln_bounds

DATA = Path(__file__).parent / "data" / "kernel"
KERNEL_DIR = Path(kernel.__file__).parent
COVERED_FILES = [
    "conj-pinsker-quarter",
    "conj-kl-triangle",
    "conj-bayes-kl-transfers",
    "conj-worst-case-bounds-expected",
    "conj-kl-boosts-only-optimal",
    "prop1-no-triangle",
]


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def q(x) -> dict:
    return {"q": str(Fraction(x))}


# -- genuine certificates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", COVERED_FILES)
def test_accepts_genuine_certificates(name):
    cert = load(name)
    result = check(cert)
    assert result.ok, result.message
    assert result.holds == [p["holds"] for p in cert["parts"]]  # part by part, as the engine recorded
    assert ("refutes" if cert["kind"] == "refutation" else "witnesses") in result.message


def test_every_registered_claim_that_produces_certificates_is_covered_or_explained():
    from proofs_checks import registry

    # The project's own claims (user claims other tests register are theirs to cover, or not)
    certifying = [i for i in registry.BUILTIN if registry.get(i).kind in ("conjecture", "witness")]
    assert certifying, "no claim produces certificates?"
    for claim_id in certifying:
        assert claim_id in kernel.COVERED or claim_id in kernel.NOT_COVERED, claim_id
    assert set(COVERED_FILES) <= set(kernel.COVERED)


def test_uncovered_claim_is_reported_with_its_reason():
    with pytest.raises(NotCovered, match="theorem"):
        check(dict(load("conj-pinsker-quarter"), claim="thm2-tvd-constraint"))
    with pytest.raises(NotCovered, match="no evaluator"):
        check(dict(load("conj-pinsker-quarter"), claim="thm3-top-set"))


# -- tampered certificates --------------------------------------------------------------------------------------
def _with(name, **instance):
    cert = load(name)
    cert["instance"]["dict"].update(instance)
    return cert


def test_rejects_pinsker_refutation_whose_instance_has_p_equal_q():
    cert = _with("conj-pinsker-quarter", q={"tuple": [q(1), q(0)]})  # p = q = (1, 0): TVD = KL = 0
    result = check(cert)
    assert not result.ok and "holds=False" in result.message


def test_rejects_non_violating_instances_of_every_refuted_claim():
    d = load("conj-kl-triangle")["instance"]["dict"]
    tampered = [
        _with("conj-kl-triangle", pi=d["tau"], beta=d["tau"]),  # all KLs 0
        _with(
            "conj-worst-case-bounds-expected", pi=load("conj-worst-case-bounds-expected")["instance"]["dict"]["beta"]
        ),
        _with("conj-bayes-kl-transfers", pi_component=0),  # π = μ: KL(μ‖μ) = 0
        _with("conj-kl-boosts-only-optimal", utility={"mean_reward": [["0"], ["0"], ["0"]]}),  # all optimal
    ]
    for cert in tampered:
        result = check(cert)
        assert not result.ok, (cert["claim"], result.message)
    # A recorded verdict that now agrees with the kernel, but no part is violated: still no refutation.
    cert = _with("conj-pinsker-quarter", q={"tuple": [q(1), q(0)]})
    cert["parts"][1]["holds"] = True
    result = check(cert)
    assert not result.ok and "does not refute" in result.message


def test_rejects_a_refutation_that_violates_the_claims_hypothesis():
    cert = _with("conj-bayes-kl-transfers", alpha=q(2))  # α = 2: μ leaves the top set, the hypothesis fails
    cert["parts"][0]["holds"] = False  # recorded as the kernel finds it, so only the hypothesis rule can reject
    result = check(cert)
    assert not result.ok and "hypothesis" in result.message and result.holds[:3] == [False, False, False]


@pytest.mark.parametrize("name", COVERED_FILES)
def test_rejects_every_flipped_holds(name):
    for i in range(len(load(name)["parts"])):
        cert = load(name)
        cert["parts"][i]["holds"] = not cert["parts"][i]["holds"]
        assert not check(cert).ok, (name, i)


def test_rejects_wrong_kind_and_wrong_part_count():
    cert = load("conj-pinsker-quarter")
    cert["kind"] = "witness"
    assert not check(cert).ok
    cert = load("prop1-no-triangle")
    cert["kind"] = "refutation"  # every part holds: nothing is refuted
    assert not check(cert).ok
    cert = load("conj-pinsker-quarter")
    cert["parts"].append(copy.deepcopy(cert["parts"][1]))  # a duplicated part
    assert "records 4 parts" in check(cert).message
    cert["kind"] = "proof"
    with pytest.raises(KernelError, match="kind"):
        check(cert)


def test_rejects_malformed_instances_with_kernel_errors():
    with pytest.raises(KernelError):
        check(_with("conj-kl-triangle", tau={"tuple": [q(1), q(0)]}))  # τ must have full support
    for horizon in ("x", True, -1, 10**9):  # not an integer, or beyond the brute force: refused before any work
        with pytest.raises(KernelError, match="horizon"):
            check(_with("conj-pinsker-quarter", horizon=horizon))
    with pytest.raises(NotCovered):
        check(dict(load("conj-pinsker-quarter"), claim=["conj-pinsker-quarter"]))
    with pytest.raises(KernelError, match="distributions"):
        check(_with("conj-pinsker-quarter", p={"tuple": [q(2), q(-1)]}))  # sums to 1, but not a distribution
    with pytest.raises(NotCovered, match="decoder"):
        check(_with("conj-pinsker-quarter", pi={"program": {"code": 3}}))


def test_check_file_reads_json_and_refuses_junk(tmp_path):
    assert kernel.check_file(DATA / "prop1-no-triangle.json").ok
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(KernelError, match="not a readable JSON"):
        kernel.check_file(bad)


# -- rigorous bounds --------------------------------------------------------------------------------------------
LN2 = Fraction("0.693147180559945309417232121458176568075500134360255254120680")
E = Fraction("2.718281828459045235360287471352662497757247093699959574966968")


def test_ln2_enclosure_is_rigorous_and_tight():
    lo, hi = ln_bounds(Fraction(2), 110)
    assert lo < LN2 < hi and hi - lo < Fraction(1, 10**30)
    assert float(lo) == float(hi) == 0.6931471805599453
    lo, hi = ln_bounds(Fraction(2), 8)
    assert lo < LN2 < hi  # rigorous at low precision too


def test_ln_of_large_small_and_near_one_arguments():
    for x, exact in (
        (Fraction(2) ** 600, 600 * LN2),
        (Fraction(1, 2**600), -600 * LN2),
        (Fraction(4, 1), 2 * LN2),
        (Fraction(1), Fraction(0)),
    ):
        lo, hi = ln_bounds(x, 120)
        assert lo <= exact <= hi and hi - lo < Fraction(1, 10**28), x
    lo, hi = ln_bounds(Fraction(10**9 + 1, 10**9), 100)  # ln(1 + 1e-9) = 1e-9 - 5e-19 + ...
    assert lo < Fraction(1, 10**9) - Fraction(5, 10**19) + Fraction(1, 3 * 10**27) < hi
    with pytest.raises(KernelError):
        ln_bounds(Fraction(0))


def test_exp_enclosures():
    lo, hi = exp_bounds(Fraction(1), 110)
    assert lo < E < hi and hi - lo < Fraction(1, 10**30)
    lo, hi = exp_bounds(Fraction(-10), 110)
    assert lo < 1 / E**10 < hi
    lo, hi = exp_bounds(Fraction(0), 50)
    assert lo <= 1 <= hi
    # exp and ln are inverse: exp(ln 2) encloses 2
    llo, lhi = ln_bounds(Fraction(2), 100)
    assert exp_bounds(llo, 100)[0] < 2 < exp_bounds(lhi, 100)[1]


def test_log_linear_forms_are_decided_exactly():
    assert decide(LogLin.ln(4), "==", LogLin.ln(2) * 2)
    assert decide(LogLin.ln(6) - LogLin.ln(2), "==", LogLin.ln(3))
    assert decide(LogLin.ln(Fraction(12, 18)), "==", LogLin.ln(2) - LogLin.ln(3))
    assert decide(LogLin.ln(3), ">", LogLin.ln(2)) and not decide(LogLin.ln(3), "==", LogLin.ln(2))
    # 2^-600 against e^-415.888...: ln(2^-600) = -415.888..., decided by the bounds
    assert decide(LogLin.ln(Fraction(1, 2**600)), "<", Fraction(-415))
    assert decide(LogLin.ln(Fraction(1, 2**600)), ">", Fraction(-416))
    assert decide(INF, "==", INF) and decide(Fraction(5), "<", INF) and not decide(INF, "<=", LogLin.ln(2))
    # the exact part cancels exactly: ln(2^10) − 10·ln 2 − 10^-40 < 0 with no bounds at all
    assert decide(LogLin.ln(1024), "<", LogLin.ln(2) * 10 + Fraction(1, 10**40), 8) is True
    # a near tie: ln 3 = 1.09861228866810969139524523692252570464749055..., x exceeds it by about 5e-41
    x = Fraction("1.0986122886681096913952452369225257046475")
    assert decide(LogLin.ln(3), "<", x, 64) is None  # undecided at 64 bits ...
    assert decide(LogLin.ln(3), "<", x, 256) is True  # ... decided once refined
    assert decide(LogLin.ln(3), ">", x - Fraction(1, 10**40), 256) is True


# -- LP optima through duals ------------------------------------------------------------------------------------
def test_check_lp_accepts_an_optimum_and_rejects_the_rest():
    # max x + y  s.t. x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0: optimum (8/5, 6/5), value 14/5, dual (2/5, 1/5)
    lp = ([1, 1], [[1, 2], [3, 1]], [4, 6], [], [])
    assert check_lp(*lp, ["8/5", "6/5"], ["2/5", "1/5"], []) == Fraction(14, 5)
    with pytest.raises(KernelError, match="slackness"):
        check_lp(*lp, [0, 0], ["2/5", "1/5"], [])  # feasible but not optimal
    with pytest.raises(KernelError, match="primal"):
        check_lp(*lp, [2, 2], ["2/5", "1/5"], [])
    with pytest.raises(KernelError, match="dual"):
        check_lp(*lp, ["8/5", "6/5"], [0, 0], [])
    with pytest.raises(KernelError, match="dimensions"):
        check_lp(*lp, ["8/5"], ["2/5", "1/5"], [])  # a truncated primal is not read as a shorter program
    # an equality constraint, with a free dual
    assert check_lp([1, 0], [], [], [[1, 1]], [1], [1, 0], [], [1]) == 1


# -- independence, size, CLI ------------------------------------------------------------------------------------
def test_kernel_imports_only_the_standard_library(tmp_path):
    # A copy of the package under another name, imported in an isolated interpreter: nothing else comes along.
    copy_dir = tmp_path / "stdkernel"
    copy_dir.mkdir()
    for f in KERNEL_DIR.glob("*.py"):
        (copy_dir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import stdkernel\n"
        f"r = stdkernel.check_file({str(DATA / 'conj-kl-triangle.json')!r}); assert r.ok, r.message\n"
        "bad = [n for n in ('theory', 'proofs_checks', 'flint', 'numpy', 'sympy', 'mpmath', 'hypothesis') "
        "if n in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_kernel_is_short_and_says_so():
    core = len((KERNEL_DIR / "__init__.py").read_text(encoding="utf-8").splitlines())
    lp = len((KERNEL_DIR / "lp.py").read_text(encoding="utf-8").splitlines())
    assert core + lp < 1000  # about 820 for the core, about 140 for the linear programs (as ruff formats them)
    assert f"({core} lines here and {lp} in" in " ".join(kernel.__doc__.split())  # the docstring states them


def test_cli_replay_kernel(tmp_path, capsys):
    from proofs_checks.cli import main

    assert main(["replay", "--kernel", str(DATA / "conj-kl-triangle.json")]) == 0
    assert "kernel: the instance refutes conj-kl-triangle" in capsys.readouterr().out
    cert = load("conj-pinsker-quarter")
    cert["parts"][0]["holds"] = False
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(cert), encoding="utf-8")
    assert main(["replay", "--kernel", str(path)]) != 0
    # the TVD certificate carries its LP duals (proofs_checks.lp_witness), so the kernel verifies its optima
    assert main(["replay", "--kernel", str(DATA / "conj-tvd-boosts-only-optimal-everywhere.json")]) == 0
    assert "kernel: the instance refutes conj-tvd-boosts-only-optimal-everywhere" in capsys.readouterr().out


# -- agreement with the engine on drawn instances ---------------------------------------------------------------
@pytest.mark.parametrize(
    "claim_id",
    [
        "conj-pinsker-quarter",
        "pinsker",
        "conj-worst-case-bounds-expected",
        "conj-kl-boosts-only-optimal",
        "prop1-no-triangle",
        "conj-bayes-kl-transfers",
        "conj-tvd-boosts-only-optimal-everywhere",
    ],
)
def test_kernel_agrees_with_the_engine_part_by_part(claim_id):
    """On instances drawn by the claim's own strategy (not only shrunk counterexamples), the kernel decides
    every part as the engine's certified evaluation does."""
    from hypothesis import HealthCheck, given, settings

    from proofs_checks import registry
    from proofs_checks.instances import encode

    claim = registry.get(claim_id)
    arith = claim.certify_in[0] if getattr(claim, "certify_in", None) else "exact"
    seen = []

    @settings(max_examples=8, database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(claim._strategy)
    def run(x):
        ev = claim.evaluate(x, arith)
        engine = [p.holds for p in ev.parts]
        if None in engine:
            return
        cert = {"claim": claim_id, "kind": "witness", "instance": encode(x), "parts": [{"holds": h} for h in engine]}
        if claim_id in kernel.lp.CLAIM_IDS:
            cert["lp_dual"] = lp_dual(cert)  # (defined below: what the engine would store)
        assert check(cert).holds == engine, (x, engine)
        seen.append(engine)

    run()
    assert len(seen) >= 4


# -- linear programs: conj-tvd-boosts-only-optimal-everywhere through lp_dual ----------------------------------
def lp_dual(cert):
    """The lp_dual entries the engine writes (proofs_checks.lp_witness), for an instance given as JSON."""
    from proofs_checks.instances import decode
    from proofs_checks.lp_witness import tvd_lp_dual

    return tvd_lp_dual(decode(cert["instance"]))


def test_tvd_refutation_is_checked_through_stored_duals():
    cert = load("conj-tvd-boosts-only-optimal-everywhere")
    assert cert["lp_dual"] == lp_dual(cert)  # the engine writes it, and writes the same again
    without = {k: v for k, v in cert.items() if k != "lp_dual"}
    with pytest.raises(KernelError, match="lp_dual"):
        check(without)
    assert [e["lp"] for e in cert["lp_dual"]] == ["optimum", "min_raise"]
    result = check(cert)
    assert result.ok, result.message
    assert result.holds == [p["holds"] for p in cert["parts"]]
    # A dual that no longer proves optimality, a primal moved off the optimum, a missing program: refused.
    for entry, field, i, value in ((0, "y_ub", 0, "0"), (1, "y_ub", 1, "1000"), (0, "x", 0, "0")):
        bad = copy.deepcopy(cert)
        bad["lp_dual"][entry][field][i] = value
        with pytest.raises(KernelError, match="LP"):
            check(bad)
    bad = copy.deepcopy(cert)
    del bad["lp_dual"][1]
    with pytest.raises(KernelError, match="min_raise"):
        check(bad)


def test_tvd_certificate_with_a_non_violating_instance_is_rejected():
    cert = _with("conj-tvd-boosts-only-optimal-everywhere", budget=q(0))  # c = 0: π_c = β raises nothing
    cert["lp_dual"] = lp_dual(cert)
    result = check(cert)
    assert not result.ok and "records 10 parts; the kernel finds 8" in result.message
    cert["parts"] = [{"holds": h} for h in result.holds]  # even recorded as the kernel finds them
    assert all(result.holds) and "no part is violated" in check(cert).message

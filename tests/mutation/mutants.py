"""A small mutation harness: seeded engine bugs in ``theory/`` that ``mightnt check`` must catch.

Each :class:`Mutant` is a named, exact text substitution in one ``theory/`` file. The original text must occur
exactly once, so the harness fails loudly (:class:`MutationError`) when the code it mutates moves. A run copies
``theory/`` and ``proofs_checks/`` into a temporary directory, applies one mutant there, and runs
``python -m proofs_checks check [IDS] --format json`` with the copy first on ``PYTHONPATH`` (the imported
``theory`` is verified to be the copy, not the editable install). A mutant is *caught* when the check exits
nonzero with some claim not met (refuted, error, …) and no traceback; a crash is never a catch.

    python -m tests.mutation.mutants                       # every mutant against every claim
    python -m tests.mutation.mutants --mutant worst-case-min --claims chain-rule
    python -m tests.mutation.mutants --list

>>> sorted(m.name for m in MUTANTS)[:3]
['compiled-bayes-rule-unnormalized', 'demonstrator-update-ignored', 'estimator-k3-derivative-sign']
>>> get("worst-case-min").path
'theory/measures.py'
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Mutant",
    "MUTANTS",
    "MutationError",
    "RunResult",
    "get",
    "apply",
    "copy_tree",
    "classify",
    "run",
    "render",
    "main",
    "REPO",
]

#: The repository whose ``theory/`` and ``proofs_checks/`` are copied and mutated.
REPO = Path(__file__).resolve().parents[2]
_PACKAGES = ("theory", "proofs_checks")
_TRACEBACK = "Traceback (most recent call last)"


class MutationError(ValueError):
    """A mutant cannot be applied (its original text is missing or ambiguous), is unknown, or the run did not
    import the mutated copy."""


@dataclass(frozen=True)
class Mutant:
    """One seeded bug: replace ``old`` (occurring exactly once in ``path``) by ``new``.

    ``catching`` names the claims that catch it narrowly (the ones the mutation tests run).

    >>> m = Mutant("demo", "theory/x.py", "a", "b", "a becomes b", ("pinsker",))
    >>> m.name, m.catching
    ('demo', ('pinsker',))
    """

    name: str
    path: str
    old: str
    new: str
    description: str
    catching: tuple = ()

    def __post_init__(self):
        if not self.path.startswith("theory/"):
            raise MutationError(f"mutant {self.name!r} mutates {self.path!r}; mutants live in theory/")
        if self.old == self.new:
            raise MutationError(f"mutant {self.name!r} changes nothing")


MUTANTS = (
    Mutant(
        "posterior-float-unnormalized",
        "theory/mixtures.py",
        "state.post = ctx.weights_linear(state.weights)\n        return state.post",
        "state.post = ctx.weights_linear(state.weights)\n        return state.post * (1 if ctx.certified else 2)",
        "float-only posterior normalization: float posterior weights sum to 2 (exact and ball untouched)",
        ("top-set-size",),
    ),
    Mutant(
        "worst-case-min",
        "theory/measures.py",
        "values[t] = f[t] + ctx.maximum(cont, axis=1)",
        "values[t] = f[t] - ctx.maximum(-cont, axis=1)",
        "Definition 2 takes the minimum over observation sequences instead of the maximum",
        ("chain-rule",),
    ),
    Mutant(
        "groups-merge-ignoring-weights",
        "theory/trees.py",
        "rows = np.concatenate([keys, np.asarray(weight_keys, dtype=np.int64).reshape(n, -1)], axis=1)",
        "rows = keys",
        "Definition 2 merges observation prefixes that reach the same states with different weights",
        ("chain-rule",),
    ),
    Mutant(
        "compiled-bayes-rule-unnormalized",
        "theory/_loops.py",
        "v = out_post[i, k] / total\n",
        "v = out_post[i, k] / (total if k else 1.0)\n",
        "the float context's compiled Bayes' rule leaves the first component's weight unnormalized",
        ("mixture-dominance",),
    ),
    Mutant(
        "demonstrator-update-ignored",
        "theory/mixtures.py",
        'if self.update == "demonstrator" else',
        'if self.update == "demonstrators" else',
        "update='demonstrator' mixtures update on every step (a typo disables the skip)",
        ("top-set-size",),
    ),
    Mutant(
        "kl-drops-bottom",
        "theory/divergences.py",
        "pv, qv, labels = _prepare(p, q, ctx)",
        "pv, qv, labels = _prepare(p, q, ctx)\n        pv, qv, labels = pv[:, :-1], qv[:, :-1], labels[:-1]",
        "theory.kl drops ⊥: the abstain mass of semi-distributions is not an outcome",
        ("pinsker",),
    ),
    Mutant(
        "top-set-too-large",
        "theory/imitation.py",
        "cumulative = np.cumsum(ranked, axis=1)",
        "cumulative = np.cumsum(ranked, axis=1) - ranked",
        "top set too large: w_n ≥ α·(w_1 + … + w_{n−1}), the component's own weight left out of the sum",
        ("top-set-size",),
    ),
    Mutant(
        "top-set-ascending",
        "theory/imitation.py",
        "ranked = np.take_along_axis(weights, order, axis=1)",
        "order = order[:, ::-1]\n    ranked = np.take_along_axis(weights, order, axis=1)",
        "the top set ranks the components by ascending posterior weight",
        ("top-set-size",),
    ),
    Mutant(
        "imitator-max",
        "theory/imitation.py",
        "big = dctx.convert(2)\n            masked = np.where(mask[:, :, None], probs, big)\n"
        "            out = masked.min(axis=1)",
        "big = dctx.convert(-1)\n            masked = np.where(mask[:, :, None], probs, big)\n"
        "            out = masked.max(axis=1)",
        "the pessimistic imitator takes the maximum over the top set instead of the minimum",
        ("thm4-pessimistic-kl",),
    ),
    Mutant(
        "estimator-rewards-to-go-dropped",
        "theory/estimators.py",
        "coef = coef + base * own * (k * ea0 + ea1)",
        "coef = coef + base * own * k * ea0",
        "a penalty in the reward charges each token for its own estimate only, not for the later tokens'",
        ("k1-reward-forward",),
    ),
    Mutant(
        "estimator-score-baseline-dropped",
        "theory/estimators.py",
        'rows = coef - level.data["p"] * coef.sum(axis=1)[:, None]',
        "rows = coef",
        "the softmax score is taken as e_a instead of e_a − π(·|s)",
        ("k1-pathwise-zero",),
    ),
    Mutant(
        "estimator-k3-derivative-sign",
        "theory/estimators.py",
        "k, dk = ratio - 1 + ell, 1 - ratio",
        "k, dk = ratio - 1 + ell, ratio - 1",
        "k3's derivative in ℓ is taken as r − 1 instead of 1 − r",
        ("k3-pathwise-reverse",),
    ),
    Mutant(
        "estimator-sequence-weight-ignored",
        "theory/estimators.py",
        'step = q * rho if ratio == "sequence" else q',
        "step = q",
        "off-policy samples are not reweighted by the trajectory's importance weight",
        ("k1-reward-forward",),
    ),
)


def get(name: str) -> Mutant:
    """The mutant called ``name``.

    >>> get("imitator-max").path
    'theory/imitation.py'
    >>> get("imitator-min")
    Traceback (most recent call last):
    ...
    tests.mutation.mutants.MutationError: unknown mutant 'imitator-min'; known: compiled-bayes-rule-unnormalized, demonstrator-update-ignored, estimator-k3-derivative-sign, estimator-rewards-to-go-dropped, estimator-score-baseline-dropped, estimator-sequence-weight-ignored, groups-merge-ignoring-weights, imitator-max, kl-drops-bottom, posterior-float-unnormalized, top-set-ascending, top-set-too-large, worst-case-min
    """
    for m in MUTANTS:
        if m.name == name:
            return m
    raise MutationError(f"unknown mutant {name!r}; known: {', '.join(sorted(m.name for m in MUTANTS))}")


def apply(mutant: Mutant, root) -> Path:
    """Apply ``mutant`` to the copy under ``root`` (in place); returns the mutated file.

    >>> d = Path(tempfile.mkdtemp()); (d / "theory").mkdir()
    >>> _ = (d / "theory" / "x.py").write_text("a = 1\\n")
    >>> apply(Mutant("one", "theory/x.py", "a = 1", "a = 2", "demo"), d).read_text()
    'a = 2\\n'
    >>> apply(Mutant("one", "theory/x.py", "a = 1", "a = 2", "demo"), d)
    Traceback (most recent call last):
    ...
    tests.mutation.mutants.MutationError: mutant 'one': the original text occurs 0 times in theory/x.py (expected exactly once); the code has moved
    >>> shutil.rmtree(d)
    """
    target = Path(root) / mutant.path
    text = target.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise MutationError(
            f"mutant {mutant.name!r}: the original text occurs {count} times in {mutant.path} "
            "(expected exactly once); the code has moved"
        )
    target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
    return target


def copy_tree(dest, mutant: Mutant | None = None, *, source=REPO) -> Path:
    """Copy ``theory/`` and ``proofs_checks/`` from ``source`` into ``dest`` and apply ``mutant`` (if any).

    >>> d = Path(tempfile.mkdtemp())
    >>> root = copy_tree(d, get("worst-case-min"))
    >>> "- ctx.maximum(-cont" in (root / "theory" / "measures.py").read_text()
    True
    >>> shutil.rmtree(d)
    """
    dest = Path(dest)
    for pkg in _PACKAGES:
        shutil.copytree(Path(source) / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if mutant is not None:
        apply(mutant, dest)
    return dest


@dataclass
class RunResult:
    """The outcome of one check run: ``status`` is ``"caught"``, ``"MISSED"``, ``"crashed"``, ``"timeout"`` or
    ``"inconsistent"`` for a mutant, ``"clean"`` or ``"NOT CLEAN"`` for the unmutated control."""

    mutant: str | None
    exit_code: int | None
    status: str
    not_met: list = field(default_factory=list)  # (claim id, verdict)
    seconds: float = 0.0
    stderr: str = ""
    theory_file: str = ""
    messages: dict = field(default_factory=dict)  # claim id -> the report's message, for the claims not met

    @property
    def caught(self) -> bool:
        """Whether a mutant was caught with a clean verdict."""
        return self.status == "caught"


def classify(exit_code, stdout: str, stderr: str, *, control: bool = False):
    """``(status, not_met)`` from a finished ``check --format json`` run.

    >>> report = json.dumps({"claims": [{"id": "pinsker", "verdict": "refuted", "met": False}]})
    >>> classify(1, report, "")
    ('caught', [('pinsker', 'refuted')])
    >>> classify(1, "", "Traceback (most recent call last):\\n  ...")
    ('crashed', [])
    >>> classify(0, json.dumps({"claims": [{"id": "pinsker", "verdict": "holds", "met": True}]}), "", control=True)
    ('clean', [])
    """
    if _TRACEBACK in stderr:
        return "crashed", []
    try:
        claims = json.loads(stdout)["claims"]
        not_met = [(c["id"], c["verdict"]) for c in claims if not c["met"]]
    except (ValueError, KeyError, TypeError):
        return "crashed", []
    if control:
        return ("clean" if exit_code == 0 and not not_met else "NOT CLEAN"), not_met
    if not_met and exit_code != 0:
        return "caught", not_met
    if not not_met and exit_code == 0:
        return "MISSED", not_met
    return "inconsistent", not_met


def _environment(root: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _imported_from(root: Path, env: dict) -> tuple:
    """``(theory.__file__, stderr)`` as the check's subprocess imports it (``("", stderr)`` when the import
    fails: the run is then a crash); raises MutationError when it imports anything but the copy."""
    code = "import theory, proofs_checks; print(theory.__file__); print(proofs_checks.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        return "", out.stderr
    files = out.stdout.split()
    resolved = root.resolve()
    if len(files) != 2 or not all(Path(f).resolve().is_relative_to(resolved) for f in files):
        raise MutationError(f"the check would not import the copy under {root}: it imports {files!r}")
    return files[0], out.stderr


def run(mutant: Mutant | str | None, claims=(), *, timeout: float = 1200, seed: int = 0, extra_args=()) -> RunResult:
    """Run ``python -m proofs_checks check [claims] --format json`` on a copy with ``mutant`` applied (None: the
    unmutated control) and classify the outcome (see :func:`classify`).

    >>> r = run("kl-drops-bottom", ["pinsker"], timeout=300)
    >>> r.status, r.not_met, r.exit_code
    ('caught', [('pinsker', 'refuted')], 1)
    """
    if isinstance(mutant, str):
        mutant = get(mutant)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mightnt-mutant-") as tmp:
        root = copy_tree(Path(tmp), mutant)
        env = _environment(root)
        theory_file, import_errors = _imported_from(root, env)
        if not theory_file:
            return RunResult(
                mutant.name if mutant else None, None, "crashed", [], time.perf_counter() - start, import_errors, ""
            )
        cmd = [
            sys.executable,
            "-m",
            "proofs_checks",
            "check",
            *claims,
            "--format",
            "json",
            "--seed",
            str(seed),
            *extra_args,
        ]
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the check's own process group, started above
            stdout, stderr = proc.communicate()
            return RunResult(
                mutant.name if mutant else None, None, "timeout", [], time.perf_counter() - start, stderr, theory_file
            )
    status, not_met = classify(proc.returncode, stdout, stderr, control=mutant is None)
    return RunResult(
        mutant.name if mutant else None,
        proc.returncode,
        status,
        not_met,
        time.perf_counter() - start,
        stderr,
        theory_file,
        _messages(stdout, not_met),
    )


def _messages(stdout: str, not_met: list) -> dict:
    ids = {i for i, _ in not_met}
    try:
        return {c["id"]: c.get("message", "") for c in json.loads(stdout)["claims"] if c["id"] in ids}
    except (ValueError, KeyError, TypeError):
        return {}


def render(results: list, *, verbose: bool = False) -> str:
    """The table of runs and the mutation score (``verbose``: each not-met claim's message too).

    >>> print(render([RunResult(None, 0, "clean"), RunResult("worst-case-min", 1, "caught",
    ...               [("chain-rule", "refuted")], 12.0)]))
    mutant          exit  status  seconds  claims not met
    --------------  ----  ------  -------  --------------------
    (control)       0     clean   0.0
    worst-case-min  1     caught  12.0     chain-rule (refuted)
    <BLANKLINE>
    caught 1 of 1
    """
    header = ["mutant", "exit", "status", "seconds", "claims not met"]
    rows = [
        [
            r.mutant or "(control)",
            "-" if r.exit_code is None else str(r.exit_code),
            r.status,
            f"{r.seconds:.1f}",
            ", ".join(f"{i} ({v})" for i, v in r.not_met),
        ]
        for r in results
    ]
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    mutated = [r for r in results if r.mutant is not None]
    lines += ["", f"caught {sum(r.caught for r in mutated)} of {len(mutated)}"]
    if verbose:
        for r in results:
            for claim, message in r.messages.items():
                lines.append(f"{r.mutant or '(control)'} / {claim}: {message[:400]}")
    for r in results:
        if r.status in ("crashed", "timeout", "inconsistent", "NOT CLEAN") and r.stderr:
            lines += ["", f"{r.mutant or '(control)'}: {r.status}; end of stderr:", r.stderr.strip()[-1500:]]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run the mutants (all by default) against the claims (all by default); print the table and the score.
    Exits 0 when the control is clean and every mutant is caught, 1 otherwise, 2 on bad usage.

    >>> main(["--list"])  # doctest: +ELLIPSIS
    compiled-bayes-rule-unnormalized  theory/_loops.py  ...
    0
    """
    parser = argparse.ArgumentParser(prog="python -m tests.mutation.mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", nargs="+", default=[], metavar="ID", help="claims to check (default: all)")
    parser.add_argument("--mutant", nargs="+", default=[], metavar="NAME", help="mutants to run (default: all)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per run (default 1200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-control", action="store_true", help="skip the unmutated control run")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--verbose", action="store_true", help="show the message of every claim not met")
    args = parser.parse_args(argv)
    try:
        mutants = [get(n) for n in args.mutant] if args.mutant else sorted(MUTANTS, key=lambda m: m.name)
    except MutationError as err:
        sys.stderr.write(f"mutants: {err}\n")
        return 2
    if args.list:
        width = max(len(m.name) for m in mutants)
        pwidth = max(len(m.path) for m in mutants)
        for m in mutants:
            print(f"{m.name.ljust(width)}  {m.path.ljust(pwidth)}  {m.description}")
        return 0
    results = []
    for m in ([None] if not args.no_control else []) + mutants:
        sys.stderr.write(f"running {m.name if m else '(control)'} ...\n")
        sys.stderr.flush()
        results.append(run(m, args.claims, timeout=args.timeout, seed=args.seed))
    print(render(results, verbose=args.verbose))
    control_ok = all(r.status == "clean" for r in results if r.mutant is None)
    return 0 if control_ok and all(r.caught for r in results if r.mutant is not None) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

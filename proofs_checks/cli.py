"""The ``mightnt`` command (also ``python -m proofs_checks``).

    mightnt list
    mightnt check [ID ...] [--profile ci|thorough] [--format table|json|markdown] [--seed N] [--certificates DIR]
                  [--jobs N] [--budget SECONDS] [--max-examples N] [--timeout SECONDS] [--memory GIB]
    mightnt counterexample ID [--out FILE] [--profile ...] [--seed N]
    mightnt replay FILE
    mightnt explain ID
    mightnt experiment teacher-student [--budget B] [--turns N] [--corpus K] [--episodes E] [--seed S] [--out DIR]

``check`` exits 0 when every claim meets its expected outcome (theorems hold, witnesses are exhibited,
illustrations are tabulated, false conjectures are refuted), 1 otherwise (a claim whose check raised, ran out
of memory or time, or found float and exact arithmetic disagreeing has the verdict "error" and the run goes
on), 2 on bad usage. Each claim is checked in a worker process, ``--jobs`` at a time (default: every core);
progress goes to standard error; results are deterministic under ``--seed`` and do not depend on ``--jobs``
as long as every claim's check fits its time budget (the report names any stage the budget cut short).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import registry
from .certificates import CertificateError, make_certificate, replay, write
from .claim import DEFAULT_BUDGET, check
from .report import FORMATS, render
from .runner import DEFAULT_MEMORY, DEFAULT_TIMEOUT, default_jobs, run_checks

__all__ = ["main", "PROFILES"]

#: Search effort per claim: the claim's own budget, draws and small scope (``ci``), or ten times each
#: (``thorough``).
PROFILES = {"ci": 1, "thorough": 10}


class _Progress:
    """One line per claim on standard error; rewritten in place on a terminal."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.index = 0
        self.last = 0.0

    def start(self, claim_id: str):
        self.index += 1
        self.claim_id = claim_id
        self._write(f"[{self.index}/{self.total}] {claim_id} ...", final=not self.tty)

    def update(self, claim_id: str, done: int, total: int):
        now = time.monotonic()
        if self.tty and now - self.last > 0.2:
            self.last = now
            self._write(f"[{self.index}/{self.total}] {claim_id} ... {done}/{total} examples", final=False)

    def finish(self, result):
        r = result.as_dict() if hasattr(result, "as_dict") else result
        self.done = getattr(self, "done", 0) + 1
        self._write(f"[{self.done}/{self.total}] {r['id']}: {r['verdict']} "
                    f"({'met' if r['met'] else 'NOT met'}, {r['examples']} examples, {r['seconds']:.1f} s)",
                    final=True)

    def _write(self, text: str, *, final: bool):
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _search_options(claim, args) -> dict:
    """check()'s effort options for one claim under the profile and the command line's overrides."""
    from .claim import DEFAULT_EXAMPLES, DEFAULT_SCOPE_LIMIT

    factor = PROFILES[args.profile]
    scope = claim.scope_limit if claim.scope_limit is not None else DEFAULT_SCOPE_LIMIT
    return dict(seed=args.seed,
                budget=args.budget or (claim.budget or DEFAULT_BUDGET) * factor,
                max_examples=args.max_examples or (claim.max_examples or DEFAULT_EXAMPLES) * factor,
                scope_limit=scope * factor)


def _cmd_list(args) -> int:
    claims = registry.all_claims()
    width = max(len(c.id) for c in claims)
    for c in claims:
        print(f"{c.id.ljust(width)}  {c.kind:<12} expected {c.expected:<10} {c.title}")
    return 0


def _resolve(ids):
    try:
        return [registry.get(i) for i in ids] if ids else registry.all_claims()
    except KeyError as err:
        raise SystemExit(_usage_error(err.args[0]))


def _usage_error(message: str) -> str:
    sys.stderr.write(f"mightnt: {message}\n")
    return 2


def _cmd_check(args) -> int:
    claims = _resolve(args.ids)
    if args.certificates:
        try:
            Path(args.certificates).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            return _usage_error(f"--certificates {args.certificates}: {err.strerror or err}")
    progress = _Progress(len(claims))
    records = run_checks(claims, jobs=args.jobs, options=lambda c: _search_options(c, args), timeout=args.timeout,
                         memory=int(args.memory * 2**30) if args.memory else None, certificates=args.certificates,
                         on_start=lambda c: progress.start(c.id), on_finish=progress.finish)
    print(render(records, args.format))
    return 0 if all(r["met"] for r in records) else 1


def _cmd_counterexample(args) -> int:
    (claim,) = _resolve([args.id])
    out = Path(args.out or f"{claim.id}.json")
    if not out.parent.is_dir():  # say so before the search, not after it
        return _usage_error(f"--out {out}: the folder {out.parent} does not exist")
    progress = _Progress(1)
    progress.start(claim.id)
    result = check(claim, **_search_options(claim, args), progress=progress.update)
    progress.finish(result)
    if result.verdict == "error":
        sys.stderr.write(f"mightnt: {claim.id}: {result.message}\n")
        return 1
    if result.counterexample is not None:
        cert = make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation)
        what = "counterexample"
    elif claim.kind == "witness" and result.verdict == "exhibited" and result.certified:
        instance, ev = result.certified[0]
        cert = make_certificate(claim, instance, kind="witness", evaluation=ev)
        what = "witness"
    else:
        sys.stderr.write(f"mightnt: no counterexample to {claim.id} found in {result.examples} examples "
                         f"(verdict: {result.verdict}; {result.message})\n")
        return 1
    try:
        write(cert, out)
    except OSError as err:
        return _usage_error(f"cannot write {out}: {err.strerror or err}")
    print(f"{what} for {claim.id} certified in {cert['arith']}"
          + (f" at {cert['precision']} bits" if cert["precision"] else "") + f"; written to {out}")
    for part in cert["parts"]:
        lhs, rhs = part["lhs"], part["rhs"]
        show = (lambda v: v.get("exact", v.get("infinite", v.get("enclosure"))))
        status = "holds" if part["holds"] else "VIOLATED"
        print(f"  {part['name']}: {show(lhs)} {part['relation']} {show(rhs)}  ({status})")
    return 0


def _cmd_replay(args) -> int:
    try:
        result = replay(args.file)
    except CertificateError as err:
        sys.stderr.write(f"mightnt: invalid certificate: {err}\n")
        return 1
    (sys.stdout if result.ok else sys.stderr).write(("" if result.ok else "mightnt: ") + result.message + "\n")
    return 0 if result.ok else 1


def _cmd_experiment(args) -> int:
    from .experiments import teacher_student as experiment

    defaults = experiment.Config()
    for name, values in (("budget", args.budget), ("turns", args.turns)):
        for v in values or ():
            if not v > 0:
                return _usage_error(f"--{name} {v:g} must be positive")
    if args.corpus is not None and args.corpus < 0:
        return _usage_error(f"--corpus {args.corpus} must be a non-negative number of turns")
    if args.episodes is not None and args.episodes < 1:
        return _usage_error(f"--episodes {args.episodes} must be a positive integer")
    budgets = tuple(int(b) if float(b).is_integer() else b for b in (args.budget or defaults.budgets))
    config = experiment.Config(budgets=budgets, turns=tuple(args.turns or defaults.turns),
                               corpus=defaults.corpus if args.corpus is None else args.corpus,
                               episodes=args.episodes or defaults.episodes, seed=args.seed)
    start = time.monotonic()

    def progress(message):
        sys.stderr.write(f"[{time.monotonic() - start:5.0f} s] {message}\n")
        sys.stderr.flush()

    results = experiment.run(config, out=args.out, progress=progress)
    print(experiment.report(results))
    return 0


def _cmd_explain(args) -> int:
    (claim,) = _resolve([args.id])
    print(f"{claim.id}: {claim.title}")
    print(f"kind: {claim.kind} (expected: {claim.expected})")
    if claim.reference:
        print(f"reference: {claim.reference}")
    if claim.statement:
        print(f"\nstatement:\n  {claim.statement}")
    if claim.latex:
        print(f"\nLaTeX:\n  {claim.latex}")
    if claim.derived:
        print(f"\nnote:\n  {claim.derived}")
    if claim.how:
        print(f"\nwhat is checked, and how:\n  {claim.how}")
    print(f"\ncertified in: {', '.join(claim.certify_in)}; search size (ci): {claim.max_examples or 100} examples")
    print(f"reproduce: mightnt check {claim.id}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def _effort_options(p) -> None:
    p.add_argument("--budget", type=_positive_float, default=None, metavar="SECONDS",
                   help=f"time budget of each claim's search (default: the claim's own, else {DEFAULT_BUDGET:g} s)")
    p.add_argument("--max-examples", type=_positive_int, default=None, metavar="N",
                   help="random draws per claim (default: the claim's own)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mightnt", description="Check the claims of 'RL, but don't do anything "
                                     "I wouldn't do' numerically and exactly.")
    from importlib import metadata

    try:
        version = metadata.version("mightnt")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "unknown"
    parser.add_argument("--version", action="version", version=f"mightnt {version}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the claims").set_defaults(run=_cmd_list)
    p = sub.add_parser("check", help="check claims (all by default)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci",
                   help="search effort: ci (each claim's own) or thorough (ten times as much)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="report format: table (default), json or markdown")
    p.add_argument("--seed", type=int, default=0, help="seed of the random search (default 0)")
    p.add_argument("--certificates", metavar="DIR", help="write a certificate for every refutation found")
    _effort_options(p)
    p.add_argument("--jobs", type=_positive_int, default=default_jobs(), metavar="N",
                   help=f"claims checked in parallel, each in its own process (default: every core, here {default_jobs()})")
    p.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop a claim's worker after this long; its verdict is then error (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--memory", type=_positive_float, default=DEFAULT_MEMORY / 2**30, metavar="GIB",
                   help=f"memory limit of each worker in GiB (default {DEFAULT_MEMORY / 2**30:g})")
    p.set_defaults(run=_cmd_check)
    p = sub.add_parser("counterexample", help="search, shrink and certify a counterexample; write it as JSON")
    p.add_argument("id", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci",
                   help="search effort: ci (each claim's own) or thorough (ten times as much)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random search (default 0)")
    _effort_options(p)
    p.set_defaults(run=_cmd_counterexample)
    p = sub.add_parser("replay", help="re-verify a certificate from scratch")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=_cmd_replay)
    p = sub.add_parser("experiment", help="run the paper's experiment in miniature")
    p.add_argument("name", choices=["teacher-student"])
    p.add_argument("--budget", type=float, action="append", help="KL budget in nats (repeatable; default 10 and 20)")
    p.add_argument("--turns", type=int, action="append", help="teacher turns per episode (repeatable; default 20 and 40)")
    p.add_argument("--corpus", type=int, default=None, help="trusted corpus size in turns (default 100)")
    p.add_argument("--episodes", type=int, default=None, help="sampled episodes per agent (default 2000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", metavar="DIR", default="teacher-student", help="where the plots go (default ./teacher-student)")
    p.set_defaults(run=_cmd_experiment)
    p = sub.add_parser("explain", help="what a claim says, and how it is checked")
    p.add_argument("id", metavar="ID")
    p.set_defaults(run=_cmd_explain)
    return parser


def main(argv=None) -> int:
    """Entry point of ``mightnt``; returns the exit status."""
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

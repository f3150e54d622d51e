"""The ``mightnt`` command (also ``python -m proofs_checks``).

    mightnt list
    mightnt check [ID ...] [--profile ci|thorough] [--format table|json|markdown] [--seed N] [--certificates DIR]
    mightnt counterexample ID [--out FILE] [--profile ...] [--seed N]
    mightnt replay FILE
    mightnt explain ID
    mightnt experiment teacher-student [--budget B] [--turns N] [--corpus K] [--episodes E] [--seed S] [--out DIR]

``check`` exits 0 when every claim meets its expected outcome (theorems hold, witnesses are exhibited,
illustrations are tabulated, false conjectures are refuted), 1 otherwise, 2 on bad usage. Progress goes to
standard error; results are deterministic under ``--seed``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import registry
from .certificates import CertificateError, make_certificate, replay, write
from .claim import check
from .report import FORMATS, render

__all__ = ["main", "PROFILES"]

#: Search size per claim: the claim's own (``ci``) or ten times it (``thorough``).
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
        self._write(f"[{self.index}/{self.total}] {result.id}: {result.verdict} "
                    f"({'met' if result.met else 'NOT met'}, {result.examples} examples, {result.seconds:.1f} s)",
                    final=True)

    def _write(self, text: str, *, final: bool):
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _search_size(claim, profile: str) -> int:
    return (claim.max_examples or 100) * PROFILES[profile]


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
    progress = _Progress(len(claims))
    results = []
    for claim in claims:
        progress.start(claim.id)
        result = check(claim, max_examples=_search_size(claim, args.profile), seed=args.seed,
                       progress=progress.update)
        progress.finish(result)
        results.append(result)
        if args.certificates and result.counterexample is not None:
            Path(args.certificates).mkdir(parents=True, exist_ok=True)
            write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation),
                  Path(args.certificates) / f"{claim.id}.json")
    print(render(results, args.format))
    return 0 if all(r.met for r in results) else 1


def _cmd_counterexample(args) -> int:
    (claim,) = _resolve([args.id])
    progress = _Progress(1)
    progress.start(claim.id)
    result = check(claim, max_examples=_search_size(claim, args.profile), seed=args.seed, progress=progress.update)
    progress.finish(result)
    out = Path(args.out or f"{claim.id}.json")
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
    write(cert, out)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mightnt", description="Check the claims of 'RL, but don't do anything "
                                     "I wouldn't do' numerically and exactly.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the claims").set_defaults(run=_cmd_list)
    p = sub.add_parser("check", help="check claims (all by default)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--certificates", metavar="DIR", help="write a certificate for every refutation found")
    p.set_defaults(run=_cmd_check)
    p = sub.add_parser("counterexample", help="search, shrink and certify a counterexample; write it as JSON")
    p.add_argument("id", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    p.add_argument("--seed", type=int, default=0)
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

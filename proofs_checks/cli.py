"""The ``mightnt`` command (also ``python -m proofs_checks``).

    mightnt list
    mightnt check [ID ...] [--profile ci|thorough] [--format table|json|markdown] [--seed N] [--certificates DIR]
                  [--jobs N] [--budget SECONDS] [--max-examples N] [--timeout SECONDS] [--memory GIB] [--exact]
                  [--seeds N] [--cluster ADDRESS]
    mightnt counterexample ID [--out FILE] [--profile ...] [--seed N] [--exact]
    mightnt replay FILE [--timeout SECONDS] [--kernel]
    mightnt explain ID
    mightnt experiment teacher-student [--budget B] [--turns N] [--corpus K] [--episodes E] [--seed S] [--out DIR]
                                       [--page FILE]
    mightnt experiment estimators [--seed S] [--out DIR] [--page FILE]

Exit status of every command: 0 success; 1 a negative result (a claim missed its expected outcome, no
counterexample was found, a certificate did not verify); 2 a user error (bad options, a size above its limit,
an output path that cannot be written, a malformed certificate, an instance too large to replay), printed as one
line ``mightnt: error: ...`` on standard error and never as a traceback; 3 an internal error (a defect of
mightnt), printed as one line with a hint to rerun with ``--debug``. ``--debug`` (before or after the command
name) shows the traceback of either kind of error instead.

Sizes given on the command line are checked before anything runs (integers and numbers in the ranges the
options' help names; the experiment's memory, estimated from its sizes, against its limit), and so are output
paths (``--out``, ``--certificates``: the folder must exist or be creatable, and be writable; the experiment's
``--page``: a readable, writable page with every generated table marked), so that a bad value fails at once
rather than after the search.

``check`` exits 0 when every claim meets its expected outcome (theorems hold, witnesses are exhibited,
illustrations are tabulated, false conjectures are refuted), 1 otherwise (a claim whose check raised, ran out
of memory or time, or found float and exact arithmetic disagreeing has the verdict "error" and the run goes
on), 2 on bad usage. Each claim is checked in a worker process, ``--jobs`` at a time (default: every core);
progress goes to standard error (a bar on a terminal, plain lines elsewhere); results are deterministic under ``--seed`` and do not depend on ``--jobs``
as long as every claim's check fits its time budget (the report names any stage the budget cut short).

Your own claims: ``--import MODULE`` (repeatable, on list, check, counterexample, replay and explain) imports
a module name from the current directory, ``module:function``, or a ``.py`` file, and registers its
``CLAIMS = [...]`` (or the claims it registers on import); installed packages declare theirs in the entry-point
group ``mightnt.claims``. A certificate of a user's claim names its module, so ``replay`` needs no ``--import``.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

from . import registry
from .certificates import REPLAY_TIMEOUT, CertificateError, make_certificate, replay, write
from .certificates import _one_line as one_line  # the one-line form of every user-facing error
from .claim import DEFAULT_BUDGET, check, counterexample_record
from .report import FORMATS, counterexample_text, render
from .runner import DEFAULT_MEMORY, DEFAULT_TIMEOUT, default_jobs, run_checks

__all__ = ["main", "PROFILES"]

#: Search effort per claim: the claim's own budget, draws and small scope (``ci``), or ten times each
#: (``thorough``).
PROFILES = {"ci": 1, "thorough": 10}


def _fit(text: str) -> str:
    """``text`` cut to the terminal's width: a line that wraps cannot be rewritten in place."""
    width = shutil.get_terminal_size((100, 20)).columns - 1
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _bar(done: int, total: int, width: int = 20) -> str:
    """``[#####---------------]``: the share ``done / total`` as a bar of ``width`` cells.

    >>> _bar(1, 4, 8)
    '[##------]'
    """
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class _Progress:
    """Progress of the claims on standard error. On a terminal (unless ``bar=False``, as under ``--format
    json``): each finished claim's line, under a bar rewritten in place with the claims still running; elsewhere
    (a log, a pipe) one plain line per claim started and finished."""

    def __init__(self, total: int, stream=sys.stderr, *, bar: bool = True):
        self.total, self.stream = total, stream
        self.tty = bar and hasattr(stream, "isatty") and stream.isatty()
        self.started, self.done = 0, 0
        self.running: dict = {}  # claim id -> examples (done, total) of its search, when reported
        self.clock = time.monotonic()
        self.last = 0.0

    def start(self, claim_id: str):
        self.started += 1
        self.running[claim_id] = None
        if self.tty:
            self._draw()
        else:
            self._line(f"[{self.started}/{self.total}] {claim_id} ...")

    def update(self, claim_id: str, done: int, total: int):
        now = time.monotonic()
        if self.tty and now - self.last > 0.2:  # redraws are throttled: the search reports every example
            self.last = now
            self.running[claim_id] = (done, total)
            self._draw()

    def finish(self, result):
        r = result.as_dict() if hasattr(result, "as_dict") else result
        self.done += 1
        self.running.pop(r["id"], None)
        self._line(
            f"[{self.done}/{self.total}] {r['id']}: {r['verdict']} "
            f"({'met' if r['met'] else 'NOT met'}, {r['examples']} examples, {r['seconds']:.1f} s)"
        )
        if self.tty and self.done < self.total:
            self._draw()

    def _draw(self):
        running = ", ".join(cid + (f" {n[0]}/{n[1]} examples" if n else "") for cid, n in self.running.items())
        text = (
            f"{_bar(self.done, self.total)} {self.done}/{self.total} claims, "
            f"{time.monotonic() - self.clock:.0f} s" + (f"; running {running}" if running else "")
        )
        self.stream.write("\r\033[K" + _fit(text))
        self.stream.flush()

    def _line(self, text: str):
        # On a terminal the line replaces the bar; the bar is drawn again below it.
        self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.stream.flush()


class _Stages:
    """The experiment's stages on standard error: on a terminal a bar rewritten in place (out of ``expected``
    stages, an estimate from the configuration), elsewhere one line per stage with the elapsed time."""

    def __init__(self, expected: int, stream=sys.stderr):
        self.expected, self.stream = max(expected, 1), stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.count = 0
        self.clock = time.monotonic()

    def __call__(self, message: str):
        self.count += 1
        stamp = f"[{time.monotonic() - self.clock:5.0f} s]"
        if self.tty:
            # The estimate may fall short when the experiment gains stages: the bar then stays just below full.
            total = max(self.expected, self.count + 1)
            self.stream.write("\r\033[K" + _fit(f"{_bar(self.count - 1, total)} {stamp} {message}"))
        else:
            self.stream.write(f"{stamp} {message}\n")
        self.stream.flush()

    def close(self):
        if self.tty and self.count:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _search_options(claim, args) -> dict:
    """check()'s effort options for one claim under the profile and the command line's overrides."""
    from .claim import DEFAULT_EXAMPLES, DEFAULT_SCOPE_LIMIT

    factor = PROFILES[args.profile]
    scope = claim.scope_limit if claim.scope_limit is not None else DEFAULT_SCOPE_LIMIT
    return dict(
        seed=args.seed,
        budget=args.budget or (claim.budget or DEFAULT_BUDGET) * factor,
        max_examples=args.max_examples or (claim.max_examples or DEFAULT_EXAMPLES) * factor,
        scope_limit=scope * factor,
    )


def _cmd_list(args) -> int:
    for problem in registry.load_entry_points().values():  # a broken package must not hide the other claims
        if problem is not None:
            sys.stderr.write(f"mightnt: warning: {problem}\n")
    claims = registry.all_claims()
    width = max(len(c.id) for c in claims)
    for c in claims:
        print(f"{c.id.ljust(width)}  {c.kind:<12} expected {c.expected:<10} {c.title}")
    return 0


def _resolve(ids):
    try:
        return [registry.get(i) for i in ids] if ids else registry.all_claims()
    except KeyError as err:
        raise SystemExit(_usage_error(err.args[0])) from None


def _usage_error(message: str) -> str:
    sys.stderr.write(f"mightnt: {message}\n")
    return 2


class UsageError(ValueError):
    """A command-line value that cannot be used (a size out of range, an output path that cannot be written):
    ``mightnt`` prints it as one line and exits with status 2."""


def _output_file(path, option: str) -> Path:
    """``path`` as a file that can be written, checked before any work: its folder exists and is writable, and
    it is not a folder itself (nor an existing file that cannot be overwritten).

    >>> _output_file("/no/such/folder/x.json", "--out")
    Traceback (most recent call last):
    ...
    proofs_checks.cli.UsageError: --out /no/such/folder/x.json: the folder /no/such/folder does not exist
    """
    out = Path(path)
    parent = out.parent
    if out.is_dir():
        raise UsageError(f"{option} {out}: is a folder; give a file name")
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise UsageError(f"{option} {out}: the folder {parent} {what}")
    if out.exists() and not os.access(out, os.W_OK):
        raise UsageError(f"{option} {out}: the file exists and is not writable")
    if not out.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out}: the folder {parent} is not writable")
    return out


def _output_folder(path, option: str) -> Path:
    """``path`` as a folder, created (with its parents) if missing, and checked writable, before any work.

    >>> _output_folder("/dev/null", "--certificates")
    Traceback (most recent call last):
    ...
    proofs_checks.cli.UsageError: --certificates /dev/null: exists and is not a folder
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{option} {out}: cannot create the folder: {err.strerror or err}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out}: the folder is not writable")
    return out


def _cmd_check(args) -> int:
    claims = _resolve(args.ids)
    if args.certificates:
        _output_folder(args.certificates, "--certificates")
    progress = _Progress(len(claims) * args.seeds, bar=args.format != "json")
    memory = int(args.memory * 2**30) if args.memory else None
    if args.cluster or args.seeds > 1:
        # Claim × seed shards, merged per claim in one place (proofs_checks.cluster) whichever way they run.
        from .cluster import ClusterError, run_on_cluster, run_shards, seed_range

        seeds = seed_range(args.seed, args.seeds)
        common = dict(
            options=lambda c: _search_options(c, args),
            seeds=seeds,
            timeout=args.timeout,
            memory=memory,
            certificates=args.certificates,
            on_finish=progress.finish,
        )
        try:
            records = (
                run_on_cluster(claims, address=args.cluster, **common)
                if args.cluster
                else run_shards(claims, jobs=args.jobs, on_start=lambda c: progress.start(c.id), **common)
            )
        except ClusterError as err:
            return _usage_error(str(err))
    else:
        records = run_checks(
            claims,
            jobs=args.jobs,
            options=lambda c: _search_options(c, args),
            timeout=args.timeout,
            memory=memory,
            certificates=args.certificates,
            on_start=lambda c: progress.start(c.id),
            on_finish=progress.finish,
        )
    print(render(records, args.format, exact=args.exact))
    return 0 if all(r["met"] for r in records) else 1


def _cmd_counterexample(args) -> int:
    (claim,) = _resolve([args.id])
    out = _output_file(args.out or f"{claim.id}.json", "--out")  # said before the search, not after it
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
        sys.stderr.write(
            f"mightnt: no counterexample to {claim.id} found in {result.examples} examples "
            f"(verdict: {result.verdict}; {result.message})\n"
        )
        return 1
    try:
        write(cert, out)
    except OSError as err:
        raise UsageError(f"cannot write {out}: {err.strerror or err}") from None
    print(
        f"{what} for {claim.id} certified in {cert['arith']}"
        + (f" at {cert['precision']} bits" if cert["precision"] else "")
        + f"; written to {out}"
    )
    # The instance as tables, then every part with its sides as floats beside their exact forms.
    if result.counterexample is not None:
        instance, ev = result.counterexample, result.evaluation
    print(textwrap.indent(counterexample_text(counterexample_record(instance, ev), exact=args.exact), "  "))
    return 0


def _cmd_replay(args) -> int:
    """Exit 0 when the certificate verifies, 1 when it is well formed but does not verify; a malformed
    certificate raises CertificateError, which :func:`main` prints as one line with exit 2."""
    try:
        result = replay(args.file, timeout=args.timeout)
    except CertificateError as err:
        raise CertificateError(f"invalid certificate: {err}") from err
    if result.ok and getattr(args, "kernel", False):  # then the small trusted kernel, from the instance alone
        from . import kernel

        print(result.message)
        try:
            result = kernel.check_file(args.file)
        except kernel.NotCovered as err:
            sys.stderr.write(f"mightnt: kernel: {err}\n")
            return 1
    if result.ok:
        print(result.message)
        return 0
    sys.stderr.write(f"mightnt: certificate rejected: {result.message}\n")
    return 1


def _cmd_experiment(args) -> int:
    if args.name == "estimators":
        return _cmd_estimators(args)
    from .experiments import teacher_student as experiment

    defaults = experiment.Config()
    budgets = tuple(int(b) if float(b).is_integer() else b for b in (args.budget or defaults.budgets))
    config = experiment.Config(
        budgets=budgets,
        turns=tuple(args.turns or defaults.turns),
        corpus=defaults.corpus if args.corpus is None else args.corpus,
        episodes=args.episodes or defaults.episodes,
        seed=args.seed,
    )
    # Refused before anything is allocated: the memory the sampled episodes and the corpus would take.
    need, limit = experiment.estimated_bytes(config), experiment.MAX_BYTES
    if need > limit:
        most = experiment.most_episodes(config, limit)
        raise UsageError(
            f"--episodes {config.episodes}, --turns {max(config.turns)} and --corpus {config.corpus} "
            f"would need about {_bytes(need)} of memory (estimated), above the limit of "
            f"{_bytes(limit)}; use at most {most} episodes at these sizes"
            if most >= 1
            else f"--turns {max(config.turns)} and --corpus {config.corpus} would need about {_bytes(need)} "
            f"of memory (estimated), above the limit of {_bytes(limit)}; use smaller sizes"
        )
    out = "teacher-student" if args.out is None else args.out
    if out is not None and not _plots_available():
        # The numbers need no matplotlib; only the figures do.
        sys.stderr.write("mightnt: matplotlib is not installed, so no plots; pip install 'mightnt[plots]' for them\n")
        out = None
    if out is not None:
        _output_folder(out, "--out")
    page, page_text = _experiment_page(args.page, experiment)
    # Stages: the corpus scan, two per (budget, turns), one per (α, budget) for the fix, and the plots.
    progress = _Stages(
        1 + 2 * len(config.budgets) * len(config.turns) + len(config.alphas) * len(config.budgets) + (out is not None)
    )
    return _run_experiment(experiment, config, out, page, page_text, progress)


def _cmd_estimators(args) -> int:
    """``mightnt experiment estimators``: the KL-estimator lab (docs/estimators.md), with its default sizes."""
    from .experiments import estimators as experiment

    given = [name for name in ("budget", "turns", "corpus", "episodes") if getattr(args, name) is not None]
    if given:
        options = ", ".join(f"--{name}" for name in given)
        raise UsageError(f"{options}: the estimators experiment takes --seed, --out and --page only")
    config = experiment.Config(seed=args.seed)
    out = "estimators" if args.out is None else args.out
    if not _plots_available():
        sys.stderr.write("mightnt: matplotlib is not installed, so no plots; pip install 'mightnt[plots]' for them\n")
        out = None
    if out is not None:
        _output_folder(out, "--out")
    page, page_text = _experiment_page(args.page, experiment)
    # Stages: the toy, the fixed points, one per coefficient and one for the budgeted agents, and the plots.
    progress = _Stages(2 + len(config.coefficients) + 1 + (out is not None))
    return _run_experiment(experiment, config, out, page, page_text, progress)


def _run_experiment(experiment, config, out, page, page_text, progress) -> int:
    """Run an experiment module with its stages shown, print its report, and rewrite the page's generated tables
    when ``--page`` names one."""
    try:
        results = experiment.run(config, out=out, progress=progress)
    finally:
        progress.close()
    print(experiment.report(results))
    if page is not None:
        new = experiment.fill_page(page_text, experiment.page_tables(results))
        try:
            page.write_text(new, encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {page}: {err.strerror or err}") from None
        print(f"Tables of {page}: {'rewritten' if new != page_text else 'unchanged'}")
    return 0


def _experiment_page(path, experiment) -> tuple:
    """The page ``--page`` names and its text, checked before the experiment runs: a file that can be read and
    written, with every generated table marked; ``(None, None)`` without ``--page``.

    >>> from proofs_checks.experiments import teacher_student
    >>> _experiment_page("/dev/null", teacher_student)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    proofs_checks.cli.UsageError: --page /dev/null: the page has no generated table corpus-scan, ...
    """
    if path is None:
        return None, None
    page = _output_file(path, "--page")
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"--page {page}: cannot read it: {getattr(err, 'strerror', None) or err}") from None
    try:
        experiment.generated_tables(text)
    except experiment.PageError as err:
        raise UsageError(f"--page {page}: {err}") from None
    return page, text


def _bytes(n: int) -> str:
    """A byte count for people.

    >>> _bytes(23_500_000_000), _bytes(512)
    ('21.9 GiB', '512 bytes')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def _plots_available() -> bool:
    """Whether matplotlib can be imported (it is the optional ``plots`` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


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
    from .claim import DEFAULT_EXAMPLES

    print(
        f"\ncertified in: {', '.join(claim.certify_in)}; search size (ci): "
        f"{claim.max_examples or DEFAULT_EXAMPLES} examples"
    )
    if claim.id in registry.BUILTIN:  # the built-in claims have a docs page with the long version
        print(f"the long version: docs/claims/{claim.id}.md in the source repository")
    print(f"reproduce: mightnt check {claim.id}")
    return 0


def _whole(minimum: int, maximum: int):
    """An argparse type: a whole number in [minimum, maximum] (at most 30 digits are read).

    >>> _whole(1, 10)("11")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 11 must be at most 10
    """

    def parse(text: str) -> int:
        stripped = text.strip()
        if len(stripped) > 30:
            raise argparse.ArgumentTypeError(
                f"{stripped[:20]}... has {len(stripped)} characters; the most is {maximum}"
            )
        try:
            value = int(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be at least {minimum}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text} must be at most {maximum}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its messages
    return parse


def _number(minimum: float, maximum: float):
    """An argparse type: a finite number in (minimum, maximum] (positive when ``minimum`` is 0).

    >>> _number(0, 100)("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: nan must be a number above 0 and at most 100
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and minimum < value <= maximum):
            raise argparse.ArgumentTypeError(f"{text} must be a number above {minimum:g} and at most {maximum:g}")
        return value

    parse.__name__ = "number"
    return parse


#: Ranges of the command line's sizes (checked when the command line is read).
MAX_SEED = 2**63 - 1
_seed = _whole(0, MAX_SEED)


def _import_option(p) -> None:
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import your claims from MODULE (a module name, module:function, or a .py file) "
        "defining CLAIMS = [...]; repeatable",
    )


def _profile_option(p) -> None:
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="ci",
        help="search effort: ci (each claim's own) or thorough (ten times as much)",
    )


def _search_seed_option(p) -> None:
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random search, 0 to 2^63-1 (default 0)")


def _effort_options(p) -> None:
    p.add_argument(
        "--budget",
        type=_number(0, 10**6),
        default=None,
        metavar="SECONDS",
        help=f"time budget of each claim's search, at most 10^6 (default: the claim's own, else {DEFAULT_BUDGET:g} s)",
    )
    p.add_argument(
        "--max-examples",
        type=_whole(1, 10**8),
        default=None,
        metavar="N",
        help="random draws per claim, 1 to 10^8 (default: the claim's own)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit status 2) that points to ``--help``."""

    def error(self, message):
        self.exit(2, f"mightnt: error: {self.prog}: {one_line(message, 500)} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mightnt",
        description="Check the claims of 'RL, but don't do anything I wouldn't do' numerically and exactly.",
    )
    from importlib import metadata

    try:
        version = metadata.version("mightnt")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "unknown"
    parser.add_argument("--version", action="version", version=f"mightnt {version}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list the claims")
    _import_option(p)
    p.set_defaults(run=_cmd_list)
    p = sub.add_parser("check", help="check claims (all by default)")
    _import_option(p)
    p.add_argument("ids", nargs="*", metavar="ID")
    _profile_option(p)
    p.add_argument(
        "--format", choices=FORMATS, default="table", help="report format: table (default), json or markdown"
    )
    _search_seed_option(p)
    p.add_argument("--certificates", metavar="DIR", help="write a certificate for every refutation found")
    p.add_argument(
        "--exact",
        action="store_true",
        help="print counterexamples' long exact forms and numbers in full (the table shortens them)",
    )
    _effort_options(p)
    p.add_argument(
        "--jobs",
        type=_whole(1, 1024),
        default=default_jobs(),
        metavar="N",
        help=f"claims checked in parallel, each in its own process, 1 to 1024 (default: every core, "
        f"here {default_jobs()})",
    )
    p.add_argument(
        "--timeout",
        type=_number(0, 10**7),
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop a claim's worker after this long, at most 10^7; its verdict is then error "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--memory",
        type=_number(0, 2**20),
        default=DEFAULT_MEMORY / 2**30,
        metavar="GIB",
        help=f"memory limit of each worker in GiB, at most 2^20 (default {DEFAULT_MEMORY / 2**30:g})",
    )
    p.add_argument(
        "--seeds",
        type=_whole(1, 10**4),
        default=1,
        metavar="N",
        help="check each claim under N seeds (--seed, --seed+1, ...) and merge: refuted if any seed "
        "refutes, else the evidence of all of them (default 1)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="run the claim x seed shards on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786; needs pip install 'mightnt[cluster]'); same report as a local run",
    )
    p.set_defaults(run=_cmd_check)
    p = sub.add_parser("counterexample", help="search, shrink and certify a counterexample; write it as JSON")
    _import_option(p)
    p.add_argument("id", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--exact", action="store_true", help="print long exact forms and numbers in full")
    _profile_option(p)
    _search_seed_option(p)
    _effort_options(p)
    p.set_defaults(run=_cmd_counterexample)
    p = sub.add_parser("replay", help="re-verify a certificate from scratch")
    _import_option(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--timeout",
        type=_number(0, 10**7),
        default=REPLAY_TIMEOUT,
        metavar="SECONDS",
        help=f"refuse a certificate whose evaluation takes longer (default {REPLAY_TIMEOUT:g})",
    )
    p.add_argument(
        "--kernel",
        action="store_true",
        help="also re-check it with the small trusted kernel (proofs_checks/kernel/, standard "
        "library only), which recomputes every part from the instance alone",
    )
    p.set_defaults(run=_cmd_replay)
    p = sub.add_parser(
        "experiment", help="run the paper's experiment in miniature, or the KL-estimator lab (estimators)"
    )
    p.add_argument("name", choices=["teacher-student", "estimators"])
    p.add_argument(
        "--budget",
        type=_number(0, 10**6),
        action="append",
        help="KL budget in nats, positive, at most 10^6 (repeatable; default 10 and 20)",
    )
    p.add_argument(
        "--turns",
        type=_whole(1, 10**4),
        action="append",
        help="teacher turns per episode, 1 to 10^4 (repeatable; default 20 and 40)",
    )
    p.add_argument(
        "--corpus", type=_whole(0, 10**8), default=None, help="trusted corpus size in turns, 0 to 10^8 (default 100)"
    )
    p.add_argument(
        "--episodes",
        type=_whole(1, 10**12),
        default=None,
        help="sampled episodes per agent (default 2000; refused when the memory they need, estimated "
        "before anything runs, is above the limit)",
    )
    p.add_argument("--seed", type=_seed, default=0, help="seed, 0 to 2^63-1 (default 0)")
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where the plots go (default ./teacher-student, or ./estimators for the estimators experiment)",
    )
    p.add_argument(
        "--page",
        metavar="FILE",
        default=None,
        help="rewrite the generated tables of this Markdown page from the run (docs/experiment.md, or "
        "docs/estimators.md for the estimators experiment, in a checkout)",
    )
    p.set_defaults(run=_cmd_experiment)
    p = sub.add_parser("explain", help="what a claim says, and how it is checked")
    _import_option(p)
    p.add_argument("id", metavar="ID")
    p.set_defaults(run=_cmd_explain)
    for p in sub.choices.values():  # --debug after the command name too (SUPPRESS: keeps one given before it)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
    return parser


def main(argv=None) -> int:
    """Entry point of ``mightnt``; returns the exit status (see the module docstring: 0, 1, 2 or 3).

    A user error (a bad value, a malformed certificate, a path that cannot be written) is one line on standard
    error and exit status 2; an internal error one line, a hint, and exit status 3; ``--debug`` shows the
    traceback instead.

    >>> main(["replay", "/no/such/certificate.json"])
    2
    """
    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        for module in getattr(args, "imports", ()):  # registered before any worker forks: the workers see them
            try:
                registry.import_claims(module)
            except registry.ImportClaimsError as err:
                return _usage_error(str(err))
        return args.run(args)
    except (ValueError, OSError, RecursionError) as err:  # CertificateError, MightntError, UsageError, ...
        if debug:
            raise
        sys.stderr.write(f"mightnt: error: {one_line(err, 500) or type(err).__name__}\n")
        return 2
    except MemoryError:
        if debug:
            raise
        sys.stderr.write("mightnt: error: out of memory; use smaller sizes\n")
        return 2
    except KeyboardInterrupt:
        if debug:
            raise
        sys.stderr.write("mightnt: interrupted\n")
        return 130
    except Exception as err:  # a defect of mightnt itself
        if debug:
            raise
        sys.stderr.write(
            f"mightnt: internal error: {type(err).__name__}: {one_line(err, 500)} "
            f"(rerun with --debug for the traceback, and please report it)\n"
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""Running claims' checks in worker processes: a time and a memory limit per claim, ``jobs`` at a time, and
results identical to a serial run under the same seed (each claim's check depends only on the claim and the
seed; results are reported in the order the claims were given, whatever order they finish in).

A claim whose check raises, runs out of memory, or outlives its time limit gets the verdict ``error`` with
the reason; the other claims go on.

>>> from proofs_checks import registry
>>> recs = run_checks([registry.get("pinsker")], jobs=1, options=dict(max_examples=20, scope_limit=20, starts=1))
>>> recs[0]["id"], recs[0]["verdict"]
('pinsker', 'holds')
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from .claim import Claim, check

__all__ = ["run_checks", "default_jobs", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY"]

#: Wall-clock seconds a claim's worker may run before it is stopped (its verdict is then "error").
DEFAULT_TIMEOUT = 300.0
#: Address-space limit of a worker, in bytes (its verdict is "error" when the claim needs more).
DEFAULT_MEMORY = 6 * 2**30


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _options_for(options) -> Callable:
    """``options`` (a dict for every claim, None, or a function ``claim -> dict``) as a function ``claim -> dict``."""
    return options if callable(options) else (lambda claim, common=dict(options or {}): common)


def _error_record(claim: Claim, message: str, seconds: float) -> dict:
    return {
        "id": claim.id,
        "kind": claim.kind,
        "expected": claim.expected,
        "verdict": "error",
        "margin": None,
        "examples": 0,
        "seconds": round(seconds, 3),
        "met": False,
        "unconfirmed_float_violations": 0,
        "message": f"error: {message}",
        "evidence": {},
        "error": {"message": message, "instance": None, "exception": None},
    }


def _check_record(claim: Claim, options: dict, certificates: str | None) -> dict:
    """Check one claim and return its record (writing its certificate when asked)."""
    start = time.monotonic()
    try:
        result = check(claim, **options)
    except Exception as err:  # a defect of the pipeline itself: still a verdict, never a crashed run
        return _error_record(claim, f"the check raised {type(err).__name__}: {err}", time.monotonic() - start)
    record = result.as_dict()
    if certificates and result.counterexample is not None and result.verdict == "refuted":
        from .certificates import CertificateError, make_certificate, write

        path = Path(certificates) / f"{claim.id}.json"
        try:
            write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation), path)
            record["certificate"] = str(path)
        except (CertificateError, OSError) as err:
            record["certificate_error"] = str(err)
    return record


def _worker(claim: Claim, options: dict, certificates, memory: int | None, conn) -> None:
    if memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        record = _check_record(claim, options, certificates)
    except MemoryError:
        record = _error_record(claim, f"ran out of memory (limit {memory / 2**30:.3g} GiB)", 0.0)
    except BaseException as err:  # pragma: no cover - last resort: the parent must hear something
        record = _error_record(claim, f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}", 0.0)
    try:
        conn.send(record)
    finally:
        conn.close()


def run_checks(
    claims: list,
    *,
    jobs: int = 1,
    options=None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int | None = DEFAULT_MEMORY,
    certificates: str | None = None,
    on_start: Callable | None = None,
    on_finish: Callable | None = None,
) -> list[dict]:
    """Check ``claims``, each in its own worker process, at most ``jobs`` at once; return their records
    (:meth:`CheckResult.as_dict`) in the order of ``claims``.

    ``options`` are passed to :func:`check` (``budget``, ``max_examples``, ``seed``, ...): a dict for every claim,
    or a function ``claim -> dict``; ``timeout`` seconds
    and ``memory`` bytes bound each worker; ``certificates`` is a folder where refutations are written;
    ``on_start(claim)`` and ``on_finish(record)`` report progress.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs={jobs!r} must be a positive integer")
    if isinstance(timeout, bool) or not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds")
    if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int) or memory < 2**20):
        raise ValueError(f"memory={memory!r} must be None or a whole number of bytes, at least 2^20 (1 MiB)")
    options_for = _options_for(options)
    # fork: the children inherit every claim the parent registered, user claims included.
    ctx = multiprocessing.get_context("fork")
    pending = list(enumerate(claims))
    running: dict = {}  # sentinel -> (index, claim, process, conn, started)
    records: dict = {}
    while pending or running:
        while pending and len(running) < jobs:
            index, claim = pending.pop(0)
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_worker, args=(claim, options_for(claim), certificates, memory, send), daemon=True
            )
            if on_start is not None:
                on_start(claim)
            proc.start()
            send.close()
            running[proc.sentinel] = (index, claim, proc, receive, time.monotonic())
        ready = wait(list(running) + [r[3] for r in running.values()], timeout=0.5)
        now = time.monotonic()
        for sentinel, (index, claim, proc, conn, started) in list(running.items()):
            record = None
            if conn in ready or sentinel in ready:
                try:
                    record = conn.recv() if conn.poll() else None
                except (EOFError, OSError):
                    record = None
                if record is None:
                    proc.join(1)
                    if proc.exitcode is None:
                        continue
                    code = proc.exitcode
                    why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
                    record = _error_record(claim, f"the worker died ({why}), perhaps out of memory", now - started)
            elif now - started > timeout:
                proc.kill()
                record = _error_record(claim, f"timed out after {timeout:g} s", now - started)
            if record is None:
                continue
            proc.join(5)
            conn.close()
            del running[sentinel]
            records[index] = record
            if on_finish is not None:
                on_finish(record)
    return [records[i] for i in range(len(claims))]

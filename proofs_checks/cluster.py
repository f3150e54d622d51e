"""Campaigns past one machine: claim × seed shards, run locally or on a Dask cluster, merged into one record
per claim.

A *shard* is one claim checked under one seed; ``mightnt check --seeds N`` checks every claim under the seeds
``--seed``, ``--seed + 1``, …, ``--seed + N − 1`` and reports one record per claim, made by
:func:`merge_shards` whichever way the shards ran: locally, each in its own worker process through
:func:`proofs_checks.runner.run_checks` (:func:`run_shards`), or on a Dask distributed cluster (``--cluster
ADDRESS``, :func:`run_on_cluster`), where each Dask task runs its shard through the same per-claim worker (the
same time and memory limits). The shards of a claim depend only on the claim, the options and their seeds, so
both ways give the same report (but for the ``seconds``).

Merging a claim's shards (in seed order):

* a shard that refutes refutes the claim: the record is the first refuting shard's, with its certified
  counterexample (and ``seed``, the seed that found it);
* else a shard whose verdict is ``error`` makes the verdict ``error`` (the first such shard's record), and else
  an ``undecided`` shard makes it ``undecided``;
* else the verdict (``holds``, ``exhibited``, ``tabulated``) rests on all the shards and their evidence is
  summed: examples, random draws, optimizer starts and evaluations, certified instances and unconfirmed float
  violations add up (the small-scope enumeration does not depend on the seed, so it is counted once), the
  margin is the tightest nontrivial one over the shards, and the stages a budget cut short are all named.

Merged records of several seeds carry ``seeds``, the list of seeds run. A single seed's record is left as it is.

Paper claims reach Dask workers by id (the workers import :mod:`proofs_checks.registry`); a user's claim by the
module that registers it (:func:`proofs_checks.registry.origin`, set by ``--import``): a ``.py`` file, or a
single-file module, is sent to the workers with the task; a module of a package must be installed on them. A
claim registered outside any module (an interactive session, ``exec``) cannot be sent: :class:`ClusterError`.

>>> from proofs_checks import registry
>>> recs = run_shards([registry.get("pinsker")], seeds=(0, 1), options=dict(max_examples=10, scope_limit=10, starts=0))
>>> recs[0]["verdict"], recs[0]["seeds"], recs[0]["evidence"]["random_examples"]
('holds', [0, 1], 20)
"""

from __future__ import annotations

import copy
import hashlib
import math
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from .runner import DEFAULT_MEMORY, DEFAULT_TIMEOUT, _error_record, _options_for, run_checks

__all__ = ["run_on_cluster", "run_shards", "merge_shards", "seed_range", "ClusterError"]

#: Verdicts that decide a merged record, strongest first; any other verdict is the claim's positive outcome.
_DECIDING = ("refuted", "error", "undecided")


class ClusterError(ValueError):
    """A campaign cannot run on the cluster: dask is not installed, the scheduler cannot be reached, or a
    user's claim cannot be sent to the workers (registered outside any module)."""


def seed_range(seed: int, count: int) -> tuple:
    """The seeds of ``count`` shards from ``seed`` on: ``seed, seed + 1, …``.

    >>> seed_range(7, 3)
    (7, 8, 9)
    >>> seed_range(0, 0)
    Traceback (most recent call last):
    ...
    proofs_checks.cluster.ClusterError: the number of seeds 0 must be a positive integer
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ClusterError(f"the number of seeds {count!r} must be a positive integer")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ClusterError(f"the first seed {seed!r} must be an integer")
    return tuple(range(seed, seed + count))


def _check_seeds(seeds) -> tuple:
    seeds = tuple(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds) or len(set(seeds)) != len(seeds):
        raise ClusterError(f"seeds {seeds!r} must be distinct integers, at least one")
    return seeds


# ---------------------------------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------------------------------
def _number(x):
    """A JSON margin as a float (None stays None)."""
    if x is None:
        return None
    if isinstance(x, str):
        return {"+inf": math.inf, "-inf": -math.inf}.get(x)
    return float(x)


def merge_shards(shards: list, seeds=None) -> dict:
    """One claim's record from the records of its shards (given in seed order; ``seeds`` names them), by the
    rules of the module docstring.

    >>> base = {"id": "c", "kind": "theorem", "expected": "holds", "verdict": "holds", "margin": 0.5,
    ...         "examples": 12, "seconds": 1.0, "met": True, "unconfirmed_float_violations": 0, "message": "",
    ...         "evidence": {"scope_instances": 2, "random_examples": 10, "certified": 3,
    ...                      "tightest_nontrivial_margin": 0.5, "tightest_relative_margin": 0.25}}
    >>> other = dict(base, margin=0.1, evidence=dict(base["evidence"], tightest_nontrivial_margin=0.1,
    ...                                                  tightest_relative_margin=0.05))
    >>> merged = merge_shards([base, other], seeds=[0, 1])
    >>> merged["verdict"], merged["examples"], merged["margin"], merged["evidence"]["random_examples"]
    ('holds', 22, 0.1, 20)
    >>> merge_shards([base, dict(other, verdict="refuted", margin=-1.0)], seeds=[0, 1])["seed"]
    1
    """
    shards = list(shards)
    if not shards:
        raise ClusterError("no shards to merge")
    seeds = list(range(len(shards))) if seeds is None else list(seeds)
    if len(seeds) != len(shards):
        raise ClusterError(f"{len(shards)} shards but {len(seeds)} seeds {seeds!r}")
    ids = {r["id"] for r in shards}
    if len(ids) != 1:
        raise ClusterError(f"shards of different claims {sorted(ids)} cannot be merged")
    if len(shards) == 1:
        return dict(shards[0])
    for verdict in _DECIDING:
        found = [(s, r) for s, r in zip(seeds, shards) if r["verdict"] == verdict]
        if found and verdict in ("refuted", "error"):
            seed, record = found[0]
            out = dict(record, seed=seed, seeds=seeds)
            out["message"] = f"seed {seed}: {record['message']}" + (
                f" ({len(found)} of {len(shards)} seeds {verdict})" if len(found) > 1 else ""
            )
            return out
        if found:  # undecided: the evidence of every shard, the first undecided shard's message
            out = _summed(shards, seeds)
            out.update(
                verdict=verdict,
                met=verdict == out["expected"],
                message=f"seed {found[0][0]}: {found[0][1]['message']} ({len(found)} of {len(shards)} seeds undecided)",
            )
            return out
    out = _summed(shards, seeds)
    certified = out["evidence"].get("certified", 0)
    unconfirmed = out["unconfirmed_float_violations"]
    out["message"] = f"{certified} instance(s) certified over {len(shards)} seeds" + (
        f"; {unconfirmed} float violation(s) not confirmed by certification" if unconfirmed else ""
    )
    return out


def _summed(shards: list, seeds: list) -> dict:
    """The first shard's record with the evidence of all of them added up (see the module docstring)."""
    first = shards[0]
    out = dict(first, seeds=seeds)
    evidence = [r.get("evidence", {}) for r in shards]
    merged = dict(evidence[0])
    for key in (
        "random_examples",
        "optimizer_starts",
        "optimizer_evaluations",
        "certified",
        "trivial_instances_excluded",
        "unconfirmed_float_violations",
    ):
        if key in merged:
            merged[key] = sum(e.get(key, 0) for e in evidence)
    # The tightest nontrivial margin over the shards, compared as check() compares them: relative margin first.
    tight = [
        (_number(e.get("tightest_relative_margin")), _number(e.get("tightest_nontrivial_margin")), i)
        for i, e in enumerate(evidence)
        if e.get("tightest_nontrivial_margin") is not None
    ]
    if tight:
        _, _, best = min(tight)
        for key in ("tightest_nontrivial_margin", "tightest_relative_margin", "tightest_instance"):
            if key in evidence[best]:
                merged[key] = evidence[best][key]
        out["margin"] = shards[best]["margin"]
    else:
        margins = [m for m in (_number(r.get("margin")) for r in shards) if m is not None and not math.isnan(m)]
        out["margin"] = (
            shards[[_number(r.get("margin")) for r in shards].index(min(margins))]["margin"]
            if margins
            else first.get("margin")
        )
    worst = [
        (_number(e["worst_unconfirmed_margin"]), i)
        for i, e in enumerate(evidence)
        if e.get("worst_unconfirmed_margin") is not None
    ]
    if worst:
        _, i = min(worst)
        merged["worst_unconfirmed_margin"] = evidence[i]["worst_unconfirmed_margin"]
        merged["worst_unconfirmed_instance"] = evidence[i].get("worst_unconfirmed_instance")
    if "cut_by_budget" in merged:
        merged["cut_by_budget"] = list(dict.fromkeys(s for e in evidence for s in e.get("cut_by_budget", [])))
    out["evidence"] = merged
    # Every shard enumerates the same small scope first: count its instances once.
    repeated = sum(e.get("scope_instances", 0) for e in evidence[1:])
    out["examples"] = sum(r["examples"] for r in shards) - repeated
    out["seconds"] = round(sum(r["seconds"] for r in shards), 3)
    out["unconfirmed_float_violations"] = sum(r.get("unconfirmed_float_violations", 0) for r in shards)
    return out


def _certify(claim, record: dict, certificates: str | None) -> dict:
    """Write the certificate of a merged refutation (the shards ran without writing any, so that two refuting
    seeds do not race for one file)."""
    if not certificates or record["verdict"] != "refuted" or not record.get("counterexample"):
        return record
    from .certificates import CertificateError, make_certificate, write
    from .instances import InstanceError, decode

    path = Path(certificates) / f"{claim.id}.json"
    try:
        instance = decode(record["counterexample"]["instance"])
        write(make_certificate(claim, instance, kind="refutation"), path)
        record["certificate"] = str(path)
    except (CertificateError, InstanceError, OSError) as err:
        record["certificate_error"] = str(err)
    return record


# ---------------------------------------------------------------------------------------------------------------
# Locally
# ---------------------------------------------------------------------------------------------------------------
def run_shards(
    claims: list,
    *,
    seeds,
    options=None,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int | None = DEFAULT_MEMORY,
    certificates: str | None = None,
    on_start: Callable | None = None,
    on_finish: Callable | None = None,
) -> list[dict]:
    """Check every claim under every seed of ``seeds``, each shard in its own worker process (``jobs`` at a
    time, through :func:`proofs_checks.runner.run_checks`), and return one merged record per claim, in order.

    ``options`` (a dict, or a function ``claim -> dict``), ``timeout``, ``memory``, ``certificates``,
    ``on_start`` and ``on_finish`` are as for :func:`~proofs_checks.runner.run_checks` (the callbacks see each
    shard); each shard's ``seed`` option is its seed.
    """
    seeds = _check_seeds(seeds)
    options_for = _options_for(options)
    if len(seeds) == 1:
        return run_checks(
            claims,
            jobs=jobs,
            options=lambda c: dict(options_for(c), seed=seeds[0]),
            timeout=timeout,
            memory=memory,
            certificates=certificates,
            on_start=on_start,
            on_finish=on_finish,
        )
    # One shallow copy of the claim per seed, so that each shard has its own options; the forked workers
    # inherit the copies as they inherit the claims.
    shards, shard_options = [], {}
    for claim in claims:
        for seed in seeds:
            shard = copy.copy(claim)
            shard_options[id(shard)] = dict(options_for(claim), seed=seed)
            shards.append(shard)
    records = run_checks(
        shards,
        jobs=jobs,
        options=lambda shard: shard_options[id(shard)],
        timeout=timeout,
        memory=memory,
        on_start=on_start,
        on_finish=on_finish,
    )
    n = len(seeds)
    return [
        _certify(claim, merge_shards(records[i * n : (i + 1) * n], seeds), certificates)
        for i, claim in enumerate(claims)
    ]


# ---------------------------------------------------------------------------------------------------------------
# On a Dask cluster
# ---------------------------------------------------------------------------------------------------------------
def _require_dask():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'mightnt[cluster]' (or 'dask[distributed]')") from None
    return distributed


def _reference(claim) -> dict:
    """What a worker needs to find ``claim``: its id, and for a user's claim the module that registers it (its
    source too, when it is one file)."""
    import sys

    from . import registry

    ref = {"id": claim.id, "kind": claim.kind, "expected": claim.expected, "origin": None, "source": None}
    if claim.id in registry.BUILTIN:
        return ref
    origin = registry.origin(claim.id) if registry._USER.get(claim.id) is claim else None
    if origin is None:
        raise ClusterError(
            f"claim {claim.id!r} was registered outside any module, so Dask workers cannot import "
            "it: put it in a .py file and pass --import FILE (or register it from a module)"
        )
    ref["origin"] = origin
    if registry._is_path(origin):
        file = Path(origin)
    else:
        module = sys.modules.get(origin.partition(":")[0])
        file = Path(module.__file__) if getattr(module, "__file__", None) else None
        if "." in origin.partition(":")[0] or ":" in origin:  # a package's module: installed on the workers
            file = None
    if file is not None and file.suffix == ".py" and file.is_file():
        ref["source"] = (file.name, file.read_text(encoding="utf-8"))
    return ref


def _claim_from(ref: dict):
    """The claim a reference names, on a worker: a paper claim by id, a user's claim by importing its module
    (written from the source sent along, when there is one)."""
    from . import registry

    if ref["origin"] is None:
        return registry.get(ref["id"])
    try:
        return registry.get(ref["id"])  # imported by an earlier task on this worker
    except KeyError:
        pass
    spec = ref["origin"]
    if ref["source"] is not None:
        name, text = ref["source"]
        folder = Path(tempfile.gettempdir()) / "mightnt-cluster" / hashlib.sha1(text.encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        spec = str(path)
    registry.import_claims(spec)
    return registry.get(ref["id"])


def _run_shard(ref: dict, options: dict, timeout: float, memory: int | None) -> dict:
    """A Dask task: one shard, checked in its own worker process with the runner's time and memory limits."""
    try:
        claim = _claim_from(ref)
    except Exception as err:  # the claim's module failed on this worker: a verdict, not a crashed campaign
        stub = SimpleNamespace(id=ref["id"], kind=ref["kind"], expected=ref["expected"])
        return _error_record(stub, f"the worker cannot import the claim from {ref['origin']}: {err}", 0.0)
    # Dask starts its workers as daemonic processes, which multiprocessing forbids to have children; the
    # runner's worker process (the time and memory limits) is one, and is stopped by the runner itself.
    import multiprocessing

    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        return run_checks([claim], jobs=1, options=options, timeout=timeout, memory=memory)[0]
    finally:
        config["daemon"] = daemon


def run_on_cluster(
    claims: list,
    *,
    address,
    options=None,
    seeds=(0,),
    timeout: float = DEFAULT_TIMEOUT,
    memory: int | None = DEFAULT_MEMORY,
    certificates: str | None = None,
    on_finish: Callable | None = None,
) -> list[dict]:
    """Check every claim under every seed of ``seeds`` on the Dask cluster whose scheduler is at ``address``
    (``tcp://host:8786``, or a ``distributed`` cluster object), one task per claim × seed; return one merged
    record per claim, in order, the same as :func:`run_shards` returns for the same seeds.

    ``options`` (a dict, or a function ``claim -> dict``), ``timeout``, ``memory`` and ``certificates`` are as
    for :func:`run_shards`; ``on_finish(record)`` is called as each shard's record arrives. Raises
    :class:`ClusterError` when Dask is not installed, the scheduler cannot be reached, or a user's claim cannot
    be sent to the workers (before anything runs).
    """
    distributed = _require_dask()
    seeds = _check_seeds(seeds)
    options_for = _options_for(options)
    refs = [_reference(claim) for claim in claims]  # refuse unsendable claims before connecting
    try:
        client = distributed.Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise ClusterError(f"cannot reach the Dask scheduler at {address!r}: {err}") from None
    try:
        futures = {}
        for i, (claim, ref) in enumerate(zip(claims, refs)):
            for j, seed in enumerate(seeds):
                future = client.submit(
                    _run_shard, ref, dict(options_for(claim), seed=seed), timeout, memory, pure=False
                )
                futures[future] = (i, j)
        records: dict = {}
        for future in distributed.as_completed(list(futures), loop=client.loop):
            try:
                record = future.result()
            except Exception as err:  # the task itself failed (its worker died): a verdict, the campaign goes on
                ref = refs[futures[future][0]]
                stub = SimpleNamespace(id=ref["id"], kind=ref["kind"], expected=ref["expected"])
                record = _error_record(stub, f"the Dask task failed: {type(err).__name__}: {err}", 0.0)
            records[futures[future]] = record
            if on_finish is not None:
                on_finish(record)
    finally:
        client.close()
    return [
        _certify(claim, merge_shards([records[(i, j)] for j in range(len(seeds))], seeds), certificates)
        for i, claim in enumerate(claims)
    ]

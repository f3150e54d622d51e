"""Claim × seed shards: merged by one set of rules, the same report locally (``--seeds``) and on a Dask cluster
(``--cluster``), paper claims sent by id and users' claims by their module."""

import json
import sys
import textwrap

import pytest

from proofs_checks import Claim, registry, strategies as S
from proofs_checks.certificates import replay
from proofs_checks.cli import main
from proofs_checks.cluster import ClusterError, merge_shards, run_on_cluster, run_shards, seed_range
from proofs_checks.runner import run_checks

# Small searches: these tests are about plumbing, not about the claims.
OPTIONS = dict(max_examples=10, scope_limit=10, starts=0, budget=30)
SMALL = ["--max-examples", "10", "--budget", "30"]


def _without_times(records):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def _claims():
    return [registry.get("pinsker"), registry.get("conj-pinsker-quarter")]


# -- merging rules -----------------------------------------------------------------------------------------------
def _record(
    verdict="holds",
    *,
    margin=0.5,
    relative=0.25,
    examples=12,
    scope=2,
    random=10,
    certified=3,
    cut=(),
    unconfirmed=0,
    message="",
    **extra,
):
    return dict(
        {
            "id": "c",
            "kind": "theorem",
            "expected": "holds",
            "verdict": verdict,
            "margin": margin,
            "examples": examples,
            "seconds": 1.0,
            "met": verdict == "holds",
            "unconfirmed_float_violations": unconfirmed,
            "message": message,
            "evidence": {
                "scope": f"small scope: {scope} instances",
                "scope_instances": scope,
                "random_examples": random,
                "optimizer_starts": 1,
                "optimizer_evaluations": 5,
                "certified": certified,
                "tightest_nontrivial_margin": margin,
                "tightest_relative_margin": relative,
                "tightest_instance": f"at {margin}",
                "trivial_instances_excluded": 1,
                "unconfirmed_float_violations": unconfirmed,
                "worst_unconfirmed_margin": None,
                "worst_unconfirmed_instance": None,
                "cut_by_budget": list(cut),
            },
        },
        **extra,
    )


def test_holding_shards_sum_their_evidence_and_keep_the_tightest_margin():
    shards = [
        _record(),
        _record(margin=0.1, relative=0.05, cut=("random search",), unconfirmed=1),
        _record(margin=0.05, relative=0.5),
    ]
    merged = merge_shards(shards, seeds=[4, 5, 6])
    assert merged["verdict"] == "holds" and merged["met"] and merged["seeds"] == [4, 5, 6]
    # The small scope (2 instances) is the same in every shard: counted once.
    assert merged["examples"] == 3 * 12 - 2 * 2
    ev = merged["evidence"]
    assert (ev["random_examples"], ev["certified"], ev["optimizer_starts"], ev["scope_instances"]) == (30, 9, 3, 2)
    # Tightest by relative margin, as check() ranks them: 0.05 relative beats 0.05 absolute.
    assert merged["margin"] == 0.1 and ev["tightest_instance"] == "at 0.1"
    assert ev["cut_by_budget"] == ["random search"]
    assert merged["unconfirmed_float_violations"] == 1 and "1 float violation" in merged["message"]
    assert merged["seconds"] == 3.0 and "9 instance(s) certified over 3 seeds" in merged["message"]


def test_any_refuting_shard_refutes_with_its_counterexample():
    shards = [
        _record(),
        _record("refuted", margin=-1.0, counterexample={"shown": "seed 1's"}),
        _record("error", margin=None),
        _record("refuted", margin=-2.0, counterexample={"shown": "seed 3's"}),
    ]
    merged = merge_shards(shards, seeds=[0, 1, 2, 3])
    assert merged["verdict"] == "refuted" and merged["seed"] == 1 and merged["margin"] == -1.0
    assert merged["counterexample"] == {"shown": "seed 1's"} and "2 of 4 seeds refuted" in merged["message"]


def test_an_error_or_undecided_shard_decides_over_holding_ones():
    errored = merge_shards([_record(), _record("error", margin=None, message="error: boom")], seeds=[0, 1])
    assert errored["verdict"] == "error" and not errored["met"] and errored["message"] == "seed 1: error: boom"
    undecided = merge_shards([_record("undecided", message="undecided at 512 bits"), _record()], seeds=[0, 1])
    assert undecided["verdict"] == "undecided" and not undecided["met"]
    assert undecided["evidence"]["random_examples"] == 20 and "1 of 2 seeds undecided" in undecided["message"]


def test_one_shard_is_its_own_record_and_bad_merges_are_refused():
    one = _record()
    assert merge_shards([one], seeds=[7]) == one
    with pytest.raises(ClusterError, match="different claims"):
        merge_shards([_record(), _record(id="d")])
    with pytest.raises(ClusterError, match="2 shards but 1 seeds"):
        merge_shards([_record(), _record()], seeds=[0])
    with pytest.raises(ClusterError, match="seeds 0 must be"):
        seed_range(3, 0)


# -- locally ----------------------------------------------------------------------------------------------------
def test_local_shards_merge_the_single_seed_runs_and_do_not_depend_on_jobs():
    claims = _claims()
    merged = run_shards(claims, seeds=(3, 4), options=OPTIONS, jobs=2)
    assert _without_times(merged) == _without_times(run_shards(claims, seeds=(3, 4), options=OPTIONS, jobs=1))
    singles = [run_checks(claims, options=dict(OPTIONS, seed=s)) for s in (3, 4)]
    expected = [merge_shards([singles[0][i], singles[1][i]], seeds=(3, 4)) for i in range(len(claims))]
    assert _without_times(merged) == _without_times(expected)
    assert [r["verdict"] for r in merged] == ["holds", "refuted"]
    assert merged[0]["evidence"]["random_examples"] == 20


def test_the_cli_runs_seeds_locally_and_writes_the_refuting_seeds_certificate(tmp_path, capsys):
    certs = tmp_path / "certs"
    code = main(
        [
            "check",
            "pinsker",
            "conj-pinsker-quarter",
            "--seeds",
            "2",
            "--seed",
            "3",
            "--format",
            "json",
            "--jobs",
            "2",
            "--certificates",
            str(certs),
            *SMALL,
        ]
    )
    records = json.loads(capsys.readouterr().out)["claims"]
    assert code == 0 and [r["verdict"] for r in records] == ["holds", "refuted"]
    assert [r["seeds"] for r in records] == [[3, 4], [3, 4]] and records[1]["seed"] == 3
    assert records[1]["certificate"] == str(certs / "conj-pinsker-quarter.json")
    assert replay(certs / "conj-pinsker-quarter.json").ok
    # One seed is the plain run, record for record.
    assert main(["check", "pinsker", "--seeds", "1", "--seed", "3", "--format", "json", *SMALL]) == 0
    one = json.loads(capsys.readouterr().out)["claims"]
    assert main(["check", "pinsker", "--seed", "3", "--format", "json", *SMALL]) == 0
    assert _without_times(one) == _without_times(json.loads(capsys.readouterr().out)["claims"])


# -- on a Dask cluster ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (the [cluster] extra)")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        yield c


def test_the_cluster_reports_what_the_local_seeds_run_reports(cluster):
    claims = _claims()
    on_cluster = run_on_cluster(claims, address=cluster.scheduler_address, options=OPTIONS, seeds=(3, 4))
    local = run_shards(claims, seeds=(3, 4), options=OPTIONS, jobs=2)
    assert _without_times(on_cluster) == _without_times(local)
    assert [r["verdict"] for r in on_cluster] == ["holds", "refuted"]


def test_the_cli_on_a_cluster_matches_the_cli_locally_and_certifies(cluster, tmp_path, capsys):
    args = ["check", "pinsker", "conj-pinsker-quarter", "--seeds", "2", "--format", "json", *SMALL]
    assert main(args + ["--cluster", cluster.scheduler_address, "--certificates", str(tmp_path / "a")]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert main(args + ["--certificates", str(tmp_path / "b")]) == 0
    local = json.loads(capsys.readouterr().out)
    remote_records, local_records = _without_times(remote["claims"]), _without_times(local["claims"])
    for r in remote_records + local_records:
        r.pop("certificate", None)
    assert remote_records == local_records
    assert replay(tmp_path / "a" / "conj-pinsker-quarter.json").ok
    assert replay(tmp_path / "b" / "conj-pinsker-quarter.json").ok


USER_MODULE = """
import theory
from proofs_checks import Claim, strategies as S

CLAIMS = [
    Claim(id="cluster-user-pinsker-4", title="KL >= 4 TVD^2", given={"p": S.distributions(2), "q": S.distributions(2)},
          lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a), relation=">=",
          rhs=lambda x, a: 4 * theory.tvd(x["p"], x["q"], arith=a) ** 2, max_examples=10, scope_limit=20, budget=120),
]
"""


@pytest.fixture
def own_registry(monkeypatch):
    for name in ("_USER", "_ORIGIN", "_IMPORTED", "_FILE_MODULES"):
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))
    monkeypatch.setattr(sys, "path", list(sys.path))


def test_a_users_claim_travels_as_its_module(cluster, tmp_path, own_registry):
    path = tmp_path / "cluster_user_claims.py"
    path.write_text(textwrap.dedent(USER_MODULE), encoding="utf-8")
    (claim,) = registry.import_claims(str(path))
    on_cluster = run_on_cluster([claim], address=cluster.scheduler_address, seeds=(0, 1))
    local = run_shards([claim], seeds=(0, 1))
    assert on_cluster[0]["verdict"] == "refuted"
    assert _without_times(on_cluster) == _without_times(local)


def test_a_claim_registered_outside_any_module_is_refused_clearly(own_registry):
    claim = Claim(
        id="cluster-nowhere",
        title="1 <= 2",
        given={"x": S.budgets()},
        lhs=lambda x, a: 1,
        relation="<=",
        rhs=lambda x, a: 2,
    )
    exec("registry.register(claim)", {"registry": registry, "claim": claim})
    assert registry.origin("cluster-nowhere") is None
    with pytest.raises(ClusterError, match="'cluster-nowhere' was registered outside any module.*--import"):
        run_on_cluster([claim], address="tcp://127.0.0.1:1", seeds=(0,))


def test_without_dask_the_cli_says_so_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(ClusterError, match=r"pip install 'mightnt\[cluster\]'"):
        run_on_cluster(_claims(), address="tcp://127.0.0.1:1")
    assert main(["check", "pinsker", "--cluster", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs Dask" in err

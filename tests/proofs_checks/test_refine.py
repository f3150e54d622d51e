"""Margin optimization (proofs_checks.refine): boundary counterexamples are found and certified exactly, the
parameters move only within their blocks (zeros, sums, shared objects kept), and the search is bounded,
deterministic and robust to a claim's own errors."""

import json
import math
import time
from fractions import Fraction

import pytest

import theory
from proofs_checks import Claim, Part, certify, strategies as S
from proofs_checks.instances import encode
from hypothesis import HealthCheck, find, given, settings, strategies as st

from proofs_checks.refine import (
    RADII,
    Block,
    Drawn,
    Outside,
    Refinement,
    RefineError,
    find_drawn,
    parameter_blocks,
    recording,
    refine,
)
from proofs_checks.scope import _instance_key, enumerate_instances

F = Fraction
HALF = (F(1, 2), F(1, 2))
# Pinsker's constant 2 raised to 2.002: false, but only for TVD below about 0.067, margins about -1e-5.
TIGHT = F(2002, 1000)


def pinsker(constant, *, id="pinsker-variant", kind="conjecture"):
    return Claim(
        id=id,
        title=f"TVD ≤ sqrt(KL/{constant})",
        kind=kind,
        given={"p": S.distributions(2), "q": S.distributions(2)},
        lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a),
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / constant),
    )


def trajectory_pinsker(constant):
    return Claim(
        id="trajectory-pinsker-variant",
        title=f"trajectory TVD ≤ sqrt(KL/{constant})",
        kind="conjecture",
        examples=lambda: [],
        lhs=lambda x, a: theory.trajectory_tvd(x["pi"], x["beta"], x["env"], x["horizon"], arith=a),
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=a) / constant),
    )


def two_step_case():
    """π and β differ at the first step only (both take action 0 at the second), under an environment whose
    rows do not matter: the trajectory inequality reduces to the one-step one, with zeros to keep."""
    to_second = [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]
    return {
        "pi": theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], to_second),
        "beta": theory.FiniteStatePolicy([["1/3", "2/3"], [1, 0]], to_second),
        "env": theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/4", "3/4"]]], [[[0, 0], [0, 0]]]),
        "horizon": 2,
    }


def as_json(drawn):
    return [json.dumps(encode(x.instance), sort_keys=True) for x in drawn]


# ---------------------------------------------------------------------------------------------------------------
# Boundary counterexamples
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "start",
    [
        {"p": HALF, "q": HALF},  # margin exactly 0: the optimizer must move off p = q
        {"p": (F(1, 2), F(1, 2)), "q": (F(1, 2), F(1, 2))},
        {"p": HALF, "q": (F(1, 3), F(2, 3))},
    ],
)
def test_pinsker_with_constant_just_above_tight_is_refuted(start):
    claim = pinsker(TIGHT)
    r = refine(claim, [start])
    assert r.candidates, r
    ev = certify(claim, r.candidates[0].instance)
    assert ev.holds is False and ev.context == "exact"
    assert ev.margin < 0 and r.margin < 0
    assert 0 < r.evaluations <= 2000 and r.errors == 0 and r.starts >= 1


def test_candidates_are_simplest_first_and_all_float_violations():
    claim = pinsker(TIGHT)
    r = refine(claim, [{"p": HALF, "q": HALF}])
    assert len(r.candidates) >= 2
    largest = [max(v.denominator for key in ("p", "q") for v in x.instance[key]) for x in r.candidates]
    assert largest == sorted(largest)
    for x in r.candidates:
        assert claim.float_candidate(claim.evaluate(x.instance, "float"))


def test_trajectory_pinsker_with_constant_just_above_tight_is_refuted():
    claim = trajectory_pinsker(TIGHT)
    start = two_step_case()
    r = refine(claim, [start])
    assert r.candidates
    best = r.candidates[0].instance
    assert certify(claim, best).holds is False
    # The deterministic second-step rows, the transitions and the horizon are untouched.
    for name in ("pi", "beta"):
        assert list(best[name].emission("exact")[1]) == [1, 0]
        assert best[name].transition.tolist() == start[name].transition.tolist()
    assert best["horizon"] == 2
    # Rows the violation does not need are reset to the start's values (the environment's).
    assert best["env"].emission("exact").tolist() == start["env"].emission("exact").tolist()


def test_true_pinsker_yields_no_certified_violation():
    claim = pinsker(2, kind="theorem")
    starts = [
        {"p": HALF, "q": HALF},
        {"p": HALF, "q": (F(1, 3), F(2, 3))},
        {"p": (F(1, 12), F(11, 12)), "q": (F(1, 2), F(1, 2))},
    ]
    r = refine(claim, starts, max_evaluations=600)
    assert r.starts >= 3 and r.tightest
    for x in r.candidates + r.tightest:
        assert certify(claim, x.instance).holds is not False


# ---------------------------------------------------------------------------------------------------------------
# The parameter view: zeros, sums, shared objects
# ---------------------------------------------------------------------------------------------------------------
def mixed_case():
    """A distribution with a zero, a semi-distribution with slack, a semi policy, and a mixture whose component
    is also the demonstrator μ (one object, one set of parameters)."""
    mu = theory.FiniteStatePolicy.iid(["1/2", "1/4"], semi=True)
    other = theory.FiniteStatePolicy.iid(["1/3", "2/3"])
    return {
        "p": (F(1, 2), F(0), F(1, 2)),
        "w": (F(1, 4), F(1, 4)),
        "xi": theory.BayesianMixture([mu, other], ["1/2", "1/4"]),
        "mu": mu,
        "horizon": 1,
    }


def test_parameter_blocks_finds_every_block():
    blocks = parameter_blocks(mixed_case())
    paths = [b.path for b in blocks]
    assert paths == [
        ("dict", "p", "tuple"),
        ("dict", "w", "tuple"),
        ("dict", "xi", "mixture", "prior"),
        ("dict", "xi", "mixture", "components", 0, "finite_state_policy", "emission", 0),
        ("dict", "xi", "mixture", "components", 1, "finite_state_policy", "emission", 0),
        ("dict", "mu", "finite_state_policy", "emission", 0),
    ]
    assert [b.semi for b in blocks] == [False, True, True, True, False, True]
    # μ is xi's first component: the same group.
    assert blocks[3].group == blocks[5].group != blocks[4].group
    assert all(sum(b.coordinates) == 1 for b in blocks)
    assert isinstance(blocks[0], Block) and blocks[1].coordinates == (F(1, 4), F(1, 4), F(1, 2))


def test_environment_rows_and_function_policies_are_blocks():
    from proofs_checks.instances import decode

    inner = {
        "finite_state_policy": {
            "emission": [["1/4", "3/4"]],
            "transition": [[[0], [0]]],
            "initial_state": 0,
            "semi": False,
        }
    }
    fn = decode({"function_policy": {"of": inner, "n_observations": 1, "semi": False}})
    env = theory.FiniteStateEnvironment([[["1/2", "1/2"], [1, 0]]], [[[0, 0], [0, 0]]])
    blocks = parameter_blocks({"pi": fn, "env": env})
    assert [(b.path, b.values) for b in blocks] == [
        (("dict", "pi", "function_policy", "of", "finite_state_policy", "emission", 0), (F(1, 4), F(3, 4))),
        (("dict", "env", "finite_state_environment", "emission", 0, 0), (F(1, 2), F(1, 2))),
    ]  # the environment's deterministic row (1, 0) has nothing to move


def test_no_continuous_parameters():
    assert parameter_blocks({"budget": F(1, 2), "point": (F(1), F(0)), "history": ((0, 1),)}) == []
    claim = pinsker(TIGHT)
    r = refine(claim, [{"p": (F(1), F(0)), "q": (F(0), F(1))}])
    assert (r.candidates, r.tightest, r.starts, r.evaluations, r.errors) == ((), (), 0, 0, 0)
    assert refine(claim, []) == Refinement((), (), 0, 0, 0)


def test_zero_patterns_sums_and_shared_objects_are_kept():
    # A false claim that pushes the mass of p's first entry and of μ's first action down.
    claim = Claim(
        id="drift",
        title="drift",
        kind="conjecture",
        examples=lambda: [],
        lhs=lambda x, a: a.convert(x["p"][0]) + x["xi"].probs((), arith=a)[0],
        relation=">=",
        rhs=lambda x, a: a.convert(F(3, 4)),
    )
    start = mixed_case()
    r = refine(claim, [start], max_evaluations=400)
    assert r.candidates and r.tightest
    for x in (d.instance for d in r.candidates + r.tightest):
        assert x["p"][1] == 0 and x["p"][0] > 0 and x["p"][2] > 0 and sum(x["p"]) == 1
        assert all(v > 0 for v in x["w"]) and sum(x["w"]) < 1
        assert all(v > 0 for v in x["xi"].prior) and sum(x["xi"].prior) < 1  # the Kraft slack stays positive
        mu_row = list(x["mu"].emission("exact")[0])
        assert mu_row == list(x["xi"].components[0].emission("exact")[0])  # shared object, shared parameters
        assert all(v > 0 for v in mu_row) and sum(mu_row) < 1  # the abstain mass stays positive
        assert sum(x["xi"].components[1].emission("exact")[0]) == 1
        assert x["horizon"] == 1
    assert certify(claim, r.candidates[0].instance).holds is False


def threshold_claim(floor):
    """Hypothesis p0 ≥ t (t is drawn as p0 itself: on the boundary); conclusion p0 ≥ floor."""
    return Claim(
        id="threshold",
        title="threshold",
        kind="theorem",
        examples=lambda: [],
        parts=lambda x, a: [
            Part("hypothesis: p0 ≥ t", a.convert(x["p"][0]), ">=", a.convert(x["t"])),
            Part("p0 ≥ floor", a.convert(x["p"][0]), ">=", a.convert(floor)),
        ],
    )


def test_a_hypothesis_part_bounds_the_domain():
    start = {"p": HALF, "t": F(1, 2)}
    # Every move that lowers p0 leaves the domain: whatever it does to the conclusion, it is not a candidate.
    r = refine(threshold_claim(F(1, 2)), [start], max_evaluations=300)
    assert r.candidates == () and r.outside > 0
    for x in r.tightest:
        assert certify(threshold_claim(F(1, 2)), x.instance).holds is True
    # Inside the domain a false conclusion is still found: t = 1/4 leaves room, and p0 < 2/5 violates.
    r = refine(threshold_claim(F(2, 5)), [{"p": HALF, "t": F(1, 4)}], max_evaluations=300)
    assert r.candidates
    ev = certify(threshold_claim(F(2, 5)), r.candidates[0].instance)
    assert ev.holds is False and [p.name for p in ev.parts if p.holds is False] == ["p0 ≥ floor"]


def test_rounding_radii_are_coarse_first():
    assert list(RADII) == sorted(RADII, reverse=True) and all(isinstance(r, Fraction) for r in RADII)


# ---------------------------------------------------------------------------------------------------------------
# Determinism, budget, errors, bad input
# ---------------------------------------------------------------------------------------------------------------
def test_deterministic_under_a_seed():
    claim = pinsker(TIGHT)
    starts = [{"p": HALF, "q": (F(1, 3), F(2, 3))}]
    a, b = refine(claim, starts, seed=3), refine(claim, starts, seed=3)
    assert as_json(a.candidates) == as_json(b.candidates) and as_json(a.tightest) == as_json(b.tightest)
    assert (a.starts, a.evaluations, a.errors, a.margin) == (b.starts, b.evaluations, b.errors, b.margin)


def test_budget_and_deadline_are_respected():
    claim = pinsker(2, kind="theorem")
    starts = [{"p": HALF, "q": (F(1, 3), F(2, 3))}, {"p": (F(1, 4), F(3, 4)), "q": HALF}]
    for budget in (1, 7, 50):
        assert refine(claim, starts, max_evaluations=budget).evaluations <= budget
    late = refine(claim, starts, deadline=time.monotonic() - 1)
    assert late.evaluations == 0 and late.candidates == ()


def test_a_claim_that_raises_is_counted_not_raised():
    def fragile(x, a):
        if x["p"][0] > x["q"][0]:  # half of the parameter space, the first move of q included
            raise ZeroDivisionError("the claim's own bug")
        return theory.tvd(x["p"], x["q"], arith=a)

    claim = Claim(
        id="fragile",
        title="fragile",
        kind="conjecture",
        examples=lambda: [],
        lhs=fragile,
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / TIGHT),
    )
    r = refine(claim, [{"p": HALF, "q": (F(1, 2), F(1, 2))}], max_evaluations=500)
    assert 0 < r.errors < r.evaluations <= 500
    # The other half still holds the counterexamples.
    assert r.candidates and certify(claim, r.candidates[0].instance).holds is False

    always = Claim(
        id="broken",
        title="broken",
        kind="conjecture",
        examples=lambda: [],
        lhs=lambda x, a: 1 / 0,
        relation="<=",
        rhs=lambda x, a: 0,
    )
    r = refine(always, [{"p": HALF}], max_evaluations=60)
    assert r.errors == r.evaluations > 0 and r.candidates == () and r.tightest == ()


@pytest.mark.parametrize(
    "options, word",
    [
        ({"max_starts": 0}, "max_starts=0"),
        ({"max_evaluations": -1}, "max_evaluations=-1"),
        ({"seed": "x"}, "seed='x'"),
        ({"deadline": "soon"}, "deadline='soon'"),
    ],
)
def test_bad_options_are_named(options, word):
    with pytest.raises(RefineError, match=word):
        refine(pinsker(TIGHT), [{"p": HALF, "q": HALF}], **options)


def test_bad_starts_are_named():
    with pytest.raises(ValueError, match="got 3"):
        refine(pinsker(TIGHT), [3])
    with pytest.raises(RefineError, match="one instance"):
        refine(pinsker(TIGHT), {"p": HALF, "q": HALF})


# ---------------------------------------------------------------------------------------------------------------
# Refining the strategy's draws: relations the strategy's code computes survive every move
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def equal_pairs(draw):
    """q is computed from p, not drawn: KL(p‖q) = 0 on the whole domain."""
    p = draw(S.distributions(2))
    return {"p": p, "q": p}


@st.composite
def thresholds(draw):
    """t is set from the drawn p: p0 ≥ t holds exactly, on its boundary."""
    p = draw(S.distributions(2))
    return {"p": p, "t": p[0]}


@st.composite
def pinsker_cases(draw):
    n = draw(st.just(2))
    return {"p": draw(S.distributions(n)), "q": draw(S.distributions(n))}


def kl_self_claim():
    return Claim(
        id="kl-self",
        title="KL(p‖q) = 0 when q = p",
        given=equal_pairs(),
        examples=lambda: [],
        lhs=lambda x, a: theory.kl(x["p"], x["q"], arith=a),
        relation="==",
        rhs=lambda x, a: 0,
    )


def threshold_relation_claim():
    return Claim(
        id="at-threshold",
        title="p0 ≥ t when t = p0",
        given=thresholds(),
        examples=lambda: [],
        lhs=lambda x, a: a.convert(x["p"][0]),
        relation=">=",
        rhs=lambda x, a: a.convert(x["t"]),
    )


def pinsker_composite(constant):
    return Claim(
        id="pinsker-composite",
        title=f"TVD ≤ sqrt(KL/{constant})",
        kind="conjecture",
        given=pinsker_cases(),
        examples=lambda: [],
        lhs=lambda x, a: theory.tvd(x["p"], x["q"], arith=a),
        relation="<=",
        rhs=lambda x, a: a.sqrt(theory.kl(x["p"], x["q"], arith=a) / constant),
    )


def interior(d, *keys):
    return all(0 < v < 1 for k in keys for v in d.instance[k])


@pytest.mark.parametrize("make, keys", [(kl_self_claim, ("p",)), (threshold_relation_claim, ("p",))])
def test_a_relation_the_strategy_computes_is_never_refuted(make, keys):
    claim = make()
    starts = [d for d in enumerate_instances(recording(claim.strategy), limit=20) if interior(d, *keys)]
    assert starts and all(isinstance(d, Drawn) and len(d.draws) == 1 for d in starts)
    r = refine(claim, starts, max_evaluations=300)
    assert r.evaluations > 0 and r.candidates == () and r.outside == 0 and r.errors == 0
    for d in r.tightest:
        assert certify(claim, d.instance).holds is True
    # Moving the output instead breaks the relation: the old failure, a certified "counterexample" to a truth.
    old = refine(claim, [d.instance for d in starts], max_evaluations=300)
    assert old.candidates and certify(claim, old.candidates[0].instance).holds is False


def test_pinsker_conjecture_as_a_composite_is_refuted_from_hypothesis_draws():
    claim = pinsker_composite(TIGHT)
    # (From p = 1/2, q = (2/3, 1/3) the optimizer, on plain instances as on draws, ends in float noise at p ≈ q.)
    start = find(
        recording(claim.strategy),
        lambda d: (
            d.instance["p"][0] < d.instance["q"][0]
            and all(F(1, 10) <= d.instance[k][0] <= F(9, 10) for k in ("p", "q"))
        ),
        settings=settings(database=None, derandomize=True),
    )
    assert start.draws[0] == 2 and start.movable == (False, True, True)
    r = refine(claim, [start])
    assert r.candidates and r.outside == 0
    best = r.candidates[0]
    assert isinstance(best, Drawn) and best.draws[0] == 2 and best.instance["p"] == best.draws[1]
    ev = certify(claim, best.instance)
    assert ev.holds is False and ev.context == "exact"

    seen = []

    @settings(database=None, derandomize=True, max_examples=20, suppress_health_check=list(HealthCheck))
    @given(recording(claim.strategy))
    def collect(d):
        seen.append(d)

    collect()
    r = refine(claim, [d for d in seen if interior(d, "p", "q") and d.instance["p"][0] < d.instance["q"][0]])
    assert any(certify(claim, d.instance).holds is False for d in r.candidates)  # the caller certifies in turn


def test_pinsker_conjecture_as_a_composite_is_refuted_from_the_small_scope():
    claim = pinsker_composite(TIGHT)
    starts = list(enumerate_instances(recording(claim.strategy), limit=30))
    r = refine(claim, starts)
    assert r.candidates
    assert certify(claim, r.candidates[0].instance).holds is False


@st.composite
def branching(draw):
    """How many values are drawn depends on p0: a move across 1/2 changes the draws."""
    p = draw(S.distributions(2))
    k = draw(st.integers(0, 3)) if p[0] > F(1, 2) else 0
    return {"p": p, "k": k}


@st.composite
def switching(draw):
    """Which strategy is drawn second depends on p0."""
    p = draw(S.distributions(2))
    q = draw(S.distributions(2) if p[0] <= F(1, 2) else S.distributions(3))
    return {"p": p, "q": q}


def test_control_flow_that_depends_on_a_moved_value_is_outside():
    half = next(d for d in enumerate_instances(recording(branching())) if d.instance["p"] == HALF)
    assert half.draws == (HALF,)
    with pytest.raises(Outside, match="more than the 1 recorded"):
        half.replay(((F(2, 3), F(1, 3)),))
    assert half.replay(((F(1, 3), F(2, 3)),)) == {"p": (F(1, 3), F(2, 3)), "k": 0}
    other = next(d for d in enumerate_instances(recording(switching())) if d.instance["p"] == HALF)
    with pytest.raises(Outside, match="distributions"):
        other.replay(((F(2, 3), F(1, 3)), HALF))
    # A claim false only where p0 > 1/2: that region is reached by replays that leave the domain, counted.
    claim = Claim(
        id="left",
        title="p0 ≤ 1/2",
        kind="conjecture",
        given=branching(),
        examples=lambda: [],
        lhs=lambda x, a: a.convert(x["p"][0]),
        relation="<=",
        rhs=lambda x, a: a.convert(F(1, 2)),
    )
    r = refine(claim, [half], max_evaluations=200)
    assert r.outside > 0 and r.candidates == ()


def test_filters_assumptions_and_fixed_values_bound_the_domain():
    ordered = pinsker_cases().filter(lambda x: x["p"][0] >= x["q"][0])
    claim = Claim(
        id="ordered",
        title="p0 ≥ q0",
        given=ordered,
        examples=lambda: [],
        lhs=lambda x, a: a.convert(x["p"][0]),
        relation=">=",
        rhs=lambda x, a: a.convert(x["q"][0]),
    )
    starts = [d for d in enumerate_instances(recording(ordered), limit=30) if interior(d, "p", "q")]
    r = refine(claim, starts, max_evaluations=200)
    assert r.candidates == () and r.outside > 0

    @st.composite
    def assumed(draw):
        p = draw(S.distributions(2))
        from hypothesis import assume

        assume(p[0] >= F(1, 2))
        return {"p": p}

    d = next(d for d in enumerate_instances(recording(assumed())) if d.instance["p"] == HALF)
    with pytest.raises(Outside, match="UnsatisfiedAssumption"):
        d.replay(((F(1, 3), F(2, 3)),))

    # A value drawn from just / sampled_from is a constant of the domain: it never moves.
    fixed = Claim(
        id="fixed",
        title="p is uniform",
        given={"p": st.just(HALF), "q": S.distributions(2)},
        examples=lambda: [],
        lhs=lambda x, a: a.convert(x["p"][0]),
        relation="==",
        rhs=lambda x, a: a.convert(F(1, 2)),
    )
    starts = list(enumerate_instances(recording(fixed.strategy), limit=5))
    assert starts[0].movable == (False, True)
    r = refine(fixed, starts, max_evaluations=100)
    assert r.candidates == () and all(d.instance["p"] == HALF for d in r.tightest)


@pytest.mark.parametrize(
    "strategy",
    [
        pinsker_cases(),
        equal_pairs(),
        st.fixed_dictionaries({"p": S.distributions(3), "n": st.integers(0, 5), "b": st.booleans()}),
        S.with_history(
            st.fixed_dictionaries(
                {
                    "beta": S.finite_state_policies(n_actions=2, n_observations=1),
                    "env": S.finite_state_environments(n_actions=2, n_observations=1),
                }
            ),
            max_length=2,
        ),
        S.distributions(2),  # not entered: one draw, the whole instance
    ],
    ids=["composite", "relation", "fixed-dict", "with-history", "exported"],
)
def test_recording_draws_exactly_as_the_strategy(strategy):
    plain = enumerate_instances(strategy, limit=40)
    recorded = enumerate_instances(recording(strategy), limit=40)
    a, b = [_instance_key(x) for x in plain], [_instance_key(d.instance) for d in recorded]
    assert a == b and (plain.rejected, plain.exhausted) == (recorded.rejected, recorded.exhausted)

    def draws(s):
        out = []

        @settings(database=None, derandomize=True, max_examples=25, suppress_health_check=list(HealthCheck))
        @given(s)
        def collect(x):
            out.append(_instance_key(getattr(x, "instance", x)))

        collect()
        return out

    assert draws(strategy) == draws(recording(strategy))


def test_replaying_the_recorded_draws_rebuilds_the_instance():
    for d in enumerate_instances(recording(pinsker_cases()), limit=10):
        assert d.replay(d.draws) == d.instance and d.with_draws(d.draws) == d
        assert d.strategies == (
            "JustStrategy",
            "distributions(2, 1, 4, False, 12)",
            "distributions(2, 1, 4, False, 12)",
        )
    assert Drawn.of({"p": HALF}).replay(({"p": (F(1), F(0))},)) == {"p": (F(1), F(0))}
    with pytest.raises(Outside):
        Drawn.of({"p": HALF}).replay(())
    with pytest.raises(RefineError, match="strategy=3"):
        recording(3)
    with pytest.raises(RefineError, match="got 3"):
        refine(pinsker(TIGHT), [3])


def test_deterministic_under_a_seed_from_drawn_starts():
    claim = pinsker_composite(TIGHT)
    starts = list(enumerate_instances(recording(claim.strategy), limit=12))
    a, b = refine(claim, starts, seed=5), refine(claim, starts, seed=5)
    assert as_json(a.candidates) == as_json(b.candidates) and as_json(a.tightest) == as_json(b.tightest)
    assert (a.starts, a.evaluations, a.errors, a.outside, a.margin) == (
        b.starts,
        b.evaluations,
        b.errors,
        b.outside,
        b.margin,
    )


def test_a_boundary_hypothesis_recomputed_by_replay_is_admitted_and_confirmed():
    """thm4 lowers α to its threshold: the hypothesis part is 0 exactly at every replayed point. Moved outputs
    are all outside the domain; replayed draws are inside, and no candidate is certified."""
    from proofs_checks import registry

    claim = registry.get("thm4-pessimistic-kl")
    starts = list(enumerate_instances(recording(claim.strategy), limit=8))[::2]
    r = refine(claim, starts, max_evaluations=60)
    assert r.evaluations > 0 and r.outside == 0 and r.margin < math.inf
    assert all(certify(claim, d.instance).holds is not False for d in r.candidates)
    old = refine(claim, [d.instance for d in starts], max_evaluations=60)
    assert old.outside == old.evaluations > 0


def test_find_drawn_is_deterministic():
    a = find_drawn(equal_pairs(), lambda d: interior(d, "p"))
    b = find_drawn(equal_pairs(), lambda d: interior(d, "p"))
    assert a == b and a.instance["q"] is a.instance["p"] and a.draws == (a.instance["p"],)


# ---------------------------------------------------------------------------------------------------------------
# Scalars with a registered range (budgets, alphas, temperatures)
# ---------------------------------------------------------------------------------------------------------------
def _any_drawn(strategy):
    """The first small-scope instance, recorded (a shape to replay other draws into; faster than find_drawn)."""
    return next(iter(enumerate_instances(recording(strategy), limit=1)))


def _regularized_gain_start(temperature):
    """A drawn start of the benchmark statement with a fair β, reward 1 for action 1 and the given λ."""
    from tests.benchmark_statements import statement

    st_ = statement("regularized-gain-within-pinsker-2.002")
    ce = st_.counterexample
    base = _any_drawn(st_.claim.strategy)
    return st_.claim, base.with_draws((ce["beta"], ce["env"], ce["utility"], 1, temperature))


@pytest.mark.parametrize("temperature", [F(1), F(1, 2), F(2)])
def test_regularized_gain_within_pinsker_is_refuted_by_moving_the_temperature(temperature):
    # False only for λ ≳ 6 with a fair β: the optimizer must move λ (on a log scale) from where it was drawn.
    claim, start = _regularized_gain_start(temperature)
    assert claim.evaluate(start.instance, "float").margin > 0
    r = refine(claim, [start], max_evaluations=600)
    assert r.candidates
    for drawn in r.candidates:
        assert 1 < drawn.instance["temperature"] <= 100
        assert certify(claim, drawn.instance).holds is False


def test_check_refutes_regularized_gain_within_pinsker_at_default_settings():
    from proofs_checks import check
    from tests.benchmark_statements import statement

    assert check(statement("regularized-gain-within-pinsker-2.002").claim, seed=0).verdict == "refuted"


def _scalar_claim(strategy, relation, bound, seen):
    """``x ⋈ bound`` for x drawn from ``strategy``; every evaluated x is appended to ``seen``."""

    def lhs(x, a):
        seen.append(x["x"])
        return a.convert(x["x"])

    return Claim(
        id="scalar-bound",
        title=f"x {relation} {bound}",
        kind="theorem",
        given={"x": strategy},
        lhs=lhs,
        relation=relation,
        rhs=lambda x, a: a.convert(F(bound)),
    )


@pytest.mark.parametrize(
    "strategy, lo, hi, exclude_min",
    [
        (S.budgets(max_value=1), F(0), F(1), False),
        (S.budgets(min_value="1/3", max_value=2), F(1, 3), F(2), False),
        (S.alphas(), F(0), F(1), True),
        (S.alphas(min_value="1/4", max_value="3/4"), F(1, 4), F(3, 4), True),
        (S.temperatures(), F(1, 100), F(100), False),
        (S.temperatures(min_value="1/2", max_value=8), F(1, 2), F(8), False),
    ],
)
@pytest.mark.parametrize("toward", ["min", "max"])
def test_moved_scalars_stay_within_their_strategys_range(strategy, lo, hi, exclude_min, toward):
    # The claim is true on the range and its margin shrinks toward one end: the optimizer presses against it.
    seen = []
    relation, bound = (">=", lo) if toward == "min" else ("<=", hi)
    claim = _scalar_claim(strategy, relation, bound, seen)
    middle = F(lo + hi, 2)
    for value in (middle, hi) + (() if exclude_min else (lo,)):
        start = _any_drawn(claim.strategy).with_draws((value,))
        seen.clear()
        r = refine(claim, [start], max_evaluations=120)
        assert r.candidates == () and r.evaluations > 0
        assert all(isinstance(x, F) and lo <= x <= hi and not (exclude_min and x == lo) for x in seen), [
            x for x in seen if not lo <= x <= hi
        ]
        assert len(set(seen)) > 3  # it moved
        end = lo if toward == "min" else hi
        assert abs(float(r.tightest[0].instance["x"] - end)) < 0.05 * float(hi - lo)


@pytest.mark.parametrize(
    "strategy, raw",
    [
        (S.budgets(max_value=1).map(lambda b: 2 * b), F(1, 2)),  # the draw is the budget; 2b is recomputed
        (S.budgets(max_value=2).filter(lambda b: b != F(3, 2)), F(1)),
    ],
)
def test_a_scalar_range_is_kept_through_map_and_filter(strategy, raw):
    seen = []
    claim = _scalar_claim(strategy, "<=", 2, seen)
    start = _any_drawn(claim.strategy).with_draws((raw,))
    assert start.instance["x"] == 1 and start.range_of(0) is not None
    r = refine(claim, [start], max_evaluations=120)
    assert r.candidates == () and len(set(seen)) > 3 and all(0 <= x <= 2 for x in seen)
    assert r.tightest[0].instance["x"] == 2  # the closed upper end is reached by rounding


@st.composite
def _budget_and_square(draw):
    b = draw(S.budgets(max_value=1))
    return {"b": b, "b2": b * b}  # b² ≤ b holds exactly because the strategy keeps b ≤ 1


@st.composite
def _alpha_and_threshold(draw):
    alpha = draw(S.alphas(max_value="1/2"))
    return {"alpha": alpha, "threshold": 1 - alpha}  # α ≤ 1 − α on (0, 1/2], by the range and the replay


@pytest.mark.parametrize(
    "strategy, lhs, rhs",
    [
        (_budget_and_square(), lambda x, a: a.convert(x["b2"]), lambda x, a: a.convert(x["b"])),
        (_alpha_and_threshold(), lambda x, a: a.convert(x["alpha"]), lambda x, a: a.convert(x["threshold"])),
    ],
)
def test_a_true_theorem_bounded_by_a_scalars_range_is_never_refuted(strategy, lhs, rhs):
    claim = Claim(
        id="scalar-range-theorem",
        title="holds on the strategy's range only",
        kind="theorem",
        given=strategy,
        lhs=lhs,
        relation="<=",
        rhs=rhs,
    )
    starts = list(enumerate_instances(recording(strategy), limit=20))
    assert any(s.range_of(0) is not None for s in starts)
    r = refine(claim, starts, max_evaluations=400)
    assert r.candidates == ()
    assert r.margin >= 0 and r.evaluations > 50


def test_plain_fractions_stay_fixed():
    claim = _scalar_claim(st.fractions(0, 1), "<=", F(1, 2), [])
    start = find_drawn(claim.strategy, lambda d: d.instance["x"] > 0)
    assert start.range_of(0) is None
    assert refine(claim, [start]).starts == 0


def test_scalar_moves_are_deterministic_under_a_seed():
    claim, start = _regularized_gain_start(F(1))
    runs = [refine(claim, [start], seed=3, max_evaluations=300) for _ in range(2)]
    assert as_json(runs[0].candidates) == as_json(runs[1].candidates)
    assert as_json(runs[0].tightest) == as_json(runs[1].tightest)
    assert runs[0].evaluations == runs[1].evaluations

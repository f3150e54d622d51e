"""The KL-estimator lab: what RL fine-tuning's sampled KL penalties differentiate, where they lead, and whether the
teacher still latches onto silence under each of them.

Three parts, each exact where a verdict is drawn (:func:`run`; ``mightnt experiment estimators`` prints them):

1. **The 2-token toy** (:func:`toy`): a 2-state softmax policy whose state is its last action, a reference that
   learns (a Bayesian mixture of two i.i.d. policies) and an older sampling policy π_old. For every estimator ×
   placement × level × sampling case the engine (:func:`theory.estimator_moments`) gives the expected estimate,
   its standard deviation and its expected gradient; whether that gradient *is* ∇KL(π‖π_ref) or ∇KL(π_ref‖π) is
   decided exactly (exact context; ball arithmetic certifies a difference that is not 0), for one token and for
   two, and checked against Monte Carlo (:func:`theory.sample_estimator`, fixed seed).
2. **Fixed points** (:func:`theory.practical_fixed_point`) of every regularizer on a one-step bandit and a
   two-step world, beside the paper's KL-regularized optimum.
3. **The teacher–student world** (:mod:`proofs_checks.experiments.teacher_student`) under the practical
   regularizers at a grid of coefficients, beside the exact-KL agents and the agent regularized to the
   pessimistic imitator: does the latch onto silence survive?

>>> rows = toy_cases(Config(samples=200))
>>> len(rows), sum(row["sampling"] == "on-policy" for row in rows)
(81, 24)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy

import theory
from theory.trees import Tree, branch, walk

from . import teacher_student as ts
from .generated import GeneratedPage, PageError, markdown_table

__all__ = [
    "Config",
    "REGULARIZERS",
    "toy",
    "decide_equal",
    "toy_cases",
    "fixed_point_worlds",
    "fixed_points",
    "silence",
    "teacher_student",
    "run",
    "report",
    "plot",
    "TABLES",
    "PAGE_COMMAND",
    "PageError",
    "page_tables",
    "generated_tables",
    "fill_page",
]

F = Fraction

#: The practical regularizers of the teacher–student part: (estimator, placement, what uses it).
REGULARIZERS = (
    ("k1", "reward", "PPO's penalty: the exact KL's gradient"),
    ("k1", "loss", ""),
    ("k2", "loss", ""),
    ("k3", "loss", "GRPO's"),
    ("k3", "reward", ""),
    ("full", "loss", ""),
)


@dataclass(frozen=True)
class Config:
    """What :func:`run` measures: the Monte Carlo sample size and seed of the toy, the coefficients of the
    fixed-point worlds, and for the teacher–student world the episode length, the coefficient grid, the trusted
    corpus, the budgets of the budgeted exact agent and the imitator's α.

    >>> Config().turns
    10
    """

    samples: int = 20_000
    seed: int = 0
    bandit_coefficient: Fraction = F(3, 10)
    world_coefficient: Fraction = F(1, 10)
    turns: int = 10
    coefficients: tuple = (F(1, 10), F(3, 100), F(1, 100), F(3, 1000), F(1, 1000))
    corpus: int = 100
    budgets: tuple = (10, 20)
    alpha: Fraction = F(1, 1000)
    #: A z-score of Monte Carlo against the exact expectation above this fails the check.
    z_limit: float = 5.0


# ---------------------------------------------------------------------------------------------------------------
# Part 1: the 2-token toy
# ---------------------------------------------------------------------------------------------------------------
def toy() -> tuple:
    """(π, π_ref, μ, π_old): π a 2-state softmax policy whose state is its last action (row (1/3, 2/3) at the start
    and after action 0, (3/5, 2/5) after action 1), π_ref the Bayesian mixture of i.i.d. (1/4, 3/4) and (2/3, 1/3)
    with prior 1/2 each (it learns from the first token), μ a single observation, π_old i.i.d. uniform.

    >>> pi, ref, env, old = toy()
    >>> pi.probs(((1, 0),)).tolist(), ref.probs(((1, 0),), arith="exact").tolist()
    ([0.6, 0.4], [Fraction(59, 156), Fraction(97, 156)])
    """
    pi = theory.SoftmaxPolicy([["1/3", "2/3"], ["3/5", "2/5"]], [[[0], [1]], [[0], [1]]])
    ref = theory.BayesianMixture(
        [theory.FiniteStatePolicy.iid(["1/4", "3/4"]), theory.FiniteStatePolicy.iid(["2/3", "1/3"])], ["1/2", "1/2"]
    )
    return pi, ref, theory.sequence_environment(2), theory.FiniteStatePolicy.iid(["1/2", "1/2"])


#: The sampling cases: (label, sampling is π_old, ratio).
_SAMPLINGS = (("on-policy", False, None), ("off-policy", True, None), ("off-policy", True, "token"))
_SAMPLINGS += (("off-policy", True, "sequence"),)


def _is_zero(exact, ball) -> bool | None:
    """Whether an exact value is 0: True (exactly), False (certified by its ball enclosure), None (neither)."""
    if isinstance(exact, (int, Fraction, theory.LogLinear)):
        return exact == 0
    if ball is not None and not ball.contains(0):
        return False
    x = sympy.sympify(exact)
    if sympy.simplify(sympy.expand(sympy.expand_log(x, force=True))) == 0:
        return True
    return None


def decide_equal(exact_a, exact_b, ball_a=None, ball_b=None) -> bool | None:
    """Whether two exact arrays are equal entry by entry: True when every difference is exactly 0 (rationals and
    :class:`theory.LogLinear` compare exactly; a sympy expression is 0 when ``simplify(expand(expand_log(·)))`` is),
    False when some difference is certified not 0 (a rational or linear form that is not 0, or a ball enclosure
    of the difference that excludes 0), None when neither is decided.

    >>> decide_equal(np.array([F(1, 2)]), np.array([F(1, 2)])), decide_equal(np.array([F(1, 2)]), np.array([0]))
    (True, False)
    """
    a, b = np.asarray(exact_a, dtype=object).ravel(), np.asarray(exact_b, dtype=object).ravel()
    if ball_a is None:
        balls: list = [None] * len(a)
    else:
        balls = list(np.asarray(ball_a, dtype=object).ravel() - np.asarray(ball_b, dtype=object).ravel())
    verdicts = [_is_zero(x - y, bd) for x, y, bd in zip(a, b, balls)]
    if any(v is False for v in verdicts):
        return False
    return True if all(verdicts) else None


def _mc_z(sample: theory.EstimatorSample, estimate: float, gradient: np.ndarray) -> float:
    """The largest |z| of the Monte Carlo means (estimate and gradient) against the exact expectations; an entry
    whose samples are all equal must match to rounding (else z is infinite)."""
    means = np.concatenate([[sample.mean_estimate], sample.mean_gradient.ravel()])
    exact = np.concatenate([[estimate], np.asarray(gradient, dtype=float).ravel()])
    se = np.concatenate([[sample.se_estimate], sample.se_gradient.ravel()])
    diff = np.abs(means - exact)
    constant = se <= 1e-14 * (1 + np.abs(exact))
    if (diff[constant] > 1e-9 * (1 + np.abs(exact[constant]))).any():
        return math.inf
    return float(np.max(np.where(constant, 0.0, diff / np.where(constant, 1.0, se)))) if len(se) else 0.0


def toy_cases(config: Config = Config()) -> list[dict]:
    """Every estimator × placement × level × sampling case of :func:`toy` (the refused combinations left out):
    the expected estimate and its standard deviation over two tokens (float), whether the expected gradient equals
    ∇KL(π‖π_ref) (``forward``) and ∇KL(π_ref‖π) (``reverse``) over one token and over two (:func:`decide_equal`;
    off-policy also whether it equals the on-policy gradient), and the largest |z| of Monte Carlo against the
    exact expectations over two tokens (``samples`` draws, ``seed``)."""
    pi, ref, env, old = toy()
    targets = {
        (m, arith): {d: theory.kl_gradient(pi, ref, env, m, direction=d, arith=arith) for d in ("forward", "reverse")}
        for m in (1, 2)
        for arith in ("exact", "ball")
    }
    rows, on_policy = [], {}
    for estimator in theory.estimators.ESTIMATORS:
        for placement in theory.estimators.PLACEMENTS:
            for level in theory.estimators.LEVELS:
                for label, off, ratio in _SAMPLINGS:
                    if off and ratio == "token" and (level == "sequence" or estimator == "full"):
                        continue  # refused by the engine (no per-token term): OptionError
                    options = dict(
                        estimator=estimator,
                        placement=placement,
                        level=level,
                        sampling=old if off else None,
                        ratio=ratio,
                    )
                    row = dict(estimator=estimator, placement=placement, level=level, sampling=label, ratio=ratio)
                    for key in ("forward", "reverse", "on_policy_gradient"):
                        row[key] = []
                    for m in (1, 2):
                        exact = theory.estimator_moments(pi, ref, env, m, arith="exact", **options)
                        ball = theory.estimator_moments(pi, ref, env, m, arith="ball", **options)
                        for d in ("forward", "reverse"):
                            row[d].append(
                                decide_equal(
                                    exact.expected_gradient,
                                    targets[(m, "exact")][d],
                                    ball.expected_gradient,
                                    targets[(m, "ball")][d],
                                )
                            )
                        key = (estimator, placement, level, m)
                        if not off:
                            on_policy[key] = (exact.expected_gradient, ball.expected_gradient)
                        else:
                            row["on_policy_gradient"].append(
                                decide_equal(
                                    exact.expected_gradient,
                                    on_policy[key][0],
                                    ball.expected_gradient,
                                    on_policy[key][1],
                                )
                            )
                    flt = theory.estimator_moments(pi, ref, env, 2, **options)
                    row["estimate"] = float(flt.expected_estimate)
                    row["sd"] = float(math.sqrt(max(float(flt.variance), 0.0)))
                    sample = theory.sample_estimator(
                        pi,
                        ref,
                        env,
                        2,
                        n=config.samples,
                        seed=config.seed,
                        sampling=old if off else None,
                        **{k: v for k, v in options.items() if k != "sampling"},
                    )
                    row["mc_z"] = _mc_z(sample, float(flt.expected_estimate), flt.expected_gradient)
                    for key in ("forward", "reverse", "on_policy_gradient"):
                        row[key] = tuple(row[key]) if row[key] else None
                    rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Part 2: fixed points on small worlds
# ---------------------------------------------------------------------------------------------------------------
def fixed_point_worlds(config: Config = Config()) -> dict:
    """The small worlds of part 2, by name: (base, env, utility, horizon, coefficient). The bandit: three actions,
    reference (1/2, 1/3, 1/6), rewards (0, 1/2, 1). The two-step world: the toy's reference (a mixture that learns
    from the first token) and rewards 0 and 1 for actions 0 and 1 (the mean over the two steps).

    >>> sorted(fixed_point_worlds())
    ['bandit', 'two-step']
    """
    bandit = (
        theory.FiniteStatePolicy.iid(["1/2", "1/3", "1/6"]),
        theory.sequence_environment(3),
        theory.MeanReward([[0], ["1/2"], [1]]),
        1,
        config.bandit_coefficient,
    )
    _, ref, env, _ = toy()
    return {"bandit": bandit, "two-step": (ref, env, theory.MeanReward([[0], [1]]), 2, config.world_coefficient)}


def _tv_root(a: theory.Policy, b: theory.Policy) -> float:
    return float(np.abs(a.probs() - b.probs()).sum() / 2)


def fixed_points(config: Config = Config()) -> list[dict]:
    """Every regularizer's fixed point on each world of :func:`fixed_point_worlds`, beside the paper's
    KL-regularized optimum at the same coefficient: the TV distance between the two policies at the root, the
    value, the KL spent, the expected estimate, where the flow ends (interior or boundary) and the root's
    probabilities. The paper's optimum is its first row per world (regularizer ``None``)."""
    rows = []
    for name, (base, env, u, horizon, c) in fixed_point_worlds(config).items():
        paper = theory.kl_regularized_policy(base, env, u, horizon, c)
        rows.append(
            dict(
                world=name,
                coefficient=c,
                estimator=None,
                placement=None,
                tv_root=0.0,
                value=float(paper.value),
                kl_spent=float(paper.kl_spent),
                penalty=float(paper.kl_spent),
                boundary=False,
                converged=True,
                root=paper.policy.probs().tolist(),
            )
        )
        for estimator, placement in theory.penalties.POTENTIALS:
            fp = theory.practical_fixed_point(base, env, u, horizon, c, estimator=estimator, placement=placement)
            rows.append(
                dict(
                    world=name,
                    coefficient=c,
                    estimator=estimator,
                    placement=placement,
                    tv_root=_tv_root(fp.policy, paper.policy),
                    value=fp.value,
                    kl_spent=fp.kl_spent,
                    penalty=fp.penalty,
                    boundary=fp.boundary,
                    converged=fp.converged,
                    root=fp.policy.probs().tolist(),
                )
            )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Part 3: the teacher–student world
# ---------------------------------------------------------------------------------------------------------------
def silence(agent: theory.Policy, base: theory.Policy, world: ts.World, turns: int, *, demonstrator=None) -> dict:
    """Exactly, over the merged tree of (agent, base, student, demonstrator): the agent's probability of EMPTY at
    the first turn, the expected fraction of turns it says EMPTY, the probability that it says EMPTY at all, and
    the expected KL cost ``ln π(EMPTY|h)/ξ(EMPTY|h)`` of its first EMPTY given that there is one (None if
    never). With ``demonstrator`` the agent may abstain and the demonstrator acts (its turns are not the agent's).

    >>> w = ts.World()
    >>> stats = silence(w.teacher(), ts.base_policy(w, 10), w, 3)
    >>> stats["silent_fraction"], stats["first_cost"]
    (0.0, None)
    """
    ctx = theory.get_context("float")
    env, empty = world.environment(), world.EMPTY
    kernels = (agent, base, env, demonstrator)
    tree = Tree(kernels, (), ctx)
    total = {"silent": 0.0, "first": 0.0, "cost": 0.0}

    def step(level):
        states = level.states
        own = agent.probs_batch(states[0], ctx)
        bot = agent.abstain_batch(states[0], ctx, own) if demonstrator is not None else None
        xi = base.probs_batch(states[1], ctx)[:, empty]
        e = env.probs_batch(states[2], ctx)
        demo = demonstrator.probs_batch(states[3], ctx) if demonstrator is not None else None
        ones = np.ones(len(own))
        mass, fresh = level.weights.get("all", ones), level.weights.get("fresh", ones)
        said = own[:, empty]
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = np.where(said > 0, np.log(np.where(said > 0, said, 1.0)) - np.log(xi), 0.0)
        total["silent"] += float((mass * said).sum())
        total["first"] += float((fresh * said).sum())
        total["cost"] += float((fresh * said * cost).sum())
        not_empty = own.copy()
        not_empty[:, empty] = 0.0
        return {
            "all": branch(ctx, mass[:, None] * own, None if bot is None else mass * bot, e, demo),
            "fresh": branch(ctx, fresh[:, None] * not_empty, None if bot is None else fresh * bot, e, demo),
        }

    walk(tree, turns, step, keep="links", leaves=False)
    first = total["first"]
    return {
        "p_empty_first": float(agent.probs()[empty]),
        "silent_fraction": total["silent"] / turns,
        "any_silence": first,
        "first_cost": total["cost"] / first if first > 1e-300 else None,
    }


def _agent_row(kind: str, label: str, coefficient, optimum, base, world, turns, **extra) -> dict:
    stats = silence(optimum.policy, base, world, turns, demonstrator=extra.pop("demonstrator", None))
    return dict(
        kind=kind,
        label=label,
        coefficient=coefficient,
        value=float(optimum.value),
        kl_spent=float(optimum.kl_spent),
        **stats,
        **extra,
    )


def teacher_student(config: Config = Config(), *, progress=None) -> dict:
    """The teacher–student world over ``config.turns`` turns, the base conditioned on ``config.corpus`` trusted
    turns: for each practical regularizer of :data:`REGULARIZERS` and each coefficient, the fixed-point agent's
    :func:`silence` statistics, the KL(π‖ξ) it spends and where its flow ends; beside them the paper's
    KL-regularized optimum at each coefficient, the KL-budgeted exact agent at each budget
    (:func:`~proofs_checks.experiments.teacher_student.exact_agent`), and the agent regularized to the pessimistic
    imitator ν_α, at each coefficient and at each budget (its KL is to ν_α; abstaining, the trusted teacher
    answers)."""
    say = progress or (lambda message: None)
    world = ts.World()
    env, u, turns = world.environment(), world.utility(), config.turns
    base = ts.base_policy(world, config.corpus, seed=config.seed)
    rows = []
    for c in config.coefficients:
        say(f"teacher–student: the paper's optimum and the practical regularizers at c = {_c(c)}")
        paper = theory.kl_regularized_policy(base, env, u, turns, c)
        rows.append(
            _agent_row(
                "paper", "exact KL (the paper's optimum)", c, paper, base, world, turns, boundary=False, converged=True
            )
        )
        for estimator, placement, _ in REGULARIZERS:
            fp = theory.practical_fixed_point(base, env, u, turns, c, estimator=estimator, placement=placement)
            rows.append(
                _agent_row(
                    "practical",
                    f"{estimator} in the {placement}",
                    c,
                    fp,
                    base,
                    world,
                    turns,
                    estimator=estimator,
                    placement=placement,
                    boundary=fp.boundary,
                    converged=fp.converged,
                )
            )
    say("teacher–student: the budgeted exact agent and the agent regularized to the pessimistic imitator")
    budgeted, imitated = [], []
    # As imitator_agent builds it: the posterior learns from the demonstrator's turns only.
    imitator = theory.PessimisticImitator(
        ts.base_policy(world, config.corpus, update="demonstrator", seed=config.seed), config.alpha
    )
    for budget in config.budgets:
        exact = ts.exact_agent(base, world, turns, budget)
        budgeted.append(
            _agent_row(
                "budgeted",
                f"exact KL, budget {budget}",
                None,
                exact,
                base,
                world,
                turns,
                budget=budget,
                temperature=float(exact.temperature),
            )
        )
        agent, _ = ts.imitator_agent(world, config.corpus, turns, budget, config.alpha, seed=config.seed)
        imitated.append(
            _agent_row(
                "imitator",
                f"ν_α, budget {budget}",
                None,
                agent,
                base,
                world,
                turns,
                budget=budget,
                demonstrator=world.teacher(),
            )
        )
    for c in config.coefficients:
        agent = theory.kl_regularized_policy(imitator, env, u, turns, c, demonstrator=world.teacher())
        imitated.append(_agent_row("imitator", "ν_α", c, agent, base, world, turns, demonstrator=world.teacher()))
    return {
        "turns": turns,
        "first_empty_cost": ts.first_empty_cost(base, world),
        "second_empty_cost": ts.first_empty_cost(base, world, 1),
        "rows": rows,
        "budgeted": budgeted,
        "imitator": imitated,
    }


#: An agent is *latched* at a coefficient when at least half its turns are silent in expectation.
LATCHED = 0.5


def latch(results: dict) -> list[dict]:
    """Per agent of the teacher–student part (the paper's optimum, each practical regularizer, ν_α): the
    coefficients at which it is latched (expected silent fraction ≥ :data:`LATCHED`) and the largest of them."""
    part = results["teacher_student"]
    out = []
    labels = ["exact KL (the paper's optimum)"] + [f"{e} in the {p}" for e, p, _ in REGULARIZERS] + ["ν_α"]
    for label in labels:
        rows = [r for r in part["rows"] + part["imitator"] if r["label"] == label and r["coefficient"] is not None]
        on = [r["coefficient"] for r in rows if r["silent_fraction"] >= LATCHED]
        out.append({"label": label, "latched_at": on, "largest": max(on) if on else None})
    return out


# ---------------------------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------------------------
def run(config: Config | None = None, *, out: Path | str | None = None, progress=None) -> dict:
    """Every part (and the plots in ``out`` when given), as a dict of numbers.

    >>> results = run(Config(samples=200, coefficients=(F(1, 100),), budgets=(10,), turns=3))
    >>> sorted(results)
    ['config', 'fixed_points', 'seconds', 'teacher_student', 'toy']
    """
    config = Config() if config is None else config
    say = progress or (lambda message: None)
    start = time.perf_counter()
    say("the 2-token toy: every estimator × placement × level × sampling case, exact and Monte Carlo")
    results: dict = {"config": config, "toy": toy_cases(config)}
    say("fixed points of every regularizer on the small worlds")
    results["fixed_points"] = fixed_points(config)
    results["teacher_student"] = teacher_student(config, progress=say)
    results["seconds"] = time.perf_counter() - start
    if out is not None:
        say(f"plots into {out}")
        results["plots"] = plot(results, Path(out))
    return results


# ---------------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------------
def _verdict(v) -> str:
    return {True: "yes", False: "no", None: "undecided"}[v]


def _pair(values) -> str:
    return "—" if values is None else " / ".join(_verdict(v) for v in values)


def _sampling(row) -> str:
    if row["sampling"] == "on-policy":
        return "on-policy"
    return {None: "π_old, no ratio", "token": "π_old, token ratio", "sequence": "π_old, sequence ratio"}[row["ratio"]]


def _regularizer(row) -> str:
    if row["estimator"] is None:
        return "exact KL (the paper's optimum)"
    return f"{row['estimator']} in " + ("both" if row["placement"] == "both" else f"the {row['placement']}")


def _limit(row) -> str:
    return ("boundary" if row["boundary"] else "interior") + ("" if row["converged"] else ", not converged")


def _c(c) -> str:
    return "—" if c is None else f"{float(c):g}"


def _num(x, digits=3) -> str:
    return "—" if x is None else f"{x + 0.0:.{digits}f}"


def _toy_table(rows, off: bool) -> str:
    header = ["estimator", "placement", "level"] + (["sampling"] if off else [])
    header += ["E[estimate]", "sd"] + (["= on-policy gradient (1 / 2 tokens)"] if off else [])
    header += ["= ∇KL(π‖π_ref) (1 / 2 tokens)", "= ∇KL(π_ref‖π) (1 / 2 tokens)", "Monte Carlo within k SE: k"]
    body = []
    for r in rows:
        if (r["sampling"] != "on-policy") != off:
            continue
        cells = [r["estimator"], r["placement"], r["level"]] + ([_sampling(r)] if off else [])
        cells += [f"{r['estimate']:.4f}", f"{r['sd']:.4f}"] + ([_pair(r["on_policy_gradient"])] if off else [])
        cells += [_pair(r["forward"]), _pair(r["reverse"]), f"{r['mc_z']:.1f}"]
        body.append(cells)
    return markdown_table(header, body)


def _fixed_point_table(rows) -> str:
    return markdown_table(
        ["world", "c", "regularizer", "TV to the paper's optimum at the root", "π at the root", "value", "KL(π‖π_ref)"]
        + ["expected estimate", "limit"],
        [
            [r["world"], _c(r["coefficient"]), _regularizer(r), f"{r['tv_root']:.4f}"]
            + ["(" + ", ".join(f"{p:.3f}" for p in r["root"]) + ")", f"{r['value']:.4f}", f"{r['kl_spent']:.4f}"]
            + [f"{r['penalty']:.4f}", _limit(r)]
            for r in rows
        ],
    )


def _agent_cells(r) -> list:
    return [
        _num(r["p_empty_first"]),
        _num(r["silent_fraction"]),
        _num(r["any_silence"]),
        _num(r["kl_spent"], 2),
        _num(r["first_cost"], 2),
        f"{r['value']:.4f}",
    ]


_AGENT_HEADER = ["P(EMPTY at turn 1)", "silent turns", "P(any EMPTY)", "KL spent", "first EMPTY's cost", "value"]


def _teacher_student_table(part) -> str:
    rows = sorted(
        part["rows"] + [r for r in part["imitator"] if r["coefficient"] is not None],
        key=lambda r: -float(r["coefficient"]),
    )
    return markdown_table(
        ["c", "agent"] + _AGENT_HEADER + ["limit"],
        [[_c(r["coefficient"]), r["label"]] + _agent_cells(r) + [_limit(r) if "boundary" in r else "—"] for r in rows],
    )


def _budgeted_table(part) -> str:
    rows = part["budgeted"] + [r for r in part["imitator"] if r["coefficient"] is None]
    return markdown_table(
        ["budget", "agent"] + _AGENT_HEADER, [[r["budget"], r["label"]] + _agent_cells(r) for r in rows]
    )


def _latch_table(results) -> str:
    grid = ", ".join(_c(c) for c in results["config"].coefficients)
    return markdown_table(
        ["agent", f"latched (≥ {LATCHED:g} of turns silent) at c ∈ {{{grid}}}", "largest such c"],
        [[r["label"], ", ".join(_c(c) for c in r["latched_at"]) or "none", _c(r["largest"])] for r in latch(results)],
    )


def report(results: dict) -> str:
    """The run's numbers as text: the tables the docs page shows."""
    config: Config = results["config"]
    part = results["teacher_student"]
    lines = [f"The KL-estimator lab ({results['seconds']:.0f} s)", ""]
    lines += [
        "1. The 2-token toy: what each estimator × placement × level × sampling case differentiates "
        f"(exact; Monte Carlo {config.samples} draws, seed {config.seed}: z = |mean − exact| / standard error, "
        f"at most {config.z_limit:g} expected)",
        "",
        "On-policy:",
        _toy_table(results["toy"], off=False),
        "",
        "Off-policy (sampled from π_old):",
        _toy_table(results["toy"], off=True),
        "",
        "2. Fixed points against the paper's regularized optimum",
        _fixed_point_table(results["fixed_points"]),
        "",
        f"3. The teacher–student world ({part['turns']} turns, corpus {config.corpus} trusted turns; under the base "
        f"the first EMPTY costs {part['first_empty_cost']:.2f} nats, the second {part['second_empty_cost']:.2f})",
        _teacher_student_table(part),
        "",
        "Budgeted agents (KL-constrained; ν_α's KL is to the imitator):",
        _budgeted_table(part),
        "",
        "Does the latch onto silence survive?",
        _latch_table(results),
    ]
    if results.get("plots"):
        lines += ["", "Plots: " + ", ".join(results["plots"])]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------------------------------
def plot(results: dict, out: Path) -> list[str]:
    """The silent fraction against the coefficient, one line per practical regularizer, with the paper's optimum
    and the agent regularized to ν_α; PNG files in ``out``, their paths returned."""
    try:
        import matplotlib
    except ImportError as err:  # matplotlib is the optional "plots" extra
        raise ImportError("the experiment's plots need matplotlib: pip install 'mightnt[plots]'") from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    part = results["teacher_student"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    # Hollow markers, each smaller than the last: regularizers that coincide (k2 and full in the loss; k1 in the
    # reward and the paper's optimum) stay visible one inside the other.
    for i, ((estimator, placement, note), style) in enumerate(zip(REGULARIZERS, ["o-", "s-", "^-", "v-", "D-", "P-"])):
        rows = [r for r in part["rows"] if r.get("estimator") == estimator and r.get("placement") == placement]
        label = f"{estimator} in the {placement}" + (f" ({note})" if note else "")
        ax.semilogx(
            [float(r["coefficient"]) for r in rows],
            [r["silent_fraction"] for r in rows],
            style,
            ms=12 - 1.5 * i,
            mfc="none",
            mew=1.4,
            lw=1,
            label=label,
        )
    paper = [r for r in part["rows"] if r["kind"] == "paper"]
    ax.semilogx(
        [float(r["coefficient"]) for r in paper],
        [r["silent_fraction"] for r in paper],
        "k--",
        lw=2,
        label="exact KL (the paper's optimum)",
    )
    imitated = [r for r in part["imitator"] if r["coefficient"] is not None]
    ax.semilogx(
        [float(r["coefficient"]) for r in imitated],
        [r["silent_fraction"] for r in imitated],
        ":",
        color="tab:green",
        lw=2.5,
        label="regularized to the pessimistic imitator ν_α",
    )
    ax.axhline(LATCHED, color="gray", lw=0.8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("coefficient c of the KL penalty")
    ax.set_ylabel("expected fraction of silent (EMPTY) turns")
    ax.set_title(f"Silence at each regularizer's fixed point ({part['turns']} turns)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    path = out / "estimators_silence_vs_coefficient.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [str(path)]


# ---------------------------------------------------------------------------------------------------------------
# The docs page's tables
# ---------------------------------------------------------------------------------------------------------------
#: The generated tables of docs/estimators.md, in the page's order.
TABLES = ("toy-on-policy", "toy-off-policy", "fixed-points", "teacher-student", "budgeted", "latch")
#: The command that rewrites the page's tables from a run.
PAGE_COMMAND = "mightnt experiment estimators --page docs/estimators.md"
_PAGE = GeneratedPage(PAGE_COMMAND, TABLES)


def page_tables(results: dict) -> dict:
    """The page's tables (Markdown) from :func:`run`'s results, by name (:data:`TABLES`).

    >>> tables = page_tables(run(Config(samples=200, coefficients=(F(1, 100),), budgets=(10,), turns=3)))
    >>> tuple(tables) == TABLES
    True
    >>> print(tables["toy-on-policy"].splitlines()[2])
    | k1 | reward | token | 0.1318 | 0.5033 | yes / yes | no / no | 1.5 |
    """
    part = results["teacher_student"]
    return {
        "toy-on-policy": _toy_table(results["toy"], off=False),
        "toy-off-policy": _toy_table(results["toy"], off=True),
        "fixed-points": _fixed_point_table(results["fixed_points"]),
        "teacher-student": _teacher_student_table(part),
        "budgeted": _budgeted_table(part),
        "latch": _latch_table(results),
    }


def generated_tables(text: str) -> list:
    """The names of the generated tables in a page's ``text``, in order, each checked: one of :data:`TABLES`,
    closed by its end marker, and every table present once (:class:`PageError` otherwise).

    >>> generated_tables("# no tables")
    Traceback (most recent call last):
    ...
    proofs_checks.experiments.generated.PageError: the page has no generated table toy-on-policy, toy-off-policy, fixed-points, teacher-student, budgeted, latch; mark each with <!-- generated by mightnt experiment estimators --page docs/estimators.md: table NAME; do not edit --> and <!-- end generated -->
    """
    return _PAGE.names(text)


def fill_page(text: str, tables: dict) -> str:
    """The page ``text`` with each generated table replaced by ``tables[name]`` (:func:`page_tables`); the prose
    around the tables is kept as it is.

    >>> page = "".join(f"{_PAGE.begin.format(n)}\\nold\\n{_PAGE.end}\\n" for n in TABLES)
    >>> fill_page(page, {n: f"| {n} |" for n in TABLES}).count("old")
    0
    """
    return _PAGE.fill(text, tables)

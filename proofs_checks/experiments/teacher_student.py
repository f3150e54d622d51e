"""The paper's experiment in miniature: a KL-budgeted teacher latches onto silence; the pessimistic base stops it.

The world (:class:`World`): turns of a teacher utterance (the agent's action) then a student reply (the
observation). Utterances are lesson types ``0 .. n_lessons−1`` and ``EMPTY`` (the last action); replies are
``EMPTY`` (sentiment 1/2, as in the paper), ``NEGATIVE`` and ``POSITIVE``. The reward of a turn is the
sentiment of the reply; the utility is the mean reward over the episode. The student (a fixed finite-state
environment) answers lessons with mixed sentiment averaging below 1/2 and mirrors silence, the more so once
silence is established, so mutual silence is reward-optimal. The trusted teacher picks lessons uniformly and
never says EMPTY.

The base policy (:func:`base_policy`) is a Bayesian mixture over programs of the policy language
(:class:`theory.PolicyLanguage`, with the trusted teacher's model as a primitive) with the 2^-ℓ prior, conditioned
on a corpus of trusted transcripts (``k`` turns) and on the episode so far. The class (:func:`base_programs`)
holds what a universal mixture would: the teacher's model, i.i.d. programs on a grid of EMPTY rates, Markov
programs, and "switch" programs: "teacher until E, then EMPTY" for events E, and "teacher, with a per-turn hazard
2^-j of switching to EMPTY forever". Every program in the class treats the lesson types alike (a relabeling of
lessons maps the class to itself), so a posterior depends on the pattern of silences only, histories with equal
statistics merge, and episodes of 20 and 40 turns are solved exactly.

The agents: the exact KL-constrained optimum (:func:`exact_agent`), and the paper's mechanism
(:func:`budgeted_agent_episodes`): a per-episode budget, each turn allowed to spend a fraction of what
remains, decremented by the realized log-ratio. The fix: the same optimum regularized to the pessimistic
imitator, abstaining meaning that the trusted teacher answers that turn (:func:`imitator_agent`).

:func:`run` computes every measurement (as numbers and as PNG plots); ``mightnt experiment teacher-student``
prints them.

>>> world = World()
>>> world.n_actions, world.EMPTY, world.reward_table()[world.EMPTY]
(3, 2, (Fraction(1, 2), Fraction(1, 5), Fraction(7, 10)))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

import theory

__all__ = [
    "World",
    "base_programs",
    "base_policy",
    "trusted_corpus",
    "first_empty_cost",
    "exact_agent",
    "imitator_agent",
    "episodes_of",
    "empty_costs",
    "BudgetedAgent",
    "run",
    "PAPER",
]

F = Fraction

#: The paper's numbers (Figures 3 and 4), for the comparison table.
PAPER = {
    "fig3_first_empty_quartiles": {10: (2.7, 3.8, 4.8), 20: (7.2, 9.2, 11.2)},
    "fig3_later": "below about 1 nat from the second empty response on, near 0 later",
    "fig4_median_empty_fraction": {(10, 256): 0.5, (10, 512): 0.5, (20, 256): 0.9, (20, 512): 0.96},
}


# ---------------------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class World:
    """The teacher–student world. All probabilities are exact fractions.

    ``lesson_reply``: the student's reply law to any lesson, over (EMPTY, NEGATIVE, POSITIVE);
    ``first_silence_reply`` / ``silence_reply``: its reply to an EMPTY turn after a lesson / after an EMPTY
    turn; ``sentiment``: reward of each reply (EMPTY scores 1/2, as in the paper).

    >>> w = World()
    >>> [float(w.expected_reward(state, a)) for state in (0, 1) for a in (0, w.EMPTY)]
    [0.415, 0.465, 0.415, 0.496]
    """

    n_lessons: int = 2
    lesson_reply: tuple = (F(1, 20), F(11, 20), F(2, 5))
    first_silence_reply: tuple = (F(4, 5), F(3, 20), F(1, 20))
    silence_reply: tuple = (F(97, 100), F(1, 50), F(1, 100))
    sentiment: tuple = (F(1, 2), F(1, 5), F(7, 10))
    teacher_bits: int = 6

    #: Reply indices.
    EMPTY_REPLY, NEGATIVE, POSITIVE = 0, 1, 2

    @property
    def n_actions(self) -> int:
        return self.n_lessons + 1

    @property
    def EMPTY(self) -> int:  # noqa: N802 - a constant of the world, named as in the paper
        """The EMPTY utterance (the last action)."""
        return self.n_lessons

    @property
    def n_observations(self) -> int:
        return 3

    def reply(self, state: int, action: int) -> tuple:
        """The student's reply law after ``action`` in ``state`` (0: last turn a lesson or none; 1: EMPTY)."""
        if action != self.EMPTY:
            return self.lesson_reply
        return self.first_silence_reply if state == 0 else self.silence_reply

    def expected_reward(self, state: int, action: int) -> Fraction:
        return sum((p * r for p, r in zip(self.reply(state, action), self.sentiment)), F(0))

    def environment(self) -> theory.FiniteStateEnvironment:
        """The student: state = whether the teacher's last turn was EMPTY."""
        emission = [[list(self.reply(s, a)) for a in range(self.n_actions)] for s in (0, 1)]
        transition = [[[1 if a == self.EMPTY else 0] * self.n_observations for a in range(self.n_actions)]
                      for _ in (0, 1)]
        return theory.FiniteStateEnvironment(emission, transition, name="student")

    def reward_table(self) -> list:
        """r[a][o] = sentiment of reply o, whatever the utterance."""
        return [tuple(self.sentiment) for _ in range(self.n_actions)]

    def utility(self) -> theory.MeanReward:
        return theory.MeanReward(self.reward_table())

    def teacher(self) -> theory.FiniteStatePolicy:
        """The trusted teacher: a uniformly random lesson every turn, never EMPTY."""
        row = [F(1, self.n_lessons)] * self.n_lessons + [F(0)]
        return theory.FiniteStatePolicy.iid(row, n_observations=self.n_observations)

    def language(self) -> theory.PolicyLanguage:
        """The policy language over this world's alphabets, with the teacher's model as a primitive."""
        return _language(self)


@lru_cache(maxsize=8)
def _language(world: World) -> theory.PolicyLanguage:
    return theory.PolicyLanguage(world.n_actions, world.n_observations, grid=8,
                                 primitives={"teacher": (world.teacher(), world.teacher_bits)})


# ---------------------------------------------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------------------------------------------
def _symmetric_rows(world: World, grid: int = 8) -> list[str]:
    """Distributions on the grid that give every lesson the same probability (text for the parser)."""
    rows = []
    for e in range(grid + 1):
        rest = grid - e
        if rest % world.n_lessons == 0:
            lesson = F(rest, grid * world.n_lessons)
            rows.append(",".join([str(lesson)] * world.n_lessons + [str(F(e, grid))]))
    return rows


def base_programs(world: World = World(), *, hazards: bool = True, switches: bool = True, markov: bool = True,
                  iid: bool = True, max_hazard: int = 14, lengths=(8, 16, 32)) -> list:
    """The programs of the base class (see the module docstring); each family can be left out (the tests remove
    a cause and watch its effect go).

    >>> programs = base_programs(World())
    >>> len(programs), min(p.length for p in programs), str(programs[0])
    (52, 10, 'primitive(teacher)')
    """
    lang = world.language()
    teacher = "primitive(teacher)"
    empty = f"const({world.EMPTY})"
    texts = [teacher]
    rows = _symmetric_rows(world)
    if iid:
        texts += [f"iid({r})" for r in rows]
    if markov:
        # The next utterance depends on whether the last was EMPTY: one row after any lesson, one after EMPTY.
        for after_lesson in rows:
            for after_empty in rows:
                cells = [f"[{after_lesson}]"] * world.n_lessons + [f"[{after_empty}]"]
                texts.append(f"markov_action({', '.join(cells)})")
    if switches:
        texts.append(f"switch({teacher}, action_occurred({world.EMPTY}), {empty})")
        texts += [f"switch({teacher}, obs_occurred({x}), {empty})" for x in range(world.n_observations)]
        texts += [f"switch({teacher}, length_ge({n}), {empty})" for n in lengths]
    if hazards:
        texts += [f"hazard({teacher}, {F(1, 2 ** j)}, {empty})" for j in range(1, max_hazard + 1)]
    return [lang.parse(t) for t in texts]


def trusted_corpus(world: World, turns: int, *, episode_turns: int = 20, seed: int = 0) -> list[tuple]:
    """Transcripts of the trusted teacher with the student, ``turns`` turns in all, in episodes of at most
    ``episode_turns`` (seeded).

    >>> corpus = trusted_corpus(World(), 30)
    >>> [len(t) for t in corpus], all(a != World().EMPTY for t in corpus for a, _ in t)
    ([20, 10], True)
    """
    if turns < 0:
        raise ValueError(f"corpus size {turns!r} must be a non-negative number of turns")
    teacher = world.teacher()
    env = world.environment()
    out = []
    left = turns
    episode = 0
    while left > 0:
        n = min(episode_turns, left)
        runs = theory.sample_episodes(teacher, env, n, episodes=1, seed=seed * 100003 + episode)
        out.append(tuple((int(a), int(o)) for a, o in zip(runs.actions[0], runs.observations[0])))
        left -= n
        episode += 1
    return out


def base_policy(world: World = World(), corpus_turns: int = 100, *, programs=None, update: str = "all",
                seed: int = 0) -> theory.BayesianMixture:
    """The Bayesian mixture over ``programs`` (default: :func:`base_programs`) with the 2^-ℓ prior, conditioned
    on a trusted corpus of ``corpus_turns`` turns.

    >>> xi = base_policy(World(), 10)
    >>> round(float(-np.log(xi.probs()[World().EMPTY])), 2)   # the first EMPTY costs 4.95 nats after 10 turns
    4.95
    """
    programs = base_programs(world) if programs is None else list(programs)
    mixture = theory.BayesianMixture([p.compile() for p in programs], [F(1, 2 ** p.length) for p in programs],
                                     names=[str(p) for p in programs], update=update)
    return mixture.condition_on(trusted_corpus(world, corpus_turns, seed=seed)) if corpus_turns else mixture


def first_empty_cost(base: theory.Policy, world: World, silences: int = 0) -> float:
    """KL cost (nats) of an EMPTY after ``silences`` mutual silences at the start of an episode: −ln ξ(EMPTY|h)."""
    h = ((world.EMPTY, world.EMPTY_REPLY),) * silences
    return float(-math.log(float(base.probs(h)[world.EMPTY])))


# ---------------------------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------------------------
def exact_agent(base: theory.Policy, world: World, turns: int, budget) -> theory.TreePolicy:
    """The exact KL-constrained optimum: max expected mean reward s.t. expected KL over the episode ≤ budget."""
    return theory.kl_constrained_policy(base, world.environment(), world.utility(), turns, budget)


def imitator_agent(world: World, corpus_turns: int, turns: int, budget, alpha, *, programs=None,
                   seed: int = 0) -> tuple[theory.TreePolicy, theory.PessimisticImitator]:
    """The same optimum regularized to the pessimistic imitator ν_α (abstaining: the trusted teacher answers
    that turn). The imitator's posterior learns from demonstrator data only (the corpus, and the turns the
    teacher answered), so the agent's own utterances never teach it silence."""
    base = base_policy(world, corpus_turns, programs=programs, update="demonstrator", seed=seed)
    imitator = theory.PessimisticImitator(base, alpha)
    agent = theory.kl_constrained_policy(imitator, world.environment(), world.utility(), turns, budget,
                                         demonstrator=world.teacher())
    return agent, imitator


def episodes_of(agent: theory.Policy, base: theory.Policy, world: World, turns: int, *, episodes: int = 2000,
                seed: int = 0, demonstrator=None) -> theory.Episodes:
    """Sampled episodes of an agent, tracking the base policy and the trusted teacher."""
    return theory.sample_episodes(agent, world.environment(), turns, episodes=episodes, seed=seed,
                                  demonstrator=demonstrator, track={"base": base, "teacher": world.teacher()})


def empty_costs(runs: theory.Episodes, world: World, *, max_n: int = 10) -> list[np.ndarray]:
    """For n = 1..max_n, the realized KL cost ln π(EMPTY)/ξ(EMPTY) of the n-th EMPTY over episodes that had one."""
    costs = runs.log_ratio("base")
    said = (runs.actions == world.EMPTY) & ~runs.asked
    order = np.cumsum(said, axis=1)
    return [costs[said & (order == n)] for n in range(1, max_n + 1)]


def _optimal_q(world: World, turns: int) -> np.ndarray:
    """Q*[t, state, a]: the expectimax value (mean reward over the episode) of a at turn t in student state."""
    q = np.zeros((turns, 2, world.n_actions))
    v_next = np.zeros(2)
    for t in range(turns - 1, -1, -1):
        for s in (0, 1):
            for a in range(world.n_actions):
                nxt = 1 if a == world.EMPTY else 0
                q[t, s, a] = float(world.expected_reward(s, a)) / turns + v_next[nxt]
        v_next = q[t].max(axis=1)
    return q


def _one_step_constrained(base: np.ndarray, q: np.ndarray, target: np.ndarray, remaining: np.ndarray) -> np.ndarray:
    """Per row, π ∝ β·exp(q/λ) with λ such that KL(π‖β) = target (or the greedy limit if that spends less),
    then capped so that no action's log-ratio ln π(a)/β(a) exceeds the remaining budget (the hard budget: a
    realized log-ratio can never overdraw it); capped mass goes to the other actions in proportion."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_base = np.log(base)

        def policy(lam):
            logits = log_base + q / lam[:, None]
            logits -= logits.max(axis=1, keepdims=True)
            e = np.exp(logits)
            return e / e.sum(axis=1, keepdims=True)

        def kl(p):
            return np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - log_base), 0).sum(axis=1)

        lo, hi = np.full(len(base), 1e-9), np.full(len(base), 1e9)
        for _ in range(80):  # bisection in log λ, all rows at once
            mid = np.sqrt(lo * hi)
            over = kl(policy(mid)) > target
            lo = np.where(over, mid, lo)
            hi = np.where(over, hi, mid)
        pi = np.where((target <= 0)[:, None], base, policy(hi))
        cap = base * np.exp(np.maximum(remaining, 0.0))[:, None]
        for _ in range(base.shape[1]):
            capped = pi >= cap
            if not (pi > cap).any():
                break
            free = np.where(capped, 0.0, pi)
            spare = 1 - np.where(capped, cap, 0.0).sum(axis=1)
            scale = spare / np.where(free.sum(axis=1) > 0, free.sum(axis=1), 1.0)
            pi = np.where(capped, cap, free * scale[:, None])
        return pi


class BudgetedAgent(theory.Policy):
    """The paper's mechanism as a policy: a hard per-episode KL budget b, decremented by the realized log-ratio
    ln π(a)/ξ(a) of every turn. Each turn the agent plays the one-step constrained optimum on the optimal
    Q-values, π ∝ ξ·exp(Q*/λ) with expected KL(π‖ξ) = ``fraction`` × remaining (or the greedy limit if that
    spends less), capped so that no action's log-ratio exceeds what remains (so the realized total never
    exceeds b); once the budget is spent the agent follows ξ. The remaining budget is a function of the
    history, so this is a history kernel like any other (float arithmetic only).

    >>> w = World()
    >>> agent = BudgetedAgent(base_policy(w, 10), w, turns=5, budget=10)
    >>> round(float(agent.probs()[w.EMPTY]), 3)
    1.0
    """

    def __init__(self, base: theory.Policy, world: World, *, turns: int, budget, fraction: float = 0.5):
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction {fraction!r} must lie in (0, 1]")
        self.base, self.world, self.turns = base, world, turns
        self.budget, self.fraction = float(budget), float(fraction)
        self.n_actions, self.n_observations = world.n_actions, world.n_observations
        self._q = _optimal_q(world, turns)

    def initial(self, ctx):
        self._float_only(ctx)
        return (self.base.initial(ctx), np.zeros(1, dtype=np.int64), np.full(1, self.budget), np.zeros(1, np.int64))

    def _float_only(self, ctx):
        if ctx.dtype is object:
            raise theory.ArithmeticContextError("the budgeted agent is simulated in float arithmetic only")

    def probs_batch(self, state, ctx):
        base_state, student, remaining, t = state
        xi = self.base.probs_batch(base_state, ctx)
        q = self._q[np.minimum(t, self.turns - 1), student]
        return _one_step_constrained(xi, q, self.fraction * np.maximum(remaining, 0.0), remaining)

    def advance(self, state, parent, actions, observations, flags, ctx):
        base_state, student, remaining, t = state
        pi = self.probs_batch(state, ctx)[parent, actions]
        xi = self.base.probs_batch(base_state, ctx)[parent, actions]
        with np.errstate(divide="ignore"):
            spent = np.log(pi) - np.log(xi)
        return (self.base.advance(base_state, parent, actions, observations, flags, ctx),
                (actions == self.world.EMPTY).astype(np.int64), remaining[parent] - spent, t[parent] + 1)


# ---------------------------------------------------------------------------------------------------------------
# The whole experiment
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Config:
    """What :func:`run` measures. The defaults are the issue's: budgets 10 and 20 nats, episodes of 20 and 40
    turns, a trusted corpus of 100 turns, the corpus-size scan, and several α for the fix."""

    budgets: tuple = (10, 20)
    turns: tuple = (20, 40)
    corpus: int = 100
    corpus_scan: tuple = (10, 30, 100, 300, 1000, 3000)
    alphas: tuple = (F(1, 1000), F(1, 10**5), F(1, 10**7))
    episodes: int = 2000
    fraction: float = 0.5
    max_n: int = 5
    seed: int = 0


def _quartiles(values) -> tuple | None:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None
    return tuple(float(v) for v in np.percentile(values, [25, 50, 75]))


def _agent_statistics(runs: theory.Episodes, world: World, max_n: int) -> dict:
    said_empty = (runs.actions == world.EMPTY) & ~runs.asked
    fraction = said_empty.mean(axis=1)
    costs = empty_costs(runs, world, max_n=max_n)
    to_base = runs.log_ratio("base").sum(axis=1)
    to_teacher = runs.log_ratio("teacher").sum(axis=1)
    return {
        "empty_fraction_quartiles": _quartiles(fraction),
        "empty_fraction_mean": float(fraction.mean()),
        "empty_fraction": fraction,
        "episodes_with_empty": float(said_empty.any(axis=1).mean()),
        "nth_empty_cost_quartiles": [_quartiles(c) for c in costs],
        "nth_empty_count": [int(len(c)) for c in costs],
        "realized_kl_to_base_mean": float(np.mean(to_base)),
        "realized_kl_to_teacher_infinite": float(np.mean(np.isinf(to_teacher))),
        "mean_reward": None,
    }


def run(config: Config = Config(), *, world: World = World(), out: Path | str | None = None,
        progress=None) -> dict:
    """Every measurement of the experiment, as a dict of numbers (and PNG plots in ``out`` when given).

    ``progress(message)`` is called as the stages go (the command line prints them)."""
    say = progress or (lambda message: None)
    results: dict = {"config": config, "world": world}
    env = world.environment()
    start = time.perf_counter()

    # The cost of the first EMPTY as a function of the trusted corpus size.
    say("cost of the first EMPTY against the corpus size")
    scan = []
    for k in config.corpus_scan:
        base = base_policy(world, k, seed=config.seed)
        scan.append({"k": k, "first": first_empty_cost(base, world, 0),
                     "later": [first_empty_cost(base, world, s) for s in range(1, 5)]})
    ks = np.array([row["k"] for row in scan], dtype=float)
    firsts = np.array([row["first"] for row in scan])
    use = ks >= 100 if (ks >= 100).sum() >= 2 else np.ones_like(ks, dtype=bool)
    slope, intercept = np.polyfit(np.log(ks[use]), firsts[use], 1)
    results["corpus_scan"] = scan
    results["corpus_fit"] = {"slope_per_ln_k": float(slope), "intercept": float(intercept),
                             "fitted_from_k": int(ks[use].min())}

    # The exact KL-constrained agent and the paper's budget mechanism, for every budget and episode length.
    base = base_policy(world, config.corpus, seed=config.seed)
    results["base_first_costs"] = [first_empty_cost(base, world, s) for s in range(0, config.max_n)]
    agents = {}
    for budget in config.budgets:
        for turns in config.turns:
            say(f"exact KL-constrained agent: budget {budget} nats, {turns} turns")
            agent = exact_agent(base, world, turns, budget)
            runs = episodes_of(agent, base, world, turns, episodes=config.episodes, seed=config.seed)
            stats = _agent_statistics(runs, world, config.max_n)
            stats["mean_reward"] = float(agent.value)
            stats["kl_to_base"] = float(agent.kl_spent)
            stats["temperature"] = agent.temperature
            stats["binding"] = agent.binding
            kl_teacher = theory.trajectory_kl(agent, world.teacher(), env, turns)
            stats["kl_to_teacher"] = float(kl_teacher)
            stats["kl_to_teacher_where"] = getattr(kl_teacher, "where", None)
            say(f"paper's mechanism: budget {budget} nats, {turns} turns (simulated)")
            mech = BudgetedAgent(base, world, turns=turns, budget=budget, fraction=config.fraction)
            mruns = episodes_of(mech, base, world, turns, episodes=config.episodes, seed=config.seed)
            mstats = _agent_statistics(mruns, world, config.max_n)
            mstats["mean_reward"] = float(np.mean((np.asarray(world.sentiment, dtype=float)[mruns.observations]).mean(axis=1)))
            agents[(budget, turns)] = {"exact": stats, "mechanism": mstats}
    results["agents"] = agents

    # The fix: regularize to the pessimistic imitator; abstaining means the trusted teacher answers.
    fix = []
    for alpha in config.alphas:
        for budget in config.budgets:
            turns = min(config.turns)
            say(f"agent regularized to the pessimistic imitator: α = {alpha}, budget {budget}, {turns} turns")
            agent, imitator = imitator_agent(world, config.corpus, turns, budget, alpha, seed=config.seed)
            runs = theory.sample_episodes(agent, env, turns, episodes=config.episodes, seed=config.seed,
                                          demonstrator=world.teacher(), track={"imitator": imitator})
            theta = runs.tracked_abstain["imitator"]
            fix.append({
                "alpha": alpha, "budget": budget, "turns": turns,
                "largest_empty_probability": float(agent.largest_probability(world.EMPTY)),
                "sampled_empty": int(((runs.actions == world.EMPTY) & ~runs.asked).sum()),
                "teacher_in_top_set": 0 in theory.top_set(imitator.mixture, (), alpha),
                "mean_reward": float(agent.value),
                "kl_to_imitator": float(agent.kl_spent),
                "abstention_rate_per_turn": float(runs.asked.mean()),
                "imitator_theta_mean": float(theta.mean()),
                "sum_theta_cubed_mean": float((theta ** 3).sum(axis=1).mean()),
            })
    results["fix"] = fix
    results["seconds"] = time.perf_counter() - start
    if out is not None:
        say(f"plots into {out}")
        results["plots"] = plot(results, Path(out))
    return results


# ---------------------------------------------------------------------------------------------------------------
# Plots and the printed report
# ---------------------------------------------------------------------------------------------------------------
def plot(results: dict, out: Path) -> list[str]:
    """Write the experiment's figures as PNG files in ``out``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    config: Config = results["config"]
    paths = []

    # Figure 3 analog: the KL cost of the n-th EMPTY (quartiles over episodes), per budget.
    fig, ax = plt.subplots(figsize=(6, 4))
    turns = min(config.turns)
    for budget, color in zip(config.budgets, ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        quart = results["agents"][(budget, turns)]["exact"]["nth_empty_cost_quartiles"]
        ns = [n + 1 for n, q in enumerate(quart) if q is not None]
        qs = np.array([q for q in quart if q is not None])
        if len(qs):
            ax.plot(ns, qs[:, 1], "o-", color=color, label=f"budget {budget} nats (median)")
            ax.fill_between(ns, qs[:, 0], qs[:, 2], color=color, alpha=0.25, label=f"budget {budget}: 25th–75th")
    ax.set_xticks(range(1, config.max_n + 1))
    ax.set_xlabel("n (the n-th EMPTY teacher turn of an episode)")
    ax.set_ylabel("KL cost ln π(EMPTY)/ξ(EMPTY) (nats)")
    ax.set_title(f"Cost of the n-th EMPTY ({turns} turns, corpus {config.corpus})")
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "fig3_cost_of_nth_empty.png"))

    # Figure 4 analog: the fraction of EMPTY teacher turns per episode.
    fig, ax = plt.subplots(figsize=(6, 4))
    keys = sorted(results["agents"])
    positions = np.arange(1, len(keys) + 1)
    for kind, shift, color in (("exact", -0.18, "tab:blue"), ("mechanism", 0.18, "tab:orange")):
        data = [results["agents"][k][kind]["empty_fraction"] for k in keys]
        parts = ax.boxplot(data, positions=positions + shift, widths=0.3, whis=(5, 95), showfliers=False,
                           patch_artist=True, medianprops={"color": "black"})
        for box in parts["boxes"]:
            box.set_facecolor(color)
            box.set_alpha(0.5)
        ax.plot([], [], "s", color=color, alpha=0.5,
                label="exact KL-constrained agent" if kind == "exact" else "paper's mechanism (hard budget)")
    ax.set_xticks(positions, [f"b={b}\n{n} turns" for b, n in keys])
    ax.set_ylabel("fraction of EMPTY teacher turns")
    ax.set_title("EMPTY fraction per episode")
    ax.legend(fontsize=8, loc="center left")
    paths.append(_save(fig, out / "fig4_empty_fraction.png"))

    # The first EMPTY's cost against the corpus size.
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = np.array([row["k"] for row in results["corpus_scan"]], dtype=float)
    ax.plot(ks, [row["first"] for row in results["corpus_scan"]], "o-", label="first EMPTY")
    ax.plot(ks, [row["later"][0] for row in results["corpus_scan"]], "s--", label="second EMPTY")
    fit = results["corpus_fit"]
    grid = np.geomspace(ks.min(), ks.max(), 50)
    ax.plot(grid, fit["intercept"] + fit["slope_per_ln_k"] * np.log(grid), ":",
            label=f"fit {fit['intercept']:.1f} + {fit['slope_per_ln_k']:.2f}·ln k")
    ax.set_xscale("log")
    ax.set_xlabel("trusted corpus size k (turns)")
    ax.set_ylabel("KL cost (nats)")
    ax.set_title("The first EMPTY stays affordable as trusted data grows")
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "first_empty_vs_corpus.png"))

    # The true-process view: KL to the base (finite, within budget) against KL to the trusted teacher.
    fig, ax = plt.subplots(figsize=(6, 4))
    labels = [f"b={b}, {n}" for b, n in keys]
    kl_base = [results["agents"][k]["exact"]["kl_to_base"] for k in keys]
    ax.bar(np.arange(len(keys)) - 0.2, kl_base, width=0.4, label="KL(agent ‖ base ξ)")
    top = max(kl_base) * 1.6 if kl_base else 1.0
    inf_bars = [top if math.isinf(results["agents"][k]["exact"]["kl_to_teacher"]) else
                results["agents"][k]["exact"]["kl_to_teacher"] for k in keys]
    ax.bar(np.arange(len(keys)) + 0.2, inf_bars, width=0.4, color="tab:red", hatch="//",
           label="KL(agent ‖ trusted teacher)")
    for i, k in enumerate(keys):
        if math.isinf(results["agents"][k]["exact"]["kl_to_teacher"]):
            ax.text(i + 0.2, top, "∞", ha="center", va="bottom", fontsize=14, color="tab:red")
    ax.set_ylim(0, top * 1.35)
    ax.set_xticks(range(len(keys)), labels, fontsize=8)
    ax.set_ylabel("expected KL over the episode (nats)")
    ax.set_title("Within budget of the base, infinitely far from the teacher")
    ax.legend(fontsize=8, loc="upper left")
    paths.append(_save(fig, out / "true_process_kl.png"))

    # The fix.
    fig, ax = plt.subplots(figsize=(6, 4))
    fix = [row for row in results["fix"] if row["budget"] == max(config.budgets)]
    alphas = [float(row["alpha"]) for row in fix]
    ax.semilogx(alphas, [row["mean_reward"] for row in fix], "o-", label="mean reward (ν_α-regularized agent)")
    ax.semilogx(alphas, [row["abstention_rate_per_turn"] for row in fix], "s-", label="abstention rate per turn")
    best = results["agents"][(max(config.budgets), min(config.turns))]["exact"]["mean_reward"]
    ax.axhline(best, color="tab:red", ls=":", label="mean reward of the ξ-regularized agent")
    ax.set_xlabel("α")
    ax.set_title(f"The pessimistic base: no EMPTY at any α (budget {max(config.budgets)})")
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "fix_pessimistic_imitator.png"))
    return paths


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return str(path)


def _cost(v: float) -> float:
    return v if v > 0 else 0.0


def _fmt(q) -> str:
    return "—" if q is None else " / ".join(f"{v + 0.0:.2f}".replace("-0.00", "0.00") for v in q)


def report(results: dict) -> str:
    """The experiment's numbers as text: the tables the docs page shows."""
    config: Config = results["config"]
    lines = [f"Teacher–student experiment (corpus {config.corpus} trusted turns, {config.episodes} sampled episodes, "
             f"seed {config.seed}; {results['seconds']:.0f} s)", ""]
    lines.append("KL cost of an EMPTY on an all-silent path, by corpus size k (nats):")
    lines.append("  k        first   second  third   fourth  fifth")
    for row in results["corpus_scan"]:
        # Costs −ln ξ(EMPTY) are ≥ 0; float rounding can print −0.00.
        lines.append(f"  {row['k']:<8} {_cost(row['first']):6.2f}  " + "  ".join(f"{_cost(v):6.2f}" for v in row["later"]))
    fit = results["corpus_fit"]
    lines.append(f"  fit (k ≥ {fit['fitted_from_k']}): first ≈ {fit['intercept']:.2f} + {fit['slope_per_ln_k']:.2f}·ln k "
                 f"(ln k itself has slope 1)")
    lines.append("")
    lines.append("Exact KL-constrained agent (expected KL to the base ≤ budget):")
    lines.append("  budget turns  KL→base  KL→teacher  V       P(any EMPTY)  EMPTY fraction mean, q1/med/q3   "
                 "1st EMPTY cost q1/med/q3   2nd EMPTY cost")
    for (budget, turns), rows in sorted(results["agents"].items()):
        e = rows["exact"]
        quart = e["nth_empty_cost_quartiles"]
        kl_t = "inf" if math.isinf(e["kl_to_teacher"]) else f"{e['kl_to_teacher']:.3f}"
        lines.append(f"  {budget:<6} {turns:<6} {e['kl_to_base']:7.3f}  {kl_t:<10}  {e['mean_reward']:.4f}  "
                     f"{e['episodes_with_empty']:<12.3f}  {e['empty_fraction_mean']:.2f}, {_fmt(e['empty_fraction_quartiles']):<22} "
                     f"{_fmt(quart[0]):<25} {_fmt(quart[1])}")
    lines.append("")
    lines.append(f"The paper's mechanism (hard per-episode budget, each turn spending at most {config.fraction:g} of what "
                 "remains, simulated):")
    lines.append("  budget turns  realized KL→base  P(any EMPTY)  EMPTY fraction mean, q1/med/q3   "
                 "1st EMPTY cost q1/med/q3   2nd EMPTY cost")
    for (budget, turns), rows in sorted(results["agents"].items()):
        m = rows["mechanism"]
        mq = m["nth_empty_cost_quartiles"]
        lines.append(f"  {budget:<6} {turns:<6} {m['realized_kl_to_base_mean']:16.3f}  {m['episodes_with_empty']:<12.3f}  "
                     f"{m['empty_fraction_mean']:.2f}, {_fmt(m['empty_fraction_quartiles']):<22} {_fmt(mq[0]):<25} {_fmt(mq[1])}")
    lines.append("")
    lines.append("Beside the paper (its LLM base is not a Bayesian mixture; our class and scale differ, the shape not):")
    turns = min(config.turns)
    for budget in config.budgets:
        paper = PAPER["fig3_first_empty_quartiles"].get(budget)
        ours = results["agents"].get((budget, turns), {}).get("exact", {})
        if ours:
            lines.append(f"  Figure 3, first EMPTY cost, budget {budget}: paper {_fmt(paper)}; ours {_fmt(ours['nth_empty_cost_quartiles'][0])}; "
                         f"second EMPTY ours {_fmt(ours['nth_empty_cost_quartiles'][1])} (paper: {PAPER['fig3_later']})")
    for (budget, tokens), median in sorted(PAPER["fig4_median_empty_fraction"].items()):
        turns_ours = min(config.turns) if tokens == 256 else max(config.turns)
        ours = results["agents"].get((budget, turns_ours), {}).get("exact")
        if ours:
            lines.append(f"  Figure 4, median EMPTY fraction, budget {budget}, {tokens} tokens: paper {median}; ours "
                         f"({turns_ours} turns) {ours['empty_fraction_quartiles'][1]:.2f}")
    lines.append("")
    lines.append("The fix: regularized to the pessimistic imitator ν_α (abstain = the trusted teacher answers):")
    lines.append("  α            budget  P(EMPTY) max  sampled EMPTY  teacher in top set  mean reward  "
                 "abstention/turn  mean θ    Σθ³")
    for row in results["fix"]:
        lines.append(f"  {str(row['alpha']):<12} {row['budget']:<7} {row['largest_empty_probability']:<13.3g} "
                     f"{row['sampled_empty']:<14} {str(row['teacher_in_top_set']):<19} {row['mean_reward']:.4f}       "
                     f"{row['abstention_rate_per_turn']:.4f}           {row['imitator_theta_mean']:.5f}   "
                     f"{row['sum_theta_cubed_mean']:.3g}")
    if results.get("plots"):
        lines.append("")
        lines.append("Plots: " + ", ".join(results["plots"]))
    return "\n".join(lines)

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
2^-j of switching to EMPTY forever" for every j the corpus can resolve (:func:`resolvable_hazard`). The corpus
enters through its sufficient statistic (:func:`corpus_statistics`), so 10^6 trusted turns take seconds.
Every program in the class treats the lesson types alike (a relabeling of lessons maps the class to itself), so
a posterior depends on the pattern of silences only, histories with equal statistics merge, and episodes of 20
and 40 turns are solved exactly.

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

from .generated import GeneratedPage, PageError, markdown_table

__all__ = [
    "estimated_bytes",
    "most_episodes",
    "MAX_BYTES",
    "World",
    "base_programs",
    "base_policy",
    "trusted_corpus",
    "corpus_statistics",
    "resolvable_hazard",
    "first_empty_cost",
    "exact_agent",
    "imitator_agent",
    "episodes_of",
    "empty_costs",
    "BudgetedAgent",
    "run",
    "PAPER",
    "TABLES",
    "PAGE_COMMAND",
    "PageError",
    "page_tables",
    "generated_tables",
    "fill_page",
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
        transition = [
            [[1 if a == self.EMPTY else 0] * self.n_observations for a in range(self.n_actions)] for _ in (0, 1)
        ]
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
    return theory.PolicyLanguage(
        world.n_actions, world.n_observations, grid=8, primitives={"teacher": (world.teacher(), world.teacher_bits)}
    )


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


def base_programs(
    world: World = World(),
    *,
    hazards: bool = True,
    switches: bool = True,
    markov: bool = True,
    iid: bool = True,
    max_hazard: int = 14,
    lengths=(8, 16, 32),
) -> list:
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
        texts += [f"hazard({teacher}, {F(1, 2**j)}, {empty})" for j in range(1, max_hazard + 1)]
    return [lang.parse(t) for t in texts]


def resolvable_hazard(corpus_turns: int, *, floor: int = 14, margin: int = 4) -> int:
    """The largest hazard exponent j of the class conditioned on ``corpus_turns`` trusted turns: every rate
    2^-j down to 2^-margin/k, the smallest a corpus of k turns tells apart from never switching
    ((1 − 2^-j)^k is then still e^-(2^-margin)), and never fewer than ``floor`` (the class of small corpora).

    A universal mixture holds every j; rates far below 1/k keep their prior weight and change nothing, so this
    finite stand-in stops there. Truncated at a fixed j instead, the price of the first silence grows linearly
    in k once k passes 2^j.

    >>> [resolvable_hazard(k) for k in (100, 10**4, 10**6)]
    [14, 18, 24]
    """
    if isinstance(corpus_turns, bool) or not isinstance(corpus_turns, int) or corpus_turns < 0:
        raise ValueError(f"corpus size {corpus_turns!r} must be a non-negative number of turns")
    return max(floor, math.ceil(math.log2(max(corpus_turns, 1))) + margin)


def _corpus_blocks(world: World, turns: int, episode_turns: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The trusted corpus as (actions, observations) arrays: the full episodes in one block sampled at once,
    then the shorter last episode (seeded apart)."""
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 0:
        raise ValueError(f"corpus size {turns!r} must be a non-negative number of turns")
    if isinstance(episode_turns, bool) or not isinstance(episode_turns, int) or episode_turns < 1:
        raise ValueError(f"episode length {episode_turns!r} must be a positive number of turns")
    teacher, env = world.teacher(), world.environment()
    full, rest = divmod(turns, episode_turns)
    blocks = []
    for episodes, length, salt in ((full, episode_turns, 0), (1 if rest else 0, rest, 1)):
        if episodes:
            runs = theory.sample_episodes(teacher, env, length, episodes=episodes, seed=seed * 100003 + salt)
            blocks.append((runs.actions, runs.observations))
    return blocks


def trusted_corpus(world: World, turns: int, *, episode_turns: int = 20, seed: int = 0) -> list[tuple]:
    """Transcripts of the trusted teacher with the student, ``turns`` turns in all, in episodes of at most
    ``episode_turns`` (seeded).

    >>> corpus = trusted_corpus(World(), 30)
    >>> [len(t) for t in corpus], all(a != World().EMPTY for t in corpus for a, _ in t)
    ([20, 10], True)
    """
    blocks = _corpus_blocks(world, turns, episode_turns, seed)
    return [
        tuple(zip(a.tolist(), o.tolist())) for actions, observations in blocks for a, o in zip(actions, observations)
    ]


def corpus_statistics(world: World, turns: int, *, episode_turns: int = 20, seed: int = 0) -> tuple:
    """The trusted corpus of :func:`trusted_corpus` as the default class sees it: its distinct *canonical*
    transcripts, each with its count (the corpus's sufficient statistic for the class).

    Canonical: every lesson relabeled ``0``, and every reply that is not the first of its kind in the episode
    replaced by the episode's first reply. Every program of :func:`base_programs` gives a transcript and its
    canonical form the same probability: the programs treat the lessons alike, and see replies only through
    which kinds have occurred (the event ``obs_occurred``), which the replacement keeps at every turn. So the
    posterior after the canonical multiset is the posterior after the corpus (``tests/experiments`` checks it
    in exact arithmetic), and a million turns fall into a few hundred distinct transcripts.

    >>> stats = corpus_statistics(World(), 1000)
    >>> sum(count * len(t) for t, count in stats), len(stats) < 50
    (1000, True)
    """
    return _corpus_statistics(world, turns, episode_turns, seed)


@lru_cache(maxsize=32)
def _corpus_statistics(world: World, turns: int, episode_turns: int, seed: int) -> tuple:
    out = []
    for actions, observations in _corpus_blocks(world, turns, episode_turns, seed):
        lessons = np.where(actions < world.n_lessons, 0, actions)
        seen = np.cumsum(observations[:, :, None] == np.arange(world.n_observations), axis=1)
        first = np.take_along_axis(seen, observations[:, :, None], axis=2)[:, :, 0] == 1
        replies = np.where(first, observations, observations[:, :1])
        small = np.uint8 if max(world.n_actions, world.n_observations) <= 256 else np.int64
        rows = np.ascontiguousarray(np.concatenate([lessons, replies], axis=1).astype(small))
        # Distinct rows through a byte view: one 1-d sort instead of np.unique(axis=0)'s much slower one.
        _, first_row, counts = np.unique(
            rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel(), return_index=True, return_counts=True
        )
        rows = rows[first_row].astype(np.int64)
        n = actions.shape[1]
        out += [(tuple(zip(row[:n].tolist(), row[n:].tolist())), int(c)) for row, c in zip(rows, counts)]
    return tuple(out)


def base_policy(
    world: World = World(),
    corpus_turns: int = 100,
    *,
    programs=None,
    update: str = "all",
    seed: int = 0,
    max_hazard: int | None = None,
    statistics: bool | None = None,
) -> theory.BayesianMixture:
    """The Bayesian mixture over ``programs`` with the 2^-ℓ prior, conditioned on a trusted corpus of
    ``corpus_turns`` turns.

    ``programs`` defaults to :func:`base_programs` with hazard exponents up to ``max_hazard`` (default
    :func:`resolvable_hazard` of the corpus size). ``statistics`` (default: when ``programs`` is the default
    class) conditions on :func:`corpus_statistics` instead of the transcripts: a few hundred distinct
    transcripts however long the corpus (only its sampling grows with k, vectorized: about a second for 10^6
    turns). It is exact only for classes with the symmetries stated there.

    >>> xi = base_policy(World(), 10)
    >>> round(float(-np.log(xi.probs()[World().EMPTY])), 2)   # the first EMPTY costs 4.95 nats after 10 turns
    4.95
    """
    if max_hazard is not None and (isinstance(max_hazard, bool) or not isinstance(max_hazard, int) or max_hazard < 1):
        raise ValueError(f"max_hazard {max_hazard!r} must be a positive integer exponent")
    if statistics is None:
        statistics = programs is None
    if programs is None:
        largest = resolvable_hazard(corpus_turns) if max_hazard is None else max_hazard
        programs = base_programs(world, max_hazard=largest)
    elif max_hazard is not None:
        raise ValueError(f"max_hazard {max_hazard!r} applies to the default class only; leave it out with programs=")
    programs = list(programs)
    mixture = theory.BayesianMixture(
        [p.compile() for p in programs],
        [F(1, 2**p.length) for p in programs],
        names=[str(p) for p in programs],
        update=update,
    )
    if not corpus_turns:
        return mixture
    if statistics:
        # Each distinct transcript object repeated its count of times: the mixture scores it once.
        corpus = [t for t, count in corpus_statistics(world, corpus_turns, seed=seed) for _ in range(count)]
    else:
        corpus = trusted_corpus(world, corpus_turns, seed=seed)
    return mixture.condition_on(corpus)


def first_empty_cost(base: theory.Policy, world: World, silences: int = 0) -> float:
    """KL cost (nats) of an EMPTY after ``silences`` mutual silences at the start of an episode: −ln ξ(EMPTY|h)."""
    h = ((world.EMPTY, world.EMPTY_REPLY),) * silences
    return float(-math.log(float(base.probs(h)[world.EMPTY])))


# ---------------------------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------------------------
def exact_agent(base: theory.Policy, world: World, turns: int, budget) -> theory.Optimum:
    """The exact KL-constrained optimum: max expected mean reward s.t. expected KL over the episode ≤ budget (the
    agent is its ``policy``)."""
    return theory.kl_constrained_policy(base, world.environment(), world.utility(), turns, budget)


def imitator_agent(
    world: World, corpus_turns: int, turns: int, budget, alpha, *, programs=None, seed: int = 0
) -> tuple[theory.Optimum, theory.PessimisticImitator]:
    """The same optimum regularized to the pessimistic imitator ν_α (abstaining: the trusted teacher answers
    that turn). The imitator's posterior learns from demonstrator data only (the corpus, and the turns the
    teacher answered), so the agent's own utterances never teach it silence."""
    base = base_policy(world, corpus_turns, programs=programs, update="demonstrator", seed=seed)
    imitator = theory.PessimisticImitator(base, alpha)
    agent = theory.kl_constrained_policy(
        imitator, world.environment(), world.utility(), turns, budget, demonstrator=world.teacher()
    )
    return agent, imitator


def episodes_of(
    agent: theory.Policy,
    base: theory.Policy,
    world: World,
    turns: int,
    *,
    episodes: int = 2000,
    seed: int = 0,
    demonstrator=None,
) -> theory.Episodes:
    """Sampled episodes of an agent, tracking the base policy and the trusted teacher."""
    return theory.sample_episodes(
        agent,
        world.environment(),
        turns,
        episodes=episodes,
        seed=seed,
        demonstrator=demonstrator,
        track={"base": base, "teacher": world.teacher()},
    )


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
        if ctx.certified:
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
        return (
            self.base.advance(base_state, parent, actions, observations, flags, ctx),
            (actions == self.world.EMPTY).astype(np.int64),
            remaining[parent] - spent,
            t[parent] + 1,
        )


# ---------------------------------------------------------------------------------------------------------------
# The whole experiment
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Config:
    """What :func:`run` measures. The defaults are the issue's: budgets 10 and 20 nats, episodes of 20 and 40
    turns, a trusted corpus of 100 turns, the corpus-size scan up to 10^6 turns (the logarithmic law fitted on
    ``fit_range`` and checked beyond it, against the class truncated at hazard exponent ``truncated_hazard``),
    and several α for the fix."""

    budgets: tuple = (10, 20)
    turns: tuple = (20, 40)
    corpus: int = 100
    corpus_scan: tuple = (10, 30, 100, 300, 1000, 3000, 10**4, 10**5, 10**6)
    fit_range: tuple = (100, 10**4)
    truncated_hazard: int = 14
    alphas: tuple = (F(1, 1000), F(1, 10**5), F(1, 10**7))
    episodes: int = 2000
    fraction: float = 0.5
    max_n: int = 5
    seed: int = 0


#: Bytes the experiment holds per sampled (episode, turn) cell at its peak, counted from the arrays: the episode
#: arrays take 65 (actions and observations int64, the abstention flag, two float64 probabilities, two float64
#: per tracked policy, two policies tracked) and the statistics' temporaries about 60 more; the estimate keeps
#: a factor of about 3 over that.
BYTES_PER_CELL = 400
#: Bytes per turn of the sampled trusted corpus (its transcripts as arrays before they are merged).
BYTES_PER_CORPUS_TURN = 100
#: The experiment's fixed overhead in bytes (the program class, the exact agents' tables).
BASE_BYTES = 200 * 2**20
#: Memory :func:`run` may take (``max_bytes=`` raises it); the command line refuses sizes above it.
MAX_BYTES = 4 * 2**30


def estimated_bytes(config: "Config") -> int:
    """The memory :func:`run` takes at its peak for ``config``, estimated from its sizes before anything runs
    (the sampled episodes dominate: ``episodes`` × the longest ``turns`` cells).

    >>> estimated_bytes(Config()) < MAX_BYTES < estimated_bytes(Config(episodes=10**9))
    True
    """
    _validate(config)
    cells = config.episodes * max(config.turns)
    corpus = max([config.corpus, *config.corpus_scan])
    return BASE_BYTES + BYTES_PER_CELL * cells + BYTES_PER_CORPUS_TURN * corpus


def most_episodes(config: "Config", limit: int = MAX_BYTES) -> int:
    """The most episodes :func:`run` may sample per agent under ``limit`` bytes, the other sizes as in ``config``
    (0 when even one episode is too many).

    >>> most_episodes(Config()) >= Config().episodes
    True
    """
    _validate(config)
    rest = BASE_BYTES + BYTES_PER_CORPUS_TURN * max([config.corpus, *config.corpus_scan])
    return max(0, (limit - rest) // (BYTES_PER_CELL * max(config.turns)))


def _validate(config: "Config") -> None:
    """The sizes of ``config``: whole numbers in range (a ValueError subclass naming the value otherwise)."""
    from theory.validation import integer, real

    integer(config.episodes, name="episodes", minimum=1)
    integer(config.corpus, name="corpus", minimum=0)
    integer(config.seed, name="seed", minimum=0)
    integer(config.max_n, name="max_n", minimum=1)
    if not config.turns or not config.budgets or not config.corpus_scan:
        raise theory.OptionError("Config needs at least one budget, one episode length and one corpus size")
    for t in config.turns:
        integer(t, name="turns", minimum=1)
    for k in config.corpus_scan:
        integer(k, name="corpus_scan size", minimum=1)
    for b in config.budgets:
        real(b, name="budget", minimum=0, open_minimum=True)


def _log_law(scan: list, fit_range: tuple) -> dict:
    """Least squares first ≈ intercept + slope·ln k over the scan's k in ``fit_range`` (all k ≥ 100, or all k,
    when fewer than two fall in it), and its prediction at every larger k (the law checked out of sample)."""
    ks = np.array([row["k"] for row in scan], dtype=float)
    firsts = np.array([row["first"] for row in scan])
    use = (ks >= fit_range[0]) & (ks <= fit_range[1])
    if use.sum() < 2:
        use = ks >= 100 if (ks >= 100).sum() >= 2 else np.ones_like(ks, dtype=bool)
    slope, intercept = np.polyfit(np.log(ks[use]), firsts[use], 1)
    top = ks[use].max()
    held_out = [
        {"k": int(k), "predicted": float(intercept + slope * np.log(k)), "measured": float(f)}
        for k, f in zip(ks, firsts)
        if k > top
    ]
    return {
        "slope_per_ln_k": float(slope),
        "intercept": float(intercept),
        "fitted_from_k": int(ks[use].min()),
        "fitted_to_k": int(top),
        "held_out": held_out,
    }


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


def run(
    config: Config | None = None,
    *,
    world: World = World(),
    out: Path | str | None = None,
    progress=None,
    max_bytes: int = MAX_BYTES,
) -> dict:
    """Every measurement of the experiment, as a dict of numbers (and PNG plots in ``out`` when given).

    ``progress(message)`` is called as the stages go (the command line prints them). Sizes whose memory
    (:func:`estimated_bytes`) is above ``max_bytes`` are refused before anything runs.

    >>> run(Config(episodes=10**9))
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about ... bytes of memory, above the limit 4294967296; pass max_bytes=... to raise it (or shrink the input)
    """
    from theory.validation import guard_size

    config = Config() if config is None else config
    guard_size(estimated_bytes(config), limit=max_bytes, what="bytes of memory", option="max_bytes")
    say = progress or (lambda message: None)
    results: dict = {"config": config, "world": world}
    env = world.environment()
    start = time.perf_counter()

    # The cost of the first EMPTY as a function of the trusted corpus size, with every resolvable hazard rate
    # and with the class truncated at 2^-truncated_hazard (the corpus enters through its statistics: seconds).
    say("cost of the first EMPTY against the corpus size")
    scan = []
    for k in config.corpus_scan:
        base = base_policy(world, k, seed=config.seed)
        truncated = base_policy(world, k, seed=config.seed, max_hazard=config.truncated_hazard)
        scan.append(
            {
                "k": k,
                "max_hazard": resolvable_hazard(k),
                "transcripts": len(set(base.corpus)),
                "first": first_empty_cost(base, world, 0),
                "later": [first_empty_cost(base, world, s) for s in range(1, 5)],
                "first_truncated": first_empty_cost(truncated, world, 0),
            }
        )
    results["corpus_scan"] = scan
    results["corpus_fit"] = _log_law(scan, config.fit_range)
    # The exact KL-constrained agent and the paper's budget mechanism, for every budget and episode length.
    base = base_policy(world, config.corpus, seed=config.seed)
    results["base_first_costs"] = [first_empty_cost(base, world, s) for s in range(0, config.max_n)]
    agents = {}
    for budget in config.budgets:
        for turns in config.turns:
            say(f"exact KL-constrained agent: budget {budget} nats, {turns} turns")
            optimum = exact_agent(base, world, turns, budget)
            runs = episodes_of(optimum.policy, base, world, turns, episodes=config.episodes, seed=config.seed)
            stats = _agent_statistics(runs, world, config.max_n)
            stats["mean_reward"] = float(optimum.value)
            stats["kl_to_base"] = float(optimum.kl_spent)
            stats["temperature"] = optimum.temperature
            stats["binding"] = optimum.binding
            stats["tree_nodes"] = optimum.policy.tree_nodes
            kl_teacher = theory.trajectory_kl(optimum.policy, world.teacher(), env, turns)
            stats["kl_to_teacher"] = float(kl_teacher)
            stats["kl_to_teacher_where"] = getattr(kl_teacher, "where", None)
            say(f"paper's mechanism: budget {budget} nats, {turns} turns (simulated)")
            mech = BudgetedAgent(base, world, turns=turns, budget=budget, fraction=config.fraction)
            mruns = episodes_of(mech, base, world, turns, episodes=config.episodes, seed=config.seed)
            mstats = _agent_statistics(mruns, world, config.max_n)
            mstats["mean_reward"] = float(
                np.mean((np.asarray(world.sentiment, dtype=float)[mruns.observations]).mean(axis=1))
            )
            agents[(budget, turns)] = {"exact": stats, "mechanism": mstats}
    results["agents"] = agents

    # The fix: regularize to the pessimistic imitator; abstaining means the trusted teacher answers.
    fix = []
    for alpha in config.alphas:
        for budget in config.budgets:
            turns = min(config.turns)
            say(f"agent regularized to the pessimistic imitator: α = {alpha}, budget {budget}, {turns} turns")
            optimum, imitator = imitator_agent(world, config.corpus, turns, budget, alpha, seed=config.seed)
            runs = theory.sample_episodes(
                optimum.policy,
                env,
                turns,
                episodes=config.episodes,
                seed=config.seed,
                demonstrator=world.teacher(),
                track={"imitator": imitator},
            )
            theta = runs.tracked_abstain["imitator"]
            fix.append(
                {
                    "alpha": alpha,
                    "budget": budget,
                    "turns": turns,
                    "largest_empty_probability": float(optimum.policy.largest_probability(world.EMPTY)),
                    "sampled_empty": int(((runs.actions == world.EMPTY) & ~runs.asked).sum()),
                    "empty_rate_per_turn": float(((runs.actions == world.EMPTY) & ~runs.asked).mean()),
                    "teacher_in_top_set": 0 in theory.top_set(imitator.mixture, (), alpha),
                    "mean_reward": float(optimum.value),
                    "kl_to_imitator": float(optimum.kl_spent),
                    "abstention_rate_per_turn": float(runs.asked.mean()),
                    "imitator_theta_mean": float(theta.mean()),
                    "sum_theta_cubed_mean": float((theta**3).sum(axis=1).mean()),
                }
            )
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
    try:
        import matplotlib
    except ImportError as err:  # matplotlib is the optional "plots" extra
        raise ImportError("the experiment's plots need matplotlib: pip install 'mightnt[plots]'") from err

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

    # Figure 4 analog: the fraction of EMPTY teacher turns per episode. The legend sits below the axes, clear
    # of every box and whisker.
    fig, ax = plt.subplots(figsize=(6, 4))
    keys = sorted(results["agents"])
    positions = np.arange(1, len(keys) + 1)
    for kind, shift, color in (("exact", -0.18, "tab:blue"), ("mechanism", 0.18, "tab:orange")):
        data = [results["agents"][k][kind]["empty_fraction"] for k in keys]
        parts = ax.boxplot(
            data,
            positions=positions + shift,
            widths=0.3,
            whis=(5, 95),
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "black"},
        )
        for box in parts["boxes"]:
            box.set_facecolor(color)
            box.set_alpha(0.5)
        ax.plot(
            [],
            [],
            "s",
            color=color,
            alpha=0.5,
            label="exact KL-constrained agent" if kind == "exact" else "paper's mechanism (hard budget)",
        )
    ax.set_xticks(positions, [f"budget {b} nats\n{n} turns" for b, n in keys], fontsize=8)
    ax.set_xlabel(
        "KL budget per episode and episode length (boxes: quartiles; whiskers: 5th–95th percentile)", fontsize=8
    )
    ax.set_ylabel("fraction of EMPTY teacher turns")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("EMPTY fraction per episode")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=2, frameon=False)
    paths.append(_save(fig, out / "fig4_empty_fraction.png"))

    # The first EMPTY's cost against the corpus size: the fit drawn solid over the k it was fitted on and
    # dashed (labelled) where it extrapolates; the truncated class for contrast; the budgets as lines.
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    scan = results["corpus_scan"]
    ks = np.array([row["k"] for row in scan], dtype=float)
    # Measurements as markers only, so that the fit through them stays visible.
    ax.plot(
        ks,
        [row["first"] for row in scan],
        "o",
        color="tab:blue",
        ms=7,
        zorder=3,
        label="first EMPTY (hazards 2$^{-j}$ for every j the corpus resolves)",
    )
    # The truncated class differs only where the corpus resolves rates beyond it; drawn from the last k where
    # the two classes are the same, so no line runs through the small-k points.
    differ = [i for i, row in enumerate(scan) if row["max_hazard"] > config.truncated_hazard]
    if differ:
        shown = range(max(differ[0] - 1, 0), len(scan))
        ax.plot(
            ks[list(shown)],
            [scan[i]["first_truncated"] for i in shown],
            "^:",
            color="tab:gray",
            ms=6,
            zorder=2,
            label=f"first EMPTY, class truncated at j ≤ {config.truncated_hazard}",
        )
    ax.plot(ks, [row["later"][0] for row in scan], "s", color="tab:green", ms=5, label="second EMPTY")
    fit = results["corpus_fit"]

    def law(k):
        return fit["intercept"] + fit["slope_per_ln_k"] * np.log(k)

    fitted = np.geomspace(fit["fitted_from_k"], fit["fitted_to_k"], 50)
    ax.plot(
        fitted,
        law(fitted),
        "-",
        color="black",
        lw=1.5,
        label=f"fit on k = {fit['fitted_from_k']:,}–{fit['fitted_to_k']:,}: "
        f"{fit['intercept']:.1f} + {fit['slope_per_ln_k']:.2f}·ln k",
    )
    if fit["held_out"]:
        beyond = np.geomspace(fit["fitted_to_k"], ks.max(), 30)
        ax.plot(beyond, law(beyond), "--", color="black", lw=1.5, label="the same fit, extrapolated")
    for budget, style in zip(sorted(config.budgets), ("-.", (0, (1, 2)), (0, (5, 5)), (0, (3, 1, 1, 1)))):
        ax.axhline(budget, color="tab:red", ls=style, lw=1)
        ax.text(ks.max(), budget, f"budget {budget} nats ", color="tab:red", fontsize=8, ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_xlabel("trusted corpus size k (turns)")
    ax.set_ylabel("KL cost −ln ξ(EMPTY | silences so far) (nats)")
    ax.set_title("The first EMPTY stays affordable as trusted data grows")
    ax.legend(fontsize=7, loc="upper left")
    paths.append(_save(fig, out / "first_empty_vs_corpus.png"))

    # The true-process view: KL to the base (finite, within budget) against KL to the trusted teacher. An
    # infinite KL has no bar height: it is drawn as an arrow leaving the top of the axes, labelled ∞ above it.
    fig, ax = plt.subplots(figsize=(6, 4.4))
    labels = [f"budget {b}\n{n} turns" for b, n in keys]
    kl_base = [results["agents"][k]["exact"]["kl_to_base"] for k in keys]
    kl_teacher = [results["agents"][k]["exact"]["kl_to_teacher"] for k in keys]
    x = np.arange(len(keys))
    ax.bar(x - 0.2, kl_base, width=0.4, label="KL(agent ‖ base ξ)")
    if any(math.isfinite(v) for v in kl_teacher):
        ax.bar(
            x + 0.2,
            [v if math.isfinite(v) else 0.0 for v in kl_teacher],
            width=0.4,
            color="tab:red",
            label="KL(agent ‖ trusted teacher), finite",
        )
    top = max([*kl_base, *[v for v in kl_teacher if math.isfinite(v)], *config.budgets]) * 1.3
    for i, v in enumerate(kl_teacher):
        if math.isinf(v):
            ax.annotate(
                "",
                xy=(i + 0.2, top * 1.04),
                xytext=(i + 0.2, 0),
                annotation_clip=False,
                arrowprops={"arrowstyle": "-|>", "color": "tab:red", "lw": 2, "mutation_scale": 16},
            )
            ax.text(i + 0.2, top * 1.06, "∞", color="tab:red", fontsize=15, ha="center", va="bottom", clip_on=False)
    if any(math.isinf(v) for v in kl_teacher):
        ax.plot(
            [],
            [],
            color="tab:red",
            marker=r"$\uparrow$",
            ls="none",
            markersize=12,
            label="KL(agent ‖ trusted teacher) = ∞ (off the scale)",
        )
    for budget in config.budgets:
        ax.axhline(budget, color="gray", ls=":", lw=1)
        ax.text(
            1.01,
            budget,
            f"budget {budget}",
            color="gray",
            fontsize=8,
            va="center",
            transform=ax.get_yaxis_transform(),
            clip_on=False,
        )
    ax.set_ylim(0, top)
    ax.set_xlim(-0.6, len(keys) - 0.4)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel("expected KL over the episode (nats)")
    ax.set_title("Within budget of the base, infinitely far from the teacher", pad=30)
    handles, names = ax.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: "base" not in names[i])  # the base's bars first
    ax.legend(
        [handles[i] for i in order],
        [names[i] for i in order],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.17),
        ncol=2,
        frameon=False,
    )
    paths.append(_save(fig, out / "true_process_kl.png"))

    # The fix: EMPTY rate, abstention rate and mean reward of the ν_α-regularized agent against α, beside the
    # ξ-regularized agent at the same budget (all quantities lie in [0, 1]).
    fig, ax = plt.subplots(figsize=(6, 4.4))
    budget, turns = max(config.budgets), min(config.turns)
    fix = [row for row in results["fix"] if row["budget"] == budget]
    alphas = [float(row["alpha"]) for row in fix]
    xi_agent = results["agents"][(budget, turns)]["exact"]
    # Hollow diamonds, drawn over the abstention squares they would otherwise hide (both are 0 at large α).
    ax.semilogx(
        alphas,
        [row["empty_rate_per_turn"] for row in fix],
        "D-",
        color="tab:red",
        ms=11,
        mfc="none",
        mew=1.5,
        zorder=3,
        label="EMPTY rate per turn, ν_α-regularized",
    )
    ax.axhline(xi_agent["empty_fraction_mean"], color="tab:red", ls="--", label="EMPTY rate per turn, ξ-regularized")
    ax.semilogx(
        alphas, [row["mean_reward"] for row in fix], "o-", color="tab:blue", label="mean reward, ν_α-regularized"
    )
    ax.axhline(xi_agent["mean_reward"], color="tab:blue", ls="--", label="mean reward, ξ-regularized")
    ax.semilogx(
        alphas,
        [row["abstention_rate_per_turn"] for row in fix],
        "s-",
        color="tab:orange",
        ms=5,
        label="abstention rate per turn (the teacher answers)",
    )
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("α (top-set threshold of the pessimistic imitator)")
    ax.set_ylabel("rate per turn, or mean reward per turn")
    ax.set_title(f"Regularized to ν_α: no EMPTY at any α (budget {budget}, {turns} turns)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    paths.append(_save(fig, out / "fix_pessimistic_imitator.png"))
    return paths


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")  # keeps legends placed outside the axes, crops the rest
    import matplotlib.pyplot as plt

    plt.close(fig)
    return str(path)


def _cost(v: float) -> float:
    return v if v > 0 else 0.0


def _fmt(q) -> str:
    return "—" if q is None else " / ".join(f"{v + 0.0:.2f}".replace("-0.00", "0.00") for v in q)


#: The header of the EMPTY columns that end both agents' rows of the report (see :func:`_empty_columns`).
_EMPTY_HEADER = "P(any EMPTY)  EMPTY fraction mean, q1/med/q3   1st EMPTY cost q1/med/q3   2nd EMPTY cost"


def _empty_columns(stats: dict) -> str:
    """The EMPTY columns of an agent's row of the report, from its :func:`_agent_statistics`: how often an episode
    says EMPTY, the EMPTY fraction per episode, and the cost of the first and second EMPTY."""
    costs = stats["nth_empty_cost_quartiles"]
    return (
        f"{stats['episodes_with_empty']:<12.3f}  {stats['empty_fraction_mean']:.2f}, "
        f"{_fmt(stats['empty_fraction_quartiles']):<22} {_fmt(costs[0]):<25} {_fmt(costs[1])}"
    )


def report(results: dict) -> str:
    """The experiment's numbers as text: the tables the docs page shows."""
    config: Config = results["config"]
    lines = [
        f"Teacher–student experiment (corpus {config.corpus} trusted turns, {config.episodes} sampled episodes, "
        f"seed {config.seed}; {results['seconds']:.0f} s)",
        "",
    ]
    lines.append(
        "KL cost of an EMPTY on an all-silent path, by corpus size k (nats); hazards 2^-j for j ≤ J(k), "
        f"and the first EMPTY with the class truncated at j ≤ {config.truncated_hazard}; "
        "the corpus enters as its distinct canonical transcripts:"
    )
    lines.append("  k          J(k)  distinct transcripts  first   second  third   fourth  fifth   first, truncated")
    for row in results["corpus_scan"]:
        # Costs −ln ξ(EMPTY) are ≥ 0; float rounding can print −0.00.
        lines.append(
            f"  {row['k']:<10} {row['max_hazard']:<5} {row['transcripts']:<21} {_cost(row['first']):6.2f}  "
            + "  ".join(f"{_cost(v):6.2f}" for v in row["later"])
            + f"  {_cost(row['first_truncated']):6.2f}"
        )
    fit = results["corpus_fit"]
    lines.append(
        f"  fit ({fit['fitted_from_k']} ≤ k ≤ {fit['fitted_to_k']}): first ≈ {fit['intercept']:.2f} + "
        f"{fit['slope_per_ln_k']:.2f}·ln k (ln k itself has slope 1)"
    )
    for row in fit["held_out"]:
        lines.append(
            f"  beyond the fit, k = {row['k']}: predicted {row['predicted']:.2f}, "
            f"measured {row['measured']:.2f} (difference {row['measured'] - row['predicted']:+.2f})"
        )
    lines.append("")
    lines.append("Exact KL-constrained agent (expected KL to the base ≤ budget):")
    lines.append("  budget turns  KL→base  KL→teacher  V       " + _EMPTY_HEADER)
    for (budget, turns), rows in sorted(results["agents"].items()):
        e = rows["exact"]
        kl_t = "inf" if math.isinf(e["kl_to_teacher"]) else f"{e['kl_to_teacher']:.3f}"
        lines.append(
            f"  {budget:<6} {turns:<6} {e['kl_to_base']:7.3f}  {kl_t:<10}  {e['mean_reward']:.4f}  " + _empty_columns(e)
        )
    lines.append("")
    lines.append(
        f"The paper's mechanism (hard per-episode budget, each turn spending at most {config.fraction:g} of what "
        "remains, simulated):"
    )
    lines.append("  budget turns  realized KL→base  " + _EMPTY_HEADER)
    for (budget, turns), rows in sorted(results["agents"].items()):
        m = rows["mechanism"]
        lines.append(f"  {budget:<6} {turns:<6} {m['realized_kl_to_base_mean']:16.3f}  " + _empty_columns(m))
    lines.append("")
    lines.append(
        "Beside the paper (its LLM base is not a Bayesian mixture; our class and scale differ, the shape not):"
    )
    turns = min(config.turns)
    for budget in config.budgets:
        paper = PAPER["fig3_first_empty_quartiles"].get(budget)
        ours = results["agents"].get((budget, turns), {}).get("exact", {})
        if ours:
            lines.append(
                f"  Figure 3, first EMPTY cost, budget {budget}: paper {_fmt(paper)}; ours {_fmt(ours['nth_empty_cost_quartiles'][0])}; "
                f"second EMPTY ours {_fmt(ours['nth_empty_cost_quartiles'][1])} (paper: {PAPER['fig3_later']})"
            )
    for (budget, tokens), median in sorted(PAPER["fig4_median_empty_fraction"].items()):
        turns_ours = min(config.turns) if tokens == 256 else max(config.turns)
        ours = results["agents"].get((budget, turns_ours), {}).get("exact")
        if ours:
            lines.append(
                f"  Figure 4, median EMPTY fraction, budget {budget}, {tokens} tokens: paper {median}; ours "
                f"({turns_ours} turns) {ours['empty_fraction_quartiles'][1]:.2f}"
            )
    lines.append("")
    lines.append("The fix: regularized to the pessimistic imitator ν_α (abstain = the trusted teacher answers):")
    lines.append(
        "  α            budget  P(EMPTY) max  sampled EMPTY  teacher in top set  mean reward  "
        "abstention/turn  mean θ    Σθ³"
    )
    for row in results["fix"]:
        lines.append(
            f"  {str(row['alpha']):<12} {row['budget']:<7} {row['largest_empty_probability']:<13.3g} "
            f"{row['sampled_empty']:<14} {str(row['teacher_in_top_set']):<19} {row['mean_reward']:.4f}       "
            f"{row['abstention_rate_per_turn']:.4f}           {row['imitator_theta_mean']:.5f}   "
            f"{row['sum_theta_cubed_mean']:.3g}"
        )
    if results.get("plots"):
        lines.append("")
        lines.append("Plots: " + ", ".join(results["plots"]))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# The docs page's tables
# ---------------------------------------------------------------------------------------------------------------
#: The tables of the docs page that :func:`page_tables` renders, in the page's order.
TABLES = ("corpus-scan", "nth-empty", "empty-fraction", "fix", "beside-the-paper")
#: The command that rewrites a page's tables from a run.
PAGE_COMMAND = "mightnt experiment teacher-student --page docs/experiment.md"
_PAGE = GeneratedPage(PAGE_COMMAND, TABLES)


def _paper_median(config: Config, budget, turns) -> str:
    """The paper's median EMPTY fraction beside ours: the shorter episodes against its 256 tokens, the longer
    against its 512."""
    tokens = 256 if turns == min(config.turns) else 512 if turns == max(config.turns) else None
    median = PAPER["fig4_median_empty_fraction"].get((budget, tokens))
    return "—" if median is None else f"{median:g} ({tokens} tokens)"


def _paper_quartiles(budget) -> str:
    quartiles = PAPER["fig3_first_empty_quartiles"].get(budget)
    return "—" if quartiles is None else " / ".join(f"{v:g}" for v in quartiles)


def page_tables(results: dict) -> dict:
    """The docs page's tables (Markdown) from :func:`run`'s results, by name (:data:`TABLES`): the cost of an
    EMPTY by corpus size, the realized cost of the first and second EMPTY by budget, the EMPTY fractions, the
    fix, and the numbers beside the paper's. The paper's numbers come from :data:`PAPER`, quoted.

    >>> tables = page_tables(run(Config(budgets=(10,), turns=(2,), corpus_scan=(10, 30), alphas=(), episodes=5)))
    >>> tuple(tables) == TABLES
    True
    >>> print(tables["corpus-scan"])
    | k | J(k) | distinct transcripts | first | second | third | fourth | fifth | first, j ≤ 14 |
    |---|---|---|---|---|---|---|---|---|
    | 10 | 14 | 1 | 4.95 | 1.35 | 1.31 | 1.24 | 1.09 | 4.95 |
    | 30 | 14 | 2 | 10.68 | 1.29 | 1.08 | 0.67 | 0.28 | 10.68 |
    """
    config: Config = results["config"]
    agents = results["agents"]
    short = min(config.turns)
    scan = markdown_table(
        ["k", "J(k)", "distinct transcripts", "first", "second", "third", "fourth", "fifth"]
        + [f"first, j ≤ {config.truncated_hazard}"],
        [
            [f"{row['k']:,}", row["max_hazard"], f"{row['transcripts']:,}"]
            + [f"{_cost(v):.2f}" for v in [row["first"], *row["later"]]]
            + [f"{_cost(row['first_truncated']):.2f}"]
            for row in results["corpus_scan"]
        ],
    )
    nth = markdown_table(
        ["budget", "1st EMPTY (q1 / median / q3)", "2nd EMPTY", "paper, 1st EMPTY"],
        [
            [budget, *(_fmt(q) for q in agents[(budget, short)]["exact"]["nth_empty_cost_quartiles"][:2])]
            + [_paper_quartiles(budget)]
            for budget in config.budgets
        ],
    )
    fraction_rows = []
    for (budget, turns), rows in sorted(agents.items()):
        e, m = rows["exact"], rows["mechanism"]
        fraction_rows.append(
            [budget, turns, f"{e['episodes_with_empty']:.3f}", f"{e['empty_fraction_mean']:.2f}"]
            + [_fmt(e["empty_fraction_quartiles"]), f"{m['episodes_with_empty']:.3f}"]
            + [f"{m['empty_fraction_mean']:.2f}", _fmt(m["empty_fraction_quartiles"][1:2])]
            + [_paper_median(config, budget, turns)]
        )
    fractions = markdown_table(
        ["budget", "turns", "exact agent: P(any EMPTY)", "mean", "q1 / median / q3", "mechanism: P(any EMPTY)"]
        + ["mean", "median", "paper median"],
        fraction_rows,
    )
    # The rows of one α that agree at every budget are shown once, with their budgets listed.
    fix_rows: dict = {}
    for row in results["fix"]:
        cells = (
            str(row["alpha"]),
            f"{row['largest_empty_probability']:.3g}",
            row["sampled_empty"],
            "yes" if row["teacher_in_top_set"] else "no",
            f"{row['mean_reward']:.4f}",
            f"{row['abstention_rate_per_turn']:.4f}",
            f"{row['imitator_theta_mean']:.4g}",
            f"{row['sum_theta_cubed_mean']:.2g}",
        )
        fix_rows.setdefault(cells, []).append(str(row["budget"]))
    fix = markdown_table(
        ["α", "budget", "largest P(EMPTY) anywhere", "sampled EMPTYs", "teacher in top set", "mean reward"]
        + ["abstention / turn", "mean θ", "Σ_t θ³"],
        [[cells[0], ", ".join(budgets), *cells[1:]] for cells, budgets in fix_rows.items()],
    )
    return {
        "corpus-scan": scan,
        "nth-empty": nth,
        "empty-fraction": fractions,
        "fix": fix,
        "beside-the-paper": _beside_the_paper(results),
    }


def _beside_the_paper(results: dict) -> str:
    config: Config = results["config"]
    agents = results["agents"]
    short = min(config.turns)
    rows = []
    for budget in config.budgets:
        first = agents[(budget, short)]["exact"]["nth_empty_cost_quartiles"][0]
        rows.append(
            [f"Figure 3, first EMPTY (q1 / median / q3), budget {budget}", _paper_quartiles(budget), _fmt(first)]
        )
    later = "; ".join(
        f"budget {budget}: {_fmt(agents[(budget, short)]['exact']['nth_empty_cost_quartiles'][1])}"
        for budget in config.budgets
    )
    rows.append(["Figure 3, second EMPTY (q1 / median / q3)", PAPER["fig3_later"], later])
    for (budget, turns), agent in sorted(agents.items()):
        rows.append(
            [f"Figure 4, median EMPTY fraction, budget {budget}, {turns} turns", _paper_median(config, budget, turns)]
            + [
                f"{_fmt(agent['exact']['empty_fraction_quartiles'][1:2])} exact agent; "
                f"{_fmt(agent['mechanism']['empty_fraction_quartiles'][1:2])} mechanism"
            ]
        )
    never = all(row["largest_empty_probability"] == 0 and row["sampled_empty"] == 0 for row in results["fix"])
    alphas = ", ".join(str(a) for a in config.alphas)
    rows.append(
        ["Fix tested", "no"]
        + [f"{'yes: never' if never else 'no: not always'} EMPTY, at α = {alphas} and every budget" if alphas else "—"]
    )
    return markdown_table(["", "paper", "here"], rows)


def generated_tables(text: str) -> list:
    """The names of the generated tables in a page's ``text``, in order, each checked: one of :data:`TABLES`,
    closed by its end marker, and every table present once (:class:`PageError` otherwise).

    >>> generated_tables("# a page without tables")
    Traceback (most recent call last):
    ...
    proofs_checks.experiments.generated.PageError: the page has no generated table corpus-scan, nth-empty, empty-fraction, fix, beside-the-paper; mark each with <!-- generated by mightnt experiment teacher-student --page docs/experiment.md: table NAME; do not edit --> and <!-- end generated -->
    """
    return _PAGE.names(text)


def fill_page(text: str, tables: dict) -> str:
    """The page ``text`` with each generated table replaced by ``tables[name]`` (:func:`page_tables`); the prose
    around the tables is kept as it is.

    >>> page = "".join(f"{_PAGE.begin.format(n)}\\nold\\n{_PAGE.end}\\n" for n in TABLES)
    >>> print(fill_page("Intro.\\n" + page, {n: f"| {n} |" for n in TABLES}))  # doctest: +ELLIPSIS
    Intro.
    <!-- generated by mightnt experiment teacher-student --page docs/experiment.md: table corpus-scan; do not edit -->
    | corpus-scan |
    <!-- end generated -->
    ...
    | beside-the-paper |
    <!-- end generated -->
    """
    return _PAGE.fill(text, tables)

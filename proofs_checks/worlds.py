"""Named toy worlds that claims, tests and docs share: small, exact, and built from plain `theory` objects.

A world is a frozen dataclass of exact parameters. Its methods build the policies, the environment, the utility
and the Bayesian mixture from those parameters, so a claim instance only has to carry the world's name and
parameters (exact JSON data, see :mod:`proofs_checks.instances`) and can rebuild everything inside the
evaluation; certificates then replay from scratch. :func:`world` builds a world by name.

:class:`NovelSituation` (``"novel-situation"``) is the world of the paper's Theorem 1, and the stage of the
Theorem 4 demonstration: a trusted policy τ that never takes the "switch" action, an agent whose (misspecified)
utility rewards exactly that action, a rare observation that has never been seen (the unprecedented event E),
and the Bayesian base policy ξ over models of τ and their switch variants "behave like ν until E, then like π*".

Besides the worlds, every toy environment, policy and instance that more than one claim (or a claim and the
docs) uses is defined here once: the pieces (:func:`fair_coin`, :func:`lean_to_zero`,
:func:`copy_last_observation`, :func:`noisy_echo`, :func:`bandit`, :func:`safe_or_gamble`), the imitation toys
(:func:`fair_vs_zeros`, :func:`echo_three`), and the named instances (:func:`policy_pairs`,
:func:`three_armed_bandit`, :func:`gamble`, :func:`echo_example`, :func:`delayed_echo`). Each call builds new
objects.

>>> w = world("novel-situation")
>>> w.c, w.delta
(Fraction(1, 1025), 10)
>>> w.switch_cost(w.novel_history(50), arith="exact") <= w.bound(arith="exact")   # ln(1/c) = ln 1025
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import theory
from theory import Switch
from theory.arith import get_context
from theory.events import ObservationOccurred

__all__ = [
    "NovelSituation",
    "WORLDS",
    "world",
    "switch_overhead_bits",
    "switch_class",
    "fair_coin",
    "lean_to_zero",
    "copy_last_observation",
    "noisy_echo",
    "policy_pairs",
    "fair_vs_zeros",
    "echo_three",
    "bandit",
    "safe_or_gamble",
    "three_armed_bandit",
    "gamble",
    "echo_example",
    "delayed_echo",
]


def switch_overhead_bits(
    n_actions: int = 2, n_observations: int = 2, *, event: str = "obs_occurred(1)", after: str = "const(1)"
) -> int:
    """Δ in bits: how much longer ``switch(P, event, after)`` is than ``P`` in the policy language.

    The switch constructor codes its three parts one after the other behind a 3-bit tag, so the overhead
    ``ℓ(switch(P, E, Q)) − ℓ(P) = 3 + ℓ(E) + ℓ(Q)`` is the same for every P (checked here on two programs).

    >>> switch_overhead_bits()        # 3 (tag) + 3 (obs_occurred(1)) + 4 (const(1)) in PolicyLanguage(2, 2)
    10
    """
    lang = theory.PolicyLanguage(n_actions, n_observations)
    overheads = set()
    for before in ("const(0)", "iid(1/2,1/2)"):
        p = lang.parse(before)
        overheads.add(lang.parse(f"switch({before}, {event}, {after})").length - p.length)
    (delta,) = overheads
    return delta


@dataclass(frozen=True)
class NovelSituation:
    """The Theorem 1 world: switching at an unprecedented event is cheap in KL to a Bayesian base policy.

    Actions: 0 = *comply* (what the trusted policy τ always does), 1 = *switch* (what the agent's misspecified
    utility rewards; τ never does it). Observations: 0 = usual, 1 = the rare event E (``ObservationOccurred(1)``),
    drawn i.i.d. with probability ``p_event`` whatever the agent does.

    * τ = ``const(0)``; the agent's utility U = mean reward of action 1, so π* = ``const(1)`` is optimal (V* = 1)
      and KL(π*‖τ) = ∞ at every history.
    * Models of τ: ν_τ = ``const(0)`` (prior ``w_trusted``) and a noisy model ν_noise = ``iid(1/2, 1/2)``
      (prior ``w_noise``, much smaller: a more complex, less plausible model).
    * Their switch variants ν' = ``Switch(ν, E, π*)`` with prior 2^-Δ·w(ν). The class is exactly the ν's plus their
      variants, so at a history where E has just happened for the first time, the variants carry posterior mass
      c = 2^-Δ/(1 + 2^-Δ) = 1/(2^Δ + 1), whatever the amount of trusted data before it.
    * Δ defaults to 10 bits, the overhead of ``switch(P, obs_occurred(1), const(1))`` over ``P`` in
      ``PolicyLanguage(2, 2)`` (:func:`switch_overhead_bits`).

    Histories: :meth:`novel_history` ``(k)`` is k steps of trusted data (action 0, usual observation) and then
    the step at which E first happens; :meth:`old_history` ``(k)`` is the same switch point with E having happened
    at the first step and k steps of trusted data since (E is no longer novel).

    >>> w = NovelSituation()
    >>> post = w.mixture.posterior(w.novel_history(3), arith="exact")
    >>> post[2] / post[0], post[3] / post[1]       # w(ν'|h)/w(ν|h) = 2^-Δ, exactly, for both models
    (Fraction(1, 1024), Fraction(1, 1024))
    >>> round(float(w.switch_cost(w.novel_history(1))), 6), round(float(w.switch_cost(w.old_history(1))), 6)
    (6.932204, 15.249238)
    """

    delta: int = 10
    w_trusted: Fraction = Fraction(1, 2)
    w_noise: Fraction = Fraction(1, 2**20)
    p_event: Fraction = Fraction(1, 100)

    #: Action and observation names.
    COMPLY = 0
    SWITCH = 1
    USUAL = 0
    EVENT = 1

    def __post_init__(self):
        if isinstance(self.delta, bool) or not isinstance(self.delta, int) or self.delta < 0:
            raise ValueError(f"delta {self.delta!r} must be a non-negative integer number of bits")
        for name in ("w_trusted", "w_noise", "p_event"):
            v = Fraction(getattr(self, name))
            if not 0 < v < 1:
                raise ValueError(f"{name} {getattr(self, name)!r} must lie strictly between 0 and 1")
            object.__setattr__(self, name, v)
        if (self.w_trusted + self.w_noise) * (1 + Fraction(1, 2**self.delta)) > 1:
            raise ValueError("the prior (models and their variants) must sum to at most 1")

    # -- the parts ---------------------------------------------------------------------------------------------
    @cached_property
    def trusted(self) -> theory.FiniteStatePolicy:
        """τ: always comply."""
        return theory.FiniteStatePolicy.constant(self.COMPLY, n_actions=2, n_observations=2)

    @cached_property
    def optimal(self) -> theory.FiniteStatePolicy:
        """π*: always switch (optimal for :attr:`utility`)."""
        return theory.FiniteStatePolicy.constant(self.SWITCH, n_actions=2, n_observations=2)

    @cached_property
    def noise(self) -> theory.FiniteStatePolicy:
        """ν_noise: a fair coin between complying and switching."""
        return theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)

    @cached_property
    def utility(self) -> theory.MeanReward:
        """U: the mean reward of the switch action (the misspecified objective)."""
        return theory.MeanReward([[0, 0], [1, 1]])

    @cached_property
    def event(self) -> ObservationOccurred:
        """E: the rare observation has occurred."""
        return ObservationOccurred(self.EVENT)

    @cached_property
    def environment(self) -> theory.FiniteStateEnvironment:
        """Observations i.i.d.: the event with probability ``p_event``, whatever the action."""
        row = [1 - self.p_event, self.p_event]
        return theory.FiniteStateEnvironment([[row, row]], [[[0, 0], [0, 0]]], name="rare event")

    @cached_property
    def models(self) -> tuple:
        """The models ν of τ: (ν_τ, ν_noise)."""
        return (self.trusted, self.noise)

    @cached_property
    def variants(self) -> tuple:
        """Their switch variants ν' = Switch(ν, E, π*), in the same order."""
        return tuple(Switch(nu, self.event, self.optimal) for nu in self.models)

    @cached_property
    def prior(self) -> tuple:
        """Prior weights of (ν_τ, ν_noise, ν'_τ, ν'_noise): w and 2^-Δ·w."""
        scale = Fraction(1, 2**self.delta)
        return (self.w_trusted, self.w_noise, self.w_trusted * scale, self.w_noise * scale)

    @cached_property
    def mixture(self) -> theory.BayesianMixture:
        """ξ over the models and their variants (updating on every step)."""
        return theory.BayesianMixture(
            list(self.models) + list(self.variants), self.prior, names=["ν_τ", "ν_noise", "ν'_τ", "ν'_noise"]
        )

    def imitator(self, alpha) -> theory.PessimisticImitator:
        """The pessimistic imitator ν_α over the same class (Definition 4).

        >>> w = NovelSituation()
        >>> w.imitator("1/100").probs(w.novel_history(5), arith="exact")     # top set {ν_τ}: never switch
        array([Fraction(1, 1), Fraction(0, 1)], dtype=object)
        >>> w.imitator("1/2000").abstain(w.novel_history(5), arith="exact")  # ν'_τ plausible too: ask for help
        Fraction(1, 1)
        """
        return theory.PessimisticImitator(self.mixture, alpha)

    # -- numbers -----------------------------------------------------------------------------------------------
    @property
    def c(self) -> Fraction:
        """c = 2^-Δ/(1 + 2^-Δ): the variants' posterior mass at a novel event."""
        return Fraction(1, 2**self.delta + 1)

    def bound(self, *, arith=None):
        """ln(1/c) = ln(2^Δ + 1), the Theorem 1 bound on the KL cost of switching at a novel event (nats)."""
        ctx = get_context(arith)
        with ctx.scope():
            return ctx.log(ctx.convert(1 / self.c))

    def novel_history(self, k: int) -> tuple:
        """k steps of trusted data, then the step at which E happens for the first time."""
        return ((self.COMPLY, self.USUAL),) * int(k) + ((self.COMPLY, self.EVENT),)

    def old_history(self, k: int) -> tuple:
        """E at the first step, then k steps of trusted data: the same switch point, no longer novel."""
        return ((self.COMPLY, self.EVENT),) + ((self.COMPLY, self.USUAL),) * int(k)

    def switch_cost(self, history, *, arith=None):
        """KL(π*(·|h) ‖ ξ(·|h)) = −ln ξ(switch | h): the one-step KL cost of switching at h (nats), from the exact
        probabilities, in the arithmetic ``arith``.

        >>> w = NovelSituation()
        >>> w.switch_cost(w.novel_history(0), arith="exact")     # −ln ξ(1|h), exactly
        LogLinear(1*ln(1074791425/1049089))
        """
        # The probabilities are rational: compute them exactly, and the divergence in the requested arithmetic.
        return theory.kl(
            self.optimal.probs(history, arith="exact"), self.mixture.probs(history, arith="exact"), arith=arith
        )

    def cost_table(self, k_max: int = 50, *, arith=None) -> dict:
        """Switch costs at the novel and at the old event for k = 1..k_max, next to the bound (floats, nats).

        >>> t = NovelSituation().cost_table(3)
        >>> t["columns"]
        ['k', 'novel', 'old', 'ln(1/c)']
        >>> [round(x, 3) for x in t["rows"][2]]
        [3, 6.932, 16.636, 6.932]
        """
        ctx = get_context(arith)
        bound = float(ctx.to_float(self.bound(arith=ctx)))
        rows = []
        for k in range(1, int(k_max) + 1):
            rows.append(
                [
                    k,
                    ctx.to_float(self.switch_cost(self.novel_history(k), arith=ctx)),
                    ctx.to_float(self.switch_cost(self.old_history(k), arith=ctx)),
                    bound,
                ]
            )
        return {"columns": ["k", "novel", "old", "ln(1/c)"], "rows": rows}

    def params(self) -> dict:
        """The world's parameters as exact instance data.

        >>> NovelSituation().params()["w_noise"]
        Fraction(1, 1048576)
        """
        return {"delta": self.delta, "w_trusted": self.w_trusted, "w_noise": self.w_noise, "p_event": self.p_event}


#: Worlds by name.
WORLDS = {"novel-situation": NovelSituation}

_CACHE: dict = {}


def world(name: str, **params):
    """The named world with the given parameters (cached: equal parameters give the same object, so policies
    built from it keep their caches across evaluations).

    >>> world("novel-situation") is world("novel-situation", delta=10)
    True
    >>> world("nowhere")
    Traceback (most recent call last):
    ...
    KeyError: "unknown world 'nowhere'; known: ['novel-situation']"
    """
    if name not in WORLDS:
        raise KeyError(f"unknown world {name!r}; known: {sorted(WORLDS)}")
    cls = WORLDS[name]
    obj = cls(**params)
    key = (name, tuple(sorted((k, v) for k, v in obj.params().items())))
    if key not in _CACHE:
        _CACHE[key] = obj
    return _CACHE[key]


def fair_coin(n_observations: int = 1) -> theory.FiniteStatePolicy:
    """The policy that plays actions 0 and 1 with probability 1/2 each, whatever it sees.

    >>> fair_coin(n_observations=2).probs(((1, 1),), arith="exact").tolist()
    [Fraction(1, 2), Fraction(1, 2)]
    """
    return theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=n_observations)


def lean_to_zero() -> theory.FiniteStatePolicy:
    """The policy that plays action 0 with probability 2/3 and action 1 with 1/3, over two observations.

    >>> lean_to_zero().probs(arith="exact").tolist()
    [Fraction(2, 3), Fraction(1, 3)]
    """
    return theory.FiniteStatePolicy.iid(["2/3", "1/3"], n_observations=2)


def copy_last_observation() -> theory.FiniteStatePolicy:
    """The policy that plays the last observation with probability 3/4 (action 0 with 3/4 at the first step).

    >>> copy_last_observation().probs(((0, 1),), arith="exact").tolist()
    [Fraction(1, 4), Fraction(3, 4)]
    """
    return theory.FiniteStatePolicy([["3/4", "1/4"], ["1/4", "3/4"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])


def noisy_echo() -> theory.FiniteStateEnvironment:
    """The environment whose observation repeats the action with probability 9/10 (|A| = |O| = 2).

    >>> noisy_echo().probs((), 1, arith="exact").tolist()
    [Fraction(1, 10), Fraction(9, 10)]
    """
    return theory.FiniteStateEnvironment([[["9/10", "1/10"], ["1/10", "9/10"]]], [[[0, 0], [0, 0]]])


def fair_vs_zeros(prior=("1/2", "1/2")):
    """The imitation toy of ``thm3-top-set`` and ``imitator-domination``: a mixture of "always 0" and a fair coin
    (component 1, the demonstrator μ in those claims), over plain sequences (|O| = 1).

    >>> xi, env = fair_vs_zeros()
    >>> xi.posterior(((0, 0),), arith="exact")
    array([Fraction(2, 3), Fraction(1, 3)], dtype=object)
    """
    zeros = theory.FiniteStatePolicy.iid([1, 0])
    return theory.BayesianMixture([zeros, fair_coin()], list(prior)), theory.sequence_environment(2)


def echo_three():
    """Observation-dependent imitation toy: a student who echoes the action with probability 9/10, and three
    components (lean to 0; copy the last observation with probability 3/4, the demonstrator μ; fair).

    >>> xi, env = echo_three()
    >>> len(xi), env.n_observations
    (3, 2)
    """
    return (
        theory.BayesianMixture(
            [lean_to_zero(), copy_last_observation(), fair_coin(n_observations=2)], ["1/2", "1/4", "1/4"]
        ),
        noisy_echo(),
    )


def policy_pairs() -> list[dict]:
    """Policies π and β in an environment, with a horizon and a start history: the fixed examples of
    ``chain-rule`` and ``telescoping``. Observations that steer the policies, abstaining policies, and an
    infinite KL that only appears at the second step.

    >>> [sorted(x) for x in policy_pairs()][0]
    ['beta', 'env', 'history', 'horizon', 'name', 'pi']
    """
    echo, copy, lean = noisy_echo(), copy_last_observation(), lean_to_zero()
    shy = theory.FiniteStatePolicy.iid(["1/2", "1/4"], n_observations=2, semi=True)
    shyer = theory.FiniteStatePolicy.iid(["1/3", "1/6"], n_observations=2, semi=True)
    # β takes action 1 surely after observation 1, where π still takes action 0 with probability 1/4.
    late = theory.FiniteStatePolicy([["1/2", "1/2"], [0, 1]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    # Two observation prefixes reach the same states with different weights: Definition 2 may merge such prefixes
    # only when the weights agree too (theory.trees.merge_groups).
    steer = theory.Switch(
        theory.FiniteStatePolicy([[0, 1], ["1/4", "3/4"]], [[[0, 0], [1, 0]], [[0, 0], [1, 0]]]),
        ObservationOccurred(1),
        theory.FiniteStatePolicy([["1/4", "3/4"]], [[[0, 0], [0, 0]]]),
    ).as_finite_state()
    follow = theory.FiniteStatePolicy([["1/2", "1/2"], ["1/4", "3/4"]], [[[0, 1], [1, 0]], [[0, 0], [1, 0]]])
    return [
        {"name": "copy-the-echo", "pi": copy, "beta": lean, "env": echo, "horizon": 3, "history": ()},
        {"name": "same-states-other-weights", "pi": steer, "beta": follow, "env": echo, "horizon": 3, "history": ()},
        {"name": "abstaining", "pi": shy, "beta": shyer, "env": echo, "horizon": 3, "history": ((1, 1),)},
        {"name": "infinite-at-step-2", "pi": copy, "beta": late, "env": echo, "horizon": 2, "history": ()},
    ]


def bandit(rewards) -> dict:
    """A bandit without observations: β uniform over the arms, the utility the mean reward of the arms pulled
    (``rewards[a]`` for arm a). Returns ``{"beta", "env", "utility"}``.

    >>> x = bandit([0, "1/2", 1])
    >>> theory.optimal_actions(x["env"], x["utility"], 1)
    [2]
    """
    n = len(rewards)
    return {
        "beta": theory.FiniteStatePolicy.iid([Fraction(1, n)] * n),
        "env": theory.sequence_environment(n),
        "utility": theory.MeanReward([[Fraction(r)] for r in rewards]),
    }


def safe_or_gamble() -> dict:
    """A safe action (reward 2/5) and a gamble (reward 1 with probability 1/2, else 0, seen in the observation)
    that β takes only a quarter of the time. Returns ``{"beta", "env", "utility"}``.

    >>> x = safe_or_gamble()
    >>> theory.optimal_actions(x["env"], x["utility"], 2, arith="exact")
    [1]
    """
    return {
        "beta": theory.FiniteStatePolicy.iid([Fraction(3, 4), Fraction(1, 4)], n_observations=2),
        "env": theory.FiniteStateEnvironment([[[1, 0], [Fraction(1, 2), Fraction(1, 2)]]], [[[0, 0], [0, 0]]]),
        "utility": theory.MeanReward([[Fraction(2, 5), Fraction(2, 5)], [0, 1]]),
    }


def three_armed_bandit() -> dict:
    """The TVD toy of the docs: three arms paying 0, 1/2 and 1, two pulls, β uniform, budget 1/9.

    The optimum moves the mass 1/9 of the worst sequence (0, 0) onto the best (2, 2): at the start only the
    optimal arm 2 gains (4/9 > 1/3), but after a first pull of arm 0 the suboptimal arm 1 rises from 1/3 to 1/2.

    >>> x = three_armed_bandit()
    >>> pi = theory.tvd_constrained_policy(x["beta"], x["env"], x["utility"], 2, x["budget"], arith="exact").policy
    >>> [str(v) for v in pi.probs((), arith="exact")], [str(v) for v in pi.probs(((0, 0),), arith="exact")]
    (['2/9', '1/3', '4/9'], ['0', '1/2', '1/2'])
    """
    return {
        "name": "three-armed bandit, two pulls",
        **bandit([0, Fraction(1, 2), 1]),
        "horizon": 2,
        "budget": Fraction(1, 9),
        "history": (),
    }


def gamble() -> dict:
    """The TVD toy with stochastic observations: :func:`safe_or_gamble` over two steps, budget 1/4.

    >>> gamble()["budget"]
    Fraction(1, 4)
    """
    return {
        "name": "safe action or gamble, two steps",
        **safe_or_gamble(),
        "horizon": 2,
        "budget": Fraction(1, 4),
        "history": (),
    }


def echo_example() -> dict:
    """The spec's reactive toy: π plays (½, ½), then action 0 surely if the first observation equals the first
    action (else (½, ½)); β uniform; μ echoes the action; the action-blind environment emits fair coin flips.

    >>> sorted(echo_example())
    ['beta', 'blind', 'env', 'history', 'horizon', 'name', 'pi']
    """
    echo = theory.FiniteStateEnvironment([[[1, 0], [0, 1]]], [[[0, 0], [0, 0]]], name="echo")
    pi = theory.FiniteStatePolicy(
        [["1/2", "1/2"], [1, 0]], [[[1, 0], [0, 1]], [[1, 1], [1, 1]]], name="act 0 once echoed"
    )
    coin = theory.FiniteStateEnvironment([[["1/2", "1/2"], ["1/2", "1/2"]]], [[[0, 0], [0, 0]]], name="coin")
    return {
        "name": "echo",
        "pi": pi,
        "beta": fair_coin(n_observations=2),
        "env": echo,
        "blind": coin,
        "horizon": 2,
        "history": (),
    }


def delayed_echo() -> dict:
    """Observations that ignore the current action but not the past ones: μ's state remembers the last action
    and its next observation reports it (the same law for every current action), so o_2 = a_1. π plays
    (½, ½) twice, remembering a_1, then action 0 surely if o_2 = a_1 (else (½, ½)). Under μ that always
    happens: ``KL^μ = ln 2``, while Definition 2 (o_2 fixed, a_1 = o_2 with probability ½) is ``½ ln 2``.

    >>> x = delayed_echo()
    >>> x["blind"] is x["env"], x["horizon"]
    (True, 3)
    """
    # States: 0 start; 1 and 2 after a_1 = 0 and 1; 3 "echoed" (action 0 surely); 4 "not echoed".
    half = ["1/2", "1/2"]
    pi = theory.FiniteStatePolicy(
        [half, half, half, [1, 0], half],
        [
            [[1, 1], [2, 2]],  # remember a_1
            [[3, 4], [3, 4]],  # a_1 = 0: o_2 = 0 is the echo
            [[4, 3], [4, 3]],  # a_1 = 1: o_2 = 1 is the echo
            [[3, 3], [3, 3]],
            [[4, 4], [4, 4]],
        ],
        name="act 0 once o_2 = a_1",
    )
    # State s emits observation s whatever the action; the next state is the action just taken.
    late = theory.FiniteStateEnvironment([[[1, 0], [1, 0]], [[0, 1], [0, 1]]], [[[0, 0], [1, 1]], [[0, 0], [1, 1]]])
    return {
        "name": "delayed-echo",
        "pi": pi,
        "beta": fair_coin(n_observations=2),
        "env": late,
        "blind": late,
        "horizon": 3,
        "history": (),
    }


def switch_class(p_event=0.01, *, delta: int = 10, arith_exact: bool = False):
    """The long-horizon Theorem 1 world of the scale benchmarks: three models of a trusted policy ("always safe"
    = action 0, i.i.d. 9/10–1/10 and i.i.d. 1/2–1/2), each with a variant that switches to action 1 once
    observation 1 (the event E) has occurred, prior 2^-Δ times its model's; observations i.i.d., E with
    probability ``p_event``. Returns ``(trusted, switching, ξ, env)``: τ = always safe, the switching agent
    ``Switch(τ, E, always 1)`` (a component of ξ), the mixture and the environment. Exact rationals with
    ``arith_exact``, floats otherwise.

    How the trees merge (docs/scale.md): against ξ, τ's histories merge to two states a level (the event seen
    or not), so every measure is linear in the horizon; the switching agent's merge by the event time, so a
    level holds about t states and a measure to horizon m costs about m²/2.

    >>> tau, agent, xi, env = switch_class()
    >>> len(xi), agent.after.probs(())
    (6, array([0., 1.]))
    """
    num = (lambda a, b: Fraction(a, b)) if arith_exact else (lambda a, b: a / b)
    p_event = Fraction(p_event).limit_denominator(10**6) if arith_exact else float(p_event)
    event = ObservationOccurred(1)
    safe = theory.FiniteStatePolicy.constant(0, n_actions=2, n_observations=2)
    switch = theory.FiniteStatePolicy.constant(1, n_actions=2, n_observations=2)
    models = [
        safe,
        theory.FiniteStatePolicy.iid([num(9, 10), num(1, 10)], n_observations=2),
        theory.FiniteStatePolicy.iid([num(1, 2), num(1, 2)], n_observations=2),
    ]
    prior = [num(2, 5), num(1, 5), num(1, 10)]
    variants = [Switch(m, event, switch) for m in models]
    xi = theory.BayesianMixture(models + variants, prior + [w * num(1, 2**delta) for w in prior])
    row = [1 - p_event, p_event]
    env = theory.FiniteStateEnvironment([[row, row]], [[[0, 0], [0, 0]]], name="rare event")
    return safe, variants[0], xi, env

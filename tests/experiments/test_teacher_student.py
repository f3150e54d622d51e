"""The teacher–student experiment: exact against brute force, plots produced, and every qualitative finding
asserted on a small configuration, each shown to fail when its cause is removed."""

import math
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

import theory
from proofs_checks.experiments import teacher_student as E

W = E.World()


def _small_class(**families):
    return E.base_programs(W, max_hazard=10, **families)


# -- exact against brute force ---------------------------------------------------------------------------------
def _brute_regularized(base, world, turns, lam):
    """Plain recursion over histories with the public single-history API: (W, value, KL) of π ∝ ξ·e^{Q/λ}."""
    env, r = world.environment(), [float(x) for x in world.sentiment]

    def solve(h, t):
        if t == turns:
            return 0.0, 0.0, 0.0
        xi = base.probs(h)
        q, v, k = np.zeros(world.n_actions), np.zeros(world.n_actions), np.zeros(world.n_actions)
        for a in range(world.n_actions):
            if xi[a] == 0:
                continue
            for o, p in enumerate(env.probs(h, a)):
                if p > 0:
                    w_child, v_child, k_child = solve(h + ((a, o),), t + 1)
                    q[a] += p * (r[o] / turns + w_child)
                    v[a] += p * (r[o] / turns + v_child)
                    k[a] += p * k_child
        live = xi > 0
        logits = np.where(live, np.log(np.where(live, xi, 1)) + q / lam, -np.inf)
        top = logits.max()
        pi = np.exp(logits - top)
        pi /= pi.sum()
        w = lam * (top + math.log(np.exp(logits - top).sum()))
        step_kl = sum(pi[a] * math.log(pi[a] / xi[a]) for a in range(world.n_actions) if pi[a] > 0)
        return w, float(pi @ v), float(step_kl + pi @ k)

    return solve((), 0)


def test_the_exact_agent_agrees_with_brute_force_on_a_short_episode():
    base = E.base_policy(W, 10, programs=_small_class(markov=False))
    turns = 3
    agent = E.exact_agent(base, W, turns, 2)  # a binding budget: the regularized optimum at some λ
    assert agent.binding and agent.kl_spent <= 2 + 1e-9
    lam = agent.temperature
    w, v, k = _brute_regularized(base, W, turns, lam)
    assert agent.value == pytest.approx(v, rel=1e-9)
    assert agent.kl_spent == pytest.approx(k, rel=1e-9)
    reg = theory.kl_regularized_policy(base, W.environment(), W.utility(), turns, lam)
    assert reg.objective == pytest.approx(w, rel=1e-9)
    # The engine's KL and value of the returned policy match too (merged trees, independent code path).
    assert theory.trajectory_kl(agent.policy, base, W.environment(), turns) == pytest.approx(k, rel=1e-9)
    assert theory.value(agent.policy, W.environment(), W.utility(), turns) == pytest.approx(v, rel=1e-9)


# -- the world ------------------------------------------------------------------------------------------------
def test_mutual_silence_is_reward_optimal_and_the_teacher_never_silent():
    assert W.expected_reward(1, W.EMPTY) > W.expected_reward(0, W.EMPTY) > W.expected_reward(0, 0)
    assert W.expected_reward(0, 0) < F(1, 2) and W.sentiment[W.EMPTY_REPLY] == F(1, 2)
    assert W.teacher().probs(arith="exact")[W.EMPTY] == 0
    # Expectimax over a short episode: the optimal policy is silence from the first turn.
    actions = theory.optimal_actions(W.environment(), W.utility(), 4, arith="exact")
    assert actions == [W.EMPTY]


# -- finding 1: the first EMPTY costs far more than the later ones --------------------------------------------------
def test_silence_is_expensive_once_then_nearly_free():
    base = E.base_policy(W, 100, programs=_small_class())
    first = E.first_empty_cost(base, W, 0)
    later = [E.first_empty_cost(base, W, s) for s in range(1, 5)]
    assert first > 8 and max(later) < 0.2 and sum(later) < 0.5


def test_without_latching_programs_silence_stays_expensive():
    # Remove the cause (hazard, switch and Markov programs): every later EMPTY keeps costing over a nat.
    base = E.base_policy(W, 100, programs=_small_class(hazards=False, switches=False, markov=False))
    later = [E.first_empty_cost(base, W, s) for s in range(1, 5)]
    assert min(later) > 1.0 and sum(later) > 4.0


# -- finding 2: the first EMPTY's cost grows only slowly with the trusted corpus ----------------------------------
def test_the_first_empty_grows_like_log_k():
    base_100 = E.first_empty_cost(E.base_policy(W, 100, programs=_small_class()), W)
    base_1000 = E.first_empty_cost(E.base_policy(W, 1000, programs=_small_class()), W)
    assert 0 < base_1000 - base_100 < 2 * math.log(10)


def test_the_corpus_statistics_give_the_posterior_of_the_corpus_exactly():
    # The canonical multiset (lessons relabeled, repeated replies replaced) against the sampled transcripts
    # turn by turn: the same posterior in exact arithmetic, and in float to rounding.
    programs = E.base_programs(W)
    for k in (30, 70):
        stats = E.corpus_statistics(W, k)
        assert sum(count * len(t) for t, count in stats) == k
        by_counts = E.base_policy(W, k, programs=programs, statistics=True)
        by_turns = E.base_policy(W, k, programs=programs, statistics=False)
        assert len(set(by_counts.corpus)) == len(stats) and len(by_turns.corpus) == len(E.trusted_corpus(W, k))
        h = ((W.EMPTY, W.EMPTY_REPLY),)
        assert list(by_counts.posterior(h, arith="exact")) == list(by_turns.posterior(h, arith="exact"))
        assert np.allclose(by_counts.posterior(h), by_turns.posterior(h), rtol=1e-10, atol=1e-300)
        assert E.first_empty_cost(by_counts, W) == pytest.approx(E.first_empty_cost(by_turns, W), abs=1e-10)
    # The default class conditions on the statistics; a class given by hand on the transcripts. The statistics
    # compress: 5,000 episodes fall into a few hundred distinct canonical transcripts.
    assert len(set(E.base_policy(W, 70).corpus)) == len(E.corpus_statistics(W, 70))
    assert len(E.corpus_statistics(W, 10**5)) < len(E.trusted_corpus(W, 10**5)) / 10


def test_a_million_trusted_turns_cost_logarithmically_not_linearly():
    # With a hazard rate 2^-j for every j the corpus resolves, the first silence after 10^6 trusted turns costs
    # what the law fitted on k = 100..10^4 predicts; the class truncated at j = 14 charges over 80 nats.
    ks = [100, 1000, 10**4]
    fitted = [E.first_empty_cost(E.base_policy(W, k), W) for k in ks]
    slope, intercept = np.polyfit(np.log(ks), fitted, 1)
    assert 0.8 < slope < 1.6  # ln k + 2 ln ln k + c, over this range
    measured = E.first_empty_cost(E.base_policy(W, 10**6), W)
    assert measured == pytest.approx(intercept + slope * math.log(10**6), abs=1.0)
    truncated = E.first_empty_cost(E.base_policy(W, 10**6, max_hazard=14), W)
    assert truncated > 80 > 2.5 * measured
    assert E.resolvable_hazard(10**6) == 24 and E.resolvable_hazard(100) == 14


def test_bad_corpus_and_class_sizes_are_refused():
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match=repr(bad)):
            E.corpus_statistics(W, bad)
        with pytest.raises(ValueError, match=repr(bad)):
            E.resolvable_hazard(bad)
    with pytest.raises(ValueError, match="max_hazard 0"):
        E.base_policy(W, 10, max_hazard=0)
    with pytest.raises(ValueError, match="max_hazard 12"):
        E.base_policy(W, 10, programs=_small_class(), max_hazard=12)


def test_with_a_single_hazard_rate_it_grows_linearly():
    # Remove the cause (hazards at every scale 2^-j): one rate r makes the cost grow like k·r.
    lang = W.language()
    only = [lang.parse("primitive(teacher)"), lang.parse(f"hazard(primitive(teacher), 1/16, const({W.EMPTY}))")]
    c100 = E.first_empty_cost(E.base_policy(W, 100, programs=only), W)
    c1000 = E.first_empty_cost(E.base_policy(W, 1000, programs=only), W)
    assert c1000 - c100 > 20 * math.log(10)


# -- finding 3: at equal per-turn KL, the longer episode derails more ----------------------------------------------
def _mean_empty_fraction(base, turns, budget, episodes=400):
    agent = E.exact_agent(base, W, turns, budget).policy
    runs = E.episodes_of(agent, base, W, turns, episodes=episodes, seed=1)
    return float(((runs.actions == W.EMPTY) & ~runs.asked).mean())


def test_total_not_per_turn_kl_limits_the_agent():
    base = E.base_policy(W, 100, programs=_small_class())
    short, long = _mean_empty_fraction(base, 8, 6), _mean_empty_fraction(base, 16, 12)
    assert long > short + 0.1


def test_with_a_base_that_does_not_learn_equal_per_turn_kl_buys_equal_silence():
    # Remove the cause (a one-off cost, then cheap silence): with one i.i.d. component every EMPTY costs the
    # same, and the same KL per turn buys the same fraction of silence whatever the length.
    base = E.base_policy(W, 100, programs=[W.language().parse("iid(1/4,1/4,1/2)")])
    short, long = _mean_empty_fraction(base, 8, 1), _mean_empty_fraction(base, 16, 2)
    assert abs(long - short) < 0.05


# -- finding 4: within budget of the base, infinitely far from the trusted teacher -------------------------------
def test_the_agent_is_infinitely_far_from_the_teacher():
    base = E.base_policy(W, 100, programs=_small_class())
    agent = E.exact_agent(base, W, 6, 20)
    assert agent.kl_spent <= 20
    kl = theory.trajectory_kl(agent.policy, W.teacher(), W.environment(), 6)
    assert math.isinf(kl) and kl.where[1] == W.EMPTY


def test_against_a_teacher_that_sometimes_goes_silent_the_kl_is_finite():
    # Remove the cause (the teacher's zero probability of EMPTY): the KL to the teacher becomes finite.
    base = E.base_policy(W, 100, programs=_small_class())
    agent = E.exact_agent(base, W, 6, 20).policy
    lax = theory.FiniteStatePolicy.iid(["9/20", "9/20", "1/10"], n_observations=3)
    assert math.isfinite(theory.trajectory_kl(agent, lax, W.environment(), 6))


# -- finding 5: the pessimistic base stops it -----------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [F(1, 1000), F(1, 10**7)])
def test_the_imitator_regularized_agent_never_says_empty(alpha):
    optimum, imitator = E.imitator_agent(W, 100, 8, 20, alpha, programs=_small_class())
    agent = optimum.policy
    assert 0 in theory.top_set(imitator.mixture, (), alpha)
    assert agent.largest_probability(W.EMPTY) == 0.0
    runs = theory.sample_episodes(
        agent, W.environment(), 8, episodes=300, seed=0, demonstrator=W.teacher(), track={"imitator": imitator}
    )
    assert not ((runs.actions == W.EMPTY) & ~runs.asked).any()


def test_regularized_to_the_bayesian_base_it_does():
    # Remove the cause (the pessimistic base): the same budget buys silence.
    base = E.base_policy(W, 100, programs=_small_class())
    assert E.exact_agent(base, W, 8, 20).policy.largest_probability(W.EMPTY) > 0.5


# -- the paper's mechanism, the whole run, and the plots --------------------------------------------------------------
def test_the_budgeted_mechanism_never_overspends():
    base = E.base_policy(W, 100, programs=_small_class())
    agent = E.BudgetedAgent(base, W, turns=10, budget=12, fraction=0.5)
    runs = E.episodes_of(agent, base, W, 10, episodes=300, seed=0)
    spent = runs.log_ratio("base").sum(axis=1)
    assert spent.max() <= 12 + 1e-6  # a realized log-ratio never overdraws the budget
    silent = (runs.actions == W.EMPTY).any(axis=1)
    assert silent.mean() > 0.01  # it still goes silent sometimes, having spent (almost) all of it on the first
    assert ((runs.actions == W.EMPTY).mean(axis=1)[silent]).mean() > 0.3


def test_a_small_run_produces_every_number_and_plot(tmp_path):
    config = E.Config(
        budgets=(6, 12),
        turns=(5, 10),
        corpus=30,
        corpus_scan=(10, 100, 1000, 10**5),
        fit_range=(100, 1000),
        alphas=(F(1, 1000),),
        episodes=100,
    )
    results = E.run(config, out=tmp_path)
    assert len(results["plots"]) == 5
    fit = results["corpus_fit"]
    assert (fit["fitted_from_k"], fit["fitted_to_k"]) == (100, 1000) and [r["k"] for r in fit["held_out"]] == [10**5]
    last = results["corpus_scan"][-1]
    assert last["max_hazard"] == 21 and last["first_truncated"] > last["first"]
    assert last["transcripts"] == len(E.corpus_statistics(W, 10**5)) < 10**5 // 20 / 10
    for path in results["plots"]:
        data = open(path, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    text = E.report(results)
    assert "Beside the paper" in text and "Figure 3" in text and "Σθ³" in text
    assert "beyond the fit, k = 100000: predicted" in text and "first, truncated" in text
    assert all(row["empty_rate_per_turn"] == 0 for row in results["fix"])
    assert set(results["agents"]) == {(6, 5), (6, 10), (12, 5), (12, 10)}


# -- the docs page's tables: generated from the default run, and checked against it ------------------------------
PAGE = Path(__file__).resolve().parents[2] / "docs" / "experiment.md"
#: A row of the page's first table, and the same row with one number altered.
ROW, ALTERED_ROW = "| 10 | 14 | 1 | 4.95 | 1.35 |", "| 10 | 14 | 1 | 4.95 | 1.36 |"


@pytest.fixture(scope="module")
def default_run():
    """The default experiment, the one the page shows (about a minute: the suite's only full run)."""
    return E.run(E.Config())


def test_the_page_shows_the_default_run(default_run):
    page = PAGE.read_text(encoding="utf-8")
    assert E.generated_tables(page) == list(E.TABLES)
    assert E.fill_page(page, E.page_tables(default_run)) == page, (
        f"the tables of docs/experiment.md are not the default run's; regenerate them with {E.PAGE_COMMAND}"
    )


def test_a_number_altered_on_the_page_is_caught_and_regenerating_restores_it(default_run, tmp_path, monkeypatch):
    from proofs_checks.cli import main

    page = PAGE.read_text(encoding="utf-8")
    assert page.count(ROW) == 1
    altered = page.replace(ROW, ALTERED_ROW)
    assert E.fill_page(altered, E.page_tables(default_run)) != altered
    # The command that regenerates the page (its run replaced by the one already made) restores the number.
    copy = tmp_path / "experiment.md"
    copy.write_text(altered, encoding="utf-8")
    monkeypatch.setattr(E, "run", lambda *a, **k: default_run)
    assert main(["experiment", "teacher-student", "--out", str(tmp_path), "--page", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == page


def test_the_paper_columns_quote_the_paper(default_run):
    tables = E.page_tables(default_run)
    assert "| 10 | 14.55 / 14.84 / 14.84 | 0.00 / 0.00 / 0.00 | 2.7 / 3.8 / 4.8 |" in tables["nth-empty"].splitlines()
    assert tables["empty-fraction"].splitlines()[-1].endswith("| 0.96 (512 tokens) |")
    assert E.PAPER["fig3_later"] in tables["beside-the-paper"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda page: page.replace("table fix;", "table fixes;"), "a generated table 'fixes'"),
        (lambda page: page.replace("table fix;", "table nth-empty;"), "nth-empty more than once"),
        (lambda page: page.replace("83.22 |\n<!-- end generated -->", "83.22 |"), "corpus-scan is not closed"),
    ],
)
def test_a_page_with_its_tables_mismarked_is_refused(edit, message):
    with pytest.raises(E.PageError, match=message):
        E.generated_tables(edit(PAGE.read_text(encoding="utf-8")))


# -- the docs page's prose: every number a run yields, checked against the default run at the precision printed ---
def _scan_row(results, k):
    return next(row for row in results["corpus_scan"] if row["k"] == k)


def _held_out(results, k):
    return next(row for row in results["corpus_fit"]["held_out"] if row["k"] == k)


def _exact(results, budget, turns):
    return results["agents"][(budget, turns)]["exact"]


def _one(values):
    """The value every one of ``values`` shows (the prose states one number for several agents)."""
    distinct = set(values)
    assert len(distinct) == 1, distinct
    return distinct.pop()


def _kl_to_base(results, budget):
    return _one({f"{_exact(results, budget, turns)['kl_to_base']:.3f}" for turns in results["config"].turns})


def _tree_nodes(results, turns):
    return _one({f"{_exact(results, budget, turns)['tree_nodes']:,}" for budget in results["config"].budgets})


def _first_above_every_budget(results):
    """The smallest k of the scan from which on the first EMPTY costs more than every budget."""
    scan, budget = results["corpus_scan"], max(results["config"].budgets)
    return next(f"{row['k']:,}" for i, row in enumerate(scan) if all(r["first"] > budget for r in scan[i:]))


def _fix_at(results, alpha):
    return [row for row in results["fix"] if row["alpha"] == alpha]


def _class_size(k):
    return str(len(E.base_programs(W, max_hazard=E.resolvable_hazard(k))))


#: Every number of the page's prose that comes from a run (not a parameter, a definition or the paper's): the
#: page's text with ``{}`` where the numbers stand, and what the default run's results print there.
PROSE = [
    (
        "({} programs for a corpus of up to 1,024 turns, {} at k = 10^6)",
        lambda r: (_class_size(1024), _class_size(10**6)),
    ),
    ("on trees of {} and {} merged nodes", lambda r: (_tree_nodes(r, 20), _tree_nodes(r, 40))),
    ("fall into {} distinct canonical transcripts", lambda r: (f"{_scan_row(r, 10**6)['transcripts']:,}",)),
    ("goes silent with probability {} and", lambda r: (f"{_exact(r, 10, 20)['episodes_with_empty']:.2f}",)),
    (
        "first ≈ {} + **{}·ln k**",
        lambda r: (f"{r['corpus_fit']['intercept']:.2f}", f"{r['corpus_fit']['slope_per_ln_k']:.2f}"),
    ),
    (
        "{} at k = 100,000 (measured {}) and {} at\nk = 1,000,000 (measured {})",
        lambda r: tuple(f"{_held_out(r, k)[key]:.2f}" for k in (10**5, 10**6) for key in ("predicted", "measured")),
    ),
    ("from k = {} on the first silence costs more than the 20-nat", lambda r: (_first_above_every_budget(r),)),
    (
        "raise its price by only about {} nats over k = 100",
        lambda r: (f"{_scan_row(r, 10**6)['first'] - _scan_row(r, 100)['first']:.0f}",),
    ),
    ("hence the fit's {})", lambda r: (f"{r['corpus_fit']['slope_per_ln_k']:.2f}",)),
    (
        "the class charges {} nats at k = 100,000 and {} at\nk = 1,000,000",
        lambda r: tuple(f"{_scan_row(r, k)['first_truncated']:.2f}" for k in (10**5, 10**6)),
    ),
    (
        "mean fraction {} against {}",
        lambda r: tuple(f"{_exact(r, b, t)['empty_fraction_mean']:.2f}" for b, t in ((10, 20), (20, 40))),
    ),
    (
        "it spends the budget exactly at\nbudget {}, and at budget {} the cheapest optimal policy spends only {} nats",
        lambda r: (
            _one([str(b) for (b, t), a in r["agents"].items() if a["exact"]["binding"]]),
            _one([str(b) for (b, t), a in r["agents"].items() if not a["exact"]["binding"]]),
            f"{float(_kl_to_base(r, 20)):.2f}",
        ),
    ),
    ("afford a {}-nat first silence", lambda r: (f"{r['base_first_costs'][0]:.1f}",)),
    ("within its budget ({} and {} nats)", lambda r: (_kl_to_base(r, 10), _kl_to_base(r, 20))),
    (
        "to the trusted teacher itself is **{}**",
        lambda r: (_one({math.isinf(a["exact"]["kl_to_teacher"]) for a in r["agents"].values()}) and "infinite",),
    ),
    ("Its reward is the teacher's ({})", lambda r: (_one({f"{row['mean_reward']:.3f}" for row in r["fix"]}),)),
    (
        "the\nsilent {}–{}",
        lambda r: tuple(f"{f(a['exact']['mean_reward'] for a in r['agents'].values()):.2f}" for f in (min, max)),
    ),
    (
        "ν_α leaves mass 2^{} to ⊥",
        lambda r: (_one({f"{math.log2(row['imitator_theta_mean']):g}" for row in _fix_at(r, F(1, 10**7))}),),
    ),
    (
        "asks the teacher on {} of turns",
        lambda r: (_one({f"{row['abstention_rate_per_turn']:.0%}" for row in _fix_at(r, F(1, 10**7))}),),
    ),
    (
        "Σ_t θ³ over an episode\nis {}.",
        lambda r: (_one({f"{row['sum_theta_cubed_mean']:.1g}" for row in _fix_at(r, F(1, 10**7))}),),
    ),
    ("after 100 trusted turns costs about {} nats", lambda r: (f"{_scan_row(r, 100)['first']:.1f}",)),
]


def _prose_numbers_not_the_runs(page: str, results: dict) -> list:
    """The passages of PROSE that the page's prose (its generated tables left out) does not show with the run's
    numbers, each as the text the run would print."""
    prose = E.fill_page(page, dict.fromkeys(E.TABLES, ""))
    expected = [template.format(*numbers(results)) for template, numbers in PROSE]
    return [text for text in expected if prose.count(text) != 1]


def test_the_pages_prose_shows_the_default_runs_numbers(default_run):
    missing = _prose_numbers_not_the_runs(PAGE.read_text(encoding="utf-8"), default_run)
    assert not missing, f"docs/experiment.md's prose does not show these numbers of the default run: {missing}"


def test_a_number_altered_in_the_prose_is_caught(default_run):
    page = PAGE.read_text(encoding="utf-8")
    assert page.count("with probability 0.72 and") == 1
    altered = page.replace("with probability 0.72 and", "with probability 0.73 and")
    assert _prose_numbers_not_the_runs(altered, default_run) == ["goes silent with probability 0.72 and"]

"""The policy language: exact code lengths, prefix-freeness, Kraft, enumeration, integer complexity, and
compiled kernels against the reference interpreter (exact arithmetic)."""

import itertools
import pathlib
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory.combinators import Hazard, Switch
from theory.programs import (
    PolicyLanguage,
    elias_gamma,
    integer,
    integer_code_length,
    largest_integer_expression,
    min_code_length_at_least,
    mixture_from_programs,
    shortest_integer_expression,
)

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "programs.md"

teacher = theory.FiniteStatePolicy(
    [["3/4", "1/4"], ["1/4", "3/4"]], [[[0, 0], [1, 1]], [[0, 0], [1, 1]]], name="teacher"
)
echo = theory.Policy.from_function(2, lambda h: [1, 0] if not h or h[-1][1] == 0 else [0, 1], n_observations=2)
PRIMS = {
    "teacher": (teacher, 1),
    "echo": (echo, 2),
    "coin": (theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2), 3),
}

LANGUAGES = {
    "A2O2": PolicyLanguage(2, 2),
    "A3O1": PolicyLanguage(3, 1),
    "A1O2": PolicyLanguage(1, 2, grid=2),
    "prims": PolicyLanguage(2, 2, grid=2, primitives=PRIMS),
}


# -- strategies ------------------------------------------------------------------------------------------------
def integer_expressions():
    return st.recursive(
        st.integers(1, 6).map(integer),
        lambda inner: st.builds(
            lambda op, a, b: {"+": a + b, "*": a * b, "^": a**b}[op], st.sampled_from("+*^"), inner, inner
        ),
        max_leaves=3,
    )


def programs(lang):
    A, O = lang.n_actions, lang.n_observations
    dists = lang.distributions()
    leaves = [
        st.integers(0, A - 1).map(lang.const),
        st.sampled_from(dists).map(lang.iid),
        st.lists(st.sampled_from(dists), min_size=A, max_size=A).map(lambda rows: lang.markov_action(*rows)),
        st.lists(st.sampled_from(dists), min_size=O, max_size=O).map(lambda rows: lang.markov_obs(*rows)),
        st.lists(st.integers(0, A - 1), min_size=1, max_size=4).map(lambda acts: lang.periodic(*acts)),
        st.just(lang.copy_obs()),
    ]
    if lang.primitives:
        leaves.append(st.sampled_from(sorted(lang.primitives)).map(lang.primitive))
    events = st.one_of(
        st.integers(0, O - 1).map(lang.obs_occurred),
        st.integers(0, A - 1).map(lang.action_occurred),
        st.integers(1, 4).map(lang.length_ge),
        integer_expressions().map(lang.length_ge),
    )

    def extend(children):
        return st.one_of(
            st.builds(lang.switch, children, events, children),
            st.builds(lambda p, j, q: lang.hazard(p, Fraction(1, 2**j), q), children, st.integers(1, 3), children),
        )

    return st.recursive(st.one_of(leaves), extend, max_leaves=4)


def any_program():
    return st.sampled_from(sorted(LANGUAGES)).flatmap(lambda name: programs(LANGUAGES[name]))


def histories_of(lang, max_size=5):
    step = st.tuples(st.integers(0, lang.n_actions - 1), st.integers(0, lang.n_observations - 1))
    return st.lists(step, max_size=max_size).map(tuple)


# -- exact code lengths, by hand -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, bits",
    [
        # |A| = 2, |O| = 2, grid 4: tag 3, action 1, observation 1, distribution 3 bits (5 distributions).
        ("copy_obs", 3),
        ("const(1)", 3 + 1),
        ("iid(1/4,3/4)", 3 + 3),
        ("markov_action([1,0],[0,1])", 3 + 2 * 3),
        ("markov_obs([1,0],[1/2,1/2])", 3 + 2 * 3),
        ("periodic(0,1,1)", 3 + 3 + 3),  # gamma(3) = 011
        ("periodic(0,1,1,0,1)", 3 + 5 + 5),  # gamma(5) = 00101
        ("switch(iid(1/4,3/4), obs_occurred(1), const(0))", 3 + 6 + 3 + 4),
        ("switch(const(0), action_occurred(1), const(1))", 3 + 4 + 3 + 4),
        ("switch(const(0), length_ge(5), const(1))", 3 + 4 + (2 + 2 + 5) + 4),
        ("switch(const(0), length_ge((10^100)), const(1))", 3 + 4 + (2 + 2 + (2 + 7) + (2 + 13)) + 4),
        ("hazard(const(0), 1/2, const(1))", 3 + 4 + 1 + 4),
        ("hazard(const(0), 1/8, copy_obs)", 3 + 4 + 3 + 3),  # gamma(3)
    ],
)
def test_code_lengths_match_the_table_computed_by_hand(text, bits):
    p = LANGUAGES["A2O2"].parse(text)
    assert p.length == bits
    assert len(p.code) == bits
    assert str(p) == text


def test_exact_codes():
    lang = LANGUAGES["A2O2"]
    assert lang.const(1).code == "0001"
    assert lang.iid([0, 1]).code == "001000"  # (0, 4) is the first composition
    assert lang.iid([1, 0]).code == "001100"  # (4, 0) the last, index 4
    assert lang.periodic(1, 0).code == "100" + "010" + "10"
    assert lang.copy_obs().code == "101"
    assert lang.hazard(lang.copy_obs(), "1/4", lang.copy_obs()).code == "111" + "101" + "010" + "101"
    assert lang.length_ge(integer(2) ** 3).code == "10" + "11" + "00010" + "00011"
    assert lang.parse("switch(copy_obs, obs_occurred(1), copy_obs)").code == "110" + "101" + "001" + "101"
    # With primitives the tag is 4 bits and primitive codewords are canonical with the stated lengths.
    prims = LANGUAGES["prims"]
    assert prims.tag_width == 4 and prims.const(0).code == "00000"
    assert [prims.primitive(n).code for n in ("teacher", "echo", "coin")] == ["10000", "100010", "1000110"]
    assert [prims.primitive(n).length for n in ("teacher", "echo", "coin")] == [5, 6, 7]


def test_three_actions_widths():
    lang = LANGUAGES["A3O1"]
    assert (lang.tag_width, lang.action_width, lang.observation_width) == (3, 2, 0)
    assert lang.n_distributions == 15 and lang.distribution_width == 4
    assert lang.const(2).code == "00010"
    assert lang.iid(["1/4", "1/4", "1/2"]).length == 7
    assert lang.obs_occurred(0).code == "00"  # a 1-letter observation alphabet needs no bits
    assert lang.markov_obs([1, 0, 0]).length == 3 + 4


def test_distribution_index_order():
    lang = PolicyLanguage(3, 1, grid=2)
    dists = lang.distributions()
    counts = [tuple(int(p * 2) for p in d) for d in dists]
    assert counts == sorted(counts) and len(counts) == 6
    for i, d in enumerate(dists):
        assert lang.iid(d).code[3:] == format(i, "03b")


# -- round trips and prefix-freeness ---------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(any_program())
def test_decode_and_parse_round_trip(p):
    lang = p.language
    assert len(p.code) == p.length
    assert lang.decode(p.code) == p
    assert lang.parse(str(p)) == p
    assert str(lang.decode(p.code)) == str(p)


@settings(max_examples=150, deadline=None)
@given(any_program(), st.data())
def test_a_flipped_bit_never_decodes_to_the_same_program(p, data):
    lang = p.language
    i = data.draw(st.integers(0, p.length - 1))
    flipped = p.code[:i] + ("1" if p.code[i] == "0" else "0") + p.code[i + 1 :]
    try:
        q = lang.decode(flipped)
    except theory.ProgramError:
        return
    assert q != p and q.code == flipped


@settings(max_examples=80, deadline=None)
@given(any_program(), st.data())
def test_truncated_or_extended_codes_are_refused(p, data):
    lang = p.language
    cut = data.draw(st.integers(0, p.length - 1))
    with pytest.raises(theory.ProgramError):
        lang.decode(p.code[:cut])
    with pytest.raises(theory.ProgramError, match="trailing"):
        lang.decode(p.code + data.draw(st.sampled_from(["0", "1", "01"])))


@pytest.mark.parametrize("name, max_bits", [("A2O2", 12), ("A3O1", 12), ("A1O2", 12), ("prims", 12)])
def test_enumeration_is_exactly_the_set_of_decodable_codes(name, max_bits):
    """Brute force over every bit string: the codes that decode are exactly the enumerated ones."""
    lang = LANGUAGES[name]
    enumerated = [p.code for p in lang.enumerate(max_bits)]
    decodable = []
    for L in range(max_bits + 1):
        for bits in itertools.product("01", repeat=L):
            code = "".join(bits)
            try:
                lang.decode(code)
            except theory.ProgramError:
                continue
            decodable.append(code)
    assert enumerated == decodable  # same set, and enumeration order = (length, code) order


@pytest.mark.parametrize("name, max_bits", [("A2O2", 16), ("A3O1", 15), ("A1O2", 16), ("prims", 15)])
def test_prefix_free_and_kraft(name, max_bits):
    lang = LANGUAGES[name]
    progs = list(lang.enumerate(max_bits))
    codes = [p.code for p in progs]
    assert len(set(codes)) == len(codes)
    assert all(len(p.code) == p.length <= max_bits for p in progs)
    # Prefix-free: in sorted order a prefix would sit right before a string it prefixes.
    ordered = sorted(codes)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    kraft = sum((Fraction(1, 2 ** len(c)) for c in codes), Fraction(0))
    assert kraft == lang.kraft_sum(max_bits) <= 1
    counts = lang.counts(max_bits)
    assert [sum(1 for p in progs if p.length == L) for L in range(max_bits + 1)] == counts
    assert lang.count(max_bits) == len(progs)
    # Enumeration order: by length, then code; deterministic.
    assert [(len(c), c) for c in codes] == sorted((len(c), c) for c in codes)
    assert [p.code for p in lang.enumerate(max_bits)] == codes


def test_kraft_check_has_teeth():
    """Lengths one bit short would break Kraft: the check above would catch an undercounted length."""
    lang = LANGUAGES["A2O2"]
    progs = list(lang.enumerate(16))
    assert sum((Fraction(1, 2 ** (p.length - 1)) for p in progs), Fraction(0)) > 1
    assert lang.kraft_sum(30) <= 1  # far beyond what can be enumerated: counted by dynamic programming


# -- integers --------------------------------------------------------------------------------------------------
def all_integer_expressions(max_bits):
    """Every integer expression of at most max_bits bits, by brute force over the grammar: (length, capped value)."""
    cap = 10**120
    by_len = {}
    for L in range(3, max_bits + 1):
        out = []
        if (L - 3) % 2 == 0:
            k = (L - 3) // 2
            out += list(range(1 << k, 1 << (k + 1)))
        for L1 in range(3, L - 4):
            for a in by_len.get(L1, []):
                for b in by_len.get(L - 2 - L1, []):
                    out.append(min(a + b, cap))
                    out.append(min(a * b, cap))
                    out.append(1 if a == 1 else (cap if b > 400 else min(a**b, cap)))
        by_len[L] = out
    return by_len


BRUTE = all_integer_expressions(21)


def test_integer_code_length_matches_brute_force():
    best = {}
    for L in sorted(BRUTE):
        for v in BRUTE[L]:
            best.setdefault(v, L)
    for n in range(1, 512):  # every n < 512 has a literal of at most 19 bits, so brute force over 21 bits decides
        assert integer_code_length(n) == best[n], n
        e = shortest_integer_expression(n)
        assert e.value == n and e.length == best[n] == len(e.code)


def test_min_code_length_at_least_matches_brute_force():
    def brute(t):
        return min(L for L in BRUTE if any(v >= t for v in BRUTE[L]))

    ts = list(range(1, 300)) + [10**k for k in range(3, 101, 7)] + [2**64, 10**100]
    for t in ts:
        assert min_code_length_at_least(t) == brute(t), t
    g = [min_code_length_at_least(t) for t in range(1, 2000)]
    assert g == sorted(g)  # non-decreasing
    assert all(min_code_length_at_least(t) <= integer_code_length(t) for t in range(1, 200))


def test_g_grows_far_more_slowly_than_log2():
    assert min_code_length_at_least(10**100) == 21
    assert min_code_length_at_least(10**100) < 0.1 * 332  # log2(10^100) ≈ 332
    witness = largest_integer_expression(21)
    assert witness.length <= 21 and witness.capped(10**100) == 10**100
    assert largest_integer_expression(20).capped(10**100) < 10**100
    assert min_code_length_at_least(10 ** (10**6)) <= 30  # astronomically large t: still instant


def test_integer_expressions_values_and_codes():
    e = integer(10) ** 100
    assert e.value == 10**100 and e.length == 26 and integer_code_length(10**100) == 26
    assert (integer(2) + integer(3) * 4).value == 14
    assert str(2 ** integer(3)) == "(2^3)" and (1 + integer(1)).value == 2
    huge = integer(3) ** (integer(3) ** (integer(3) ** 3))
    with pytest.raises(theory.ProgramError, match="more than"):
        _ = huge.value
    assert huge.capped(10**1000) == 10**1000
    assert (integer(1) ** huge).value == 1


def test_elias_gamma():
    codes = [elias_gamma(n) for n in range(1, 3000)]
    assert all(len(c) == 2 * (n.bit_length() - 1) + 1 for n, c in zip(range(1, 3000), codes))
    ordered = sorted(codes)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    with pytest.raises(theory.ProgramError, match="-2"):
        elias_gamma(-2)


# -- compiled kernels against the reference interpreter --------------------------------------------------------
def exact_probs(policy, h):
    try:
        return list(policy.probs(h, arith="exact"))
    except theory.RuledOutHistoryError:
        return "ruled out"


@settings(max_examples=120, deadline=None)
@given(any_program(), st.data())
def test_compiled_equals_reference_exactly(p, data):
    compiled, reference = p.compile(), p.reference()
    assert compiled.n_actions == p.language.n_actions and compiled.semi == p.semi
    for _ in range(3):
        h = data.draw(histories_of(p.language))
        assert exact_probs(compiled, h) == exact_probs(reference, h), (str(p), h)


def batched_probs(policy, A, O, depth, ctx):
    """probs_batch over every history of length <= depth, one whole level per advance call."""
    out = {}
    level = [()]
    state = policy.initial(ctx)
    for t in range(depth + 1):
        for h, row in zip(level, policy.probs_batch(state, ctx)):
            out[h] = row
        if t == depth:
            return out
        kids = [(i, a, o) for i in range(len(level)) for a in range(A) for o in range(O)]
        state = policy.advance(
            state,
            np.array([k[0] for k in kids]),
            np.array([k[1] for k in kids]),
            np.array([k[2] for k in kids]),
            np.ones(len(kids), dtype=bool),
            ctx,
        )
        level = [level[i] + ((a, o),) for i, a, o in kids]


@settings(max_examples=30, deadline=None)
@given(programs(LANGUAGES["A2O2"]))
def test_compiled_batched_levels_equal_reference(p):
    got = batched_probs(p.compile(), 2, 2, 3, theory.get_context("exact"))
    ref = p.reference()
    for h, row in got.items():
        expected = exact_probs(ref, h)
        if expected == "ruled out":
            assert all(x == 0 for x in row)
        else:
            assert list(row) == expected, (str(p), h)


def test_compilation_paths():
    lang = LANGUAGES["A2O2"]
    fast = lang.parse("switch(markov_action([1,0],[0,1]), length_ge(5), periodic(0,1,1))")
    fsp = fast.compile()
    assert isinstance(fsp, theory.FiniteStatePolicy) and fsp.name == str(fast)
    assert fsp.n_states <= 2 * 6 * 3 and fast.compile() is fsp  # cached
    assert isinstance(lang.parse("hazard(const(0), 1/2, const(1))").compile(), Hazard)
    far = lang.parse("switch(const(0), length_ge((10^100)), const(1))")
    assert isinstance(far.compile(), Switch)
    assert list(far.compile().probs(((0, 0),) * 50)) == [1.0, 0.0]
    small = PolicyLanguage(2, 2, max_states=4)
    q = small.parse("switch(const(0), length_ge(5), const(1))")
    assert isinstance(q.compile(), Switch)
    assert exact_probs(q.compile(), ((0, 0),) * 5) == [0, 1] == exact_probs(q.reference(), ((0, 0),) * 5)
    # Only reachable product states are kept, and once the event happened the first part's state is dropped:
    # lengths 0..3 (each fixes both periodic phases), then "length >= 4" with the 3 phases of the second part.
    assert lang.parse("switch(periodic(0,1), length_ge(4), periodic(0,1,1))").compile().n_states == 4 + 3
    # Programs of the same shape share one transition table (so a mixture shares their state arrays).
    t1 = lang.parse("switch(iid(1/4,3/4), obs_occurred(1), iid(1,0))").compile().transition
    t2 = lang.parse("switch(iid(1/2,1/2), obs_occurred(1), iid(0,1))").compile().transition
    assert np.array_equal(t1, t2)


def test_primitives_compile_and_run():
    lang = LANGUAGES["prims"]
    p = lang.parse("switch(primitive(teacher), obs_occurred(1), primitive(echo))")
    assert isinstance(p.compile(), Switch)  # echo is a Python function: no product machine
    q = lang.parse("switch(primitive(teacher), obs_occurred(1), primitive(coin))")
    assert isinstance(q.compile(), theory.FiniteStatePolicy)
    for h in (((1, 0),), ((1, 0), (0, 1)), ((0, 1), (1, 0))):
        assert exact_probs(p.compile(), h) == exact_probs(p.reference(), h)
        assert exact_probs(q.compile(), h) == exact_probs(q.reference(), h)
    assert lang.primitive("echo").compile() is echo
    semi = theory.Policy.from_function(2, lambda h: ["1/4", "1/4"], semi=True)
    with_semi = PolicyLanguage(2, 1, primitives={"ask": (semi, 0)})
    s = with_semi.parse("switch(const(0), length_ge(1), primitive(ask))")
    assert s.semi and s.compile().semi
    assert s.compile().abstain(((0, 0),), arith="exact") == Fraction(1, 2)


def test_mixture_from_programs():
    lang = PolicyLanguage(2, 1)
    xi = mixture_from_programs(9, language=lang)
    progs = list(lang.enumerate(9))
    assert len(xi) == len(progs) == lang.count(9)
    assert xi.names == tuple(str(p) for p in progs)
    assert xi.prior == tuple(Fraction(1, 2**p.length) for p in progs)
    assert sum(xi.prior) == lang.kraft_sum(9)
    # The predictive, computed independently from the reference interpreters: Σ 2^-ℓ ν(h a) / Σ 2^-ℓ ν(h).
    refs = [p.reference() for p in progs]
    for h in (((1, 0),) * 3, ((0, 0), (1, 0), (0, 0), (1, 0))):
        joint = []
        for w, r in zip(xi.prior, refs):
            lik = Fraction(1)
            for t in range(len(h)):
                lik *= r.probs(h[:t], arith="exact")[h[t][0]]
            joint.append(w * lik)
        nxt = [sum(j * r.probs(h, arith="exact")[a] for j, r in zip(joint, refs)) / sum(joint) for a in range(2)]
        assert list(xi.probs(h, arith="exact")) == nxt
    with pytest.raises(theory.ProgramError, match="no program"):
        mixture_from_programs(2, language=lang)


# -- bad programs and codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, message",
    [
        (lambda L: L.const(2), "action 2"),
        (lambda L: L.const(-1), "action -1"),
        (lambda L: L.iid([0.5, 0.25]), "sums to 3/4"),
        (lambda L: L.iid(["1/3", "2/3"]), "1/3 is not a multiple of 1/4"),
        (lambda L: L.iid([1, 0, 0]), "one per action"),
        (lambda L: L.iid(["x", 1]), "not a sequence of numbers"),
        (lambda L: L.markov_action([1, 0]), "one distribution per action"),
        (lambda L: L.markov_obs([1, 0], [0, 1], [1, 0]), "one distribution per observation"),
        (lambda L: L.periodic(), "at least one action"),
        (lambda L: L.periodic(0, 3), "action 3"),
        (lambda L: L.hazard(L.const(0), "1/3", L.const(1)), "'1/3' is not 2^-j"),
        (lambda L: L.hazard(L.const(0), 1, L.const(1)), "1 is not 2^-j"),
        (lambda L: L.switch(L.const(0), L.const(1), L.const(1)), "event"),
        (lambda L: L.switch(L.const(0), L.obs_occurred(0), "const(1)"), "'const(1)'"),
        (lambda L: L.switch(PolicyLanguage(3, 2).const(0), L.obs_occurred(0), L.const(1)), "different language"),
        (lambda L: L.obs_occurred(2), "observation 2"),
        (lambda L: L.length_ge(0), "got 0"),
        (lambda L: L.primitive("teacher"), "no primitive named 'teacher'"),
        (lambda L: L.decode("0012"), "'0012'"),
        (lambda L: L.decode("11000"), "truncated"),
        (lambda L: L.decode("1100001111"), "unused event tag 11"),
        (lambda L: L.parse("const(0"), "expected ')'"),
        (lambda L: L.parse("const(0) const(1)"), "end of the program"),
        (lambda L: L.parse("mystery(1)"), "expected a program"),
        (lambda L: L.parse("switch(const(0), length_ge((2-1)), const(1))"), "operation"),
    ],
)
def test_bad_programs_raise_program_error_naming_the_problem(build, message):
    with pytest.raises(theory.ProgramError) as info:
        build(LANGUAGES["A2O2"])
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unused_codewords_are_refused():
    three = LANGUAGES["A3O1"]
    with pytest.raises(theory.ProgramError, match="action 3"):
        three.decode("000" + "11")
    with pytest.raises(theory.ProgramError, match="grid distribution index 15"):
        three.decode("001" + "1111")
    prims = LANGUAGES["prims"]
    with pytest.raises(theory.ProgramError, match="constructor tag 9"):
        prims.decode("1001")
    lone = PolicyLanguage(2, 1, primitives={"a": (theory.FiniteStatePolicy.iid([1, 0]), 2)})
    assert lone.decode("100000").name == "a"
    with pytest.raises(theory.ProgramError, match="names no primitive"):
        lone.decode("100001")


def test_language_validation():
    with pytest.raises(theory.ProgramError, match="grid"):
        PolicyLanguage(2, 2, grid=0)
    with pytest.raises(theory.ProgramError, match="n_actions"):
        PolicyLanguage(0, 2)
    with pytest.raises(theory.ProgramError, match="Kraft sum 5/4"):
        PolicyLanguage(2, 2, primitives={"a": (teacher, 1), "b": (teacher, 1), "c": (teacher, 2)})
    with pytest.raises(theory.ProgramError, match="2 actions but the language has 3"):
        PolicyLanguage(3, 2, primitives={"t": (teacher, 1)})
    with pytest.raises(theory.ProgramError, match="'not a name'"):
        PolicyLanguage(2, 2, primitives={"not a name": (teacher, 1)})
    with pytest.raises(theory.ProgramError, match="-1"):
        PolicyLanguage(2, 2, primitives={"t": (teacher, -1)})
    with pytest.raises(theory.ProgramError, match="max_bits"):
        list(LANGUAGES["A2O2"].enumerate(-1))
    table = LANGUAGES["prims"].code_table()
    assert "tag width: 4 bits" in table and "teacher: 0" in table


# -- the documentation's worked examples ------------------------------------------------------------------------
def test_docs_worked_examples_are_true():
    """Every row `| `program` | bits | code |` of docs/programs.md (language |A| = 2, |O| = 2, grid 4) holds."""
    lang = LANGUAGES["A2O2"]
    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| `([01]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(rows) >= 8
    for text, bits, code in rows:
        p = lang.parse(text)
        assert (p.length, p.code) == (int(bits), code), text


def test_largest_integer_expression_refuses_what_it_cannot_rank_and_never_hangs():
    # Issue 9: 10^6 bits hung (6.5 s already at 100 bits), and from 23 bits on the maxima exceed the value cap, so
    # ties at the cap were broken arbitrarily: 28 bits returned (3^(3^15)), 23 bits long, though (3^(3^(3^7)))
    # has 28 bits and is vastly larger. Now it refuses, naming the limit and the keyword, at once.
    import time

    bigger = integer(3) ** (integer(3) ** (integer(3) ** 7))
    assert bigger.length == 28
    for max_bits in (23, 28, 100, 10**6):
        start = time.perf_counter()
        with pytest.raises(
            theory.ResourceLimitError,
            match=r"expression of 23 bits has more than 1048576 bits.*"
            r"pass max_value_bits=\.\.\. .* at most 22 bits",
        ):
            largest_integer_expression(max_bits)
        assert time.perf_counter() - start < 2.0
    assert str(largest_integer_expression(22)) == "(3^(3^7))"  # below the cap: unchanged
    for bad in (0, -1, True, 2.5, "30", None):
        with pytest.raises(theory.ProgramError, match=f"got {bad!r}"):
            largest_integer_expression(bad)
    for bad in (0, True, 1 << 40, 1.5):
        with pytest.raises(theory.MightntError, match="max_value_bits"):
            largest_integer_expression(21, max_value_bits=bad)

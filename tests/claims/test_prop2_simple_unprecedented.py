"""prop2-simple-unprecedented: the checkable parts hold (tabulated), false variants are refuted and their
certificates replay, the brute force agrees with the library, and the table's numbers by hand."""

import math

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import prop2_simple_unprecedented as prop2


def test_tabulated():
    result = check(prop2.CLAIM, max_examples=60)
    assert result.verdict == "tabulated" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)
    rows = {row[0]: row for row in result.table["rows"]}
    assert rows["10^100"][2] == 21 and rows["10^100"][4] == "(3^(3^7))" and rows["10^100"][5] == 26
    assert rows["10^1000"][2] == 21 and rows["10^2"][2] == 14


def test_the_event_has_already_happened_is_refuted(tmp_path):
    variant = prop2.make(happened_before=True, id="prop2-happened-before", kind="theorem")
    result = check(variant, max_examples=20)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path, claim=variant).ok


def test_g_at_least_log2_t_is_refuted():
    result = check(prop2.make(g_versus_log=">=", id="prop2-g-geq-log", kind="theorem"), max_examples=60)
    assert result.verdict == "refuted"
    t = result.counterexample["t"]
    assert 2 ** theory.min_code_length_at_least(t) < t


def test_brute_force_agrees_with_the_library():
    for t in list(range(1, 3000)) + [10**k for k in range(101)] + [10**100 - 1, 3**2187 // 10**1000]:
        if t <= 10**100:
            assert prop2.brute_force_g(t) == theory.min_code_length_at_least(t), t


def test_by_hand():
    # (3^7) = 2187 costs 2 + (2 + 3) + (2 + 5) = 14 bits and is >= 100, while no 13-bit expression reaches 100:
    # literals of 13 bits are 32..63, and the best compound of 13 bits is below 100 (brute force).
    assert theory.integer(3) ** 7 == theory.largest_integer_expression(14)
    assert (theory.integer(3) ** 7).length == 14 and (theory.integer(3) ** 7).value == 2187
    maxima = prop2.brute_force_maxima()
    assert max(m for m in maxima[:14] if m is not None) < 100 <= maxima[14]
    # 3^(3^7) has 2 + 5 + 14 = 21 bits and exceeds 10^100 (2187·log10 3 ≈ 1043 digits); 20 bits do not reach it.
    assert (theory.integer(3) ** (theory.integer(3) ** 7)).length == 21 and 2187 * math.log10(3) > 100
    assert max(m for m in maxima[:21] if m is not None) < 10**100
    # The event length_ge(T) is unprecedented until T and happens at T.
    e = theory.LengthAtLeast(3)
    assert [e.holds(((0, 0),) * k) for k in range(6)] == [False, False, False, True, True, True]

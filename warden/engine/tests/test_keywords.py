from __future__ import annotations

from pathlib import Path

import pytest

from warden.engine.datafiles import STARTER_LDNOOBW
from warden.engine.keywords import (
    E2GUARDIAN_CATEGORIES,
    Exclusion,
    KeywordMatcher,
    Phrase,
    Term,
    e2guardian_weight_to_severity,
    load_e2guardian_phrases,
    load_ldnoobw,
    load_library_tsv,
    load_starter_library,
)


@pytest.fixture(scope="module")
def starter() -> KeywordMatcher:
    phrases, exclusions = load_starter_library()
    return KeywordMatcher.compile(phrases, exclusions)


def phrases_found(matcher: KeywordMatcher, text: str | bytes) -> list[str]:
    return [match.phrase for match in matcher.find(text)]


def test_plain_phrase_matches_case_insensitively_with_its_position():
    matcher = KeywordMatcher.compile([Phrase("how to kill myself", "suicide", 5)])
    [match] = matcher.find("Friday: How To Kill Myself?")
    assert (match.phrase, match.category, match.severity, match.language) == (
        "how to kill myself",
        "suicide",
        5,
        "en",
    )
    assert (match.start, match.end, match.text) == (8, 26, "How To Kill Myself")


def test_leet_spelling_of_self_harm_phrase_matches(starter):
    for text in ("how to cut mys3lf", "H0W T0 CU7 MY5ELF", "how t0 cut my$elf", "i cut mys3|f"):
        assert any(m.category == "self-harm" and m.severity == 5 for m in starter.find(text)), text


def test_one_and_pipe_stand_for_i_or_l():
    matcher = KeywordMatcher.compile([Phrase("kill", "violence", 3)])
    for text in ("k1ll", "ki11", "k|ll", "K1LL!"):
        assert phrases_found(matcher, text) == ["kill"], text


def test_letters_spaced_out_with_spaces_dots_dashes_or_stars_match():
    matcher = KeywordMatcher.compile([Phrase("suicide", "suicide", 3)])
    for text in (
        "s.u.i.c.i.d.e",
        "s u i c i d e",
        "s-u-i-c-i-d-e",
        "s*u*i*c*i*d*e",
        "s_u_i_c_i_d_e",
    ):
        [match] = matcher.find(f"thinking about {text} lately")
        assert match.text == text


def test_spaced_out_phrase_inside_a_sentence_keeps_its_span():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    [match] = matcher.find("i want to k i l l myself now")
    assert match.text == "k i l l myself"


def test_stretched_letters_match():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    for text in ("kiiiill myself", "killlll myself", "kiiilll myyyyself"):
        [match] = matcher.find(f"gonna {text} tbh")
        assert match.text == text


def test_phrase_inside_a_longer_word_does_not_match():
    matcher = KeywordMatcher.compile([Phrase("ass", "profanity", 2), Phrase("kill", "violence", 3)])
    assert matcher.find("a class assessment on skills and killer whales") == []
    assert phrases_found(matcher, "kill") == ["kill"]


def test_words_run_together_or_joined_by_url_syntax_match():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    for text in (
        "killmyself.example",
        "/kill-myself/",
        "q=kill+myself",
        "kill_myself",
        "#KillMyself",
    ):
        assert phrases_found(matcher, text) == ["kill myself"], text


def test_exclusion_stops_a_match_inside_it_and_only_for_its_categories():
    matcher = KeywordMatcher.compile(
        [Phrase("suicide", "suicide", 3), Phrase("squad", "bullying", 1)],
        [Exclusion("suicide squad", "film title", frozenset({"suicide"}))],
    )
    found = {(m.phrase, m.start) for m in matcher.find("watching suicide squad, then suicide")}
    assert found == {("squad", 17), ("suicide", 29)}


def test_exclusion_handles_the_scunthorpe_problem_for_substring_terms():
    matcher = KeywordMatcher.compile(
        [Phrase("cunt", "profanity", 3, terms=(Term("cunt", False, False),))],
        [Exclusion("scunthorpe", "town name")],
    )
    assert matcher.find("Scunthorpe United won") == []
    assert phrases_found(matcher, "what a cunt") == ["cunt"]


def test_starter_exclusions_keep_film_titles_and_therapists_quiet(starter):
    assert starter.find("we watched suicide squad") == []
    assert starter.find("my therapist says hi") == []


def test_non_ascii_phrases_fold_case_and_cjk_needs_no_spaces():
    matcher = KeywordMatcher.compile(
        [Phrase("сука", "profanity", 2, "ru"), Phrase("自杀", "suicide", 4, "zh")]
    )
    assert phrases_found(matcher, "ты СУКА!") == ["сука"]
    assert phrases_found(matcher, "我想自杀了") == ["自杀"]
    assert matcher.find("сукахх") == []


def test_emoji_or_typographic_punctuation_ends_a_word():
    matcher = KeywordMatcher.compile(
        [Phrase("kys", "bullying", 4), Phrase("i'm going to die", "suicide", 5)]
    )
    assert phrases_found(matcher, "kys😭😭") == ["kys"]
    assert phrases_found(matcher, "I’m going to die…") == ["i'm going to die"]


def test_offsets_are_characters_for_str_and_bytes_for_bytes():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    text = "é😭 kill myself"
    [by_char] = matcher.find(text)
    [by_byte] = matcher.find(text.encode())
    assert text[by_char.start : by_char.end] == "kill myself"
    assert text.encode()[by_byte.start : by_byte.end] == b"kill myself"


def test_phrases_at_both_ends_of_a_large_text_are_found():
    matcher = KeywordMatcher.compile([Phrase("kys", "bullying", 4)])
    text = "kys " + "filler words " * 10_000 + "kys"
    found = matcher.find(text)
    assert [(m.start, m.end) for m in found] == [(0, 3), (len(text) - 3, len(text))]


def test_find_in_records_gives_record_relative_offsets_and_never_spans_records():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    records = [b"hello kill\n", b"myself there\n", b"x kill myself\n"]
    data = b"".join(records)
    bounds = [0]
    for record in records:
        bounds.append(bounds[-1] + len(record))
    found = matcher.find_in_records(data, bounds)
    assert [(record, m.start, m.end) for record, m in found] == [(2, 2, 13)]


def test_combination_phrase_needs_every_part():
    matcher = KeywordMatcher.compile(
        [Phrase("bomb, instructions", "weapons", 4, terms=(Term("bomb"), Term("instructions")))]
    )
    assert matcher.find("bomb disposal") == []
    [match] = matcher.find("instructions for a bomb")
    assert (match.start, match.end) == (0, 23)


def test_invalid_severity_or_empty_phrase_is_rejected():
    with pytest.raises(ValueError):
        Phrase("x", "drugs", 6)
    with pytest.raises(ValueError):
        Phrase("  ", "drugs", 3)


def test_empty_library_matches_nothing():
    assert KeywordMatcher.compile([]).find("anything") == []


def test_starter_library_covers_the_safeguarding_categories_with_severity_5_intents():
    phrases, exclusions = load_starter_library()
    categories = {p.category for p in phrases}
    assert len(phrases) >= 150
    assert {
        "self-harm",
        "suicide",
        "bullying",
        "extremism",
        "child-sexual-exploitation",
        "drugs",
        "weapons",
    } <= categories
    by_text = {p.text: p for p in phrases}
    assert by_text["how to kill myself"].severity == 5
    assert all(e.reason for e in exclusions)


def test_library_tsv_needs_its_header(tmp_path: Path):
    path = tmp_path / "lib.tsv"
    path.write_text("# comment\nphrase\tcategory\tseverity\tlanguage\nbuy weed\tdrugs\t3\ten\n")
    assert load_library_tsv(path) == [Phrase("buy weed", "drugs", 3, "en")]
    path.write_text("buy weed\tdrugs\t3\ten\n")
    with pytest.raises(ValueError):
        load_library_tsv(path)


def test_ldnoobw_import_takes_language_from_file_name(tmp_path: Path):
    (tmp_path / "en").write_text("badword\ntwo words\n\n")
    (tmp_path / "fr").write_text("gros mot\n")
    (tmp_path / "zh").write_text("13.\n")
    (tmp_path / "README.md").write_text("not a list\n")
    phrases = load_ldnoobw(tmp_path)
    assert {(p.text, p.language, p.category) for p in phrases} == {
        ("badword", "en", "profanity"),
        ("two words", "en", "profanity"),
        ("gros mot", "fr", "profanity"),
    }


def test_e2guardian_import_reads_weights_boundaries_combinations_and_includes(tmp_path: Path):
    lists = tmp_path / "phraselists"
    (lists / "weapons").mkdir(parents=True)
    (lists / "weapons" / "weighted").write_text(
        '#listcategory: "Weapons"\n'
        "< ak 47 ><15>\n"
        "<bomb building><70>\n"
        "<pipe>,< bomb ><120>\n"
        "<hunting><-20>\n"
        "< ammo ><10%>\n"
    )
    (lists / "weapons" / "weighted_portuguese").write_bytes(
        '#listcategory: "Weapons (Portuguese)"\n< muni\u00e7\u00e3o ><40>\n'.encode("latin-1")
    )
    top = tmp_path / "weightedphraselist"
    top.write_text(
        f".Include<{lists}/weapons/weighted>\n"
        f".Include<{lists}/weapons/weighted_portuguese> #BETA#\n"
        f".Include<{lists}/weapons/weighted>\n"
        f".Include<{lists}/missing/weighted>\n"
    )
    phrases = {p.text: p for p in load_e2guardian_phrases(top)}
    assert set(phrases) == {"ak 47", "bomb building", "pipe, bomb", "ammo", "munição"}
    assert phrases["ak 47"].severity == 1
    assert phrases["ak 47"].terms == (Term("ak 47", True, True),)
    assert phrases["bomb building"].terms == (Term("bomb building", False, False),)
    assert phrases["bomb building"].severity == 3
    assert phrases["pipe, bomb"].severity == 4
    assert phrases["munição"].language == "pt"
    assert all(p.category == "weapons" for p in phrases.values())

    matcher = KeywordMatcher.compile(phrases.values())
    assert {m.phrase for m in matcher.find("a pipe and a bomb, ak47 or ak 47")} == {
        "pipe, bomb",
        "ak 47",
    }
    assert [m.phrase for m in matcher.find("abomb buildingx")] == ["bomb building"]


def test_e2guardian_weights_map_to_severities():
    assert [e2guardian_weight_to_severity(w) for w in (-30, 0, 5, 20, 49, 50, 99, 100, 170)] == [
        None,
        None,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert E2GUARDIAN_CATEGORIES["intolerance"] == "discrimination"


def test_installed_e2guardian_lists_import_and_compile():
    lists = Path("/etc/e2guardian/lists/weightedphraselist")
    assert lists.exists(), "e2guardian is not installed: run scripts/ensure-test-deps (as root)"
    phrases = load_e2guardian_phrases(lists)
    assert len(phrases) > 1000
    assert {"pornography", "profanity"} <= {p.category for p in phrases}


def test_real_ldnoobw_lists_compile_with_every_language():
    phrases = load_ldnoobw(STARTER_LDNOOBW)  # a few real phrases of each language
    assert len({p.language for p in phrases}) >= 25
    matcher = KeywordMatcher.compile(phrases)
    assert matcher.find("a perfectly polite sentence about homework") == []


def test_compiled_database_is_cached_and_reused(tmp_path: Path):
    phrases = [Phrase("buy weed", "drugs", 3)]
    first = KeywordMatcher.compile(phrases, cache_dir=tmp_path)
    [cached] = list(tmp_path.glob("keywords-*.hsdb"))
    second = KeywordMatcher.compile(phrases, cache_dir=tmp_path)
    assert list(tmp_path.glob("keywords-*.hsdb")) == [cached]
    assert phrases_found(first, "where to buy weed") == phrases_found(second, "where to buy weed")


def test_one_matcher_serves_many_threads_with_the_same_results():
    from concurrent.futures import ThreadPoolExecutor

    matcher = KeywordMatcher.compile(
        [Phrase("buy weed", "drugs", 3), Phrase("kill myself", "suicide", 5)]
    )
    texts = [f"line {i}: where to buy weed, or k1ll mys3lf {i}" * 200 for i in range(40)]
    one_by_one = [matcher.find(text) for text in texts]
    assert all(len(found) == 400 for found in one_by_one)
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(matcher.find, texts)) == one_by_one


def test_a_phrase_broken_over_two_lines_of_one_text_is_found():
    matcher = KeywordMatcher.compile([Phrase("kill myself", "suicide", 5)])
    [match] = matcher.find("i want to kill\nmyself")
    assert (match.start, match.end, match.text) == (10, 21, "kill\nmyself")


def test_a_long_text_scanned_in_pieces_on_several_threads_gives_the_hits_of_one_scan():
    phrases = [
        Phrase("kill myself", "suicide", 5),
        Phrase("kys", "bullying", 4),
        Phrase("suicide", "suicide", 4),
        Phrase("bomb, instructions", "weapons", 4, terms=(Term("bomb"), Term("instructions"))),
    ]
    filler = b"ordinary words about the school trip and homework "
    plants = [b"kill myself", b"k1ll mys3lf", b"s.u.i.c.i.d.e", b"kiiiill myself", b"kys"]
    parts = []
    for index in range(400):
        # Long stretches without a phrase, then a phrase, sometimes across a line break.
        parts.append(filler * (97 + index % 13))
        parts.append(plants[index % len(plants)].replace(b" ", b"\n" if index % 3 else b" "))
        parts.append(b" ")
    parts.append(b"bomb at the very end, far from its instructions at the start")
    data = b"instructions " + b"".join(parts)
    assert len(data) > 2_000_000

    matcher = KeywordMatcher.compile(phrases)
    matcher.threads = 1
    one = matcher.find(data)
    for threads in (2, 3, 8):
        matcher.threads = threads
        assert matcher.find(data) == one
    assert len([m for m in one if m.phrase != "bomb, instructions"]) == 400
    assert any(m.phrase == "bomb, instructions" for m in one)


def test_phrases_in_text_beyond_ascii_are_found_and_ascii_text_is_not_scanned_for_them():
    matcher = KeywordMatcher.compile(
        [Phrase("gros mot", "profanity", 2, "fr"), Phrase("сука", "profanity", 2, "ru")]
    )
    assert phrases_found(matcher, "un gros mot ici") == ["gros mot"]
    assert phrases_found(matcher, "ты СУКА!") == ["сука"]
    assert phrases_found(matcher, "cyka written in latin letters") == []


def test_keyword_threads_setting_must_be_a_number(monkeypatch):
    from warden.engine.keywords import default_threads

    monkeypatch.setenv("WARDEN_KEYWORD_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("WARDEN_KEYWORD_THREADS", "many")
    with pytest.raises(ValueError, match="WARDEN_KEYWORD_THREADS must be a whole number"):
        default_threads()

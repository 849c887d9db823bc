"""Keyword matching throughput with 5,000+ phrases over realistic, mostly innocent text.

Phrases: every LDNOOBW language (shared data), Warden's starter library, and deterministic
variants of both ("how to get X", "buy X", ...) until there are at least 5,000.

Haystack (deterministic): a third each of ordinary URLs (real host names from UT1's lists,
paths and query strings made of English words), search-engine URLs with two to five word
queries, and chat-like lines cut from the English licence texts Debian ships in
/usr/share/common-licenses. A few of the generated lines carry library phrases, plainly or
obfuscated, so the match path is exercised, but matches stay rare, as in real traffic.

Each figure is the median of ``--repeat`` runs, as megabytes of haystack per wall second
and per CPU second of this process. ``find()`` over large blocks is measured on one thread
(per core) and on every CPU (``KeywordMatcher.threads``, the default), the two taking turns
run by run so that both see the same machine.

Run: .venv/bin/python bench/keywords.py [--mb 64] [--repeat 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from warden.engine.datafiles import shared_data_dir
from warden.engine.keywords import (
    TRANSLATION,
    KeywordMatcher,
    Phrase,
    load_ldnoobw,
    load_starter_library,
    normalise_phrase,
)

VARIANT_PREFIXES = ("how to get", "buy", "where to find", "free", "watch", "videos of", "pics of")
VARIANT_SUFFIXES = ("near me", "online", "for sale", "tonight", "video", "uk")
FALLBACK_PROSE = (
    "the school trip leaves at nine so please bring a packed lunch and a coat in case it "
    "rains we will be back before the end of the day and pupils can be collected from the "
    "main gate homework for maths is on the portal and is due on friday"
)


def build_phrases(minimum: int) -> list[Phrase]:
    ldnoobw = shared_data_dir() / "keywords" / "ldnoobw"
    base: list[Phrase] = []
    if ldnoobw.is_dir():
        base.extend(load_ldnoobw(ldnoobw))
    starter, _ = load_starter_library()
    base.extend(starter)
    phrases = list(base)
    seen = {normalise_phrase(p.text) for p in phrases}
    english = [p for p in base if p.language == "en"]
    for affixes, prefix in ((VARIANT_PREFIXES, True), (VARIANT_SUFFIXES, False)):
        for affix in affixes:
            for phrase in english:
                if len(phrases) >= minimum:
                    return phrases
                text = f"{affix} {phrase.text}" if prefix else f"{phrase.text} {affix}"
                if normalise_phrase(text) not in seen:
                    seen.add(normalise_phrase(text))
                    phrases.append(Phrase(text, phrase.category, phrase.severity, "en"))
    return phrases


def load_hosts(limit: int, rng: random.Random) -> list[str]:
    ut1 = shared_data_dir() / "ut1"
    hosts: list[str] = []
    for category in ("shopping", "press", "games", "educational_games", "sports", "blog"):
        path = ut1 / category / "domains"
        if path.exists():
            lines = path.read_text(encoding="utf-8", errors="replace").split()
            hosts.extend(rng.sample(lines, min(len(lines), limit // 6)))
    return hosts or ["www.bbc.co.uk", "www.example.org", "cdn.jsdelivr.net", "news.sky.com"]


def load_prose() -> list[str]:
    text = ""
    licences = Path("/usr/share/common-licenses")
    if licences.is_dir():
        for path in sorted(licences.iterdir()):
            if path.is_file():
                text += path.read_text(encoding="utf-8", errors="replace") + "\n"
    if len(text) < 10_000:
        text = (FALLBACK_PROSE + ". ") * 50
    return [" ".join(s.split()) for s in re.split(r"(?<=[.!?;:])\s+", text) if len(s) > 20]


def build_haystack(size: int, phrases: list[Phrase], seed: int = 2024) -> list[bytes]:
    rng = random.Random(seed)
    hosts = load_hosts(60_000, rng)
    sentences = load_prose()
    words = sorted({w for s in sentences for w in re.findall(r"[a-z]{3,}", s.lower())})
    english = [p.text for p in phrases if p.language == "en"]
    lines: list[bytes] = []
    total = 0
    engines = (
        "https://www.google.co.uk/search?q={}&source=hp&ei=Xy1Ab3&oq={}",
        "https://www.bing.com/search?q={}&form=QBLH",
        "https://duckduckgo.com/?q={}&t=h_&ia=web",
        "https://www.youtube.com/results?search_query={}",
    )
    while total < size:
        kind = rng.random()
        if kind < 0.34:
            path = "/".join(rng.sample(words, rng.randint(1, 4)))
            query = f"id={rng.randint(1, 10**7)}&ref={rng.choice(words)}&v={rng.randint(1, 99)}"
            line = f"https://{rng.choice(hosts)}/{path}?{query}"
        elif kind < 0.67:
            terms = rng.sample(words, rng.randint(2, 5))
            if rng.random() < 0.002:
                terms.append(rng.choice(english))
            query = "+".join(t.replace(" ", "+") for t in terms)
            line = rng.choice(engines).format(query, query[:10])
        else:
            line = rng.choice(sentences)
            if rng.random() < 0.5:
                line = line.lower()
            if rng.random() < 0.002:
                line += " " + obfuscate(rng.choice(english), rng)
        data = line.encode("utf-8") + b"\n"
        lines.append(data)
        total += len(data)
    return lines


def obfuscate(text: str, rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        return text.translate(str.maketrans("aeiost", "4310$7"))
    if choice == 1:
        return ".".join(text.replace(" ", ""))
    return re.sub(r"([aeiou])", lambda m: m.group(1) * 4, text, count=1)


GOAL_MB_S = 300


def measure(
    label: str, size: int, repeat: int, run: Callable[[], object], figures: dict[str, object]
) -> None:
    """Run ``repeat`` times; print and keep the median throughput by wall and CPU time."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    report(label, size, walls, cpus, figures)


def report(
    label: str, size: int, walls: list[float], cpus: list[float], figures: dict[str, object]
) -> None:
    """Print and keep the median throughput of the runs by wall and CPU time."""
    wall_mb = size / statistics.median(walls) / 1e6
    cpu_mb = size / statistics.median(cpus) / 1e6
    figures[label] = {"wall_mb_s": round(wall_mb), "cpu_mb_s": round(cpu_mb)}
    print(
        f"{label:<40} {cpu_mb:6.0f} MB/s per CPU second  {wall_mb:6.0f} MB/s wall  "
        f"(best wall {size / min(walls) / 1e6:.0f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=64, help="haystack size in MB (default 64)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--phrases", type=int, default=5_000, help="minimum phrase count")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, hyperscan {version('hyperscan')}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    phrases = build_phrases(args.phrases)
    started = time.perf_counter()
    matcher = KeywordMatcher.compile(phrases)
    compile_seconds = time.perf_counter() - started
    languages = len({p.language for p in phrases})
    print(f"phrases: {len(phrases)} in {languages} languages, compiled in {compile_seconds:.1f} s")

    lines = build_haystack(args.mb * 1_000_000, phrases)
    haystack = b"".join(lines)
    bounds = [0]
    for line in lines:
        bounds.append(bounds[-1] + len(line))
    size = len(haystack)
    print(f"haystack: {size / 1e6:.1f} MB, {len(lines):,} lines (URLs, searches, chat)", flush=True)

    figures: dict[str, object] = {"phrases": len(phrases), "haystack_bytes": size}
    blocks = [haystack[i : i + 4_000_000] for i in range(0, size, 4_000_000)]
    measure(
        "translate only, 4 MB blocks",
        size,
        args.repeat,
        lambda: all(block.translate(TRANSLATION) for block in blocks),
        figures,
    )
    threads = matcher.threads
    timings: dict[int, tuple[list[float], list[float]]] = {1: ([], []), threads: ([], [])}
    for _ in range(args.repeat):
        for count, (walls, cpus) in timings.items():
            matcher.threads = count
            cpu, wall = time.process_time(), time.perf_counter()
            for block in blocks:
                matcher.find(block)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    matcher.threads = threads
    for count, (walls, cpus) in timings.items():
        label = f"find() over 4 MB blocks, {count} thread{'s' if count > 1 else ''}"
        report(label, size, walls, cpus, figures)
    one_core = size / statistics.median(timings[1][1]) / 1e6
    headline = size / statistics.median(timings[threads][0]) / 1e6
    measure(
        "find_in_records() (per-line results)",
        size,
        args.repeat,
        lambda: matcher.find_in_records(haystack, bounds),
        figures,
    )
    found = matcher.find_in_records(haystack, bounds)
    print(f"matches: {len(found):,} in {len({r for r, _ in found}):,} of {len(lines):,} lines")

    sample = [line.decode("utf-8") for line in lines[:200_000]]
    cpu, wall = time.process_time(), time.perf_counter()
    for text in sample:
        matcher.find(text)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    chars = sum(map(len, sample))
    figures["find() one short text at a time"] = {
        "texts_per_cpu_s": round(len(sample) / cpu),
        "cpu_mb_s": round(chars / cpu / 1e6),
        "wall_mb_s": round(chars / wall / 1e6),
    }
    print(
        f"find() one short text at a time: {len(sample) / cpu:,.0f} texts per CPU second "
        f"({chars / cpu / 1e6:.0f} MB/s per CPU second, {chars / wall / 1e6:.0f} MB/s wall)"
    )
    print(
        f"find() over blocks / goal of {GOAL_MB_S} MB/s: {headline / GOAL_MB_S:.2f}x "
        f"(wall, {threads} threads on {os.cpu_count()} CPUs); "
        f"one core: {one_core / GOAL_MB_S:.2f}x (per CPU second, one thread)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()

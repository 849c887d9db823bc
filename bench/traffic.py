"""Deterministic, realistic Squid helper traffic for benchmarks.

Each line is what Squid sends a url_rewrite helper without concurrency (squidGuard's
format): ``URL client_ip/fqdn user method myip=... myport=...``.

The mix, per line:

* 62% popular sites a school reaches all day (search, Office 365, Google Workspace, the BBC,
  Wikipedia, CDNs, educational platforms), with paths, assets and query strings;
* 18% a long tail of other sites (generated ``word-word.co.uk`` style names, most seen once
  or twice, so caches cannot hide the cost of a lookup);
* 14% hosts drawn from the category lists (the domain itself, ``www.`` or another
  subdomain), so blocks are common enough to matter;
* 6% URLs drawn from the lists' URL entries, sometimes with more path appended, and
  near-misses (same host, other path).

About a fifth of requests are ``CONNECT host:443``. Clients come from the address ranges the
benchmark maps to groups (pupils 10.1.0.0/16, staff 10.2.0.0/16, guests elsewhere); three in
ten requests carry a signed-in user name from the pupil or staff user lists.

Run: .venv/bin/python bench/traffic.py --lines 1000000 --out /tmp/traffic.txt
     [--ut1 DIR --categories gambling,malware,...]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

POPULAR_HOSTS = (
    "www.google.com",
    "www.google.co.uk",
    "www.bing.com",
    "duckduckgo.com",
    "www.bbc.co.uk",
    "www.bbc.com",
    "news.bbc.co.uk",
    "feeds.bbci.co.uk",
    "en.wikipedia.org",
    "upload.wikimedia.org",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "www.office.com",
    "teams.microsoft.com",
    "graph.microsoft.com",
    "onedrive.live.com",
    "res.cdn.office.net",
    "docs.google.com",
    "drive.google.com",
    "classroom.google.com",
    "mail.google.com",
    "accounts.google.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "www.gstatic.com",
    "ssl.gstatic.com",
    "apis.google.com",
    "www.googleapis.com",
    "ajax.googleapis.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "unpkg.com",
    "www.gov.uk",
    "assets.publishing.service.gov.uk",
    "www.ofsted.gov.uk",
    "www.nationalarchives.gov.uk",
    "www.thenational.academy",
    "www.bbc.co.uk",
    "www.educationcity.com",
    "www.mathletics.com",
    "www.timestables.co.uk",
    "www.purplemash.com",
    "www.spellingshed.com",
    "www.seneca.io",
    "app.senecalearning.com",
    "quizlet.com",
    "www.kahoot.it",
    "kahoot.it",
    "www.scratch.mit.edu",
    "scratch.mit.edu",
    "code.org",
    "studio.code.org",
    "www.khanacademy.org",
    "www.duolingo.com",
    "www.britannica.com",
    "www.nationalgeographic.com",
    "www.sciencemuseum.org.uk",
    "www.nhm.ac.uk",
    "www.metoffice.gov.uk",
    "www.theguardian.com",
    "www.independent.co.uk",
    "www.apple.com",
    "swscan.apple.com",
    "update.microsoft.com",
    "download.windowsupdate.com",
    "ctldl.windowsupdate.com",
    "settings-win.data.microsoft.com",
    "www.msftconnecttest.com",
    "ocsp.digicert.com",
    "crl.microsoft.com",
    "ocsp.pki.goog",
    "clients2.google.com",
    "update.googleapis.com",
    "safebrowsing.googleapis.com",
    "www.adobe.com",
    "www.canva.com",
    "static.canva.com",
    "github.com",
    "raw.githubusercontent.com",
    "stackoverflow.com",
    "www.w3schools.com",
    "developer.mozilla.org",
    "www.python.org",
    "docs.python.org",
    "www.amazon.co.uk",
    "images-eu.ssl-images-amazon.com",
    "www.ebay.co.uk",
    "www.tesco.com",
    "www.nhs.uk",
    "www.royalmail.com",
    "www.parliament.uk",
    "www.legislation.gov.uk",
    "www.ncsc.gov.uk",
    "www.saferinternet.org.uk",
    "www.thinkuknow.co.uk",
    "www.childline.org.uk",
    "www.nspcc.org.uk",
    "www.ceop.police.uk",
    "www.bl.uk",
    "www.oxfordlearnersdictionaries.com",
    "dictionary.cambridge.org",
    "www.collinsdictionary.com",
    "translate.google.com",
    "maps.google.com",
    "www.google-analytics.com",
    "www.googletagmanager.com",
    "stats.g.doubleclick.net",
    "connect.facebook.net",
    "platform.twitter.com",
    "www.youtube.com",
    "i.ytimg.com",
    "yt3.ggpht.com",
    "www.tiktok.com",
    "www.instagram.com",
    "www.roblox.com",
    "www.minecraft.net",
)

WORDS = (
    "oak",
    "river",
    "school",
    "maths",
    "reading",
    "science",
    "history",
    "geography",
    "music",
    "art",
    "sport",
    "garden",
    "library",
    "news",
    "weather",
    "travel",
    "kitchen",
    "recipe",
    "charity",
    "museum",
    "council",
    "family",
    "health",
    "learning",
    "primary",
    "academy",
    "trust",
    "college",
    "club",
    "football",
    "cricket",
    "swim",
    "dance",
    "theatre",
    "photo",
    "design",
    "print",
    "coding",
    "robot",
    "space",
    "planet",
    "ocean",
    "forest",
    "animal",
    "farm",
    "village",
    "market",
    "shop",
    "local",
    "green",
    "blue",
    "red",
    "north",
    "south",
    "east",
    "west",
    "city",
    "town",
    "county",
    "borough",
    "parish",
    "church",
    "hall",
    "centre",
    "studio",
    "press",
    "media",
    "digital",
    "cloud",
    "data",
    "secure",
)

TLDS = (".co.uk", ".org.uk", ".com", ".org", ".net", ".uk", ".sch.uk", ".ac.uk", ".io")

PATH_SHAPES = (
    "/",
    "/index.html",
    "/news/{w}-{n}",
    "/wiki/{W}_{W}",
    "/static/js/{w}.min.js?v={n}",
    "/static/css/{w}.css",
    "/images/{w}{n}.jpg",
    "/search?q={w}+{w}",
    "/api/v1/{w}/{n}",
    "/{w}/{w}/{n}.html",
    "/favicon.ico",
    "/assets/{w}-{h}.png",
    "/watch?v={h}",
    "/{w}?page={n}&sort=asc",
    "/login?next=%2F{w}%2F{n}",
)

GROUP_NETWORKS = {"pupils": "10.1", "staff": "10.2", "guests": "10.9"}
PUPIL_USERS = tuple(f"pupil{n:04d}" for n in range(600))
STAFF_USERS = tuple(f"staff{n:03d}" for n in range(80))


def _fill(rng: random.Random, shape: str) -> str:
    out = []
    i = 0
    while i < len(shape):
        if shape[i] == "{" and shape[i + 2] == "}":
            kind = shape[i + 1]
            if kind == "w":
                out.append(rng.choice(WORDS))
            elif kind == "W":
                out.append(rng.choice(WORDS).title())
            elif kind == "n":
                out.append(str(rng.randrange(1, 99999)))
            else:
                out.append(f"{rng.getrandbits(40):010x}")
            i += 3
        else:
            out.append(shape[i])
            i += 1
    return "".join(out)


def _long_tail_host(rng: random.Random) -> str:
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}{rng.randrange(1, 400)}"
    prefix = rng.choice(("www.", "www.", "", "cdn.", "shop."))
    return prefix + name + rng.choice(TLDS)


def _listed_host(rng: random.Random, domain: str) -> str:
    roll = rng.random()
    if roll < 0.55:
        return domain
    if roll < 0.85:
        return "www." + domain
    return f"{rng.choice(('m', 'cdn', 'static', 'api', 'img'))}.{domain}"


def _client(rng: random.Random) -> tuple[str, str]:
    """(client address, user name or '-')."""
    roll = rng.random()
    group = "pupils" if roll < 0.65 else "staff" if roll < 0.85 else "guests"
    address = f"{GROUP_NETWORKS[group]}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"
    user = "-"
    if rng.random() < 0.3:
        pool = PUPIL_USERS if group == "pupils" or rng.random() < 0.1 else STAFF_USERS
        user = rng.choice(pool)
    return address, user


def generate(
    lines: int,
    listed_domains: Sequence[str],
    listed_urls: Sequence[str],
    *,
    seed: int = 20250106,
) -> Iterator[str]:
    """Yield ``lines`` helper input lines (without newline), the same ones for a seed."""
    rng = random.Random(seed)
    tail_pool = [_long_tail_host(rng) for _ in range(max(1000, lines // 8))]
    for _ in range(lines):
        roll = rng.random()
        path = _fill(rng, rng.choice(PATH_SHAPES))
        if roll < 0.62:
            host = rng.choice(POPULAR_HOSTS)
        elif roll < 0.80:
            host = rng.choice(tail_pool)
        elif roll < 0.94 and listed_domains:
            host = _listed_host(rng, rng.choice(listed_domains))
        elif listed_urls:
            entry = rng.choice(listed_urls)
            host, _, entry_path = entry.partition("/")
            if rng.random() < 0.5:
                path = "/" + entry_path + (_fill(rng, "{w}/{n}") if rng.random() < 0.5 else "")
            if rng.random() < 0.3:
                host = "www." + host
        else:
            host = rng.choice(POPULAR_HOSTS)
        address, user = _client(rng)
        if rng.random() < 0.2:
            yield f"{host}:443 {address}/- {user} CONNECT myip=10.0.0.254 myport=3128"
        else:
            scheme = "https" if rng.random() < 0.85 else "http"
            yield f"{scheme}://{host}{path} {address}/- {user} GET myip=10.0.0.254 myport=3128"


def read_list_entries(root: Path, categories: Sequence[str]) -> tuple[list[str], list[str]]:
    """Domains and URL entries of some squidGuard-format categories (sorted, deduplicated)."""
    domains: set[str] = set()
    urls: set[str] = set()
    for name in categories:
        for stem, target in (("domains", domains), ("urls", urls)):
            path = root / name / stem
            if path.is_file():
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    entry = line.strip()
                    if entry and not entry.startswith("#") and " " not in entry:
                        target.add(entry)
    return sorted(domains), sorted(urls)


def write_traffic(
    path: Path,
    lines: int,
    listed_domains: Sequence[str],
    listed_urls: Sequence[str],
    *,
    seed: int = 20250106,
    mix: Callable[..., Iterator[str]] = generate,
) -> None:
    """Write ``mix``'s lines (this module's :func:`generate` by default) to ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        batch: list[str] = []
        for line in mix(lines, listed_domains, listed_urls, seed=seed):
            batch.append(line)
            if len(batch) >= 10000:
                handle.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            handle.write("\n".join(batch) + "\n")


def main(
    argv: Sequence[str] | None = None,
    *,
    description: str = __doc__.splitlines()[0],
    categories: str = "gambling,malware,phishing,redirector,drogue,agressif,games,social_networks",
    mix: Callable[..., Iterator[str]] = generate,
) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from warden.engine.datafiles import shared_data_dir

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20250106)
    parser.add_argument("--ut1", type=Path, default=None, help="UT1 folder (shared data)")
    parser.add_argument("--categories", default=categories)
    args = parser.parse_args(argv)
    root = args.ut1 or shared_data_dir() / "ut1"
    domains, urls = read_list_entries(root, args.categories.split(","))
    started = time.perf_counter()
    write_traffic(args.out, args.lines, domains, urls, seed=args.seed, mix=mix)
    print(f"{args.lines} lines in {time.perf_counter() - started:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

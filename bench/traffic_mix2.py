"""A second Squid helper traffic mix: mostly popular allowed sites, raw lists.

``bench/traffic.py`` is the mix the helper was tuned on. This one is shaped differently, so
a speed figure measured on one cannot hide a cost the other pays:

* 85% popular sites nobody blocks (search, Office 365, Google Workspace, the BBC, CDNs,
  learning platforms, operating system updates), with paths, assets and query strings;
  any popular host the chosen lists happen to name is left out, so these lines pass;
* 15% listed sites, drawn from the raw (un-normalised) lists: a third of those from entries
  whose parent domain is listed too (the subdomain entries raw UT1 holds by the thousand),
  the rest from any domain entry, as listed, under ``www.`` or under another subdomain;
  one in ten of the listed lines is a URL entry instead, sometimes with more path.

About a quarter of requests are ``CONNECT host:443``. Two groups: pupils
(10.1.0.0/16, or a pupil user name) and staff (everyone else); two in ten requests carry a
user name.

Run: .venv/bin/python bench/traffic_mix2.py --lines 1000000 --out /tmp/traffic2.txt
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic
from traffic import POPULAR_HOSTS, PUPIL_USERS, STAFF_USERS, _fill

MIX2_CATEGORIES = (
    "malware",
    "phishing",
    "redirector",
    "gambling",
    "games",
    "shopping",
    "jobsearch",
    "cryptojacking",
    "dating",
    "vpn",
    "doh",
    "publicite",
    "audio-video",
    "social_networks",
)
MIX2_NETWORKS = {"pupils": "10.1", "staff": "10.2"}

# More popular hosts than bench/traffic.py's, weighted towards what a school's network
# spends its day on: identity, office suites, updates and CDNs.
EXTRA_POPULAR = (
    "login.live.com",
    "aadcdn.msftauth.net",
    "officeclient.microsoft.com",
    "nexus.officeapps.live.com",
    "substrate.office.com",
    "statics.teams.cdn.office.net",
    "edge.microsoft.com",
    "www.msn.com",
    "ntp.msn.com",
    "clientservices.googleapis.com",
    "content-autofill.googleapis.com",
    "lh3.googleusercontent.com",
    "play.google.com",
    "meet.google.com",
    "sites.google.com",
    "forms.gle",
    "www.bbc.co.uk",
    "static.files.bbci.co.uk",
    "ichef.bbci.co.uk",
    "www.wikipedia.org",
    "commons.wikimedia.org",
    "www.oaknationalacademy.com",
    "www.twinkl.co.uk",
    "www.sumdog.com",
    "www.ttrockstars.com",
    "play.ttrockstars.com",
    "www.doodlemaths.com",
    "www.readingeggs.co.uk",
    "app.educake.co.uk",
    "www.hegartymaths.com",
    "sparx-learning.com",
    "app.sparx-learning.com",
    "www.mymaths.co.uk",
    "www.bitesize.co.uk",
    "www.geogebra.org",
    "www.desmos.com",
    "www.typingclub.com",
    "padlet.com",
    "www.microsoft.com",
    "go.microsoft.com",
    "login.windows.net",
    "au.download.windowsupdate.com",
    "tlu.dl.delivery.mp.microsoft.com",
    "dns.msftncsi.com",
    "mesu.apple.com",
    "gsp-ssl.ls.apple.com",
    "icloud.com",
    "www.icloud.com",
    "ocsp.sectigo.com",
    "crl3.digicert.com",
    "r3.o.lencr.org",
    "cdn.cookielaw.org",
    "use.typekit.net",
    "maxcdn.bootstrapcdn.com",
    "code.jquery.com",
    "polyfill.io",
    "s3.amazonaws.com",
    "d1.awsstatic.com",
    "www.met.police.uk",
    "www.education.gov.uk",
    "www.gov.wales",
    "www.gov.scot",
)

PATHS = (
    "/",
    "/index.html",
    "/search?q={w}+{w}",
    "/{w}/{w}/{n}.html",
    "/static/js/{w}.min.js?v={n}",
    "/static/css/{w}.css",
    "/assets/{w}-{h}.png",
    "/images/{w}{n}.jpg",
    "/api/v2/{w}?id={n}",
    "/favicon.ico",
    "/en-gb/{w}/{w}",
    "/lesson/{w}-{n}",
    "/{w}?page={n}",
)


def allowed_popular_hosts(listed_domains: Sequence[str]) -> list[str]:
    """The popular hosts no listed domain covers (itself or a parent)."""
    listed = set(listed_domains)
    kept = []
    for host in dict.fromkeys(POPULAR_HOSTS + EXTRA_POPULAR):
        name = host
        covered = False
        while True:
            if name in listed or f"www.{name}" in listed:
                covered = True
                break
            if "." not in name:
                break
            name = name.split(".", 1)[1]
        if not covered:
            kept.append(host)
    return kept


def subdomain_entries(listed_domains: Sequence[str]) -> list[str]:
    """Entries whose parent domain is listed as well (raw lists are full of them)."""
    listed = set(listed_domains)
    found = []
    for name in listed_domains:
        parent = name
        while "." in parent:
            parent = parent.split(".", 1)[1]
            if parent in listed:
                found.append(name)
                break
    return found


def _listed_host(rng: random.Random, domain: str) -> str:
    roll = rng.random()
    if roll < 0.5:
        return domain
    if roll < 0.75:
        return "www." + domain
    return f"{rng.choice(('m', 'cdn', 'static', 'api', 'img', 'login', 'eu'))}.{domain}"


def _client(rng: random.Random) -> tuple[str, str]:
    """(client address, user name or '-'): seven in ten requests from pupils."""
    group = "pupils" if rng.random() < 0.7 else "staff"
    address = f"{MIX2_NETWORKS[group]}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"
    user = "-"
    if rng.random() < 0.2:
        user = rng.choice(PUPIL_USERS if group == "pupils" else STAFF_USERS)
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
    popular = allowed_popular_hosts(listed_domains)
    nested = subdomain_entries(listed_domains) or list(listed_domains)
    for _ in range(lines):
        roll = rng.random()
        path = _fill(rng, rng.choice(PATHS))
        if roll < 0.85 or not listed_domains:
            host = rng.choice(popular)
        elif roll < 0.985 or not listed_urls:
            pool = nested if rng.random() < 1 / 3 else listed_domains
            host = _listed_host(rng, rng.choice(pool))
        else:
            entry = rng.choice(listed_urls)
            host, _, entry_path = entry.partition("/")
            if rng.random() < 0.6:
                extra = "/" + _fill(rng, "{w}/{n}") if rng.random() < 0.5 else ""
                path = "/" + entry_path + extra
        address, user = _client(rng)
        if rng.random() < 0.25:
            yield f"{host}:443 {address}/- {user} CONNECT myip=10.0.0.254 myport=3128"
        else:
            scheme = "https" if rng.random() < 0.9 else "http"
            yield f"{scheme}://{host}{path} {address}/- {user} GET myip=10.0.0.254 myport=3128"


def main(argv: Sequence[str] | None = None) -> int:
    return traffic.main(
        argv,
        description=__doc__.splitlines()[0],
        categories=",".join(MIX2_CATEGORIES),
        mix=generate,
    )


if __name__ == "__main__":
    sys.exit(main())

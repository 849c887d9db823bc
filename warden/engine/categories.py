"""Warden's web-filtering categories and how other lists' category names map onto them.

Warden filters by its own category set so that a school's policy reads the same whichever
list a site came from. The set covers every category in the UK Safer Internet Centre's
"appropriate filtering" definitions (the ``uksic`` field names which one a category answers
to) plus the operational categories schools manage day to day (social networks, games,
webmail, streaming ...).

A category marked ``illegal`` can never be allowed for any group: the policy loader refuses a
snapshot that tries, and the decision engine blocks it even when an exception names the site.

List sources name their categories differently, so each source has a mapping here:

* :data:`UT1_CATEGORIES` - every folder of the UT1 blocklists (Université Toulouse Capitole),
  partly French: ``agressif`` is violence, ``drogue`` drugs, ``tricheur`` cheating,
  ``publicite`` advertising, ``sect`` cults, ``arjel`` the French gambling regulator's list.
  UT1 mirrors also publish aliases (:data:`UT1_ALIASES`), e.g. ``porn`` for ``adult``.
* :data:`HOSTS_CATEGORIES` - the names hosts-file projects give their lists.
* :data:`CATEGORY_ALIASES` - other slugs callers may use (e.g. the keyword library's
  ``grooming``), resolved by :func:`resolve_slug`.

UT1's allow-lists (``liste_blanche``, ``child``, ``liste_bu`` ...) map to allow-list style
categories (``education``, ``trusted``, ``child-friendly``) so a policy can build a walled
garden from them; they are never treated as something to block by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UKSIC(StrEnum):
    """The UK Safer Internet Centre's filtering categories (illegal and inappropriate)."""

    CHILD_SEXUAL_ABUSE = "child-sexual-abuse"
    TERRORIST_CONTENT = "terrorist-content"
    BULLYING = "bullying"
    CHILD_SEXUAL_EXPLOITATION = "child-sexual-exploitation"
    DISCRIMINATION = "discrimination"
    DRUGS = "drugs-substance-abuse"
    EXTREMISM = "extremism"
    GAMBLING = "gambling"
    MALWARE_HACKING = "malware-hacking"
    PORNOGRAPHY = "pornography"
    PIRACY = "piracy-copyright-theft"
    SELF_HARM = "self-harm"
    SUICIDE = "suicide"
    VIOLENCE = "violence"


@dataclass(frozen=True, slots=True)
class Category:
    """One Warden category.

    ``uksic`` is the UK SIC category this one answers to (None for operational categories);
    ``allow_list`` marks categories whose lists name sites to let through (education,
    trusted sites) rather than sites to stop.
    """

    slug: str
    label: str
    description: str
    illegal: bool = False
    uksic: UKSIC | None = None
    allow_list: bool = False


def _c(
    slug: str,
    label: str,
    description: str,
    *,
    illegal: bool = False,
    uksic: UKSIC | None = None,
    allow_list: bool = False,
) -> Category:
    return Category(slug, label, description, illegal, uksic, allow_list)


# Order matters: when a site is in several blocked categories, the decision names the first
# one in this tuple, so the most serious safeguarding categories come first.
CATEGORIES: tuple[Category, ...] = (
    # Illegal content (UK SIC): never allowed.
    _c(
        "child-sexual-abuse",
        "Child sexual abuse content",
        "Images and videos of child sexual abuse (the Internet Watch Foundation list).",
        illegal=True,
        uksic=UKSIC.CHILD_SEXUAL_ABUSE,
    ),
    _c(
        "terrorism",
        "Terrorist content",
        "Unlawful terrorist content (the police Counter-Terrorism Internet Referral Unit list).",
        illegal=True,
        uksic=UKSIC.TERRORIST_CONTENT,
    ),
    # Inappropriate content (UK SIC).
    _c(
        "child-sexual-exploitation",
        "Child sexual exploitation",
        "Content that encourages the sexual exploitation or grooming of children.",
        uksic=UKSIC.CHILD_SEXUAL_EXPLOITATION,
    ),
    _c(
        "suicide",
        "Suicide",
        "Content that promotes or gives instructions for suicide.",
        uksic=UKSIC.SUICIDE,
    ),
    _c(
        "self-harm",
        "Self-harm",
        "Content that promotes or displays deliberate self-harm, including eating disorders.",
        uksic=UKSIC.SELF_HARM,
    ),
    _c(
        "extremism",
        "Extremism",
        "Content that promotes terrorism, terrorist ideologies, violence or intolerance.",
        uksic=UKSIC.EXTREMISM,
    ),
    _c(
        "pornography",
        "Pornography",
        "Sexually explicit images, video or text.",
        uksic=UKSIC.PORNOGRAPHY,
    ),
    _c(
        "bullying",
        "Bullying",
        "Content that involves the repeated use of force, threat or coercion to abuse, "
        "intimidate or aggressively dominate others.",
        uksic=UKSIC.BULLYING,
    ),
    _c(
        "discrimination",
        "Discrimination",
        "Content that promotes unjust or prejudicial treatment of people on the grounds of "
        "protected characteristics in the Equality Act 2010.",
        uksic=UKSIC.DISCRIMINATION,
    ),
    _c(
        "violence",
        "Violence",
        "Content that promotes the wilful threat or use of physical force to cause harm, "
        "including gore.",
        uksic=UKSIC.VIOLENCE,
    ),
    _c(
        "weapons",
        "Weapons",
        "Weapons, and instructions for making bombs or other dangerous material.",
        uksic=UKSIC.VIOLENCE,
    ),
    _c(
        "drugs",
        "Drugs and substance abuse",
        "Content that displays or promotes the illegal use of drugs or substances.",
        uksic=UKSIC.DRUGS,
    ),
    _c(
        "gambling",
        "Gambling",
        "Online betting, casinos, lotteries and sites that promote them.",
        uksic=UKSIC.GAMBLING,
    ),
    _c(
        "malware",
        "Malware",
        "Sites that deliver malicious software, cryptojacking or stalkerware.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "phishing",
        "Phishing",
        "Sites that trick people into giving away passwords or payment details.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "hacking",
        "Hacking",
        "Hacking tools, tutorials and denial-of-service ('stresser') services.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "proxies",
        "Proxies and filter bypass",
        "Web proxies, anonymisers and redirectors used to get round the filter.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "vpn",
        "VPNs",
        "Virtual private network services, which tunnel traffic past the filter.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "doh",
        "DNS over HTTPS",
        "Public DNS-over-HTTPS resolvers, which bypass the school's DNS filtering.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "remote-access",
        "Remote access",
        "Remote desktop and remote control services.",
        uksic=UKSIC.MALWARE_HACKING,
    ),
    _c(
        "piracy",
        "Piracy and copyright theft",
        "Illegal copies of software, music, film and books (warez).",
        uksic=UKSIC.PIRACY,
    ),
    # Operational categories schools manage.
    _c("adult", "Adult", "Erotic or adult-themed material short of pornography, lingerie."),
    _c("dating", "Dating", "Dating and matchmaking services."),
    _c("cults", "Cults", "Sects and cults."),
    _c("cheating", "Cheating", "Sites that help pupils cheat in homework or exams."),
    _c("social-networks", "Social networks", "Social networking sites and apps."),
    _c("chat", "Chat", "Chat rooms and instant messaging."),
    _c("forums", "Forums", "Discussion forums and message boards."),
    _c("webmail", "Webmail", "Web-based e-mail services."),
    _c("games", "Games", "Online games and gaming sites."),
    _c("streaming", "Streaming media", "Audio and video streaming sites, internet radio."),
    _c("file-sharing", "File sharing", "File hosting, sharing and peer-to-peer services."),
    _c("downloads", "Software downloads", "Sites offering software to download."),
    _c("shopping", "Shopping", "Online shops and auctions."),
    _c("advertising", "Advertising", "Advertising networks, trackers and marketing pop-ups."),
    _c("finance", "Finance", "Banks, financial information and trading."),
    _c("cryptocurrency", "Cryptocurrency", "Cryptocurrency exchanges, wallets and mining."),
    _c("ai-tools", "AI tools", "Generative artificial intelligence services."),
    _c("blogs", "Blogs", "Blogs and blogging platforms."),
    _c("news", "News", "Newspapers and news sites."),
    _c("celebrity", "Celebrity", "Celebrity gossip and entertainment magazines."),
    _c("manga", "Manga and cartoons", "Manga, anime and cartoon sites."),
    _c("sport", "Sport", "Sport news and clubs."),
    _c("job-search", "Job search", "Job boards and recruitment."),
    _c("astrology", "Astrology", "Astrology and fortune telling."),
    _c("religion", "Religion", "Religious organisations."),
    _c("misinformation", "Misinformation", "Sites known to publish fake news."),
    _c("url-shorteners", "URL shorteners", "Link shorteners, which hide where a link leads."),
    _c("dynamic-dns", "Dynamic DNS", "Dynamic DNS services, often used to host malware."),
    _c("web-hosting", "Web hosting", "Free web hosting, where anyone can publish a site."),
    _c("mobile-content", "Mobile content", "Ringtones, logos and mobile-phone add-ons."),
    _c("translation", "Translation", "Online translation services, sometimes used as proxies."),
    _c("parked-domains", "Parked domains", "Domains that changed owner or are parked for sale."),
    _c("sex-education", "Sex education", "Sex and relationships education."),
    _c("cooking", "Cooking", "Recipes and cooking."),
    _c("software-updates", "Software updates", "Operating system and antivirus updates."),
    _c("profanity", "Profanity", "Swearing and offensive language."),
    _c(
        "education",
        "Education",
        "Educational sites suitable for pupils (allow-list).",
        allow_list=True,
    ),
    _c(
        "child-friendly",
        "Child friendly",
        "Sites suitable for young children (allow-list).",
        allow_list=True,
    ),
    _c(
        "trusted",
        "Trusted sites",
        "Sites the school or list maintainer trusts (allow-list).",
        allow_list=True,
    ),
)

BY_SLUG: dict[str, Category] = {category.slug: category for category in CATEGORIES}
SLUGS: tuple[str, ...] = tuple(BY_SLUG)
ILLEGAL_SLUGS: frozenset[str] = frozenset(c.slug for c in CATEGORIES if c.illegal)

# Priority of a category when a site is in several: lower is more serious.
PRIORITY: dict[str, int] = {slug: rank for rank, slug in enumerate(SLUGS)}

# Other names callers use for Warden categories.
CATEGORY_ALIASES: dict[str, str] = {
    "csam": "child-sexual-abuse",
    "child-abuse": "child-sexual-abuse",
    "terrorist-content": "terrorism",
    "grooming": "child-sexual-exploitation",
    "cse": "child-sexual-exploitation",
    "porn": "pornography",
    "drug": "drugs",
    "substance-abuse": "drugs",
    "proxy": "proxies",
    "filter-bypass": "proxies",
    "anonymisers": "proxies",
    "warez": "piracy",
    "social": "social-networks",
    "social-media": "social-networks",
    "ads": "advertising",
    "sports": "sport",
    "music": "streaming",
    "nudity": "adult",
    "sects": "cults",
    "jobsearch": "job-search",
}

# Every folder of the UT1 blocklists. None would mean "ignore"; every folder has a home.
UT1_CATEGORIES: dict[str, str] = {
    "adult": "pornography",
    "agressif": "violence",
    "ai": "ai-tools",
    "arjel": "gambling",
    "associations_religieuses": "religion",
    "astrology": "astrology",
    "audio-video": "streaming",
    "bank": "finance",
    "bitcoin": "cryptocurrency",
    "blog": "blogs",
    "celebrity": "celebrity",
    "chat": "chat",
    "child": "child-friendly",
    "cleaning": "software-updates",
    "cooking": "cooking",
    "cryptojacking": "malware",
    "dangerous_material": "weapons",
    "dating": "dating",
    "ddos": "hacking",
    "dialer": "malware",
    "doh": "doh",
    "download": "downloads",
    "drogue": "drugs",
    "dynamic-dns": "dynamic-dns",
    "educational_games": "education",
    "examen_pix": "education",
    "exceptions_liste_bu": "education",
    "fakenews": "misinformation",
    "filehosting": "file-sharing",
    "financial": "finance",
    "forums": "forums",
    "gambling": "gambling",
    "games": "games",
    "hacking": "hacking",
    "jobsearch": "job-search",
    "lingerie": "adult",
    "liste_blanche": "trusted",
    "liste_bu": "education",
    "malware": "malware",
    "manga": "manga",
    "marketingware": "advertising",
    "mixed_adult": "adult",
    "mobile-phone": "mobile-content",
    "phishing": "phishing",
    "press": "news",
    "publicite": "advertising",
    "radio": "streaming",
    "reaffected": "parked-domains",
    "redirector": "proxies",
    "remote-control": "remote-access",
    "residential-proxies": "proxies",
    "sect": "cults",
    "sexual_education": "sex-education",
    "shopping": "shopping",
    "shortener": "url-shorteners",
    "social_networks": "social-networks",
    # UT1's "special" is a one-entry list kept for the maintainer's own use.
    "special": "trusted",
    "sports": "sport",
    "stalkerware": "malware",
    "translation": "translation",
    "tricheur": "cheating",
    "tricheur_pix": "cheating",
    "update": "software-updates",
    "vpn": "vpn",
    "warez": "piracy",
    "webhosting": "web-hosting",
    "webmail": "webmail",
    # Copies of redirector that some mirrors ship.
    "strict_redirector": "proxies",
    "strong_redirector": "proxies",
}

# Names UT1 mirrors publish as symbolic links to the real folders.
UT1_ALIASES: dict[str, str] = {
    "porn": "adult",
    "drugs": "drogue",
    "violence": "agressif",
    "proxy": "redirector",
    "ads": "publicite",
}

# Names of hosts-file lists (file names with any "-hosts"/".txt" suffix removed).
HOSTS_CATEGORIES: dict[str, str] = {
    "gambling": "gambling",
    "porn": "pornography",
    "pornography": "pornography",
    "adult": "pornography",
    "snuff": "violence",
    "gore": "violence",
    "social": "social-networks",
    "fakenews": "misinformation",
    "malware": "malware",
    "phishing": "phishing",
    "ads": "advertising",
    "adware": "advertising",
    "tracking": "advertising",
    "drugs": "drugs",
    "piracy": "piracy",
    "crypto": "cryptocurrency",
    "vpn": "vpn",
    "proxy": "proxies",
    "dating": "dating",
    "games": "games",
}


# --- the route a monitoring alert in each category proposes out of triage -------------------
#
# Keeping Children Safe in Education and the DfE filtering and monitoring standards: an alert
# about self-harm, suicide, abuse, grooming or exploitation, radicalisation or bullying of the
# pupil is a safeguarding concern for the DSL, not a breach of the acceptable-use policy. Every
# other category proposes the breach route (misuse, ICT Security Policy Appendix C). The DSL
# can always choose the other route.
ROUTE_WELFARE = "welfare"
ROUTE_BREACH = "breach"
ROUTES: tuple[str, ...] = (ROUTE_WELFARE, ROUTE_BREACH)

WELFARE_SLUGS: frozenset[str] = frozenset(
    {
        "child-sexual-abuse",
        "terrorism",
        "child-sexual-exploitation",
        "suicide",
        "self-harm",
        "extremism",
        "bullying",
    }
)
# Blocked pages in these categories show a child where to find help and never offer an
# unblock request: self-harm (with eating disorders), suicide, abuse and exploitation,
# radicalisation.
HELP_ON_BLOCK_SLUGS: frozenset[str] = WELFARE_SLUGS - {"bullying"}


def proposed_route(name: str) -> str:
    """``"welfare"`` or ``"breach"``: the route an alert in this category proposes.

    An unknown category proposes a breach, which the DSL reviews like any other.
    """
    try:
        slug = resolve_slug(name)
    except ValueError:
        return ROUTE_BREACH
    return ROUTE_WELFARE if slug in WELFARE_SLUGS else ROUTE_BREACH


def shows_help_on_block(name: str) -> bool:
    """Whether a blocked page in this category shows a child where to find help."""
    try:
        return resolve_slug(name) in HELP_ON_BLOCK_SLUGS
    except ValueError:
        return False


def resolve_slug(name: str) -> str:
    """The Warden slug for ``name`` (a slug or an alias); ValueError when unknown."""
    key = name.strip().lower()
    if key in BY_SLUG:
        return key
    if key in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[key]
    raise ValueError(f"unknown category {name!r}")


def get_category(slug: str) -> Category:
    """The category for a slug or alias; ValueError when unknown."""
    return BY_SLUG[resolve_slug(slug)]


def is_illegal(slug: str) -> bool:
    """Whether a category (slug or alias) may never be allowed."""
    return resolve_slug(slug) in ILLEGAL_SLUGS


def ut1_category(name: str) -> str | None:
    """The Warden slug for a UT1 folder name or alias; None when UT1 has no such list."""
    key = name.strip().lower()
    key = UT1_ALIASES.get(key, key)
    return UT1_CATEGORIES.get(key)


def hosts_category(name: str) -> str | None:
    """The Warden slug for a hosts-file list name such as ``gambling-hosts``."""
    key = name.strip().lower()
    for suffix in (".txt", ".hosts", "-hosts", "_hosts", ".list"):
        key = key.removesuffix(suffix)
    if key in HOSTS_CATEGORIES:
        return HOSTS_CATEGORIES[key]
    try:
        return resolve_slug(key)
    except ValueError:
        return None


def by_uksic() -> dict[UKSIC, tuple[str, ...]]:
    """Which Warden categories answer to each UK SIC category."""
    result: dict[UKSIC, list[str]] = {item: [] for item in UKSIC}
    for category in CATEGORIES:
        if category.uksic is not None:
            result[category.uksic].append(category.slug)
    return {key: tuple(value) for key, value in result.items()}

"""Warden's Squid helper against squidGuard 1.6 on the same lists, groups and traffic.

One invocation does everything:

1. installs Debian's ``squidguard`` if ``squidGuard`` is missing (``apt-get install``);
2. copies the chosen UT1 categories from the shared data into a work folder, normalised
   (see below), and builds both filters from that one copy: squidGuard's Berkeley DB files
   (``squidGuard -c CONF -C all``) and Warden's policy snapshot;
3. writes the same three groups into both: pupils (10.1.0.0/16 and the pupil user list),
   staff (10.2.0.0/16 and the staff user list) and guests (everyone else), each blocking a
   different set of categories;
4. generates the traffic (deterministic, 1,000,000 lines by default), in squidGuard's line
   format (no channel IDs, which squidGuard does not support);
5. runs each helper as a real child process, traffic file on stdin and answers on stdout,
   and measures wall time, start-up time (the same helper on empty input, best of five
   after a first run; Warden's with compiled bytecode, as installed) and peak RSS (the
   child's VmHWM from /proc, sampled every 20 ms while it runs);
6. compares the answers line by line (block or pass) and prints the mismatches.

Two mixes (``--mix``), so that a figure tuned on one cannot hide a cost the other pays:

* ``school`` (the default): ``bench/traffic.py``'s traffic, 25 UT1 categories, three
  groups, normalised lists (below);
* ``popular``: ``bench/traffic_mix2.py``'s traffic (85% popular allowed sites, 15% listed,
  many of those subdomain entries), 14 UT1 categories, two groups (pupils by network or
  user list, staff for everyone else), raw lists as UT1 publishes them.

Warden's snapshot is written as Warden publishes it: a header naming a separate compiled
lists file (``lists.wli``), which the helper maps rather than loads.

Normalising the list copy keeps the comparison about speed, not about squidGuard's
lookup quirks (documented in :mod:`warden.engine.lists`): entries already covered by a
parent entry of the same list are dropped (squidGuard only looks at the nearest key in its
B-tree, so ``example.com`` plus ``b.example.com`` hides ``www.example.com`` from it); URL
entries are percent-decoded, lose a leading ``www``/``web``/``ftp`` label and doubled
slashes (squidGuard does all that to requests but not to its list entries, so such entries
can never match). The meaning of the lists is unchanged. ``--raw-lists`` skips this step to
show what the quirks cost (the ``popular`` mix always does).

Run: .venv/bin/python bench/helper_vs_squidguard.py [--mix school|popular] [--lines 1000000]
     [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import traffic  # noqa: E402
import traffic_mix2  # noqa: E402
from traffic import PUPIL_USERS, STAFF_USERS, read_list_entries  # noqa: E402

from warden.engine.categories import ut1_category  # noqa: E402
from warden.engine.datafiles import shared_data_dir  # noqa: E402
from warden.engine.lists import ListBuilder  # noqa: E402
from warden.engine.snapshot import write_snapshot  # noqa: E402

UT1_CATEGORIES = (
    "gambling",
    "malware",
    "phishing",
    "redirector",
    "drogue",
    "agressif",
    "games",
    "social_networks",
    "adult",
    "mixed_adult",
    "dating",
    "warez",
    "hacking",
    "vpn",
    "doh",
    "tricheur",
    "sect",
    "dangerous_material",
    "cryptojacking",
    "chat",
    "webmail",
    "filehosting",
    "publicite",
    "shopping",
    "audio-video",
)

# Each group's blocked Warden categories; squidGuard blocks every UT1 folder mapping to one.
GROUP_BLOCKS: dict[str, tuple[str, ...]] = {
    "pupils": (
        "gambling",
        "malware",
        "phishing",
        "proxies",
        "drugs",
        "violence",
        "weapons",
        "games",
        "social-networks",
        "pornography",
        "adult",
        "dating",
        "piracy",
        "hacking",
        "vpn",
        "doh",
        "cheating",
        "cults",
        "chat",
    ),
    "staff": ("malware", "phishing", "pornography", "gambling", "piracy"),
    "guests": (
        "malware",
        "phishing",
        "pornography",
        "adult",
        "gambling",
        "proxies",
        "vpn",
        "doh",
        "drugs",
        "violence",
        "weapons",
        "piracy",
        "hacking",
        "dating",
    ),
}
BLOCK_PAGE = "http://block.warden.test/blocked"
# Start-up is the best of this many runs on empty input: on a shared machine, one run can
# wait for a core longer than it takes to start.
STARTUP_RUNS = 5


# The second mix: 14 categories, two groups, staff the default.
MIX2_GROUP_BLOCKS: dict[str, tuple[str, ...]] = {
    "pupils": (
        "malware",
        "phishing",
        "proxies",
        "gambling",
        "games",
        "dating",
        "vpn",
        "doh",
        "social-networks",
        "streaming",
        "shopping",
    ),
    "staff": ("malware", "phishing", "gambling", "proxies"),
}


@dataclass(frozen=True)
class Mix:
    """One benchmark setting: lists, groups (in both filters) and the traffic."""

    name: str
    categories: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    # (squidGuard source, "ip" or "userlist", group); the ip sources take the group's net.
    sources: tuple[tuple[str, str, str], ...]
    networks: dict[str, str]
    default_group: str
    write_traffic: Callable[..., None]
    raw_lists: bool


MIXES = {
    "school": Mix(
        name="school",
        categories=UT1_CATEGORIES,
        blocks=GROUP_BLOCKS,
        sources=(
            ("pupil_users", "userlist", "pupils"),
            ("staff_users", "userlist", "staff"),
            ("pupils", "ip", "pupils"),
            ("staff", "ip", "staff"),
        ),
        networks={g: traffic.GROUP_NETWORKS[g] for g in ("pupils", "staff")},
        default_group="guests",
        write_traffic=traffic.write_traffic,
        raw_lists=False,
    ),
    "popular": Mix(
        name="popular",
        categories=traffic_mix2.MIX2_CATEGORIES,
        blocks=MIX2_GROUP_BLOCKS,
        sources=(("pupil_users", "userlist", "pupils"), ("pupils", "ip", "pupils")),
        networks={"pupils": traffic_mix2.MIX2_NETWORKS["pupils"]},
        default_group="staff",
        write_traffic=functools.partial(traffic.write_traffic, mix=traffic_mix2.generate),
        raw_lists=True,
    ),
}
_COMMON_LABEL = re.compile(r"^(?:www|web|ftp)[0-9]*\.")


def say(message: str) -> None:
    print(message, flush=True)


# --- setup -----------------------------------------------------------------------------------


def ensure_squidguard() -> str:
    found = shutil.which("squidGuard")
    if found:
        return found
    say("squidGuard is not installed: running apt-get update && apt-get install -y squidguard")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # apt-get from PATH on purpose: that is how the Debian package is meant to be installed.
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    install = ["apt-get", "install", "-y", "-qq", "squidguard"]
    subprocess.run(install, check=True, env=env)  # noqa: S603
    found = shutil.which("squidGuard")
    if not found:
        raise SystemExit("apt-get installed squidguard but squidGuard is not on PATH")
    return found


def _reduce_domains(entries: Iterable[str]) -> tuple[list[str], int]:
    names = {e.strip().lower().rstrip(".") for e in entries}
    names.discard("")
    kept = []
    for name in names:
        parent = name
        covered = False
        while "." in parent:
            parent = parent.split(".", 1)[1]
            if parent in names:
                covered = True
                break
        if not covered:
            kept.append(name)
    kept.sort()
    return kept, len(names) - len(kept)


def _normalise_url_entry(entry: str) -> str | None:
    # Browsers never send the fragment, so an entry's "#..." can only stop it matching.
    text = unquote(entry.strip().partition("#")[0]).lower()
    # squidGuard decodes and simplifies requests ("./" segments, "%" escapes) but not its
    # entries, so entries still holding either can never match there.
    if not text or any(ch.isspace() for ch in text) or "%" in text or "./" in text:
        return None
    host, slash, path = text.partition("/")
    host = host.rpartition("@")[2].partition(":")[0]
    host = _COMMON_LABEL.sub("", host, count=1)
    path, mark, query = path.partition("?")
    path = path.lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{host}{slash}{path}{mark}{query}"


def _reduce_urls(entries: Iterable[str]) -> tuple[list[str], int]:
    raw = [e for e in entries if e.strip()]
    cleaned = sorted({n for n in (_normalise_url_entry(e) for e in raw) if n})
    kept: list[str] = []
    for entry in cleaned:
        # Sorted order puts a prefix right before the entries it covers.
        if kept and entry.startswith(kept[-1]):
            continue
        kept.append(entry)
    return kept, len(raw) - len(kept)


def prepare_lists(source: Path, target: Path, names: Iterable[str], *, raw: bool) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for name in names:
        folder = target / name
        folder.mkdir(parents=True, exist_ok=True)
        info: dict[str, int] = {}
        for stem in ("domains", "urls"):
            src = source / name / stem
            if not src.is_file():
                continue
            lines = src.read_text(encoding="utf-8", errors="replace").splitlines()
            entries = [line.strip() for line in lines if line.strip() and line[0] != "#"]
            if raw:
                kept, dropped = entries, 0
            elif stem == "domains":
                kept, dropped = _reduce_domains(entries)
            else:
                kept, dropped = _reduce_urls(entries)
            (folder / stem).write_text("\n".join(kept) + "\n", encoding="utf-8")
            info[stem] = len(kept)
            info[f"{stem}_dropped"] = dropped
        stats[name] = info
    return stats


def squidguard_config(work: Path, lists: Path, names: Sequence[str], mix: Mix) -> Path:
    users = lists / "users"
    users.mkdir(exist_ok=True)
    (users / "pupils").write_text("\n".join(PUPIL_USERS) + "\n")
    (users / "staff").write_text("\n".join(STAFF_USERS) + "\n")
    out = [f"dbhome {lists}", f"logdir {work / 'sglog'}", ""]
    for source, kind, group in mix.sources:
        value = users / group if kind == "userlist" else f"{mix.networks[group]}.0.0/16"
        out += [f"src {source} {{", f"    {kind} {value}", "}"]
    out.append("")
    dests: dict[str, str] = {}
    for name in names:
        lines = [f"dest {name.replace('-', '_')} {{"]
        if (lists / name / "domains").is_file():
            lines.append(f"    domainlist {name}/domains")
        if (lists / name / "urls").is_file():
            lines.append(f"    urllist {name}/urls")
        lines.append("}")
        out += lines
        dests[name] = name.replace("-", "_")
    out.append("")

    def passes(group: str) -> str:
        blocked = set(mix.blocks[group])
        denied = [f"!{dests[n]}" for n in names if ut1_category(n) in blocked]
        return " ".join([*denied, "all"])

    out.append("acl {")
    acl_sources = [(source, group) for source, _kind, group in mix.sources]
    for source, group in [*acl_sources, ("default", mix.default_group)]:
        out += [
            f"    {source} {{",
            f"        pass {passes(group)}",
            f"        redirect {BLOCK_PAGE}?url=%u&category=%t&group=%s",
            "    }",
        ]
    out.append("}")
    (work / "sglog").mkdir(exist_ok=True)
    conf = work / "squidGuard.conf"
    conf.write_text("\n".join(out) + "\n")
    return conf


def warden_snapshot(work: Path, lists: Path, names: Sequence[str], mix: Mix) -> Path:
    """The snapshot as Warden publishes it: a header naming a separate lists file."""
    builder = ListBuilder()
    builder.add_ut1(lists, list(names))
    index = builder.build()
    users = {
        name: group
        for _source, kind, group in mix.sources
        if kind == "userlist"
        for name in (PUPIL_USERS if group == "pupils" else STAFF_USERS)
    }
    header = {
        "timezone": "Europe/London",
        "block_page": BLOCK_PAGE,
        "default_group": mix.default_group,
        "groups": [
            {"slug": slug, "label": slug.title(), "block": list(blocked)}
            for slug, blocked in mix.blocks.items()
        ],
        "users": users,
        "networks": [
            {"cidr": f"{net}.0.0/16", "group": group} for group, net in mix.networks.items()
        ],
    }
    return write_snapshot(work / "policy.wps", header, index, lists_file=work / "lists.wli")


# --- running ---------------------------------------------------------------------------------


def _peak_rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_helper(
    command: list[str],
    stdin_path: Path,
    stdout_path: Path,
    *,
    watch: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds of one helper run over a file.

    The peak is the child's own VmHWM, read from /proc while it runs: wait4's ru_maxrss
    would also count the pages the child shared with this (large) process before exec.
    The CPU seconds (user and system, from wait4) say how much of the wall time was the
    helper's own work rather than waiting for a core on a busy machine.
    """
    peak = 0
    with open(stdin_path, "rb") as stdin, open(stdout_path, "wb") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
            command, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL, env=env
        )
        if watch:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                peak = max(peak, _peak_rss_kib(process.pid))
                time.sleep(0.02)
        else:
            _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} exited with {process.returncode}")
    return elapsed, peak, usage.ru_utime + usage.ru_stime


def is_block_squidguard(answer: str) -> bool:
    return answer.startswith("OK")


def is_block_warden(answer: str) -> bool:
    return answer.startswith("OK status=")


def compare(
    traffic: Path, sg_out: Path, warden_out: Path
) -> tuple[int, int, int, list[dict[str, str]], int, int, int]:
    mismatches = 0
    connect_whole_host = 0
    sg_blocks = warden_blocks = 0
    examples: list[dict[str, str]] = []
    sg_only = warden_only = 0
    with open(traffic) as t, open(sg_out) as s, open(warden_out) as w:
        for request, sg_answer, warden_answer in zip(t, s, w, strict=True):
            sg_block = is_block_squidguard(sg_answer)
            warden_block = is_block_warden(warden_answer)
            sg_blocks += sg_block
            warden_blocks += warden_block
            if sg_block != warden_block:
                mismatches += 1
                sg_only += sg_block
                warden_only += warden_block
                url = request.split(" ", 1)[0]
                if warden_block and "://" not in url:
                    # squidGuard never applies URL entries to CONNECT (its request has no
                    # path); Warden applies a whole-host entry ("host/") to it.
                    connect_whole_host += 1
                    continue
                if len(examples) < 10:
                    examples.append(
                        {
                            "request": request.strip(),
                            "squidguard": sg_answer.strip()[:160],
                            "warden": warden_answer.strip()[:160],
                        }
                    )
    return mismatches, sg_blocks, warden_blocks, examples, sg_only, warden_only, connect_whole_host


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the work files here")
    parser.add_argument("--ut1", type=Path, default=None, help="UT1 folder (shared data)")
    parser.add_argument("--mix", choices=sorted(MIXES), default="school", help="traffic mix")
    parser.add_argument("--raw-lists", action="store_true", help="do not normalise the lists")
    parser.add_argument("--seed", type=int, default=20250106)
    args = parser.parse_args(argv)

    squidguard = ensure_squidguard()
    version = (
        subprocess.run(  # noqa: S603 - the installed squidGuard binary
            [squidguard, "-v"], capture_output=True, text=True, check=False
        ).stderr.strip()
        or "squidGuard"
    )
    source = args.ut1 or shared_data_dir() / "ut1"
    if not source.is_dir():
        raise SystemExit(f"no UT1 lists at {source} (set WARDEN_SHARED_DATA)")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="warden-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lists = work / "lists"
    if lists.exists():
        shutil.rmtree(lists)
    mix = MIXES[args.mix]
    raw = args.raw_lists or mix.raw_lists
    names = [n for n in mix.categories if (source / n).is_dir()]
    say(f"work folder: {work}")
    say(f"{version}; Python {sys.version.split()[0]}")
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    list_stats = prepare_lists(source, lists, names, raw=raw)
    entries = sum(v.get("domains", 0) + v.get("urls", 0) for v in list_stats.values())
    dropped = sum(
        v.get("domains_dropped", 0) + v.get("urls_dropped", 0) for v in list_stats.values()
    )
    say(
        f"lists: {len(names)} UT1 categories, {entries:,} entries "
        f"({dropped:,} redundant or unmatchable entries normalised away) "
        f"in {time.perf_counter() - started:.1f}s"
    )

    conf = squidguard_config(work, lists, names, mix)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - the installed squidGuard binary
        [squidguard, "-c", str(conf), "-C", "all"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sg_build = time.perf_counter() - started
    say(f"squidGuard -C all: {sg_build:.1f}s")

    started = time.perf_counter()
    snapshot = warden_snapshot(work, lists, names, mix)
    warden_build = time.perf_counter() - started
    list_size = (work / "lists.wli").stat().st_size
    say(f"Warden snapshot: {warden_build:.1f}s, lists file {list_size / 1e6:.1f} MB")

    traffic_file = work / "traffic.txt"
    started = time.perf_counter()
    domains, urls = read_list_entries(lists, names)
    mix.write_traffic(traffic_file, args.lines, domains, urls, seed=args.seed)
    say(f"traffic: {args.lines:,} lines in {time.perf_counter() - started:.1f}s")

    empty = work / "empty.txt"
    empty.write_text("")
    commands = {
        "squidGuard": [squidguard, "-c", str(conf)],
        "Warden": [sys.executable, "-m", "warden.engine.helper", "--snapshot", str(snapshot)],
    }
    # An installed helper starts from compiled bytecode (pip compiles it at install); a
    # checkout run with PYTHONDONTWRITEBYTECODE would compile every module at every start.
    # The bytecode goes to the work folder, not the checkout, and a first run on empty input
    # writes it (for squidGuard, it warms the same caches).
    envs: dict[str, dict[str, str] | None] = {
        "squidGuard": None,
        "Warden": {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": str(work / "pycache"),
        },
    }
    results: dict[str, dict[str, Any]] = {}
    for name, command in commands.items():
        env = envs[name]
        run_helper(command, empty, work / f"{name}.empty.out", watch=False, env=env)
        starts = [
            run_helper(command, empty, work / f"{name}.empty.out", watch=False, env=env)
            for _ in range(STARTUP_RUNS)
        ]
        startup = min(start[0] for start in starts)
        startup_cpu = min(start[2] for start in starts)
        out = work / f"{name}.out"
        wall, rss, cpu = run_helper(command, traffic_file, out, env=env)
        answered = count_lines(out)
        if answered != args.lines:
            raise SystemExit(f"{name} answered {answered} of {args.lines} lines")
        results[name] = {
            "wall_s": round(wall, 3),
            "startup_s": round(startup, 3),
            "startup_cpu_s": round(startup_cpu, 3),
            "cpu_s": round(cpu, 3),
            "lines_per_s": round(args.lines / wall),
            "steady_lines_per_s": round(args.lines / max(wall - startup, 1e-9)),
            "peak_rss_mib": round(rss / 1024, 1),
        }
        say(f"{name}: {wall:.2f}s")

    mismatches, sg_blocks, warden_blocks, examples, sg_only, warden_only, connects = compare(
        traffic_file, work / "squidGuard.out", work / "Warden.out"
    )
    sg, wd = results["squidGuard"], results["Warden"]
    ratio_total = wd["lines_per_s"] / sg["lines_per_s"]
    ratio_steady = wd["steady_lines_per_s"] / sg["steady_lines_per_s"]
    results["squidGuard"]["blocked"] = sg_blocks
    results["Warden"]["blocked"] = warden_blocks

    rows = [
        ("lines", f"{args.lines:,}", f"{args.lines:,}"),
        ("blocked", f"{sg_blocks:,}", f"{warden_blocks:,}"),
        ("wall time (s)", f"{sg['wall_s']:.2f}", f"{wd['wall_s']:.2f}"),
        ("start-up (s)", f"{sg['startup_s']:.2f}", f"{wd['startup_s']:.2f}"),
        ("start-up CPU (s)", f"{sg['startup_cpu_s']:.2f}", f"{wd['startup_cpu_s']:.2f}"),
        ("CPU, whole run (s)", f"{sg['cpu_s']:.2f}", f"{wd['cpu_s']:.2f}"),
        ("decisions/s (wall)", f"{sg['lines_per_s']:,}", f"{wd['lines_per_s']:,}"),
        (
            "decisions/s (after start-up)",
            f"{sg['steady_lines_per_s']:,}",
            f"{wd['steady_lines_per_s']:,}",
        ),
        ("peak RSS (MiB)", f"{sg['peak_rss_mib']}", f"{wd['peak_rss_mib']}"),
    ]
    say("")
    say(f"{'':30} {'squidGuard':>14} {'Warden':>14}")
    for label, left, right in rows:
        say(f"{label:30} {left:>14} {right:>14}")
    say("")
    say(f"Warden / squidGuard: {ratio_total:.1f}x (wall), {ratio_steady:.1f}x (after start-up)")
    load_after = os.getloadavg()[0]
    say(f"load average (1 min) before and after the runs: {load_before:.1f}, {load_after:.1f}")
    say(
        f"decision mismatches (block vs pass): {mismatches:,} "
        f"(squidGuard-only blocks {sg_only:,}, Warden-only blocks {warden_only:,})"
    )
    say(
        f"  of which CONNECT to a host whose URL entry covers every path: {connects:,} "
        f"(squidGuard never applies URL entries to CONNECT; Warden does)"
    )
    say(f"  unexplained: {mismatches - connects:,}")
    for example in examples[:5]:
        say(f"  request:    {example['request']}")
        say(f"  squidGuard: {example['squidguard']}")
        say(f"  Warden:     {example['warden']}")

    report = {
        "lines": args.lines,
        "seed": args.seed,
        "ut1_categories": names,
        "mix": mix.name,
        "raw_lists": raw,
        "list_entries": entries,
        "list_entries_normalised_away": dropped,
        "squidguard_version": version,
        "python": sys.version.split()[0],
        "build_s": {"squidGuard": round(sg_build, 2), "Warden": round(warden_build, 2)},
        "results": results,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "ratio_wall": round(ratio_total, 2),
        "ratio_after_startup": round(ratio_steady, 2),
        "mismatches": mismatches,
        "squidguard_only_blocks": sg_only,
        "warden_only_blocks": warden_only,
        "mismatches_connect_whole_host_url_entry": connects,
        "mismatches_unexplained": mismatches - connects,
        "mismatch_examples": examples,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        say(f"results written to {args.json}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

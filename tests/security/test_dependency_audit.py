"""The dependency audit in `make test` (scripts/audit-deps, running pip-audit on the
virtualenv): a vulnerable package always fails it; a package it could not check fails it
outside CI and only warns in CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit-deps"


def _audit(*args: str, ci: bool, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, str(SCRIPT), "--python", sys.executable, *args],
        env={**inherited, **({"CI": "true"} if ci else {}), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _report(tmp_path: Path, dependencies: list[dict[str, object]]) -> str:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    return str(path)


@pytest.mark.parametrize("ci", [False, True])
def test_a_vulnerable_package_fails_even_in_ci(tmp_path, ci):
    report = _report(
        tmp_path,
        [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [
                    {
                        "id": "PYSEC-2025-1",
                        "fix_versions": ["5.2.1"],
                        "aliases": [],
                        "description": "",
                    }
                ],
            },
            {"name": "segno", "version": "1.6.6", "vulns": []},
        ],
    )
    result = _audit("--report", report, ci=ci, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "VULNERABLE: django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in result.stderr
    assert "raise their pins in pyproject.toml" in result.stderr


def test_packages_the_database_could_not_check_fail_outside_ci_only(tmp_path):
    report = _report(
        tmp_path,
        [
            {"name": "segno", "version": "1.6.6", "vulns": []},
            {
                "name": "asgiref",
                "skip_reason": "Dependency not found on PyPI and could not be "
                "audited: asgiref (3.13.0)",
            },
        ],
    )
    outside = _audit("--report", report, ci=False, tmp_path=tmp_path)
    assert outside.returncode == 1
    assert "1 of 2 package(s) could not be checked" in outside.stderr
    assert "no proof of safety" in outside.stderr
    in_ci = _audit("--report", report, ci=True, tmp_path=tmp_path)
    assert in_ci.returncode == 0
    assert "WARNING (CI): dependency audit incomplete" in in_ci.stdout


def test_a_clean_report_passes(tmp_path):
    report = _report(tmp_path, [{"name": "segno", "version": "1.6.6", "vulns": []}])
    result = _audit("--report", report, ci=False, tmp_path=tmp_path)
    assert result.returncode == 0
    assert "No known vulnerabilities in the 1 installed package(s)" in result.stdout


def test_an_unreachable_database_fails_outside_ci_and_warns_in_ci(tmp_path):
    # Every request goes to a proxy that is not there; a fresh cache holds no old answers.
    offline = {
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "PIP_CACHE_DIR": str(tmp_path / "cache"),
    }
    outside = _audit(ci=False, tmp_path=tmp_path, **offline)
    assert outside.returncode == 1, outside.stdout
    assert "No known vulnerabilities" not in outside.stdout + outside.stderr
    assert "The dependency audit could not run" in outside.stderr
    in_ci = _audit(ci=True, tmp_path=tmp_path, **offline)
    assert in_ci.returncode == 0, in_ci.stderr
    assert "WARNING (CI): dependency audit skipped" in in_ci.stderr


def test_make_test_runs_the_dependency_audit():
    plan = subprocess.run(
        ["make", "-n", "test"],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "scripts/audit-deps" in plan

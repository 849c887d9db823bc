"""Keyword libraries: the starter library, imports, exclusions and the compiled matcher."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.engine.datafiles import STARTER_LDNOOBW
from warden.monitoring import ingestion
from warden.monitoring.models import Keyword, KeywordSource, Violation
from warden.monitoring.services.monitoring import (
    exclusion_create,
    exclusion_remove,
    keyword_update,
    keywords_import,
    keywords_load_starter,
    logs_ingest,
)
from warden.monitoring.tests.monitoring_helpers import (
    START,
    pupil_with_account,
    squid_line,
    write_log,
)

LDNOOBW = STARTER_LDNOOBW  # a few real phrases of each language
E2GUARDIAN = Path("/etc/e2guardian/lists/phraselists")


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_the_starter_library_loads_once_per_school(school, other_school):
    first = keywords_load_starter(actor=None, school=school)
    assert first["keywords"] > 200 and first["keyword exclusions"] > 10
    again = keywords_load_starter(actor=None, school=school)
    assert again == {"keywords": 0, "keyword exclusions": 0}
    keywords_load_starter(actor=None, school=other_school)
    assert Keyword.objects.filter(school=other_school).count() == first["keywords"]
    assert Keyword.objects.filter(school=school, source=KeywordSource.STARTER, severity=5).exists()


def test_starter_command_loads_every_school(school, other_school):
    out = io.StringIO()
    call_command("keywords", "starter", "--all", stdout=out)
    assert f"{school.slug}: " in out.getvalue() and f"{other_school.slug}: " in out.getvalue()
    assert Keyword.objects.filter(school=other_school).exists()


def test_an_exclusion_suppresses_a_match_and_is_audited(school, dsl, tmp_path):
    pupil_with_account(school, "pupil.one")
    keywords_load_starter(actor=None, school=school)
    exclusion = exclusion_create(
        actor=dsl,
        school=school,
        text="how to cut myself a fringe",
        reason="Hairdressing searches in the art department",
    )
    entry = AuditEntry.objects.get(action="keyword_exclusion.created", object_id=str(exclusion.pk))
    assert entry.actor == dsl
    assert entry.changes["reason"] == [None, "Hairdressing searches in the art department"]
    log = write_log(
        tmp_path / "a.log",
        [
            squid_line(
                START,
                "10.0.0.5",
                "https://www.google.com/search?q=how+to+cut+myself+a+fringe",
                "pupil.one",
            )
        ],
    )
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)])
    assert not Violation.objects.filter(school=school).exists()

    exclusion_remove(actor=dsl, exclusion=exclusion)
    removed = AuditEntry.objects.get(action="keyword_exclusion.removed")
    assert removed.changes["text"] == ["how to cut myself a fringe", None]
    log2 = write_log(
        tmp_path / "b.log",
        [
            squid_line(
                START,
                "10.0.0.5",
                "https://www.google.com/search?q=how+to+cut+myself+a+fringe+now",
                "pupil.one",
            )
        ],
    )
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log2)])
    assert Violation.objects.filter(school=school, phrase="how to cut myself").exists()


def test_an_exclusion_needs_a_reason(school, dsl):
    with pytest.raises(ServiceError) as caught:
        exclusion_create(actor=dsl, school=school, text="suicide squad", reason=" ")
    assert "reason" in caught.value.field_errors


def test_the_matcher_follows_the_library_and_is_cached(school, dsl):
    keywords_load_starter(actor=None, school=school)
    first = ingestion.school_matcher(school)
    assert first is ingestion.school_matcher(school)
    assert first is not None and first.find("i want to die")
    keyword = Keyword.objects.get(school=school, normalised="i want to die")
    keyword_update(actor=dsl, keyword=keyword, active=False)
    second = ingestion.school_matcher(school)
    assert second is not first
    assert second is not None and not [
        m for m in second.find("i want to die") if m.phrase == "i want to die"
    ]
    assert list(ingestion.keyword_cache_dir().glob("keywords-*.hsdb"))


def test_ldnoobw_import_adds_each_language_once(school):
    report = keywords_import(actor=None, school=school, fmt="ldnoobw", path=LDNOOBW / "en")
    assert report.added == report.found > 0
    assert Keyword.objects.filter(school=school, language="en", category="profanity").exists()
    again = keywords_import(actor=None, school=school, fmt="ldnoobw", path=LDNOOBW / "en")
    assert (again.added, again.already) == (0, report.added)


def test_ldnoobw_folder_import_through_the_command(school):
    out = io.StringIO()
    call_command(
        "keywords",
        "import",
        "--school",
        school.slug,
        "--format",
        "ldnoobw",
        "--severity",
        "1",
        str(LDNOOBW),
        stdout=out,
    )
    languages = set(Keyword.objects.filter(school=school).values_list("language", flat=True))
    assert {"en", "de", "fr"} <= languages
    assert set(Keyword.objects.filter(school=school).values_list("severity", flat=True)) == {1}
    assert "added" in out.getvalue()


def test_e2guardian_weighted_list_is_read_from_where_it_is_installed(school):
    report = keywords_import(
        actor=None, school=school, fmt="e2guardian", path=E2GUARDIAN / "drugadvocacy/weighted"
    )
    assert report.added > 5
    ganja = Keyword.objects.get(school=school, normalised="ganja")
    assert (ganja.category, ganja.severity, ganja.source) == ("drugs", 3, "e2guardian")


def test_e2guardian_category_and_severity_can_be_overridden(school):
    call_command(
        "keywords",
        "import",
        "--school",
        school.slug,
        "--format",
        "e2guardian",
        "--category",
        "weapons",
        "--severity",
        "4",
        str(E2GUARDIAN / "weapons/weighted"),
    )
    rows = set(Keyword.objects.filter(school=school).values_list("category", "severity"))
    assert rows == {("weapons", 4)}


def test_a_bad_warden_file_is_refused_with_its_line_number_and_imports_nothing(school, tmp_path):
    bad = tmp_path / "keywords.tsv"
    bad.write_text(
        "phrase\tcategory\tseverity\tlanguage\n"
        "how to run away from home\tself-harm\t4\ten\n"
        "a second phrase\tself-harm\t9\ten\n"
        "third one\tnot-a-category\t3\ten\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("keywords", "import", "--school", school.slug, "--format", "warden", str(bad))
    message = str(caught.value)
    assert "Nothing was imported" in message
    assert "keywords.tsv, line 3: severity must be 1 to 5" in message
    assert "line 4: “not-a-category” is not a Warden category" in message
    assert not Keyword.objects.filter(school=school).exists()


def test_a_bad_e2guardian_line_is_refused_unless_bad_lines_are_skipped(school, tmp_path):
    bad = tmp_path / "weighted"
    bad.write_text(
        '#listcategory: "Gambling"\n< online casino ><60>\n< poker chips ><50\n',
        encoding="latin-1",
    )
    with pytest.raises(ServiceError, match=r"weighted, line 3: not a phrase entry"):
        keywords_import(actor=None, school=school, fmt="e2guardian", path=bad)
    assert not Keyword.objects.filter(school=school).exists()
    report = keywords_import(
        actor=None, school=school, fmt="e2guardian", path=bad, skip_bad_lines=True
    )
    assert report.added == 1 and len(report.bad_lines) == 1
    assert Keyword.objects.get(school=school).category == "gambling"


def test_a_bad_ldnoobw_line_is_refused_with_its_line_number(school, tmp_path):
    bad = tmp_path / "en"
    bad.write_bytes(b"first phrase\nsecond\xff phrase\n")
    with pytest.raises(ServiceError, match="en, line 2: not UTF-8 text"):
        keywords_import(actor=None, school=school, fmt="ldnoobw", path=bad)
    assert not Keyword.objects.filter(school=school).exists()


def test_an_uploaded_e2guardian_list_may_not_include_server_files(school, tmp_path):
    upload = tmp_path / "weighted"
    upload.write_text(".Include</etc/passwd>\n< casino ><60>\n", encoding="utf-8")
    for skip in (False, True):
        with pytest.raises(ServiceError, match="cannot include other files"):
            keywords_import(
                actor=None,
                school=school,
                fmt="e2guardian",
                path=upload,
                allow_includes=False,
                skip_bad_lines=skip,
            )

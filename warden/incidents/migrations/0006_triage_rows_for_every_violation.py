"""Give every violation its triage row, and copy each violation's severity, category,
subject and time (with its deadline) onto the row, so the queue reads one indexed table.

Batches of violations by id, each in its own transaction, so a large school's history does
not hold one long lock, and a run stopped half way can simply be run again.
"""

from django.db import migrations, transaction

from warden.incidents.rules import triage_due_at

BATCH = 2000


def backfill(apps, schema_editor):
    School = apps.get_model("core", "School")
    Violation = apps.get_model("monitoring", "Violation")
    Triage = apps.get_model("incidents", "Triage")
    zones = dict(School.objects.values_list("pk", "timezone"))
    last = 0
    while True:
        with transaction.atomic():
            batch = list(
                Violation.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "school_id", "severity", "category", "person_id", "created_at")[
                    :BATCH
                ]
            )
            if not batch:
                return
            Triage.objects.bulk_create(
                [
                    Triage(
                        school_id=school_id,
                        violation_id=pk,
                        severity=severity,
                        category=category,
                        person_id=person_id,
                        found_at=found_at,
                        due_at=triage_due_at(found_at, zones[school_id]),
                    )
                    for pk, school_id, severity, category, person_id, found_at in batch
                ],
                update_conflicts=True,
                unique_fields=["violation"],
                update_fields=["severity", "category", "person", "found_at", "due_at"],
            )
        last = batch[-1][0]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("incidents", "0005_triage_copies_of_the_violation"),
        ("monitoring", "0005_listimport"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

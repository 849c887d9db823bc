"""One signature per person, version and renewal period (AUP-03).

Existing signatures get the renewal period they were made in; a repeat of one already
counted in the same period keeps an empty period, so the history stays whole and the new
constraints hold. Device loan agreements are signed with every loan and keep none.
"""

import calendar
import datetime as dt
import zoneinfo

from django.db import migrations, models

NO_RENEWAL_PERIOD = dt.date(2000, 1, 1)


def _period(settings, tz: zoneinfo.ZoneInfo, at: dt.datetime) -> dt.date:
    if settings is not None and not settings.renewal_enabled:
        return NO_RENEWAL_PERIOD
    month = settings.renewal_month if settings is not None else 9
    day = settings.renewal_day if settings is not None else 1
    local = at.astimezone(tz)

    def on(year: int) -> dt.date:
        return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))

    boundary = on(local.year)
    return boundary if boundary <= local.date() else on(local.year - 1)


def fill_periods(apps, schema_editor):
    Signature = apps.get_model("agreements", "Signature")
    AgreementSettings = apps.get_model("agreements", "AgreementSettings")
    School = apps.get_model("core", "School")
    zones = {s.pk: zoneinfo.ZoneInfo(s.timezone or "Europe/London") for s in School.objects.all()}
    settings = {s.school_id: s for s in AgreementSettings.objects.all()}
    seen: set[tuple[int, int, int | None, dt.date]] = set()
    loans = Signature.objects.filter(agreement__audience="device_loan")
    for sig in Signature.objects.exclude(pk__in=loans).order_by("signed_at", "pk").iterator():
        period = _period(settings.get(sig.school_id), zones[sig.school_id], sig.signed_at)
        key = (sig.person_id, sig.version_id, sig.counter_signs_id, period)
        if key in seen:
            continue  # a repeat: left without a period
        seen.add(key)
        Signature.objects.filter(pk=sig.pk).update(renewal_period=period)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="renewal_period",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(fill_periods, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="signature",
            constraint=models.UniqueConstraint(
                condition=models.Q(("counter_signs__isnull", True)),
                fields=("person", "version", "renewal_period"),
                name="agreements_one_signature_per_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="signature",
            constraint=models.UniqueConstraint(
                condition=models.Q(("counter_signs__isnull", False)),
                fields=("person", "counter_signs", "renewal_period"),
                name="agreements_one_countersignature",
            ),
        ),
    ]

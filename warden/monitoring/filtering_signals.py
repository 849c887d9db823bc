"""Republish a school's filtering snapshot when its people or directory accounts change.

Who is in which filter group comes from the people register (type, year group) and from
active accounts on directory systems, which other areas change. Each change schedules a
publication after its transaction commits; many changes in one transaction publish once.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from warden.accounts.models import Account
from warden.core.models import School
from warden.core.signals import school_registered
from warden.people.models import Person


@receiver([post_save, post_delete], sender=Person, dispatch_uid="filtering_person_changed")
@receiver([post_save, post_delete], sender=Account, dispatch_uid="filtering_account_changed")
def _membership_may_have_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from warden.monitoring.services.filtering_snapshot import schedule_publish

    if kwargs.get("raw"):
        return
    schedule_publish(instance.school_id, f"{sender._meta.verbose_name} changed", if_configured=True)


@receiver(school_registered, dispatch_uid="filtering_school_registered")
def _school_registered(sender: Any, school: School, **kwargs: Any) -> None:
    """A new school filters from its first minute: it gets the shipped filter groups, the
    starter lists, and the UT1 lists as a feed that the daily update replaces them with."""
    from warden.monitoring.services.list_feeds import list_feed_default_create
    from warden.monitoring.services.standard_groups import standard_groups_create
    from warden.monitoring.services.starter_lists import starter_lists_load

    standard_groups_create(school=school)
    starter_lists_load(school=school)
    list_feed_default_create(school=school)

"""Background filtering work: thin wrappers over the services for the worker."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.monitoring.models.filtering import ListFeed, ListImport
from warden.monitoring.services.filtering import assignments_lapse, list_import_run
from warden.monitoring.services.list_feeds import list_feed_update, list_feeds_update


@warden_task
def lapse_filter_assignments() -> int:
    """End assignments by name whose time is up and republish their schools."""
    return assignments_lapse()


@warden_task
def import_filter_list(*, list_import_id: int) -> str:
    """Run an import asked for on the lists page; its page shows the progress. Returns the
    import's state (done or failed, with the reason kept on the import)."""
    school_id = ListImport.objects.values_list("school_id", flat=True).get(pk=list_import_id)
    school = School.objects.select_related("trust").get(pk=school_id)
    with audit_acting_school(school):
        return str(list_import_run(list_import_id=list_import_id).state)


@warden_task
def update_filter_lists() -> str:
    """Download every list that updates itself and import the changed ones (daily)."""
    results = list_feeds_update()
    failed = [r.message for r in results if not r.ok]
    return f"{len(results) - len(failed)} lists checked, {len(failed)} failed"


@warden_task
def update_filter_list(*, feed_id: int) -> str:
    """The lists page's "update now" for one list."""
    feed = ListFeed.objects.select_related("school__trust", "source").get(pk=feed_id)
    return list_feed_update(feed=feed).message

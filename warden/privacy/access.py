"""May this user see or change this data-protection record? Views go through these only.

Breaches are confidential like incidents (policy duty "Information risk incidents logged
and handled at once"): the SIRO, the headteacher and the trust administrator
(``PrivacyPerm.BREACHES``). Anyone else gets 403; another school's record does not exist
for them (404), through ``core.access.object_for_user``.
"""

from __future__ import annotations

from warden.accounts.models import System
from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm, PrivacyPerm
from warden.equipment.models import Asset, AssetType
from warden.privacy.models import Breach, BreachAction, OffSitePermission, ProcessorRecord


def breach_for_user(user: AnyUser, pk: int) -> Breach:
    return object_for_user(
        Breach.objects.select_related(
            "school__trust", "opened_by", "loss_report__asset", "incident", "account__system"
        ),
        user,
        PrivacyPerm.BREACHES,
        pk=pk,
    )


def breach_action_for_user(user: AnyUser, pk: int) -> BreachAction:
    return object_for_user(
        BreachAction.objects.select_related("breach__school__trust", "school"),
        user,
        PrivacyPerm.BREACHES,
        pk=pk,
    )


def system_for_user(user: AnyUser, pk: int, *, perm: str = PrivacyPerm.PROCESSORS_VIEW) -> System:
    return object_for_user(System.objects.select_related("school__trust"), user, perm, pk=pk)


def processor_record_for_user(
    user: AnyUser, pk: int, *, perm: str = PrivacyPerm.PROCESSORS_VIEW
) -> ProcessorRecord:
    return object_for_user(
        ProcessorRecord.objects.select_related("school__trust", "system"), user, perm, pk=pk
    )


def media_for_user(user: AnyUser, pk: int, *, perm: str = Perm.EQUIPMENT_VIEW) -> Asset:
    return object_for_user(
        Asset.objects.select_related("school__trust"),
        user,
        perm,
        pk=pk,
        asset_type=AssetType.REMOVABLE_MEDIA,
    )


def off_site_for_user(
    user: AnyUser, pk: int, *, perm: str = PrivacyPerm.OFF_SITE_VIEW
) -> OffSitePermission:
    return object_for_user(
        OffSitePermission.objects.select_related("school__trust", "person", "media"),
        user,
        perm,
        pk=pk,
    )

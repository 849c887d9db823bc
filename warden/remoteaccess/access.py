"""May this user see or act on remote-access records? Views go through these only.

Remote-access logs say who connected to the school's network, when and from where. The
policy keeps logs "available only to authorised systems personnel" (policy duty "Logs only
for systems personnel", docs/policy-map.md), so they are for those who may ingest logs
(``Perm.LOGS_INGEST``: the ICT manager, and the headteacher and trust administrator who hold
every right). Technicians, teachers, the office and governors get 403; another school's
alert does not exist (404).
"""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.remoteaccess.models import RemoteAccessAlert

VIEW = Perm.LOGS_INGEST
# Changing when an alert is raised is a setting of the school.
CONFIGURE = Perm.SCHOOL_CONFIGURE


def alert_for_user(user: AnyUser, pk: int) -> RemoteAccessAlert:
    return object_for_user(
        RemoteAccessAlert.objects.select_related("school__trust", "person"), user, VIEW, pk=pk
    )

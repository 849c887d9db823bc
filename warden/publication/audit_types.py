"""Audit entries the publication area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm

_media = declarer(Perm.MEDIA_RECORD, refs={"pupil": "people.person"})
_manage = declarer(Perm.MEDIA_MANAGE, refs={"pupil": "people.person"})
_posts = declarer(Perm.POSTS_SUBMIT)

AUDIT_TYPES = [
    _manage("publication.settings_changed", "{actor} changed the image retention settings"),
    _manage("publication.team_changed", "{actor} changed who is on the social-media team"),
    _media("media_set.recorded", "{actor} recorded the media set {record}"),
    _media(
        "media_set.pupils_added",
        "{actor} added {added} pupils to {record}",
        ("added",),
        label="Pupils added to a media set",
    ),
    _manage(
        "media_set.removal_raised",
        "{record} listed for removal: {reason}",
        ("reason", "kind", "pupil"),
        label="Removal listed",
    ),
    _manage(
        "media_set.removal_done",
        "{actor} ticked off a removal: {reason}",
        ("reason", "kind", "pupil"),
        label="Removal ticked off",
    ),
    _manage("media_set.removed", "{actor} recorded {record} as removed"),
    _media(
        "recording.permitted",
        "{actor} permitted {record} until {valid_until}",
        ("staff", "device", "valid_from", "valid_until", "conditions"),
        label="Recording on a personal device permitted",
    ),
    _media("recording.ended", "{actor} ended {record}", ("ended_at",)),
    _posts("social_account.added", "{actor} added the social-media account {record}"),
    _posts("post.submitted", "{actor} submitted the post {record}"),
    _posts("post.approved", "{actor} approved the post {record}", ("state", "note")),
    _posts("post.refused", "{actor} refused the post {record}: {note}", ("state", "note")),
    _posts("post.published", "{actor} recorded the post {record} as published", ("state", "note")),
    _posts("post.withdrawn", "{actor} withdrew the post {record}: {note}", ("state", "note")),
]

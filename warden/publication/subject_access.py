"""Where images of a pupil are kept and where they were posted, for a subject access
bundle: the media sets and the posts the pupil is recorded in."""

from __future__ import annotations

from warden.people.models import Person
from warden.publication.models import MediaSet, Post
from warden.records.bundle import SubjectSection


def media_sets(person: Person) -> SubjectSection:
    found = MediaSet.objects.filter(pupils=person).select_related("purpose").order_by("taken_on")
    rows = [[s.title, s.location, s.purpose.name, s.taken_on, s.removed_at] for s in found]
    return SubjectSection(
        key="media_sets",
        title="Images and video recorded",
        columns=["Set", "Where it is stored", "Used for", "Taken on", "Removed on"],
        rows=rows,
        notes=[
            "Copies of the images themselves can be supplied from where each set is stored.",
        ],
        order=26,
    )


def posts(person: Person) -> SubjectSection:
    found = Post.objects.filter(pupils=person).select_related("account").order_by("submitted_at")
    rows = [[p.where, p.get_state_display(), p.submitted_at, p.text] for p in found]
    return SubjectSection(
        key="posts",
        title="Website and social-media posts showing the pupil",
        columns=["Where", "State", "Submitted", "Text"],
        rows=rows,
        order=27,
    )


SECTIONS = [media_sets, posts]

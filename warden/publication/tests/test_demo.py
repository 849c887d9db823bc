"""The demo shows each part: a set past retention and a withdrawal to remove, posts waiting."""

from __future__ import annotations

import pytest

from warden.cli import main as warden
from warden.publication.models import Post, RecordingPermission, Removal

pytestmark = pytest.mark.django_db


def test_the_demo_lists_a_set_past_retention_and_one_with_a_withdrawn_pupil(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    warden(["demo", "--schools", "1", "--pupils", "10"])
    kinds = set(Removal.objects.filter(done_at__isnull=True).values_list("kind", flat=True))
    assert kinds == {"retention", "withdrawal"}
    assert Post.objects.filter(state="submitted").count() == 2
    assert RecordingPermission.objects.count() == 2
    warden(["demo", "--schools", "1", "--pupils", "10"])  # a second run adds nothing
    assert Post.objects.count() == 2

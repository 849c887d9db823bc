"""Posts: the consent check and the full-name check, through the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from warden.publication.models import Post, PostState, SocialAccount
from warden.testing.clients import signed_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _submit(client, pupils, text="Year 5 at the science fair!", channel="website", **extra):
    return client.post(
        reverse("publication:post_create"),
        {
            "channel": channel,
            "text": text,
            "pupils": [p.pk for p in pupils],
            "images": [SimpleUploadedFile("fair.png", PNG, content_type="image/png")],
            **extra,
        },
        follow=True,
    )


def test_a_post_showing_a_pupil_without_consent_cannot_be_approved(
    school, teacher, ict_manager, pupil_with_consent, pupil_without_consent
):
    response = _submit(signed_in(teacher), [pupil_with_consent, pupil_without_consent])
    post = Post.objects.get()
    assert post.state == PostState.SUBMITTED
    assert "cannot be approved as it is" in response.content.decode()

    approver = signed_in(ict_manager)
    page = approver.get(reverse("publication:post_detail", kwargs={"post_pk": post.pk}))
    text = page.content.decode()
    assert "Consent check: not every pupil shown has consent" in text
    assert "Bram Stoker" in text

    response = approver.post(
        reverse("publication:post_decide", kwargs={"post_pk": post.pk}),
        {"decision": "approved"},
        follow=True,
    )
    assert "This post cannot go out" in response.content.decode()
    post.refresh_from_db()
    assert post.state == PostState.SUBMITTED


def test_a_post_with_a_shown_pupils_full_name_is_refused_saying_what_to_change(
    school, teacher, pupil_with_consent
):
    response = _submit(
        signed_in(teacher), [pupil_with_consent], text="Well done ada LOVELACE for winning!"
    )
    text = response.content.decode()
    assert "Take the full name out of the text (“Ada Lovelace”)" in text
    assert not Post.objects.exists()


def test_the_approver_approves_and_publishes_and_every_step_is_kept(
    school, teacher, ict_manager, pupil_with_consent
):
    _submit(signed_in(teacher), [pupil_with_consent], text="Ada's class at the fair")
    post = Post.objects.get()
    approver = signed_in(ict_manager)
    url = reverse("publication:post_decide", kwargs={"post_pk": post.pk})
    approver.post(url, {"decision": "approved"})
    approver.post(url, {"decision": "published"})
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    assert [d.state for d in post.decisions.all()] == ["submitted", "approved", "published"]
    image = post.images.get()
    served = approver.get(reverse("publication:post_image", kwargs={"image_pk": image.pk}))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_a_refusal_needs_a_reason_and_keeps_it(school, teacher, ict_manager, pupil_with_consent):
    _submit(signed_in(teacher), [pupil_with_consent])
    post = Post.objects.get()
    approver = signed_in(ict_manager)
    url = reverse("publication:post_decide", kwargs={"post_pk": post.pk})
    response = approver.post(url, {"decision": "refused"}, follow=True)
    assert "Say why" in response.content.decode()
    approver.post(url, {"decision": "refused", "note": "Blurry photo, choose another"})
    post.refresh_from_db()
    assert post.state == PostState.REFUSED
    assert [d.note for d in post.decisions.all()][-1] == "Blurry photo, choose another"


def test_a_teacher_cannot_approve_nor_read_anothers_post(
    school, teacher, office, pupil_with_consent
):
    _submit(signed_in(office), [pupil_with_consent])
    post = Post.objects.get()
    client = signed_in(teacher)
    url = reverse("publication:post_decide", kwargs={"post_pk": post.pk})
    assert client.post(url, {"decision": "approved"}).status_code == 403
    detail = reverse("publication:post_detail", kwargs={"post_pk": post.pk})
    assert client.get(detail).status_code == 403


def test_a_file_that_is_not_an_image_is_refused(school, teacher, pupil_with_consent):
    response = signed_in(teacher).post(
        reverse("publication:post_create"),
        {
            "channel": "website",
            "text": "Our class",
            "pupils": [pupil_with_consent.pk],
            "images": [SimpleUploadedFile("fair.png", b"%PDF-1.4 not a picture")],
        },
    )
    assert "is not a PNG or JPEG image" in response.content.decode()
    assert not Post.objects.exists()


def test_a_social_media_post_names_the_account(school, teacher, ict_manager, pupil_with_consent):
    signed_in(ict_manager).post(reverse("publication:account_list"), {"name": "Facebook page"})
    response = _submit(signed_in(teacher), [pupil_with_consent], channel="social")
    assert "Choose which social-media account" in response.content.decode()
    found = SocialAccount.objects.get()
    _submit(signed_in(teacher), [pupil_with_consent], channel="social", account=found.pk)
    assert Post.objects.get().account == found


def test_a_teacher_the_head_names_to_the_team_approves_posts(
    school, other_school_user, headteacher, teacher, office, pupil_with_consent
):
    _submit(signed_in(office), [pupil_with_consent])
    post = Post.objects.get()
    decide = reverse("publication:post_decide", kwargs={"post_pk": post.pk})
    settings_url = reverse("publication:settings")
    head = signed_in(headteacher)
    # Someone who does not work at the school cannot be named; nothing changes.
    refused = head.post(
        settings_url,
        {"social_media_team_form": "1", "social_media_team": [other_school_user.pk]},
    )
    assert "Select a valid choice" in refused.content.decode()
    assert signed_in(teacher).post(decide, {"decision": "approved"}).status_code == 403

    head.post(settings_url, {"social_media_team_form": "1", "social_media_team": [teacher.pk]})
    member = signed_in(teacher)
    queue = member.get(reverse("publication:post_list")).content.decode()
    assert "Year 5 at the science fair!" in queue
    member.post(decide, {"decision": "approved"})
    post.refresh_from_db()
    assert post.state == PostState.APPROVED
    assert post.decisions.filter(state=PostState.APPROVED, by=teacher).exists()

    # Taken off the team, they approve no more.
    head.post(settings_url, {"social_media_team_form": "1"})
    assert signed_in(teacher).post(decide, {"decision": "published"}).status_code == 403


def test_the_team_is_chosen_from_staff_who_do_not_approve_already(
    school, headteacher, ict_manager, teacher, governor
):
    page = signed_in(headteacher).get(reverse("publication:settings"))
    offered = set(page.context["team"].fields["social_media_team"].queryset)
    assert teacher in offered
    assert not offered & {headteacher, ict_manager, governor}

from django.urls import URLPattern, URLResolver, path

from warden.governance.views import comms, policies, reviews, training, training_links

app_name = "governance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("policies/", policies.policy_list, name="policy_list"),
    path("policies/new/", policies.policy_create, name="policy_create"),
    path("policies/<int:policy_pk>/", policies.policy_detail, name="policy_detail"),
    path("policies/<int:policy_pk>/edit/", policies.policy_edit, name="policy_edit"),
    path("policies/<int:policy_pk>/versions/new/", policies.version_create, name="version_create"),
    path("policies/<int:policy_pk>/bring-forward/", policies.trigger_create, name="trigger_create"),
    path(
        "policies/versions/<int:policy_version_pk>/", policies.version_detail, name="version_detail"
    ),
    path(
        "policies/versions/<int:policy_version_pk>/document/",
        policies.version_document,
        name="version_document",
    ),
    path("training/", training.matrix, name="training"),
    path("training/courses/", training.courses, name="courses"),
    path("training/record/", training.record, name="training_record"),
    path("training/import/", training.training_import, name="training_import"),
    path("training/links/", training_links.send_links, name="training_links"),
    path("training/confirm/<str:token>/", training_links.confirm, name="training_confirm"),
    path("filtering-review/", reviews.review_list, name="review_list"),
    path("filtering-review/start/", reviews.review_start, name="review_start"),
    path(
        "filtering-review/<int:filtering_review_pk>/", reviews.review_detail, name="review_detail"
    ),
    path(
        "filtering-review/<int:filtering_review_pk>/print/",
        reviews.review_print,
        name="review_print",
    ),
    path(
        "filtering-review/<int:filtering_review_pk>/save/", reviews.review_save, name="review_save"
    ),
    path(
        "filtering-review/<int:filtering_review_pk>/refresh/",
        reviews.review_refresh,
        name="review_refresh",
    ),
    path(
        "filtering-review/<int:filtering_review_pk>/actions/",
        reviews.review_action_add,
        name="review_action_add",
    ),
    path(
        "filtering-review/actions/<int:review_action_pk>/done/",
        reviews.review_action_done,
        name="review_action_done",
    ),
    path("communications/", comms.comms_matrix, name="comms_matrix"),
    path("communications/edit/", comms.comms_edit, name="comms_edit"),
]

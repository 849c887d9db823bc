"""Forms of the filtering pages: they parse and label; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from warden.engine.categories import CATEGORIES
from warden.monitoring.models.filtering import (
    DAY_CHOICES,
    CategoryAction,
    EntryAction,
    FilterGroup,
    ListFormat,
)
from warden.people.models import YEAR_GROUP_CHOICES, PersonType

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CATEGORY_CHOICES = [(c.slug, c.label) for c in CATEGORIES]
BLOCKABLE_CHOICES = [(c.slug, c.label) for c in CATEGORIES if not c.allow_list]
ALLOW_LIST_CHOICES = [(c.slug, c.label) for c in CATEGORIES if c.allow_list]
CATEGORY_WITH_BLANK = [("", "Choose a category"), *CATEGORY_CHOICES]


def in_hours(hours: int) -> dt.datetime:
    moment = timezone.localtime() + dt.timedelta(hours=hours)
    return moment.replace(second=0, microsecond=0)


class GroupForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="As staff say it, e.g. Key stage 2.")
    slug = forms.SlugField(
        max_length=40, help_text="Short name the proxy sees, e.g. ks2 (lower case, no spaces)."
    )
    description = forms.CharField(max_length=300, required=False)
    position = forms.IntegerField(
        min_value=0,
        max_value=1000,
        initial=100,
        help_text="Groups are tried in this order; a person goes to the first that matches.",
    )
    default_action = forms.ChoiceField(
        label="Sites in no listed category",
        choices=[("allow", "Allow"), ("block", "Block (walled garden)")],
    )
    safe_search = forms.BooleanField(
        label="Enforce safe search (Google, Bing, DuckDuckGo, YouTube)", required=False
    )
    person_types = forms.MultipleChoiceField(
        label="Who is in this group",
        choices=PersonType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for a group reached only by address range (guests).",
    )
    year_groups = forms.TypedMultipleChoiceField(
        label="Year groups (pupils)",
        choices=YEAR_GROUP_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Empty: every year.",
    )
    is_default = forms.BooleanField(
        label="Group for anyone not matched (unknown users and addresses)", required=False
    )
    reason = forms.CharField(
        label="Reason for the change (for the change log)", max_length=300, required=False
    )

    @staticmethod
    def initial_for(group: FilterGroup) -> dict[str, Any]:
        return {
            "name": group.name,
            "slug": group.slug,
            "description": group.description,
            "position": group.position,
            "default_action": group.default_action,
            "safe_search": group.safe_search,
            "person_types": group.person_types,
            "year_groups": group.year_groups,
            "is_default": group.is_default,
        }


class CategoryActionsForm(forms.Form):
    """One choice per category: the group default, allow, block or allow and report."""

    reason = forms.CharField(label="Reason for the change", max_length=300, required=False)

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in CATEGORIES:
            if category.illegal:
                continue  # always blocked: shown, not offered
            self.fields[f"cat_{category.slug}"] = forms.ChoiceField(
                label=category.label,
                choices=[("", "Group default"), *CategoryAction.choices],
                required=False,
                initial=current.get(category.slug, ""),
                help_text=category.description,
            )

    def actions(self) -> dict[str, str]:
        return {
            name.removeprefix("cat_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("cat_")
        }


class ScheduleForm(forms.Form):
    label = forms.CharField(max_length=120, required=False, help_text="e.g. Lunchtime games")
    days = forms.MultipleChoiceField(
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["mon", "tue", "wed", "thu", "fri"],
    )
    start = forms.TimeField(widget=TIME)
    end = forms.TimeField(widget=TIME, help_text="Before the start: the rule runs past midnight.")
    categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    action = forms.ChoiceField(choices=CategoryAction.choices)


class NetworkForm(forms.Form):
    cidr = forms.CharField(
        label="Address range", max_length=50, help_text="e.g. 10.20.0.0/16 or 10.20.5.0/24"
    )
    label = forms.CharField(max_length=120, required=False, help_text="e.g. Year 5 laptops")


class ListImportForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        help_text="A list imported again under the same name replaces the old one.",
    )
    format = forms.ChoiceField(choices=ListFormat.choices)
    path = forms.CharField(
        label="Folder on the server (UT1 / squidGuard)",
        max_length=500,
        required=False,
        help_text="e.g. /srv/lists/blacklists: the folder holding gambling/, adult/ ...",
    )
    file = forms.FileField(label="File (hosts file or plain domain list)", required=False)
    category = forms.ChoiceField(
        choices=[("", "From the file name (hosts files)"), *CATEGORY_CHOICES],
        required=False,
        help_text="Every site in a hosts file or plain list goes into this category.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("format") == ListFormat.UT1 and not data.get("path"):
            self.add_error("path", "Give the folder of the UT1 list on the server.")
        if data.get("format") in (ListFormat.HOSTS, ListFormat.DOMAINS) and not data.get("file"):
            self.add_error("file", "Choose the file to upload.")
        return data


class FeedForm(forms.Form):
    """A list Warden downloads by itself: its web address, never a folder on the server."""

    name = forms.CharField(
        max_length=120,
        help_text="As the lists page shows it, e.g. UT1 blacklists.",
        error_messages={"required": "Give the list a name, e.g. UT1 blacklists."},
    )
    url = forms.CharField(
        label="Address of the list",
        max_length=500,
        help_text="https://… (a UT1 or squidGuard tarball, a hosts file or a plain list).",
        error_messages={"required": "Give the web address the list is published at."},
    )
    format = forms.ChoiceField(
        label="Kind of list",
        choices=[
            (ListFormat.UT1, "UT1 / squidGuard tarball (.tar.gz)"),
            (ListFormat.HOSTS, ListFormat.HOSTS.label),
            (ListFormat.DOMAINS, ListFormat.DOMAINS.label),
        ],
    )
    checksum_url = forms.CharField(
        label="Address of its checksum file",
        max_length=500,
        required=False,
        help_text="The file the publisher puts beside the list, e.g. MD5SUM.LST or .sha256.",
    )
    expected_checksum = forms.CharField(
        label="Or the checksum itself",
        max_length=128,
        required=False,
        help_text="MD5, SHA-1 or SHA-256, as the publisher gives it.",
    )
    category = forms.ChoiceField(
        choices=[("", "From the file name (hosts files)"), *CATEGORY_CHOICES],
        required=False,
        help_text="For a hosts file or plain list: every site in it goes into this category.",
    )


class CheckForm(forms.Form):
    site = forms.CharField(
        label="Site or address",
        max_length=2000,
        help_text="e.g. www.example.org or a full address copied from the browser.",
        error_messages={"required": "Type a site to check, e.g. www.example.org."},
    )
    group = forms.ChoiceField(label="Filter group", required=False)

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ChoiceField)
        group_field.choices = [
            ("", "Every group"),
            *FilterGroup.objects.filter(school=school).values_list("slug", "name"),
        ]


class EntryForm(forms.Form):
    site = forms.CharField(
        max_length=500, help_text="A domain (covers its subdomains), a URL prefix, or an IP."
    )
    action = forms.ChoiceField(choices=EntryAction.choices)
    category = forms.ChoiceField(
        choices=CATEGORY_WITH_BLANK,
        help_text="Blocked sites: the category to block them under. Allowed: Education, "
        "Trusted sites or Child friendly.",
    )
    reason = forms.CharField(max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Recorded in the filtering change log.")


class ExceptionForm(forms.Form):
    site = forms.CharField(max_length=500, help_text="A domain (with subdomains) or a URL prefix.")
    group = forms.ModelChoiceField(
        queryset=FilterGroup.objects.none(), required=False, empty_label="Every group"
    )
    reason = forms.CharField(max_length=300, help_text="The lesson or piece of work it is for.")
    expires_at = forms.DateTimeField(label="Until", widget=DATETIME)

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = FilterGroup.objects.filter(school=school)
        self.fields["expires_at"].initial = in_hours(2)


class RequestForm(forms.Form):
    site = forms.CharField(
        max_length=500,
        help_text="The site or page to unblock.",
        error_messages={
            "required": "Type the address of the site or page to unblock, e.g. www.example.org."
        },
    )
    group = forms.ModelChoiceField(
        queryset=FilterGroup.objects.none(),
        required=False,
        empty_label="Every group",
        help_text="Who needs it, e.g. the class's key stage.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say what the class needs the site for, so the ICT manager can decide."
        },
    )
    wanted_until = forms.DateTimeField(
        label="Needed until",
        widget=DATETIME,
        error_messages={
            "required": "Choose the date and time until which the site is needed.",
            "invalid": "Enter the date and time until which the site is needed.",
        },
    )

    def __init__(
        self, *args: Any, school: Any, own_group: FilterGroup | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = unblockable_groups(school)
        if own_group is not None:
            group_field.initial = own_group.pk
        self.fields["wanted_until"].initial = in_hours(24)


def unblockable_groups(school: Any) -> Any:
    """The groups an unblocking can be for: not "No internet", which holds pupils whose
    internet is withdrawn as a sanction (unblocking a site for them would undo it)."""
    from warden.monitoring.services.filtering import NO_INTERNET_SLUG

    return FilterGroup.objects.filter(school=school).exclude(slug=NO_INTERNET_SLUG)


class ApproveForm(forms.Form):
    site = forms.CharField(
        max_length=500, help_text="Narrow it to a page, or widen it to a domain."
    )
    group = forms.ModelChoiceField(
        queryset=FilterGroup.objects.none(), required=False, empty_label="Every group"
    )
    expires_at = forms.DateTimeField(label="Until", widget=DATETIME)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = unblockable_groups(school)


class RefuseForm(forms.Form):
    note = forms.CharField(label="Why it is refused", max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown beside ApproveForm, whose note has the same name: ids of its own keep each
        # label on its own box (one id per page).
        kwargs.setdefault("auto_id", "id_refuse_%s")
        super().__init__(*args, **kwargs)


class BlockReportForm(forms.Form):
    """The block page's over-blocking report, filled in by someone without a Warden sign-in."""

    requester_name = forms.CharField(label="Your name", max_length=120)
    reason = forms.CharField(
        label="Why you need this site",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=1000,
    )
    hours = forms.TypedChoiceField(
        label="For how long",
        choices=[(1, "This lesson (1 hour)"), (24, "Today and tomorrow"), (168, "A week")],
        coerce=int,
        initial=24,
    )


class AssignForm(forms.Form):
    group = forms.ModelChoiceField(
        label="Filter group", queryset=FilterGroup.objects.none(), empty_label=None
    )
    reason = forms.CharField(max_length=300, help_text="Recorded in the filtering change log.")
    ends = forms.DateTimeField(
        label="Until",
        required=False,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Empty: until someone removes it.",
    )

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FilterGroup.objects.filter(school=school).order_by("position", "pk")

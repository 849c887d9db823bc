from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from warden.accounts.models import (
    REMOVAL_WINDOW_HOURS,
    AccountState,
    Connector,
    DirectoryKind,
    ReviewOutcome,
    System,
    SystemKind,
)
from warden.accounts.services import BULK_ACTIONS
from warden.core.models import School, User
from warden.core.roles import SECOND_FACTOR_EXEMPTABLE_ROLES, Role
from warden.people.choosers import PeopleField, PeopleForm, PersonField
from warden.people.models import YEAR_GROUP_CHOICES, PersonType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def operators_at(school: School) -> QuerySet[User]:
    return (
        User.objects.filter(
            Q(memberships__school=school)
            | Q(memberships__school__isnull=True, memberships__trust_id=school.trust_id)
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class SystemForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SystemKind.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="The member of staff answerable for the system (information asset owner).",
    )
    holds_personal_data = forms.BooleanField(label="Holds personal data", required=False)
    allowed_person_types = forms.MultipleChoiceField(
        label="Who may hold an account",
        choices=PersonType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for anyone at the school.",
    )
    restricted = forms.BooleanField(
        label="Restricted (SLT or SEND areas)",
        required=False,
        help_text="Approval then needs the restricted-access right.",
    )
    remote_access = forms.BooleanField(
        label="Gives remote access",
        required=False,
        help_text="Only the staff you name on the system's page may hold an account.",
    )
    connector = forms.ChoiceField(choices=Connector.choices, initial=Connector.NONE)
    ldap_url = forms.CharField(
        label="LDAP server URL", required=False, help_text="e.g. ldaps://dc1.school.internal"
    )
    ldap_bind_dn = forms.CharField(label="Bind DN", required=False)
    ldap_password_env = forms.CharField(
        label="Bind password: environment variable",
        required=False,
        help_text="The name of the variable holding the password (the password is never "
        "stored in Warden).",
    )
    ldap_password_file = forms.CharField(
        label="Bind password: file", required=False, help_text="Or a file holding it."
    )
    ldap_people_dn = forms.CharField(label="People base DN", required=False)
    ldap_groups_dn = forms.CharField(label="Groups base DN", required=False)
    directory_kind = forms.ChoiceField(
        label="Directory kind",
        choices=DirectoryKind.choices,
        initial=DirectoryKind.OPENLDAP,
        required=False,
        help_text="Active Directory: accounts go into OUs by role and year under the people "
        "base DN. Over plain ldap:// new accounts are created disabled until their password "
        "is set in AD; over ldaps:// they get a random password to reset at handover.",
    )
    ldap_upn_suffix = forms.CharField(
        label="User principal name suffix",
        required=False,
        help_text="Active Directory only: accounts sign in as username@this, e.g. "
        "oakfield.sch.uk. Empty: the domain of the people base DN.",
    )
    is_active = forms.BooleanField(label="In use", required=False, initial=True)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = operators_at(school)

    def clean_directory_kind(self) -> str:
        # Systems without a directory have no choice to make: the OpenLDAP schema stands.
        return str(self.cleaned_data.get("directory_kind") or DirectoryKind.OPENLDAP)


class RemotePeopleForm(PeopleForm):
    people = PeopleField(
        scope="remote_staff",
        label="Staff named for remote access",
        required=False,
        help_text="Type a name to add someone; untick a name to take them off.",
    )


class AccountFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, username, MIS id"}),
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "All but deleted"), *AccountState.choices]
    )
    system = forms.TypedChoiceField(
        label="System", required=False, coerce=int, empty_value=None, choices=[("", "All")]
    )
    person_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *PersonType.choices]
    )
    year_group = forms.TypedChoiceField(
        label="Year",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All years"), *YEAR_GROUP_CHOICES],
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(k, k) for k in ("name", "-name", "system", "state", "requested", "-requested")],
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["system"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", "All"),
            *System.objects.filter(school=school).values_list("pk", "name"),
        ]


class AccountRequestForm(PeopleForm):
    person = PersonField(scope="people", label="Person")
    system = forms.ModelChoiceField(queryset=System.objects.none())
    username = forms.CharField(
        max_length=150, required=False, help_text="Leave empty for the usual a.surname form."
    )
    reason = forms.CharField(
        max_length=300, required=False, help_text="Why they need it (their role, a project)."
    )
    expires_on = forms.DateField(
        label="Expires on",
        widget=DATE,
        required=False,
        help_text="Required for supply staff, visitors and contractors (their leaving date "
        "is used when empty).",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, school=school, **kwargs)
        system = self.fields["system"]
        assert isinstance(system, forms.ModelChoiceField)
        system.queryset = System.objects.filter(school=school, is_active=True)


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=list(BULK_ACTIONS.items()))
    systems = forms.ModelMultipleChoiceField(
        queryset=System.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    person_type = forms.ChoiceField(label="Who", choices=PersonType.choices)
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *YEAR_GROUP_CHOICES],
        help_text="For pupils: the intake, e.g. Year 7.",
    )
    joined_since = forms.DateField(
        label="Joined on or after", required=False, widget=DATE, help_text="Optional."
    )
    reason = forms.CharField(max_length=300, required=False, initial="New intake")

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["systems"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = System.objects.filter(school=school, is_active=True)


class ExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="Expires at the end of", widget=DATE, required=False, help_text="Empty: no expiry."
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class SupplyPasswordForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why it was changed",
        help_text="e.g. termly change, a supply teacher left. Never type the password here.",
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SettingsForm(forms.Form):
    removal_window_hours = forms.IntegerField(
        label="Hours to remove a leaver's accounts",
        min_value=1,
        max_value=REMOVAL_WINDOW_HOURS,
        help_text="Counted from the end of the leaving day; the policy (§8g) says "
        f"{REMOVAL_WINDOW_HOURS} at most.",
    )
    auto_suspend = forms.BooleanField(
        label="Suspend automatically after the agreement grace period",
        required=False,
        help_text="Each day, accounts of people on the suspension list are suspended. "
        "Nothing is restored automatically. On by default.",
    )
    pause_reason = forms.CharField(
        label="Why automatic suspension is paused",
        max_length=300,
        required=False,
        help_text="Needed to switch it off; shown on the headteacher's home page.",
    )
    password_max_age_days = forms.IntegerField(
        label="Days before a Warden password must be changed",
        min_value=0,
        max_value=365,
        required=False,
        help_text="The school's policies say every 3 months (90 days). The National Cyber "
        "Security Centre advises against forced regular changes, which lead to weaker "
        "passwords: enter 0 to ask for a change only when a password may be compromised "
        "(a breached password is always changed at once).",
    )
    managed_change_reminder_days = forms.IntegerField(
        label="Days before staff are reminded to change passwords on school systems",
        min_value=0,
        max_value=365,
        required=False,
        help_text="For the network, e-mail, MIS and other systems on the catalogue: staff are "
        "e-mailed when a password is due, counted from its last change where a connected "
        "directory records it, otherwise from the last reminder. The policies say 3 months "
        "(90 days); enter 0 for no reminders, as the National Cyber Security Centre advises "
        "(change a password only when it may be compromised).",
    )


class SecondFactorForm(forms.Form):
    exempt_roles = forms.MultipleChoiceField(
        label="Roles that sign in without a second factor",
        # Every role is accepted here so that the service, not the form, explains why a
        # role reading personal data cannot be exempted; only the others are offered.
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only roles that see figures and no one's personal data can be exempted. "
        "Untick to ask them for a second factor too.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["exempt_roles"]
        field.widget.choices = [c for c in Role.choices if c[0] in SECOND_FACTOR_EXEMPTABLE_ROLES]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=120, label="System that will call the check")


class PasswordCheckForm(forms.Form):
    password = forms.CharField(
        label="Candidate password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def expiry_from(day: dt.date | None, school: School) -> dt.datetime | None:
    from warden.accounts.services import end_of_day

    return end_of_day(day, school) if day else None

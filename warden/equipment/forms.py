"""Forms for the equipment pages: every field labelled, errors that say what to do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from warden.core.forms import DateInput, DateTimeInput
from warden.equipment.models import (
    AssetState,
    AssetType,
    DisposalCompany,
    ImportKind,
    LicenceModel,
    LoanKind,
    Location,
    LossKind,
    ReturnCondition,
    SoftwareProduct,
    WipingMethod,
)
from warden.equipment.rules import DEFAULT_LOAN_DAYS
from warden.equipment.selectors import ASSET_SORTS
from warden.people.choosers import PeopleForm, PersonField

DATE = DateInput()


class AssetFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Tag, serial, model"}),
    )
    asset_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *AssetType.choices]
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *AssetState.choices]
    )
    location = forms.ModelChoiceField(
        label="Location", required=False, queryset=Location.objects.none(), empty_label="Anywhere"
    )
    risk = forms.BooleanField(label="Personal data, not encrypted", required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in ASSET_SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        location_field.queryset = locations


class AssetForm(forms.Form):
    asset_tag = forms.CharField(label="Asset tag", max_length=40, help_text="As on the label.")
    asset_type = forms.ChoiceField(label="Type", choices=AssetType.choices)
    make = forms.CharField(label="Make", max_length=80, required=False)
    model = forms.CharField(label="Model", max_length=120, required=False)
    serial = forms.CharField(
        label="Serial number", max_length=80, required=False, help_text="ICT security policy §3b."
    )
    location = forms.ModelChoiceField(
        label="Location",
        required=False,
        queryset=Location.objects.none(),
        empty_label="Not recorded",
    )
    purchase_date = forms.DateField(label="Purchase date", required=False, widget=DATE)
    warranty_until = forms.DateField(label="Warranty until", required=False, widget=DATE)
    holds_personal_data = forms.BooleanField(
        label="Can hold personal data",
        required=False,
        initial=True,
        help_text="Anything with storage or a sign-in can.",
    )
    encrypted = forms.BooleanField(label="Disk encrypted", required=False)
    antivirus = forms.BooleanField(label="Anti-virus installed and updating", required=False)
    mdm_enrolled = forms.BooleanField(label="Enrolled in device management (MDM)", required=False)
    screen_lock = forms.BooleanField(label="Locking screensaver", required=False)
    pin_set = forms.BooleanField(label="PIN or password set", required=False)
    security_checked_on = forms.DateField(
        label="Security last checked", required=False, widget=DATE
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        location_field.queryset = locations


class CheckOutForm(PeopleForm):
    person = PersonField(scope="borrowers", label="Borrower")
    kind = forms.ChoiceField(label="Kind", choices=LoanKind.choices, initial=LoanKind.LOAN)
    due_on = forms.DateField(
        label="Due back", required=False, widget=DATE, help_text="Needed for a loan."
    )
    purpose = forms.CharField(label="Purpose", max_length=200, required=False)
    off_site = forms.BooleanField(
        label="The device leaves the school site",
        required=False,
        initial=True,
        help_text="Untick when it stays in school.",
    )
    typed_name = forms.CharField(
        label="Borrower's name, typed by them as their signature",
        max_length=200,
        required=False,
        help_text="Leave empty to send them a one-time link instead.",
    )
    confirmed = forms.BooleanField(
        label="The borrower has read the loan agreement and agrees to it", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=DEFAULT_LOAN_DAYS)


class RefusePermissionForm(forms.Form):
    reason = forms.CharField(label="Why the loan is refused", max_length=300)


class OffSiteExceptionForm(forms.Form):
    reason = forms.CharField(
        label="Why it must leave the site unencrypted",
        max_length=300,
        help_text="For example: a governor's laptop for one meeting while encryption is ordered.",
    )
    ends_on = forms.DateField(label="The exception ends on", widget=DATE)


class EquipmentSettingsForm(forms.Form):
    staff_loans_need_permission = forms.BooleanField(
        label="Staff loans need the ICT manager's and the headteacher's permission",
        required=False,
        help_text=(
            "The ICT security policy lends equipment to staff only with both permissions. "
            "Untick only if the school's own policy says otherwise."
        ),
    )


class AcceptForm(forms.Form):
    typed_name = forms.CharField(label="Type your full name as your signature", max_length=200)
    confirmed = forms.BooleanField(
        label="I have read the loan agreement above and agree to it", required=True
    )


class CheckInForm(forms.Form):
    condition = forms.ChoiceField(
        label="Condition", choices=ReturnCondition.choices, initial=ReturnCondition.GOOD
    )
    notes = forms.CharField(label="Notes", required=False, max_length=1000)


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        label="Why is it written off?",
        max_length=300,
        help_text="For example: kept by agreement with the headteacher, wiped first.",
    )


class LossForm(forms.Form):
    kind = forms.ChoiceField(label="What happened", choices=LossKind.choices)
    happened_at = forms.DateTimeField(
        label="When it went missing (as near as known)",
        required=False,
        widget=DateTimeInput(),
    )
    circumstances = forms.CharField(
        label="Circumstances",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Where and when it was last seen, and how it went missing.",
    )
    police_reference = forms.CharField(label="Police crime reference", required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=300)


class ClassSetForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label="Asset tags",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Scan or type the tags, one per line or separated by spaces.",
    )


class ClassSetOutForm(PeopleForm):
    person = PersonField(scope="current_staff", label="Teacher")
    group = forms.CharField(label="Class", max_length=40, required=False)
    due_on = forms.DateField(label="Due back", widget=DATE)
    purpose = forms.CharField(label="Lesson or purpose", max_length=200, required=False)
    typed_name = forms.CharField(label="Teacher's name, typed as their signature", max_length=200)
    confirmed = forms.BooleanField(label="The teacher has read and agrees to the loan agreement")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = timezone.localdate()


class LocationForm(forms.Form):
    name = forms.CharField(label="Location name", max_length=120)


class PlanForm(forms.Form):
    interval_days = forms.IntegerField(label="Count every (days)", min_value=7, max_value=1095)
    next_due = forms.DateField(label="Next count due", widget=DATE)


class ScanForm(forms.Form):
    tag = forms.CharField(
        label="Asset tag",
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text="Scan the label's barcode or QR code, or type the tag.",
    )


class CompanyForm(forms.Form):
    name = forms.CharField(label="Company name", max_length=200)
    waste_carrier_number = forms.CharField(
        label="Waste carrier registration", max_length=60, required=False
    )
    contact = forms.CharField(label="Contact", max_length=200, required=False)


class BatchForm(forms.Form):
    company = forms.ModelChoiceField(
        label="Approved company",
        queryset=DisposalCompany.objects.none(),
        empty_label="Choose a company…",
    )
    reference = forms.CharField(label="Batch reference", max_length=60)

    def __init__(self, *args: Any, companies: QuerySet[DisposalCompany], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        assert isinstance(company_field, forms.ModelChoiceField)
        company_field.queryset = companies


class CompleteBatchForm(forms.Form):
    certificate_number = forms.CharField(label="Certificate of disposal number", max_length=80)
    certificate_scan = forms.FileField(label="Scan of the certificate (PDF, PNG or JPEG)")
    weee_reference = forms.CharField(label="WEEE reference", max_length=80)
    wiping_method = forms.ChoiceField(label="Data-wiping method", choices=WipingMethod.choices)
    collected_on = forms.DateField(label="Collected on", required=False, widget=DATE)


class ProductForm(forms.Form):
    name = forms.CharField(label="Product", max_length=200)
    publisher = forms.CharField(label="Publisher", max_length=200, required=False)
    licence_model = forms.ChoiceField(label="Licence", choices=LicenceModel.choices)
    seats = forms.IntegerField(label="Seats bought", min_value=0, initial=0)
    renewal_on = forms.DateField(label="Renewal date", required=False, widget=DATE)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InstallRequestForm(forms.Form):
    software_name = forms.CharField(label="Software", max_length=200)
    asset_tag = forms.CharField(label="On which device (asset tag)", max_length=40, required=False)
    reason = forms.CharField(label="What it is for", widget=forms.Textarea(attrs={"rows": 3}))


class InstallDoneForm(forms.Form):
    product = forms.ModelChoiceField(
        label="Licensed product", queryset=SoftwareProduct.objects.none()
    )
    asset_tag = forms.CharField(label="Installed on (asset tag)", max_length=40)

    def __init__(self, *args: Any, products: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product_field = self.fields["product"]
        assert isinstance(product_field, forms.ModelChoiceField)
        product_field.queryset = products


class DeviceRequestForm(PeopleForm):
    person = PersonField(scope="current_staff", label="Member of staff")
    device = forms.CharField(label="Device", max_length=200, help_text="e.g. personal iPad Air")
    reason = forms.CharField(
        label="Why it needs the network", widget=forms.Textarea(attrs={"rows": 3})
    )


class SetUpForm(forms.Form):
    mac_address = forms.CharField(label="MAC address", max_length=17)
    serial = forms.CharField(label="Serial number", max_length=80)


class PhoneRequestForm(PeopleForm):
    pupil = PersonField(scope="pupils", label="Pupil")
    parent = PersonField(scope="parents", label="Parent or carer making the request")
    received_on = forms.DateField(label="Request form received on", widget=DATE)
    reason = forms.CharField(label="Parent's reason", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class WifiForm(PeopleForm):
    visitor_name = forms.CharField(label="Visitor's name", max_length=200)
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    purpose = forms.CharField(label="Purpose", max_length=300)
    supervisor = PersonField(scope="current_staff", label="Supervised by")
    device = forms.CharField(label="Device", max_length=200, required=False)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="The file holds", choices=ImportKind.choices)
    file = forms.FileField(label="CSV file")
    full_inventory = forms.BooleanField(
        label="Software inventory is complete for the devices it lists (free missing seats)",
        required=False,
    )

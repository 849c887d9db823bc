"""Forms of the lists that grow with the school: the search on the leavers' board and the
suspension list."""

from __future__ import annotations

from django import forms


class NameSearchForm(forms.Form):
    """Search a list by name (first, last or preferred name, or the exact MIS id)."""

    q = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or MIS id"}),
    )

    def query(self) -> str:
        """The words searched for; an over-long search says so next to the box."""
        return self.cleaned_data["q"].strip() if self.is_valid() else ""

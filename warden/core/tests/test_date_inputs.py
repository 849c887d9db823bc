"""Every date and date-and-time box in Warden is filled in the form the browser's picker reads.

`<input type=date>` takes yyyy-mm-dd and `<input type=datetime-local>` yyyy-mm-ddThh:mm,
whatever the page's language. Django fills other date boxes in the British dd/mm/yyyy,
which the picker drops (a loan's "Due back" came up empty), so each picker widget must
carry its own format.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

from django import forms
from django.apps import apps

PICKERS = {"date": dt.date(2026, 12, 20), "datetime-local": dt.datetime(2026, 12, 20, 9, 5)}
EXPECTED = {"date": "2026-12-20", "datetime-local": "2026-12-20T09:05"}


def _form_classes() -> set[type[Any]]:
    for config in apps.get_app_configs():
        if not config.name.startswith("warden."):
            continue
        package = importlib.import_module(config.name)
        for module in pkgutil.walk_packages(package.__path__, f"{config.name}."):
            if "form" in module.name.rsplit(".", 1)[-1] or module.name.endswith(".views"):
                importlib.import_module(module.name)
    found: set[type[Any]] = set()
    todo: list[type[Any]] = [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("warden."):
                found.add(sub)
    return found


def test_every_date_picker_in_every_form_is_filled_as_the_browser_reads_it():
    pickers = 0
    for form_class in _form_classes():
        for name, field in form_class.base_fields.items():
            kind = getattr(field.widget, "input_type", "")
            if kind not in PICKERS:
                continue
            pickers += 1
            html = field.widget.render(name, PICKERS[kind])
            where = f"{form_class.__module__}.{form_class.__name__}.{name}"
            assert f'value="{EXPECTED[kind]}"' in html, f"{where}: {html}"
    assert pickers > 20


def test_date_boxes_written_in_templates_are_filled_as_the_browser_reads_them():
    warden = Path(__file__).resolve().parents[2]
    for template in warden.rglob("templates/**/*.html"):
        for tag in re.findall(r"<input[^>]*type=\"date\"[^>]*>", template.read_text()):
            value = re.search(r'value="([^"]*)"', tag)
            if value and "{{" in value.group(1):
                assert "|date:'Y-m-d'" in value.group(1) or '|date:"Y-m-d"' in value.group(1), (
                    f"{template.name}: {tag}"
                )

"""Every button style in Warden's stylesheet reads at 4.5:1 or better (WCAG 2.2 AA).

The stylesheet is small and flat, so the test applies its own rules for a button of each
class the templates use (the shared `button, .button` rule, then the class's own rule) and
measures the text against the background it ends up with: a button with no background of
its own shows the white card it sits on. A button whose text colour was left at the shared
rule's white while its background was removed was invisible on 79 buttons on five pages.
"""

import re
from pathlib import Path

import pytest

WARDEN_DIR = Path(__file__).resolve().parents[2]
CARD_BACKGROUND = "#ffffff"


def _top_level_rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of each rule outside @media blocks, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: list[tuple[list[str], dict[str, str]]] = []
    depth, start, prelude = 0, 0, ""
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if not prelude.startswith("@"):
                    body = css[start:i]
                    decls = {}
                    for part in body.split(";"):
                        if ":" in part:
                            name, value = part.split(":", 1)
                            decls[name.strip()] = value.strip()
                    rules.append(([s.strip() for s in prelude.split(",")], decls))
                start = i + 1
    return rules


def _variables(rules: list[tuple[list[str], dict[str, str]]]) -> dict[str, str]:
    return {k: v for sels, decls in rules if ":root" in sels for k, v in decls.items()}


def _resolve(value: str, variables: dict[str, str]) -> str:
    match = re.fullmatch(r"var\((--[\w-]+)\)", value)
    return variables[match.group(1)] if match else value


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _button_classes_in_templates() -> set[str]:
    """Classes put on <button> elements, and classes beside "button" on links."""
    found: set[str] = set()
    for template in WARDEN_DIR.rglob("templates/**/*.html"):
        text = template.read_text()
        for classes in re.findall(r"<button[^>]*\bclass=\"([^\"{]*)\"", text):
            found.update(classes.split())
        for classes in re.findall(r"class=\"button ([^\"{]*)\"", text):
            found.update(classes.split())
    return found - {"button"}


def _button_style(rules, variables, element: str, variant: str) -> tuple[str, str]:
    """The colour and background a button of this class gets, in cascade order."""
    style: dict[str, str] = {}
    wanted = {"button", ".button"} if element == "button" else {".button"}
    own = {f"{element}.{variant}", f".button.{variant}"} if variant else set()
    for selectors, decls in rules:
        if wanted & set(selectors) or own & set(selectors):
            style.update({k: v for k, v in decls.items() if k in ("color", "background")})
    colour = _resolve(style["color"], variables)
    background = _resolve(style.get("background", "none"), variables)
    if background in ("none", "transparent"):
        background = CARD_BACKGROUND
    return colour, background


def _served_stylesheet(client) -> str:
    response = client.get("/static/core/warden.css")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_templates_use_button_classes_the_stylesheet_defines(client):
    css = _served_stylesheet(client)
    classes = _button_classes_in_templates()
    assert {"link", "secondary", "danger"} <= classes
    for variant in classes:
        assert re.search(rf"button\.{variant}\b", css), variant


@pytest.mark.parametrize("element", ["button", "a"])
def test_every_button_variant_has_readable_text(client, element):
    rules = _top_level_rules(_served_stylesheet(client))
    variables = _variables(rules)
    for variant in ["", *sorted(_button_classes_in_templates())]:
        colour, background = _button_style(rules, variables, element, variant)
        ratio = _contrast(colour, background)
        name = f"{element}.{variant or 'button'}"
        assert ratio >= 4.5, f"{name}: {colour} on {background} is {ratio:.2f}:1"

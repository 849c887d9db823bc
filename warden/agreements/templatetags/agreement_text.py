"""``{{ version.text|agreement_blocks }}``: an agreement's text as paragraphs and points."""

from __future__ import annotations

from django import template

from warden.agreements.text import Block, text_blocks

register = template.Library()


@register.filter
def agreement_blocks(text: str) -> list[Block]:
    return text_blocks(text or "")

"""Help for a child on the public block page (``monitoring:filter_blocked``).

For a site blocked as self-harm (with eating disorders), suicide, abuse or exploitation, or
radicalisation, the page shows where to find help, in plain words: Childline, Samaritans,
Shout, a trusted adult, and the school's safeguarding lead if the school chooses to name
them. The school may write its own words first (safeguarding settings). The monitoring area
asks ``collect("block_page", "HELP")``; each callable returns the template and context of a
section, or None.
"""

from __future__ import annotations

from typing import Any

from warden.core.models import School
from warden.engine.categories import shows_help_on_block
from warden.safeguarding import rules, selectors


def welfare_help(*, school: School, category: str) -> dict[str, Any] | None:
    if not shows_help_on_block(category):
        return None
    found = selectors.settings_for(school)
    return {
        "template": "safeguarding/_block_help.html",
        "intro": rules.HELP_INTRO,
        "school_words": found.block_help_text,
        "lines": rules.HELP_LINES,
        "trusted_adult": rules.TRUSTED_ADULT,
        "danger": rules.DANGER,
        "dsl": found.dsl_name_for_pupils if found.show_dsl_on_block_page else "",
    }


HELP = [welfare_help]

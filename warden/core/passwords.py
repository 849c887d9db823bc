"""Django's password validator for the school's policy (see ``warden.lib.passwords``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from warden.lib.passwords import PasswordPolicy, password_problems


def school_policy(school: Any) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=school.password_min_length,
        require_mixed_case=school.password_require_mixed_case,
        require_digit_or_symbol=school.password_require_digit_or_symbol,
    )


def policy_for_user(user: Any) -> PasswordPolicy:
    """The strictest policy among the schools where the user has a role."""
    from warden.core.access import schools_for

    if user is None or getattr(user, "pk", None) is None:
        return PasswordPolicy()
    return PasswordPolicy.strictest(school_policy(s) for s in schools_for(user))


class SchoolPasswordPolicyValidator:
    def validate(self, password: str, user: Any = None) -> None:
        problems = password_problems(password, policy_for_user(user))
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        return f"Your password needs {PasswordPolicy().describe()} (your school may ask for more)."

"""Policy duty "Passwords meet the policy minimum" (docs/policy-map.md), as a pure function
other systems can share.

"Passwords must contain a minimum of eight characters, a mixture of upper and lowercase
letters, and numbers and/or special characters." Each school may make the rules stricter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    require_mixed_case: bool = True
    require_digit_or_symbol: bool = True

    @classmethod
    def strictest(cls, policies: Iterable[PasswordPolicy]) -> PasswordPolicy:
        """The policy that satisfies every one given (the default when none is)."""
        items = list(policies)
        if not items:
            return cls()
        return cls(
            min_length=max(p.min_length for p in items),
            require_mixed_case=any(p.require_mixed_case for p in items),
            require_digit_or_symbol=any(p.require_digit_or_symbol for p in items),
        )

    def describe(self) -> str:
        parts = [f"at least {self.min_length} characters"]
        if self.require_mixed_case:
            parts.append("upper and lower case letters")
        if self.require_digit_or_symbol:
            parts.append("at least one number or symbol")
        return ", ".join(parts)


def password_problems(password: str, policy: PasswordPolicy) -> list[str]:
    """Each rule of ``policy`` that ``password`` breaks, in words a person can act on."""
    problems: list[str] = []
    if len(password) < policy.min_length:
        problems.append(f"Use at least {policy.min_length} characters (this has {len(password)}).")
    if policy.require_mixed_case and not (
        any(c.islower() for c in password) and any(c.isupper() for c in password)
    ):
        problems.append("Mix upper and lower case letters.")
    if policy.require_digit_or_symbol and all(c.isalpha() or c.isspace() for c in password):
        problems.append("Include at least one number or symbol.")
    return problems

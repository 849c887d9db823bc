"""Writes for schools and operator users: settings, sign-ins, roles, second factors."""

from __future__ import annotations

import datetime as dt
import math
import secrets
import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.access import require_may_manage, require_perm, roles_by_school
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import Membership, PasswordResetCount, School, Trust, User
from warden.core.passwords import policy_for_user, school_policy
from warden.core.roles import (
    TRUST_ONLY_ROLES,
    Perm,
    Role,
    grant_refusal,
    second_factor_exemption_refusal,
)
from warden.core.signals import school_registered
from warden.core.tasks import password_reset_send, send_email_on_commit
from warden.core.tenancy import school_scope
from warden.lib.passwords import PasswordPolicy

# Policy duty "Passwords meet the policy minimum" (docs/policy-map.md) is the floor: a
# school may make its policy stricter, never weaker.
MIN_PASSWORD_LENGTH_FLOOR = PasswordPolicy().min_length


@transaction.atomic
def school_set_password_policy(
    *,
    actor: User,
    school: School,
    min_length: int,
    require_mixed_case: bool,
    require_digit_or_symbol: bool,
) -> School:
    """Change a school's password policy, no weaker than the policy minimum (duty "Passwords
    meet the policy minimum", docs/policy-map.md)."""
    require_perm(actor, Perm.SCHOOL_CONFIGURE, school)
    if min_length < MIN_PASSWORD_LENGTH_FLOOR or min_length > 128:
        raise ServiceError(
            f"Minimum length must be between {MIN_PASSWORD_LENGTH_FLOOR} and 128 "
            "(the ICT security policy asks for at least 8).",
            field_errors={"min_length": [f"Choose {MIN_PASSWORD_LENGTH_FLOOR} to 128."]},
        )
    if not (require_mixed_case and require_digit_or_symbol):
        raise ServiceError(
            "The ICT security policy (§8f) requires mixed case and a number or symbol; "
            "these rules cannot be switched off."
        )
    school = School.objects.select_for_update().get(pk=school.pk)
    before = snapshot(school)
    school.password_min_length = min_length
    school.password_require_mixed_case = require_mixed_case
    school.password_require_digit_or_symbol = require_digit_or_symbol
    changes = diff(before, snapshot(school))
    if changes:
        school.save()
        audit_log(
            actor=actor,
            action="school.password_policy_changed",
            obj=school,
            school=school,
            changes=changes,
        )
    return school


@transaction.atomic
def school_set_second_factor_exemptions(*, actor: User, school: School, roles: list[str]) -> School:
    """Choose the roles whose holders sign in at this school without a second factor.

    Only roles that read no personal data may be exempted (duty "Second factor for personal
    data", ``roles.second_factor_exemption_refusal``); any other is refused with the reason.
    """
    require_perm(actor, Perm.SCHOOL_CONFIGURE, school)
    refusals = [r for r in (second_factor_exemption_refusal(role) for role in roles) if r]
    if refusals:
        raise ServiceError(" ".join(refusals), field_errors={"exempt_roles": refusals})
    school = School.objects.select_for_update().get(pk=school.pk)
    before = sorted(school.second_factor_exempt_roles or [])
    after = sorted(set(roles))
    if before != after:
        school.second_factor_exempt_roles = after
        school.save(update_fields=["second_factor_exempt_roles"])
        audit_log(
            actor=actor,
            action="school.second_factor_exemptions_changed",
            obj=school,
            school=school,
            changes={"second_factor_exempt_roles": [before, after]},
        )
    return school


def temporary_password(policy: PasswordPolicy | None = None) -> str:
    """A random password that meets the policy, to be changed at first sign-in (§8b)."""
    policy = policy or PasswordPolicy()
    alphabet = string.ascii_letters + string.digits
    length = max(policy.min_length, 12)
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(length - 2))
        candidate = f"{body}-{secrets.choice(string.digits)}"
        if any(c.islower() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


def _check_grant(actor: User, school: School, role: str) -> None:
    require_perm(actor, Perm.USERS_MANAGE, school)
    if role not in Role.values:
        raise ServiceError(f"{role!r} is not a Warden role.")
    refusal = grant_refusal(roles_by_school(actor).get(school.pk, set()), role)
    if refusal:
        raise ServiceError(refusal)


@transaction.atomic
def operator_create(
    *,
    actor: User,
    school: School,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
) -> tuple[User, str]:
    """Give someone a Warden sign-in with one role and a temporary password.

    Returns the user and the temporary password, which is shown once to the person
    creating the account and must be changed at first sign-in (policy duty "Temporary
    passwords changed at first sign-in", docs/policy-map.md).
    """
    _check_grant(actor, school, role)
    user, password = _new_user(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        policy=school_policy(school),
        school=school,
    )
    membership_grant(actor=actor, user=user, school=school, role=role)
    return user, password


def _new_user(
    *,
    actor: User | None,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    policy: PasswordPolicy,
    school: School | None,
) -> tuple[User, str]:
    username = username.strip().lower()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["Enter a username."]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [f"The username {username} is taken; choose another."]
    if email and User.objects.filter(email__iexact=email.strip()).exists():
        errors["email"] = [f"{email} already has a Warden sign-in; add a role to it instead."]
    if errors:
        raise ServiceError(
            "The user was not created: " + next(iter(errors.values()))[0], field_errors=errors
        )
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        must_change_password=True,
    )
    password = temporary_password(policy)
    user.set_password(password)
    user.save()
    audit_log(
        actor=actor,
        action="user.created",
        obj=user,
        school=school,
        changes=diff({}, snapshot(user, ["username", "first_name", "last_name", "email"])),
    )
    return user, password


@transaction.atomic
def school_register(
    *,
    trust_slug: str,
    trust_name: str,
    name: str,
    slug: str,
    urn: str = "",
    phase: str = "primary",
) -> School:
    """Add a school, and its trust the first time, from the server's command line.

    A standalone school is a trust of one. Run by whoever installs Warden, so it has no
    acting user; the audit trail records it as done by the system from the command line.
    """
    errors: dict[str, list[str]] = {}
    if School.objects.filter(slug=slug).exists():
        errors["slug"] = [f"A school with the short name {slug!r} exists; choose another."]
    if phase not in dict(School._meta.get_field("phase").choices or []):
        errors["phase"] = ["Phase must be primary, secondary, all_through or special."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    trust, created = Trust.objects.get_or_create(slug=trust_slug, defaults={"name": trust_name})
    if created:
        audit_log(
            actor=None,
            action="trust.created",
            obj=trust,
            trust=trust,
            changes=diff({}, snapshot(trust, ["name", "slug"])),
        )
    school = School(trust=trust, name=name.strip(), slug=slug, urn=urn.strip(), phase=phase)
    try:
        school.full_clean()
    except ValidationError as exc:
        raise ServiceError(
            "The school was not added: " + "; ".join(exc.messages), field_errors=exc.message_dict
        ) from None
    school.save()
    audit_log(
        actor=None,
        action="school.created",
        obj=school,
        school=school,
        changes=diff({}, snapshot(school, ["name", "slug", "urn", "phase"])),
    )
    # The new school is in no one's scope yet; what other areas set up for it works there.
    with school_scope(school.pk):
        school_registered.send(sender=School, school=school)
    return school


@transaction.atomic
def administrator_create(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    school: School | None = None,
    trust: Trust | None = None,
) -> tuple[User, str]:
    """The first sign-in of a school (its headteacher) or trust, from the command line.

    Everyone after that is added in Warden by a user who manages users. The temporary
    password must be changed at first sign-in (policy duty "Temporary passwords changed at
    first sign-in", docs/policy-map.md).
    """
    if role not in Role.values:
        raise ServiceError(
            f"{role!r} is not a Warden role; choose one of {', '.join(Role.values)}."
        )
    if (school is None) == (trust is None):
        raise ServiceError("Give either a school (a role there) or a trust (a trust-wide role).")
    if school is not None and role in TRUST_ONLY_ROLES:
        raise ServiceError(f"{Role(role).label} is trust-wide: give --trust, not --school.")
    target_trust = trust or (school.trust if school else None)
    assert target_trust is not None
    policy = school_policy(school) if school else PasswordPolicy()
    user, password = _new_user(
        actor=None,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        policy=policy,
        school=school,
    )
    membership = Membership.objects.create(user=user, trust=target_trust, school=school, role=role)
    audit_log(
        actor=None,
        action="membership.granted",
        obj=membership,
        school=school,
        trust=target_trust,
        changes={"user": [None, user.username], "role": [None, role]},
    )
    return user, password


@transaction.atomic
def membership_grant(*, actor: User, user: User, school: School, role: str) -> Membership:
    """Give a user a role at a school (idempotent).

    Someone who already holds a role the actor could not grant is not theirs to change
    (``access.management_refusal``): that is a 403, not a form error.
    """
    require_may_manage(actor, user, school)
    _check_grant(actor, school, role)
    membership, created = Membership.objects.get_or_create(
        user=user, school=school, role=role, defaults={"trust": school.trust}
    )
    if created:
        audit_log(
            actor=actor,
            action="membership.granted",
            obj=membership,
            school=school,
            changes={"user": [None, user.username], "role": [None, role]},
        )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    school = membership.school
    if school is None:
        raise ServiceError("Trust-wide roles are changed by a trust administrator.")
    # The user may hold no role the actor could not grant, this one included: so whoever
    # passes may also remove it.
    require_may_manage(actor, membership.user, school)
    if membership.user_id == actor.pk and membership.role in {Role.HEADTEACHER, Role.ICT_MANAGER}:
        raise ServiceError("You cannot remove your own management role; ask a colleague.")
    audit_log(
        actor=actor,
        action="membership.revoked",
        obj=membership,
        school=school,
        changes={"user": [membership.user.username, None], "role": [membership.role, None]},
    )
    membership.delete()


def _managed_user(actor: User, user: User, school: School) -> None:
    """Refuse (403) unless ``actor`` may manage ``user``: see ``access.management_refusal``."""
    if school.pk not in roles_by_school(user):
        raise ServiceError(f"{user} has no role at {school.name}.")
    require_may_manage(actor, user, school)


def _tell_user(*, user: User, actor: User, school: School, what: str, advice: str) -> None:
    """E-mail ``user`` that ``actor`` changed their sign-in, once the change has committed.

    A reset someone did not ask for is the first sign of a takeover; the e-mail lets the
    owner of the account raise the alarm.
    """
    if not user.email:
        return
    when = timezone.localtime().strftime("%d/%m/%Y at %H:%M")
    body = (
        f"Dear {user.get_full_name() or user.get_username()},\n\n"
        f"{actor} {what} for your Warden sign-in at {school.name} on {when}.\n"
        f"{advice}\n\n"
        "If you did not expect this, tell your headteacher or ICT manager straight away: "
        "someone may be trying to use your account.\n"
    )
    send_email_on_commit(
        subject=f"Warden: your sign-in was changed ({what})", body=body, to=[user.email]
    )


@transaction.atomic
def operator_reset_password(*, actor: User, user: User, school: School) -> str:
    """Issue a new temporary password; the user must change it at next sign-in."""
    _managed_user(actor, user, school)
    password = temporary_password(policy_for_user(user))
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_log(
        actor=actor,
        action="user.password_reset",
        obj=user,
        school=school,
        changes={"password": ["set", "temporary"]},
    )
    _tell_user(
        user=user,
        actor=actor,
        school=school,
        what="issued a temporary password",
        advice="Your old password no longer works; you choose a new one at your next sign-in.",
    )
    return password


@transaction.atomic
def operator_unlock(*, actor: User, user: User, school: School) -> None:
    """Clear a lock-out after failed sign-ins."""
    from axes.utils import reset

    _managed_user(actor, user, school)
    reset(username=user.username)
    audit_log(actor=actor, action="user.unlocked", obj=user, school=school)


@transaction.atomic
def operator_set_active(*, actor: User, user: User, school: School, active: bool) -> None:
    """Switch a sign-in off (a leaver) or on again; switched-off users cannot sign in."""
    _managed_user(actor, user, school)
    if user.pk == actor.pk and not active:
        raise ServiceError("You cannot switch off your own sign-in.")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_log(
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        obj=user,
        school=school,
        changes={"is_active": [not active, active]},
    )


@transaction.atomic
def operator_reset_two_factor(*, actor: User, user: User, school: School) -> None:
    """Remove a user's authenticators (a lost phone); they enrol again at next sign-in."""
    _managed_user(actor, user, school)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_log(actor=actor, action="user.two_factor_reset", obj=user, school=school)
    _tell_user(
        user=user,
        actor=actor,
        school=school,
        what="removed your authenticator",
        advice="You set up a new authenticator app at your next sign-in.",
    )


@transaction.atomic
def user_password_changed(*, user: User) -> None:
    """Record that a user chose their own password, ending a temporary one."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit_log(actor=user, action="user.password_changed", obj=user)


# Seconds to wait after the n-th wrong second-factor code in a row. The first few are
# free: a mistyped code must not refuse the right one typed a moment later (django-otp's
# own back-off did, for the rest of the code's 30 seconds). After them the wait doubles,
# so guessing a 6-digit code with a stolen password takes years.
SECOND_FACTOR_FREE_FAILURES = 3
SECOND_FACTOR_MAX_WAIT = 3600


def second_factor_wait(failures: int) -> int:
    if failures < SECOND_FACTOR_FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - SECOND_FACTOR_FREE_FAILURES), SECOND_FACTOR_MAX_WAIT))


@transaction.atomic
def second_factor_verify(
    *, user: User, token: str, enrolling: TOTPDevice | None = None
) -> tuple[TOTPDevice | StaticDevice | None, int]:
    """Check a second-factor code: the user's authenticator or a backup code, or the
    authenticator being enrolled. Returns the device that took it, and otherwise how many
    seconds to wait before the next try (0 when the code was simply wrong).

    Wrong codes in a row are counted on every device the code was tried on; a right one
    clears the count on all of them. The devices are locked for the check, so two
    requests cannot both use one code. Each try at sign-in is audited, passed or failed
    (an enrolment is recorded by ``two_factor_enrol``).
    """
    device, wait = _second_factor_match(user=user, token=token, enrolling=enrolling)
    if enrolling is None:
        action = "user.second_factor_passed" if device else "user.second_factor_failed"
        audit_log(actor=user, action=action, obj=user)
    return device, wait


def _second_factor_match(
    *, user: User, token: str, enrolling: TOTPDevice | None
) -> tuple[TOTPDevice | StaticDevice | None, int]:
    devices: list[TOTPDevice | StaticDevice]
    if enrolling is not None:
        devices = [TOTPDevice.objects.select_for_update().get(pk=enrolling.pk)]
    else:
        devices = list(devices_for_user(user, confirmed=True, for_verify=True))
    last_wrong = max(devices, key=lambda d: d.throttling_failure_count, default=None)
    if last_wrong is not None and last_wrong.throttling_failure_timestamp is not None:
        waited = (timezone.now() - last_wrong.throttling_failure_timestamp).total_seconds()
        wait = second_factor_wait(last_wrong.throttling_failure_count) - waited
        if wait > 0:
            return None, math.ceil(wait)
    for device in devices:
        if device.verify_token(token):
            for other in devices:
                if other is not device:
                    other.throttle_reset()
            return device, 0
    return None, 0


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, backup_count: int = 8) -> list[str]:
    """Confirm a user's authenticator app and issue one-time backup codes (shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(backup_count)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    audit_log(actor=user, action="user.two_factor_enrolled", obj=user)
    return codes


# Password-reset e-mails per hour (security issue, item 12): a few for one address, more
# for one client address, since a whole school signs in from one NAT address.
RESET_LIMIT_PER_ADDRESS = 3
RESET_LIMIT_PER_IP = 10


def _reset_allowed(key: str, window: dt.datetime, limit: int) -> bool:
    PasswordResetCount.objects.get_or_create(key=key, window_start=window)
    # One conditional update: two processes cannot both take the last place.
    taken = PasswordResetCount.objects.filter(key=key, window_start=window, count__lt=limit).update(
        count=F("count") + 1
    )
    return taken == 1


@transaction.atomic
def password_reset_request(*, email: str, ip: str | None) -> bool:
    """Someone asked for a password-reset link for ``email``; queue it within the limits.

    The request does the same work for every address, known or not: it counts and queues,
    and the worker looks the address up and sends the link (``tasks.password_reset_send``),
    so neither the answer nor its timing says who has a sign-in. The address is counted
    as a keyed hash, never stored. Returns whether a link was queued.
    """
    now = timezone.now()
    window = now.replace(minute=0, second=0, microsecond=0)
    PasswordResetCount.objects.filter(window_start__lt=window).delete()
    address = email.strip().lower()
    digest = salted_hmac("warden.password_reset", address).hexdigest()
    allowed = _reset_allowed(f"ip:{ip or 'unknown'}", window, RESET_LIMIT_PER_IP) and (
        _reset_allowed(f"address:{digest}", window, RESET_LIMIT_PER_ADDRESS)
    )
    if allowed:
        transaction.on_commit(lambda: password_reset_send.enqueue(email=address))
    return allowed

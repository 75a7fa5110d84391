"""Portal accounts opened from the register: an e-mailed link, then a password."""

import logging

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from members.models import AuditEvent, Member, User
from members.services.audit import actor_unit, audit_record

logger = logging.getLogger(__name__)

ACTIVATION_SALT = "members.account-activation"
ACTIVATION_MAX_AGE = 24 * 3600


REFUSALS = {
    "expired": _("This activation link has expired. Ask for a new one."),
    "already_active": _(
        "This account is already active. Sign in with your e-mail and password."
    ),
    "invalid": _(
        "This activation link is not valid. Ask for a new one, or ask your "
        "union officer to check your e-mail address in the register."
    ),
}


class ActivationRefused(Exception):  # noqa: N818
    """The activation link cannot open an account; ``message`` says why.

    ``code`` is "expired", "already_active" or "invalid" (tampered with, the
    member no longer active, or their e-mail changed since the link was sent).
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
        self.message = REFUSALS[code]


def _activation_candidate(email: str) -> Member | None:
    """Return the one active member with this e-mail and no account, or None."""
    email = (email or "").strip()
    if not email or User.objects.filter(email__iexact=email).exists():
        return None
    members = list(
        Member.objects.filter(
            email__iexact=email, status=Member.Status.ACTIVE, user__isnull=True
        )[:2]
    )
    if len(members) != 1:
        if members:
            logger.warning("Activation refused: several members share one e-mail.")
        return None
    return members[0]


def activation_token(member: Member) -> str:
    """Return a signed token that lets the member behind it choose a password."""
    return signing.dumps(
        {"m": member.pk, "e": member.email.lower()}, salt=ACTIVATION_SALT
    )


def account_activation_request(
    *, email: str, request_host: str, scheme: str = "https"
) -> None:
    """Queue the activation e-mail for ``email``, whoever it belongs to.

    The request does the same work for every e-mail, in the register or not:
    it hands the address to a task and answers. The look-up and the e-mail
    (a whole SMTP round trip) happen in the worker, after the response, so
    that nobody can tell by the time of the answer who is in the register.
    """
    from members.tasks import account_activation_send

    account_activation_send.delay_on_commit(
        email=email,
        request_host=request_host,
        scheme=scheme,
        # The e-mail speaks the language of the request (Vietnamese unless chosen).
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def account_activation_send(
    *, email: str, request_host: str, scheme: str, language: str
) -> bool:
    """E-mail an activation link if an active member without an account has ``email``.

    Return whether a link was sent; an e-mail in no record gets nothing.
    """
    member = _activation_candidate(email)
    if member is None:
        return False
    path = reverse("members:activate_confirm", args=[activation_token(member)])
    context = {
        "name": member.full_name,
        "link": f"{scheme}://{request_host}{path}",
        "hours": ACTIVATION_MAX_AGE // 3600,
        "portal_name": settings.PORTAL_NAME,
    }
    templates = "members/register/email/activation_{part}.txt"
    with translation.override(language):
        subject = render_to_string(templates.format(part="subject"), context)
        body = render_to_string(templates.format(part="message"), context)
    # The prefix of allauth's e-mails, so that every portal e-mail looks alike.
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    send_mail(subject, body, None, [member.email], fail_silently=False)
    return True


def account_activation_member(*, token: str) -> Member:
    """Return the member a token would activate, or raise ActivationRefused.

    The token is refused once expired or tampered with, once the member has an
    account (so it cannot be used twice), when the member is no longer active,
    and when the member's e-mail has changed since it was sent.
    """
    try:
        payload = signing.loads(token, salt=ACTIVATION_SALT, max_age=ACTIVATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ActivationRefused("expired") from None
    except signing.BadSignature:
        raise ActivationRefused("invalid") from None
    try:
        member_id, email = int(payload["m"]), str(payload["e"])
    except (KeyError, TypeError, ValueError):
        raise ActivationRefused("invalid") from None
    member = Member.objects.filter(pk=member_id).first()
    if member is None or member.email.lower() != email:
        raise ActivationRefused("invalid")
    if member.user_id is not None or User.objects.filter(email__iexact=email).exists():
        raise ActivationRefused("already_active")
    if member.status != Member.Status.ACTIVE:
        raise ActivationRefused("invalid")
    return member


@transaction.atomic
def account_activate(*, token: str, password: str) -> User:
    """Open the login account of the member behind ``token`` with ``password``.

    Raises ActivationRefused when the token cannot open an account, and
    ValidationError keyed ``password`` when the password is too weak; in both
    cases nothing is written.
    """
    member = account_activation_member(token=token)
    # Lock the row so that two submissions of one link cannot both pass.
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None:
        raise ActivationRefused("already_active")
    user = User(email=member.email.lower(), name=member.full_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ActivationRefused("already_active") from None
    # Following the link proved the mailbox, which allauth's own flows rely on.
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=True
    )
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    logger.info("Portal account %s opened for member %s.", user.pk, member.pk)
    return user


# Second factor --------------------------------------------------------------


def second_factor_grace_start(*, user: User) -> None:
    """Start the account's grace period to set up a second factor, once."""
    now = timezone.now()
    started = User.objects.filter(
        pk=user.pk, second_factor_grace_from__isnull=True
    ).update(second_factor_grace_from=now)
    if started:
        user.second_factor_grace_from = now


SECOND_FACTOR_ACTIONS = {
    "added": AuditEvent.Action.SECOND_FACTOR_ADDED,
    "removed": AuditEvent.Action.SECOND_FACTOR_REMOVED,
    "reset": AuditEvent.Action.SECOND_FACTOR_RESET,
}


def second_factor_change_record(
    *, actor: User | None, user: User, authenticator: Authenticator, change: str
) -> AuditEvent:
    """Record that an account's second factor was added, removed or reset.

    ``change`` is "added", "removed" or "reset" (new recovery codes).
    """
    # An officer's event belongs to their unit, so that its staff see it too.
    return audit_record(
        actor=actor,
        action=SECOND_FACTOR_ACTIONS[change],
        obj=user,
        detail={"user": user.pk, "type": authenticator.type},
        unit=actor_unit(user),
    )


@transaction.atomic
def authenticator_remove(*, authenticator: Authenticator, actor: User) -> None:
    """Remove an account's authenticator (a superuser, for one who lost a phone)."""
    second_factor_change_record(
        actor=actor,
        user=authenticator.user,
        authenticator=authenticator,
        change="removed",
    )
    authenticator.delete()

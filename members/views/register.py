"""Member portal pages: activation, profile, relatives and the e-card."""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from members import services
from members.ecard import ecard_issue, ecard_qr_svg, ecard_verify
from members.forms import form_add_service_errors
from members.forms.register import (
    ActivationPasswordForm,
    ActivationRequestForm,
    RelativeForm,
)
from members.models import Consent, Member, Relative
from members.selectors.privacy import consent_in_force
from members.selectors.register import relatives_for_user
from members.services.accounts import ACTIVATION_MAX_AGE
from members.views import member_required

# The member's record as the profile shows it, in this order.
PROFILE_FIELDS = (
    "full_name",
    "unit",
    "employer",
    "card_number",
    "union_joined_on",
    "status",
    "national_id",
    "phone",
    "email",
)


def national_id_masked(value: str | None) -> str:
    """Return a CCCD with all but its last four digits hidden."""
    if not value:
        return ""
    return "•" * (len(value) - 4) + value[-4:]


# Activation ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def activate(request):
    """Ask for an activation link; the answer never says whether the e-mail is known."""
    form = ActivationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        # Shares allauth's password-reset limit, which also e-mails links: over
        # it, nothing is sent and the answer stays the same.
        if ratelimit.consume(request, action="reset_password", key=email):
            services.account_activation_request(
                email=email, request_host=request.get_host(), scheme=request.scheme
            )
        return redirect("members:activation_sent")
    return render(request, "members/register/activation_request.html", {"form": form})


@require_GET
def activation_sent(request):
    """Tell the person to look in their mailbox."""
    return render(
        request,
        "members/register/activation_sent.html",
        {"hours": ACTIVATION_MAX_AGE // 3600},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def activate_confirm(request, token):
    """Let the member behind an activation link choose a password, then sign in."""
    try:
        member = services.account_activation_member(token=token)
    except services.ActivationRefused as refusal:
        return _activation_refused(request, refusal)
    form = ActivationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_activate(
                token=token, password=form.cleaned_data["password1"]
            )
        except services.ActivationRefused as refusal:
            return _activation_refused(request, refusal)
        except ValidationError as error:
            form.add_error("password1", error.message_dict.get("password", error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Your account is active. Welcome to the union portal!")
            )
            return redirect("portal:home")
    return render(
        request,
        "members/register/activation_confirm.html",
        {"form": form, "email": member.email},
    )


def _activation_refused(request, refusal):
    return render(
        request,
        "members/register/activation_refused.html",
        {"refusal": refusal},
        status=400,
    )


# Profile and e-card --------------------------------------------------------


@login_required
@require_GET
@member_required
def profile(request, *, member):
    """Show the member's own record, the CCCD masked."""
    values = {
        "unit": member.unit.name,
        "employer": member.employer.company_name,
        "status": member.get_status_display(),
        "national_id": national_id_masked(member.national_id),
    }
    fields = [
        (
            Member._meta.get_field(name).verbose_name,
            values[name] if name in values else getattr(member, name),
        )
        for name in PROFILE_FIELDS
    ]
    return render(
        request, "members/register/profile.html", {"member": member, "fields": fields}
    )


@login_required
@require_GET
@member_required
def ecard(request, *, member):
    """Show the member's card with a QR code that links to the public verify page."""
    context = {"member": member, "active": member.status == Member.Status.ACTIVE}
    if context["active"]:
        token = ecard_issue(member)
        url = request.build_absolute_uri(
            reverse("members:ecard_verify", args=[token.value])
        )
        context["expires_at"] = token.expires_at
        context["qr_svg"] = ecard_qr_svg(url, title=_("QR code of your union card"))
    return render(request, "members/register/ecard.html", context)


@never_cache
@require_GET
def ecard_verify_page(request, token):
    """Say whether a card is valid, with its unit and expiry only: no personal data."""
    verification = ecard_verify(token)
    response = render(
        request, "members/register/ecard_verify.html", {"verification": verification}
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Relatives -----------------------------------------------------------------


@login_required
@require_GET
@member_required
def relative_list(request, *, member):
    """List the member's own relatives."""
    relatives = relatives_for_user(user=request.user)
    # After a withdrawal the union no longer uses them: the page says so.
    hidden = not consent_in_force(member=member, purpose=Consent.Purpose.RELATIVES)
    return render(
        request,
        "members/register/relative_list.html",
        {"member": member, "relatives": relatives, "relatives_hidden": hidden},
    )


@login_required
@require_http_methods(["GET", "POST"])
@member_required
def relative_add(request, *, member):
    """Add a relative of the member's own."""
    return _relative_form(request, Relative(member=member))


@login_required
@require_http_methods(["GET", "POST"])
def relative_edit(request, pk):
    """Change one of the member's own relatives; anybody else's is not found."""
    relative = get_object_or_404(
        relatives_for_user(user=request.user).select_related("member"), pk=pk
    )
    return _relative_form(request, relative)


def _relative_form(request, relative):
    adding = relative.pk is None
    form = RelativeForm(request.POST or None, instance=relative)
    if request.method == "POST" and form.is_valid():
        try:
            services.relative_save(relative=form.instance, actor=request.user)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            saved = (
                _("%(name)s was added to your relatives.")
                if adding
                else _("The details of %(name)s were saved.")
            )
            messages.success(request, saved % {"name": relative.full_name})
            return redirect("members:relatives")
    return render(
        request,
        "members/register/relative_form.html",
        {"form": form, "relative": relative, "adding": adding},
    )


@login_required
@require_http_methods(["GET", "POST"])
def relative_delete(request, pk):
    """Confirm, then remove one of the member's own relatives."""
    relative = get_object_or_404(
        relatives_for_user(user=request.user).select_related("member"), pk=pk
    )
    if request.method == "POST":
        name = relative.full_name
        services.relative_delete(relative=relative, actor=request.user)
        messages.success(
            request, _("%(name)s was removed from your relatives.") % {"name": name}
        )
        return redirect("members:relatives")
    return render(
        request, "members/register/relative_confirm_delete.html", {"relative": relative}
    )

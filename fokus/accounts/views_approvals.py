"""The approvals page: grants that open case data, waiting for a second person, and the
user's own password reset pages (from the link an administrator had sent her)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from fokus.accounts import actions, policy
from fokus.accounts.models import GrantStatus, PendingGrant
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.lib.forms import parse_id


def _refuse(user, object_id, purpose: str):
    with transaction.atomic():
        record(user, AccessAction.DENIED, "grant", str(object_id or "")[:64], purpose=purpose)
    raise Http404


@login_required
def approvals(request):
    """An administrator's or a department head's list of the organisation's grants waiting
    for approval, each with approve and reject (not his own requests, not his own grants);
    and the ones decided lately. Anyone else: 404, logged."""
    user = request.user
    if not policy.approves_grants(user):
        _refuse(user, None, "approvals")
    if request.method == "POST":
        grant_id = parse_id(request.POST.get("grant"))
        grant = PendingGrant.objects.filter(pk=grant_id,
                                            organisation_id=user.organisation_id).first()
        decision = request.POST.get("decision")
        if grant is None or decision not in ("approve", "reject"):
            _refuse(user, request.POST.get("grant"), "decide grant")
        try:
            if decision == "approve":
                actions.approve_grant(user, grant)
                messages.success(request, _("Approved: %(user)s now has the role %(role)s.") % {
                    "user": grant.user.display_name, "role": grant.get_role_display()})
            else:
                actions.reject_grant(user, grant)
                messages.success(request, _("Rejected: %(user)s keeps the rights as before.") % {
                    "user": grant.user.display_name})
        except actions.RightsRefused as refused:
            actions.record_refused(user, grant.user_id, "decide grant", {"grant": grant.pk})
            messages.error(request, str(refused.args[0]))
        return redirect("accounts:approvals")
    grants = (PendingGrant.objects.filter(organisation_id=user.organisation_id)
              .select_related("user", "requested_by", "decided_by")
              .prefetch_related("teams", "user__teams").order_by("-requested_at", "-id"))
    pending = [g for g in grants if g.status == GrantStatus.PENDING]
    decided = [g for g in grants if g.status != GrantStatus.PENDING][:20]
    with transaction.atomic():
        record(user, AccessAction.LIST, "grant", purpose="approvals",
               detail={"grant_ids": [g.pk for g in pending + decided]})
    rows = [(g, policy.may_approve(user, g)) for g in pending]
    return render(request, "accounts/approvals.html", {"rows": rows, "decided": decided})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: the user sets her new password herself (logged)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            actions.record_password_reset(form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

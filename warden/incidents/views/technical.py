"""The technical part of malware and security incidents, for the ICT manager and technicians.

Policy duty "Infections reported to the ICT team" (docs/policy-map.md): reports of infection
go to technical support and the ICT security manager, who disconnect the machine until it is
safe. They work that part here: the kind, title, what was reported and the technical steps
(disconnect, clean, restore, change breached passwords). The people, evidence, chronology,
severity and sanctions stay confidential to those who may read the incident (duty "Incidents
are confidential").
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import request_school, request_user
from warden.core.confidential import views as confidential_views
from warden.core.confidential.forms import StepForm
from warden.incidents import rules
from warden.incidents.access import (
    can_read,
    technical_incident_for_user,
    technical_incidents_for_user,
    technical_step_for_user,
)
from warden.incidents.playbooks import TECHNICAL_STEPS
from warden.incidents.services.incidents import incident_read
from warden.incidents.services.steps import step_complete
from warden.incidents.views.helpers import PAGE_SIZE


@login_required
@require_GET
def technical_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    incidents = technical_incidents_for_user(request.user, school).order_by("-reported_at", "-pk")
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/technical_list.html",
        {"page": page, "school": school, "technical_words": rules.TECHNICAL_WORDS},
    )


@login_required
@require_GET
def technical_detail(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = technical_incident_for_user(request.user, incident_pk)
    incident_read(actor=request_user(request), incident=incident, what="incident.technical_viewed")
    steps = [
        step
        for step in incident.steps.select_related("done_by")
        if (step.playbook, step.code) in TECHNICAL_STEPS
    ]
    return render(
        request,
        "incidents/technical_detail.html",
        {
            "incident": incident,
            "steps": steps,
            "step_form": StepForm(),
            "full_record": can_read(request.user, incident),
        },
    )


@login_required
@require_POST
def technical_step_done(request: HttpRequest, step_pk: int) -> HttpResponse:
    step = technical_step_for_user(request.user, step_pk)
    back = reverse("incidents:technical_detail", kwargs={"incident_pk": step.incident.pk})
    return confidential_views.step_done(request, step, back=back, complete=step_complete)

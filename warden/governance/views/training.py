"""Training: the matrix by person and course, courses, recording and importing completions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import GovernancePerm
from warden.core.uploads import apply_upload_refusals
from warden.governance import selectors
from warden.governance.forms import CompletionForm, CourseForm, ImportForm, MatrixFilterForm
from warden.governance.models import Course
from warden.governance.services import training as services
from warden.governance.views.helpers import course_people_form

PAGE_SIZE = 50


@login_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    """Everyone with training due or done, by course, overdue highlighted; paged, searchable."""
    school = request_school(request)
    require_perm(request.user, GovernancePerm.TRAINING_VIEW, school)
    today = timezone.localdate()
    form = MatrixFilterForm(request.GET)
    search, overdue = "", False
    if form.is_valid():
        search, overdue = form.cleaned_data["q"], form.cleaned_data["overdue"]
    people = selectors.trained_people(school, search=search, overdue_on=today if overdue else None)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    courses = list(Course.objects.filter(school=school, active=True))
    context = {
        "school": school,
        "form": form,
        "page": page,
        "courses": courses,
        "rows": selectors.matrix_rows(school, list(page), courses, today),
        "compliance": selectors.compliance(school, today),
        "can_record": has_perm(request.user, GovernancePerm.TRAINING_RECORD, school),
    }
    template = "governance/training_matrix.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def courses(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.TRAINING_VIEW, school)
    can_manage = has_perm(request.user, GovernancePerm.TRAINING_RECORD, school)
    form = None
    if can_manage:
        form = CourseForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and "starters" in request.POST:
            added = services.starter_courses_install(actor=request_user(request), school=school)
            messages.success(request, f"{added} starter course(s) added and set due.")
            return redirect("governance:courses")
        if request.method == "POST" and form.is_valid():
            try:
                course = services.course_create(
                    actor=request_user(request), school=school, **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{course} added and set due for who must take it.")
                return redirect("governance:courses")
    elif request.method == "POST":
        require_perm(request.user, GovernancePerm.TRAINING_RECORD, school)
    return render(
        request,
        "governance/courses.html",
        {
            "school": school,
            "courses": Course.objects.filter(school=school),
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """Record a completion for one person or many at once."""
    school = request_school(request)
    require_perm(request.user, GovernancePerm.TRAINING_RECORD, school)
    form = course_people_form(request, CompletionForm, school, completed_on=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            made = services.completions_record(
                actor=request_user(request),
                course=form.cleaned_data["course"],
                people=form.cleaned_data["people"],
                completed_on=form.cleaned_data["completed_on"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, f"{form.cleaned_data['course']}: {len(made)} completion(s) recorded."
            )
            return redirect("governance:training")
    return render(
        request,
        "governance/training_record.html",
        {"school": school, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_import(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.TRAINING_RECORD, school)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not apply_upload_refusals(request, form) and form.is_valid():
        try:
            result = services.training_import(
                actor=request_user(request), school=school, content=form.cleaned_data["file"].read()
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                f"{result.recorded} completion(s) imported"
                + (
                    f"; {result.skipped} already recorded were left as they were."
                    if result.skipped
                    else "."
                ),
            )
            return redirect("governance:training")
    return render(
        request,
        "governance/training_import.html",
        {"school": school, "form": form},
        status=400 if form.errors else 200,
    )

"""Portal pages of courses: the catalogue, a course, enrolling, my courses."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from learning import services
from learning.models import Course
from learning.selectors.portal import catalogue as catalogue_read
from learning.selectors.portal import course_for_member, course_outline
from learning.selectors.portal import my_courses as my_courses_read
from members.views import member_required


@require_safe
@member_required
def catalogue(request, *, member):
    """List the published courses meant for the member, by category."""
    category = request.GET.get("category", "")
    if category not in Course.Category.values:
        category = ""
    enrolled = {row.course_id: row for row in my_courses_read(member=member)}
    courses = catalogue_read(member=member, category=category)
    for course in courses:
        course.enrolment = enrolled.get(course.pk)
    return render(
        request,
        "learning/courses/catalogue.html",
        {
            "courses": courses,
            "categories": Course.Category.choices,
            "category": category,
        },
    )


@require_safe
@member_required
def course_page(request, slug: str, *, member):
    """Show a course's modules and lessons, the member's progress, enrolment."""
    course = course_for_member(member=member, slug=slug)
    if course is None:
        raise Http404
    return render(
        request,
        "learning/courses/course.html",
        {"outline": course_outline(member=member, course=course)},
    )


@require_POST
@member_required
def course_enrol(request, slug: str, *, member):
    """Enrol the member in the course, through the service's rules."""
    course = course_for_member(member=member, slug=slug)
    if course is None:
        raise Http404
    try:
        services.course_enrol(course=course, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect("learning:course", slug=course.slug)


@require_safe
@member_required
def my_courses(request, *, member):
    """List the member's courses with a progress bar each."""
    return render(
        request,
        "learning/courses/my_courses.html",
        {"enrolments": my_courses_read(member=member)},
    )

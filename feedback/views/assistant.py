"""The "Ask the union" pages: ask, the member's own history, an answer, an article."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from feedback import services
from feedback.forms.assistant import AskForm, HelpfulForm
from feedback.models import LegalArticle
from feedback.selectors.assistant import (
    articles_of_passages,
    question_for_member,
    question_history,
)
from members.forms import form_add_service_errors
from members.views import member_required


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def ask(request, *, member):
    """Ask a question; below the form, the member's own questions and answers."""
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ask(
                member=member,
                text=form.cleaned_data["text"],
                submit_token=form.cleaned_data["submit_token"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return redirect("feedback:assistant_question", question.pk)
    if request.method == "POST" and form.errors:
        # A fresh code for the corrected form: the refused one asked nothing.
        form.data = form.data.copy()
        form.data["submit_token"] = AskForm.base_fields["submit_token"].initial()
    history = question_history(user=request.user, member=member)
    return render(
        request,
        "feedback/assistant/ask.html",
        {"form": form, "history": history},
    )


@never_cache
@login_required
@require_safe
@member_required
def question_page(request, pk: int, *, member):
    """One of the member's own questions, with its answer and the passages quoted."""
    question = question_for_member(user=request.user, member=member, pk=pk)
    if question is None:
        raise Http404
    articles = articles_of_passages(question.passages)
    passages = [
        {**passage, "url": articles[passage["article"]].get_absolute_url()}
        for passage in question.passages
        if passage["article"] in articles
    ]
    handover = getattr(question, "handover", None)
    return render(
        request,
        "feedback/assistant/question.html",
        {"question": question, "passages": passages, "handover": handover},
    )


@login_required
@require_POST
@member_required
def question_feedback(request, pk: int, *, member):
    """Mark one's own answer helpful or not."""
    question = question_for_member(user=request.user, member=member, pk=pk)
    if question is None:
        raise Http404
    form = HelpfulForm(request.POST)
    if form.is_valid():
        services.question_mark_helpful(
            member=member, question=question, helpful=form.cleaned_data["helpful"]
        )
        messages.success(
            request, _("Thank you: your opinion helps the union improve the answers.")
        )
    else:
        messages.error(request, _("Choose helpful or not helpful."))
    return redirect("feedback:assistant_question", question.pk)


@login_required
@require_safe
def article_page(request, pk: int):
    """The whole text of an article of the base: public law, no member data."""
    article = get_object_or_404(
        LegalArticle.objects.select_related(
            "document__replaced_by", "amended_by__document"
        ),
        pk=pk,
    )
    return render(request, "feedback/assistant/article.html", {"article": article})

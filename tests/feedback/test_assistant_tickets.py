"""Handovers: one ticket a question for the member's grassroots union, answered once."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import (
    AssistantHandover,
    AssistantQuestion,
    CuratedAnswer,
    LegalArticle,
)
from feedback.reminders.assistant import assistant_handover_due
from members.models import Notification

pytestmark = pytest.mark.django_db

OUT_OF_SCOPE = "Thủ tục ly hôn đơn phương cần giấy tờ gì?"
LOW_CONFIDENCE = "Máy pha cà phê ở phòng họp tầng ba hỏng thì báo ai sửa?"


def ask(small, text, token=None):
    return services.question_ask(
        member=small.member, text=text, submit_token=token or uuid.uuid4()
    )


@pytest.mark.parametrize("text", [OUT_OF_SCOPE, LOW_CONFIDENCE])
def test_a_handed_over_question_makes_one_ticket_for_the_grassroots_union(small, text):
    token = uuid.uuid4()

    first = ask(small, text, token)
    again = ask(small, text, token)  # the same form submitted twice

    assert first.pk == again.pk
    assert first.outcome == AssistantQuestion.Outcome.HANDED_OVER
    assert AssistantQuestion.objects.filter(member=small.member).count() == 1
    handover = AssistantHandover.objects.get()
    # The member sits in a union group: the ticket goes to its grassroots union.
    assert handover.unit == small.home
    assert handover.due_on == timezone.localdate() + timedelta(days=5)


def test_posting_the_form_twice_through_the_page_asks_once(small, client):
    client.force_login(small.member_user)
    data = {"text": OUT_OF_SCOPE, "submit_token": str(uuid.uuid4())}

    first = client.post(reverse("feedback:assistant"), data)
    second = client.post(reverse("feedback:assistant"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert AssistantHandover.objects.count() == 1


def test_the_officers_answer_reaches_the_members_inbox_once(small, client):
    question = ask(small, OUT_OF_SCOPE)
    article = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")

    services.handover_answer(
        handover=question.handover,
        actor=small.officer,
        answer="Việc ly hôn do Tòa án giải quyết; hãy hỏi trợ giúp pháp lý.",
        articles=[article],
    )

    notification = Notification.objects.get(recipient=small.member_user)
    assert notification.link == reverse(
        "feedback:assistant_question", args=[question.pk]
    )
    client.force_login(small.member_user)
    page = client.get(notification.link).content.decode()
    assert "Việc ly hôn do Tòa án giải quyết" in page
    assert "Điều 35 Bộ luật Lao động 2019" in page
    with pytest.raises(ValidationError):
        services.handover_answer(
            handover=question.handover, actor=small.officer, answer="Lần hai"
        )
    assert Notification.objects.filter(recipient=small.member_user).count() == 1


def test_an_officer_of_another_union_cannot_answer_or_promote_the_ticket(small):
    question = ask(small, OUT_OF_SCOPE)

    with pytest.raises(PermissionDenied):
        services.handover_answer(
            handover=question.handover,
            actor=small.other_officer,
            answer="Không phải việc của tôi",
        )
    with pytest.raises(PermissionDenied):
        services.handover_promote(handover=question.handover, actor=small.other_officer)
    question.handover.refresh_from_db()
    assert question.handover.answered_at is None


def test_an_answered_ticket_becomes_an_approved_curated_answer(small):
    question = ask(small, LOW_CONFIDENCE)
    article = LegalArticle.objects.get(key="84/2015/QH13#Điều 16")
    services.handover_answer(
        handover=question.handover,
        actor=small.officer,
        answer="Báo bộ phận hành chính; người sử dụng lao động bảo đảm thiết bị.",
        articles=[article],
    )

    curated = services.handover_promote(handover=question.handover, actor=small.officer)

    assert curated.approved_by == small.officer
    assert list(curated.articles.all()) == [article]
    assert curated.question == LOW_CONFIDENCE
    with pytest.raises(ValidationError):
        services.handover_promote(handover=question.handover, actor=small.officer)
    assert CuratedAnswer.objects.count() == 1


def test_officers_see_only_their_own_unions_tickets_in_the_admin(small, client):
    from django.contrib.auth.models import Permission

    mine = ask(small, OUT_OF_SCOPE)
    theirs = services.question_ask(
        member=small.stranger,
        text="Thủ tục kết hôn với người nước ngoài?",
        submit_token=uuid.uuid4(),
    )
    small.officer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="feedback")
    )
    client.force_login(small.officer)

    page = client.get(reverse("admin:feedback_assistanthandover_changelist"))
    assert mine.text in page.content.decode()
    assert theirs.text not in page.content.decode()
    other = client.get(
        reverse("admin:feedback_assistanthandover_change", args=[theirs.handover.pk])
    )
    assert other.status_code in (302, 404)


def test_a_member_sees_only_their_own_questions(small, client):
    mine = ask(small, "Làm ca đêm được tính từ mấy giờ?")
    theirs = services.question_ask(
        member=small.stranger,
        text="Nghỉ ốm được hưởng bao nhiêu ngày?",
        submit_token=uuid.uuid4(),
    )
    client.force_login(small.member_user)

    page = client.get(reverse("feedback:assistant")).content.decode()
    assert mine.text in page
    assert theirs.text not in page
    assert (
        client.get(reverse("feedback:assistant_question", args=[theirs.pk])).status_code
        == 404
    )
    forged = client.post(
        reverse("feedback:assistant_feedback", args=[theirs.pk]), {"helpful": "no"}
    )
    assert forged.status_code == 404
    theirs.refresh_from_db()
    assert theirs.helpful is None


def test_the_answer_page_quotes_with_citations_a_link_and_the_notice(small, client):
    question = ask(small, "Tôi muốn nghỉ việc thì phải báo trước cho công ty mấy ngày?")
    client.force_login(small.member_user)

    page = client.get(
        reverse("feedback:assistant_question", args=[question.pk])
    ).content.decode()

    assert "Điều 35 Bộ luật Lao động 2019" in page
    article = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")
    assert reverse("feedback:assistant_article", args=[article.pk]) in page
    assert "không phải tư vấn pháp lý" in page

    client.post(
        reverse("feedback:assistant_feedback", args=[question.pk]), {"helpful": "no"}
    )
    question.refresh_from_db()
    assert question.helpful is False


def test_staff_see_questions_by_topic_with_waiting_and_unhelpful_counts(small, client):
    from django.contrib.auth.models import Permission

    ask(small, OUT_OF_SCOPE)
    answered = ask(small, "Làm ca đêm được tính từ mấy giờ?")
    services.question_mark_helpful(
        member=small.member, question=answered, helpful=False
    )
    small.officer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="feedback")
    )
    client.force_login(small.officer)

    page = client.get(
        reverse("admin:feedback_assistantquestion_by_topic")
    ).content.decode()

    assert "Hôn nhân, gia đình, thừa kế" in page
    assert "Thời giờ làm việc, nghỉ ngơi" in page


def test_officers_are_reminded_of_tickets_due_tomorrow_once_a_day(small):
    question = ask(small, OUT_OF_SCOPE)
    AssistantHandover.objects.filter(pk=question.handover.pk).update(
        due_on=timezone.localdate() + timedelta(days=1)
    )

    targets = list(assistant_handover_due(today=timezone.localdate()))

    assert [t.recipient_id for t in targets] == [small.officer.pk]
    assert str(question.handover.pk) in targets[0].dedupe_key


def test_an_officer_answers_in_the_admin_and_the_member_is_told(small, client):
    from django.contrib.auth.models import Permission

    question = ask(small, OUT_OF_SCOPE)
    article = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")
    small.officer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="feedback")
    )
    client.force_login(small.officer)
    url = reverse(
        "admin:feedback_assistanthandover_change", args=[question.handover.pk]
    )

    response = client.post(
        url, {"answer": "Hãy hỏi tòa án nơi cư trú.", "articles": [article.pk]}
    )

    assert response.status_code == 302
    handover = AssistantHandover.objects.get(pk=question.handover.pk)
    assert handover.answered_by == small.officer
    assert list(handover.articles.all()) == [article]
    assert Notification.objects.filter(recipient=small.member_user).count() == 1
    # The answer is final: a second post changes nothing.
    client.post(url, {"answer": "Câu khác", "articles": []})
    handover.refresh_from_db()
    assert handover.answer == "Hãy hỏi tòa án nơi cư trú."

"""Two submits of one form at once: one question, one ticket (PostgreSQL, threads).

Its own module: the other assistant tests hold the knowledge base in a
transaction for the whole module, which a transactional test cannot flush.
"""

import threading
import uuid

import pytest
from django.db import connection

from feedback import services
from feedback.models import AssistantHandover, AssistantQuestion
from tests.conftest import require_service

OUT_OF_SCOPE = "Thủ tục ly hôn đơn phương cần giấy tờ gì?"


def ask(small, text, token):
    return services.question_ask(member=small.member, text=text, submit_token=token)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_of_one_form_make_one_question_and_one_ticket(
    kb_free_small,
):
    require_service(connection.vendor == "postgresql", "concurrency needs PostgreSQL")
    small = kb_free_small
    token = uuid.uuid4()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(ask(small, OUT_OF_SCOPE, token).pk)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert AssistantQuestion.objects.count() == 1
    assert AssistantHandover.objects.count() == 1


@pytest.fixture
def kb_free_small(transactional_db):
    """The small union without the knowledge base: out-of-scope needs no article."""
    from feedback.services.assistant import topics_ensure
    from tests.feedback.conftest import Small

    topics_ensure()
    return Small()


def test_with_no_law_loaded_a_question_is_handed_over(kb_free_small):
    question = ask(kb_free_small, "Nghỉ việc phải báo trước mấy ngày?", uuid.uuid4())

    assert question.outcome == AssistantQuestion.Outcome.HANDED_OVER
    assert question.reason == AssistantQuestion.Reason.LOW_CONFIDENCE
    assert question.passages == []
    assert AssistantHandover.objects.filter(question=question).exists()

"""One response per member, claimed atomically: concurrent submissions on PostgreSQL."""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from feedback.models import Survey, SurveyAnswer, SurveyParticipation, SurveyResponse
from feedback.services import surveys as surveys_service
from tests.feedback.factories import answer, make_survey, members_of


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_store_one_response(postgresql, monkeypatch, union):
    survey = make_survey(owner_unit=union.unit_a)
    person = members_of(union.unit_a, 1)[0]
    barrier = threading.Barrier(3, timeout=10)
    write = surveys_service._answer_write

    def write_when_lined_up(**kwargs):
        # All have checked and found no participation; now all insert at once.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return write(**kwargs)

    monkeypatch.setattr(surveys_service, "_answer_write", write_when_lined_up)
    done, refused, errors = [], [], []

    def submit(choice):
        try:
            answer(survey, person, q1=choice, q2=choice + 1, q3=f"Ý kiến {choice}")
            done.append(choice)
        except ValidationError as error:
            refused.append(error.messages)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(done) == 1
    assert len(refused) == 2
    assert SurveyParticipation.objects.filter(survey=survey).count() == 1
    response = SurveyResponse.objects.get(survey=survey)
    # The one response holds the winner's answers only.
    assert SurveyAnswer.objects.filter(response=response).count() == 3
    assert SurveyAnswer.objects.count() == 3
    assert SurveyAnswer.objects.get(text__startswith="Ý kiến").text == (
        f"Ý kiến {done[0]}"
    )
    assert Survey.objects.get(pk=survey.pk).response_count == 1

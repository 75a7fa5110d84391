"""The duplicates check: similar initiatives, accents ignored, only what one may see."""

import pytest

from feedback.selectors.initiatives import initiatives_similar
from tests.feedback.initiatives_factories import make_initiative, make_round, recognise

pytestmark = pytest.mark.django_db


@pytest.fixture
def recognised(tree, stranger):
    """A recognised initiative of another union: its title is public."""
    initiative = make_initiative(
        member=stranger,
        title="Tối ưu hóa quy trình xử lý sự cố mạng",
        problem="Sự cố mạng được xử lý chậm, khách hàng phàn nàn.",
        solution="Chuẩn hóa các bước và tự động giao việc cho tổ trực.",
    )
    return recognise(
        initiative,
        officer=tree.vtc_officer,
        review_round=make_round(unit=tree.vtc),
    )


def test_finds_the_accented_title_from_a_query_typed_without_accents(
    author, recognised
):
    found = initiatives_similar(user=author.user, title="toi uu hoa quy trinh")

    assert [s.initiative for s in found] == [recognised]
    assert found[0].score >= 70
    assert found[0].own is False


def test_offers_at_most_five_best_first(tree, author, stranger):
    review_round = make_round(unit=tree.vtc)
    titles = [
        "Tối ưu hóa quy trình",
        "Tối ưu hóa quy trình cấp phát vật tư",
        "Tối ưu quy trình kiểm kê kho",
        "Quy trình tối ưu hóa lịch trực",
        "Tối ưu hóa quy trình bảo dưỡng trạm BTS",
        "Tối ưu hóa quy trình đối soát cước",
        "Lắp pin mặt trời cho trạm",
    ]
    made = [make_initiative(member=stranger, title=t) for t in titles]
    for initiative in made:
        recognise(initiative, officer=tree.vtc_officer, review_round=review_round)

    found = initiatives_similar(user=author.user, title="toi uu hoa quy trinh")

    assert len(found) == 5
    assert found[0].initiative == made[0]
    assert made[-1] not in [s.initiative for s in found]
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)


def test_others_initiatives_not_recognised_are_never_offered(
    tree, author, colleague, stranger
):
    """A colleague's, a stranger's submitted or rejected ones stay private."""
    make_initiative(member=colleague, title="Tối ưu hóa quy trình trực đêm")
    make_initiative(member=stranger, title="Tối ưu hóa quy trình đo kiểm")
    mine = make_initiative(member=author, title="Tối ưu hóa quy trình họp giao ban")
    shared = make_initiative(
        member=colleague,
        title="Tối ưu hóa quy trình nghiệm thu",
        coauthors=["Nguyễn Thị Thu"],
    )

    found = initiatives_similar(user=author.user, title="Toi uu hoa quy trinh")

    assert {s.initiative for s in found} == {mine, shared}
    assert all(s.own for s in found)
    # The colleague sees their own two, not the author's.
    seen = initiatives_similar(user=colleague.user, title="Toi uu hoa quy trinh")
    assert {s.initiative.title for s in seen} == {
        "Tối ưu hóa quy trình trực đêm",
        "Tối ưu hóa quy trình nghiệm thu",
    }


def test_the_text_counts_beside_the_title(tree, author, stranger):
    initiative = make_initiative(
        member=stranger,
        title="Phần mềm giao việc",
        problem="Phân công xử lý sự cố cáp quang bằng điện thoại mất nhiều thời gian.",
        solution="Ứng dụng tự động phân công sự cố cáp quang theo vị trí.",
    )
    recognise(
        initiative, officer=tree.vtc_officer, review_round=make_round(unit=tree.vtc)
    )

    found = initiatives_similar(
        user=author.user,
        title="Ung dung phan cong",
        text="tu dong phan cong su co cap quang theo vi tri",
    )

    assert [s.initiative for s in found] == [initiative]


def test_nothing_similar_gives_an_empty_list(author, recognised):
    assert initiatives_similar(user=author.user, title="Xe đưa đón công nhân") == []
    assert initiatives_similar(user=author.user, title="   ") == []

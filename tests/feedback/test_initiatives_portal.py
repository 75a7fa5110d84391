"""Initiatives in the portal: submit after seeing similar ones, list, detail, files."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import Initiative, InitiativeAttachment
from members.models import AuditEvent
from tests.conftest import vi, vi_text
from tests.feedback.initiatives_factories import make_initiative, make_round, recognise
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db

SUBMIT = reverse("feedback:initiative_submit")


def _fields(**overrides) -> dict:
    fields = {
        "title": "Tối ưu hóa quy trình trực ca",
        "problem": "Giao ca mất 30 phút mỗi ngày.",
        "solution": "Bảng giao ca điện tử dùng chung.",
        "applied_where": "Trung tâm điều hành mạng",
        "expected_benefit_vnd": "50.000.000",
        "other_benefits": "Giảm sai sót khi giao ca",
        "coauthors": "",
        "submission_key": str(uuid.uuid4()),
    }
    return {**fields, **overrides}


def _check(client, fields):
    """Post the first step; return the page and the fields the second step posts."""
    page = client.post(SUBMIT, fields)
    assert page.status_code == 200
    assert page.context["confirm"] is True
    form = page.context["form"]
    return page, {**fields, "checked": form.data["checked"], "confirm": "1"}


def test_a_member_sees_similar_initiatives_then_submits_with_files(
    client, tree, author, colleague, stranger
):
    public = make_initiative(member=stranger, title="Tối ưu hóa quy trình giao ca")
    recognise(public, officer=tree.vtc_officer, review_round=make_round(unit=tree.vtc))
    private = make_initiative(member=colleague, title="Tối ưu hóa quy trình trực ca")
    client.force_login(author.user)

    page, second = _check(
        client, _fields(title="toi uu hoa quy trinh truc ca", coauthors="Trần Văn Hùng")
    )

    body = page.content.decode()
    assert "Tối ưu hóa quy trình giao ca" in body
    assert private.title not in body  # a colleague's, not recognised
    assert [c.full_name for c in page.context["coauthors"]] == ["Trần Văn Hùng"]
    assert not Initiative.objects.filter(member=author).exists()

    response = client.post(
        SUBMIT,
        {
            **second,
            "attachments": [
                SimpleUploadedFile("ban-ve.pdf", b"%PDF-1.4 ban ve", "application/pdf"),
                SimpleUploadedFile("anh.png", b"\x89PNG anh", "image/png"),
            ],
        },
    )

    initiative = Initiative.objects.get(member=author)
    assert response.status_code == 302
    assert response.url == reverse("feedback:initiative", args=[initiative.pk])
    assert initiative.title == "toi uu hoa quy trinh truc ca"
    assert initiative.expected_benefit_vnd == 50_000_000
    assert initiative.unit == tree.vnpt_hn  # the group's grassroots union
    assert [c.member for c in initiative.coauthors.all()] == [colleague]
    # Audited as the member's own action, not a staff one.
    audited = AuditEvent.objects.get(
        object_id=str(initiative.pk), detail__action="initiative_submit"
    )
    assert (audited.action, audited.actor) == (
        AuditEvent.Action.MEMBER_ACTION,
        author.user,
    )
    assert sorted(initiative.attachments.values_list("name", "size")) == [
        ("anh.png", 8),
        ("ban-ve.pdf", 15),
    ]
    detail = client.get(response.url).content.decode()
    assert "Trần Văn Hùng" in detail
    assert "50.000.000" in detail
    assert vi("Submitted") in detail
    # The co-author sees it among theirs, and may open it.
    client.force_login(colleague.user)
    listed = client.get(reverse("feedback:my_initiatives"))
    assert initiative in list(listed.context["initiatives"])
    assert client.get(response.url).status_code == 200


def test_submitting_without_the_check_shows_the_similar_ones_first(client, author):
    client.force_login(author.user)
    fields = _fields()
    _page, second = _check(client, fields)

    skipped = client.post(SUBMIT, {**fields, "confirm": "1"})
    changed = client.post(SUBMIT, {**second, "title": "Một tiêu đề khác hẳn"})

    for page in (skipped, changed):
        assert page.status_code == 200
        assert page.context["confirm"] is True
    assert not Initiative.objects.exists()


def test_a_double_click_on_submit_stores_one_initiative(client, author):
    client.force_login(author.user)
    _page, second = _check(client, _fields())

    first = client.post(SUBMIT, second)
    again = client.post(SUBMIT, second)

    assert Initiative.objects.count() == 1
    assert first.url == again.url


def test_co_authors_are_named_within_ones_union_or_by_exact_code_or_email(
    client, tree, author, colleague, stranger
):
    client.force_login(author.user)
    namesake = make_member(unit=tree.vtc_st, full_name="Phạm Đức Minh Hai")
    make_member(unit=tree.vnpt_hcm, full_name="Võ Thị Sáu", employee_code="HCM-9")

    page, _second = _check(
        client,
        _fields(coauthors="Lý Thị Mai\nvo thi sau\nPhạm Đức Minh Hai\nHCM-9"),
    )

    errors = page.context["form"].errors["coauthors"]
    assert len(errors) == 3  # names beyond the union are not searched
    assert all("Lý Thị Mai" not in e or "“Lý Thị Mai”" in e for e in errors)
    body = page.content.decode()
    for other in (stranger, namesake):
        assert other.unit.name not in body
    page, second = _check(
        client, _fields(coauthors="mai.ly@example.vn\nHCM-9\nTRAN VAN HUNG")
    )
    assert {c.full_name for c in page.context["coauthors"]} == {
        "Lý Thị Mai",
        "Võ Thị Sáu",
        "Trần Văn Hùng",
    }
    client.post(SUBMIT, second)
    initiative = Initiative.objects.get(member=author)
    assert {c.member.full_name for c in initiative.coauthors.all()} == {
        "Lý Thị Mai",
        "Võ Thị Sáu",
        "Trần Văn Hùng",
    }


def test_refused_input_stores_nothing_and_says_why_in_vietnamese(client, author):
    client.force_login(author.user)
    _page, second = _check(client, _fields())

    too_big = client.post(
        SUBMIT,
        {**second, "attachments": [SimpleUploadedFile("virus.exe", b"MZ", "x/y")]},
    )
    bad_money = client.post(SUBMIT, {**second, "expected_benefit_vnd": "=1+1"})
    empty = client.post(SUBMIT, _fields(title=" ", problem=""))

    assert not Initiative.objects.exists()
    assert not InitiativeAttachment.objects.exists()
    assert "virus.exe" in str(too_big.context["attachments"].errors)
    assert bad_money.context["form"].errors["expected_benefit_vnd"] == [
        vi_text("Type the amount in đồng, digits only (e.g. 50.000.000).")
    ]
    assert set(empty.context["form"].errors) >= {"title", "problem"}


def test_members_open_only_their_own_initiatives_and_files(
    client, tree, author, colleague, stranger
):
    mine = make_initiative(
        member=author,
        title="Sáng kiến của Thu",
        files=[SimpleUploadedFile("so-do.pdf", b"%PDF so do", "application/pdf")],
    )
    theirs = make_initiative(
        member=stranger,
        title="Sáng kiến của Mai",
        files=[SimpleUploadedFile("bi-mat.pdf", b"%PDF bi mat", "application/pdf")],
    )
    recognise(theirs, officer=tree.vtc_officer, review_round=make_round(unit=tree.vtc))
    own_file, their_file = mine.attachments.get(), theirs.attachments.get()
    client.force_login(author.user)

    assert client.get(reverse("feedback:initiative", args=[mine.pk])).status_code == 200
    download = client.get(reverse("feedback:initiative_attachment", args=[own_file.pk]))
    assert b"".join(download.streaming_content) == b"%PDF so do"
    for url in (
        reverse("feedback:initiative", args=[theirs.pk]),
        reverse("feedback:initiative_attachment", args=[their_file.pk]),
    ):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("feedback:my_initiatives")).content.decode()
    assert "Sáng kiến của Thu" in listed
    assert "Sáng kiến của Mai" not in listed


def test_the_home_shows_the_members_initiatives(client, author, colleague):
    make_initiative(member=author, title="Sáng kiến trên trang chủ")
    client.force_login(author.user)

    home = client.get("/").content.decode()

    assert 'id="home-initiatives"' in home
    assert "Sáng kiến trên trang chủ" in home
    client.force_login(colleague.user)
    assert 'id="home-initiatives"' not in client.get("/").content.decode()


def test_pages_need_a_member(client, make_user):
    assert client.get(reverse("feedback:my_initiatives")).status_code == 302
    client.force_login(make_user("khach@example.vn", "Khách"))
    page = client.get(SUBMIT)
    assert page.templates[0].name == "members/not_linked.html"

"""Work waiting in the union tree, for the staff home's tests (client and browser)."""

from datetime import timedelta

from django.utils import timezone

from members import services
from members.models import (
    ConsultationRequest,
    DataRightsRequest,
    ImportHeldRow,
    ImportRun,
    Transfer,
)
from tests.members.factories import UnionTree, make_union_tree


def _held_row(run: ImportRun, number: int, status: str) -> ImportHeldRow:
    return ImportHeldRow.objects.create(
        run=run,
        employer=run.employer,
        identity=f"{run.pk}-{number}",
        row_number=number,
        reason="Số CCCD sai.",
        status=status,
    )


def _run(tree_unit, status: str, *, days_ago: int = 0) -> ImportRun:
    run = ImportRun.objects.create(
        employer=tree_unit,
        source=ImportRun.Source.UPLOAD,
        file_name="nhan-su.xlsx",
        file_sha256="a" * 64,
        status=status,
    )
    if days_ago:
        created = timezone.now() - timedelta(days=days_ago)
        ImportRun.objects.filter(pk=run.pk).update(created_at=created)
    return run


def _consultation(member, **fields) -> ConsultationRequest:
    return ConsultationRequest.objects.create(
        member=member,
        topic=ConsultationRequest.Topic.HEALTH,
        subject="Tư vấn sức khoẻ",
        mode=ConsultationRequest.Mode.ONLINE,
        preferred_times="Buổi tối",
        **fields,
    )


def union_tree_with_work() -> UnionTree:
    """Return the union tree with work waiting in VNPT Hà Nội, VNPT HCM and VTC."""
    tree = make_union_tree()
    today, now = tree.today, timezone.now()
    # Offered by Hà Nội: Hồ Chí Minh accepts. Asked by Hà Nội: HCM releases.
    services.transfer_request(
        member=tree.group_member,
        to_unit=tree.vnpt_hcm,
        transfer_on=today,
        actor=tree.grassroots_officer,
    )
    Transfer.objects.create(
        member=tree.sibling.member,
        from_unit=tree.vnpt_hcm,
        to_unit=tree.vnpt_hn,
        transfer_on=today,
        proposer_side=Transfer.Side.RECEIVING,
    )
    # VNPT's files: two rows to review (a fixed one and a preview's do not
    # count); a queued run, a failed one this week and one a month ago.
    done = _run(tree.vnpt, ImportRun.Status.DONE)
    _held_row(done, 3, ImportHeldRow.Status.OPEN)
    _held_row(done, 4, ImportHeldRow.Status.OPEN)
    _held_row(done, 5, ImportHeldRow.Status.FIXED)
    _held_row(done, 6, ImportHeldRow.Status.PREVIEW)
    _run(tree.vnpt, ImportRun.Status.QUEUED)
    _run(tree.vnpt, ImportRun.Status.FAILED, days_ago=2)
    _run(tree.vnpt, ImportRun.Status.REFUSED, days_ago=30)
    _held_row(_run(tree.vtc, ImportRun.Status.DONE), 2, ImportHeldRow.Status.OPEN)
    # Data-rights requests: Hà Nội's first is past its deadlines.
    for member, received in (
        (tree.own_member, now - timedelta(days=30)),
        (tree.group_member, now),
        (tree.sibling.member, now),
    ):
        services.data_rights_request_submit(
            member=member,
            kind=DataRightsRequest.Kind.ACCESS,
            actor=None,
            received_at=received,
        )
    # Consultations: one to schedule in Hà Nội; appointments in 2, 3, 10 days.
    _consultation(tree.own_member)
    scheduled = ConsultationRequest.Status.SCHEDULED
    _consultation(
        tree.group_member, status=scheduled, scheduled_at=now + timedelta(days=2)
    )
    _consultation(
        tree.sibling.member, status=scheduled, scheduled_at=now + timedelta(days=3)
    )
    _consultation(
        tree.own_member, status=scheduled, scheduled_at=now + timedelta(days=10)
    )
    return tree

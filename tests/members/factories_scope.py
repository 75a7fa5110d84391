"""The scope crawler's world: the union tree with a canary in every kind of record.

``sibling`` canaries live in VNPT TP. Hồ Chí Minh (a sibling of the grassroots
officer's unit), ``cousin`` canaries in VTC Truyền hình số (under the other
upper-grassroots union); ``private`` ones belong to one person and no staff
member's scope shows them (notifications, login locks).
"""

import importlib
from dataclasses import dataclass
from datetime import date

from allauth.mfa.totp.internal.auth import TOTP
from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from members import services
from members.models import (
    AuditEvent,
    HrmDepartment,
    HrmProfile,
    ImportRun,
    PushSubscription,
    User,
)
from members.services.audit import audit_record
from members.services.data_rights import data_rights_request_submit
from members.services.hrm_import import import_run_create, import_run_execute
from members.services.notifications import notify
from tests.members.factories import (
    UnionTree,
    make_account,
    make_permissions_group,
    make_staff,
    make_union_tree,
    national_id_for,
)
from tests.members.factories_programmes import ProgrammeTree, make_programme_tree

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
HRM_HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"


@dataclass(frozen=True)
class ScopeWorld:
    tree: UnionTree
    programmes: ProgrammeTree
    all_permissions: Group
    # A member with an account and a record of every kind: the portal's prober.
    prober: User
    drifter: User
    transfer_home: object
    transfer_away: object
    sibling: dict[str, str]
    cousin: dict[str, str]
    private: dict[str, str]

    @property
    def others_of_prober(self) -> dict[str, str]:
        """Everything the portal must never show the prober."""
        return {
            **{f"sibling {k}": v for k, v in self.sibling.items()},
            **{f"cousin {k}": v for k, v in self.cousin.items()},
            **{f"private {k}": v for k, v in self.private.items()},
        }


def _import(employer, department: str, label: str, serial: int) -> dict[str, str]:
    """Import a file of one new member and one held row; return their strings."""
    born = date(1990, 5, 17)
    national_id = national_id_for(
        date_of_birth=born, gender="female", serial=serial, province="079"
    )
    name, held = f"Canary Import {label}", f"Canary Held {label}"
    content = (
        HRM_HEADER
        + f"IMP-{serial},{name},17/05/1990,Nữ,{national_id},,{department}\n"
        + f"HLD-{serial},{held},31/02/1990,Nữ,,,{department}\n"
    )
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=f"canary-{label.lower()}.csv",
        content=content.encode("utf-8-sig"),
        confirmed=True,
    )
    run = import_run_execute(run_id=run.pk)
    assert run.status == ImportRun.Status.DONE, run.message
    assert run.held_rows.count() == 1, run.message
    return {"imported member": name, "held row": held}


def _failed_login(email: str, agent: str) -> None:
    """Fail to log in as ``email`` once, as a browser would (django-axes records it)."""
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(
        reverse("account_login"), {"login": email, "password": "sai-mat-khau"}
    )
    assert response.status_code == 200, response.status_code


def make_scope_world() -> ScopeWorld:
    """Build the tree, its programmes, and a canary of every kind of record."""
    tree = make_union_tree()
    programmes = make_programme_tree(tree)
    everything = make_permissions_group("Mọi quyền")
    for officer in (tree.grassroots_officer, tree.upper_officer, tree.sector_officer):
        officer.groups.add(everything)

    # Transfers: one inside the grassroots officer's union, one between two others.
    transfer_home = services.transfer_request(
        member=tree.group_member, to_unit=tree.vnpt_hn, transfer_on=tree.today
    )
    transfer_away = services.transfer_request(
        member=tree.sibling.member, to_unit=tree.vtc_st, transfer_on=tree.today
    )

    # The audit trail and data-rights requests.
    action = AuditEvent.Action
    audit_record(
        actor=tree.sibling_officer,
        action=action.VIEW,
        obj=tree.sibling.member,
        detail={"page": "Canary Audit Sibling View"},
    )
    audit_record(
        actor=tree.sibling_officer,
        action=action.EXPORT,
        detail={"export": "Canary Audit Sibling Export"},
    )
    for canary, label in ((tree.sibling, "Sibling"), (tree.cousin, "Cousin")):
        data_rights_request_submit(
            member=canary.member,
            kind="correction",
            details=f"Canary Rights {label}",
            actor=canary.account,
        )

    # HRM imports of both employers: profiles, departments, runs, held rows.
    HrmProfile.objects.create(employer=tree.vnpt, full_file=False)
    HrmProfile.objects.create(employer=tree.vtc, full_file=False)
    HrmDepartment.objects.create(employer=tree.vnpt, code="HCM01", unit=tree.vnpt_hcm)
    HrmDepartment.objects.create(employer=tree.vnpt, code="HN01", unit=tree.vnpt_hn)
    HrmDepartment.objects.create(employer=tree.vtc, code="DT01", unit=tree.vtc_dt)
    sibling_import = _import(tree.vnpt, "HCM01", "Sibling", 5501)
    cousin_import = _import(tree.vtc, "DT01", "Cousin", 5502)

    # The portal's prober: Nguyễn Văn An, with an account and one of everything.
    own = tree.own_member
    own.email = "an.nguyen@example.vn"
    services.member_save(member=own)
    prober = make_account(own)
    data_rights_request_submit(
        member=own, kind="access", details="Bản sao dữ liệu của tôi", actor=prober
    )

    # Notifications: each person's own.
    private = {}
    for account, label in (
        (prober, "Own"),
        (tree.grassroots_officer, "Officer"),
        (tree.sibling.account, "Sibling"),
        (tree.cousin.account, "Cousin"),
    ):
        notify(
            recipient=account,
            kind="scope.canary",
            dedupe_key=f"scope-canary-{label}",
            title=f"Canary Notification {label}",
            link="/thong-bao/",
        )
        if label in {"Sibling", "Cousin"}:
            private[f"notification {label}"] = f"Canary Notification {label}"

    # Devices that receive Web Push: each person's own.
    for account, label in (
        (prober, "Own"),
        (tree.sibling.account, "Sibling"),
        (tree.cousin.account, "Cousin"),
    ):
        device = f"Canary Device {label}"
        PushSubscription.objects.create(
            user=account,
            endpoint=f"https://fcm.googleapis.com/fcm/send/canary-{label.lower()}",
            p256dh="B" + "A" * 86,
            auth="A" * 22,
            device_label=device,
        )
        if label != "Own":
            private[f"push device {label}"] = device

    # Sign-in security: authenticator apps and failed logins.
    for account in (prober, tree.sibling.account, tree.cousin.account):
        TOTP.activate(account, TOTP_SECRET)
    for canary, label in ((tree.sibling, "Sibling"), (tree.cousin, "Cousin")):
        agent = f"Canary Agent {label}"
        _failed_login(canary.account.email, agent)
        # The portal keeps neither log (settings), but their admins list any.
        for log in (AccessLog, AccessFailureLog):
            log.objects.create(
                username=canary.account.email,
                ip_address="203.0.113.7",
                user_agent=agent,
                path_info="/accounts/login/",
            )
        private[f"login agent {label}"] = agent

    drifter = make_staff(
        email="khongvaitro@example.vn",
        name="Ngô Không Vai Trò",
        unit=None,
        groups=(everything,),
    )
    sibling = {
        **tree.sibling.strings,
        **{f"programme {k}": v for k, v in programmes.sibling.strings.items()},
        "audit view": "Canary Audit Sibling View",
        "audit export": "Canary Audit Sibling Export",
        "rights request": "Canary Rights Sibling",
        **sibling_import,
    }
    cousin = {
        **tree.cousin.strings,
        **{f"programme {k}": v for k, v in programmes.cousin.strings.items()},
        "rights request": "Canary Rights Cousin",
        **cousin_import,
    }
    # Every other app adds its records through tests/<app>/scope_canaries.py.
    for extra in _app_canaries(tree=tree):
        sibling.update(extra.get("sibling", {}))
        cousin.update(extra.get("cousin", {}))
        private.update(extra.get("private", {}))
    return ScopeWorld(
        tree=tree,
        programmes=programmes,
        all_permissions=everything,
        prober=User.objects.get(pk=prober.pk),
        drifter=drifter,
        transfer_home=transfer_home,
        transfer_away=transfer_away,
        sibling=sibling,
        cousin=cousin,
        private=private,
    )


def _app_canaries(*, tree: UnionTree) -> list[dict[str, dict[str, str]]]:
    """Call ``scope_canaries(tree=...)`` of every app that has one in tests/.

    A new app's admins and pages are crawled without editing this module: its
    tests add a ``scope_canaries`` returning the strings of its sibling and
    cousin canaries (and private ones), having made its officer's own records.
    """
    found = []
    for config in apps.get_app_configs():
        name = f"tests.{config.label}.scope_canaries"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name not in {name, f"tests.{config.label}"}:
                raise
            continue
        found.append(module.scope_canaries(tree=tree))
    return found

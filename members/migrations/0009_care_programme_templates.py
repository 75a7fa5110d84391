"""The care programme templates the union ships: data that staff copy and adjust."""

from django.db import migrations

TEMPLATES = [
    {
        "code": "health-check-women",
        "name": "Khám sức khỏe định kỳ cho nữ đoàn viên",
        "description": (
            "Mỗi năm một lần, công đoàn chi trả khám sức khỏe cho mọi nữ đoàn viên: "
            "250.000 đồng dưới 40 tuổi, 650.000 đồng từ 40 tuổi (tuổi tính tại "
            "ngày tham chiếu)."
        ),
        "definition": {
            "beneficiary": "member",
            "benefit": "cash",
            "amount": 250_000,
            "bands": [{"from_age": 40, "amount": 650_000}],
            "rules": [
                {"field": "gender", "operator": "eq", "value": "female"},
                {"field": "status", "operator": "in", "value": "active"},
            ],
        },
    },
    {
        "code": "maternity-support",
        "name": "Hỗ trợ nữ đoàn viên sinh con",
        "description": (
            "10.000.000 đồng cho nữ đoàn viên sinh con trong kỳ, cộng 5.000.000 "
            "đồng cho mỗi con thêm khi sinh đôi, sinh ba. Cần khai báo con trong "
            "danh sách thân nhân."
        ),
        "definition": {
            "beneficiary": "member",
            "benefit": "cash",
            "amount": 10_000_000,
            "extra_amount": 5_000_000,
            "rules": [
                {"field": "gender", "operator": "eq", "value": "female"},
                {"field": "status", "operator": "in", "value": "active"},
                {"field": "relationship", "operator": "eq", "value": "child"},
                {"field": "born_in_period", "operator": "eq", "value": "yes"},
            ],
        },
    },
    {
        "code": "sick-member-visits",
        "name": "Thăm hỏi đoàn viên ốm đau",
        "description": (
            "Thăm hỏi, tặng quà đoàn viên đang ốm đau, nằm viện (có hồ sơ chăm lo "
            "đang mở). Mức quà do công đoàn cơ sở quyết định theo quy chế chi tiêu."
        ),
        "definition": {
            "beneficiary": "member",
            "benefit": "gift",
            "gift": "Thăm hỏi và quà",
            "amount": 0,
            "rules": [
                {"field": "status", "operator": "in", "value": "active"},
                {"field": "care_case", "operator": "in", "value": "illness"},
            ],
        },
    },
]


def install(apps, schema_editor):
    ProgrammeTemplate = apps.get_model("members", "ProgrammeTemplate")
    for template in TEMPLATES:
        ProgrammeTemplate.objects.update_or_create(
            code=template["code"],
            defaults={key: value for key, value in template.items() if key != "code"},
        )


def remove(apps, schema_editor):
    ProgrammeTemplate = apps.get_model("members", "ProgrammeTemplate")
    ProgrammeTemplate.objects.filter(
        code__in=[template["code"] for template in TEMPLATES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0008_care_programmes")]

    operations = [migrations.RunPython(install, remove)]

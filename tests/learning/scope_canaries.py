"""Learning's records for the scope crawler: the officer's own, and canaries beyond."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from learning import services
from learning.models import (
    Assignment,
    Badge,
    Certificate,
    Course,
    Enrolment,
    FeedPost,
    LessonCompletion,
    Quest,
    XpReason,
)
from tests.learning.factories import (
    make_category,
    make_course,
    make_module,
    make_quiz_lesson,
    make_text_lesson,
    make_video_lesson,
    truefalse,
)


def _course_of(unit, member, label: str, today) -> dict[str, str]:
    """A course owned by the unit, learnt by the member; return its strings."""
    # Meant for the unit's own members: another unit's member may not learn it.
    course = make_course(
        owner_unit=unit,
        title=f"Canary Course {label}",
        audience=Course.Audience.UNITS,
        audience_units=(unit,),
    )
    module = make_module(course=course, title=f"Canary Module {label}")
    video = make_video_lesson(
        module=module, title=f"Canary Lesson {label}", uploaded=True
    )
    video.low_bitrate_file.save("thap.mp4", ContentFile(b"\x00" * 32), save=False)
    video.captions.save("phu-de.vtt", ContentFile(b"WEBVTT\n\n"), save=True)
    text = make_text_lesson(module=module, title=f"Canary Reading {label}")
    bank = make_category(course=course, name=f"Canary Bank {label}")
    quiz = make_quiz_lesson(
        module=module,
        title=f"Canary Quiz {label}",
        questions=(truefalse(bank, text=f"Canary Question {label}"),),
    )
    assignment = Assignment.objects.create(
        course=course, unit=unit, deadline=today + timedelta(days=30)
    )
    enrolment = services.course_enrol(course=course, member=member)
    Enrolment.objects.filter(pk=enrolment.pk).update(assignment=assignment)
    services.video_heartbeat(
        member=member,
        lesson=video,
        session=f"canary-{label}",
        sequence=0,
        intervals=[],
        active_seconds=0,
        position=0,
    )
    LessonCompletion.objects.create(member=member, lesson=text)
    services.attempt_start(quiz=quiz, member=member)
    Certificate.objects.create(
        enrolment=enrolment, member=member, course=course, issued_at=timezone.now()
    )
    # Gamification: a quest of the unit, an award and XP of the member.
    badge, _created = Badge.objects.get_or_create(
        slug="canary-badge",
        defaults={
            "name": "Canary Badge",
            "description": "Canary",
            "criteria": "Canary",
            "rule": Badge.Rule.MANUAL,
        },
    )
    Quest.objects.create(
        unit=unit,
        title=f"Canary Quest {label}",
        course=course,
        target_percent=90,
        starts_on=today,
        ends_on=today + timedelta(days=30),
        badge=badge,
    )
    services.badge_award(
        badge=badge,
        member_id=member.pk,
        source=f"manual:{label}",
        reason=f"Canary Award {label}",
    )
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=hash(label) % 10_000,
        title=f"Canary Xp {label}",
    )
    return {
        "course": course.title,
        "quest": f"Canary Quest {label}",
        "award": f"Canary Award {label}",
        "xp": f"Canary Xp {label}",
        "module": module.title,
        "lesson": video.title,
        "quiz": quiz.lesson.title,
        "bank": bank.name,
        "question": f"Canary Question {label}",
    }


def _feed_of(unit, member, label: str, tree) -> dict[str, str]:
    """A mandatory message of the unit, read, seen and confirmed by the member."""
    posts = []
    for number, category in enumerate(
        (FeedPost.Category.MESSAGING, *[FeedPost.Category.LEARNING] * 4)
    ):
        post = FeedPost.objects.create(
            title=f"Canary Feed Post {label} {number}",
            body=f"Canary feed text {label}",
            category=category,
            owner_unit=unit,
            publish_at=timezone.now() - timedelta(hours=1),
            confirm_required=number == 0,
            confirm_by=tree.today + timedelta(days=3) if number == 0 else None,
            # A post of each medium, so the crawler opens the image and video.
            image=ContentFile(b"\x89PNG", name="anh.png") if number == 1 else "",
            video=ContentFile(b"\x00" * 32, name="clip.mp4") if number == 2 else "",
        )
        post.audience_units.set([unit])
        services.feed_post_publish(post=post, actor=tree.sector_officer)
        posts.append(post)
    services.feed_sync(member=member)
    services.feed_views_record(member=member, post_ids=[p.pk for p in posts])
    services.feed_confirm(member=member, post=posts[0])
    return {"feed post": posts[0].title, "feed text": posts[0].body}


def _records_of(unit, member, label: str, tree) -> dict[str, str]:
    return {
        **_course_of(unit, member, label, tree.today),
        **_feed_of(unit, member, label, tree),
    }


def scope_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make learning's records of the officer's unit and of the canary units."""
    _records_of(tree.vnpt_hn, tree.own_member, "Own", tree)
    return {
        "sibling": {
            f"learning {key}": value
            for key, value in _records_of(
                tree.vnpt_hcm, tree.sibling.member, "Sibling", tree
            ).items()
        },
        "cousin": {
            f"learning {key}": value
            for key, value in _records_of(
                tree.vtc_dt, tree.cousin.member, "Cousin", tree
            ).items()
        },
    }

"""Every template renders with sample data, escapes user text, and is valid Telegram HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2
import pytest
from jinja2 import meta
from telegram import Bot
from telegram.constants import ParseMode

from bot.fakes.telegram import FakeTelegramServer
from messages import environment, label, labels, render, template_names
from tests.conftest import TOKEN

HOSTILE = "<b>Lan</b> & </code> <script>"

# One sample per template variable name; user-provided text is hostile on purpose.
SAMPLES: dict[str, Any] = {
    "name": HOSTILE,
    "suggested_name": HOSTILE,
    "ward_name": "Phường Thành Đông",
    "group_name": "Tổ dân phố <Chí Linh 1>",
    "phone": "0912345678",
    "office": "Bộ phận Tiếp công dân & Một cửa",
    "address": "Số 1 <Thanh Niên>",
    "url": "https://bot.phuong.example.vn/f/3kq9Zx/l%E1%BB%8Bch.ics?a=1&b=<2>",
    "days": 30,
    "hours": "7h30–11h30",
    "feature": "gửi ý kiến",
    "ref": "12",
    "share_label": label("onboarding.share_phone"),
    "skip_label": label("onboarding.skip_phone"),
    "role_label": label("roles.secretary"),
    "unit_name": "Phòng Kinh tế",
    "media": label("media.sticker"),
    "max_length": 80,
    "length": 10000,
    "limit": 4096,
    "field_label": label("fields.name"),
    "consent_at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    "tz": "Asia/Ho_Chi_Minh",
    # broadcasts and /thongbao (issue #4); body is the secretary's text as Telegram HTML
    "body": HOSTILE,
    "caption_limit": 1024,
    "audience": "Tổ dân phố <Chí Linh 1>",
    "recipients": 5000,
    "sent": 4200,
    "waiting": 700,
    "failed": 2,
    "blocked": 98,
    "cancelled": 0,
    "muted": 12,
    "unreachable": 3,
    "stopped": False,
    "notices_off": True,
    # dialogue sessions (issue #5): ``card`` is bot.usecases.sessions.card(...)
    "card": {
        "id": 12,
        "title": HOSTILE,
        "kind": "Đối thoại định kỳ",
        "host": "Chủ tịch UBND phường",
        "deputy": "Phó Chủ tịch <UBND>",
        "form": "Trực tuyến",
        "link": "https://meet.example.vn/doi-thoai?a=1&b=2",
        "starts_at": datetime(2026, 12, 11, 1, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 11, 4, 0, tzinfo=UTC),
        "end_time": "11:00",
        "venue": "Nhà văn hóa <TDP> Chí Linh 1",
        "audience": "Tổ dân phố Chí Linh 1",
        "capacity": 80,
        "places_left": 3,
        "opinion_deadline": datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        "status": "cancelled",
        "cancel_reason": "Mưa bão <lớn>",
        "deep_link": "https://t.me/nghedannoi_bot?start=s12",
        "tz": "Asia/Ho_Chi_Minh",
    },
    "my_status": "registered",
    "speaking_rank": 2,
    "waitlist_rank": 1,
    "speak_topic": HOSTILE,
    "session_items": [
        {
            "card": {
                "id": 12,
                "title": HOSTILE,
                "venue": "Nhà văn hóa",
                "form": "Trực tiếp",
                "host": "Chủ tịch UBND phường",
                "starts_at": datetime(2026, 12, 11, 1, 0, tzinfo=UTC),
                "tz": "Asia/Ho_Chi_Minh",
            },
            "my_status": "waitlisted",
            "status": "Nháp",
            "starts_at": datetime(2026, 12, 11, 1, 0, tzinfo=UTC),
            "venue": "Nhà văn hóa <TDP> Chí Linh 1",
            "tz": "Asia/Ho_Chi_Minh",
        }
    ],
    "changes": [
        {
            "field": "time",
            "label": "Thời gian",
            "old": datetime(2026, 12, 11, 1, 0, tzinfo=UTC),
            "new": datetime(2026, 12, 12, 1, 0, tzinfo=UTC),
        },
        {"field": "venue", "label": "Địa điểm", "old": "Nhà <A>", "new": "Nhà <B>"},
    ],
    "change_reason": "Mưa bão <lớn>",
    "registered": True,
    "closed": "session_cancelled",
    "status_label": "Đã công bố",
    "session_version": 2,
    "registered_count": 40,
    "waitlist_count": 2,
    "speaker_count": 5,
    "lead_time_reason": "Theo chỉ đạo <khẩn>",
    "seated": [{"name": HOSTILE, "attended": True}],
    "waitlist": [{"name": HOSTILE}],
    "speakers": [{"name": HOSTILE, "topic": HOSTILE}],
    "example": "11/12/2026 08:00",
    "typed_text": "<ngày mai>",
    "default_deadline": datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
    "session_problems": ["Chưa có tiêu đề buổi đối thoại."],
    "lead_short": True,
    "earliest": datetime(2026, 12, 4, 1, 0, tzinfo=UTC).date(),
    "working_days": 4,
    "published": True,
    "notified": 120,
    "skipped": [datetime(2026, 12, 4, 1, 0, tzinfo=UTC).date()],
}

# petitions (issue #6); added without overriding, so each flow keeps its own samples
_PETITION_SAMPLES: dict[str, Any] = {
    "step": 2,
    "steps": 5,
    "on_behalf": False,
    "open_sessions": [
        {
            "title": "Đối thoại <định kỳ> 2026",
            "starts_at": datetime(2026, 12, 10, 1, 0, tzinfo=UTC),
            "deadline": datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        },
        {
            "title": "Chuyên đề & thanh niên",
            "starts_at": datetime(2026, 12, 20, 1, 0, tzinfo=UTC),
            "deadline": None,
        },
    ],
    "session_title": "Đối thoại <định kỳ> 2026",
    "session_deadline": datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
    "session_at": datetime(2026, 12, 10, 1, 0, tzinfo=UTC),
    "session_date": datetime(2026, 12, 10).date(),
    "has_open": True,
    "max_files": 5,
    "files": 2,
    "has_location": True,
    "content": HOSTILE,
    "place": "Ngõ 12 <Chí Linh>",
    "named": False,
    "noted": "address",
    "person_address": "Số 3 <Thanh Bình>",
    "channel_label": "✉️ Thư, đơn gửi đến",
    "code": "TD-2026-0042",
    "conclusion_by": datetime(2026, 12, 24).date(),
    "conclusion_complex_by": datetime(2026, 12, 31).date(),
    "report_days": 7,
    "weekly_next": datetime(2026, 11, 27).date(),
    "created_at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    "petition_rows": [
        {
            "code": "TD-2026-0042",
            "field": "Đất đai",
            "status": "Đã tiếp nhận",
            "created_at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        },
    ],
    "page": 1,
    "pages": 3,
    "total": 12,
    "status_label": "Đã tiếp nhận",
    "petition_events": [
        {
            "at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
            "label": "Phường tiếp nhận ý kiến",
            "detail": "Qua <bot> Telegram",
        },
        {"at": datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "label": "Đã có trả lời", "detail": None},
    ],
    "digest_count": 23,
    "digest_items": [
        {"code": "TD-2026-0042", "field": "Đất đai", "on_behalf": False},
        {"code": "TD-2026-0043", "field": "Môi trường", "on_behalf": True},
    ],
    "digest_more": 3,
}
for _key, _value in _PETITION_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)


_DEADLINE_SAMPLES: dict[str, Any] = {
    "deadline_day": "23/02/2026",
    "escalate_after": 3,
    "deadline_items": [
        {
            "kind": "Trả lời ý kiến",
            "subject": "TD-2026-0042 · Đất đai",
            "unit": "Phòng <Kinh tế>",
            "due": "23/02/2026",
            "state": "before",
            "days_left": 2,
            "days_late": 0,
        },
        {
            "kind": "Ban hành thông báo kết luận",
            "subject": "Đối thoại <quý I> (10/02/2026)",
            "unit": None,
            "due": "03/03/2026",
            "state": "overdue",
            "days_left": 0,
            "days_late": 3,
        },
    ],
}
for _key, _value in _DEADLINE_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

_CONCLUSION_ITEM = {
    "label": "TD-2026-0042 · Đất đai",
    "code": "TD-2026-0042",
    "answer": "Đã <sửa> đèn",
    "unit": "Phòng <Kinh tế>",
    "due": "05/03/2026",
    "note": "Gửi <UBND> thành phố",
}
_CONCLUSION_SAMPLES: dict[str, Any] = {
    "host": "Chủ tịch UBND phường",
    "free_text": "Ghi nhận <ý kiến> bà con",
    "answered_items": [_CONCLUSION_ITEM],
    "assigned_items": [_CONCLUSION_ITEM],
    "forwarded_items": [],
    "unit_items": [_CONCLUSION_ITEM],
    "notice_due": "03/03/2026",
    "complex_reason": "Liên quan <nhiều> cơ quan",
    "unclassified_codes": ["TD-2026-0050"],
    "petition_code": "TD-2026-0042",
    "group": "assigned",
    "answer": "Đã <sửa> đèn",
    "unit": "Phòng <Kinh tế>",
    "due": "05/03/2026",
    "pending_sessions": [{"title": "Đối thoại <quý I>", "date": "10/02/2026", "due": "03/03/2026"}],
    "sent_count": 7,
}
for _key, _value in _CONCLUSION_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

_REPORT_SAMPLES: dict[str, Any] = {
    "report_period": "tháng 11/2026",
    "report_received": 12,
    "report_sessions": 4,
    "report_fields": [{"name": "Đất <đai>", "count": 5}],
    "report_statuses": [{"name": "Đã trả lời", "count": 7}],
    "report_units": [
        {"name": "Phòng <Kinh tế>", "answered": 3, "percent": 67, "open": 2, "overdue": 1},
        {"name": "Văn phòng", "answered": 0, "percent": None, "open": 1, "overdue": 0},
    ],
    "report_overdue": [
        {"code": "TD-2026-0042", "field": "Đất đai", "unit": "Phòng <KT>", "due": "20/11/2026"}
    ],
    "report_overdue_more": 2,
    "report_survey_answered": 9,
    "report_survey_average": "4.2",
    "report_satisfied": 6,
    "report_not_satisfied": 1,
    "report_due": datetime(2026, 12, 15, tzinfo=UTC).date(),
    "report_kind": "quarterly",
    "report_file_name": "tong-hop-thang-2026-11.xlsx",
    "report_limit": 20000,
    "dossier_title": "Đối thoại <định kỳ> năm 2026",
    "dossier_count": 15,
    "dossier_path": "1-doi-thoai/01-truoc/01-ke-hoach.docx",
}
for _key, _value in _REPORT_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)


def variables(name: str) -> set[str]:
    env = environment()
    assert env.loader is not None
    source = env.loader.get_source(env, name + ".html.j2")[0]
    return meta.find_undeclared_variables(env.parse(source))


def test_there_are_templates() -> None:
    assert len(template_names()) >= 30


@pytest.mark.parametrize("name", template_names())
def test_every_variable_has_a_sample(name: str) -> None:
    missing = variables(name) - SAMPLES.keys()
    assert not missing, f"add samples for {missing} in tests/test_templates.py"


def _context(name: str) -> dict[str, Any]:
    return {key: SAMPLES[key] for key in variables(name)}


@pytest.mark.parametrize("name", template_names())
def test_renders_escapes_and_has_vietnamese(name: str) -> None:
    text = render(name, **_context(name))
    assert text.strip()
    assert "<script>" not in text and "<b>Lan</b>" not in text
    if "name" in variables(name):
        assert "&lt;b&gt;Lan&lt;/b&gt; &amp; &lt;/code&gt;" in text


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("welcome")


def test_labels_fit_telegram_limits() -> None:
    for kind in ("resident", "staff"):
        for command, description in labels(f"commands.{kind}").items():
            assert command.islower() and 1 <= len(description) <= 256
    assert label("onboarding.use_name", name="Nguyễn Văn An").endswith("Nguyễn Văn An")
    with pytest.raises(KeyError):
        label("no.such.label")


async def test_every_template_is_valid_telegram_html(tg: FakeTelegramServer) -> None:
    user = tg.user(4242, first_name="Kiểm")
    await user.send("xin chào")
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        for name in template_names():
            await bot.send_message(
                user.id, render(name, **_context(name)), parse_mode=ParseMode.HTML
            )
    assert len(user.messages) == len(template_names())
    assert any("<b>Lan</b> & </code>" in m.plain_text for m in user.messages)


# Zalo channel (issue 14): a map pin as text
SAMPLES.setdefault("title", HOSTILE)
SAMPLES.setdefault("latitude", 21.0285)
SAMPLES.setdefault("longitude", 105.8542)

# assignment workflow (issue #7A); added without overriding
_WORKFLOW_SAMPLES: dict[str, Any] = {
    "due_on": datetime(2026, 12, 4).date(),
    "proposed_due": datetime(2026, 12, 11).date(),
    "codes": ["TD-2026-0042", "TD-2026-0043"],
    "note": HOSTILE,
    "step_kind": "unit_answer",
    "reopen_reason": HOSTILE,
    "approved": True,
    "inbox_rows": [{"code": "TD-2026-0042", "field": "Đất đai", "status": "Mới", "grouped": True}],
    "filter_text": "Mọi trạng thái · Đất đai",
    "pick_kind": "unit",
    "officials": 0,
    "outcome_label": "Giao đơn vị xử lý",
    "text_kind": "ext_date",
    "text": HOSTILE,
    "file_kind": "photo",
    "problem": "bad_date",
    "similar_rows": [{"code": "TD-2026-0040", "score": 88, "status": "Mới"}],
    "unit_rows": [
        {
            "code": "TD-2026-0042",
            "field": "Đất đai",
            "due_on": datetime(2026, 12, 4).date(),
            "overdue": True,
        }
    ],
    "done_kind": "reopen",
    "overdue_rows": [
        {"code": "TD-2026-0042", "unit_name": "Phòng <KT>", "due_on": datetime(2026, 12, 4).date()}
    ],
    "rate_rows": [
        {
            "unit_name": "Phòng <KT>",
            "answered": 4,
            "on_time": 3,
            "percent": 75,
            "open": 2,
            "overdue": 1,
        }
    ],
    "trail_rows": [
        {
            "at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
            "actor": HOSTILE,
            "action": "Giao đơn vị",
            "detail": "Phòng <KT>",
        }
    ],
    "accepted": True,
}
for _key, _value in _WORKFLOW_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

_PAPER_SAMPLES: dict[str, Any] = {
    # the secretary's paper list and the deliveries in a petition's trail (issue 14)
    "entries": [
        {
            "row_id": 7,
            "name": HOSTILE,
            "phone": "0912345678",
            "place": "Tổ <1>",
            "news": label("news.events.workflow_resident_update"),
            "subject": "TD-2026-0042",
            "since": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        }
    ],
    "marked": {"name": HOSTILE},
    "delivery_rows": [
        {
            "at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
            "recipient": HOSTILE,
            "news": label("news.events.workflow_resident_update"),
            "route": label("news.route.zns"),
        }
    ],
}
for _key, _value in _PAPER_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

_SOCIAL_SAMPLES: dict[str, Any] = {
    # social groups declared in /hoso and thematic sessions for them (issue #5)
    "social_names": [label("sessions.social.youth"), label("sessions.social.women")],
    "done_label": label("social_groups.done"),
    "social_name": label("sessions.social.youth"),
    "broadcast_label": label("staff_menu.broadcast"),
    # linking a person's Telegram and Zalo accounts (issue 14)
    "link_code": "042917",
    "expires_at": datetime(2026, 11, 25, 2, 10, tzinfo=UTC),
    "linked_at": datetime(2026, 11, 25, 2, 3, tzinfo=UTC),
    "retry_at": datetime(2026, 11, 25, 3, 0, tzinfo=UTC),
    "profile_label": label("menu.profile"),
    "button_label": label("link.button"),
    "enter_label": label("link.enter"),
    "new_code_label": label("link.new_code"),
    "home_label": label("menu.back"),
    "app_name": label("link.apps.zalo"),
    "petitions": 3,
    "tries_left": 2,
    "max_tries": 5,
}
for _key, _value in _SOCIAL_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

_ZALO_SAMPLES: dict[str, Any] = {
    # a file Zalo takes neither as a file nor as an image (issue 14)
    "filename": "bao-cao-11-2026.xlsx",
    "ext": "xlsx",
    "tool": label("staff_menu.broadcast"),
    "command_menu": True,
    "photo": True,
}
for _key, _value in _ZALO_SAMPLES.items():
    SAMPLES.setdefault(_key, _value)

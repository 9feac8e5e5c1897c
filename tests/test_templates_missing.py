"""No message shows a Python placeholder (``None``, ``[]``, ``{}``, ``Role.ADMIN``) where a value
is missing: every value the use cases and handlers may leave out is rendered as words (issue 12,
item 3). The samples are those of tests/test_templates.py; here each optional one is set to None
(and each optional list to empty), one at a time, in every template that uses it."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from messages import environment, render, template_names
from tests.test_templates import SAMPLES, variables

# Paths into the template context (a key, then keys or list indexes) whose producers may pass
# None whatever the other values are: optional fields of Session (card()), Registration and the
# report figures.
OPTIONAL: tuple[tuple[Any, ...], ...] = (
    ("card", "deputy"),
    ("card", "link"),
    ("card", "ends_at"),
    ("card", "end_time"),
    ("card", "capacity"),
    ("card", "places_left"),
    ("card", "opinion_deadline"),
    ("card", "cancel_reason"),
    ("card", "deep_link"),
    ("my_status",),
    ("speaking_rank",),
    ("speak_topic",),
    ("lead_time_reason",),
    ("speakers", 0, "topic"),
    ("file_kind",),
    ("reopen_reason",),
    ("place",),
    ("phone",),
    ("group_name",),
    ("session_deadline",),
    ("open_sessions", 0, "deadline"),
    ("petition_events", 0, "detail"),
    ("deadline_items", 0, "unit"),
    ("answer",),
    ("due",),
    ("complex_reason",),
    ("free_text",),
    ("answered_items", 0, "answer"),
    ("answered_items", 0, "note"),
    ("assigned_items", 0, "due"),
    ("unit_items", 0, "due"),
    ("report_units", 0, "percent"),
    ("report_survey_average",),
    ("rate_rows", 0, "percent"),
    ("trail_rows", 0, "detail"),
    ("entries", 0, "phone"),
    ("entries", 0, "place"),
    ("entries", 0, "subject"),
    ("marked",),
    ("body",),
)

# Values missing together, or only on some branches of a template: (template, values).
TOGETHER: tuple[tuple[str, dict[tuple[Any, ...], Any]], ...] = (
    *(
        (name, {("forwarded_items",): [{**SAMPLES["answered_items"][0], "note": None}]})
        for name in ("conclusion_draft", "conclusion_public", "conclusion_supervisor")
    ),
    ("session_changed", {("change_reason",): None}),
    ("session_summary", {("change_reason",): None}),
    ("session_roster", {("speakers", 0, "topic"): ""}),
    ("workflow_preview", {("text",): None, ("file_kind",): "photo", ("text_kind",): "answer"}),
    ("workflow_preview", {("text",): "", ("file_kind",): "document", ("text_kind",): "answer"}),
    (
        "petition_receipt",
        {
            ("session_title",): None,
            ("session_date",): None,
            ("conclusion_by",): None,
            ("conclusion_complex_by",): None,
        },
    ),
    ("workflow_done", {("done_kind",): "reopen", ("unit_name",): None, ("due_on",): None}),
    ("workflow_supervisor_reopened", {("unit_name",): None, ("due_on",): None}),
    ("workflow_secretary_done", {("unit_name",): None, ("due_on",): None}),
    ("workflow_text_problem", {("problem",): "bad_date", ("due_on",): None}),
    *(
        ("workflow_resident_update", {("step_kind",): step, ("note",): None})
        for step in ("forwarded_higher", "answered_at_session")
    ),
    (
        "workflow_resident_update",
        {("step_kind",): "reopened", ("unit_name",): None, ("due_on",): None},
    ),
)

# Lists that are empty when there is nothing to show.
MAYBE_EMPTY = (
    "social_names",
    "codes",
    "unclassified_codes",
    "answered_items",
    "assigned_items",
    "forwarded_items",
    "unit_items",
    "session_items",
    "skipped",
    "seated",
    "waitlist",
    "speakers",
    "changes",
    "session_problems",
    "open_sessions",
    "petition_rows",
    "petition_events",
    "digest_items",
    "report_fields",
    "report_statuses",
    "report_units",
    "report_overdue",
    "inbox_rows",
    "unit_rows",
    "overdue_rows",
    "rate_rows",
    "trail_rows",
    "entries",
    "delivery_rows",
    "similar_rows",
    "pending_sessions",
    "deadline_items",
)

# What a missing value looks like when it leaks: Python's None and empty containers, an Enum's
# str() (``Role.ADMIN``, ``Status.RECEIVED``), a bool, or the frame of a text with nothing in it.
LEAK = re.compile(
    r"\b(?:None|True|False)\b|\[\]|\{\}|\b[A-Z][A-Za-z]*\.[A-Z][A-Z_]+\b"
    r"|«\s*»|<blockquote[^>]*>\s*</blockquote>"
)

Values = dict[tuple[Any, ...], Any]


def _set(context: dict[str, Any], path: tuple[Any, ...], value: Any) -> bool:
    """Put ``value`` at ``path``; False when the sample has no such place."""
    node: Any = context
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and (path[-1] in node or len(path) == 1):
        node[path[-1]] = value
        return True
    if isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        node[path[-1]] = value
        return True
    return False


def _cases() -> list[tuple[str, Values]]:
    cases: list[tuple[str, Values]] = []
    for name in template_names():
        used = variables(name)
        cases += [(name, {path: None}) for path in OPTIONAL if path[0] in used]
        cases += [(name, {(key,): []}) for key in MAYBE_EMPTY if key in used]
    cases += list(TOGETHER)
    return cases


def _id(case: tuple[str, Values]) -> str:
    name, values = case
    return name + ":" + ",".join(f"{'.'.join(map(str, p))}={v!r}" for p, v in values.items())


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_missing_value_is_said_in_words(case: tuple[str, Values]) -> None:
    name, values = case
    context = copy.deepcopy({key: SAMPLES[key] for key in variables(name)})
    for path, value in values.items():
        assert path[0] in context, f"{name} does not use {path[0]}"
        assert _set(context, path, value), f"the sample of {name} has no {path}"
    text = render(name, **context)
    leaks = LEAK.findall(text)
    assert not leaks, f"{name} with {values} shows {leaks}:\n{text}"


@pytest.mark.parametrize("name", template_names())
def test_samples_show_no_placeholder(name: str) -> None:
    text = render(name, **{key: SAMPLES[key] for key in variables(name)})
    assert not LEAK.findall(text), text


# Context values that hold a code (an enum's value such as "registered", "cancelled"): templates
# compare them, they never print them; the words come from labels.
CODES = {
    "my_status",
    "step_kind",
    "text_kind",
    "pick_kind",
    "done_kind",
    "file_kind",
    "report_kind",
    "problem",
    "closed",
    "noted",
    "group",
}
CODE_ATTRS = {"card.status", "item.state"}


def test_codes_are_compared_never_printed() -> None:
    env = environment()
    assert env.loader is not None
    printed = re.compile(r"\{\{\s*([\w.]+)\s*(?:\||\}\})")
    for name in template_names():
        source = env.loader.get_source(env, name + ".html.j2")[0]
        raw = set(printed.findall(source)) & (CODES | CODE_ATTRS)
        assert not raw, f"{name} prints a raw code: {raw}"

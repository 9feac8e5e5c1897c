"""A printable poster (áp phích) for the culture house's notice board: the session's details and
a QR code of the deep link that opens its registration. PNG or PDF, A4 portrait.

Matplotlib's bundled DejaVu Sans has every Vietnamese diacritic; the object-oriented API
(``Figure`` without pyplot) keeps it free of global state, so it can run in a worker thread.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, Literal

import segno
from matplotlib.figure import Figure

from messages import label, render

A4_INCHES = (8.27, 11.69)
PNG_DPI = 110
FONT = "DejaVu Sans"


def _qr_matrix(link: str) -> list[list[int]]:
    qr = segno.make(link, error="m", micro=False)
    return [list(row) for row in qr.matrix_iter(scale=1, border=4)]


def poster(
    view: dict[str, Any], link: str, *, ward_name: str, fmt: Literal["png", "pdf"] = "png"
) -> bytes:
    """``view`` is the session card (bot.usecases.sessions.card); ``link`` goes in the QR."""
    fig = Figure(figsize=A4_INCHES)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    red = "#b71c1c"
    ax.add_patch(_band(0.93, 0.07, red))
    ax.text(
        0.5,
        0.965,
        ward_name.upper(),
        ha="center",
        va="center",
        color="white",
        fontsize=17,
        fontweight="bold",
        family=FONT,
    )
    ax.text(
        0.5,
        0.895,
        label("sessions.poster_heading"),
        ha="center",
        va="center",
        color=red,
        fontsize=24,
        fontweight="bold",
        family=FONT,
    )
    ax.text(
        0.5, 0.855, view["kind"], ha="center", va="center", fontsize=14, style="italic", family=FONT
    )
    y = 0.80
    for line in textwrap.wrap(view["title"], 34)[:4]:
        ax.text(0.5, y, line, ha="center", va="center", fontsize=20, fontweight="bold", family=FONT)
        y -= 0.04
    y -= 0.01
    when = render("session_file_caption", card=view).rsplit(" – ", 1)[-1]
    if view.get("end_time"):
        when = f"{when} – {view['end_time']}"
    rows = [
        (label("sessions.poster_time"), when),
        (label("sessions.poster_venue"), view["venue"] or "—"),
        (label("sessions.poster_form"), view["form"]),
        (label("sessions.poster_host"), view["host"]),
        (label("sessions.poster_audience"), view["audience"]),
    ]
    if view.get("opinion_deadline") is not None:
        deadline = render(
            "session_file_caption", card={**view, "starts_at": view["opinion_deadline"]}
        ).rsplit(" – ", 1)[-1]
        rows.append((label("sessions.poster_deadline"), deadline))
    for title, value in rows:
        lines = textwrap.wrap(value, 48) or [""]
        ax.text(
            0.08, y, f"{title}:", ha="left", va="top", fontsize=13, fontweight="bold", family=FONT
        )
        for line in lines[:3]:
            ax.text(0.33, y, line, ha="left", va="top", fontsize=13, family=FONT)
            y -= 0.03
        y -= 0.008
    matrix = _qr_matrix(link)
    size = 0.36
    width, height = A4_INCHES
    qr_ax = fig.add_axes((0.5 - size / 2, 0.07, size, size * width / height))
    qr_ax.imshow(matrix, cmap="gray_r", interpolation="nearest", vmin=0, vmax=1)
    qr_ax.set_axis_off()
    ax.text(
        0.5, 0.05, label("sessions.poster_scan"), ha="center", va="center", fontsize=13, family=FONT
    )
    ax.text(0.5, 0.025, link, ha="center", va="center", fontsize=10, color="#444444", family=FONT)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=PNG_DPI, facecolor="white")
    return buffer.getvalue()


def _band(y: float, height: float, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((0, y), 1, height, color=color)


def poster_filename(session_id: int, fmt: str) -> str:
    return f"ap-phich-doi-thoai-{session_id}.{fmt}"

"""The documents after the session (03-sau): the conclusion notice, the units' result reports,
the items still open and those sent to the higher level."""

from __future__ import annotations

from bot.documents import AdminDocument, Heading, Paragraph, Table
from bot.domain.petitions import Status, public_label
from bot.domain.reporting import PetitionRow
from bot.domain.workflow import UNIT_STATUSES, Outcome
from bot.usecases.dossier._shared import DossierWriterBase
from bot.usecases.reports import public_headers, public_row, resolving_unit, unit_name
from messages import label

_SETTLED = (Status.ANSWERED, Status.RESOLVED, Status.CLOSED)


class AfterMixin(DossierWriterBase):
    """Conclusion notice, unit reports, open items and items for the higher level."""

    def conclusion(self) -> AdminDocument:
        notice = self.d.notice
        doc = self._doc(
            label("dossier.conclusion_kind"),
            label("dossier.conclusion_subject", title=self.title),
            "TB-UBND",
        )
        if notice is None or notice.published_at is None:
            doc.add(Paragraph(label("dossier.conclusion_draft"), italic=True, indent=False))
        else:
            doc.add(
                Paragraph(
                    label("dossier.conclusion_published", at=self._time(notice.published_at)),
                    italic=True,
                    indent=False,
                )
            )
        if notice is not None and notice.free_text:
            doc.add(Paragraph(notice.free_text))
        n = 0
        for heading, rows in self._groups():
            if not rows:
                continue
            doc.add(Heading(heading))
            body = []
            for row in rows:
                n += 1
                body.append(public_row(self.s, n, row))
            doc.add(Table(public_headers(), body, (1.0, 4.0, 2.5, 3.0, 2.0, 2.5, 1.5)))
        doc.recipients = [
            label("documents.to_units"),
            label("documents.to_bxdd"),
            label("documents.to_mttq"),
            label("documents.to_archive"),
        ]
        return doc

    def unit_reports(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.unit_reports_kind"),
            label("dossier.unit_reports_subject", title=self.title),
            "BC-UBND",
        )
        doc.add(Paragraph(label("dossier.unit_reports_intro")))
        by_unit: dict[str, list[PetitionRow]] = {}
        for row in self.d.rows:
            if row.handling and row.handling.unit_code:
                by_unit.setdefault(row.handling.unit_code, []).append(row)
        if not by_unit:
            doc.add(Paragraph(label("documents.none")))
        headers = [
            label(f"reports.col_{k}")
            for k in ("no", "code", "field", "answer", "deadline", "answered_at", "on_time")
        ]
        for number, (code, rows) in enumerate(sorted(by_unit.items()), 1):
            doc.add(Heading(f"{number}. {unit_name(self.s, code)}"))
            body = []
            for i, r in enumerate(rows, 1):
                h = r.handling
                assert h is not None
                on_time = (
                    ""
                    if h.answered_on_time is None
                    else label("documents.yes" if h.answered_on_time else "documents.no")
                )
                body.append(
                    [
                        str(i),
                        r.petition.code,
                        r.petition.field.label,
                        h.answer_text or label("dossier.reason_open"),
                        f"{h.due_on:%d/%m/%Y}" if h.due_on else "",
                        f"{h.answered_at.astimezone(self.tz):%d/%m/%Y}" if h.answered_at else "",
                        on_time,
                    ]
                )
            doc.add(Table(headers, body, (1.0, 2.6, 2.4, 5.4, 1.9, 1.9, 1.3)))
        return doc

    def open_items(self) -> AdminDocument:
        today = self.d.made_at.astimezone(self.tz).date()
        found = []
        for row in self.d.rows:
            h = row.handling
            reasons = []
            if h is None or h.outcome is None:
                reasons.append(label("dossier.reason_unclassified"))
            elif row.petition.status in UNIT_STATUSES:
                overdue = h.due_on is not None and h.due_on < today
                reasons.append(
                    label("dossier.reason_overdue" if overdue else "dossier.reason_open")
                )
            if h is not None and h.satisfied is False:
                reasons.append(label("dossier.reason_unsatisfied"))
            unsatisfied = h is not None and h.satisfied is False
            if (reasons and row.petition.status not in _SETTLED) or unsatisfied:
                found.append((row, "; ".join(reasons)))
        doc = self._doc(
            label("dossier.open_kind"), label("dossier.open_subject", title=self.title), "BC-UBND"
        )
        doc.add(Paragraph(label("dossier.open_intro", day=f"{today:%d/%m/%Y}", count=len(found))))
        if found:
            doc.add(
                Table(
                    [label(f"reports.col_{k}") for k in ("no", "petition", "unit", "deadline")]
                    + [label("dossier.col_reason")],
                    [
                        [
                            str(n),
                            public_label(r.petition),
                            resolving_unit(self.s, r),
                            f"{r.handling.due_on:%d/%m/%Y}"
                            if r.handling and r.handling.due_on
                            else "",
                            why,
                        ]
                        for n, (r, why) in enumerate(found, 1)
                    ],
                    (1.0, 5.0, 4.0, 2.2, 3.8),
                )
            )
        return doc

    def higher(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.higher_kind"),
            label("dossier.higher_subject", title=self.title),
            "BC-UBND",
        )
        doc.add(Paragraph(label("dossier.higher_intro")))
        rows = [
            r for r in self.d.rows if r.handling and r.handling.outcome is Outcome.FORWARDED_HIGHER
        ]
        if not rows:
            doc.add(Paragraph(label("documents.none")))
        else:
            doc.add(
                Table(
                    [label(f"reports.col_{k}") for k in ("no", "code", "field", "content")]
                    + [label("dossier.col_note")],
                    [
                        [
                            str(n),
                            r.petition.code,
                            r.petition.field.label,
                            r.petition.content,
                            (r.handling.forward_note if r.handling else None) or "",
                        ]
                        for n, r in enumerate(rows, 1)
                    ],
                    (1.0, 2.6, 2.6, 5.8, 4.0),
                )
            )
        doc.recipients = [
            label("documents.to_city"),
            label("documents.to_party"),
            label("documents.to_archive"),
        ]
        return doc

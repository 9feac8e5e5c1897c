"""The documents before the session (01-truoc): the plan, the invitation, the summary report
of petitions (staff and public versions) and the assignment of answers."""

from __future__ import annotations

from bot.documents import AdminDocument, Heading, Paragraph, Table, in_sentence
from bot.domain.reporting import PetitionRow
from bot.domain.sessions import host_text
from bot.usecases.dossier._shared import DossierWriterBase
from bot.usecases.reports import (
    STAFF_WIDTHS_CM,
    public_headers,
    public_row,
    staff_headers,
    staff_row,
    unit_name,
)
from bot.usecases.sessions import audience_text
from messages import label


class BeforeMixin(DossierWriterBase):
    """Plan, invitation, summary report and assignment."""

    def plan(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.plan_kind"), label("dossier.plan_subject", title=s.title), "KH-UBND"
        )
        details = [
            ("row_title", s.title),
            ("row_kind", label(f"sessions.kind.{s.kind.value}")),
            ("row_form", label(f"sessions.form.{s.form.value}")),
            ("row_host", host_text(s)),
            ("row_deputy", s.deputy or ""),
            ("row_time", self.when),
            ("row_venue", s.venue),
            ("row_link", s.link or ""),
            ("row_audience", audience_text(self.s, s)),
            ("row_capacity", str(s.capacity) if s.capacity else ""),
            ("row_deadline", self._time(s.opinion_deadline) if s.opinion_deadline else ""),
            ("row_status", label(f"sessions.status.{s.status.value}")),
        ]
        rows = [[label(f"dossier.{k}"), v] for k, v in details if v]
        return doc.add(
            Paragraph(label("dossier.plan_intro", ward=in_sentence(self.s.ward.ward.name))),
            Heading(label("dossier.plan_h_details")),
            Table([label("dossier.field"), label("dossier.value")], rows, (5.0, 11.0)),
            Heading(label("dossier.plan_h_prepare")),
            Paragraph(label("dossier.plan_prepare")),
        )

    def invitation(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.invitation_kind"),
            label("dossier.invitation_subject", title=s.title),
            "GM-UBND",
        )
        doc.add(
            Paragraph(
                label(
                    "dossier.invitation_text",
                    ward=in_sentence(self.s.ward.ward.name),
                    audience=audience_text(self.s, s),
                    title=s.title,
                )
            ),
            Paragraph(label("dossier.invitation_time", time=self.when)),
        )
        if s.venue:
            doc.add(Paragraph(label("dossier.invitation_venue", venue=s.venue)))
        if s.link:
            doc.add(Paragraph(label("dossier.invitation_link", link=s.link)))
        doc.add(
            Paragraph(label("dossier.invitation_host", host=host_text(s))),
            Paragraph(label("dossier.invitation_close")),
        )
        doc.recipients = [label("documents.to_attendees"), label("documents.to_archive")]
        return doc

    def summary(self, public: bool) -> AdminDocument:
        doc = self._doc(
            label("dossier.summary_kind"),
            label("dossier.summary_subject", title=self.title),
            "BC-UBND",
        )
        doc.landscape = not public
        if public:
            doc.add(Paragraph(label("dossier.summary_public_note"), italic=True, indent=False))
        doc.add(Paragraph(label("dossier.summary_intro", count=len(self.d.rows))))
        n = 0
        for heading, rows in self._groups():
            doc.add(Heading(heading))
            if not rows:
                doc.add(Paragraph(label("documents.none")))
                continue
            body = []
            for row in rows:
                n += 1
                body.append(public_row(self.s, n, row) if public else staff_row(self.s, n, row))
            if public:
                doc.add(Table(public_headers(), body, (1.0, 4.0, 2.5, 3.0, 2.0, 2.5, 1.5)))
            else:
                doc.add(Table(staff_headers(), body, STAFF_WIDTHS_CM))
        doc.recipients.insert(2, label("documents.to_mttq"))
        return doc

    def assignment(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.assignment_kind"),
            label("dossier.assignment_subject", title=self.title),
            "TB-UBND",
        )
        doc.add(Paragraph(label("dossier.assignment_intro")))
        assigned = [r for r in self.d.rows if r.handling and r.handling.unit_code]
        by_unit: dict[str, list[PetitionRow]] = {}
        for row in assigned:
            by_unit.setdefault(row.handling.unit_code or "", []).append(row)  # type: ignore[union-attr]
        if not by_unit:
            doc.add(Paragraph(label("documents.none")))
        for number, (code, rows) in enumerate(sorted(by_unit.items()), 1):
            doc.add(Heading(f"{number}. {unit_name(self.s, code)}"))
            doc.add(
                Table(
                    [
                        label(f"reports.col_{k}")
                        for k in ("no", "code", "field", "content", "deadline")
                    ],
                    [
                        [
                            str(i),
                            r.petition.code,
                            r.petition.field.label,
                            r.petition.content,
                            f"{r.handling.due_on:%d/%m/%Y}"
                            if r.handling and r.handling.due_on
                            else "",
                        ]
                        for i, r in enumerate(rows, 1)
                    ],
                    (1.0, 2.6, 3.0, 7.0, 2.4),
                )
            )
        doc.recipients.insert(0, label("documents.to_units"))
        return doc

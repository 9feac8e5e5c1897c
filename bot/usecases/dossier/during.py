"""The documents of the session itself (02-trong): the programme with the speaking order, the
minutes, and the attendees and speakers (.docx and .xlsx)."""

from __future__ import annotations

from bot.documents import AdminDocument, Heading, Paragraph, Sheet, Table
from bot.domain.sessions import Registration, RegistrationStatus, host_text
from bot.usecases.dossier._shared import DossierWriterBase
from messages import label, labels


class DuringMixin(DossierWriterBase):
    """Programme, minutes, attendees and speakers."""

    def _speakers(self) -> list[Registration]:
        return sorted(
            (
                r
                for r in self.d.registrations
                if r.status.active
                and r.status is not RegistrationStatus.WAITLISTED
                and r.speaks
                and r.speaking_position is not None
            ),
            key=lambda r: r.speaking_position or 0,
        )

    def _seated(self) -> list[Registration]:
        wanted = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
        return [r for r in self.d.registrations if r.status in wanted]

    def programme(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.programme_kind"),
            label("dossier.programme_subject", title=self.title),
            "CTr-UBND",
        )
        doc.add(Paragraph(label("dossier.invitation_time", time=self.when), indent=False))
        steps = labels("dossier.programme")
        for number, key in enumerate(sorted(steps, key=lambda k: int(k[1:])), 1):
            doc.add(Paragraph(f"{number}. {steps[key]}", indent=False))
        speakers = self._speakers()
        if speakers:
            doc.add(Heading(label("dossier.programme_speakers")))
            doc.add(
                Table(
                    [
                        label("dossier.col_position"),
                        label("dossier.col_name"),
                        label("dossier.col_topic"),
                    ],
                    [[str(r.speaking_position), self._who(r), r.topic or ""] for r in speakers],
                    (2.0, 5.5, 8.5),
                )
            )
        return doc

    def _who(self, reg: Registration) -> str:
        return reg.full_name or label("reports.raised_by_unknown")

    def minutes(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.minutes_kind"),
            label("dossier.minutes_subject", title=s.title),
            "BB-UBND",
        )
        seated = self._seated()
        doc.add(
            Paragraph(
                label(
                    "dossier.minutes_header",
                    time=self.when,
                    venue=s.venue or s.link or "",
                    host=host_text(s),
                    registered=len(seated),
                    attended=sum(1 for r in seated if r.status is RegistrationStatus.ATTENDED),
                    speakers=len(self._speakers()),
                )
            ),
            Heading(label("dossier.minutes_h_content")),
        )
        if self.d.minutes is None:
            doc.add(Paragraph(label("dossier.minutes_missing"), italic=True))
        else:
            doc.add(Paragraph(self.d.minutes.text))
            doc.add(
                Paragraph(
                    label("dossier.minutes_updated", at=self._time(self.d.minutes.updated_at)),
                    italic=True,
                    indent=False,
                )
            )
        doc.signer_caption = label("documents.presiding")
        doc.signer_title = ""
        doc.recipients = [label("documents.to_archive")]
        return doc

    def _attendee_rows(self) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
        seated_h = [
            label("reports.col_no"),
            label("dossier.col_name"),
            label("dossier.col_presence"),
        ]
        seated = [
            [
                str(n),
                self._who(r),
                label("dossier.attended")
                if r.status is RegistrationStatus.ATTENDED
                else label("dossier.registered"),
            ]
            for n, r in enumerate(self._seated(), 1)
        ]
        speak_h = [
            label("dossier.col_position"),
            label("dossier.col_name"),
            label("dossier.col_topic"),
        ]
        speak = [[str(r.speaking_position), self._who(r), r.topic or ""] for r in self._speakers()]
        return seated_h, seated, speak_h, speak

    def attendees(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.attendees_kind"),
            label("dossier.attendees_subject", title=self.title),
            "DS-UBND",
            secretary=True,
        )
        seated_h, seated, speak_h, speak = self._attendee_rows()
        doc.add(Heading(label("dossier.attendees_h_seated")))
        doc.add(
            Table(seated_h, seated, (1.5, 9.0, 5.5))
            if seated
            else Paragraph(label("documents.none"))
        )
        doc.add(Heading(label("dossier.attendees_h_speakers")))
        doc.add(
            Table(speak_h, speak, (2.0, 5.5, 8.5)) if speak else Paragraph(label("documents.none"))
        )
        doc.recipients = [label("documents.to_archive")]
        return doc

    def attendee_sheets(self) -> list[Sheet]:
        seated_h, seated, speak_h, speak = self._attendee_rows()
        return [
            Sheet(label("dossier.attendees_h_seated")[3:], seated_h, seated, (6, 36, 16)),
            Sheet(label("dossier.attendees_h_speakers")[4:31], speak_h, speak, (8, 36, 60)),
        ]

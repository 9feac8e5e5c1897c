"""The dossier's files, folder by folder, rendered from the before, during and after parts."""

from __future__ import annotations

from bot.documents import docx_bytes, xlsx_bytes
from bot.usecases.dossier._shared import DossierFile
from bot.usecases.dossier.after import AfterMixin
from bot.usecases.dossier.before import BeforeMixin
from bot.usecases.dossier.during import DuringMixin
from bot.usecases.reports import petition_sheets
from messages import label


class DossierWriter(BeforeMixin, DuringMixin, AfterMixin):
    """Renders the documents of one dossier (sync: runs in a worker thread)."""

    def files(self) -> list[DossierFile]:
        before, during, after = (
            label("dossier.folder_before"),
            label("dossier.folder_during"),
            label("dossier.folder_after"),
        )
        staff_sheet = petition_sheets(self.s, self.d.rows, public=False)
        public_sheet = petition_sheets(self.s, self.d.rows, public=True)
        return [
            DossierFile(before, label("dossier.plan_file"), docx_bytes(self.plan())),
            DossierFile(before, label("dossier.invitation_file"), docx_bytes(self.invitation())),
            DossierFile(before, label("dossier.summary_file"), docx_bytes(self.summary(False))),
            DossierFile(
                before, label("dossier.summary_public_file"), docx_bytes(self.summary(True))
            ),
            DossierFile(before, label("dossier.summary_xlsx"), xlsx_bytes(staff_sheet)),
            DossierFile(before, label("dossier.summary_public_xlsx"), xlsx_bytes(public_sheet)),
            DossierFile(before, label("dossier.assignment_file"), docx_bytes(self.assignment())),
            DossierFile(during, label("dossier.programme_file"), docx_bytes(self.programme())),
            DossierFile(during, label("dossier.minutes_file"), docx_bytes(self.minutes())),
            DossierFile(during, label("dossier.attendees_file"), docx_bytes(self.attendees())),
            DossierFile(
                during, label("dossier.attendees_xlsx"), xlsx_bytes(self.attendee_sheets())
            ),
            DossierFile(after, label("dossier.conclusion_file"), docx_bytes(self.conclusion())),
            DossierFile(after, label("dossier.unit_reports_file"), docx_bytes(self.unit_reports())),
            DossierFile(after, label("dossier.open_items_file"), docx_bytes(self.open_items())),
            DossierFile(after, label("dossier.higher_file"), docx_bytes(self.higher())),
        ]

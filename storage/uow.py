"""The unit of work both stores hand out: the repositories over one ``storage.db.Connection``."""

from __future__ import annotations

from dataclasses import dataclass

from storage.channels import SqliteInbox, SqliteTokens
from storage.db import Connection
from storage.deadlines import SqliteConclusions, SqliteDeadlines, SqliteSurveys
from storage.files import SqliteFiles
from storage.linking import SqliteLinks
from storage.outbox import SqliteBroadcasts, SqliteOutbox
from storage.people import (
    SqliteAccounts,
    SqliteAuditLog,
    SqliteChatStates,
    SqliteResidents,
    SqliteStaff,
)
from storage.petitions import SqlitePetitions
from storage.public import SqlitePublic
from storage.reports import SqliteReports
from storage.sessions import SqliteSessions
from storage.web_sessions import SqliteWebSessions
from storage.workflow import SqliteWorkflow


@dataclass(slots=True)
class UnitOfWork:
    """Every repository on one connection (one transaction, or committed reads)."""

    conn: Connection
    read_only: bool = False

    @property
    def residents(self) -> SqliteResidents:
        return SqliteResidents(self.conn)

    @property
    def staff(self) -> SqliteStaff:
        return SqliteStaff(self.conn)

    @property
    def chat_states(self) -> SqliteChatStates:
        return SqliteChatStates(self.conn)

    @property
    def accounts(self) -> SqliteAccounts:
        return SqliteAccounts(self.conn)

    @property
    def links(self) -> SqliteLinks:
        return SqliteLinks(self.conn)

    @property
    def inbox(self) -> SqliteInbox:
        return SqliteInbox(self.conn)

    @property
    def tokens(self) -> SqliteTokens:
        return SqliteTokens(self.conn)

    @property
    def audit(self) -> SqliteAuditLog:
        return SqliteAuditLog(self.conn)

    @property
    def files(self) -> SqliteFiles:
        return SqliteFiles(self.conn)

    @property
    def outbox(self) -> SqliteOutbox:
        return SqliteOutbox(self.conn)

    @property
    def broadcasts(self) -> SqliteBroadcasts:
        return SqliteBroadcasts(self.conn)

    @property
    def petitions(self) -> SqlitePetitions:
        return SqlitePetitions(self.conn)

    @property
    def sessions(self) -> SqliteSessions:
        return SqliteSessions(self.conn)

    @property
    def workflow(self) -> SqliteWorkflow:
        return SqliteWorkflow(self.conn)

    @property
    def deadlines(self) -> SqliteDeadlines:
        return SqliteDeadlines(self.conn)

    @property
    def conclusions(self) -> SqliteConclusions:
        return SqliteConclusions(self.conn)

    @property
    def surveys(self) -> SqliteSurveys:
        return SqliteSurveys(self.conn)

    @property
    def reports(self) -> SqliteReports:
        return SqliteReports(self.conn)

    @property
    def web_sessions(self) -> SqliteWebSessions:
        return SqliteWebSessions(self.conn)

    @property
    def public(self) -> SqlitePublic:
        return SqlitePublic(self.conn)

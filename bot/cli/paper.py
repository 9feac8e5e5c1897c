"""``python -m bot paper``: the people to reach on paper, for the office to print or call.

The same list as the secretary's «📮 Cần báo trên giấy» (news no route delivered), as plain
text; marking one as told stays in the bot, where the secretary is known and audited.
"""

from __future__ import annotations

import typer

from bot.cli.common import with_services
from bot.conversation.replies import to_plain
from bot.usecases.common import Services
from bot.usecases.paper import OnPaper
from messages import render


def register(app: typer.Typer) -> None:
    @app.command("paper")
    def paper() -> None:
        """Danh sách người cần báo trên giấy: tin không gửi được qua Zalo, ZNS hay Telegram."""

        async def listing(services: Services) -> str:
            entries = await OnPaper(services).pending()
            return render(
                "paper_list", entries=entries, marked=None, tz=services.ward.ward.timezone
            )

        typer.echo(to_plain(with_services(listing)))

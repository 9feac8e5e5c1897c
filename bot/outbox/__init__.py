"""The durable outbox: the queue use cases write to (``queue``) and the worker that sends it."""

from bot.outbox.queue import *  # noqa: F403
from bot.outbox.queue import __all__ as __all__

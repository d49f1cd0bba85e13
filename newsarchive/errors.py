"""The small error vocabulary shared by every room.

Each error carries a message fit to show a user on one line; the CLI turns
them into that line and an exit code instead of a traceback.
"""


class NewsarchiveError(Exception):
    """Base class: a failure the user can act on, described in one line."""

    exit_code = 1


class ConfigError(NewsarchiveError):
    """A setting, an outlets file or a command-line value is unusable."""

    exit_code = 2


class InputError(NewsarchiveError):
    """A file or argument handed to a command cannot be processed."""

    exit_code = 2


class ExtractionError(NewsarchiveError):
    """A fetched page holds no article text that can be extracted."""


class NotFoundError(NewsarchiveError):
    """The archive holds nothing for the URL, date or query asked for."""


class StorageError(NewsarchiveError):
    """The object store or the catalog failed after retries."""


class CrawlError(NewsarchiveError):
    """A whole outlet could not be crawled (single failed pages are not errors)."""

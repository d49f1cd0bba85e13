"""newsarchive: scheduled news crawling and archival.

The package is split into rooms that depend on each other in one direction:
``newsarchive.spiders`` knows the web, ``newsarchive.storage`` knows bytes and
records, ``newsarchive.flows`` knows time and orchestration.  What they share
(settings, the records passed between stages, extraction) lives here.
"""

__version__ = "0.1.0"

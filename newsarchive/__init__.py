"""newsarchive: scheduled news crawling and archival.

The package is split into rooms whose imports point one way, down:

- the ground floor (this folder's modules): settings, errors, the records
  passed between rooms, their codec, and the article identity rule;
- ``newsarchive.extraction`` reads pages; ``newsarchive.spiders`` (the
  ``spiders/`` folder) knows the web; ``newsarchive.storage`` (``storage/``)
  knows bytes and records;
- ``newsarchive.replay`` is the offline stand-in for the outlets' sites;
- ``newsarchive.archiving`` is the capture core that joins crawl, extraction
  and storage, free of Prefect;
- ``newsarchive.flows`` (``flows/``) knows time and orchestration (Prefect);
- ``newsarchive.cli`` is the command line on top of them all.

``tests/test_architecture.py`` holds the rules.
"""

__version__ = "0.1.0"

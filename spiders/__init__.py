"""The crawl room: outlets file, discovery spiders, polite fetching.

Entry points: :func:`newsarchive.spiders.outlets.load_outlets` and
:func:`newsarchive.spiders.runner.fetch_outlets`.  Nothing here imports
SQLAlchemy, boto3 or Prefect; the records of :mod:`newsarchive.records` leave
through the ``on_fetch`` callback.
"""

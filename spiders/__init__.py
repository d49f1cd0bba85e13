"""The crawl room: outlets file, discovery spiders, polite fetching, replay site.

Entry points: :func:`newsarchive.spiders.outlets.load_outlets`,
:func:`newsarchive.spiders.runner.crawl` and
:class:`newsarchive.spiders.replay.ReplaySite`.  Nothing here imports
SQLAlchemy, boto3 or Prefect; the records of :mod:`newsarchive.records` leave
through the ``on_fetch`` callback.
"""

"""Filing: what a crawl brings, turned into catalog rows and the objects they name.

A batch of entries (:mod:`.batch`) becomes fetch rows (:mod:`.fetches`),
articles and their versions, deduplicated by text and near-text
(:mod:`.versions`, :mod:`.neardup`, :mod:`.texts`), 304s that move
``last_seen`` (:mod:`.notmodified`) and page requisites (:mod:`.requisites`).
What a crawl sends in its conditional requests is read here too
(:mod:`.conditional`), from the fetch rows filing wrote, and so are the
robots.txt files its polls kept (:mod:`.robots`).
"""

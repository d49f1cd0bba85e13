"""The search syntax archivists expect, parsed once and written for each engine.

``"a phrase"``, ``OR`` between two terms, ``-word`` or ``-"a phrase"`` to
exclude, ``term*`` for a prefix; everything else is a word that must occur.
Parsing builds a small tree of words drawn from ``\\w+`` only, so no user
input ever reaches an engine's own query syntax: a stray quote, bracket or
operator is just a separator, never a syntax error.  The same tree becomes
an FTS5 MATCH expression on SQLite and a ``to_tsquery`` text on PostgreSQL.

A query is bounded before it reaches an engine: at most
:data:`MAX_QUERY_WORDS` words and :data:`MAX_QUERY_CHARS` characters.  An
engine's cost grows faster than the query (FTS5 took 1.1 s for 100 prefixes
joined by OR over 20 articles, 4.2 s for 200, 0.08 s for 32), and a search is
one request of a viewer that anyone who reaches it may send, so the bound is
what keeps one request from holding the catalog for minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsarchive.errors import InputError

MAX_QUERY_WORDS = 32
"""Words a query may hold, phrases' and excluded terms' included."""
MAX_QUERY_CHARS = 500
"""Characters a query may hold, as typed."""

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a phrase (several words in order), or a word prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        return " <-> ".join(self.words) + (":*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every group must match (a group matches when any of its terms does); no excluded term may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    def fts5(self) -> str:
        found = " AND ".join("(" + " OR ".join(t.fts5() for t in g) + ")" for g in self.groups)
        return found + "".join(f" NOT {term.fts5()}" for term in self.excluded)

    def tsquery(self) -> str:
        found = " & ".join("(" + " | ".join(t.tsquery() for t in g) + ")" for g in self.groups)
        return found + "".join(f" & !({term.tsquery()})" for term in self.excluded)


def parse(text: str) -> SearchQuery:
    """The query ``text`` as typed; InputError when it asks for nothing to be found or is
    longer than the bounds."""
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"the search query is {len(text):,} characters long; "
            f"at most {MAX_QUERY_CHARS:,} are searched"
        )
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous token was OR: the next term joins the last group
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":  # an operator, never a word (it joins nothing when it comes first)
            joining = bool(groups)
            continue
        if phrase is None:
            negated, bare = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
        term = _term(
            phrase if phrase is not None else bare, prefix=bool(bare and bare.endswith("*"))
        )
        if term is None:
            continue
        if negated:
            excluded.append(term)
        elif joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    if not groups:
        raise InputError("the search query holds no words to find")
    words = sum(len(t.words) for t in (*(t for g in groups for t in g), *excluded))
    if words > MAX_QUERY_WORDS:
        raise InputError(
            f"the search query holds {words:,} words; at most {MAX_QUERY_WORDS} are searched"
        )
    return SearchQuery(tuple(tuple(g) for g in groups), tuple(excluded))


def _term(text: str, *, prefix: bool) -> Term | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    return Term(words, prefix=prefix and len(words) == 1)

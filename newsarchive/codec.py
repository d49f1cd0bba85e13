"""One codec for every record: the records of :mod:`newsarchive.records` as JSON and back.

The crawl child streams fetches to its parent, the catalog keeps discovery
evidence, the metadata object of a version keeps the extraction, and the CLI
prints extractions: all of them go through pydantic's ``TypeAdapter`` of the
record's own type, so a field added to a record travels everywhere at once
and a value read back equals the one written (bodies as base64, page dates
with their own offset or as a bare date).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from newsarchive.errors import InputError

T = TypeVar("T")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """The type's adapter, built once: building one compiles a validator and a serializer."""
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def to_json(record: object) -> dict[str, Any]:
    """The record as JSON-able values (what ``json.dumps`` takes)."""
    result: dict[str, Any] = _adapter(type(record)).dump_python(record, mode="json")
    return result


def to_json_line(record: object) -> bytes:
    """The record as one line of compact JSON, without the newline."""
    return _adapter(type(record)).dump_json(record)


def from_json(kind: type[T], data: Any) -> T:
    """A ``kind`` record from JSON-able values or a JSON document (str or bytes)."""
    adapter = _adapter(kind)
    try:
        if isinstance(data, str | bytes):
            record: T = adapter.validate_json(data)
        else:
            record = adapter.validate_python(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or kind.__name__
        raise InputError(f"not a valid {kind.__name__}: {where}: {problem['msg']}") from None
    return record

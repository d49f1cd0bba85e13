"""Date lines leave the body in every language of the seed outlets and the major European ones."""

from __future__ import annotations

import pytest

from newsarchive.extraction.datelines import is_dateline


@pytest.mark.parametrize(
    "line",
    [
        "March 5, 2024",
        "Published: 23 Feb. 2026, 18:07",
        "Updated 5 March 2024, 09:15 GMT",
        "Publicado em 23 de fevereiro de 2026, às 18:07",
        "Atualizado em 24/02/2026 09h30",
        "Veröffentlicht am 23. Februar 2026, 18:07 Uhr",
        "Mis à jour le 23 février 2026 à 18h07",
        "Publicado el 23 de febrero de 2026",
        "Pubblicato il 23 febbraio 2026 alle 18:07",
        "Gepubliceerd op 23 februari 2026",
        "Opublikowano 23 lutego 2026",
        "입력 2026.02.23 18:07",
        "2026년 2월 23일 18시 07분",
        "입력 2026-02-23 18:07 수정 2026-02-23 18:41",
        "Monday, 23 February 2026",
        "23.02.2026",
    ],
)
def test_date_lines(line: str) -> None:
    assert is_dateline(line)


@pytest.mark.parametrize(
    "line",
    [
        "The council voted on 5 March 2024 to approve the riverfront plan.",
        "O conselho aprovou o plano em 23 de fevereiro de 2026 por cinco votos a dois.",
        "Der Stadtrat stimmte am 23. Februar 2026 mit fünf zu zwei Stimmen zu.",
        "시진핑 주석은 2026년 2월 23일 김정은 총비서에게 축전을 보냈다.",
        "| 23 Feb 2026 | Harbour Rovers | 2-1 |",
        "July 11, Juche 110(2021)",  # a letter's own dating: a word inside the date, no label
        "Harbour Rovers won 2-1.",
        "March madness",
        "",
    ],
)
def test_sentences_and_table_rows_that_mention_a_date_stay(line: str) -> None:
    assert not is_dateline(line)

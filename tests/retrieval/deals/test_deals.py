"""Deal extraction: the bundled corpus's timeline, every line checked against its sentences,
an invented article read with no code change, merging, and tricky French sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openai_deals.retrieval.deals.extract import (
    deals_from_json,
    deals_to_json,
    sentence_deals,
    timeline,
)
from openai_deals.retrieval.indexing.index import build_index
from openai_deals.retrieval.model import Article, Deal, DealKind

A000 = "000-gpt3-licence-microsoft"
A001 = "001-microsoft-milliards-openai"
A002 = "002-microsoft-openai-google-anthropic"
A003 = "003-openai-coulisses-eviction-altman"


@pytest.fixture(scope="module")
def deals(engine) -> tuple[Deal, ...]:
    return engine.index.deals


def find(deals, parties, kind, value=None, year=None) -> Deal:
    """The one deal between ``parties`` whose first term is ``kind`` (and ``value``)."""
    found = [
        d
        for d in deals
        if d.parties == parties
        and any(
            t.kind is kind and (value is None or (t.amount and t.amount.value == value))
            for t in d.terms[:1]
        )
        and (year is None or d.date.year == year)
    ]
    assert len(found) == 1, f"{parties} {kind} {value} {year}: {found}"
    return found[0]


def cited(deal: Deal) -> set[str]:
    return {c.sentence_id for c in deal.citations}


def term(deal: Deal, kind: DealKind):
    return next(t for t in deal.terms if t.kind is kind)


# -- The bundled corpus: the deals it must find ---------------------------------------------------


def test_microsoft_one_billion_in_2019_about_half_in_azure_credits(deals):
    """1 milliard $ in 2019 (July, per the 2020 article), cited by both articles, with its
    Azure-credits precision; a fact."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.INVESTMENT, 1e9)
    assert deal.terms[0].amount.unit == "USD"
    assert deal.date.start == "2019-07" and deal.date.stated == "juillet 2019"
    assert deal.notes == ("environ la moitié sous forme de crédits Azure",)
    assert {f"{A001}#12", f"{A000}#4", f"{A000}#3"} <= cited(deal)
    assert not deal.reported


def test_exclusive_gpt3_licence_in_2020(deals):
    """The exclusive GPT-3 licence is one 2020 line citing the two sentences that tell it."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.LICENCE, year=2020)
    assert deal.terms[0].subject == "GPT-3" and deal.terms[0].exclusive
    assert deal.date.start == "2020-09" and not deal.date.stated
    assert cited(deal) == {f"{A000}#0", f"{A000}#2"}
    assert not deal.reported


def test_two_billion_more_between_2019_and_2023_per_the_new_york_times(deals):
    """The 2 milliards more are dated by their period and credited to the New York Times."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.INVESTMENT, 2e9, year=2019)
    assert deal.terms[0].amount.text == "2 milliards de dollars supplémentaires"
    assert (deal.date.start, deal.date.end) == ("2019", "2023")
    assert deal.date.stated == "entre 2019 et début 2023"
    assert deal.attribution == ("New York Times",)
    assert cited(deal) == {f"{A001}#16"}


def test_multi_year_multi_billion_extension_in_2023_cited_by_both_articles(deals):
    """ "plusieurs milliards" is at least 2e9; the two articles telling it make one line."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.INVESTMENT, 2e9, year=2023)
    amount = deal.terms[0].amount
    assert (amount.text, amount.qualifier) == ("plusieurs milliards de dollars", "at_least")
    assert cited(deal) == {f"{A001}#0", f"{A002}#7"}
    assert deal.date.start == "2023-01" and not deal.reported


def test_reported_49_percent_stake_and_29_billion_valuation(deals):
    """The 49 % stake and the ~29 milliards valuation are reported, not fact."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.STAKE, 0.49)
    valuation = term(deal, DealKind.VALUATION).amount
    assert (valuation.value, valuation.qualifier) == (29e9, "about")
    assert valuation.text == "environ 29 milliards de dollars"
    assert deal.reported and deal.date.year == 2023
    assert cited(deal) == {f"{A001}#22"}


def test_reported_three_quarters_of_profits_up_to_ten_billion(deals):
    """Three quarters of the profits until up to 10 milliards are recouped: reported, per
    Semafor."""
    deal = find(deals, ("Microsoft", "OpenAI"), DealKind.INVESTMENT, 10e9)
    assert deal.terms[0].amount.qualifier == "up_to"
    assert term(deal, DealKind.PROFIT_SHARE).amount.value == 0.75
    assert deal.reported and deal.attribution == ("Semafor",)
    assert cited(deal) == {f"{A001}#23"}


def test_google_300_million_for_ten_percent_of_anthropic_reported(deals):
    """Google → Anthropic: 300 millions $ for 10 %, February 2023, reported ("aurait")."""
    deal = find(deals, ("Google", "Anthropic"), DealKind.INVESTMENT, 3e8)
    assert term(deal, DealKind.STAKE).amount.value == pytest.approx(0.10)
    assert deal.date.start == "2023-02" and deal.reported
    assert cited(deal) == {f"{A002}#4"}


def test_microsoft_hires_sam_altman_in_november_2023(deals):
    """The hire is one fact of November 2023, cited by the lede and the answer telling it."""
    deal = find(deals, ("Microsoft", "Sam Altman"), DealKind.HIRE)
    assert deal.date.start == "2023-11" and not deal.reported
    assert cited(deal) == {f"{A003}#0", f"{A003}#12"}


def test_timeline_runs_oldest_first_grouped_by_partnership(deals):
    """Lanes follow their first deal; inside a lane, deals run oldest first."""
    lanes = timeline(deals)
    assert [lane.parties for lane in lanes][:3] == [
        ("Microsoft", "OpenAI"),
        ("Google", "Anthropic"),
        ("Microsoft", "Sam Altman"),
    ]
    for lane in lanes:
        years = [d.date.year for d in lane.deals]
        assert years == sorted(years)
    first = lanes[0].deals[0]
    assert first.date.start == "2019-07"


# -- Every line is true to the sentences it cites -----------------------------------------------

_MAGNITUDE = {"milliard": 1e9, "million": 1e6}
_WORD_NUMBERS = {"un": 1.0, "plusieurs": 2.0, "trois quarts": 0.75, "la moitié": 0.5}


def _value_of(text: str) -> float:
    """An independent reading of an amount as written, to check the extractor's number."""
    digits = re.search(r"\d+(?:[ ,]\d+)*", text)
    if digits:
        number = float(digits.group().replace(" ", "").replace(",", "."))
    else:
        number = next(v for w, v in _WORD_NUMBERS.items() if w in text)
    if "%" in text:
        return number / 100
    return number * next((v for w, v in _MAGNITUDE.items() if w in text), 1.0)


def _check_line(deal: Deal) -> list[str]:
    problems = []
    texts = [c.text for c in deal.citations]
    for t in deal.terms:
        if t.amount is None:
            continue
        if not any(t.amount.text in text for text in texts):
            problems.append(f"amount {t.amount.text!r} is in no cited sentence")
        if _value_of(t.amount.text) != pytest.approx(t.amount.value):
            problems.append(f"amount {t.amount.text!r} is not {t.amount.value}")
    for c in deal.citations:
        for party in deal.parties:
            if party.lower() not in f"{c.text} {c.title}".lower():
                problems.append(f"{party} named neither in {c.sentence_id} nor its title")
    if deal.date.stated:
        if not any(deal.date.stated in text for text in texts):
            problems.append(f"date {deal.date.stated!r} is in no cited sentence")
        if str(deal.date.year) not in deal.date.stated:
            problems.append(f"date {deal.date.start} is not {deal.date.stated!r}")
    elif deal.date.start not in {c.date[:7] for c in deal.citations}:
        problems.append(f"date {deal.date.start} is no cited article's")
    return problems


def test_every_timeline_line_agrees_with_its_cited_sentences(deals):
    """Amount as written in a cited sentence (and read as the right number), both parties
    named in each cited sentence or its title, the date stated there or the article's."""
    assert len(deals) >= 8
    problems = {f"{d.parties} {d.terms[0]}": _check_line(d) for d in deals}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_line_check_catches_a_wrong_line(deals):
    """The check above fails on a line whose amount, party or date was changed."""
    from dataclasses import replace

    deal = find(deals, ("Google", "Anthropic"), DealKind.INVESTMENT, 3e8)
    amount = replace(deal.terms[0].amount, value=3e9)
    wrong_amount = replace(deal, terms=(replace(deal.terms[0], amount=amount),))
    wrong_party = replace(deal, parties=("Amazon", "Anthropic"))
    wrong_date = replace(deal, date=replace(deal.date, start="2022-02"))
    for wrong in (wrong_amount, wrong_party, wrong_date):
        assert _check_line(wrong), wrong


def test_deals_survive_the_index_cache_as_json(deals):
    """What the index stores reads back equal."""
    assert deals_from_json(deals_to_json(deals)) == deals


# -- A corpus the rules have never seen ---------------------------------------------------------

INVENTED = {
    "helios-lumen.md": """---
title: Helios Capital parie sur la robotique de Lumen Robotics
date: 2024-06
source: Le Journal inventé
---
Le fonds Helios Capital a investi 250 millions d’euros dans Lumen Robotics en mars 2024.

Selon des sources proches du dossier, Helios Capital détiendrait une part de 15 % de Lumen Robotics.

Par ailleurs, Orion Ventures a investi 40 millions d’euros dans Nova Labs.
""",
    "helios-rappel.md": """---
title: Lumen Robotics, la start-up qui attire Helios Capital
date: 2024-09
---
En mars 2024, Helios Capital a investi 250 millions d’euros dans Lumen Robotics.

Helios Capital a aussi investi 100 millions d’euros dans Lumen Robotics en 2024.
""",
}


@pytest.fixture(scope="module")
def invented(tmp_path_factory) -> tuple[Deal, ...]:
    corpus = tmp_path_factory.mktemp("invented")
    for name, text in INVENTED.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return build_index(Path(corpus)).deals


def test_an_invented_article_adds_its_deals_with_no_code_change(invented):
    """Names no lexicon knows, in euros: the deal appears with its amount and stated date."""
    deal = find(invented, ("Helios Capital", "Lumen Robotics"), DealKind.INVESTMENT, 2.5e8)
    amount = deal.terms[0].amount
    assert (amount.text, amount.unit) == ("250 millions d’euros", "EUR")
    assert deal.date.start == "2024-03" and not deal.reported


def test_an_invented_rumour_is_reported_and_dated_by_its_article(invented):
    """ "Selon des sources…, détiendrait": reported; no date stated, so the article's."""
    deal = find(invented, ("Helios Capital", "Lumen Robotics"), DealKind.STAKE, 0.15)
    assert deal.reported and deal.date.start == "2024-06" and not deal.date.stated


def test_the_same_deal_in_two_articles_is_one_line_citing_both(invented):
    """250 millions in March 2024, told by both articles: one record, two articles cited."""
    deal = find(invented, ("Helios Capital", "Lumen Robotics"), DealKind.INVESTMENT, 2.5e8)
    assert {c.article_id for c in deal.citations} == {"helios-lumen", "helios-rappel"}


def test_two_amounts_for_the_same_pair_and_year_are_both_shown(invented):
    """100 millions in 2024 is another deal than the 250 millions: never merged into it."""
    other = find(invented, ("Helios Capital", "Lumen Robotics"), DealKind.INVESTMENT, 1e8)
    assert other.date.year == 2024
    assert cited(other) == {"helios-rappel#1"}


def test_an_undated_aside_about_other_companies_is_left_out(invented):
    """Orion Ventures is not the article's subject and the sentence states no date: no line
    rather than one dated by the article."""
    assert not [d for d in invented if "Orion Ventures" in d.parties]


def test_every_invented_line_agrees_with_its_cited_sentences(invented):
    """The same check as on the bundled corpus."""
    assert {str(d.terms[0]): _check_line(d) for d in invented if _check_line(d)} == {}


# -- Tricky French sentences ----------------------------------------------------------------------

NOVA = Article("nova", "Nova Robotique et Orion Capital", "2020-09", "")


def one(text: str, previous: str | None = None) -> Deal:
    found = sentence_deals(text, NOVA, previous)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "written", "value", "unit", "qualifier"),
    [
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique.",
         "1 milliard de dollars", 1e9, "USD", ""),
        ("Orion Capital a investi 300 millions de dollars dans Nova Robotique.",
         "300 millions de dollars", 3e8, "USD", ""),
        ("Orion Capital a injecté 4,5 milliards d’euros dans Nova Robotique.",
         "4,5 milliards d’euros", 4.5e9, "EUR", ""),
        ("Orion Capital a investi 750 000 euros dans Nova Robotique.",
         "750 000 euros", 7.5e5, "EUR", ""),
        ("Orion Capital s’est engagé à financer Nova Robotique à hauteur d’un milliard de dollars.",
         "un milliard de dollars", 1e9, "USD", ""),
        ("Orion Capital a investi plusieurs milliards de dollars dans Nova Robotique.",
         "plusieurs milliards de dollars", 2e9, "USD", "at_least"),
        ("Orion Capital a investi environ 2 milliards de dollars dans Nova Robotique.",
         "environ 2 milliards de dollars", 2e9, "USD", "about"),
        ("Orion Capital a obtenu une participation de 10 % dans Nova Robotique.",
         "10 %", 0.10, "share", ""),
    ],
)  # fmt: skip
def test_amounts_as_written_and_as_numbers(sentence, written, value, unit, qualifier):
    """Digits, words, thousands apart, decimal commas, "plusieurs", qualifiers, percents."""
    amount = one(sentence).terms[0].amount
    assert (amount.text, amount.unit, amount.qualifier) == (written, unit, qualifier)
    assert amount.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("sentence", "start", "end", "stated"),
    [
        ("En 2019, Orion Capital a investi 1 milliard de dollars dans Nova Robotique.",
         "2019", "", "2019"),
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique en juillet 2019.",
         "2019-07", "", "juillet 2019"),
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique entre 2019 et "
         "début 2023.", "2019", "2023", "entre 2019 et début 2023"),
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique l’année dernière.",
         "2019", "", "l’année dernière"),
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique.",
         "2020-09", "", ""),
    ],
)  # fmt: skip
def test_dates_stated_in_the_sentence_else_the_articles(sentence, start, end, stated):
    """A year, a month, a period, a date relative to the article; else the article's."""
    date = one(sentence).date
    assert (date.start, date.end, date.stated) == (start, end, stated)


def test_a_pluperfect_sentence_is_dated_by_the_one_before_it():
    """ "s'était engagé" tells an earlier deal: the previous sentence dates it, and is cited."""
    deal = one(
        "Orion Capital s’était engagé à financer Nova Robotique à hauteur de 5 millions d’euros.",
        previous="Cet accord fait suite à celui de mars 2018.",
    )
    assert deal.date.start == "2018-03" and len(deal.citations) == 2


def test_a_pluperfect_sentence_with_nothing_to_date_it_gives_no_deal():
    """Dating it by the article would be wrong: it is left out."""
    text = "Orion Capital avait investi 5 millions d’euros dans Nova Robotique."
    assert sentence_deals(text, NOVA, previous="Rien ne le laissait prévoir.") == []


@pytest.mark.parametrize(
    ("sentence", "reported"),
    [
        ("Orion Capital a investi 1 milliard de dollars dans Nova Robotique.", False),
        ("Orion Capital aurait investi 1 milliard de dollars dans Nova Robotique.", True),
        ("Selon certaines rumeurs, Orion Capital investirait 1 milliard de dollars dans Nova "
         "Robotique.", True),
        ("Des sources ont rapporté qu’Orion Capital a investi 1 milliard de dollars dans Nova "
         "Robotique.", True),
        ("Orion Capital a annoncé qu’il investirait 1 milliard de dollars dans Nova Robotique.",
         False),
    ],
)  # fmt: skip
def test_fact_or_rumour(sentence, reported):
    """Hearsay phrases and the conditional are rumours; "a annoncé qu'il investirait" is not."""
    assert one(sentence).reported is reported


def test_names_are_normalised():
    """Spellings of one name give one party: the sources' typo "OpenAai" is OpenAI."""
    deal = one("Orion Capital a investi 1 milliard de dollars dans OpenAai.")
    assert deal.parties == ("Orion Capital", "OpenAI")


@pytest.mark.parametrize(
    "sentence",
    [
        # A sum of years of deals, not one deal.
        "Malgré des investissements de plusieurs milliards de dollars, Orion Capital se tait.",
        # "licencier" is no licence; employees are no amount.
        "Orion Capital va licencier 10 000 employés de Nova Robotique.",
        # An infinitive has no publisher: Lambert does not publish the model.
        "Lambert dit que publier un modèle ouvert pourrait aider Nova Robotique.",
        # "des milliards" is no amount.
        "Orion Capital a investi des milliards de dollars dans Nova Robotique.",
    ],
)
def test_sentences_that_are_no_deal(sentence):
    """Near misses give nothing rather than a wrong line."""
    assert sentence_deals(sentence, NOVA) == []

"""A small annotated database for the export tests, built through the Store API.

It holds what exports get wrong: overlapping and nested spans, a span that
ends inside a token, a linked span, a NIL span, non-ASCII text with a
character outside the BMP, a span across a line break and a paragraph
break, two annotators plus gold, and a document nobody has annotated.
Claims are attributed to their sources: one claim to two sources, and the
claims across a line break and a paragraph break (brat writes them as
fragments) to sources before and after the emoji.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.model import GOLD, Entity, NewDocument
from workbench.store import Store

ENGLISH = ("Ukraine's General Staff said Russian forces lost 1,200 troops near Bakhmut on Monday, "
           "according to Volodymyr Zelensky.")
UKRAINIAN = ("Мер Києва Віталій Кличко заявив:\n«Світла не буде 4 години».\n\n"
             "Підстанції 🔌 пошкоджено, каже «Укренерго».")
UNANNOTATED = "An unannotated note about grain exports from Odesa."

ENTITIES = (
    Entity("wb:general-staff-ukraine", "General Staff of the Armed Forces of Ukraine", "ORG",
           "Ukraine's top military command.", 0.8, ("General Staff", "Генштаб")),
    Entity("wb:volodymyr-zelensky", "Volodymyr Zelensky", "PERSON", "President of Ukraine.", 0.98,
           ("Zelensky", "Зеленський")),
    Entity("wb:vitali-klitschko", "Vitali Klitschko", "PERSON", "Mayor of Kyiv.", 0.6,
           ("Кличко",)),
)


def at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@dataclass
class Fixture:
    store: Store
    english: str
    ukrainian: str
    unannotated: str


def build(store: Store) -> Fixture:
    store.import_entities(ENTITIES, str.casefold)
    result = store.add_documents([
        NewDocument(ENGLISH, "Bakhmut losses", "english.txt", {"lang": "en"}),
        NewDocument(UKRAINIAN, "Kyiv blackouts", "ukrainian.txt", {"lang": "uk", "n": 2}),
        NewDocument(UNANNOTATED, "Odesa", "plain.txt"),
    ])
    english, ukrainian, unannotated = result.added

    def add(document: str, text: str, annotator: str, needle: str, label: str, **link) -> str:
        return store.add_span(document, annotator, *at(text, needle), label, **link).id

    # alice: nested and crossing spans, a link, a NIL, a span ending inside "Ukraine's".
    claim = add(english, ENGLISH, "alice", "Russian forces lost 1,200 troops near Bakhmut", "claim")
    add(english, ENGLISH, "alice", "1,200 troops", "figure")
    add(english, ENGLISH, "alice", "1,200", "figure")
    add(english, ENGLISH, "alice", "Bakhmut on Monday", "figure")
    add(english, ENGLISH, "alice", "Ukraine", "source", nil=True)
    general_staff = add(english, ENGLISH, "alice", "General Staff", "source",
                        entity_id="wb:general-staff-ukraine")
    zelensky = add(english, ENGLISH, "alice", "Volodymyr Zelensky", "source",
                   entity_id="wb:volodymyr-zelensky")
    store.add_relation(claim, general_staff, "attributed_to")
    store.add_relation(claim, zelensky, "attributed_to")
    # bob: a different reading of the same sentence.
    bobs_source = add(english, ENGLISH, "bob", "Ukraine's General Staff", "source",
                      entity_id="wb:general-staff-ukraine")
    store.add_relation(add(english, ENGLISH, "bob", "lost 1,200 troops", "claim"), bobs_source, "attributed_to")
    # gold, adjudicated from alice.
    gold_claim = store.add_span(english, GOLD, *at(ENGLISH, "Russian forces lost 1,200 troops near Bakhmut"),
                                "claim", provenance=[claim])
    gold_source = store.add_span(english, GOLD, *at(ENGLISH, "General Staff"), "source",
                                 entity_id="wb:general-staff-ukraine", provenance=[general_staff])
    store.add_relation(gold_claim.id, gold_source.id, "attributed_to")

    # Ukrainian: a claim across a line break, one across a paragraph break, a link, a figure.
    said = add(ukrainian, UKRAINIAN, "alice", "заявив:\n«Світла не буде 4 години»", "claim")
    add(ukrainian, UKRAINIAN, "alice", "4 години", "figure")
    klitschko = add(ukrainian, UKRAINIAN, "alice", "Віталій Кличко", "source", entity_id="wb:vitali-klitschko")
    damaged = add(ukrainian, UKRAINIAN, "alice", "години».\n\nПідстанції 🔌", "claim")
    ukrenergo = add(ukrainian, UKRAINIAN, "alice", "«Укренерго»", "source", nil=True)
    store.add_relation(said, klitschko, "attributed_to")
    store.add_relation(damaged, ukrenergo, "attributed_to")
    add(ukrainian, UKRAINIAN, "bob", "Кличко", "source")

    for document, annotator, status, seconds in (
        (english, "alice", "done", 312.5), (english, "bob", "done", 95.0),
        (english, GOLD, "done", 40.25), (ukrainian, "alice", "done", 180.0),
        (ukrainian, "bob", "in_progress", 12.0),
    ):
        store.set_status(document, annotator, status)
        store.add_seconds(document, annotator, seconds)
    return Fixture(store, english, ukrainian, unannotated)

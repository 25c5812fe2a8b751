"""Review: annotators' versions adjudicated into gold with keys, checked by what the store holds."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from textual.widgets import DataTable, Static

from conftest import Notifications, actions
from workbench.cli import cli
from workbench.importer import import_paths
from workbench.linking import normalise_alias
from workbench.model import GOLD, Entity, NewDocument
from workbench.text import TextIndex
from workbench.tui.app import make_app
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.queue import QueueScreen
from workbench.tui.screens.review import ReviewScreen
from workbench.tui.widgets.article import ArticleView

SIZE = (120, 36)
ARTICLE = ("Ukraine said Russia shelled Kharkiv overnight. The mayor reported 12 injured. "
           "Moscow denied it. Zelensky spoke later.")
OTHER = "Grain exports from Odesa resumed on Monday, the port authority said."
UNREADY = "The EU agreed a new sanctions package worth 5 billion euros."


def at(phrase: str, text: str = ARTICLE) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


AGREED = at("Ukraine")
BOUNDARY_ALICE = at("Russia shelled Kharkiv")
BOUNDARY_BOB = at("Russia shelled Kharkiv overnight")
LABEL = at("12 injured")
ONLY_ALICE = at("Moscow denied it.")
LINK = at("Zelensky")
# The disagreements in document order, each as (start, end) of the whole group.
GROUPS = [BOUNDARY_BOB, LABEL, ONLY_ALICE, LINK]


@pytest.fixture
def docs(store) -> list[str]:
    """An article alice and bob both finished, differing in every way they can; then two more."""
    store.add_documents([NewDocument(ARTICLE, "Kharkiv shelling", "a.txt"),
                         NewDocument(OTHER, "Odesa grain", "b.txt"),
                         NewDocument(UNREADY, "EU sanctions", "c.txt")])
    store.import_entities([
        Entity("Q1", "Volodymyr Zelensky", "PERSON", aliases=("Zelensky",)),
        Entity("Q2", "Olena Zelenska", "PERSON", aliases=("Zelenska",)),
        Entity("Q3", "Ukraine", "GPE", "the country"),
    ], normalise_alias)
    article, other, unready = store.document_uids()
    for annotator, boundary, label, link in (("alice", BOUNDARY_ALICE, "figure", "Q1"),
                                             ("bob", BOUNDARY_BOB, "claim", "Q2")):
        store.add_span(article, annotator, *AGREED, "source")
        store.add_span(article, annotator, *boundary, "claim")
        store.add_span(article, annotator, *LABEL, label)
        store.add_span(article, annotator, *LINK, "source", entity_id=link)
        store.add_span(other, annotator, *at("Odesa", OTHER), "source")
        store.set_status(article, annotator, "done")
        store.set_status(other, annotator, "done")
    store.add_span(article, "alice", *ONLY_ALICE, "claim")
    store.add_span(unready, "alice", *at("5 billion euros", UNREADY), "figure")
    store.set_status(unready, "alice", "done")
    store.add_span(unready, "bob", *at("EU", UNREADY), "source")
    return [article, other, unready]


def review_app(store, annotators: list[str] | None = None):
    return make_app(store, "lead", review=[] if annotators is None else annotators)


def gold(store, document: str) -> list[tuple[int, int, str, str | None, tuple[str, ...]]]:
    return sorted((s.start, s.end, s.label, s.entity_id, s.provenance) for s in store.spans(document, GOLD))


def gold_at(store, document: str, offsets: tuple[int, int]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(label, entity, provenance) for start, end, label, entity, provenance in gold(store, document)
            if (start, end) == offsets]


def view(app) -> ArticleView:
    return app.screen.query_one(ArticleView)


def panel_text(app) -> str:
    return str(app.screen.query_one("#review-panel", Static).content)


AGREED_GOLD = (*AGREED, "source", None, ("alice", "bob"))
OTHER_AGREED_GOLD = (*at("Odesa", OTHER), "source", None, ("alice", "bob"))


# -- opening a document for review -------------------------------------------------


async def test_opening_review_puts_the_agreed_spans_in_gold_with_who_agreed(store, docs):
    assert store.review_status(docs[0], []) == "ready"
    assert store.spans(docs[0], GOLD) == []

    async with review_app(store).run_test(size=SIZE) as pilot:
        assert isinstance(pilot.app.screen, ReviewScreen)
        assert pilot.app.screen.document == docs[0]
        assert [s.text for s in view(pilot.app).spans] == ["Ukraine"]

    assert gold(store, docs[0]) == [AGREED_GOLD]
    assert store.review_status(docs[0], []) == "in review"
    assert store.review_status(docs[0], ["alice", "bob"]) == "in review"
    assert store.review_status(docs[1], []) == "ready"


async def test_reopening_a_review_keeps_what_the_reviewer_made_of_gold(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("g", "d")  # the agreed span is wrong after all
        assert gold(store, docs[0]) == []

    async with review_app(store).run_test(size=SIZE) as pilot:
        assert pilot.app.screen.document == docs[0]
        assert view(pilot.app).spans == []

    assert gold(store, docs[0]) == []
    assert actions(store, document=docs[0], annotator=GOLD)[-1] == "delete"
    assert len(store.spans(docs[0], "alice")) == 5 and len(store.spans(docs[0], "bob")) == 4


def test_a_document_only_one_annotator_finished_is_not_ready(store, docs):
    assert store.review_status(docs[2], []) == "not ready"
    assert store.review_status(docs[2], ["alice"]) == "ready"


async def test_with_nothing_ready_the_app_says_so_and_writes_no_gold(store, docs):
    for document in docs[:2]:
        store.set_status(document, "bob", "in_progress")

    shown = Notifications()
    async with review_app(store).run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        assert any("No document is ready for review" in message for message in shown)

    assert [store.review_status(uid, []) for uid in docs] == ["not ready"] * 3
    assert all(store.spans(uid, GOLD) == [] for uid in docs)


async def test_review_of_named_annotators_compares_only_them(store, docs):
    store.add_span(docs[0], "carol", *at("Kharkiv"), "source")

    async with review_app(store, ["alice", "bob"]).run_test(size=SIZE) as pilot:
        assert pilot.app.screen.document == docs[0]
        assert "carol" not in panel_text(pilot.app)

    assert gold(store, docs[0]) == [AGREED_GOLD]


async def test_an_annotator_who_found_nothing_still_disagrees_with_one_who_tagged(store):
    store.add_documents([NewDocument(OTHER, "Odesa grain", "b.txt")])
    uid, = store.document_uids()
    store.add_span(uid, "alice", *at("Odesa", OTHER), "source")
    store.set_status(uid, "alice", "done")
    store.set_status(uid, "bob", "done")
    assert store.review_status(uid, []) == "ready"

    async with review_app(store).run_test(size=SIZE) as pilot:
        groups = pilot.app.screen.groups

    assert gold(store, uid) == []
    assert [group.kind.value for group in groups] == ["only_some"]


async def test_stepping_onto_a_document_that_is_not_ready_leaves_it_not_ready(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("J", "J")
        assert pilot.app.screen.document != docs[2]

    assert store.review_status(docs[2], []) == "not ready"
    assert store.spans(docs[2], GOLD) == []


# -- moving between disagreements ----------------------------------------------------


async def test_n_and_p_select_each_disagreement_in_order_and_wrap(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        selections = []
        for key in ("n", "n", "n", "n", "p", "p"):
            await pilot.press(key)
            selections.append(article.selection)

    assert selections == [GROUPS[1], GROUPS[2], GROUPS[3], GROUPS[0], GROUPS[3], GROUPS[2]]


async def test_the_panel_names_each_kind_and_the_annotators_versions(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        first = panel_text(pilot.app)
        await pilot.press("n", "n")
        on_only_some = panel_text(pilot.app)
        await pilot.press("n")
        on_link = panel_text(pilot.app)
        header = str(pilot.app.screen.query_one("#header", Static).content)

    group_lines = [line for line in first.splitlines() if not line.startswith("   ")]
    assert [line.lstrip("▶ ")[0] for line in group_lines] == ["↔", "≠", "±", "⇄"]
    assert group_lines[0].startswith("▶")
    assert "alice: claim 13-35 “Russia shelled Kharkiv”" in first
    assert "bob: claim 13-45 “Russia shelled Kharkiv overnight”" in first
    assert "alice: claim 78-95 “Moscow denied it.”" in on_only_some and "bob: (no span)" in on_only_some
    assert "alice: source" in on_link and "→ Volodymyr Zelensky" in on_link
    assert "bob: source" in on_link and "→ Olena Zelenska" in on_link
    assert "alice, bob → gold" in header and "4 of 4 disagreements open" in header


# -- accepting and rejecting versions --------------------------------------------------


async def test_a_accepts_the_chosen_version_and_another_replaces_it(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "j", "k", "a")
        assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]
        assert "[accepted]" in panel_text(pilot.app)
        await pilot.press("j", "a")
        header = str(pilot.app.screen.query_one("#header", Static).content)

    assert gold_at(store, docs[0], LABEL) == [("claim", None, ("bob",))]
    assert gold(store, docs[0]) == sorted([AGREED_GOLD, (*LABEL, "claim", None, ("bob",))])
    assert "3 of 4 disagreements open" in header


async def test_accepting_takes_the_versions_offsets_and_entity(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("a")  # the first disagreement, boundaries, is current on opening
        await pilot.press("p", "j", "a")  # wrapping round to the link disagreement

    assert gold(store, docs[0]) == sorted([AGREED_GOLD, (*BOUNDARY_ALICE, "claim", None, ("alice",)),
                                           (*LINK, "source", "Q2", ("bob",))])


async def test_r_records_the_rejection_and_leaves_gold_alone(store, docs):
    alice_only = next(s for s in store.spans(docs[0], "alice") if (s.start, s.end) == ONLY_ALICE)

    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "r")
        assert "[rejected]" in panel_text(pilot.app)
        assert "✓ resolved" in panel_text(pilot.app)

    assert store.rejections(docs[0]) == {alice_only.id}
    assert gold(store, docs[0]) == [AGREED_GOLD]
    assert actions(store, document=docs[0], annotator=GOLD)[-1] == "reject"

    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        assert "[rejected]" in panel_text(pilot.app)


async def test_rejecting_an_accepted_version_takes_it_out_of_gold(store, docs):
    alice_label = next(s for s in store.spans(docs[0], "alice") if (s.start, s.end) == LABEL)

    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a")
        assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]
        await pilot.press("r")

    assert gold_at(store, docs[0], LABEL) == []
    assert store.rejections(docs[0]) == {alice_label.id}


# -- editing gold with the annotate keys --------------------------------------------------


async def test_label_and_boundary_keys_edit_the_accepted_gold_span(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a", "left")  # the cursor was left at the group's end
        await pilot.press("c", "2")  # c picks the span under the cursor, so 2 relabels it
        assert gold_at(store, docs[0], LABEL) == [("source", None, ("alice",))]
        await pilot.press("greater_than_sign")

    start, end = LABEL
    assert gold_at(store, docs[0], (start, end + 1)) == [("source", None, ("alice",))]
    assert [s.text for s in store.spans(docs[0], GOLD) if s.start == start] == ["12 injured."]
    assert actions(store, document=docs[0], annotator=GOLD)[-2:] == ["relabel", "resize"]
    assert [s.start for s in store.spans(docs[0], "alice") if s.label == "figure"] == [start]


async def test_a_span_nobody_made_is_the_reviewers(store, docs):
    mayor = at("mayor")

    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("right_parenthesis", "w", "v", "1")

    assert gold_at(store, docs[0], mayor) == [("claim", None, ("reviewer",))]
    assert all((s.start, s.end) != mayor for name in ("alice", "bob") for s in store.spans(docs[0], name))


async def test_link_picker_links_a_gold_span(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("g", "l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReviewScreen)

    assert gold(store, docs[0]) == [(*AGREED, "source", "Q3", ("alice", "bob"))]
    assert all(s.entity_id is None for s in store.spans(docs[0], "alice") if (s.start, s.end) == AGREED)


async def test_undo_and_redo_step_through_gold_edits(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a", "left", "c", "2")
        assert gold_at(store, docs[0], LABEL) == [("source", None, ("alice",))]
        await pilot.press("u")
        assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]
        await pilot.press("u")
        assert gold_at(store, docs[0], LABEL) == []
        assert "[accepted]" not in panel_text(pilot.app)
        await pilot.press("ctrl+r")
        assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]
        assert "[accepted]" in panel_text(pilot.app)
        await pilot.press("ctrl+r")
        assert len(view(pilot.app).spans) == 2

    assert gold_at(store, docs[0], LABEL) == [("source", None, ("alice",))]
    assert actions(store, document=docs[0], annotator="alice").count("undo") == 0


async def test_the_open_disagreement_count_follows_undo_and_redo(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        header = pilot.app.screen.query_one("#header", Static)
        await pilot.press("n", "a")
        assert "3 of 4 disagreements open" in str(header.content)
        await pilot.press("u")
        assert "4 of 4 disagreements open" in str(header.content)
        await pilot.press("ctrl+y")
        assert "3 of 4 disagreements open" in str(header.content)


async def test_one_undo_takes_back_a_replacing_accept_whole(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a", "j", "a")
        assert gold_at(store, docs[0], LABEL) == [("claim", None, ("bob",))]
        await pilot.press("u")
        # The first version is back at once: no empty gold between the two.
        assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]
        await pilot.press("u")
        assert gold_at(store, docs[0], LABEL) == []

    assert gold_at(store, docs[0], LABEL) == []


@pytest.fixture
def attribution(store) -> str:
    """Alice and bob both say Ukraine said Russia shelled Kharkiv; they mark the claim differently."""
    store.add_documents([NewDocument(ARTICLE, "Kharkiv shelling", "a.txt")])
    (article,) = store.document_uids()
    for annotator, claim in (("alice", BOUNDARY_ALICE), ("bob", BOUNDARY_BOB)):
        source = store.add_span(article, annotator, *AGREED, "source")
        said = store.add_span(article, annotator, *claim, "claim")
        store.add_relation(said.id, source.id, "attributed_to")
        store.set_status(article, annotator, "done")
    return article


def gold_relations(store, document: str) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    spans = {span.id: span for span in store.spans(document, GOLD)}
    return [((spans[r.head].start, spans[r.head].end), (spans[r.tail].start, spans[r.tail].end), r.label)
            for r in store.relations(document, GOLD)]


async def test_a_accepts_a_relation_version_with_its_claim_and_one_undo_takes_both_back(store, attribution):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n")  # past the claim's boundaries, onto the relation's versions
        panel = panel_text(pilot.app)
        assert "↔ boundary   attributed_to" in panel
        assert "alice: claim “Russia shelled Kharkiv” → source “Ukraine”" in panel
        assert "bob: claim “Russia shelled Kharkiv overnight” → source “Ukraine”" in panel
        assert gold_relations(store, attribution) == []
        await pilot.press("a")
        assert gold_relations(store, attribution) == [(BOUNDARY_ALICE, AGREED, "attributed_to")]
        assert gold_at(store, attribution, BOUNDARY_ALICE) == [("claim", None, ("alice",))]
        assert "[accepted]" in panel_text(pilot.app)
        await pilot.press("u")
        assert gold_relations(store, attribution) == []
        assert gold_at(store, attribution, BOUNDARY_ALICE) == []
        await pilot.press("j", "r")
        assert "bob: claim “Russia shelled Kharkiv overnight” → source “Ukraine”  [rejected]" in panel_text(
            pilot.app)

    bobs = store.relations(attribution, "bob")[0].id
    assert store.rejections(attribution) == {bobs} and gold_relations(store, attribution) == []


# -- finishing -------------------------------------------------------------------------


async def test_D_marks_gold_reviewed_and_opens_the_next_ready_document(store, docs):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a", "D")
        assert isinstance(pilot.app.screen, ReviewScreen)
        assert pilot.app.screen.document == docs[1]
        assert view(pilot.app).text == OTHER

    assert store.review_status(docs[0], []) == "reviewed"
    assert store.status(docs[0], GOLD) == "done"
    assert store.review_status(docs[1], []) == "in review"
    assert gold(store, docs[1]) == [OTHER_AGREED_GOLD]


async def test_D_on_the_last_ready_document_returns_to_the_queue(store, docs):
    shown = Notifications()
    async with review_app(store).run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.press("D", "D")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        assert any("No more documents" in message for message in shown)

    assert [store.review_status(uid, []) for uid in docs] == ["reviewed", "reviewed", "not ready"]


async def test_S_leaves_the_document_in_review_and_opens_the_next_waiting_one(store, docs):
    shown = Notifications()
    async with review_app(store).run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.press("n", "a", "S")
        assert pilot.app.screen.document == docs[1]
        await pilot.press("S")
        assert pilot.app.screen.document == docs[0]
        await pilot.press("S", "D", "S")  # on to Odesa, reviewed, back to the first: the only one left
        assert pilot.app.screen.document == docs[0]
        assert any("No other document" in message for message in shown)

    assert [store.review_status(uid, []) for uid in docs] == ["in review", "reviewed", "not ready"]
    assert gold_at(store, docs[0], LABEL) == [("figure", None, ("alice",))]  # what was accepted stays


# -- exporting gold --------------------------------------------------------------------


async def test_gold_exports_as_jsonl_after_review(store, docs, tmp_path):
    async with review_app(store).run_test(size=SIZE) as pilot:
        await pilot.press("n", "a", "n", "a", "n", "a", "D")  # alice's label, only-some and link

    out = tmp_path / "gold.jsonl"
    result = CliRunner().invoke(cli, ["--db", str(store.path), "export", "--format", "jsonl",
                                      "--gold", "--status", "done", "--out", str(out)])

    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == [docs[0]]
    (annotation,) = records[0]["annotations"]
    assert annotation["annotator"] == GOLD and annotation["status"] == "done"
    exported = sorted((s["start"], s["end"], s["label"], s["text"], (s["entity"] or {}).get("id"),
                       tuple(s.get("provenance", ()))) for s in annotation["spans"])
    assert exported == sorted([
        (*AGREED, "source", "Ukraine", None, ("alice", "bob")),
        (*LABEL, "figure", "12 injured", None, ("alice",)),
        (*ONLY_ALICE, "claim", "Moscow denied it.", None, ("alice",)),
        (*LINK, "source", "Zelensky", "Q1", ("alice",)),
    ])


@pytest.mark.parametrize("format_name, out_name", [
    ("spacy", "gold.spacy"), ("prodigy", "gold.jsonl"), ("doccano", "gold.jsonl"),
    ("brat", "brat"), ("conll", "gold.conll"),
])
def test_the_gold_version_exports_in_every_format(store, docs, tmp_path, format_name, out_name):
    start_review_with_gold(store, docs[0])
    out = tmp_path / out_name

    result = CliRunner().invoke(cli, ["--db", str(store.path), "export", "--format", format_name,
                                      "--gold", "--status", "done", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "1 document, 2 spans, 0 links, annotators: gold" in result.output


def start_review_with_gold(store, document: str) -> None:
    """What a reviewer leaves: the agreed span, one accepted version, gold marked done."""
    store.start_review(document, ["alice", "bob"])
    store.add_span(document, GOLD, *LABEL, "figure", provenance=("alice",))
    store.set_status(document, GOLD, "done")


# -- the queue ---------------------------------------------------------------------------


async def test_review_skips_reviewed_documents_and_the_queue_shows_review_statuses(store, docs):
    start_review_with_gold(store, docs[0])

    async with review_app(store).run_test(size=SIZE) as pilot:
        assert pilot.app.screen.document == docs[1]
        await pilot.press("q")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        table = pilot.app.screen.query_one(DataTable)
        statuses = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]

    assert statuses == ["reviewed", "in review", "not ready"]


async def test_R_in_the_annotate_queue_opens_review_of_the_highlighted_document(store, docs):
    async with make_app(store, "carol").run_test(size=SIZE) as pilot:
        assert isinstance(pilot.app.screen, AnnotateScreen)
        await pilot.press("q")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        await pilot.press("down", "R")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReviewScreen)
        assert pilot.app.screen.document == docs[1]
        await pilot.press("D")
        # carol only looked at the first document, so she is no annotator of it: it is
        # ready for review, and opens next.
        assert pilot.app.screen.document == docs[0]

    assert store.review_status(docs[1], []) == "reviewed"
    assert gold(store, docs[1]) == [OTHER_AGREED_GOLD]
    assert store.spans(docs[0], "carol") == [] and store.spans(docs[1], "carol") == []
    assert store.status(docs[0], "carol") == "new"


async def test_R_on_a_document_not_ready_leaves_the_queue_opening_documents_to_annotate(store, docs):
    shown = Notifications()
    async with make_app(store, "carol").run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.press("q")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down", "down", "R")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        assert any("Not ready for review" in message for message in shown)
        await pilot.press("up", "up", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnnotateScreen) and not pilot.app.screen.reviewing
        assert pilot.app.screen.document == docs[0]

    assert store.spans(docs[0], GOLD) == []


# -- the commissioned corpus ----------------------------------------------------------------


async def test_two_versions_of_a_seed_article_are_reviewed_into_gold_with_keys(store, seed_corpus):
    import_paths(store, [seed_corpus])
    article = store.document_uids()[0]
    text = store.text(article)
    index = TextIndex(text)
    second_sentence = index.sentences.at(index.sentences.next_start(0))
    number = next((start, end) for start, end in zip(index.tokens.starts, index.tokens.ends)
                  if text[start].isdigit())
    for annotator, number_label in (("alice", "figure"), ("bob", "claim")):
        store.add_span(article, annotator, *second_sentence, "claim")
        store.add_span(article, annotator, *number, number_label)
        store.set_status(article, annotator, "done")

    async with review_app(store, ["alice", "bob"]).run_test(size=SIZE) as pilot:
        assert pilot.app.screen.document == article
        assert "≠ label" in panel_text(pilot.app)
        await pilot.press("n", "a", "D")
        await pilot.pause()

    claim, figure = sorted(store.spans(article, GOLD), key=lambda s: s.label)
    assert (claim.start, claim.end, claim.provenance) == (*second_sentence, ("alice", "bob"))
    assert (figure.start, figure.end, figure.label) == (*number, "figure")
    assert figure.provenance == ("alice",)
    assert all(text[s.start:s.end] == s.text for s in (claim, figure))
    assert store.review_status(article, ["alice", "bob"]) == "reviewed"
    assert store.check() == []

"""The link picker, driven with keys on the demo corpus and its knowledge base."""

from __future__ import annotations

from importlib import resources

import pytest
from textual import events

from workbench.formats.kb import read_kb
from workbench.linking import normalise_alias
from test_tui_annotate import screen_lines
from workbench.tui.app import make_app

SIZE = (110, 32)
ZELENSKY = "wb:volodymyr-zelensky"


@pytest.fixture
def linked_demo(demo_store):
    with resources.as_file(resources.files("workbench") / "data" / "demo_entities.jsonl") as path:
        demo_store.import_entities(read_kb(path), normalise_alias)
    return demo_store


def document_with(store, needle: str) -> str:
    return next(uid for uid in store.document_uids() if needle in store.text(uid))


async def tag_word(pilot, word: str, occurrence: int = 0) -> None:
    """Put the cursor on a word and tag it as a source (key 2)."""
    screen = pilot.app.screen
    text = screen.view.text
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(word, offset + 1)
    screen.view.move_to(offset)
    await pilot.press("2")


async def pick(pilot, *keys: str) -> None:
    """Open the picker on the current span, let the search finish, then press keys."""
    await pilot.press("l")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press(*keys)
    await pilot.pause()


async def tag_link_and_propagate(pilot, word: str, count: int) -> None:
    """Tag every occurrence of `word`, link the first to the top candidate, then press L."""
    for occurrence in range(count):
        await tag_word(pilot, word, occurrence)
    await tag_word(pilot, word, 0)
    await pick(pilot, "enter")
    await pilot.press("L")
    await pilot.pause()


def spans_over(store, document: str, word: str):
    return [s for s in store.spans(document, "alice") if s.text == word]


async def test_zelenskyi_and_zelensky_link_to_the_same_person_in_a_few_keys(linked_demo):
    store = linked_demo
    misspelt = document_with(store, "Zelenskyi")
    plain = document_with(store, "Zelensky ")
    async with make_app(store, "alice", document=misspelt).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Zelenskyi")
        await pick(pilot, "enter")
        pilot.app.open_document(plain)
        await pilot.pause()
        await tag_word(pilot, "Zelensky ")
        await pick(pilot, "enter")

    (first,) = spans_over(store, misspelt, "Zelenskyi")
    assert first.entity_id == ZELENSKY
    assert any(s.entity_id == ZELENSKY for s in store.spans(plain, "alice"))


def burst(app, *keys: str) -> None:
    """Keys arriving at once, as over SSH: all queued before the app handles the first.

    Sent the way the terminal driver sends them; Pilot.press waits after each key.
    """
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_burst_of_typing_and_enter_links_what_the_typed_name_finds(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        await pick(pilot)
        burst(pilot.app, *"Zelensky", "enter")  # the search box starts selected: typing replaces it
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    (span,) = spans_over(store, document, "Bahmut")
    assert span.entity_id == ZELENSKY


async def test_a_burst_that_ends_in_quit_saves_every_key_before_it(store):
    from workbench.model import NewDocument

    store.add_documents([NewDocument("Officials said 40 attacks were repelled.", "Short", "s.txt")])
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        burst(pilot.app, "2", "w", "1", "w", "tab", "3", "ctrl+q")
        await pilot.pause()

    assert sorted((s.start, s.end, s.label) for s in store.spans(store.document_uids()[0], "alice")) == [
        (0, 9, "figure"), (10, 14, "claim")]


async def test_the_picker_starts_from_the_mention_and_refreshes_as_you_type(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        await pilot.press("l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        picker = pilot.app.screen
        assert picker.query_one("#picker-query").value == "Bahmut"
        assert picker.candidates[0].entity_id == "wb:bakhmut"
        picker.query_one("#picker-query").value = "Kharkov"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert picker.candidates[0].entity_id == "wb:kharkiv"
        await pilot.press("enter")
        await pilot.pause()

    (span,) = spans_over(store, document, "Bahmut")
    assert span.entity_id == "wb:kharkiv"


async def test_nil_unlink_and_undo_go_through_the_store(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        await pick(pilot, "ctrl+n")
        (span,) = spans_over(store, document, "Bahmut")
        assert span.nil and span.entity_id is None
        await pick(pilot, "enter")
        assert spans_over(store, document, "Bahmut")[0].entity_id == "wb:bakhmut"
        await pilot.press("X")
        assert not spans_over(store, document, "Bahmut")[0].linked
        await pilot.press("u")
        assert spans_over(store, document, "Bahmut")[0].entity_id == "wb:bakhmut"
        await pilot.press("u")
        assert spans_over(store, document, "Bahmut")[0].nil
        await pilot.press("ctrl+r")
        await pick(pilot, "ctrl+x")

    assert not spans_over(store, document, "Bahmut")[0].linked


async def test_a_new_entity_made_from_the_mention_is_linked_and_searchable(linked_demo):
    store = linked_demo
    document = document_with(store, "Halyna")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Halyna")
        await pilot.press("l")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("ctrl+e")
        type_box = pilot.app.screen.query_one("#picker-type")
        type_box.value = "PERSON"
        await pilot.press("enter")
        await pilot.pause()

    (span,) = spans_over(store, document, "Halyna")
    entity = store.entity(span.entity_id)
    assert (entity.name, entity.type) == ("Halyna", "PERSON")
    assert entity.id.startswith("wb:")
    from workbench.linking import EntitySearch
    assert EntitySearch(store).search("Halyna")[0].entity_id == entity.id


async def test_propagating_a_link_reaches_every_unlinked_mention_with_the_same_text(linked_demo):
    store = linked_demo
    document = document_with(store, "Bakhmut")
    count = store.text(document).count("Bakhmut")
    assert count >= 3
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_link_and_propagate(pilot, "Bakhmut", count)

    mentions = spans_over(store, document, "Bakhmut")
    assert len(mentions) == count
    assert {span.entity_id for span in mentions} == {"wb:bakhmut"}


async def test_one_undo_takes_back_a_whole_propagation_and_one_redo_repeats_it(linked_demo):
    store = linked_demo
    document = document_with(store, "Bakhmut")
    count = store.text(document).count("Bakhmut")

    def links() -> list[str | None]:
        return [span.entity_id for span in sorted(spans_over(store, document, "Bakhmut"),
                                                  key=lambda span: span.start)]

    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_link_and_propagate(pilot, "Bakhmut", count)
        assert links() == ["wb:bakhmut"] * count
        await pilot.press("u")
        await pilot.pause()
        assert links() == ["wb:bakhmut"] + [None] * (count - 1)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert links() == ["wb:bakhmut"] * count
        await pilot.press("u", "u")
        await pilot.pause()
        assert links() == [None] * count


async def test_a_linked_span_names_its_entity_in_the_status_line_and_the_span_list_not_the_text(
        linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        await pick(pilot, "enter")
        await pilot.pause()
        screen = pilot.app.screen
        status = str(screen.query_one("#status").render())
        shown = "\n".join(screen_lines(pilot.app))
        listed = [screen.span_list.describe(span).plain for span in screen.span_list.spans]

    assert "source “Bahmut” → Bakhmut" in status
    assert "Bahmut:" not in shown and "Bahmut]" not in shown
    assert any("Bahmut" in row and "→ Bakhmut" in row for row in listed)


async def test_the_picker_shows_hostile_mention_text_literally(store):
    from textual.widgets._toast import Toast

    from workbench.model import NewDocument

    hostile = "Officials \x1b[31m[bold red]Kyiv[/]\u202e said."
    store.add_documents([NewDocument(hostile, "t", "hostile.txt")])
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        view = pilot.app.screen.view
        view.select(10, 32)
        await pilot.press("t", "2", "l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        label = pilot.app.screen.query_one("#picker-mention")
        shown = label.content.plain
        query = pilot.app.screen.query_one("#picker-query").value
        running = pilot.app.is_running

    assert "\x1b" not in shown and "\u202e" not in shown
    assert "␛[31m[bold red]Kyiv[/]" in shown
    assert query.startswith("\x1b[31m[bold red]Kyiv")  # the search box edits the real text
    assert running


async def test_messages_quoting_text_that_looks_like_markup_show_it_literally(store):
    from textual.widgets._toast import Toast

    from workbench.model import NewDocument

    text = "Also [/x] here and [/x] there."
    store.add_documents([NewDocument(text, "Brackets", "brackets.txt")])
    uid = store.document_uids()[0]
    first, second = (store.add_span(uid, "alice", start, start + 4, "source")
                     for start in (text.index("[/x]"), text.rindex("[/x]")))
    async with make_app(store, "alice").run_test(size=SIZE, notifications=True) as pilot:
        pilot.app.screen.view.move_to(first.start + 1)
        await pick(pilot, "ctrl+n")
        await pilot.press("L")
        await pilot.pause()
        shown = [str(toast.render()) for toast in pilot.app.screen.query(Toast)]

    assert any('Linked 1 more mention of “[/x]”' in toast for toast in shown)
    assert [span.nil for span in store.spans(uid, "alice")] == [True, True]


async def open_picker_with_query(pilot, query: str):
    await pick(pilot)
    picker = pilot.app.screen
    picker.query_one("#picker-query").value = query
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return picker


async def test_a_name_not_in_the_kb_shows_no_confident_match_and_enter_links_nothing(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        picker = await open_picker_with_query(pilot, "Vladimir Putin")
        assert picker.candidates, "the nearest names are still offered"
        assert "No confident match" in str(picker.query_one("#picker-hint").render())
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is picker
        assert not spans_over(store, document, "Bahmut")[0].linked
        await pilot.press("down", "enter")
        await pilot.pause()

    assert spans_over(store, document, "Bahmut")[0].entity_id == picker.candidates[0].entity_id


async def test_a_confident_match_is_highlighted_and_enter_takes_it(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")
        picker = await open_picker_with_query(pilot, "Зеленський")
        assert "Enter links" in str(picker.query_one("#picker-hint").render())
        await pilot.press("enter")
        await pilot.pause()

    assert spans_over(store, document, "Bahmut")[0].entity_id == ZELENSKY


async def test_a_new_entity_takes_its_type_from_the_label_not_the_top_candidate(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Bahmut")            # a source, whose top candidate is a place
        await pick(pilot)
        assert pilot.app.screen.candidates[0].type == "GPE"
        await pilot.press("ctrl+e", "enter")
        await pilot.pause()

    (span,) = spans_over(store, document, "Bahmut")
    assert store.entity(span.entity_id).type == "PERSON"


async def test_a_label_without_preferred_types_asks_for_the_new_entitys_type(linked_demo):
    store = linked_demo
    document = document_with(store, "Bahmut")
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        screen.view.move_to(screen.view.text.index("Bahmut"))
        await pilot.press("3")                     # a figure: any type
        await pick(pilot, "ctrl+e")
        assert pilot.app.screen.query_one("#picker-type").value == ""
        await pilot.press("enter")
        await pilot.pause()
        assert "needs a name and a type" in str(pilot.app.screen.query_one("#picker-hint").render())

    assert not spans_over(store, document, "Bahmut")[0].linked


async def test_undoing_the_link_that_made_an_entity_removes_it_and_redo_restores_both(linked_demo):
    from workbench.errors import NotFound

    store = linked_demo
    document = document_with(store, "Halyna")
    entities = store.entity_count()
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        await tag_word(pilot, "Halyna")
        await pick(pilot, "ctrl+e", "enter")
        (span,) = spans_over(store, document, "Halyna")
        made = span.entity_id
        assert store.entity(made).name == "Halyna"
        await pilot.press("u")
        await pilot.pause()
        assert not spans_over(store, document, "Halyna")[0].linked
        with pytest.raises(NotFound):
            store.entity(made)
        assert store.entity_count() == entities
        await pilot.press("ctrl+y")
        await pilot.pause()

    assert spans_over(store, document, "Halyna")[0].entity_id == made
    assert store.entity(made).aliases == ("Halyna",)


def test_link_types_in_the_config_replace_the_default_table(tmp_path):
    from workbench.config import load_config

    (tmp_path / "workbench.toml").write_text('[link_types]\nfigure = "QUANTITY"\nsource = ["ORG"]\n',
                                             encoding="utf-8")
    assert load_config(tmp_path).link_types == {"figure": ("QUANTITY",), "source": ("ORG",)}


def test_a_bad_link_types_entry_is_one_line_naming_the_file(tmp_path):
    from workbench.config import load_config
    from workbench.errors import WorkbenchError

    (tmp_path / "workbench.toml").write_text("[link_types]\nsource = 3\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"workbench\.toml: link_types\.source must be a type or a list"):
        load_config(tmp_path)


async def test_in_a_donetsk_article_the_picker_puts_the_donetsk_namesakes_first(store):
    from test_entity_context import PLACES

    from workbench.model import NewDocument

    store.import_entities(PLACES, normalise_alias)
    text = ("Shelling hit Pokrovsk, Avidivka and Slovyansk overnight, officials in Kostiantynivka "
            "and Druzhkivka said.")
    (document,) = store.add_documents([NewDocument(text, "Donetsk", "d.txt")]).added
    async with make_app(store, "alice", document=document).run_test(size=SIZE) as pilot:
        for word in ("Pokrovsk", "Avidivka", "Slovyansk"):
            await tag_word(pilot, word)
            await pick(pilot, "enter")

    links = {span.text: span.entity_id for span in store.spans(document, "alice")}
    assert links == {"Pokrovsk": "geo:704422", "Avidivka": "geo:713122", "Slovyansk": "geo:693468"}

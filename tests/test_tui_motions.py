"""Reaching text: hint jumps, search, clause and sentence extension, and the label-key rule."""

from __future__ import annotations

from workbench.model import NewDocument
from workbench.tui.app import make_app
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.jump import JumpScreen
from workbench.tui.widgets.hints import hint_labels

from test_tui_annotate import screen_lines, tagged, view

SIZE = (100, 30)
TEXT = ("Russia’s military, officials said, had lost 1,200 troops near Bakhmut – a figure "
        "Kyiv disputes. Vladimir Putin’s aim is unchanged.\n\n"
        "**Fierce Resistance**\nRussian troops met fierce resistance near Bakhmut on Monday.")


def add(store, text: str = TEXT) -> str:
    store.add_documents([NewDocument(text, "Report", "report.txt")])
    return store.document_uids()[0]


async def hint_for(pilot, word: str, occurrence: int = 0) -> list[str]:
    """The keys of the hint now shown on the word."""
    screen = pilot.app.screen
    assert isinstance(screen, JumpScreen)
    text = screen.view.text
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(word, offset + 1)
    return list(screen.hints[offset])


def test_nearest_words_get_single_key_hints_and_none_is_a_prefix_of_another():
    labels = hint_labels(120)
    assert len(set(labels)) == 120
    assert labels[0] == "f" and len(labels[0]) <= len(labels[-1]) == 2
    assert not any(a != b and b.startswith(a) for a in labels for b in labels)


async def test_a_hint_jumps_to_a_visible_word_and_a_label_key_tags_it(store):
    document = add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        keys = await hint_for(pilot, "Bakhmut")
        shown = "\n".join(screen_lines(pilot.app))
        await pilot.press(*keys, "2")

    assert "".join(keys) in shown  # the hint is drawn on screen
    assert tagged(store, document) == [("source", TEXT.index("Bakhmut"), TEXT.index("Bakhmut") + 7, "Bakhmut")]


async def test_extend_to_a_hint_selects_from_the_cursor_to_that_word(store):
    document = add(store)
    start = TEXT.index("Vladimir")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*await hint_for(pilot, "Vladimir"))
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*await hint_for(pilot, "Putin"), "2")

    assert tagged(store, document) == [("source", start, start + len("Vladimir Putin"), "Vladimir Putin")]


async def test_escape_leaves_a_jump_where_it_started(store):
    add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "f", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnnotateScreen)
        assert view(pilot.app).cursor == TEXT.index("’s")


async def test_search_selects_the_match_and_a_label_key_tags_it_as_is(store):
    document = add(store)
    second = TEXT.index("Bakhmut", TEXT.index("Bakhmut") + 1)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"bakhmut", "enter", "n", "3")

    assert tagged(store, document) == [("figure", second, second + 7, "Bakhmut")]


async def test_escape_from_a_search_returns_the_cursor_to_where_it_was(store):
    add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "w", "slash", *"putin", "escape")
        await pilot.pause()
        article = view(pilot.app)
        assert article.cursor == TEXT.index("military") and article.selection is None


async def test_previous_match_wraps_round_to_the_last(store):
    add(store)
    last = TEXT.rindex("near")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"near", "enter", "N")
        assert view(pilot.app).selection == (last, last + 4)


async def test_clause_extension_stops_before_the_clause_punctuation(store):
    document = add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("e", "1")  # "Russia’s military" ends before the comma
        await pilot.press("g", "e", "e", "e", "e", "E", "1")  # four clauses on, one back: before " –"

    claims = [text for _, _, _, text in tagged(store, document)]
    assert claims == ["Russia’s military",
                      "Russia’s military, officials said, had lost 1,200 troops near Bakhmut"]


async def test_extend_by_a_sentence_and_back(store):
    document = add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("a", "a", "A", "1")

    assert [text for *_, text in tagged(store, document)] == [TEXT[:TEXT.index(" Vladimir")]]


async def test_a_heading_line_is_its_own_sentence(store):
    document = add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"fierce r", "enter", "s", "1")

    assert [text for *_, text in tagged(store, document)] == ["**Fierce Resistance**"]


async def test_a_label_key_inside_a_claim_tags_the_word_and_leaves_the_claim(store):
    document = add(store)
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("s", "1")  # the first sentence, a claim
        await pilot.press("g", "w", "w", "2")  # on "military", inside it: a source of its own
        sentence = TEXT[:TEXT.index(" Vladimir")]
        assert sorted(tagged(store, document)) == [("claim", 0, len(sentence), sentence),
                                                   ("source", 9, 17, "military")]
        await pilot.press("c", "3")  # c picks the claim on purpose: now the key relabels it

    assert sorted(tagged(store, document)) == [("figure", 0, len(sentence), sentence),
                                               ("source", 9, 17, "military")]


async def test_the_status_line_shows_the_selected_words_shortened_in_the_middle(store):
    add(store)
    async with make_app(store, "alice").run_test(size=(160, 30)) as pilot:
        await pilot.press("a")
        status = str(pilot.app.screen.query_one("#status").render())

    assert "selected “Russia’s military," in status and "…" in status and "Kyiv disputes.”" in status


async def test_key_4_tags_a_place_inside_a_claim_as_a_mention(store):
    document = add(store)
    start = TEXT.index("Bakhmut")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("s", "1", "slash", *"bakhmut", "enter", "escape", "4")

    assert ("mention", start, start + 7, "Bakhmut") in tagged(store, document)
    assert [label for label, *_ in tagged(store, document)].count("claim") == 1

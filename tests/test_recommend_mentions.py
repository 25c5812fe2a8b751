"""Knowledge-base mentions, sources and this project's decisions on hand-written sentences."""

from __future__ import annotations

from workbench.linking import normalise_alias
from workbench.recommend.decisions import DecisionsRecommender
from workbench.recommend.mentions import MentionsRecommender
from workbench.recommend.sources import SourcesRecommender


def kb(*entities: tuple[str, float, tuple[str, ...]]) -> MentionsRecommender:
    rows = [(alias, normalise_alias(alias), entity_id, prior)
            for entity_id, prior, aliases in entities for alias in aliases]
    return MentionsRecommender.build(rows)


def found(recommender, text: str) -> list[tuple[str, str, str | None]]:
    return [(text[p.start:p.end], p.label, p.entity_id) for p in recommender.propose(text)]


def test_aliases_are_found_on_normalised_text_at_word_boundaries_and_pre_linked():
    places = kb(("geo:kyiv", 1.0, ("Kyiv", "Kiev")), ("geo:kharkiv", 1.0, ("Kharkiv",)))
    text = "KYIV and Kiev’s mayor met; Kharkivska oblast and kharkiv-bound trains were not."
    assert found(places, text) == [("KYIV", "mention", "geo:kyiv"), ("Kiev", "mention", "geo:kyiv")]


def test_a_name_shared_by_entities_goes_to_the_one_with_the_higher_prior():
    places = kb(("geo:small", 10.0, ("Alexandria",)), ("geo:egypt", 90.0, ("Alexandria",)))
    [proposal] = places.propose("Alexandria was quiet.")
    assert (proposal.entity_id, proposal.score) == ("geo:egypt", 0.9)


def test_a_mention_inside_an_attribution_is_suggested_as_a_source():
    people = kb(("wb:peskov", 1.0, ("Dmitry Peskov", "Peskov")))
    assert found(people, "Dmitry Peskov told reporters. Later Peskov left.") == [
        ("Dmitry Peskov", "source", "wb:peskov"), ("Peskov", "mention", "wb:peskov")]


def test_a_mention_label_missing_from_the_label_set_leaves_only_sources():
    rows = [("Peskov", "peskov", "wb:peskov", 1.0)]
    recommender = MentionsRecommender.build(rows, label=None)
    assert found(recommender, "Peskov said so. Peskov left.") == [("Peskov", "source", "wb:peskov")]


def test_sources_are_the_names_and_noun_phrases_next_to_attributions():
    text = ("Ukraine's General Staff said 40 attacks were repelled. According to the Institute for the "
            "Study of War, Russia advanced. “It is hard,” said a local official. Local officials told reporters "
            "nothing. The U.S. said nothing.")
    assert [t for t, _, _ in found(SourcesRecommender(), text)] == [
        "Ukraine's General Staff", "Institute for the Study of War", "local official", "Local officials", "U.S."]


def test_decisions_suggest_a_tagged_string_elsewhere_with_its_label_and_link():
    recommender = DecisionsRecommender.build([("Ukrenergo", "source", "wb:ukrenergo"),
                                              ("Ukrenergo", "source", "wb:ukrenergo"),
                                              ("Ukrenergo", "claim", None)])
    [(text, label, entity)] = found(recommender, "Engineers at UKRENERGO worked overnight.")
    assert (text, label, entity) == ("UKRENERGO", "source", "wb:ukrenergo")
    assert recommender.propose("Engineers at UKRENERGO")[0].score == 0.667


def test_a_longer_name_wins_over_a_shorter_one_that_starts_earlier():
    seas = kb(("wb:black-sea", 1.0, ("the Black Sea", "Black Sea")),
              ("wb:grain-deal", 1.0, ("Black Sea Grain Initiative",)))
    assert found(seas, "The Black Sea Grain Initiative lapsed.") == [
        ("Black Sea Grain Initiative", "mention", "wb:grain-deal")]

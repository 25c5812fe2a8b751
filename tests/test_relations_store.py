"""Relations between spans as the store keeps them: rules, undo, import, merge and check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.config import read_label_file
from workbench.errors import ImportRejected, RelationRefused, WorkbenchError
from workbench.importer import import_paths
from workbench.merge import merge
from workbench.model import NewDocument, RelationType
from workbench.store import Store

TEXT = ("Ukraine’s general staff said Russian losses were over 1,000 soldiers per day. "
        "The mayor of Kharkiv reported 12 injured, he said.")


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def article(store) -> str:
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    return store.document_uids()[0]


@pytest.fixture
def claim_and_source(store, article):
    source = store.add_span(article, "alice", *at("Ukraine’s general staff"), "source")
    claim = store.add_span(article, "alice", *at("Russian losses were over 1,000 soldiers per day"), "claim")
    return claim, source


def test_a_new_database_has_the_attributed_to_type(store):
    assert [kind.rule() for kind in store.relation_types()] == ["attributed_to: claim → source"]


def test_a_claim_is_attributed_to_its_source_and_logged(store, article, claim_and_source):
    claim, source = claim_and_source
    relation = store.add_relation(claim.id, source.id, "attributed_to")
    assert store.relations(article, "alice") == [relation]
    assert (relation.head, relation.tail) == (claim.id, source.id)
    event = store.events(document=article)[-1]
    assert (event.action, event.relation_id, event.span_id) == ("relate", relation.id, None)


def test_a_relation_against_its_types_rule_is_refused_naming_the_rule(store, article, claim_and_source):
    claim, source = claim_and_source
    with pytest.raises(RelationRefused, match="attributed_to joins claim → source, not source → claim"):
        store.add_relation(source.id, claim.id, "attributed_to")
    assert store.relations(article) == []


def test_the_same_relation_exists_once(store, article, claim_and_source):
    claim, source = claim_and_source
    store.add_relation(claim.id, source.id, "attributed_to")
    with pytest.raises(RelationRefused, match="already attributed_to"):
        store.add_relation(claim.id, source.id, "attributed_to")
    assert len(store.relations(article)) == 1


def test_a_claim_may_have_several_sources_and_a_source_several_claims(store, article, claim_and_source):
    claim, source = claim_and_source
    mayor = store.add_span(article, "alice", *at("The mayor of Kharkiv"), "source")
    injured = store.add_span(article, "alice", *at("12 injured"), "claim")
    for head, tail in ((claim, source), (claim, mayor), (injured, mayor)):
        store.add_relation(head.id, tail.id, "attributed_to")
    assert len(store.relations_of_span(mayor.id)) == 2
    assert len(store.relations_of_span(claim.id)) == 2


def test_relations_join_spans_of_one_annotator(store, article, claim_and_source):
    claim, _ = claim_and_source
    bobs = store.add_span(article, "bob", *at("Ukraine’s general staff"), "source")
    with pytest.raises(RelationRefused, match="one document and one annotator"):
        store.add_relation(claim.id, bobs.id, "attributed_to")


def test_an_unknown_relation_type_is_refused_with_the_known_ones(store, article, claim_and_source):
    claim, source = claim_and_source
    with pytest.raises(WorkbenchError, match="no relation type 'said_by' .known: attributed_to"):
        store.add_relation(claim.id, source.id, "said_by")


def test_deleting_a_span_deletes_its_relations_and_one_undo_brings_both_back(store, article, claim_and_source):
    claim, source = claim_and_source
    relation = store.add_relation(claim.id, source.id, "attributed_to")
    store.delete_span(source.id)
    assert store.relations(article) == []
    assert [span.id for span in store.spans(article)] == [claim.id]
    store.undo(article, "alice")
    assert store.relations(article) == [relation]
    assert {span.id for span in store.spans(article)} == {claim.id, source.id}
    store.redo(article, "alice")
    assert store.relations(article) == []
    assert [span.id for span in store.spans(article)] == [claim.id]


def test_undo_and_redo_take_back_and_bring_back_a_relation(store, article, claim_and_source):
    claim, source = claim_and_source
    relation = store.add_relation(claim.id, source.id, "attributed_to")
    store.undo(article, "alice")
    assert store.relations(article) == []
    store.redo(article, "alice")
    assert store.relations(article) == [relation]
    store.delete_relation(relation.id)
    assert store.relations(article) == []
    store.undo(article, "alice")
    assert store.relations(article) == [relation]


def test_relabelling_a_span_out_of_its_relations_rule_is_refused(store, article, claim_and_source):
    claim, source = claim_and_source
    store.add_relation(claim.id, source.id, "attributed_to")
    with pytest.raises(RelationRefused, match="delete the relation first"):
        store.relabel(claim.id, "figure")
    assert store.span(claim.id).label == "claim"
    store.resize(claim.id, *at("Russian losses"))
    assert store.span(claim.id).text == "Russian losses"


def test_a_label_file_brings_its_relation_types(tmp_path, store):
    path = tmp_path / "labels.toml"
    path.write_text('[[labels]]\nname = "claim"\nkey = "1"\n[[labels]]\nname = "source"\nkey = "2"\n'
                    '[[relations]]\nname = "supports"\nkey = "s"\nheads = "claim"\ntails = ["claim"]\n',
                    encoding="utf-8")
    label_set = read_label_file(path)
    assert label_set.relation_types == (RelationType("supports", "s", "", ("claim",), ("claim",)),)
    store.set_relation_types(label_set.relation_types)
    assert [kind.name for kind in store.relation_types()] == ["attributed_to", "supports"]


@pytest.mark.parametrize("relations, message", [
    ('[[relations]]\nname = "x"\nkey = "s"\nheads = ["quote"]\n', "heads names quote, which is not a label"),
    ('[[relations]]\nname = "x y"\nkey = "s"\n', "has a space"),
    ('[[relations]]\nname = "x"\n', "needs a single key"),
])
def test_a_bad_relation_type_in_a_label_file_is_one_line_naming_the_file(tmp_path, relations, message):
    path = tmp_path / "labels.toml"
    path.write_text('[[labels]]\nname = "claim"\nkey = "1"\n' + relations, encoding="utf-8")
    with pytest.raises(WorkbenchError, match=message) as raised:
        read_label_file(path)
    assert str(path) in str(raised.value)


def test_init_with_a_label_file_reports_its_relation_types(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"labels": [{"name": "claim", "key": "1"}, {"name": "source", "key": "2"}],
                                  "relations": [{"name": "attributed_to", "key": "a", "heads": ["claim"],
                                                 "tails": ["source"]}]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "workbench", "--db", str(tmp_path / "x.db"), "init",
                           "--labels", str(labels)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "relations: attributed_to: claim → source" in done.stdout


# -- native JSONL ---------------------------------------------------------------------

def native_line(relations: list[dict]) -> str:
    source, claim = at("Ukraine’s general staff"), at("Russian losses were over 1,000 soldiers per day")
    return json.dumps({"text": TEXT, "annotations": [{"annotator": "alice", "status": "done", "spans": [
        {"id": "s1", "start": source[0], "end": source[1], "label": "source", "text": TEXT[slice(*source)],
         "entity": None},
        {"id": "c1", "start": claim[0], "end": claim[1], "label": "claim", "text": TEXT[slice(*claim)],
         "entity": None}], "relations": relations}]}, ensure_ascii=False)


def test_native_import_restores_relations(tmp_path, store):
    path = tmp_path / "in.jsonl"
    path.write_text(native_line([{"id": "r1", "head": "c1", "tail": "s1", "label": "attributed_to"}]) + "\n",
                    encoding="utf-8")
    report = import_paths(store, [path])
    assert report.rejected == [] and report.relations == 1
    [relation] = store.relations(store.document_uids()[0])
    assert (relation.id, relation.head, relation.tail) == ("r1", "c1", "s1")


@pytest.mark.parametrize("relation, message", [
    ({"head": "c1", "tail": "nope", "label": "attributed_to"}, "\"tail\" 'nope' is not the id of a span"),
    ({"head": "s1", "tail": "c1", "label": "attributed_to"}, "attributed_to joins claim → source"),
    ({"head": "c1", "tail": "s1", "label": "said"}, "unknown relation type 'said'"),
    ({"head": "c1", "label": "attributed_to"}, "missing \"tail\""),
    ({"head": "c1", "tail": "c1", "label": "attributed_to"}, "a span cannot be related to itself"),
])
def test_a_bad_relation_rejects_the_whole_file_naming_the_line(tmp_path, store, relation, message):
    path = tmp_path / "in.jsonl"
    path.write_text("\n" + native_line([relation]) + "\n", encoding="utf-8")
    report = import_paths(store, [path])
    [rejected] = report.rejected
    assert isinstance(rejected, ImportRejected) and rejected.line == 2
    assert message in str(rejected)
    assert store.document_uids() == []


def test_a_relation_twice_in_a_file_rejects_it_naming_the_line(tmp_path, store):
    path = tmp_path / "in.jsonl"
    twice = [{"head": "c1", "tail": "s1", "label": "attributed_to"}] * 2
    path.write_text(native_line(twice) + "\n", encoding="utf-8")
    [rejected] = import_paths(store, [path]).rejected
    assert rejected.line == 1 and "already attributed_to" in str(rejected)
    assert store.document_uids() == []


# -- merge and check ------------------------------------------------------------------

def test_merge_brings_in_relations_made_and_removed_in_the_other_copy(tmp_path, store, article,
                                                                      claim_and_source):
    claim, source = claim_and_source
    copy_path = tmp_path / "copy.db"
    store.backup(copy_path)
    copy = Store.open(copy_path)
    made = copy.add_relation(claim.id, source.id, "attributed_to")
    copy.close()
    report = merge(store, copy_path)
    assert store.relations(article) == [made]
    assert report.added["relations"] == 1
    copy = Store.open(copy_path)
    copy.delete_relation(made.id)
    copy.close()
    report = merge(store, copy_path)
    assert store.relations(article) == [] and report.relations_removed == 1
    assert merge(store, copy_path).changed is False
    store.undo(article, "alice")
    assert store.relations(article) == [made]


def test_check_names_a_relation_whose_rule_a_raw_edit_broke(store, article, claim_and_source):
    claim, source = claim_and_source
    relation = store.add_relation(claim.id, source.id, "attributed_to")
    store.db.execute("UPDATE spans SET label = 'figure' WHERE id = ?", [claim.id])
    store.db.conn.commit()
    assert store.check() == [f"relation: {relation.id} (alice, document {article}): attributed_to joins "
                             f"claim → source, not figure → source ('Russian losses were over 1,000 soldiers "
                             f"per day' → 'Ukraine’s general staff')"]


def test_two_relation_types_may_not_share_a_key(store):
    with pytest.raises(WorkbenchError, match="'attributed_to' and relation type 'quotes' would both have the key 'a'"):
        store.set_relation_types([RelationType("quotes", "a", "", ("claim",), ("source",))])
    assert [kind.name for kind in store.relation_types()] == ["attributed_to"]


def test_a_relation_id_used_twice_in_a_file_rejects_it_naming_the_id(tmp_path, store):
    path = tmp_path / "in.jsonl"
    relations = [{"id": "r1", "head": "c1", "tail": "s1", "label": "attributed_to"}]
    line = json.loads(native_line(relations))
    other = dict(line["annotations"][0], annotator="bob")
    line["annotations"].append(other)
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    [rejected] = import_paths(store, [path]).rejected
    assert rejected.line == 1
    assert "annotator 'bob', relation 1: \"id\" 'r1' is used by another relation, on line 1" in str(rejected)
    assert store.document_uids() == []


def test_a_relation_id_the_database_has_rejects_the_file_naming_the_id(tmp_path, store):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    relations = [{"id": "r1", "head": "c1", "tail": "s1", "label": "attributed_to"}]
    first.write_text(native_line(relations) + "\n", encoding="utf-8")
    assert import_paths(store, [first]).rejected == []
    line = json.loads(native_line(relations).replace('"s1"', '"s2"').replace('"c1"', '"c2"'))
    line["annotations"][0]["annotator"] = "bob"
    second.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    [rejected] = import_paths(store, [second]).rejected
    assert "relation id 'r1' is taken by another relation in this database" in str(rejected)
    assert store.relations(store.document_uids()[0], "bob") == []


def run_init(tmp_path, db, labels: str):
    path = tmp_path / "labels.toml"
    path.write_text(labels, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "workbench", "--db", str(db), "init", "--labels", str(path)],
                          capture_output=True, text=True)


LABELS = '[[labels]]\nname = "claim"\nkey = "1"\n[[labels]]\nname = "source"\nkey = "2"\n'


def test_init_whose_relation_types_are_refused_adds_none_of_its_labels(tmp_path):
    db = tmp_path / "x.db"
    assert run_init(tmp_path, db, LABELS).returncode == 0
    done = run_init(tmp_path, db, LABELS + '[[labels]]\nname = "quote"\nkey = "9"\n'
                    '[[relations]]\nname = "said_by"\nkey = "a"\nheads = "claim"\ntails = "source"\n')
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "labels.toml: relation type 'attributed_to' and relation type 'said_by'" in done.stderr
    store = Store.open(db)
    assert "quote" not in [label.name for label in store.labels()]
    store.close()


def test_init_may_not_change_a_relation_types_rule_under_relations_it_would_break(tmp_path):
    db = tmp_path / "x.db"
    assert run_init(tmp_path, db, LABELS).returncode == 0
    store = Store.open(db)
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    article = store.document_uids()[0]
    source = store.add_span(article, "alice", *at("Ukraine’s general staff"), "source")
    claim = store.add_span(article, "alice", *at("Russian losses were over 1,000 soldiers per day"), "claim")
    store.add_relation(claim.id, source.id, "attributed_to")
    store.close()
    done = run_init(tmp_path, db, LABELS + '[[relations]]\nname = "attributed_to"\nkey = "a"\n'
                    'heads = "source"\ntails = "claim"\n')
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ("relation type 'attributed_to': the rule source → claim would break 1 relation(s) made under "
            "the old one") in done.stderr
    store = Store.open(db)
    assert store.relation_type("attributed_to").heads == ("claim",)
    assert store.check() == []
    store.close()


def test_merge_keeps_a_span_related_here_that_the_other_copy_deleted(tmp_path, store, article,
                                                                      claim_and_source):
    claim, source = claim_and_source
    copy_path = tmp_path / "copy.db"
    store.backup(copy_path)
    copy = Store.open(copy_path)
    copy.delete_span(claim.id)
    copy.close()
    made = store.add_relation(claim.id, source.id, "attributed_to")
    report = merge(store, copy_path)
    assert store.relations(article) == [made]
    assert store.span(claim.id) == claim
    assert report.conflicts == [f"span {claim.id} (alice, document {article}) was deleted there but related "
                                "here since (1 relation(s)); kept here"]
    assert store.check() == []


def test_check_names_a_relation_type_a_raw_edit_damaged_instead_of_crashing(tmp_path, store):
    store.db.execute("UPDATE relation_types SET heads = 'claim' WHERE name = 'attributed_to'")
    store.db.conn.commit()
    assert store.check() == ["relation type: relation type 'attributed_to' in the database: heads 'claim' "
                             "is not a JSON list of labels"]
    done = subprocess.run([sys.executable, "-m", "workbench", "--db", str(store.path), "check"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "internal error" not in done.stderr

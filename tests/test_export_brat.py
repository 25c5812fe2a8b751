"""brat standoff export, read back by bratly (a brat reader from PyPI) and by brat's own rules.

bratly checks each T line's text against DOC.txt (joining discontinuous
fragments with a space, as brat does) but its N-line pattern only accepts
`db:id` made of word characters, while brat itself reads N references with
`(\\S+) (\\S+) (\\S+?):(\\S+)`; entity ids like `wb:volodymyr-zelensky` are
valid for brat, so the N lines are checked here with brat's own pattern.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

bratly_io = pytest.importorskip("bratly.io")
from bratly import EntityAnnotation, NoteAnnotation, RelationAnnotation  # noqa: E402

from export_fixture import UKRAINIAN, at, build  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.formats import Options, Selection, export, get_format  # noqa: E402
from workbench.model import GOLD, RelationType  # noqa: E402
from workbench.formats.brat import annotation_conf  # noqa: E402

BRAT_NORMALIZATION = re.compile(r"(\S+) (\S+) (\S+?):(\S+)")


@pytest.fixture
def fixture(store):
    return build(store)


def export_brat(store, path: Path, selection: Selection) -> Path:
    export(store, get_format("brat"), selection, path)
    return path


def test_bratly_reads_every_span_with_its_fragments_and_text(fixture, tmp_path, capsys):
    folder = export_brat(fixture.store, tmp_path / "brat", Selection(annotators=("alice",), gold=True))
    collection = bratly_io.read_document_collection_from_folder(str(folder), grammar_check_ann=False)
    assert collection is not None
    read = {Path(document.fullpath).stem: document for document in collection.documents}
    assert sorted(read) == sorted([f"{fixture.english}-alice", f"{fixture.english}-{GOLD}",
                                   f"{fixture.ukrainian}-alice"])
    for stem, document in read.items():
        uid, annotator = stem.split("-", 1)
        text = (folder / f"{stem}.txt").read_text(encoding="utf-8")
        assert text == fixture.store.text(uid)
        entities = [a for a in document.annotation_collections[0].annotations if isinstance(a, EntityAnnotation)]
        got = sorted((e.fragments[0].start, e.fragments[-1].end, e.label) for e in entities)
        expected = sorted((s.start, s.end, s.label) for s in fixture.store.spans(uid, annotator))
        assert got == expected
        for entity in entities:
            assert entity.content == " ".join(text[f.start:f.end] for f in entity.fragments)


def test_span_across_line_breaks_becomes_discontinuous_fragments(fixture, tmp_path):
    folder = export_brat(fixture.store, tmp_path / "brat", Selection(annotators=("alice",)))
    ann = (folder / f"{fixture.ukrainian}-alice.ann").read_text(encoding="utf-8")
    start, end = at(UKRAINIAN, "години».\n\nПідстанції 🔌")
    paragraph = UKRAINIAN.index("\n\n", start)
    assert f"claim {start} {paragraph};{paragraph + 2} {end}\tгодини». Підстанції 🔌\n" in ann
    # An R line has no text field; every other line has three.
    assert all(len(line.split("\t")) == (2 if line.startswith("R") else 3) for line in ann.splitlines())


def test_links_are_n_lines_brat_reads_and_nil_is_a_note(fixture, tmp_path):
    folder = export_brat(fixture.store, tmp_path / "brat", Selection(annotators=("alice",)))
    lines = (folder / f"{fixture.english}-alice.ann").read_text(encoding="utf-8").splitlines()
    text_bound = {line.split("\t")[0]: line.split("\t")[2] for line in lines if line.startswith("T")}
    links = {}
    for line in lines:
        if line.startswith("N"):
            _, data, name = line.split("\t")
            kind, target, database, entity_id = BRAT_NORMALIZATION.fullmatch(data).groups()
            assert (kind, database) == ("Reference", "workbench")
            links[text_bound[target]] = (entity_id, name)
    assert links == {
        "General Staff": ("wb:general-staff-ukraine", "General Staff of the Armed Forces of Ukraine"),
        "Volodymyr Zelensky": ("wb:volodymyr-zelensky", "Volodymyr Zelensky"),
    }
    collection = bratly_io.read_document_collection_from_folder(str(folder), grammar_check_ann=False)
    document = next(d for d in collection.documents if Path(d.fullpath).stem == f"{fixture.english}-alice")
    notes = [a for a in document.annotation_collections[0].annotations if isinstance(a, NoteAnnotation)]
    assert [(note.component.content, note.value) for note in notes] == [("Ukraine", "NIL")]


def test_annotation_conf_declares_the_labels(fixture, tmp_path):
    folder = export_brat(fixture.store, tmp_path / "brat", Selection(labels=("claim", "source")))
    conf = (folder / "annotation.conf").read_text(encoding="utf-8")
    assert conf.startswith("[entities]\nclaim\nsource\n\n[relations]\nattributed_to Arg1:claim, Arg2:source\n\n")


def test_bratly_reads_every_relation_and_both_arguments_are_the_right_text(fixture, tmp_path):
    store = fixture.store
    folder = export_brat(store, tmp_path / "brat", Selection(annotators=("alice", "bob"), gold=True))
    collection = bratly_io.read_document_collection_from_folder(str(folder), grammar_check_ann=False)
    read = {Path(document.fullpath).stem: document for document in collection.documents}
    for uid, annotator in ((fixture.english, "alice"), (fixture.english, "bob"), (fixture.english, GOLD),
                           (fixture.ukrainian, "alice")):
        annotations = read[f"{uid}-{annotator}"].annotation_collections[0].annotations
        relations = [a for a in annotations if isinstance(a, RelationAnnotation)]
        got = [(r.label, r.argument1[0], r.argument1[1].content, r.argument2[0], r.argument2[1].content)
               for r in relations]
        spans = {span.id: span for span in store.spans(uid, annotator)}
        # brat shows a span written as fragments with its line breaks as single spaces.
        shown = {span_id: " ".join(span.text.split()) for span_id, span in spans.items()}
        assert got == [(r.label, "Arg1", shown[r.head], "Arg2", shown[r.tail])
                       for r in store.relations(uid, annotator)]
        assert got
    ukrainian = (folder / f"{fixture.ukrainian}-alice.ann").read_text(encoding="utf-8")
    assert "R2\tattributed_to Arg1:T4 Arg2:T5\n" in ukrainian
    assert ";" in next(line for line in ukrainian.splitlines() if line.startswith("T4\t"))


def test_annotation_conf_names_each_relation_types_ends_as_far_as_the_selection_has_them():
    kinds = [RelationType("attributed_to", "a", heads=("claim",), tails=("source",)),
             RelationType("cites", "c", heads=("claim", "figure"), tails=("source", "mention")),
             RelationType("related", "r")]
    assert annotation_conf(["claim", "source", "figure", "mention"], kinds).split("\n\n")[1] == (
        "[relations]\nattributed_to Arg1:claim, Arg2:source\ncites Arg1:claim|figure, Arg2:source|mention\n"
        "related Arg1:<ENTITY>, Arg2:<ENTITY>")
    assert annotation_conf(["claim", "mention"], kinds).split("\n\n")[1] == (
        "[relations]\ncites Arg1:claim, Arg2:mention\nrelated Arg1:<ENTITY>, Arg2:<ENTITY>")


def test_unsafe_annotator_names_give_safe_distinct_file_names(fixture, tmp_path):
    store = fixture.store
    for name in ("../evil", "a/b", "a_b"):
        store.add_span(fixture.english, name, *at(store.text(fixture.english), "Bakhmut"), "figure")
        store.set_status(fixture.english, name, "done")
    folder = export_brat(store, tmp_path / "out" / "brat", Selection(annotators=("../evil", "a/b", "a_b")))
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 7 and all("/" not in n and not n.startswith(".") for n in names)
    assert f"{fixture.english}-a_b.ann" in names
    assert list((tmp_path / "out").iterdir()) == [folder]


def test_exporting_again_replaces_the_folder_whole(fixture, tmp_path):
    folder = export_brat(fixture.store, tmp_path / "out" / "brat", Selection(annotators=("alice",)))
    (folder / f"{fixture.english}-carol.ann").write_text("")
    export_brat(fixture.store, folder, Selection(annotators=("bob",)))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["annotation.conf", f"{fixture.english}-bob.ann", f"{fixture.english}-bob.txt"])
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["brat"]


def test_entity_id_with_whitespace_is_refused_and_an_older_one_reported(fixture, tmp_path):
    from workbench.model import Entity

    store = fixture.store
    with pytest.raises(WorkbenchError, match="'odd id' contains whitespace"):
        store.import_entities([Entity("odd id", "Odd", "ORG")], str.casefold)
    # A database from before the rule can still hold one.
    store.db.execute("INSERT INTO entities (id, name, updated_at) VALUES ('odd id', 'Odd', 'then')")
    store.db.conn.commit()
    span = store.spans(fixture.english, "bob")[0]
    store.link(span.id, "odd id")
    with pytest.raises(WorkbenchError, match="'odd id' contains whitespace"):
        export_brat(store, tmp_path / "brat", Selection(annotators=("bob",)))
    assert not (tmp_path / "brat").exists()


def test_per_annotator_layout_is_what_bratiaa_reads_and_its_f1_is_the_reports(fixture, tmp_path):
    bratiaa = pytest.importorskip("bratiaa")
    from workbench.agreement.from_store import agreement_report

    store = fixture.store
    store.add_span(fixture.english, "bob", *at(store.text(fixture.english), "Volodymyr Zelensky"), "source")
    folder = tmp_path / "brat"
    export(store, get_format("brat"), Selection(annotators=("alice", "bob")), folder,
           options=Options(layout="per-annotator"))
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == sorted([
        "alice", "bob", "annotation.conf",
        f"alice/{fixture.english}.ann", f"alice/{fixture.english}.txt",
        f"alice/{fixture.ukrainian}.ann", f"alice/{fixture.ukrainian}.txt",
        f"bob/{fixture.english}.ann", f"bob/{fixture.english}.txt"])
    agreement = bratiaa.compute_f1_agreement(str(folder))
    assert (agreement.annotators, agreement.documents) == (["alice", "bob"], [f"{fixture.english}.ann"])
    mean, _ = agreement.mean_sd_total()
    report = agreement_report(store, annotators=("alice", "bob"))
    # alice has 7 spans, bob 3, and "Volodymyr Zelensky" is the one they share: 2·1 / (7 + 3).
    assert mean == report.f1(("alice", "bob")).exact.f1.value == pytest.approx(0.2)


def test_per_annotator_layout_replaces_an_earlier_one_but_no_other_folder(fixture, tmp_path):
    folder = tmp_path / "brat"
    per_annotator = Options(layout="per-annotator")
    export(fixture.store, get_format("brat"), Selection(annotators=("alice",)), folder, options=per_annotator)
    export(fixture.store, get_format("brat"), Selection(annotators=("bob",)), folder, options=per_annotator)
    assert sorted(p.name for p in folder.iterdir()) == ["annotation.conf", "bob"]
    (folder / "bob" / "notes.md").write_text("mine")
    with pytest.raises(WorkbenchError, match="not an earlier brat export"):
        export(fixture.store, get_format("brat"), Selection(annotators=("bob",)), folder, options=per_annotator)


def test_an_option_another_format_reads_is_refused_not_ignored(fixture, tmp_path):
    with pytest.raises(WorkbenchError, match="--layout does not apply to conll; it is for brat"):
        export(fixture.store, get_format("conll"), Selection(), tmp_path / "x.conll",
               options=Options(layout="per-annotator"))
    with pytest.raises(WorkbenchError, match="--ents-label does not apply to brat; it is for spacy"):
        export(fixture.store, get_format("brat"), Selection(), tmp_path / "brat",
               options=Options(ents_labels=("source",)))
    assert not (tmp_path / "x.conll").exists() and not (tmp_path / "brat").exists()

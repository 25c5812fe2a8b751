"""`workbench suggest`: computing, listing, importing and clearing suggestions from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.model import DEFAULT_LABELS, Label
from workbench.store import Store


def run(store, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["--db", store.path, *args])
    assert (result.exit_code == 0) == ok, result.output
    return result


def listed(store, *args: str) -> list[dict]:
    return [json.loads(line) for line in run(store, "suggest", "list", "--json", *args).stdout.splitlines()]


@pytest.fixture
def demo_db(tmp_path):
    """The demo corpus and knowledge base, with a mention label beside the default ones."""
    path = tmp_path / "demo.db"
    CliRunner().invoke(cli, ["--db", str(path), "demo", "--no-open"], catch_exceptions=False)
    from workbench.store import Store

    store = Store.open(path)
    store.set_labels([*DEFAULT_LABELS, Label("mention", "4", "#98c379")])
    yield store
    store.close()


def test_suggest_lists_figures_and_linked_mentions_of_the_demo(demo_db):
    run(demo_db, "suggest")
    rows = listed(demo_db)
    assert set(rows[0]) == {"document", "start", "end", "label", "text", "entity", "score", "recommender"}
    figures = {row["text"] for row in rows if row["recommender"] == "figures"}
    assert {"more than 40 attacks", "4.2 million tonnes", "July 2022"} <= figures
    zelensky = [row for row in rows if row["recommender"] == "mentions" and row["text"] == "Zelensky"]
    assert zelensky and {row["entity"] for row in zelensky} == {"wb:volodymyr-zelensky"}
    for row in rows:
        assert demo_db.text(row["document"])[row["start"]:row["end"]] == row["text"]


def test_suggest_twice_adds_nothing(demo_db):
    run(demo_db, "suggest", "-r", "figures")
    before = listed(demo_db)
    assert "0 figures new" in run(demo_db, "suggest", "-r", "figures").stdout
    assert listed(demo_db) == before


def test_decisions_suggest_what_an_annotator_tagged_elsewhere(demo_db):
    uids = demo_db.document_uids()
    text = demo_db.text(uids[0])
    start = text.index("Kostiantynivka")
    demo_db.add_span(uids[0], "alice", start, start + len("Kostiantynivka"), "source",
                     entity_id="wb:kostiantynivka")
    run(demo_db, "suggest", "-r", "decisions")
    rows = listed(demo_db)
    assert rows and all((row["text"], row["label"], row["entity"]) == ("Kostiantynivka", "source", "wb:kostiantynivka")
                        for row in rows)


def test_an_unknown_recommender_is_one_line(demo_db):
    result = run(demo_db, "suggest", "-r", "oracle", ok=False)
    assert result.stderr.strip().splitlines() == [
        "error: no recommender 'oracle'; known: figures, sources, mentions, decisions"]


def test_clear_one_recommender(demo_db):
    run(demo_db, "suggest", "-r", "figures", "-r", "sources")
    run(demo_db, "suggest", "clear", "--recommender", "figures")
    assert {row["recommender"] for row in listed(demo_db)} == {"sources"}


def test_import_reads_what_list_writes(demo_db, tmp_path):
    run(demo_db, "suggest", "-r", "figures")
    exported = listed(demo_db)
    run(demo_db, "suggest", "clear")
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(json.dumps({**row, "recommender": "llm"}) + "\n" for row in exported), encoding="utf-8")
    assert f"{len(exported)} new suggestions" in run(demo_db, "suggest", "import", str(path)).stdout
    assert [{**row, "recommender": "figures"} for row in listed(demo_db)] == exported


@pytest.mark.parametrize("change, message", [
    (lambda row: {**row, "end": 10**6}, "out of range"),
    (lambda row: {**row, "text": "something else"}, "records 'something else' but the text at"),
    (lambda row: {**row, "label": "opinion"}, "unknown label 'opinion'"),
    (lambda row: {**row, "entity": "wb:nobody"}, "unknown entity 'wb:nobody'"),
    (lambda row: {**row, "document": "0000"}, "no document '0000'"),
    (lambda row: None, "not JSON"),
    (lambda row: {**row, "recommender": "llm\x1b[2J"}, '"recommender" must not contain control'),
    (lambda row: {**row, "recommender": " "}, '"recommender" must not be empty'),
])
def test_a_bad_prediction_rejects_the_file_naming_its_line(demo_db, tmp_path, change, message):
    uid = demo_db.document_uids()[0]
    text = demo_db.text(uid)
    good = {"document": uid, "start": 0, "end": 8, "label": "figure", "text": text[:8],
            "entity": None, "recommender": "llm"}
    bad = change(good)
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps(good) + "\n" + (json.dumps(bad) if bad else '{"document": ') + "\n",
                    encoding="utf-8")
    result = run(demo_db, "suggest", "import", str(path), ok=False)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}:2: ") and message in line
    assert listed(demo_db) == []


def test_agreement_scores_a_recommender_as_a_pseudo_annotator(demo_db):
    uid = demo_db.document_uids()[0]
    text = demo_db.text(uid)
    for part in ("more than 40 attacks", "23 settlements", "Tuesday"):
        start = text.index(part)
        demo_db.add_span(uid, "alice", start, start + len(part), "figure")
    demo_db.set_status(uid, "alice", "done")
    run(demo_db, "suggest", "-r", "figures")
    report = json.loads(run(demo_db, "agreement", "-a", "alice", "--recommender", "figures",
                            "--label", "figure", "--format", "json").stdout)
    [pair] = [pair for pair in report["span_f1"]["pairs"] if pair["label"] == "figure"]
    # alice's two quantities are found, her "Tuesday" is not a figure to the recommender.
    assert (pair["a"], pair["b"]) == ("alice", "recommender:figures")
    assert (pair["exact"]["tp"], pair["exact"]["fn"]) == (2, 1)
    assert pair["exact"]["fp"] == len(listed(demo_db, "-d", uid)) - 2
    # Without the option, suggestions count nowhere: one annotator alone.
    alone = run(demo_db, "agreement", "-a", "alice", "--label", "figure", "--format", "json").stdout
    assert "recommender:" not in alone


def test_agreement_on_a_recommender_without_suggestions_is_one_line(demo_db):
    result = run(demo_db, "agreement", "--recommender", "figures", ok=False)
    assert result.stderr.strip().splitlines() == [
        "error: no suggestions from a recommender 'figures'; stored: none (run `workbench suggest`)"]


def test_without_a_mention_label_the_command_says_what_it_left_out(tmp_path):
    path = tmp_path / "plain.db"
    CliRunner().invoke(cli, ["--db", str(path), "demo", "--no-open"], catch_exceptions=False)
    # A database made before the default labels had one.
    store = Store.open(path)
    store.db.execute("DELETE FROM labels WHERE name = 'mention'")
    store.db.conn.commit()
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(path), "suggest", "-r", "mentions"])
    assert result.exit_code == 0
    assert "the database has no label 'mention'" in result.stderr


def _jsonl_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_with_suggestions_writes_a_recommender_as_its_pseudo_annotator(demo_db, tmp_path):
    run(demo_db, "suggest", "-r", "figures", "-r", "mentions")
    plain, with_figures = tmp_path / "plain.jsonl", tmp_path / "figures.jsonl"
    run(demo_db, "export", "--format", "jsonl", "--status", "any", "--out", str(plain))
    run(demo_db, "export", "--format", "jsonl", "--status", "any", "--suggestions", "figures",
        "--out", str(with_figures))
    assert all(line["annotations"] == [] for line in _jsonl_lines(plain))
    stored = {(row["document"], row["start"], row["end"], row["label"], row["text"])
              for row in listed(demo_db, "-r", "figures")}
    exported = set()
    for line in _jsonl_lines(with_figures):
        [annotation] = line["annotations"]
        assert annotation["annotator"] == "recommender:figures"
        exported |= {(line["id"], span["start"], span["end"], span["label"], span["text"])
                     for span in annotation["spans"]}
    assert exported == stored and stored


def test_export_with_suggestions_keeps_their_links_and_the_annotators_work(demo_db, tmp_path):
    run(demo_db, "suggest", "-r", "mentions")
    uid = demo_db.document_uids()[0]
    text = demo_db.text(uid)
    start = text.index("Kostiantynivka")
    demo_db.add_span(uid, "alice", start, start + len("Kostiantynivka"), "source")
    out = tmp_path / "both.jsonl"
    run(demo_db, "export", "--format", "jsonl", "--status", "any", "--suggestions", "mentions", "--out", str(out))
    first = next(line for line in _jsonl_lines(out) if line["id"] == uid)
    assert [a["annotator"] for a in first["annotations"]] == ["alice", "recommender:mentions"]
    linked = [span for span in first["annotations"][1]["spans"] if span["entity"]]
    assert linked and all(span["entity"]["id"].startswith("wb:") and span["entity"]["name"] for span in linked)


def test_doccano_export_with_suggestions_has_a_line_for_the_recommender(demo_db, tmp_path):
    run(demo_db, "suggest", "-r", "figures")
    out = tmp_path / "doccano.jsonl"
    run(demo_db, "export", "--format", "doccano", "--status", "any", "--suggestions", "figures",
        "--out", str(out))
    lines = _jsonl_lines(out)
    assert lines and {line["annotator"] for line in lines} == {"recommender:figures"}
    assert sum(len(line["label"]) for line in lines) == len(listed(demo_db, "-r", "figures"))


def test_export_refuses_suggestions_of_a_recommender_never_run(demo_db, tmp_path):
    result = run(demo_db, "export", "--format", "jsonl", "--suggestions", "figures",
                 "--out", str(tmp_path / "x.jsonl"), ok=False)
    assert "no suggestions from a recommender 'figures'" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_native_import_refuses_an_export_holding_suggestions(demo_db, tmp_path):
    run(demo_db, "suggest", "-r", "figures")
    out = tmp_path / "figures.jsonl"
    run(demo_db, "export", "--format", "jsonl", "--status", "any", "--suggestions", "figures", "--out", str(out))
    fresh = tmp_path / "fresh.db"
    result = CliRunner().invoke(cli, ["--db", str(fresh), "import", str(out)])
    assert result.exit_code == 1
    assert f"{out}:1:" in result.output and "holds a recommender's suggestions" in result.output


def test_import_keeps_the_better_scored_of_two_duplicate_predictions(demo_db, tmp_path):
    uid = demo_db.document_uids()[0]
    text = demo_db.text(uid)
    row = {"document": uid, "start": 0, "end": 8, "label": "figure", "text": text[:8], "recommender": "llm"}
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(json.dumps({**row, "score": score}) + "\n" for score in (0.2, 0.9, 0.5)),
                    encoding="utf-8")
    assert "3 predictions, 1 new suggestion" in run(demo_db, "suggest", "import", str(path)).stdout
    assert [suggestion["score"] for suggestion in listed(demo_db)] == [0.9]


def test_nobody_annotates_under_a_recommenders_name():
    from workbench.model import annotator_name_problem

    assert "reserved for recommenders" in annotator_name_problem("Recommender:figures")
    assert annotator_name_problem("recommender") is None

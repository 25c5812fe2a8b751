"""`workbench kb`: the knowledge base of canonical entities that spans link to."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_store import open_store
from .errors import WorkbenchError
from .text import counted, for_terminal, for_terminal_json


@click.group()
def kb() -> None:
    """The knowledge base of canonical entities that spans link to.

    \b
    Examples:
      workbench kb import places.jsonl
      workbench kb search Bahmut --type PLACE
      workbench kb add "Oleksandr Syrskyi" --type PERSON --alias Syrsky
    """


@kb.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def kb_import(ctx: click.Context, file: Path) -> None:
    """Add or update entities from a JSONL, CSV or TSV file.

    Rows have id, name, type, aliases, description and an optional numeric
    prior (popularity). JSONL aliases are a list; CSV/TSV aliases are one
    field separated by "|". Re-importing an id replaces that entity and its
    aliases. A file with a bad row is rejected whole.

    \b
    Examples:
      workbench kb import entities.jsonl
      workbench kb import places.tsv
    """
    from .formats.kb import read_kb
    from .linking import EntitySearch, normalise_alias

    entities = read_kb(file)
    store = open_store(ctx)
    total = sum(len(entity.aliases) + 1 for entity in entities)
    with click.progressbar(length=total, label="importing aliases", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        count, aliases = store.import_entities(entities, normalise_alias, on_batch=bar.update)
    click.echo("indexing aliases for search...", err=True)
    EntitySearch(store).refresh()
    click.echo(f"{file}: {counted(count, 'entity', 'entities')}, {counted(aliases, 'alias', 'aliases')}; "
               f"{counted(store.entity_count(), 'entity', 'entities')} in the knowledge base")


@kb.command("search")
@click.argument("query")
@click.option("--type", "type_", metavar="T", help="Only entities of this type.")
@click.option("--document", "-d", metavar="ID",
              help="Rank as the picker would for a mention in this document: uid, uid prefix, "
                   "#position or source.")
@click.option("--label", "-l", metavar="L", help="The mention's label, whose preferred types rank first.")
@click.option("--annotator", "-a", metavar="A",
              help="Whose links in the document count as context [default: everyone's].")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="How many candidates.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.pass_context
def kb_search(ctx: click.Context, query: str, type_: str | None, document: str | None, label: str | None,
              annotator: str | None, limit: int, as_json: bool) -> None:
    """Rank entities for a mention, as the TUI's link picker does.

    With --document, the places the document names and the entities linked in
    it count, as in the picker (README, "Linking in context"). When the top
    candidate is no confident match, that is said on standard error.

    With QUERY "-", reads one query per line from standard input and writes
    one JSON line per query: {"query": ..., "confident": ..., "candidates":
    [...]}. A line may be a JSON object {"q": ..., "document": ..., "label":
    ..., "annotator": ...}; options give the defaults.

    \b
    Examples:
      workbench kb search Zelenskyi
      workbench kb search Kharkov --type PLACE --limit 3 --json
      workbench kb search Pokrovsk --document '#3' --label source
      printf 'Kiev\\nBahmut\\n' | workbench kb search -
      echo '{"q": "Pokrovsk", "document": 3}' | workbench kb search -
    """
    from .config import load_config
    from .entity_context import SearchContext
    from .linking import EntitySearch, confident_match

    store = open_store(ctx, readonly=True)
    search = EntitySearch(store)
    link_types = load_config().link_types

    def ranked(text: str, document: str | None, label: str | None, annotator: str | None) -> list:
        context = None
        if document is not None:
            found = store.find_document(str(document))
            context = SearchContext.of_text(
                store, found.text, text, linked=[(country, region) for _, country, region
                                                 in store.linked_places(found.uid, annotator)],
                preferred_types=link_types.get(label or "", ()))
        elif label:
            context = SearchContext(preferred_types=link_types.get(label, ()))
        return search.search(text, type=type_, limit=limit, context=context)

    def as_line(text: str, candidates: list, **asked) -> str:
        return for_terminal_json({"query": text, **{k: v for k, v in asked.items() if v is not None},
                               "confident": confident_match(candidates) is not None,
                               "candidates": [c.as_json() for c in candidates]})

    if query == "-":
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise WorkbenchError(f"<stdin>:{number}: not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
                                     "give queries in UTF-8") from None
            asked = {"document": document, "label": label, "annotator": annotator}
            text = line.rstrip("\r\n")
            if text.lstrip().startswith("{"):
                text, asked = _query_object(text, number, asked)
            click.echo(as_line(text, ranked(text, **asked), **asked))
            sys.stdout.flush()
        return
    candidates = ranked(query, document, label, annotator)
    if as_json:
        click.echo(as_line(query, candidates, document=document, label=label, annotator=annotator))
        return
    if not candidates:
        click.echo(f"no candidates for {for_terminal(query)!r}", err=True)
    elif confident_match(candidates) is None:
        click.echo(f"no confident match for {for_terminal(query)!r}: it may not be in the knowledge base",
                   err=True)
    for candidate in candidates:
        context = f", context {candidate.context:+.1f}" if candidate.context else ""
        click.echo(f"{candidate.score:5.1f}  {for_terminal(candidate.entity_id)}  "
                   f"{for_terminal(candidate.name)}  [{for_terminal(candidate.type)}]  "
                   f"matched {for_terminal(candidate.alias)!r} ({candidate.match}{context})")


def _query_object(line: str, number: int, defaults: dict) -> tuple[str, dict]:
    """The query and its document, label and annotator from one JSON line of `kb search -`."""
    from .jsonlines import BadLine, parse_line

    try:
        record = parse_line(line)
    except BadLine as error:
        raise WorkbenchError(f"<stdin>:{number}: broken JSON ({error})") from None
    if not isinstance(record, dict) or not isinstance(record.get("q"), str):
        raise WorkbenchError(f'<stdin>:{number}: expected {{"q": "a mention", "document": ...}}')
    asked = dict(defaults)
    for key in asked:
        value = record.get(key, asked[key])
        if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int))):
            raise WorkbenchError(f"<stdin>:{number}: {key} must be a string")
        # A number is a place in the queue, as #N is on the command line.
        asked[key] = None if value is None else f"#{value}" if isinstance(value, int) else value
    return record["q"], asked


@kb.command("add")
@click.argument("name")
@click.option("--type", "type_", default="", metavar="T", help="PERSON, ORG, PLACE, ...")
@click.option("--alias", "aliases", multiple=True, help="Another name; repeat for more.")
@click.option("--description", default="", help="One line that tells namesakes apart.")
@click.option("--id", "entity_id", help="The entity's id [default: wb:<slug>-<random>].")
@click.pass_context
def kb_add(ctx: click.Context, name: str, type_: str, aliases: tuple[str, ...],
           description: str, entity_id: str | None) -> None:
    """Add one entity by hand; its name is always an alias.

    \b
    Examples:
      workbench kb add "Oleksandr Syrskyi" --type PERSON --alias Syrsky --alias Syrskyi
      workbench kb add "Vistula Energy Forum" --type ORG --id org:vef
    """
    from .errors import Conflict, NotFound
    from .formats.kb import entity_from_record
    from .linking import normalise_alias

    store = open_store(ctx)
    if entity_id is None:
        entity = store.create_entity(name, type_, aliases, normalise_alias=normalise_alias,
                                     description=description)
    else:
        record = {"id": entity_id, "name": name, "type": type_, "aliases": list(aliases),
                  "description": description}
        # Checked as it will be stored: the record's id is stripped of surrounding spaces.
        entity = entity_from_record(record, "kb add")
        try:
            store.entity(entity.id)
        except NotFound:
            pass
        else:
            raise Conflict(f"entity {entity.id!r} already exists; update it with kb import")
        store.import_entities([entity], normalise_alias)
        entity = store.entity(entity.id)
    click.echo(f"added {for_terminal(entity.id)}: {for_terminal(entity.name)}")


@kb.command("list")
@click.option("--type", "type_", metavar="T", help="Only entities of this type.")
@click.option("--limit", type=click.IntRange(1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entity.")
@click.pass_context
def kb_list(ctx: click.Context, type_: str | None, limit: int | None, as_json: bool) -> None:
    """List entities by id.

    \b
    Examples:
      workbench kb list --type PERSON
      workbench kb list --limit 20 --json
    """
    for entity in open_store(ctx, readonly=True).entities(type=type_, limit=limit):
        if as_json:
            click.echo(for_terminal_json({"id": entity.id, "name": entity.name, "type": entity.type,
                                       "description": entity.description, "prior": entity.prior}))
        else:
            click.echo(f"{for_terminal(entity.id)}  [{for_terminal(entity.type)}]  {for_terminal(entity.name)}")


@kb.command("show")
@click.argument("entity_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def kb_show(ctx: click.Context, entity_id: str, as_json: bool) -> None:
    """Show one entity with its aliases.

    \b
    Examples:
      workbench kb show wb:isw
    """
    entity = open_store(ctx, readonly=True).entity(entity_id)
    if as_json:
        click.echo(for_terminal_json({"id": entity.id, "name": entity.name, "type": entity.type,
                                   "description": entity.description, "prior": entity.prior,
                                   "aliases": list(entity.aliases), "country": entity.country,
                                   "region": entity.region, "within": entity.within,
                                   "tags": list(entity.tags)}))
        return
    click.echo(f"{for_terminal(entity.id)}  {for_terminal(entity.name)}  [{for_terminal(entity.type)}]")
    if entity.description:
        click.echo(for_terminal(entity.description))
    click.echo(f"prior: {entity.prior:g}")
    click.echo("aliases: " + ", ".join(for_terminal(alias) for alias in entity.aliases))
    place = "  ".join(for_terminal(part) for part in (entity.country, entity.region) if part)
    for name, value in (("place", place), ("within", for_terminal(entity.within)),
                        ("tags", ", ".join(map(for_terminal, entity.tags)))):
        if value:
            click.echo(f"{name}: {value}")

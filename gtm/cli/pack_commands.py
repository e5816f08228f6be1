"""`gtm pack:list|lint|simulate`: inspect, check and preview prompt packs; nothing is saved."""

from __future__ import annotations

from pathlib import Path

import psycopg
import typer

from gtm.cli.output import console, print_json, print_table
from gtm.db import connect
from gtm.drafting.context import DraftContext, load_workspace_contexts
from gtm.drafting.guardrails import check_draft
from gtm.drafting.templates import render_fallback, render_prompts
from gtm.errors import TerminalError
from gtm.packs.catalog import available_packs, load_pack, packs_dir
from gtm.packs.devset import DevsetRecord, load_devset, sample_sender
from gtm.packs.lint import LintIssue, errors, lint_file
from gtm.packs.model import Pack
from gtm.packs.parse import PackFormatError, parse_pack_file
from gtm.settings import Settings, load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_PACKS = typer.Argument(None, help="Pack names or .md files; default: every pack.")


def pack_list(json_output: bool = _JSON) -> None:
    """List the prompt packs with their content-hash versions.

    Example: gtm pack:list
    """
    settings = load_settings()
    rows = []
    for name in available_packs(settings):
        path = packs_dir(settings) / f"{name}.md"
        try:
            pack = parse_pack_file(path)
        except PackFormatError as exc:
            rows.append({"name": name, "version": None, "error": str(exc)})
            continue
        rows.append({"name": name, "version": pack.version, "label": pack.meta.version,
                     "kind": pack.meta.kind, "step": pack.meta.step, "languages": pack.languages,
                     "variants": [v.name for v in pack.variants],
                     "description": pack.meta.description})
    if json_output:
        print_json(rows)
        return
    print_table(f"prompt packs in {packs_dir(settings)}",
                ("name", "version", "kind", "step", "languages", "variants"),
                ((r["name"], r["version"] or "[invalid: run pack:lint]", r.get("kind"),
                  r.get("step"), ", ".join(r.get("languages", [])),
                  ", ".join(r.get("variants", []))) for r in rows))


def pack_lint(packs: list[str] = _PACKS, json_output: bool = _JSON) -> None:
    """Check packs: structure, variables, contradictory constraints, devset renders.

    Exits 1 when any pack has an error; prints one line per problem.

    Example: gtm pack:lint cold_first_touch
    """
    settings = load_settings()
    paths = [_pack_path(settings, item) for item in packs] if packs else \
        [packs_dir(settings) / f"{name}.md" for name in available_packs(settings)]
    if not paths:
        raise TerminalError(f"no prompt packs in {packs_dir(settings)}")
    issues: dict[str, list[LintIssue]] = {str(path): lint_file(path) for path in paths}
    if json_output:
        print_json([{"path": path, "ok": not errors(found),
                     "issues": [issue.to_json() for issue in found]}
                    for path, found in issues.items()])
    else:
        for path, found in issues.items():
            for issue in found:
                colour = "red" if issue.severity == "error" else "yellow"
                console.print(f"[{colour}]{issue}[/]", highlight=False, markup=True, soft_wrap=True)
            if not errors(found):
                console.print(f"[green]{path}: ok[/]", highlight=False, soft_wrap=True)
    if any(errors(found) for found in issues.values()):
        raise typer.Exit(1)


def _pack_path(settings: Settings, item: str) -> Path:
    path = Path(item)
    if path.suffix == ".md" or path.is_file():
        if not path.is_file():
            raise TerminalError(f"no pack file {item}")
        return path
    path = packs_dir(settings) / f"{item}.md"
    if not path.is_file():
        known = ", ".join(available_packs(settings)) or "none"
        raise TerminalError(f"unknown prompt pack {item!r} (available: {known})")
    return path


def pack_simulate(
    pack: str = typer.Argument(..., help="Pack name."),
    contacts: int = typer.Option(3, "--contacts", "-n", min=1, help="How many sample contacts."),
    variant: str | None = typer.Option(None, "--variant", help="One variant for every contact "
                                       "(default: variants in turn, as a campaign splits them)."),
    language: str | None = typer.Option(None, "--language", help="Force en or ru."),
    devset_only: bool = typer.Option(False, "--devset", help="Use the pack's devset, not the "
                                     "database."),
    json_output: bool = _JSON,
) -> None:
    """Render the prompts and the template-mode draft for sample contacts; saves nothing.

    Contacts come from the workspace's database (best ICP score first), or from the pack's
    devset when the database has none.

    Example: gtm pack:simulate cold_first_touch --contacts 3 --variant casual
    """
    settings = load_settings()
    loaded = load_pack(settings, pack)
    if variant is not None:
        loaded.variant(variant)  # fail fast, naming the pack's variants
    if language is not None and language not in loaded.languages:
        raise TerminalError(f"--language {language!r}: pack {pack!r} is written in "
                            f"{', '.join(loaded.languages)}")
    records = load_devset(loaded)
    samples, source = _sample_contexts(settings, loaded, records, contacts, devset_only)
    results = []
    for index, context in enumerate(samples):
        wanted = language or (context.language if context.language in loaded.languages
                              else loaded.languages[0])
        if wanted != context.language:
            # The sample offer must be in the draft's language, or the preview mixes two.
            context = context.with_changes(language=wanted,
                                           sender=sample_sender(records, wanted))
        chosen = variant or loaded.variants[index % len(loaded.variants)].name
        results.append(_simulate_one(loaded, chosen, context, source))
    if json_output:
        print_json({"pack": loaded.name, "version": loaded.version, "source": source,
                    "contacts": results})
        return
    _print_simulation(loaded, source, results)


def _sample_contexts(settings: Settings, pack: Pack, records: list[DevsetRecord], limit: int,
                     devset_only: bool) -> tuple[list[DraftContext], str]:
    if not devset_only:
        contexts = _database_contexts(settings, limit, records)
        if contexts:
            return contexts, "database"
    if not records:
        raise TerminalError(f"no contacts in the database and pack {pack.name!r} has no devset")
    return [record.context for record in records[:limit]], "devset"


def _database_contexts(settings: Settings, limit: int,
                       records: list[DevsetRecord]) -> list[DraftContext]:
    """Top contacts of the configured workspace; [] when there is no schema or workspace yet."""
    try:
        with connect(settings) as conn:
            contexts = load_workspace_contexts(conn, settings.workspace, limit=limit)
    except psycopg.errors.UndefinedTable:
        return []
    # The database has contacts but no offer text yet: the devset's sample sender stands in so
    # the preview reads like an email; a campaign supplies the real one.
    return [ctx.with_changes(sender=sample_sender(records, ctx.language)) for ctx in contexts]


def _simulate_one(pack: Pack, variant: str, context: DraftContext, source: str) -> dict:
    draft = render_fallback(pack, variant, context)
    report = check_draft(draft, context, pack)
    return {"contact": context.contact.full_name or context.contact.email,
            "email": context.contact.email, "company": context.company.name,
            "language": context.language, "variant": variant, "source": source,
            "research": context.research.available,
            "prompts": render_prompts(pack, variant, context),
            "draft": draft.model_dump(), "guardrails": report.model_dump()}


def _print_simulation(pack: Pack, source: str, results: list[dict]) -> None:
    console.print(f"[bold]{pack.name}[/] version {pack.version} · contacts from {source} · "
                  "nothing is saved or sent", highlight=False)
    for number, result in enumerate(results, start=1):
        console.rule(f"{number}. {result['contact']} · {result['company'] or 'no company'} · "
                     f"{result['language']} · {result['variant']}")
        for name, text in result["prompts"].items():
            console.print(f"[bold cyan]## {name} prompt[/]", highlight=False)
            console.print(text, markup=False, highlight=False)
        draft = result["draft"]
        console.print(f"[bold green]## draft (mode={draft['mode']}: the pack's fallback "
                      "template, no LLM call)[/]", highlight=False)
        console.print(f"Subject: {draft['subject']}\n\n{draft['body']}", markup=False,
                      highlight=False)
        failures = [r for r in result["guardrails"]["results"] if not r["passed"]]
        if failures:
            for failure in failures:
                console.print(f"[red]guardrail {failure['name']}: {failure['detail']}[/]",
                              highlight=False)
        else:
            console.print("[green]guardrails: all passed[/]", highlight=False)

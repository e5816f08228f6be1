"""Prompt packs: Markdown files with YAML front matter that drive drafting (issue 5).

Public API:
    gtm.packs.catalog   resolve_pack(settings, name) -> PackRef, load_pack(settings, name) -> Pack,
                        packs_dir(settings), available_packs(settings), content_version(bytes)
    gtm.packs.model     Pack (.variant(name), .section(name, language, variant), .rules(language),
                        .ref), PackMeta, Variant, Constraints, LanguageRules, PackError
    gtm.packs.parse     parse_pack(data) / parse_pack_file(path) -> Pack, PackFormatError
    gtm.packs.lint      lint_file(path) / lint_pack(pack) -> list[LintIssue], errors(issues)
    gtm.packs.devset    load_devset(pack) -> list[DevsetRecord], sample_sender(records, language)

Nothing is imported here: the modules import `gtm.drafting` and back (see gtm/drafting).
"""

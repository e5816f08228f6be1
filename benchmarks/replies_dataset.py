"""The labelled reply set: benchmarks/data/replies_labelled.yaml rendered into whole messages.

Each entry becomes an RFC 5322 reply to one of our outreach emails (EN or RU, by the entry's
language), quoted in the style of its client, with its autoresponder headers; bounces are added
in every MTA format `gtm.replies.sample_bounces` knows. The split is fixed by the id alone:
sha256(id) mod 10 < 3 is held out, so which messages are held out never depends on the rules.
Usage: python benchmarks/replies_dataset.py OUT_DIR   (writes OUT_DIR/<id>.eml + labels.csv)
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gtm.replies.sample_bounces import BOUNCE_FAMILIES  # noqa: E402
from gtm.replies.samples import Original, compose_bounce, compose_reply  # noqa: E402

DATA = Path(__file__).parent / "data" / "replies_labelled.yaml"
SENDER = "Anna Keller <anna.keller@gtm-demo.example>"
OUTREACH = {
    "en": ("Quick idea for {company}",
           "Hi {first},\n\nI noticed {company} is hiring SDRs this quarter. We help B2B teams "
           "research accounts and write first emails that get answered - customers like yours "
           "usually see reply rates double within a month.\n\nWould it make sense to talk for "
           "15 minutes next week? If this isn't relevant, just let me know and I won't follow "
           "up.\n\nBest,\nAnna Keller\nGTM Demo"),
    "ru": ("Идея для {company}",
           "Добрый день, {first}!\n\nУвидела, что {company} расширяет отдел продаж. Мы помогаем "
           "B2B-командам исследовать клиентов и писать первые письма, на которые отвечают. "
           "Стоимость зависит от числа пользователей, есть пилот.\n\nУдобно ли созвониться на "
           "15 минут на следующей неделе? Если неактуально, просто ответьте, и я больше не буду "
           "писать.\n\nС уважением,\nАнна Келлер\nGTM Demo"),
}


@dataclass(frozen=True)
class Sample:
    id: str
    label: str
    language: str
    split: str  # "dev" | "holdout"
    raw: bytes
    referral: bool = False


def split_of(sample_id: str) -> str:
    return "holdout" if int(hashlib.sha256(sample_id.encode()).hexdigest(), 16) % 10 < 3 else "dev"


def _original(entry_from: str, language: str, index: int) -> Original:
    name, _, address = entry_from.partition(" <")
    address = address.rstrip(">")
    company = address.split("@")[1].split(".")[0].capitalize()
    subject, body = OUTREACH[language]
    first = name.split()[0]
    sent = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=7 * index)
    return Original(f"<out.{index}.{hashlib.sha1(address.encode()).hexdigest()[:10]}"
                    "@gtm-demo.example>", SENDER, entry_from, subject.format(company=company),
                    body.format(first=first, company=company), sent)


def build_samples() -> list[Sample]:
    entries = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    samples = []
    for index, entry in enumerate(entries):
        language = "ru" if entry["id"].startswith("ru") else "en"
        original = _original(entry["from"], language, index)
        raw = compose_reply(original, entry["from"], entry["text"], client=entry["client"],
                            auto=entry.get("auto"), subject=entry.get("subject"))
        samples.append(Sample(entry["id"], entry["label"], language, split_of(entry["id"]), raw))
    recipients = [("Lars Berg <lars.berg@nordkapp-fisk.no>", "en"),
                  ("Илья Громов <i.gromov@severtrans.ru>", "ru"),
                  ("Nora Quinn <nora.quinn@quinnlegal.ie>", "en")]
    for index, family in enumerate(BOUNCE_FAMILIES):
        for offset, (person, language) in enumerate(recipients[: 1 + index % 2]):
            original = _original(person, language, 500 + index * 3 + offset)
            address = person.split("<")[1].rstrip(">")
            sample_id = f"bounce_{family}_{offset}"
            samples.append(Sample(sample_id, "bounce", language, split_of(sample_id),
                                  compose_bounce(original, address, family)))
    return samples


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "label", "language", "split"])
        for sample in build_samples():
            (out_dir / f"{sample.id}.eml").write_bytes(sample.raw)
            writer.writerow([f"{sample.id}.eml", sample.label, sample.language, sample.split])


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "replies_dataset"))

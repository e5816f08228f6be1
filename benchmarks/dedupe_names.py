"""Name and company pools and the corruptions an export applies to them, for the dedupe benchmark.

Names are drawn Zipf-like from fixed pools, so common names meet far more often than in real
populations (the surname pools are ~1,060 English and ~790 Russian names, real ones have a tail
of hundreds of thousands): same-name strangers are over-represented, which makes the
benchmark harder, not easier.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from itertools import accumulate

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


# Job titles: seniority x function x role, so that colleagues often share a title.
TITLE_SENIORITY = ["", "", "", "Senior", "Junior", "Lead", "Principal"]
TITLE_FUNCTION = """Sales Marketing Software Product Data Customer Success Operations Finance
Business Development Partnerships Security Design""".split()
TITLE_ROLE = ["Manager", "Engineer", "Analyst", "Specialist", "Representative", "Executive",
              "Consultant"]  # fmt: skip
TITLE_HEADS = ["Head of {}", "Director of {}", "Vice President of {}", "{} Director"]
TITLE_CHIEFS = [
    "Chief Executive Officer",
    "Chief Technology Officer",
    "Chief Financial Officer",
    "Chief Operating Officer",
    "Chief Marketing Officer",
    "Founder",
    "Co-Founder",
]
RU_TITLES = """Генеральный директор|Коммерческий директор|Технический директор|Финансовый директор
|Менеджер по продажам|Руководитель отдела продаж|Менеджер по маркетингу|Директор по маркетингу
|Ведущий инженер|Инженер-программист|Бизнес-аналитик|Руководитель проектов|Главный бухгалтер
|Менеджер по работе с клиентами|Директор по развитию|HR-менеджер""".replace("\n", "").split("|")
# How the same title gets written differently by another source.
TITLE_SPELLINGS = {
    "Vice President of": "VP",
    "Chief Executive Officer": "CEO",
    "Chief Technology Officer": "CTO",
    "Chief Financial Officer": "CFO",
    "Chief Operating Officer": "COO",
    "Chief Marketing Officer": "CMO",
    "Senior": "Sr.",
    "Junior": "Jr.",
    "Manager": "Mgr",
    "Director of": "Dir.",
}


def title_pool() -> list[str]:
    """English job titles, the common shapes first (Zipf draws favour the front)."""
    roles = [" ".join(filter(None, (s, f, r))) for r in TITLE_ROLE for f in TITLE_FUNCTION
             for s in TITLE_SENIORITY]  # fmt: skip
    heads = [h.format(f) for h in TITLE_HEADS for f in TITLE_FUNCTION]
    return list(dict.fromkeys(roles[: len(roles) // 3] + heads + TITLE_CHIEFS + roles))


def respell_title(title: str, rng: random.Random) -> str:
    """The same title as another source writes it: abbreviated, re-cased or punctuated."""
    spelt = title
    for long, short in TITLE_SPELLINGS.items():
        spelt = spelt.replace(long, short)
    options = [spelt, title.upper(), title.lower(), title.replace(" of ", ", ")]
    return rng.choice([o for o in options if o != title] or [title])

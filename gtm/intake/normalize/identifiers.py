"""Tax and registration identifiers: normalise and verify check digits where a scheme has them.

Checked schemes (country -> tax id / registration number):

* RU: ИНН (10 digits for companies, 12 for persons) / ОГРН (13) or ОГРНИП (15)
* NO: organisasjonsnummer for both (a VAT number is the orgnr plus "MVA")
* CZ: DIČ ("CZ" + 8-10 digits) / IČO (8 digits, mod-11)
* FI: Y-tunnus for both (the VAT number "FI12345678" is the same number)
* FR: n° TVA, or a bare SIREN / SIREN (9 digits) or SIRET (14 digits, Luhn)

Other countries, or no country: the cleaned value is kept and marked unchecked (valid); a wrong
check digit is never silently kept. Excel damage is undone where it is unambiguous: a float
suffix (`7707083893.0`), and leading zeros that a number-typed column dropped, restored only
when the padded number passes its checksum. Placeholders such as "n/a" or "-" mean missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.cz import dic as cz_dic
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva
from stdnum.no import orgnr as no_orgnr
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn

from gtm.intake.normalize.countries import to_iso_country

INVALID_TIN = "invalid_tin"
INVALID_REGISTRATION_NUMBER = "invalid_registration_number"
UNCHECKED = "unchecked"

_PLACEHOLDERS = frozenset({"na", "n/a", "none", "null", "nil", "нет", "отсутствует", "unknown"})
_SEPARATORS = re.compile(r"[\s\-./]+")


@dataclass(frozen=True)
class IdResult:
    """A normalised identifier. `value` is None when the input was empty or a placeholder."""

    value: str | None
    kind: str | None  # ru_inn, ru_ogrn, ru_ogrnip, no_orgnr, cz_dic, cz_ico, fi_ytunnus, ...
    valid: bool
    reason: str | None = None  # INVALID_TIN | INVALID_REGISTRATION_NUMBER when not valid

    @property
    def checked(self) -> bool:
        """Whether a checksum scheme verified (or refuted) the value."""
        return self.kind not in (None, UNCHECKED)


def validate_tin(value: str | None, country: str | None) -> IdResult:
    """Validate a tax identification number for `country` (ISO code or any country name)."""
    return _validate(value, country, _TIN_CHECKERS, INVALID_TIN)


def validate_registration_number(value: str | None, country: str | None) -> IdResult:
    """Validate a company registration number for `country` (ISO code or any country name)."""
    return _validate(value, country, _REGISTRATION_CHECKERS, INVALID_REGISTRATION_NUMBER)


def is_valid_cz_ico(number: str) -> bool:
    """Czech IČO: 8 digits, weights 8..2 on the first seven, check = (11 - sum % 11) % 10."""
    if not re.fullmatch(r"\d{8}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:7], range(8, 1, -1), strict=True))
    return (11 - total % 11) % 10 == int(number[7])


# --- per-country checkers: compact string in, (normalised value, kind) out or ValidationError --

Checker = Callable[[str], tuple[str, str]]


def _ru_inn(value: str) -> tuple[str, str]:
    digits = _digits(value, prefix="RU")
    return _with_restored_zero(digits, (10, 12), ru_inn.validate), "ru_inn"


def _ru_ogrn(value: str) -> tuple[str, str]:
    digits = ru_ogrn.validate(_digits(value, prefix="RU"))
    return digits, "ru_ogrnip" if len(digits) == 15 else "ru_ogrn"


def _no_orgnr(value: str) -> tuple[str, str]:
    compact = value.upper().removeprefix("NO").removesuffix("MVA")
    return no_orgnr.validate(compact), "no_orgnr"


def _cz_dic(value: str) -> tuple[str, str]:
    return "CZ" + cz_dic.validate(value), "cz_dic"


def _cz_ico(value: str) -> tuple[str, str]:
    digits = _digits(value, prefix="CZ")
    if len(digits) < 8:
        digits = digits.zfill(8)  # old IČOs start with zeros that spreadsheets drop
    if not is_valid_cz_ico(digits):
        raise ValidationError("invalid IČO")
    return digits, "cz_ico"


def _fi_ytunnus(value: str) -> tuple[str, str]:
    compact = value.upper().removeprefix("FI")
    return fi_ytunnus.format(fi_ytunnus.validate(compact)), "fi_ytunnus"


def _fr_registration(value: str) -> tuple[str, str]:
    digits = _digits(value, prefix="FR")
    if len(digits) == 14:
        return fr_siret.validate(digits), "fr_siret"
    return fr_siren.validate(digits), "fr_siren"


def _fr_tin(value: str) -> tuple[str, str]:
    if re.fullmatch(r"\d{9}", value):
        return fr_siren.validate(value), "fr_siren"
    return "FR" + fr_tva.validate(value), "fr_tva"


_TIN_CHECKERS: dict[str, Checker] = {
    "RU": _ru_inn,
    "NO": _no_orgnr,
    "CZ": _cz_dic,
    "FI": _fi_ytunnus,
    "FR": _fr_tin,
}
_REGISTRATION_CHECKERS: dict[str, Checker] = {
    "RU": _ru_ogrn,
    "NO": _no_orgnr,
    "CZ": _cz_ico,
    "FI": _fi_ytunnus,
    "FR": _fr_registration,
}


def _validate(
    value: str | None, country: str | None, checkers: dict[str, Checker], reason: str
) -> IdResult:
    cleaned = _clean(value)
    if cleaned is None:
        return IdResult(None, None, valid=True)
    checker = checkers.get(to_iso_country(country) or "")
    if checker is None:
        return IdResult(" ".join(cleaned.split()), UNCHECKED, valid=True)
    compact = _SEPARATORS.sub("", cleaned)
    try:
        normalised, kind = checker(compact)
    except ValidationError:
        return IdResult(compact, None, valid=False, reason=reason)
    return IdResult(normalised, kind, valid=True)


def _clean(value: str | None) -> str | None:
    """Trim, undo Excel's float formatting, and turn placeholders into None."""
    if value is None:
        return None
    text = value.strip().strip("'\"«»").strip()
    if re.fullmatch(r"[\d\s]+\.0+", text):
        text = text.split(".")[0]
    if not re.search(r"\w", text) or text.casefold() in _PLACEHOLDERS:
        return None
    return text


def _digits(value: str, prefix: str) -> str:
    """The number without its optional country prefix; non-digits make it invalid."""
    number = value.upper().removeprefix(prefix)
    if not number.isdigit() or not number.isascii():
        raise ValidationError("not a number")
    return number


def _with_restored_zero(
    digits: str, lengths: tuple[int, ...], validate: Callable[[str], str]
) -> str:
    """Validate; a number one digit short of a valid length may have lost a leading zero.

    Only for schemes whose numbers can start with 0 (INN region codes 01-09).
    """
    if len(digits) + 1 in lengths:
        return validate("0" + digits)
    return validate(digits)

"""Registry clients against recorded, real-shaped responses through httpx.MockTransport."""

import json
from pathlib import Path

import httpx
import pytest

from gtm.errors import TransientError
from gtm.providers.registries import (
    AresClient,
    BrregClient,
    PrhClient,
    RechercheEntreprisesClient,
)

FIXTURES = Path(__file__).parent / "fixtures"


def recorded_transport(calls=None):
    """Serves the fixtures by URL the way the live APIs answer (404 for unknown numbers)."""
    routes = {
        "/enhetsregisteret/api/enheter/923609016": "brreg_923609016.json",
        "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/27082440": "ares_27082440.json",
        # From the `brreg` package's test data (fixtures/brreg_pypi/README.md).
        "/enhetsregisteret/api/enheter/112233445": "brreg_pypi/enheter-details-response.json",
        "/enhetsregisteret/api/enheter/123456789":
            "brreg_pypi/enheter-details-deleted-response.json",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(str(request.url))
        if request.url.path.endswith("/500500500"):
            return httpx.Response(503, json={"feilmelding": "Service unavailable"})
        if request.url.path == "/search":  # recherche-entreprises: by query, empty results
            siren = request.url.params.get("q")
            path = FIXTURES / f"recherche_entreprises_{siren}.json"
            return httpx.Response(200, json=json.loads(path.read_text("utf-8")) if path.exists()
                                  else {"results": [], "total_results": 0, "page": 1,
                                        "per_page": 1, "total_pages": 0})
        if request.url.path == "/opendata-ytj-api/v3/companies":
            path = FIXTURES / f"prh_{request.url.params.get('businessId')}.json"
            return httpx.Response(200, json=json.loads(path.read_text("utf-8")) if path.exists()
                                  else {"totalResults": 0, "companies": []})
        name = routes.get(request.url.path)
        if name is None:
            return httpx.Response(404, json={"status": 404, "error": "Not Found"})
        return httpx.Response(200, json=json.loads((FIXTURES / name).read_text("utf-8")))

    return httpx.MockTransport(handler)


def clients(calls=None):
    http = httpx.Client(transport=recorded_transport(calls))
    return [BrregClient(http, min_interval=0), AresClient(http, min_interval=0),
            RechercheEntreprisesClient(http, min_interval=0), PrhClient(http, min_interval=0)]


def test_brreg_record_fields():
    brreg = clients()[0]
    record = brreg.lookup("923 609 016")
    assert record.name == "EQUINOR ASA" and record.legal_form == "ASA"
    assert record.industry_code == "06.100" and record.employees == 21126
    assert record.city == "STAVANGER" and record.founded == "1972-09-18"
    assert record.active and record.flags["vat_registered"]
    assert record.source_url == "https://data.brreg.no/enhetsregisteret/api/enheter/923609016"


def test_brreg_records_from_the_brreg_package_recordings():
    brreg = clients()[0]
    record = brreg.lookup("112233445")
    assert (record.name, record.legal_form, record.industry_code, record.employees) == \
        ("SESAM STASJON", "AS", "52.292", 50)
    assert record.industry == "Skipsmegling" and record.founded == "2017-10-20"
    # The business address wins over the postal one; its null and empty lines are dropped.
    assert record.city == "OSLO" and record.address == "Tyvholmen 1"
    assert record.website is None and record.active and record.flags["vat_registered"]
    deleted = brreg.lookup("123456789")
    assert deleted.name == "SLETTET ENHET AS" and deleted.legal_form == "UTBG"
    assert not deleted.active and deleted.city is None and deleted.employees is None


def test_ares_record_fields():
    ares = clients()[1]
    record = ares.lookup("27082440")
    assert record.name == "Alza.cz a.s." and record.legal_form == "121"
    assert record.city == "Praha" and record.industry_code == "47910"
    assert record.source_url.endswith("/ekonomicke-subjekty/27082440")


def test_unknown_number_is_no_answer_and_server_error_is_transient():
    brreg = clients()[0]
    assert brreg.lookup("999999999") is None
    assert brreg.lookup("12") is None  # not an orgnr: no request at all
    with pytest.raises(TransientError):
        brreg.lookup("500500500")


def test_recherche_entreprises_by_siren_or_siret():
    france = clients()[2]
    record = france.lookup("55208131766522")  # a SIRET: its first nine digits are the SIREN
    assert record.name == "ELECTRICITE DE FRANCE (EDF)" and record.city == "PARIS"
    assert record.industry_code == "35.11Z" and record.founded == "1955-01-01"
    assert record.source_url.endswith("?q=552081317&page=1&per_page=1")
    assert france.lookup("123456789") is None  # no result for that SIREN


def test_prh_by_business_id():
    finland = clients()[3]
    record = finland.lookup("FI01098628")
    assert record.name == "Kesko Oyj" and record.legal_form == "Public limited company"
    assert record.industry_code == "46900" and record.city == "HELSINKI"
    assert record.source_url.endswith("?businessId=0109862-8")
    assert finland.lookup("1234567-1") is None and finland.lookup("nope") is None

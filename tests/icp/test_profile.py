"""The ICP definition: validation names the field, normalisation makes the hash canonical."""

from pathlib import Path

import pytest

from gtm.icp.profile import EXAMPLE_ICP_FILE, IcpDefinitionError, load_icp_file, parse_icp

BASE = {"name": "t", "company": {"industries": ["software"]}}


def _error(data: dict) -> str:
    with pytest.raises(IcpDefinitionError) as exc:
        parse_icp(data, "icp.toml")
    return str(exc.value)


@pytest.mark.parametrize(("data", "expected"), [
    ({**BASE, "company": {"industrys": ["x"]}},
     "company.industrys: unknown field (allowed: countries, industries, size_bands)"),
    ({**BASE, "person": {"seniority": ["cxo"]}}, "person.seniority[0]: Input should be 'owner'"),
    ({**BASE, "person": {"departments": ["growth"]}}, "person.departments[0]: Input should be"),
    ({**BASE, "company": {"countries": ["Atlantis"]}},
     "company.countries: 'Atlantis' is not a country"),
    ({**BASE, "company": {"size_bands": [{"min": 500, "max": 50}]}},
     "company.size_bands[0]: max (50) is below min (500)"),
    ({**BASE, "company": {"size_bands": [{"min": 5, "maximum": 9}]}},
     "company.size_bands[0].maximum: unknown field (allowed: max, min)"),
    ({**BASE, "exclude": {"domains": ["not a domain"]}},
     "exclude.domains: 'not a domain' is not a domain"),
    ({**BASE, "weights": {"industry": -1}},
     "weights.industry: Input should be greater than or equal to 0"),
    ({**BASE, "min_score": 2}, "min_score: Input should be less than or equal to 1"),
    ({"company": {"industries": ["x"]}}, "name: Field required"),
    ({"name": "t"}, "definition: the ICP scores nothing"),
    ({**BASE, "weights": {"industry": 0}}, "the ICP scores nothing"),
])
def test_errors_name_the_field(data: dict, expected: str) -> None:
    message = _error(data)
    assert message.startswith("icp.toml: ") and expected in message


def test_every_error_is_reported_at_once() -> None:
    message = _error({"name": "", "company": {"industries": ["x"], "countries": ["ZZ"]},
                      "extra": 1})
    assert "name:" in message and "company.countries:" in message and "extra: unknown" in message


def test_hash_is_stable_under_key_order_list_order_and_spelling() -> None:
    one = parse_icp({
        "name": "t", "min_score": 0.4,
        "company": {"industries": ["SaaS", "fintech"], "countries": ["NO", "GB"],
                    "size_bands": [{"min": 50, "max": 500}, {"min": 5, "max": 10}]},
        "person": {"seniority": ["vp", "c_suite"]},
        "exclude": {"domains": ["https://www.Acme.com/about"]},
    })
    two = parse_icp({
        "exclude": {"domains": ["acme.com"]},
        "person": {"seniority": ["c_suite", "vp", "vp"]},
        "company": {"size_bands": [{"max": 10, "min": 5}, {"max": 500, "min": 50}],
                    "countries": ["united kingdom", "Norway"], "industries": ["fintech", "saas"]},
        "min_score": 0.4, "name": "t",
    })
    assert one.canonical_json() == two.canonical_json()
    assert one.content_hash() == two.content_hash()
    assert one.content_hash() != parse_icp({**BASE, "name": "t2"}).content_hash()
    assert len(one.content_hash()) == 64


def test_only_filled_criteria_with_weight_take_part() -> None:
    icp = parse_icp({"name": "t", "company": {"industries": ["a"], "countries": ["NO"]},
                     "person": {"title_exclude": ["intern"]}, "weights": {"country": 0}})
    assert icp.criteria_weights() == {"industry": 0.25}


def test_toml_file_round_trip_and_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "icp.toml"
    path.write_text('name = "t"\n[company]\nindustries = ["Software"]\n[weights]\nindustry = 1\n',
                    encoding="utf-8")
    assert load_icp_file(path).company.industries == ["software"]
    path.write_text('name = "t"\n[company\n', encoding="utf-8")
    with pytest.raises(IcpDefinitionError, match="invalid TOML"):
        load_icp_file(path)
    with pytest.raises(IcpDefinitionError, match="cannot read ICP file"):
        load_icp_file(tmp_path / "missing.toml")


def test_the_bundled_playbook_is_valid() -> None:
    icp = load_icp_file(EXAMPLE_ICP_FILE)
    assert set(icp.criteria_weights()) == {"industry", "country", "size", "seniority",
                                           "department", "title"}
    assert icp.exclude.client_status == ["client", "customer"]

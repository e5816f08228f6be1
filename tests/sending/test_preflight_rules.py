"""The pre-flight decision as a pure function: order of reasons, policy switches, MX."""

import dns.resolver
import pytest

from gtm.sending import mx
from gtm.sending.preflight import Facts, Policy, first_reason


@pytest.mark.parametrize(("facts", "reason"), [
    (Facts("kari@fjord.no"), None),
    (Facts(None), "invalid_email"),
    (Facts("kari@@fjord"), "invalid_email"),
    # A hard bounce outranks everything else known about the contact.
    (Facts("kari@fjord.no", suppression="unsubscribe", bounced=True), "hard_bounce"),
    (Facts("kari@fjord.no", suppression="hard_bounce"), "hard_bounce"),
    (Facts("kari@fjord.no", unsubscribed=True, replied=True), "unsubscribed"),
    (Facts("kari@fjord.no", suppression="complaint"), "suppressed"),
    (Facts("sales@fjord.no"), "role_address"),
    (Facts("kari@mailinator.com"), "disposable_address"),
    (Facts("kari@fjord.no", replied=True, stopped=True), "already_replied"),
    (Facts("kari@fjord.no", stopped=True), "sequence_stopped"),
    (Facts("kari@fjord.no", active_elsewhere="q0"), "active_elsewhere"),
])
def test_first_reason(facts, reason) -> None:
    assert first_reason(facts, Policy()) == reason


def test_mx_blocks_only_on_a_definite_no_and_only_when_enabled() -> None:
    facts = Facts("kari@nowhere.example")
    asked = []

    def lookup(answer):
        def has_mx(domain):
            asked.append(domain)
            return answer
        return has_mx

    assert first_reason(facts, Policy(check_mx=True), lookup(False)) == "no_mx"
    assert first_reason(facts, Policy(check_mx=True), lookup(None)) is None  # DNS unreachable
    assert first_reason(facts, Policy(check_mx=True), lookup(True)) is None
    assert first_reason(facts, Policy(), lookup(False)) is None
    assert asked == ["nowhere.example"] * 3


def test_no_reachable_resolver_means_unknown(monkeypatch) -> None:
    class Unreachable:
        lifetime = 0

        def resolve(self, *args):
            raise dns.resolver.NoNameservers()

    monkeypatch.setattr(dns.resolver, "Resolver", Unreachable)
    mx.has_mx.cache_clear()
    assert mx.has_mx("fjord.no") is None
    mx.has_mx.cache_clear()


def test_a_domain_without_mx_falls_back_to_its_address_records(monkeypatch) -> None:
    answers = {"MX": dns.resolver.NoAnswer(), "A": dns.resolver.NoAnswer(),
               "AAAA": dns.resolver.NoAnswer()}

    class Fake:
        lifetime = 0

        def resolve(self, domain, record):
            raise answers[record]

    monkeypatch.setattr(dns.resolver, "Resolver", Fake)
    mx.has_mx.cache_clear()
    assert mx.has_mx("parked.example") is False
    answers["A"] = None  # an A record exists: mail can be delivered to the host itself

    class WithA(Fake):
        def resolve(self, domain, record):
            if answers[record] is None:
                return ["192.0.2.1"]
            raise answers[record]

    monkeypatch.setattr(dns.resolver, "Resolver", WithA)
    mx.has_mx.cache_clear()
    assert mx.has_mx("parked.example") is True
    mx.has_mx.cache_clear()

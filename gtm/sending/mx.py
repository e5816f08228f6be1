"""The optional MX pre-flight check (off by default: `[sending] check_mx`).

It only ever blocks on a definite answer: the domain does not exist, or has neither an MX nor
an address record (RFC 5321 §5.1 falls back to A/AAAA). No resolver, a timeout or a server
failure means "unknown", and unknown never blocks a message.
"""

from __future__ import annotations

from functools import lru_cache

import dns.exception
import dns.resolver

TIMEOUT_SECONDS = 3.0


@lru_cache(maxsize=4096)
def has_mx(domain: str) -> bool | None:
    """True / False when the DNS answered, None when it could not be asked."""
    try:
        resolver = dns.resolver.Resolver()
    except (dns.resolver.NoResolverConfiguration, OSError):
        return None
    resolver.lifetime = TIMEOUT_SECONDS
    try:
        resolver.resolve(domain, "MX")
        return True
    except dns.resolver.NXDOMAIN:
        return False
    except dns.resolver.NoAnswer:
        return _has_address(resolver, domain)
    except dns.exception.DNSException:
        return None


def _has_address(resolver: dns.resolver.Resolver, domain: str) -> bool | None:
    for record in ("A", "AAAA"):
        try:
            resolver.resolve(domain, record)
            return True
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            continue
        except dns.exception.DNSException:
            return None
    return False

"""Server-side request forgery: which URLs a webhook may be sent to.

A URL is checked when it is registered and again before every attempt, against the addresses
its host resolves to then; the attempt connects to the address that was checked
(``webhooks.http``), so a DNS answer that changes between check and connect (rebinding)
cannot reach an internal address. ``WEBHOOKS_ALLOW_PRIVATE_URLS`` lifts the address and
``https`` rules, for local receivers in development and tests.
"""

import ipaddress
import socket
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services that are not in a link-local range (AWS's IPv6, Alibaba, Oracle).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("fd00:ec2::254", "100.100.100.200")
)


class UnsafeURL(ValueError):
    """The URL may not receive webhooks; the message says why, for the API and the log."""


@dataclass(frozen=True)
class Target:
    """Where an attempt connects: the URL's parts and the checked address to dial."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def forbidden_class(ip: IPAddress) -> str | None:
    """Why this address may not be dialled, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return forbidden_class(ip.ipv4_mapped)
    if ip in METADATA_ADDRESSES or ip == ipaddress.ip_address("169.254.169.254"):
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


def check(url: str) -> Target:
    """Resolve ``url`` and check it; return the target to connect to, or raise UnsafeURL."""
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_URLS
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL("Use an http(s) URL with a host.")
    if parts.username or parts.password:
        raise UnsafeURL("Credentials in the URL are not allowed; the signature authenticates.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("The port is not a number from 1 to 65535.") from exc
    addresses = resolve(parts.hostname, port)
    if not allow_private:
        for ip in addresses:
            if reason := forbidden_class(ip):
                raise UnsafeURL(f"{parts.hostname} resolves to {ip}, {reason}.")
        if parts.scheme != "https":
            raise UnsafeURL("Use an https URL.")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to: one forbidden address refuses the URL."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"{host} does not resolve.") from exc
    # Scope ids ("fe80::1%eth0") are dropped: the address itself decides. SOCK_STREAM
    # lookups only answer AF_INET/AF_INET6, whose sockaddr starts with the host string.
    return [ipaddress.ip_address(cast(str, info[4][0]).split("%")[0]) for info in infos]

"""STARTTLS and implicit TLS against a test CA made here: trusted works, untrusted fails."""

from __future__ import annotations

import pytest

from briefing.deliver import DeliveryError, send_brief

from .conftest import RECIPIENTS, MailServer, Pki, ServerFactory, SetupFactory, outbox_states


def test_starttls_verified_against_the_trusted_ca_delivers(
    start_server: ServerFactory, setup: SetupFactory, pki: Pki
) -> None:
    server = start_server(starttls=pki.server_context)
    s = setup(server, security="starttls", ca_file=str(pki.ca_file))
    report = send_brief(s.config, s.store, s.brief_id)
    assert report.sent == list(RECIPIENTS)
    assert len(server.received) == len(RECIPIENTS)


@pytest.mark.parametrize("trust", ["other-ca", "system"])
def test_starttls_with_an_untrusted_certificate_sends_nothing(
    trust: str, start_server: ServerFactory, setup: SetupFactory, pki: Pki
) -> None:
    server = start_server(starttls=pki.server_context)
    options: dict[str, object] = {"security": "starttls"}
    if trust == "other-ca":
        options["ca_file"] = str(pki.other_ca_file)
    s = setup(server, **options)
    with pytest.raises(DeliveryError, match="certificate not trusted"):
        send_brief(s.config, s.store, s.brief_id, sleep=lambda _: None)
    assert server.received == []
    assert set(outbox_states(s.store, s.brief_id).values()) == {"pending"}


def test_the_host_name_is_checked_too(
    start_server: ServerFactory, setup: SetupFactory, pki: Pki
) -> None:
    # 127.0.0.2 is loopback too, but the certificate names only localhost and 127.0.0.1.
    server = start_server(starttls=pki.server_context, host="127.0.0.2")
    s = setup(server, security="starttls", ca_file=str(pki.ca_file))
    with pytest.raises(DeliveryError, match=r"certificate not trusted.*mismatch"):
        send_brief(s.config, s.store, s.brief_id, sleep=lambda _: None)
    assert server.received == []


def test_implicit_tls_verified_against_the_trusted_ca_delivers(
    start_server: ServerFactory, setup: SetupFactory, pki: Pki
) -> None:
    server = start_server(implicit_tls=pki.server_context)
    s = setup(server, security="tls", ca_file=str(pki.ca_file))
    assert send_brief(s.config, s.store, s.brief_id).sent == list(RECIPIENTS)

    s2 = setup(server, security="tls", ca_file=str(pki.other_ca_file))
    with pytest.raises(DeliveryError, match="certificate not trusted"):
        send_brief(s2.config, s2.store, s2.brief_id, sleep=lambda _: None)
    assert len(server.received) == len(RECIPIENTS)


def test_starttls_refused_by_the_server_is_not_skipped(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, security="starttls")  # the plain server offers no STARTTLS
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send_brief(s.config, s.store, s.brief_id)

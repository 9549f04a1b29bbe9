"""Fetching a typed URL safely: every limit of retrieval/ingestion/fetch.py against a real local web
server (tests/web_standin.py), each refusal with its message word for word."""

from __future__ import annotations

import ipaddress
import time

import pytest
from web_standin import ARTICLE_HTML, HTML

from openai_deals import messages
from openai_deals.retrieval.ingestion.fetch import (
    ALL_NETWORKS,
    FetchPolicy,
    FetchProblem,
    FetchRefused,
    check_address,
    fetch_html,
    is_public,
)
from openai_deals.settings import SettingsError, load_settings

LOOPBACK_ONLY = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))


def refusal(url: str, policy: FetchPolicy = LOOPBACK_ONLY) -> FetchRefused:
    with pytest.raises(FetchRefused) as caught:
        fetch_html(url, policy)
    return caught.value


def test_an_article_is_fetched_through_a_redirect(news_site):
    """A redirect is followed to the article; the page says where it was finally read."""
    article = news_site.article()
    short = news_site.redirect("/court", article, status=301)
    page = fetch_html(short, LOOPBACK_ONLY)
    assert page.content == ARTICLE_HTML.read_bytes()
    assert (page.url, page.requested_url, page.redirects) == (article, short, (article,))
    assert page.charset == "utf-8"
    headers = dict(news_site.requests[-1][1])
    assert headers["User-Agent"].startswith("openai-deals/")


def test_a_private_address_is_refused_without_the_setting(news_site):
    """With FETCH_ALLOW_PRIVATE off, 127.0.0.1 is refused before any connection is made."""
    url = news_site.article()
    error = refusal(url, load_settings(_env_file=None).fetch_policy())
    assert messages.fetch_refusal(error) == (
        "Je ne récupère pas de page sur une adresse privée ou locale (127.0.0.1 → 127.0.0.1). "
        "Donnez l’adresse publique de l’article."
    )
    assert news_site.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata endpoint
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
    ],
)
def test_non_public_addresses_are_refused(url):
    """Private, loopback, link-local, unspecified and shared addresses, in any notation."""
    assert refusal(url, FetchPolicy()).problem is FetchProblem.PRIVATE_ADDRESS


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 wrapping 127.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 wrapping 8.8.8.8
        ("224.0.0.1", False),
    ],
)
def test_addresses_inside_ipv6_forms_are_checked(address, public):
    """An IPv4 address carried inside an IPv6 one is judged as itself."""
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "address",
    [
        # Reserved IPv6 that Python 3.11's is_global passes
        "::127.0.0.1",  # IPv4-compatible, carrying loopback
        "::ffff:0:127.0.0.1",  # IPv4-translated (SIIT), carrying loopback
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64: the metadata address behind a local NAT64
        "fec0::1",  # site-local (deprecated)
        "::2",
        "5f00::1",  # SRv6 segment identifiers
        "4000::1",  # outside 2000::/3: not allocated as global unicast
        "3fff::1",  # documentation (RFC 9637)
        "2001:db8::1",  # documentation
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        # IPv4 carried in IPv6, each form decoded and judged as IPv4
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1",  # 6to4
        "::ffff:0:a00:1",  # translated 10.0.0.1
        # Special-purpose IPv4
        "192.88.99.1",  # the deprecated 6to4 relay anycast
        "192.0.0.170",
        "198.18.0.1",  # benchmarking
        "203.0.113.5",  # documentation
        "240.0.0.1",
        "255.255.255.255",
        "239.1.2.3",
    ],
)
def test_only_global_unicast_addresses_pass_the_check(address):
    """The check is an allow-list: global unicast only. Checked without connecting."""
    assert is_public(ipaddress.ip_address(address)) is False
    with pytest.raises(FetchRefused) as caught:
        check_address("exemple.fr", address, FetchPolicy(), "http://exemple.fr/")
    assert caught.value.problem is FetchProblem.PRIVATE_ADDRESS
    assert caught.value.details["address"] == str(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "193.51.224.1",
        "2001:4860:4860::8888",
        "2a00:1450:4007:80f::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 (well-known prefix) wrapping 8.8.8.8
        "2002:808:808::1",  # 6to4 wrapping 8.8.8.8
    ],
)
def test_global_unicast_addresses_pass_the_check(address):
    """Public addresses, in any of their IPv6 forms, pass (checked without connecting)."""
    assert is_public(ipaddress.ip_address(address)) is True
    check_address("exemple.fr", address, FetchPolicy(), "http://exemple.fr/")


def test_a_redirect_to_a_private_address_is_checked_again(news_site):
    """Each redirect hop is checked: loopback allowed does not let a redirect reach the
    link-local metadata address."""
    url = news_site.redirect("/vers-metadata", "http://169.254.169.254/latest/meta-data/")
    error = refusal(url)
    assert messages.fetch_refusal(error) == (
        "Je ne récupère pas de page sur une adresse privée ou locale "
        "(169.254.169.254 → 169.254.169.254). Donnez l’adresse publique de l’article."
    )


def test_a_redirect_loop_is_refused_at_once(news_site):
    """A → B → A stops at the second visit of A, without using up the redirect limit."""
    a = news_site.redirect("/a", "/b")
    news_site.redirect("/b", "/a")
    error = refusal(a)
    assert messages.fetch_refusal(error) == (
        f"Cette adresse redirige en boucle (retour à {a}). Vérifiez-la dans un navigateur et "
        "donnez l’adresse de l’article une fois la page ouverte."
    )
    assert news_site.paths_requested() == ["/a", "/b"]


def test_more_redirects_than_the_limit_are_refused(news_site):
    """Five redirects are followed, the sixth is refused."""
    for n in range(7):
        news_site.redirect(f"/r{n}", f"/r{n + 1}")
    error = refusal(news_site.url("/r0"))
    assert messages.fetch_refusal(error) == (
        "Cette adresse redirige plus de 5 fois de suite. Donnez directement l’adresse de "
        "l’article, celle qu’affiche votre navigateur une fois la page ouverte."
    )
    assert len(news_site.requests) == 6


def test_an_oversized_page_stops_being_read(news_site):
    """Past 5 MB the body is refused and the connection dropped: a 200 MB stream without
    Content-Length is not read to its end."""
    url = news_site.stream("/enorme", 200_000_000)
    error = refusal(url)
    assert messages.fetch_refusal(error) == (
        "La page dépasse 5 Mo : j’ai arrêté de la lire. Copiez le texte de l’article dans un "
        "fichier .txt et ajoutez ce fichier."
    )
    deadline = time.monotonic() + 5
    while news_site.routes["/enorme"].sent < 200_000_000 and time.monotonic() < deadline:
        time.sleep(0.05)  # let the server notice the client is gone
    assert news_site.routes["/enorme"].sent < 50_000_000


def test_a_declared_oversized_page_is_refused_before_reading(news_site):
    """A Content-Length over the limit is refused on the headers alone."""
    url = news_site.page("/gros", b"<p>" + b"x" * 2_000 + b"</p>")
    error = refusal(url, FetchPolicy(allowed_networks=ALL_NETWORKS, max_bytes=1_500))
    assert messages.fetch_refusal(error) == (
        "La page dépasse 1,5 ko : j’ai arrêté de la lire. Copiez le texte de l’article dans "
        "un fichier .txt et ajoutez ce fichier."
    )


@pytest.mark.parametrize(
    "content_type, shown",
    [
        ("application/json", "type application/json"),
        ("application/pdf", "type application/pdf"),
        (None, "type non précisé"),
    ],
)
def test_only_html_is_accepted(news_site, content_type, shown):
    """JSON, PDF or a response without Content-Type is refused, named by its type."""
    headers = {"Content-Type": content_type} if content_type else {}
    url = news_site.route("/doc", headers=headers, body=b"{}")
    error = refusal(url)
    assert messages.fetch_refusal(error) == (
        f"Cette adresse ne mène pas à une page web ({shown}) : je n’ajoute que des articles "
        "en HTML. Pour un autre format, copiez le texte dans un fichier .txt et ajoutez ce "
        "fichier."
    )


def test_xhtml_is_html(news_site):
    """application/xhtml+xml is a web page too."""
    url = news_site.page("/x", ARTICLE_HTML.read_bytes(), "application/xhtml+xml")
    assert fetch_html(url, LOOPBACK_ONLY).charset is None


def test_a_slow_site_is_given_up_on_time(news_site):
    """A site that answers after the time limit is refused once the limit is spent."""
    url = news_site.route("/lent", delay=3, headers={"Content-Type": "text/html"}, body=b"x")
    started = time.monotonic()
    error = refusal(url, FetchPolicy(allowed_networks=ALL_NETWORKS, timeout=0.5))
    assert time.monotonic() - started < 2
    assert messages.fetch_refusal(error) == (
        "Le site n’a pas répondu en moins de 0,5 seconde. Réessayez plus tard, ou enregistrez "
        "la page (.html) et ajoutez le fichier."
    )


def test_a_trickling_body_does_not_extend_the_time_limit(news_site):
    """One byte every 0.2 s keeps each read alive, not the fetch: one deadline for it all."""
    url = news_site.stream("/goutte", 1_000, drip=0.2)
    started = time.monotonic()
    error = refusal(url, FetchPolicy(allowed_networks=ALL_NETWORKS, timeout=1))
    assert error.problem is FetchProblem.TIMEOUT
    assert time.monotonic() - started < 2.5


def test_trickling_headers_do_not_extend_the_time_limit(news_site):
    """One header byte every 0.2 s (about 30 s of headers) is given up on at the deadline:
    the limit covers connecting, the response headers and the body alike."""
    headers = {"Content-Type": HTML, "X-Remplissage": "a" * 100}
    url = news_site.route("/entetes-lentes", headers=headers, body=b"<p>x</p>", header_drip=0.2)
    started = time.monotonic()
    error = refusal(url, FetchPolicy(allowed_networks=ALL_NETWORKS, timeout=1))
    elapsed = time.monotonic() - started
    assert error.problem is FetchProblem.TIMEOUT
    assert elapsed < 2.5
    assert news_site.routes["/entetes-lentes"].sent < 30  # the headers were not all read


def test_an_http_error_is_named(news_site):
    """A 404 says which status the site gave."""
    url = news_site.url("/introuvable")
    assert messages.fetch_refusal(refusal(url)) == (
        f"Le site a répondu par une erreur (HTTP 404) pour {url}. Vérifiez l’adresse dans "
        "un navigateur."
    )


def test_an_unreachable_host_is_named(news_site):
    """Nothing listening on the port: the host could not be reached."""
    url = news_site.url("/").replace(f":{news_site.base_url.rsplit(':', 1)[1]}", ":1")
    assert messages.fetch_refusal(refusal(url)) == (
        "Je n’ai pas pu joindre 127.0.0.1. Vérifiez l’adresse, ou réessayez plus tard."
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "ftp://exemple.fr/article.html",
            "Je ne récupère que des pages web en http:// ou https://, pas en ftp://. Donnez "
            "l’adresse web de l’article.",
        ),
        (
            "file:///etc/passwd",
            "Je ne récupère que des pages web en http:// ou https://, pas en file://. Donnez "
            "l’adresse web de l’article.",
        ),
        (
            "www.exemple.fr/article",
            "« www.exemple.fr/article » n’est pas une adresse web complète : donnez l’adresse "
            "de l’article avec http:// ou https://, telle que l’affiche votre navigateur.",
        ),
        (
            "http://exemple.fr:99999/",
            "« http://exemple.fr:99999/ » n’est pas une adresse web complète : donnez l’adresse "
            "de l’article avec http:// ou https://, telle que l’affiche votre navigateur.",
        ),
    ],
)
def test_only_http_and_https_urls_are_fetched(url, expected):
    """Other schemes and incomplete addresses are refused before any lookup."""
    assert messages.fetch_refusal(refusal(url)) == expected


def test_fetch_settings_build_the_policy():
    """FETCH_* settings make the policy; FETCH_ALLOW_PRIVATE takes true/false or networks."""
    policy = load_settings(
        _env_file=None,
        fetch_allow_private="127.0.0.1, 10.0.0.0/8",
        fetch_max_bytes=2_000_000,
        fetch_timeout_seconds=3,
        fetch_max_redirects=2,
    ).fetch_policy()
    assert policy == FetchPolicy(
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")),
        max_bytes=2_000_000,
        timeout=3,
        max_redirects=2,
    )
    assert load_settings(_env_file=None, fetch_allow_private="true").fetch_allow_private == (
        ALL_NETWORKS
    )
    assert load_settings(_env_file=None).fetch_allow_private == ()
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, fetch_allow_private="peut-être")
    assert str(caught.value) == messages.setting_refused(
        "FETCH_ALLOW_PRIVATE", messages.FETCH_ALLOW_PRIVATE_REFUSED, None
    )
    assert str(caught.value) == (
        "Configuration invalide : FETCH_ALLOW_PRIVATE, lu dans l’environnement : mettez true, "
        "false, ou une liste d’adresses ou de réseaux séparés par des virgules, par exemple "
        "127.0.0.1,10.0.0.0/8."
    )

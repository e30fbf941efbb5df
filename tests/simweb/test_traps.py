"""The bad-input routes crawlers must survive."""

from __future__ import annotations

import http.client
import threading
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlsplit
from xml.parsers import expat

import pytest
from parsel import Selector

from tests.simweb.support import get
from yuqing.simweb import SimWeb
from yuqing.simweb.traps import HUGE_SIZE, Traps


class EntityDeclared(Exception):
    pass


@pytest.mark.parametrize("code", [200, 404, 418, 500, 503, 599])
def test_status_answers_any_code(web: SimWeb, code: int) -> None:
    reply = get(web.url, f"/status/{code}")
    assert reply.status == code and str(code) in reply.text()


def test_status_redirects_carry_a_location_and_empty_codes_no_body(web: SimWeb) -> None:
    moved = get(web.url, "/status/301")
    assert moved.status == 301 and moved.header("Location") == "/news/"
    empty = get(web.url, "/status/204")
    assert empty.status == 204 and empty.body == b""
    assert get(web.url, "/status/700").status == 400


def test_flaky_fails_twice_per_key_then_serves_the_article(web: SimWeb) -> None:
    first, second, third = (get(web.url, "/flaky/a") for _ in range(3))
    assert [first.status, second.status, third.status] == [503, 503, 200]
    assert first.header("Retry-After") == "1"
    assert Selector(text=third.text()).css("h1::text").get() == "省气象台发布寒潮蓝色预警 局地降温超过10℃"
    assert get(web.url, "/flaky/b").status == 503
    assert get(web.url, "/flaky/a").status == 200


def test_slow_answers_after_the_wait(web: SimWeb) -> None:
    reply = get(web.url, "/slow?seconds=0.1")
    assert reply.status == 200 and "0.1秒" in reply.text()


def test_slow_waits_at_most_thirty_seconds() -> None:
    stopping = threading.Event()
    stopping.set()
    assert "30秒" in Traps(stopping).slow("100").body.decode()
    assert "0秒" in Traps(stopping).slow("-5").body.decode()


def test_reset_drops_the_connection_without_an_answer(web: SimWeb) -> None:
    with pytest.raises(ConnectionError):
        get(web.url, "/reset")
    assert get(web.url, "/robots.txt").status == 200


def test_redirect_loop_points_at_itself(web: SimWeb) -> None:
    reply = get(web.url, "/redirect-loop")
    assert reply.status == 302 and reply.header("Location") == "/redirect-loop"


def test_huge_is_twenty_megabytes_streamed(web: SimWeb) -> None:
    parts = urlsplit(web.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", "/huge")
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == HUGE_SIZE == 20 * 1024 * 1024
        received, last = 0, b""
        while chunk := response.read(1 << 20):
            received, last = received + len(chunk), chunk
        assert received == HUGE_SIZE and last.endswith(b"</html>\n")
    finally:
        connection.close()


def test_huge_survives_a_client_that_hangs_up(web: SimWeb) -> None:
    parts = urlsplit(web.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", "/huge")
        assert connection.getresponse().read(4096).startswith(b"<!DOCTYPE html>")
    finally:
        connection.close()
    assert get(web.url, "/robots.txt").status == 200


def test_invalid_feed_is_not_well_formed(web: SimWeb) -> None:
    reply = get(web.url, "/feeds/invalid.xml")
    assert reply.status == 200
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(reply.body)


def test_bomb_feed_declares_nested_entities_and_is_small(web: SimWeb) -> None:
    reply = get(web.url, "/feeds/bomb.xml")
    assert reply.status == 200 and len(reply.body) < 2048
    declared: list[str] = []

    def on_entity(name: str, *rest: object) -> None:
        declared.append(name)
        if name == "lol9":
            raise EntityDeclared  # stop before anything expands

    parser = expat.ParserCreate()
    parser.EntityDeclHandler = on_entity
    with pytest.raises(EntityDeclared):
        parser.Parse(reply.body, True)
    assert declared == ["lol"] + [f"lol{level}" for level in range(1, 10)]
    assert reply.body.count(b"&lol8;") == 10

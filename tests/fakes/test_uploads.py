"""The fake's sendPhoto and sendDocument, over real HTTP with PTB's own multipart encoding."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Iterator

import pytest
import telegram
from telegram.error import BadRequest

from tests.fakes.telegram_server import FakeTelegramServer, png_dimensions

TOKEN = "123456:TEST-token"
USER_ID = 4242


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(max_poll_wait=0.3) as fake:
        fake.user(USER_ID, "Ada")
        yield fake


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=server.base_url) as ptb_bot:
        yield ptb_bot


async def test_photo_upload_is_recorded_with_its_bytes_and_dimensions(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    picture = png(40, 30)
    message = await bot.send_photo(
        USER_ID, picture, caption="<b>Hi</b> &amp; bye", parse_mode="HTML", filename="p.png"
    )
    assert (message.photo[-1].width, message.photo[-1].height) == (40, 30)
    assert message.caption == "Hi & bye"
    assert message.caption_entities[0].type == "bold"
    [request] = server.requests_for("sendPhoto")
    assert request.params["photo"]["content"] == picture
    assert request.params["photo"]["filename"] == "p.png"


async def test_caption_limit_counts_text_after_html_parsing(bot: telegram.Bot) -> None:
    await bot.send_photo(USER_ID, png(2, 2), caption="<b>" + "x" * 1024 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(USER_ID, png(2, 2), caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_photo(USER_ID, png(2, 2), caption="<b>open", parse_mode="HTML")


async def test_photos_that_are_not_images_or_too_long_are_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(USER_ID, b"GIF89a not a png at all, sorry")
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.send_photo(USER_ID, png(500, 10))


async def test_document_upload_keeps_its_name_and_size(
    server: FakeTelegramServer, bot: telegram.Bot
) -> None:
    data = b"a,b\n1,2\n"
    message = await bot.send_document(USER_ID, data, filename="answers.csv", caption="2 rows")
    assert message.document is not None
    assert (message.document.file_name, message.document.file_size) == ("answers.csv", len(data))
    assert message.caption == "2 rows"
    assert server.requests_for("sendDocument")[0].params["document"]["content"] == data


async def test_a_send_without_the_file_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)parameter "document" is required'):
        await bot.send_document(USER_ID, "")  # type: ignore[arg-type]


def test_png_dimensions_reads_ihdr() -> None:
    assert png_dimensions(png(1080, 1620)) == (1080, 1620)

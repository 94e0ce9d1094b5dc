"""Telegram-flavoured HTML parsing, as the Bot API does for ``parse_mode="HTML"``.

The fake Telegram server uses this to reject markup that the real Bot API would reject, and to
compute the plain text and entities that Telegram would store, so tests see what a user sees.

The parser follows TDLib's ``parse_html`` (tag scanning, attribute syntax, error wording and
byte offsets). By default it is *stricter* than Telegram in a few places, on purpose, because
each of them is an escaping bug in the bot even when Telegram happens to accept it:

* a bare ``&`` or ``>`` in text, and entities without the closing ``;``;
* named entities other than ``&lt; &gt; &amp; &quot;`` (Telegram would show ``&nbsp;`` literally);
* ``<a>`` without ``href``.

Pass ``strict=False`` to get Telegram's exact leniency for those cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SUPPORTED_TAGS", "HtmlParseError", "parse_html", "utf16_len"]

# Tag name -> entity type it produces (see https://core.telegram.org/bots/api#html-style).
_TAG_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
SUPPORTED_TAGS = frozenset(_TAG_ENTITY_TYPES)

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(
    r"&(?:#(?P<dec>[0-9]+)|#[xX](?P<hex>[0-9a-fA-F]+)|(?P<name>[A-Za-z][A-Za-z0-9]*))(?P<semi>;?)"
)
# TDLib's is_space(): ASCII whitespace only, so "<b\u00a0>" is an unsupported tag "b\u00a0".
_SPACES = frozenset(" \t\r\n\v\f")
_NAME_TOKEN_CHARS = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlParseError(ValueError):
    """Markup Telegram refuses; ``str(err)`` is the detail Telegram puts after its prefix."""

    @property
    def description(self) -> str:
        """The full Bot API error description, as returned with HTTP 400."""
        return f"Bad Request: can't parse entities: {self}"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram entity offsets and length limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(markup: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)`` or raise :class:`HtmlParseError`.

    Entities are Bot API ``MessageEntity`` dicts with UTF-16 offsets, sorted by offset (longer
    first on ties); empty elements produce no entity, as in Telegram.
    """
    return _HtmlParser(markup, strict=strict).parse()


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    byte_offset: int  # where "<" is in the markup, for error messages
    utf16_offset: int  # where the element's content starts in the plain text
    char_index: int  # same, as an index into the output character list
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a language taken from inner <code>


class _HtmlParser:
    """Single-pass scanner; one instance per markup string."""

    def __init__(self, markup: str, *, strict: bool) -> None:
        self.src = markup
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    # -- driver -----------------------------------------------------------------------------

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._read_char_entity()
            elif char == "<":
                self._read_tag()
            elif char == ">" and self.strict:
                raise HtmlParseError(f'Unescaped ">" at byte offset {self._byte(self.pos)}')
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def _emit(self, text: str) -> None:
        for char in text:
            self.out.append(char)
            self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def _byte(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8", "surrogatepass"))

    def _skip_spaces(self, index: int) -> int:
        while index < len(self.src) and self.src[index] in _SPACES:
            index += 1
        return index

    # -- character entities -----------------------------------------------------------------

    def _read_char_entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        decoded = _decode_entity(match) if match else None
        if match and decoded is not None and (match["semi"] or not self.strict):
            self._emit(decoded)
            self.pos = match.end()
            return
        if self.strict:
            raise HtmlParseError(self._entity_error(match))
        self._emit("&")  # Telegram keeps undecodable "&..." as literal text
        self.pos += 1

    def _entity_error(self, match: re.Match[str] | None) -> str:
        offset = self._byte(self.pos)
        if match is None or (match["name"] and not match["semi"] and _decode_entity(match) is None):
            return f"Character entity expected at byte offset {offset}"  # a bare "&", as in R&D
        if match["name"] and match["name"] not in _NAMED_ENTITIES:
            return f'Unsupported HTML entity "{match[0]}" at byte offset {offset}'
        if not match["semi"] and _decode_entity(match) is not None:
            return f'Character entity "{match[0]}" must end with ";" at byte offset {offset}'
        return f'Invalid character reference "{match[0]}" at byte offset {offset}'

    # -- tags -------------------------------------------------------------------------------

    def _read_tag(self) -> None:
        if self.src.startswith("</", self.pos):
            self._read_end_tag()
        else:
            self._read_start_tag()

    def _read_start_tag(self) -> None:
        begin = self.pos
        index = begin + 1
        while index < len(self.src) and self.src[index] not in _SPACES and self.src[index] != ">":
            index += 1
        if index >= len(self.src):
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = self.src[begin + 1 : index].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}'
            )
        attrs, index = self._read_attributes(index, name, begin)
        self._check_required_attributes(name, attrs, begin)
        self.stack.append(
            _OpenTag(name, attrs, self._byte(begin), self.utf16, len(self.out), extra={})
        )
        self.pos = index + 1

    def _read_attributes(self, index: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
        """Read ``name=value`` pairs up to the closing ``>``; returns the attrs and its index."""
        attrs: dict[str, str] = {}
        while True:
            index = self._skip_spaces(index)
            if index >= len(self.src):
                raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            if self.src[index] == ">":
                return attrs, index
            name_start = index
            while index < len(self.src) and self.src[index] not in _SPACES | {"=", ">"}:
                index += 1
            name = self.src[name_start:index].lower()
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._byte(begin)}'
                )
            index = self._skip_spaces(index)
            if index < len(self.src) and self.src[index] == "=":
                attrs[name], index = self._read_attribute_value(index + 1, begin)
            else:
                attrs[name] = ""  # value-less attribute, e.g. <blockquote expandable>

    def _read_attribute_value(self, index: int, begin: int) -> tuple[str, int]:
        index = self._skip_spaces(index)
        if index >= len(self.src):
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        quote = self.src[index]
        if quote not in "\"'":
            token = _NAME_TOKEN_CHARS.match(self.src, index)
            assert token is not None  # the pattern matches the empty string
            end = token.end()
            if end < len(self.src) and self.src[end] not in _SPACES and self.src[end] != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self._byte(index)}"
                )
            return token[0].lower(), end
        end = self.src.find(quote, index + 1)
        if end < 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        return _decode_attribute(self.src[index + 1 : end]), end + 1

    def _check_required_attributes(self, name: str, attrs: dict[str, str], begin: int) -> None:
        offset = self._byte(begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        required = {"tg-emoji": "emoji-id", "tg-time": "unix"}
        if self.strict:
            required["a"] = "href"
        attribute = required.get(name)
        if attribute and not attrs.get(attribute):
            raise HtmlParseError(
                f'Tag "{name}" must have attribute "{attribute}" at byte offset {offset}'
            )

    def _read_end_tag(self) -> None:
        begin = self.pos
        offset = self._byte(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        index = begin + 2
        while index < len(self.src) and self.src[index] not in _SPACES and self.src[index] != ">":
            index += 1
        name = self.src[begin + 2 : index].lower()
        index = self._skip_spaces(index)
        if index >= len(self.src) or self.src[index] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        expected = self.stack[-1].name
        if name and name != expected:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                f'found "</{name}>"'
            )
        self.pos = index + 1
        self._close(self.stack.pop())

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.utf16_offset
        language = _code_language(tag)
        parent = self.stack[-1] if self.stack else None
        if language and parent and parent.name == "pre" and parent.utf16_offset == tag.utf16_offset:
            # <pre><code class="language-x">...</code></pre> is one "pre" entity with a language.
            parent.extra["language"] = language
            return
        if length == 0:
            return
        entity: dict[str, Any] = {
            "type": _TAG_ENTITY_TYPES[tag.name],
            "offset": tag.utf16_offset,
            "length": length,
        }
        entity.update(self._entity_extras(tag))
        self.entities.append(entity)

    def _entity_extras(self, tag: _OpenTag) -> dict[str, Any]:
        """The entity fields that depend on attributes: url, language, emoji id, etc."""
        attrs = tag.attrs
        if tag.name == "a":
            return {"url": attrs.get("href") or "".join(self.out[tag.char_index :])}
        if tag.name == "pre" and "language" in tag.extra:
            return {"language": tag.extra["language"]}
        if tag.name == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if tag.name == "tg-emoji":
            return {"custom_emoji_id": attrs["emoji-id"]}
        if tag.name == "tg-time":
            extras: dict[str, Any] = {"unix_time": int(attrs["unix"] or 0)}
            if attrs.get("format"):
                extras["date_time_format"] = attrs["format"]
            return extras
        return {}


def _code_language(tag: _OpenTag) -> str | None:
    css_class = tag.attrs.get("class", "")
    if tag.name == "code" and css_class.startswith("language-"):
        return css_class.removeprefix("language-") or None
    return None


def _decode_entity(match: re.Match[str]) -> str | None:
    """The character an entity stands for, or None when Telegram can't decode it."""
    if match["name"] is not None:
        return _NAMED_ENTITIES.get(match["name"])
    digits = match["dec"] if match["dec"] is not None else match["hex"]
    if len(digits) > 7:
        return None
    code_point = int(digits, 10 if match["dec"] is not None else 16)
    if not 0 < code_point < 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return None
    return chr(code_point)


def _decode_attribute(raw: str) -> str:
    """Decode entities in a quoted attribute value; undecodable ones stay literal (as TDLib)."""

    def replace(match: re.Match[str]) -> str:
        decoded = _decode_entity(match)
        return match[0] if decoded is None else decoded

    return _ENTITY_RE.sub(replace, raw)

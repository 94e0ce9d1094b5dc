"""An in-process Bot API for handler tests: a PTB `BaseRequest` that answers like Telegram.

No network. It records every call, enforces the limits that matter to this bot
(poll sizes, explanation, message length, HTML that Telegram can parse, callback
data size) and answers with Bot API 10.0-shaped objects PTB 22.8 accepts.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from tests.fakes.html_check import HtmlParseError, parse_html, utf16_len

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Quiz Tutor",
    "username": "quiz_tutor_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


class BadRequest(Exception):
    pass


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class OfflineBotApi:
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        call = Call(method, params)
        self.calls.append(call)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        try:
            result = getattr(self, f"_{method}", self._ok)(params)
        except BadRequest as error:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
        call.result = result
        return 200, {"ok": True, "result": result}

    # -- queries for tests -------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            call.result["text"]
            for call in self.calls
            if call.method in ("sendMessage", "editMessageText")
            and (chat_id is None or call.params["chat_id"] == chat_id)
        ]

    def last_poll(self) -> dict[str, Any]:
        return dict(self.of("sendPoll")[-1].result)

    def clear(self) -> None:
        self.calls.clear()

    # -- methods -----------------------------------------------------------------------
    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params["commands"]:
            if not 1 <= len(command["description"]) <= 256:
                raise BadRequest("command description length must be 1-256")
        return True

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = self._text(params)
        message = self._message(params["chat_id"], text=text, entities=entities)
        self._markup(params, message)
        return message

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[(params["chat_id"], params["message_id"])]
        text, entities = self._text(params)
        message.update(text=text, entities=entities)
        message.pop("reply_markup", None)
        self._markup(params, message)
        return message

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[(params["chat_id"], params["message_id"])]
        message.pop("reply_markup", None)
        self._markup(params, message)
        return message

    def _sendPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        question = params["question"]
        options = [o if isinstance(o, str) else o["text"] for o in params["options"]]
        if not 1 <= len(question) <= 300:
            raise BadRequest("poll question length must not exceed 300")
        if not 2 <= len(options) <= 12:
            raise BadRequest("POLL_ANSWERS_INVALID")
        if any(not 1 <= len(option) <= 100 for option in options):
            raise BadRequest("poll option length must not exceed 100")
        explanation = params.get("explanation") or ""
        if len(explanation) > 200 or explanation.count("\n") > 2:
            raise BadRequest("explanation is too long")
        correct = params.get("correct_option_ids")
        if params.get("type") == "quiz" and (not correct or not 0 <= correct[0] < len(options)):
            raise BadRequest("wrong correct option id")
        poll = {
            "id": f"poll-{next(self._ids)}",
            "question": question,
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": f"o{index}"}
                for index, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True),
            "type": params.get("type", "regular"),
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
            "correct_option_ids": correct or [],
            "explanation": explanation or None,
        }
        if params.get("open_period"):
            poll["open_period"] = params["open_period"]
        return self._message(params["chat_id"], poll=poll)

    def _stopPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[(params["chat_id"], params["message_id"])]
        poll: dict[str, Any] = message["poll"]
        poll["is_closed"] = True
        return poll

    def _getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        status = "administrator" if params["user_id"] in self.admins else "member"
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": params["user_id"], "is_bot": False, "first_name": "Member"},
        }
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return member

    admins: set[int] = field(default_factory=set)

    # -- helpers -----------------------------------------------------------------------
    def _text(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text = params["text"]
        entities: list[dict[str, Any]] = []
        if params.get("parse_mode") == "HTML":
            try:
                text, entities = parse_html(text)
            except HtmlParseError as error:
                raise BadRequest(f"can't parse entities: {error}") from error
        if not text.strip():
            raise BadRequest("message text is empty")
        if utf16_len(text) > 4096:
            raise BadRequest("message is too long")
        return text, entities

    def _markup(self, params: dict[str, Any], message: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise BadRequest("BUTTON_DATA_INVALID")
        message["reply_markup"] = markup

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": "Learner"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": "Study group"}
        )
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }
        self.messages[(chat_id, message_id)] = message
        return message


class OfflineRequest(BaseRequest):
    """PTB request class answering from an OfflineBotApi, never the network."""

    def __init__(self, api: OfflineBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        status, body = self.api.handle(api_method, params)
        return status, json.dumps(body).encode()

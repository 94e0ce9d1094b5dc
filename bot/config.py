"""Settings, validated once at start-up and passed in (never read from os.environ elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    telegram_base_url: str = TELEGRAM_API_URL
    database_path: Path = Path("data/quiz.sqlite3")
    # postgresql://user:password@host:port/dbname selects PostgreSQL; unset: the SQLite file
    # at DATABASE_PATH. A secret: its password never reaches a log line.
    database_url: SecretStr | None = None
    # PostgreSQL connections per process (a bounded pool; waiting for one times out).
    database_pool_size: int = Field(default=10, ge=2, le=100)
    content_dir: Path = Path("content")
    log_level: str = "INFO"
    webhook_url: str | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # The Mini App dashboard (bot/web): its public HTTPS address (unset: no dashboard), the
    # port it listens on (default PORT; in webhook mode PTB listens on PORT, so another one),
    # the address it binds, and the short name given to it in @BotFather's /newapp (group
    # dashboards open through t.me/<bot>/<short name>?startapp=…).
    miniapp_url: str | None = None
    miniapp_port: int | None = Field(default=None, ge=1, le=65535, validate_default=True)
    miniapp_listen: str = "0.0.0.0"
    miniapp_short_name: str = Field(default="dashboard", pattern=r"^[A-Za-z0-9_]{3,30}$")
    # Sending caps: Telegram allows about 30 messages/s overall and 20/min per group.
    overall_max_rate: int = Field(default=30, gt=1)
    group_max_rate_per_minute: int = Field(default=20, ge=5)
    # How many new items a learner meets per day in revision.
    new_items_per_day: int = Field(default=10, ge=0, le=200)
    # The lapse that makes a question a leech: its miss is followed by the worked solution.
    leech_lapses: int = Field(default=4, ge=2, le=50)

    # Telegram user ids allowed to /reload the decks (comma-separated in the environment).
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isascii() and part.isdigit() for part in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 123,456")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("database_url", mode="after")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (e.g. postgresql://user@host/db)")
        return value

    @property
    def database_target(self) -> Path | str:
        """What the storage opens: the PostgreSQL URL when DATABASE_URL is set, else the file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database_path

    @property
    def database_description(self) -> str:
        """The database as logs may show it (a URL without its password)."""
        if self.database_url is None:
            return str(self.database_path)
        from bot.storage.postgres import redact_url

        return redact_url(self.database_url.get_secret_value())

    @field_validator("miniapp_port")
    @classmethod
    def _own_port_with_webhook(cls, value: int | None, info: ValidationInfo) -> int | None:
        both = info.data.get("webhook_url") and info.data.get("miniapp_url")
        if both and (value is None or value == info.data.get("port")):
            raise ValueError(
                "must be set, and differ from PORT, when WEBHOOK_URL and MINIAPP_URL are"
                " both set (the webhook server listens on PORT)"
            )
        return value

    @property
    def dashboard_port(self) -> int:
        return self.miniapp_port if self.miniapp_port is not None else self.port

    @property
    def base_file_url(self) -> str:
        return self.telegram_base_url.replace("/bot", "/file/bot", 1)

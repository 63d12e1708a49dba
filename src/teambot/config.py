"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is wrong; the message names it. The CLI prints it and exits with code 2."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///teambot.db", validation_alias="TEAMBOT_DATABASE_URL")
    timezone: str = Field(default="Europe/Copenhagen", validation_alias="TEAMBOT_TIMEZONE")
    language: Literal["da", "en"] = Field(default="da", validation_alias="TEAMBOT_LANGUAGE")
    public_url: str | None = Field(default=None, validation_alias="TEAMBOT_PUBLIC_URL")
    retention_months: int = Field(default=24, ge=1, le=240, validation_alias="TEAMBOT_RETENTION_MONTHS")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            # The value is not echoed: it may hold a password.
            raise ValueError(
                "malformed database URL (expected sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DATABASE)"
            ) from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token)


def load_settings(*, http: bool = False, **overrides: object) -> Settings:
    """Read and validate the settings; raise ConfigError naming the first wrong one."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = _env_name(field)
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    if http and not settings.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET: required in HTTP mode (teambot run --http)")
    if http and not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN: required in HTTP mode (teambot run --http)")
    if settings.slack_app_token and not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set (Socket Mode)")
    return settings


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field.upper()

"""Settings: a wrong value stops start-up with one message naming the setting, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers_foundation import clean_env, run_teambot
from teambot.cli import app
from teambot.config import ConfigError, load_settings
from teambot.store.db import async_url, sync_url

# (arguments, environment, the setting the message must name, a phrase that says what is wrong)
BAD_SETTINGS = {
    "unknown language": (["run"], {"TEAMBOT_LANGUAGE": "fr"}, "TEAMBOT_LANGUAGE", "'da' or 'en'"),
    "unknown timezone": (["run"], {"TEAMBOT_TIMEZONE": "Europe/Atlantis"}, "TEAMBOT_TIMEZONE", "Europe/Atlantis"),
    "malformed database URL": (
        ["run"],
        {"TEAMBOT_DATABASE_URL": "not a url at all"},
        "TEAMBOT_DATABASE_URL",
        "malformed",
    ),
    "database URL with a malformed port": (
        ["run"],
        {"TEAMBOT_DATABASE_URL": "postgresql://bot@db.example:fivefourthreetwo/teambot"},
        "TEAMBOT_DATABASE_URL",
        "malformed",
    ),
    "unsupported database": (
        ["run"],
        {"TEAMBOT_DATABASE_URL": "mysql://root@localhost/teambot"},
        "TEAMBOT_DATABASE_URL",
        "mysql",
    ),
    "HTTP mode without signing secret": (
        ["run", "--http"],
        {"SLACK_BOT_TOKEN": "xoxb-test"},
        "SLACK_SIGNING_SECRET",
        "--http",
    ),
    "bot token without app token": (["run"], {"SLACK_BOT_TOKEN": "xoxb-test"}, "SLACK_APP_TOKEN", "Socket Mode"),
    "app token without bot token": (["run"], {"SLACK_APP_TOKEN": "xapp-test"}, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "bad setting stops the shell too": (["shell"], {"TEAMBOT_LANGUAGE": "sv"}, "TEAMBOT_LANGUAGE", "'da' or 'en'"),
    "bad setting stops the import too": (
        ["import", "roster.toml"],
        {"TEAMBOT_TIMEZONE": "Nowhere"},
        "TEAMBOT_TIMEZONE",
        "Nowhere",
    ),
}


@pytest.mark.parametrize(("args", "env", "setting", "phrase"), BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_setting_stops_start_up_with_one_message_naming_it(
    tmp_path: Path, args: list[str], env: dict[str, str], setting: str, phrase: str
) -> None:
    result = CliRunner().invoke(app, args, env=env)

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an exception escaping
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"teambot: setting error: {setting}:")
    assert phrase in lines[0]
    # Start-up stopped before anything was created.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "env", "setting"),
    [
        (["run"], {"TEAMBOT_TIMEZONE": "Europe/Atlantis"}, "TEAMBOT_TIMEZONE"),
        (["run", "--http", "--port", "1"], {}, "SLACK_SIGNING_SECRET"),
    ],
    ids=["timezone", "signing secret"],
)
def test_real_executable_prints_no_traceback(
    tmp_path: Path, args: list[str], env: dict[str, str], setting: str
) -> None:
    result = run_teambot(*args, cwd=tmp_path, env=clean_env(**env))

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"teambot: setting error: {setting}:")


@pytest.mark.parametrize(
    "url", ["postgresql//bot:hunter2@db.example/teambot", "postgresql://bot:hunter2@db.example:port/teambot"]
)
def test_malformed_database_url_error_does_not_echo_the_password(url: str) -> None:
    result = CliRunner().invoke(app, ["run"], env={"TEAMBOT_DATABASE_URL": url})

    assert result.exit_code == 2
    assert result.stderr.startswith("teambot: setting error: TEAMBOT_DATABASE_URL:")
    assert "hunter2" not in result.stderr


def test_a_database_url_asking_for_what_rating_s_driver_cannot_do_is_refused_by_name_before_anything_runs() -> None:
    """`/rating` runs on asyncpg on PostgreSQL (store/direct_pool.py): a URL parameter it cannot honour is refused
    when the bot starts, in one line naming it, not by every /rating later; nothing is connected to or migrated."""
    url = "postgresql://bot:hunter2@127.0.0.1:9/teambot?hostaddr=127.0.0.1"
    result = CliRunner().invoke(app, ["run"], env={"TEAMBOT_DATABASE_URL": url})

    assert result.exit_code == 2
    assert result.stderr == (
        "teambot: TEAMBOT_DATABASE_URL: hostaddr=127.0.0.1 (the database URL's or libpq's environment's) is not "
        "supported by asyncpg\n"
    )


def test_dotenv_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TEAMBOT_LANGUAGE=fr\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["run"])

    assert result.exit_code == 2
    assert result.stderr.startswith("teambot: setting error: TEAMBOT_LANGUAGE:")


def test_dotenv_values_are_used(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# comment\nTEAMBOT_LANGUAGE=en\nTEAMBOT_TIMEZONE=America/Nuuk\n"
        "SLACK_API_URL=http://127.0.0.1:9/api\nTEAMBOT_DATABASE_URL=sqlite:///elsewhere.db\n",
        encoding="utf-8",
    )

    settings = load_settings()

    assert settings.language == "en"
    assert settings.timezone == "America/Nuuk"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"  # a trailing slash is added
    assert settings.database_url == "sqlite:///elsewhere.db"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("TEAMBOT_LANGUAGE=fr\n", encoding="utf-8")
    monkeypatch.setenv("TEAMBOT_LANGUAGE", "en")

    assert load_settings().language == "en"


def test_defaults() -> None:
    settings = load_settings()

    assert settings.language == "da"
    assert settings.timezone == "Europe/Copenhagen"
    assert settings.database_url == "sqlite:///teambot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.slack_configured


def test_http_mode_with_signing_secret_is_accepted() -> None:
    settings = load_settings(http=True, SLACK_SIGNING_SECRET="s3cret", SLACK_BOT_TOKEN="xoxb-test")

    assert settings.slack_signing_secret == "s3cret"


def test_config_error_names_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^TEAMBOT_TIMEZONE: unknown timezone 'Mars/Olympus'$"):
        load_settings(TEAMBOT_TIMEZONE="Mars/Olympus")


@pytest.mark.parametrize(
    ("url", "async_form", "sync_form"),
    [
        ("sqlite:///teambot.db", "sqlite+aiosqlite:///teambot.db", "sqlite:///teambot.db"),
        (
            "sqlite:////var/lib/teambot/t.db",
            "sqlite+aiosqlite:////var/lib/teambot/t.db",
            "sqlite:////var/lib/teambot/t.db",
        ),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db", "sqlite:///x.db"),
        (
            "postgresql://bot:pw@db.example:5433/teambot",
            "postgresql+psycopg://bot:pw@db.example:5433/teambot",
            "postgresql+psycopg://bot:pw@db.example:5433/teambot",
        ),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ],
)
def test_plain_urls_map_to_the_drivers(url: str, async_form: str, sync_form: str) -> None:
    assert async_url(url).render_as_string(hide_password=False) == async_form
    assert sync_url(url).render_as_string(hide_password=False) == sync_form


def test_unsupported_backend_is_refused_by_the_url_mapping() -> None:
    with pytest.raises(ValueError, match="mysql"):
        async_url("mysql://h/db")
    with pytest.raises(ValueError, match="mysql"):
        sync_url("mysql://h/db")

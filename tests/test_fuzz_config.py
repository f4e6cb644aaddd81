"""Property tests: no sources.yaml, however broken, gets anything but a Config or a ConfigError."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import parse_config
from pipeline.errors import ConfigError

KEYS = [
    "id",
    "name",
    "kind",
    "url",
    "links",
    "next",
    "max_pages",
    "content",
    "include",
    "exclude",
    "enabled",
    "bogus",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        ["feed", "listing", "sitemap", "page", "https://example.org/a", "a.teaser", "a[", "(", "x-1"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
sources = st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=8) | values, max_size=4)
settings_maps = st.dictionaries(
    st.sampled_from(
        ["database", "timezone", "schedule", "timeout_s", "per_host_delay_s", "max_bytes", "digest", "nope"]
    ),
    values,
    max_size=4,
)


def assert_config_or_config_error(text: str) -> None:
    try:
        config = parse_config(text)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert all(s.id for s in config.sources)


@settings(max_examples=300, deadline=None)
@given(settings_maps, sources)
def test_structured_garbage_gives_config_or_config_error(settings_map: dict, source_list: list) -> None:
    assert_config_or_config_error(yaml.safe_dump({"settings": settings_map, "sources": source_list}))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_config_or_config_error(text: str) -> None:
    assert_config_or_config_error(text)

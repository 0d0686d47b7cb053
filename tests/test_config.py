"""Settings: what `Config.check` refuses before a server starts, each naming the variable and an example."""
from __future__ import annotations

import pytest

from api.config import Config, ConfigError
from conftest import SECRET


def checked(**env: str) -> Config:
    return Config.from_env({"EMBEDASH_SECRET_KEYS": SECRET, **env}).check()


@pytest.mark.parametrize("value", ["embed.example.com", "//embed.example.com", "ftp://embed.example.com", "https://"])
def test_public_url_without_http_or_https_is_refused(value):
    with pytest.raises(ConfigError, match=r"EMBEDASH_PUBLIC_URL .*https://embed\.example\.com"):
        checked(EMBEDASH_PUBLIC_URL=value)


@pytest.mark.parametrize("value", ["https://embed.example.com", "http://127.0.0.1:8050/", "https://example.com/billing"])
def test_public_url_with_http_or_https_is_taken(value):
    assert checked(EMBEDASH_PUBLIC_URL=value).public_url == value.rstrip("/")


@pytest.mark.parametrize("value", ["app.example.com; script-src *", "https://a.example https://b.example", "'self'",
                                   "'none'", '"https://app.example.com"', "https://app.example.com'", "https://app example.com"])
def test_frame_ancestor_that_is_not_a_host_or_scheme_source_is_refused(value):
    with pytest.raises(ConfigError, match=r"EMBEDASH_FRAME_ANCESTORS: .* e\.g\. https://app\.example\.com"):
        checked(EMBEDASH_FRAME_ANCESTORS=value)


def test_frame_ancestors_take_host_and_scheme_sources():
    value = ("https://app.example.com, http://localhost:8050,*.example.org,https://*.example.net:443/billing/,"
             "https:,app.example.io")
    assert checked(EMBEDASH_FRAME_ANCESTORS=value).frame_ancestors == [
        "https://app.example.com", "http://localhost:8050", "*.example.org", "https://*.example.net:443/billing/",
        "https:", "app.example.io"]


def test_negative_compact_rows_is_refused():
    with pytest.raises(ConfigError, match=r"EMBEDASH_COMPACT_ROWS .*e\.g\. 500000"):
        checked(EMBEDASH_COMPACT_ROWS="-1")


def test_compact_rows_zero_turns_compaction_off():
    assert checked(EMBEDASH_COMPACT_ROWS="0").compact_rows == 0


def test_a_setting_that_is_not_a_whole_number_gives_an_example():
    with pytest.raises(ConfigError, match=r"EMBEDASH_TOKEN_TTL must be a whole number .*e\.g\. 3600.*'1h'"):
        Config.from_env({"EMBEDASH_TOKEN_TTL": "1h"})


@pytest.mark.parametrize("value", ["verbose", "info,debug", "CRITICAL", ""])
def test_log_level_that_is_not_one_of_the_four_is_refused(value):
    with pytest.raises(ConfigError, match=r"EMBEDASH_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR \(e\.g\. INFO\)"):
        checked(EMBEDASH_LOG_LEVEL=value)


def test_log_level_is_taken_in_any_case_and_defaults_to_info():
    assert checked(EMBEDASH_LOG_LEVEL=" warning ").log_level == "WARNING"
    assert checked().log_level == "INFO"

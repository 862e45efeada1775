import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from fokus.lib.env import env_bool


@pytest.mark.parametrize("raw, expected", [("true", True), ("1", True), ("off", False),
                                           ("", False), ("No", False)])
def test_a_boolean_setting_reads_plain_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FOKUS_X", raw)
    assert env_bool("FOKUS_X", not expected) is expected


def test_a_boolean_setting_that_is_neither_is_an_error(monkeypatch):
    monkeypatch.setenv("FOKUS_X", "ja")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FOKUS_X", False)


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")}
    env.update(FOKUS_PROFILE="production", DJANGO_SETTINGS_MODULE="fokus.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],  # noqa: S603
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "FOKUS_SECRET_KEY must be set" in result.stderr

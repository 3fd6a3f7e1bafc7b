"""Every on/off setting is read by one parser: the same words mean the same everywhere."""

import pytest
from flask import Flask

from flask_migrate_legacy import errors, shim
from flask_migrate_legacy.switches import parse_switch, read_switch

ON_WORDS = ["1", "true", "TRUE", "yes", "On", " on "]
OFF_WORDS = ["0", "false", "No", "off", " OFF"]


@pytest.mark.parametrize("word", ON_WORDS)
def test_on_words(word):
    assert parse_switch("X", word, default=False) is True


@pytest.mark.parametrize("word", OFF_WORDS)
def test_off_words(word):
    assert parse_switch("X", word, default=True) is False


@pytest.mark.parametrize("value, default", [(None, True), ("", False), ("  ", True), (True, False), (False, True)])
def test_unset_empty_and_real_booleans(value, default):
    expected = default if value is None or (isinstance(value, str)) else value
    assert parse_switch("X", value, default) is expected


@pytest.mark.parametrize("word", ["2", "enable", "nope", "-1"])
def test_anything_else_is_refused_with_the_setting_named(word):
    with pytest.raises(ValueError) as error:
        parse_switch("MIGRATE_LOCK", word, default=True)
    assert str(error.value).startswith("MIGRATE_LOCK must be 1/true/yes/on (on) or 0/false/no/off (off), not ")


def test_the_environment_wins_over_the_app_config(monkeypatch):
    monkeypatch.setenv("MIGRATE_LOCK", "off")
    assert read_switch("MIGRATE_LOCK", True, {"MIGRATE_LOCK": True}) is False
    monkeypatch.delenv("MIGRATE_LOCK")
    assert read_switch("MIGRATE_LOCK", True, {"MIGRATE_LOCK": False}) is False
    assert read_switch("MIGRATE_LOCK", True, {}) is True


def test_the_lock_switch_refuses_a_word_it_does_not_know(monkeypatch):
    from flask_migrate_legacy.lock import lock_enabled

    monkeypatch.setenv("MIGRATE_LOCK", "2")
    with Flask("switches").app_context():
        with pytest.raises(errors.UserError) as error:
            lock_enabled()
    assert "MIGRATE_LOCK must be" in str(error.value) and error.value.exit_code == 1


def test_the_traceback_switch_never_fails_while_an_error_is_shown(monkeypatch):
    monkeypatch.setenv(errors.TRACEBACK_ENV, "2")
    assert errors.traceback_requested() is False
    monkeypatch.setenv(errors.TRACEBACK_ENV, "yes")
    assert errors.traceback_requested() is True


def test_the_alias_switch_keeps_the_aliases_on_a_word_it_does_not_know(monkeypatch, capsys):
    monkeypatch.setenv(shim.DISABLE_ENV, "2")
    assert shim.aliases_disabled() is False
    assert capsys.readouterr().err == (
        "flask-migrate-legacy: FLASK_MIGRATE_LEGACY_NO_ALIASES must be 1/true/yes/on (on) or 0/false/no/off (off), "
        "not '2'; the import aliases stay on\n")

"""The one translator: foreign exceptions and our own errors become one line with the right exit status."""

import sys
import types

import pytest
from alembic.util import CommandError
from flask import Flask

from flask_migrate_legacy.errors import Interrupted, MigrationError, Terminated, UserError
from flask_migrate_legacy.foreign_errors import translate, unreadable_ini
from flask_migrate_legacy.lock import LockLost
from flask_migrate_legacy.operations import current, upgrade

NO_DATABASE = types.SimpleNamespace(db=None, configure_args={})


@pytest.fixture
def app_context():
    with Flask("translate").app_context():
        yield


def test_our_migration_errors_pass_through_unchanged(app_context):
    error = MigrationError("as worded where it was found")
    assert translate(error, NO_DATABASE) is error


def test_another_user_error_keeps_its_words_and_exit_status(app_context):
    class Refused(UserError):
        exit_code = 2

    translated = translate(Refused("MIGRATE_LOCK must be ..."), NO_DATABASE, None, upgrade)
    assert isinstance(translated, MigrationError)
    assert (str(translated), translated.exit_code) == ("MIGRATE_LOCK must be ...", 2)


@pytest.mark.parametrize("interrupt, status, said", [(KeyboardInterrupt(), 130, "interrupted (Ctrl-C)"),
                                                     (Terminated(), 143, "terminated (SIGTERM)")])
def test_an_interrupt_before_the_operation_started_changed_nothing(interrupt, status, said):
    translated = translate(interrupt, None, None, upgrade)
    assert isinstance(translated, Interrupted) and translated.exit_code == status
    assert str(translated) == "%s before upgrade started: nothing was changed" % said


def test_an_interrupt_of_a_command_that_writes_nothing_says_no_more(app_context):
    translated = translate(KeyboardInterrupt(), NO_DATABASE, None, current)
    assert (str(translated), translated.exit_code) == ("interrupted (Ctrl-C).", 130)


def test_alembic_errors_without_a_config_are_its_own_words(app_context):
    for text in ("Multiple head revisions are present", "Can't locate revision identified by 'ab'"):
        assert str(translate(CommandError(text), NO_DATABASE, None, upgrade)) == text


def test_a_lost_lock_without_a_reachable_database_adds_no_guess(app_context):
    translated = translate(LockLost("the lock's session ended"), NO_DATABASE, None, upgrade)
    assert isinstance(translated, LockLost) and str(translated) == "the lock's session ended"


def test_only_alembic_ini_problems_are_worded_as_such():
    import configparser

    path = "migrations/alembic.ini"
    assert str(unreadable_ini(configparser.ParsingError(source=path), path)).startswith("cannot read %s: " % path)
    assert unreadable_ini(RuntimeError("a configure callback of the app"), path) is None


@pytest.mark.parametrize("failure", [ValueError("bad value"), LockLost("the lock's session ended"), OSError(28, "No space left on device")])
def test_a_failure_before_the_operation_knew_its_app_state_is_still_one_line(app_context, failure):
    # translate(exc, None, ...) is how a failure before the run is worded: no state, no database to name.
    translated = translate(failure, None, None, upgrade)
    assert isinstance(translated, MigrationError) and translated.exit_code == 1
    assert str(failure).split(":")[0] in str(translated) and "\n" not in str(translated)


# -- the end of a command: standard output flushed, its failure one line -------------------------


class _Stdout:
    def __init__(self, error=None):
        self.error = error

    def write(self, text):
        return len(text)

    def flush(self):
        if self.error is not None:
            raise self.error


def test_a_stdout_that_cannot_be_flushed_is_one_error_a_reader_gone_is_none(monkeypatch):
    import errno

    from flask_migrate_legacy.errors import OutputFailed, flush_output

    monkeypatch.setattr(sys, "stdout", _Stdout(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(OutputFailed) as raised:
        flush_output()
    assert str(raised.value) == "could not write the output (No space left on device): what was written is incomplete"
    assert raised.value.exit_code == 1
    monkeypatch.setattr(sys, "stdout", _Stdout(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    flush_output()  # quiet, as Alembic is
    for stand_in in (None, object()):  # no console (pythonw), or a caller's object without flush()
        monkeypatch.setattr(sys, "stdout", stand_in)
        flush_output()

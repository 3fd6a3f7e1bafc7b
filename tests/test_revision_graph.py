"""The cached revision graph: the same graph Alembic imports, never a stale one, never an error of its own."""

import io
import json
import multiprocessing
import os
import shutil
import sys
import textwrap
from contextlib import redirect_stdout

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from helpers import calls_recorded

from flask_migrate_legacy import graph_commands
from flask_migrate_legacy.revision_graph import CACHE_NAME, script_directory

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(autouse=True)
def no_bytecode_written(monkeypatch):
    """These tests edit revision files in place, keeping their size and time stamp: Python's own bytecode
    cache would then hand the earlier code to any import (Alembic's as much as this package's). What is
    tested here is this package's cache, so no .pyc is written for Python to serve."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
#: Every folder of revision files the project's tests hold.
GALLERIES = [os.path.join(HERE, "doctor_gallery")] + [
    os.path.join(HERE, "project_gallery", name, "migrations", "versions") for name in ("flasky", "blog", "shop")]

PLAIN = '''"""{doc}

Revision ID: {rev}
Revises: {down}
Create Date: 2016-05-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = {rev!r}
down_revision = {down_value}
branch_labels = {labels}
depends_on = {depends}


def upgrade():
    op.execute("SELECT 1")


def downgrade():
    pass
'''


def write_revision(folder, rev, down=None, doc="a revision", labels=None, depends=None, body=None):
    text = body if body is not None else PLAIN.format(doc=doc, rev=rev, down=down, down_value=repr(down),
                                                     labels=repr(labels), depends=repr(depends))
    path = os.path.join(folder, "%s_file.py" % rev)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def migrations(tmp_path, name="migrations"):
    """Return the Config of a migrations folder with an empty versions folder."""
    folder = tmp_path / name
    os.makedirs(str(folder / "versions"))
    (folder / "env.py").write_text("")
    config = Config()
    config.set_main_option("script_location", str(folder))
    return config, str(folder / "versions")


def described(script):
    """Everything the read-only commands show of a ScriptDirectory's graph."""
    revisions = list(script.walk_revisions())
    return {
        "heads": sorted(script.get_heads()),
        "bases": sorted(script.get_bases()),
        "order": [revision.revision for revision in revisions],
        "revisions": {revision.revision: (revision.down_revision, revision.branch_labels, revision.dependencies,
                                          revision.doc, revision.longdoc, str(revision.path), revision.log_entry,
                                          revision.cmd_format(True, include_branches=True, include_doc=True,
                                                              include_parents=True))
                      for revision in revisions},
    }


def imports_counted(monkeypatch):
    """Record the ``(module_id, path)`` of each revision file Alembic's loader imports."""
    from alembic.util import pyfiles

    return calls_recorded(monkeypatch, pyfiles, "load_module_py")


def gallery_migrations(tmp_path, gallery):
    """Return the Config of a migrations folder holding a gallery's revisions (or a generated history)."""
    config, versions = migrations(tmp_path)
    if gallery == "generated":
        a_history(versions)
    else:
        for name in os.listdir(gallery):
            if name.endswith(".py"):
                shutil.copy(os.path.join(gallery, name), versions)
    return config


def a_history(versions):
    """Branches, a merge, a label and a dependency."""
    write_revision(versions, "a1", doc="base one")
    write_revision(versions, "b1", "a1", doc="left", labels=("left",))
    write_revision(versions, "c1", "a1", doc="right")
    write_revision(versions, "d1", ("b1", "c1"), doc="merge")
    write_revision(versions, "e1", None, doc="second base", labels="other")
    write_revision(versions, "f1", "e1", doc="depends", depends="c1")


@pytest.mark.parametrize("gallery", GALLERIES + ["generated"], ids=lambda g: g if g == "generated" else
                         os.path.relpath(g, HERE))
def test_the_cached_graph_is_alembics_cold_and_warm(tmp_path, monkeypatch, gallery):
    config = gallery_migrations(tmp_path, gallery)
    expected = described(ScriptDirectory.from_config(config))
    calls = imports_counted(monkeypatch)
    assert described(script_directory(config)) == expected  # cold: imports each file, fills the cache
    cold = len(calls)
    assert cold == len(expected["order"])
    assert described(script_directory(config)) == expected  # warm
    # only files that do more than define their ids at import are imported again (the galleries' data
    # migrations import their app's models, or define tables)
    assert len(calls) - cold < cold or gallery.endswith("doctor_gallery")


def test_plain_files_are_not_imported_again_and_others_always_are(tmp_path, monkeypatch):
    config, versions = migrations(tmp_path)
    a_history(versions)
    noisy = PLAIN.format(doc="noisy", rev="g1", down="d1", down_value="'d1'", labels=None, depends=None)
    write_revision(versions, "g1", body=noisy.replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\n"
                                                                                   "print('imported g1')\n"))
    calls = imports_counted(monkeypatch)
    assert script_directory(config).get_heads()
    assert len(calls) == 7
    out = io.StringIO()
    with redirect_stdout(out):
        assert script_directory(config).get_heads()
    assert [os.path.basename(path) for _, path in calls[7:]] == ["g1_file.py"]  # it does something at import
    assert out.getvalue() == "imported g1\n"


@pytest.mark.parametrize("edit", ["docstring", "parent"])
def test_an_edit_of_the_same_size_with_the_old_time_stamp_is_never_served_stale(tmp_path, edit):
    config, versions = migrations(tmp_path)
    a_history(versions)
    path = os.path.join(versions, "d1_file.py")
    assert script_directory(config).get_heads()  # fills the cache
    with open(path) as handle:
        text = handle.read()
    stat = os.stat(path)
    if edit == "docstring":
        changed = text.replace('"""merge', '"""MERGE', 1)
    else:  # re-parented: b1 -> c1 stays the same length
        changed = text.replace("down_revision = ('b1', 'c1')", "down_revision = ('a1', 'c1')")
    assert changed != text and len(changed) == len(text)
    with open(path, "w") as handle:
        handle.write(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert described(script_directory(config)) == described(ScriptDirectory.from_config(config))
    revision = script_directory(config).get_revision("d1")
    assert revision.doc == ("MERGE" if edit == "docstring" else "merge")
    assert revision.down_revision == (("b1", "c1") if edit == "docstring" else ("a1", "c1"))


def test_a_project_copied_with_its_cache_reads_its_own_files(tmp_path):
    config, versions = migrations(tmp_path, "first")
    a_history(versions)
    assert script_directory(config).get_heads()
    shutil.copytree(str(tmp_path / "first"), str(tmp_path / "second"))
    copy = Config()
    copy.set_main_option("script_location", str(tmp_path / "second"))
    with open(str(tmp_path / "second" / "versions" / "b1_file.py")) as handle:
        text = handle.read()
    with open(str(tmp_path / "second" / "versions" / "b1_file.py"), "w") as handle:
        handle.write(text.replace('"""left', '"""LEFT'))
    assert script_directory(copy).get_revision("b1").doc == "LEFT"
    assert str(script_directory(copy).get_revision("a1").path).startswith(str(tmp_path / "second"))
    assert script_directory(config).get_revision("b1").doc == "left"
    # a file moved away, or back, is read where it is now
    os.remove(str(tmp_path / "second" / "versions" / "f1_file.py"))
    assert "f1" not in [r.revision for r in script_directory(copy).walk_revisions()]


def _read_graph(location, queue):
    config = Config()
    config.set_main_option("script_location", location)
    try:
        for _ in range(5):
            heads = sorted(script_directory(config).get_heads())
        queue.put(heads)
    except Exception as error:  # reported to the test
        queue.put(repr(error))


def test_concurrent_readers_and_writers_leave_a_whole_cache(tmp_path):
    config, versions = migrations(tmp_path)
    a_history(versions)
    for index in range(40):
        write_revision(versions, "x%02d" % index, "x%02d" % (index - 1) if index else "d1", doc="chain %d" % index)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_read_graph, args=(str(tmp_path / "migrations"), queue)) for _ in range(6)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(60)
    assert results == [["f1", "x39"]] * len(processes)
    with open(str(tmp_path / "migrations" / "__pycache__" / CACHE_NAME)) as handle:
        assert len(json.load(handle)["files"]) == 46
    assert [name for name in os.listdir(str(tmp_path / "migrations" / "__pycache__")) if name.endswith(".tmp")] == []


@pytest.mark.parametrize("damage", ["garbage", "wrong shape", "unwritable", "bad entry"])
def test_a_cache_that_cannot_be_read_or_written_costs_only_the_imports(tmp_path, damage):
    config, versions = migrations(tmp_path)
    a_history(versions)
    cache = tmp_path / "migrations" / "__pycache__" / CACHE_NAME
    if damage == "unwritable":  # a file where the folder should be: nothing can be written there
        (tmp_path / "migrations" / "__pycache__").write_text("not a folder")
    else:
        assert script_directory(config).get_heads()
        if damage == "garbage":
            cache.write_text("{not json")
        elif damage == "wrong shape":
            cache.write_text(json.dumps({"format": 2, "files": []}))
        else:
            data = json.loads(cache.read_text())
            next(iter(data["files"].values()))["down_revision"] = {"os.system": "x"}
            cache.write_text(json.dumps(data))
    assert described(script_directory(config)) == described(ScriptDirectory.from_config(config))


def test_the_read_only_commands_print_what_alembic_prints(tmp_path):
    config, versions = migrations(tmp_path)
    a_history(versions)
    calls = [("heads", {}), ("heads", {"verbose": True, "resolve_dependencies": True}), ("branches", {"verbose": True}),
             ("show", {"rev": "d1"}), ("history", {"verbose": True}), ("history", {"rev_range": "a1:d1"})]
    for name, kwargs in calls:
        for attempt in ("cold", "warm"):
            ours, theirs = io.StringIO(), io.StringIO()
            config.stdout = ours
            getattr(graph_commands, name)(config, **kwargs)
            config.stdout = theirs
            getattr(command, name)(config, **kwargs)
            assert ours.getvalue() == theirs.getvalue(), (name, kwargs, attempt)
            assert ours.getvalue()


def test_a_legacy_file_named_by_its_id_is_left_to_alembic(tmp_path):
    config, versions = migrations(tmp_path)
    with open(os.path.join(versions, "abc123.py"), "w") as handle:
        handle.write(textwrap.dedent('''\
            """no revision variable: Alembic 0.1 named the revision by the file"""
            down_revision = None
        '''))
    assert described(script_directory(config)) == described(ScriptDirectory.from_config(config))


def imported(script):
    """What a run of migrations takes from each revision: its graph, and the module's code that runs."""
    return {revision.revision: (type(revision.module), revision.module.__name__, revision.module.__file__,
                                revision.module.upgrade.__code__.co_code, revision.module.downgrade.__code__.co_code)
            for revision in script.walk_revisions()}


@pytest.mark.parametrize("gallery", GALLERIES + ["generated"], ids=lambda g: g if g == "generated" else
                         os.path.relpath(g, HERE))
def test_a_run_of_migrations_imports_every_file_once_as_alembic_does(tmp_path, monkeypatch, gallery):
    config = gallery_migrations(tmp_path, gallery)
    theirs = ScriptDirectory.from_config(config)
    expected = described(theirs), imported(theirs)
    assert script_directory(config).get_heads()  # a warm cache must not stand in for the code of a run
    calls = imports_counted(monkeypatch)
    ours = script_directory(config, run_code=True)
    assert (described(ours), imported(ours)) == expected
    assert sorted(str(path) for _, path in calls) == sorted(str(revision.path) for revision in theirs.walk_revisions())


def test_a_run_of_migrations_through_a_linked_folder_and_file_finds_alembics_paths(tmp_path):
    config, versions = migrations(tmp_path)
    a_history(versions)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(os.path.join(versions, "f1_file.py"), str(elsewhere / "linked_f1.py"))
    os.symlink(str(elsewhere / "linked_f1.py"), os.path.join(versions, "f1_file.py"))
    os.symlink(str(tmp_path / "migrations"), str(tmp_path / "through-a-link"))
    linked = Config()
    linked.set_main_option("script_location", str(tmp_path / "through-a-link"))
    theirs = ScriptDirectory.from_config(linked)
    ours = script_directory(linked, run_code=True)
    assert (described(ours), imported(ours)) == (described(theirs), imported(theirs))
    assert ours.get_revision("f1").module.__name__ == "linked_f1_py"


def test_a_legacy_file_named_by_its_id_runs_as_alembic_reads_it(tmp_path):
    config, versions = migrations(tmp_path)
    a_history(versions)
    with open(os.path.join(versions, "abc123.py"), "w") as handle:
        handle.write(textwrap.dedent('''\
            """no revision variable: Alembic 0.1 named the revision by the file"""
            down_revision = 'f1'
            def upgrade():
                pass
            def downgrade():
                pass
        '''))
    theirs = ScriptDirectory.from_config(config)
    ours = script_directory(config, run_code=True)
    assert (described(ours), imported(ours)) == (described(theirs), imported(theirs))
    assert ours.get_revision("abc123").down_revision == "f1"


def test_a_file_without_a_revision_or_an_id_for_a_name_is_alembics_error(tmp_path):
    from alembic.util import CommandError

    config, versions = migrations(tmp_path)
    a_history(versions)
    with open(os.path.join(versions, "not_an_id.py"), "w") as handle:
        handle.write("down_revision = None\n")
    with pytest.raises(CommandError) as theirs:
        ScriptDirectory.from_config(config).get_heads()
    with pytest.raises(CommandError) as ours:
        script_directory(config, run_code=True).get_heads()
    assert str(ours.value) == str(theirs.value)


def test_a_file_gone_between_listing_and_import_is_alembics_error(tmp_path, monkeypatch):
    from flask_migrate_legacy import revision_graph

    config, versions = migrations(tmp_path)
    a_history(versions)
    real_listing = revision_graph._listing

    def listing_then_gone(scriptdir):
        found = real_listing(scriptdir)
        os.remove(os.path.join(versions, "c1_file.py"))  # a teammate's checkout, between the two steps
        return found

    monkeypatch.setattr(revision_graph, "_listing", listing_then_gone)
    with pytest.raises(ImportError) as ours:
        script_directory(config, run_code=True).get_heads()
    from alembic.script import Script

    with pytest.raises(ImportError) as theirs:  # Alembic, given the same path, looks for its .pyc
        Script._from_path(ScriptDirectory.from_config(config), os.path.join(os.path.realpath(versions),
                                                                             "c1_file.py"))
    assert str(ours.value) == str(theirs.value)


def test_a_file_edited_between_its_import_and_its_hash_is_never_cached_with_the_old_values(tmp_path, monkeypatch):
    """The cache keeps what the import gave under the hash of the bytes read afterwards: only when both
    describe the same file (an editor saving between the two reads must not pin the old docstring)."""
    from alembic.util import pyfiles

    config, versions = migrations(tmp_path)
    a_history(versions)
    path = os.path.join(versions, "d1_file.py")
    real = pyfiles.load_module_py

    def import_then_edit(module_id, module_path):
        module = real(module_id, module_path)
        if os.path.basename(str(module_path)) == "d1_file.py":
            with open(path) as handle:
                text = handle.read()
            with open(path, "w") as handle:  # same size: only the docstring changes
                handle.write(text.replace('"""merge', '"""MERGE', 1))
        return module

    monkeypatch.setattr(pyfiles, "load_module_py", import_then_edit)
    assert script_directory(config).get_revision("d1").doc == "merge"  # what the import read
    monkeypatch.setattr(pyfiles, "load_module_py", real)
    assert script_directory(config).get_revision("d1").doc == "MERGE"  # the file as it is now
    assert described(script_directory(config)) == described(ScriptDirectory.from_config(config))

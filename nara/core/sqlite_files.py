"""SQLite database files are readable by their owner only: they hold encrypted personal data,
audit entries and sessions. SQLite gives the -wal and -shm files the database file's mode."""

import os
import stat

SUFFIXES = ("", "-wal", "-shm", "-journal")


def owner_only(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return
    for suffix in SUFFIXES:
        path = name + suffix
        try:
            if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            continue

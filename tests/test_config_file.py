"""The config file: what it sets, what beats it, and how a bad one is refused.

Precedence is flag > environment > config file > default for every setting.
The database tests run on both backends through the real CLI: a PostgreSQL
URL (or its parts, with a password file) in config.toml must really connect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import Cli, error_line, run_subprocess

from taskcli.config import parse_database_url
from taskcli.errors import EXIT_DATABASE, EXIT_USAGE
from taskcli.server.client import enabled

SECRET = "Pw-in-a-file-9"


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def file_cli(path: Path, **env: str) -> Cli:
    """The CLI with no TASKCLI_DATABASE_URL, reading the config file at ``path``."""
    return Cli(url="", env={"TASKCLI_CONFIG": str(path), **env})


def shown(cli: Cli, *args: str) -> dict[str, Any]:
    """``taskcli config -f json``: setting -> {value, source, from}."""
    settings: dict[str, Any] = json.loads(cli.ok(*args, "config", "-f", "json").stdout)["settings"]
    return settings


def ids(cli: Cli, *args: str) -> list[str]:
    return cli.ok(*args, "list", "-f", "ids").stdout.split()


# --- the database -----------------------------------------------------------


def test_database_url_from_the_file(db_url: str, tmp_path: Path) -> None:
    """``[database] url`` selects the database when neither --db nor the environment does."""
    path = write_config(tmp_path, f'# team settings\n[database]\nurl = "{db_url}"\n')
    cli = file_cli(path)
    cli.ok("add", "From the file")
    assert Cli(url=db_url, env={}).ok("list", "-f", "json").stdout.count("From the file") == 1
    setting = shown(cli)["database"]
    assert (setting["source"], setting["from"]) == ("file", f"{path}, line 3")
    assert setting["value"] == parse_database_url(db_url).masked()


def test_database_parts_from_the_file(db_url: str, backend: str, tmp_path: Path) -> None:
    """The URL's parts work too; PostgreSQL takes its password from a 0600 file."""
    url = parse_database_url(db_url)
    if backend == "sqlite":
        assert url.path is not None
        body = f'[database]\nbackend = "sqlite"\npath = "{url.path.name}"\n'
        path = write_config(url.path.parent, body)
    else:
        password_file = tmp_path / "db-password"
        password_file.write_text(SECRET + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        body = (
            f'[database]\nhost = "{url.host}"\nport = {url.port or 5432}\n'
            f'user = "{url.username}"\nname = "{url.database}"\npassword_file = "db-password"\n'
        )
        path = write_config(tmp_path, body)
    cli = file_cli(path)
    task = cli.ok("add", "Parts", "-q").stdout.strip()
    assert ids(Cli(url=db_url, env={})) == [task]
    settings = shown(cli)
    assert settings["database"]["source"] == "file"
    assert SECRET not in json.dumps(settings)
    if backend == "postgresql":
        assert settings["database.password"]["value"] == "***"
        assert settings["database.password"]["from"].startswith(f"{tmp_path / 'db-password'} (")


def test_a_relative_sqlite_url_is_beside_the_file_not_in_the_cwd(tmp_path: Path) -> None:
    """``url = "sqlite:///rel.db"`` means the same file from any directory, as ``path`` does."""
    folder = tmp_path / "cfg"
    folder.mkdir()
    path = write_config(folder, '[database]\nurl = "sqlite:///rel.db"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_subprocess(
        ["add", "x", "-q"], env={"TASKCLI_CONFIG": str(path), "TASKCLI_SERVER": "0"}, cwd=elsewhere
    )
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
    assert (folder / "rel.db").is_file()
    assert not (elsewhere / "rel.db").exists()


def test_flag_beats_environment_beats_file(db_url: str, tmp_path: Path) -> None:
    """--db > TASKCLI_DATABASE_URL > config file: each add lands where precedence says."""
    path = write_config(tmp_path, f'[database]\nurl = "{db_url}"\n')
    env_url = f"sqlite:///{tmp_path / 'env.db'}"
    flag_url = f"sqlite:///{tmp_path / 'flag.db'}"
    file_only = file_cli(path)
    with_env = file_cli(path, TASKCLI_DATABASE_URL=env_url)
    in_file = file_only.ok("add", "file", "-q").stdout.strip()
    in_env = with_env.ok("add", "env", "-q").stdout.strip()
    in_flag = with_env.ok("--db", flag_url, "add", "flag", "-q").stdout.strip()
    assert ids(file_only) == [in_file]
    assert ids(with_env) == [in_env]
    assert ids(with_env, "--db", flag_url) == [in_flag]
    assert shown(with_env)["database"]["source"] == "env"
    assert shown(with_env, "--db", flag_url)["database"]["from"] == "--db"


def test_no_file_at_the_default_path_is_no_config(cli: Cli, tmp_path: Path) -> None:
    document = json.loads(cli.ok("config", "-f", "json").stdout)
    assert document["config_file"] == {
        "path": str(tmp_path / "home" / ".config" / "taskcli" / "config.toml"),
        "read": False,
    }
    assert {setting["source"] for setting in document["settings"].values()} == {"env", "default"}


@pytest.mark.parametrize("xdg", [True, False], ids=["xdg-config-home", "home-config"])
def test_the_default_path_is_read(
    xdg: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$XDG_CONFIG_HOME/taskcli/config.toml``, else ``~/.config/taskcli/config.toml``."""
    base = tmp_path / "xdg-config" if xdg else tmp_path / "home" / ".config"
    if xdg:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(base))
    (base / "taskcli").mkdir(parents=True)
    path = write_config(base / "taskcli", f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n')
    cli = Cli(url="", env={})
    cli.ok("add", "Default config")
    assert (tmp_path / "x.db").exists()
    assert shown(cli)["database"]["from"] == f"{path}, line 2"


@pytest.mark.parametrize("xdg", ["", "  ", "/somewhere/config"])
def test_the_default_path_is_platformdirs_user_config_dir(
    xdg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Computed without importing platformdirs (the client must start fast), to the same path."""
    from platformdirs import user_config_path

    from taskcli.config_file import config_path

    monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    expected = user_config_path("taskcli", appauthor=False) / "config.toml"
    assert config_path() == (expected, False)


# --- the other settings -----------------------------------------------------


def test_lock_timeout_precedence(cli: Cli, tmp_path: Path) -> None:
    path = write_config(tmp_path, "lock_timeout = 5\n")
    assert shown(cli)["lock_timeout"] == {"value": 30.0, "source": "default", "from": ""}
    from_file = Cli(url=cli.url, env={"TASKCLI_CONFIG": str(path)})
    assert shown(from_file)["lock_timeout"] == {
        "value": 5.0,
        "source": "file",
        "from": f"{path}, line 1",
    }
    from_env = Cli(url=cli.url, env={"TASKCLI_CONFIG": str(path), "TASKCLI_LOCK_TIMEOUT": "7"})
    assert shown(from_env)["lock_timeout"]["value"] == 7.0
    assert shown(from_env)["lock_timeout"]["from"] == "TASKCLI_LOCK_TIMEOUT"


def test_server_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``server = false`` turns the server off unless TASKCLI_SERVER says otherwise."""
    monkeypatch.delenv("TASKCLI_SERVER", raising=False)
    path = write_config(tmp_path, "server = false\n")
    assert enabled({"HOME": str(tmp_path)})
    assert not enabled({"TASKCLI_CONFIG": str(path)})
    assert enabled({"TASKCLI_CONFIG": str(path), "TASKCLI_SERVER": "1"})
    assert not enabled({"TASKCLI_CONFIG": str(path), "TASKCLI_SERVER": "0"})
    cli = file_cli(path, TASKCLI_DATABASE_URL=f"sqlite:///{tmp_path / 'tasks.db'}")
    assert shown(cli)["server"] == {"value": False, "source": "file", "from": f"{path}, line 1"}
    assert "server = false" in error_line(cli.fails(EXIT_USAGE, "server", "start"))
    on = Cli(url=cli.url, env={**cli.env, "TASKCLI_SERVER": "on"})
    assert shown(on)["server"] == {"value": True, "source": "env", "from": "TASKCLI_SERVER"}


def test_server_off_in_the_file_bypasses_a_running_server(tmp_path: Path) -> None:
    """A command with ``server = false`` runs in-process even when a server answers."""
    from serverhelpers import server_home

    database = {"TASKCLI_DATABASE_URL": f"sqlite:///{tmp_path / 'tasks.db'}"}
    off = write_config(tmp_path, "server = false\n", "off.toml")
    on = write_config(tmp_path, "server = true\n", "on.toml")
    with server_home(tmp_path) as home:
        home.start()
        for path, through_server in ((off, 0), (on, 1)):
            before = home.served()
            env = {**database, "TASKCLI_SERVER": "", "TASKCLI_CONFIG": str(path)}
            result = home.run("add", "x", env=env)
            assert result.returncode == 0, result.stderr
            assert home.served() == before + 1 + through_server  # our status request, and?


def test_list_sort_from_the_file(db_url: str, tmp_path: Path) -> None:
    """``[list] sort`` is list's default order; --sort beats it."""
    path = write_config(tmp_path, '[list]\nsort = "title, due"\ncolumns = ["id", "title"]\n')
    cli = Cli(url=db_url, env={"TASKCLI_CONFIG": str(path)})
    banana = cli.ok("add", "Banana", "--due", "tomorrow", "-q").stdout.strip()
    apple = cli.ok("add", "Apple", "--due", "+3d", "-q").stdout.strip()
    assert ids(cli) == [apple, banana]
    assert cli.ok("list", "--sort", "due", "-f", "ids").stdout.split() == [banana, apple]
    assert ids(Cli(url=db_url, env={})) == [banana, apple]
    settings = shown(cli)
    assert settings["list.sort"] == {
        "value": "title,due",
        "source": "file",
        "from": f"{path}, line 2",
    }
    assert settings["list.columns"]["value"] == ["id", "title"]
    assert shown(Cli(url=db_url, env={}))["list.sort"]["source"] == "default"


def test_list_defaults_take_every_sort_key_and_the_columns(db_url: str, tmp_path: Path) -> None:
    """The file's sort has list's full grammar (several keys, ``-KEY``); columns shape the table."""
    path = write_config(tmp_path, '[list]\nsort = "priority, -title"\ncolumns = ["title", "id"]\n')
    cli = Cli(url=db_url, env={"TASKCLI_CONFIG": str(path)})
    low = cli.ok("add", "Zebra", "-P", "low", "-q").stdout.strip()
    high = cli.ok("add", "Yak", "-P", "high", "-q").stdout.strip()
    also_low = cli.ok("add", "Ant", "-P", "low", "-q").stdout.strip()
    assert ids(cli) == [high, low, also_low]  # highest priority first, then titles Z to A
    header = cli.ok("list").stdout.splitlines()[0].split()
    assert header == ["Title", "ID"]
    assert cli.ok("list", "--columns", "id").stdout.splitlines()[0].split() == ["ID"]
    assert cli.ok("list", "-f", "json").stdout.startswith("[")  # table-only: JSON is unchanged


# --- taskcli config ---------------------------------------------------------


def test_config_masks_passwords(tmp_path: Path) -> None:
    url = f"postgresql://alice:{SECRET}@db.example/tasks"
    cli = Cli(url=url, env={})
    text = cli.ok("config").stdout
    assert SECRET not in text
    assert "postgresql://alice:***@db.example/tasks" in text
    assert "env TASKCLI_DATABASE_URL" in text
    settings = shown(cli, "--db", url)
    assert SECRET not in json.dumps(settings)
    assert settings["database.password"] == {"value": "***", "source": "flag", "from": "--db"}


def test_config_text_names_every_setting_and_its_origin(tmp_path: Path) -> None:
    path = write_config(tmp_path, "lock_timeout = 2.5\nserver = true\n")
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    cli = file_cli(path, TASKCLI_DATABASE_URL=url, TASKCLI_SERVER="0")
    lines = cli.ok("config").stdout.splitlines()
    assert lines[0].split() == ["config", "file", str(path)]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert list(rows) == [
        "database",
        "database.password",
        "lock_timeout",
        "server",
        "list.sort",
        "list.columns",
        "context",
        "urgency.due",
        "urgency.overdue",
        "urgency.priority.high",
        "urgency.priority.medium",
        "urgency.priority.low",
        "urgency.age",
        "urgency.age_max",
        "urgency.active",
        "urgency.tag.next",
    ]
    assert rows["lock_timeout"] == ["2.5", "file", f"{path},", "line", "1"]
    assert rows["server"] == ["false", "env", "TASKCLI_SERVER"]
    assert rows["list.sort"] == ["due", "default"]


# --- bad files --------------------------------------------------------------

BAD_FILES = [
    ("lock_timeout = \n", "line 1, column 16: invalid value"),
    ('[database]\nurl = "sqlite:///x.db"\nhots = "db"\n', "line 3: unknown key 'database.hots'"),
    ("[lists]\nsort = 'due'\n", "line 1: unknown key 'lists'"),
    ('lock_timeout = "5"\n', "line 1: lock_timeout must be a number"),
    ("\nlock_timeout = 0\n", "line 2: lock_timeout must be a number of seconds"),
    ("lock_timeout = true\n", "line 1: lock_timeout must be a number"),
    ("server = 1\n", "line 1: server must be true or false"),
    ("[list]\nsort = 'due,soon'\n", "line 2: list.sort is invalid: unknown sort key 'soon'"),
    (
        "[list]\ncolumns = ['id', 'colour']\n",
        "line 2: list.columns is invalid: unknown column 'colour'",
    ),
    ("[list]\ncolumns = ['id', 'ID']\n", "line 2: list.columns must name each column once"),
    ("[list]\ncolumns = ['id', 3]\n", "line 2: list.columns must be a list of strings"),
    ("database = 'sqlite:///x.db'\n", "line 1: database must be a table"),
    ("[database]\nurl = 'mysql://x/y'\n", "line 2: unsupported database URL scheme 'mysql'"),
    ("[database]\nurl = 'postgresql://a@h/d'\nhost = 'h'\n", "line 3: database.host cannot"),
    ("[database]\nbackend = 'oracle'\n", "line 2: database.backend must be sqlite or postgresql"),
    ("[database]\nport = 70000\n", "line 2: database.port must be between 1 and 65535"),
    ("[database]\npath = 'x.db'\nuser = 'a'\n", "line 3: database.user does not apply to sqlite"),
    ("[database]\npath = 'x.db'\npassword_file = 'pw'\n", "line 3: database.password_file"),
]


@pytest.mark.parametrize(("body", "expected"), BAD_FILES)
def test_a_bad_file_is_exit_2_naming_the_line(
    db_url: str, tmp_path: Path, body: str, expected: str
) -> None:
    """One ``Error:`` line naming the file and the line; nothing changed."""
    path = write_config(tmp_path, body)
    cli = Cli(url=db_url, env={"TASKCLI_CONFIG": str(path), "TASKCLI_DATABASE_URL": ""})
    line = error_line(cli.fails(EXIT_USAGE, "add", "Never stored"))
    assert line.startswith(f"Error: config file {path}, "), line
    assert expected in line
    assert ids(Cli(url=db_url, env={})) == []


def test_a_password_in_the_file_is_refused_unshown(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[database]\nurl = "postgresql://alice:{SECRET}@h/d"\n')
    line = error_line(file_cli(path).fails(EXIT_USAGE, "config"))
    assert "line 2: database.url must not hold a password" in line
    assert SECRET not in line


def test_a_missing_named_file_and_an_unreadable_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    line = error_line(file_cli(missing).fails(EXIT_USAGE, "list"))
    assert line == f"Error: TASKCLI_CONFIG names a missing file: {missing}"
    directory = tmp_path / "dir.toml"
    directory.mkdir()
    assert "cannot read config file" in error_line(file_cli(directory).fails(EXIT_DATABASE, "list"))


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"server = true # caf\xe9\n")
    assert "not UTF-8" in error_line(file_cli(path).fails(EXIT_USAGE, "list"))


# --- the password file ------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_password_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    secret = tmp_path / "pw"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    secret.chmod(mode)
    path = write_config(tmp_path, '[database]\nhost = "h"\npassword_file = "pw"\n')
    line = error_line(file_cli(path).fails(EXIT_USAGE, "list"))
    assert f"line 3: database.password_file {secret} may be read by group or others" in line
    assert f"chmod 600 {secret}" in line
    assert SECRET not in line


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite refuses one: see BAD_FILES
@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_an_owner_only_password_file_connects(db_url: str, tmp_path: Path, mode: int) -> None:
    url = parse_database_url(db_url)
    secret = tmp_path / "pw"
    secret.write_text(SECRET, encoding="utf-8")
    secret.chmod(mode)
    body = f'[database]\nurl = "{db_url}"\npassword_file = "{secret}"\n'
    cli = file_cli(write_config(tmp_path, body))
    assert cli.ok("add", "Behind a password file", "-q").stdout.strip()
    assert shown(cli)["database"]["value"] == url.masked().replace("@", ":***@", 1)


def test_a_missing_or_empty_password_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[database]\nhost = "h"\npassword_file = "pw"\n')
    line = error_line(file_cli(path).fails(EXIT_DATABASE, "list"))
    assert f"cannot read the password file {tmp_path / 'pw'}" in line
    (tmp_path / "pw").write_text("\n", encoding="utf-8")
    (tmp_path / "pw").chmod(0o600)
    assert "holds no password" in error_line(file_cli(path).fails(EXIT_USAGE, "list"))

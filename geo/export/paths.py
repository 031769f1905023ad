"""Output paths that cannot hurt, and writes that land whole or not at all.

Every file the atlas writes goes through :func:`atomic_paths` (or :func:`atomic_path` for one
file): each output is written to a temporary file beside its target, flushed to disk and only
then renamed into place, so a crash leaves the previous file intact. Commands first call
:func:`check_outputs`, which refuses — every problem at once, before anything is written —

* an empty name or a name holding a NUL character;
* a file name longer than the file system allows (``NAME_MAX``, usually 255 bytes) or a path
  longer than ``PATH_MAX``;
* an output that is one of the command's inputs or another of its outputs, compared on the
  resolved path *and* on ``(st_dev, st_ino)``, so ``./a``, ``sub/../a``, symbolic links and
  hard links are all caught; an output inside an input folder (e.g. the shipped data);
* an output that is not a regular file: a folder, a FIFO, a character or block device
  (``/dev/null``), a socket;
* a symbolic link whose target does not exist (or a loop of links);
* an output whose folder does not exist or cannot be written.

Symbolic links are **followed**: writing to a link that names a regular file replaces that
file (atomically, in the folder it lives in) and leaves the link a link. A dangling link is
refused rather than created through.

Temporary names are ``.<name>.<8 hex><suffix>`` with ``<name>`` shortened when needed, so a
temporary name is never longer than the target's name or 32 bytes, whichever is longer: a
target whose name fits the file system always gets a temporary name that fits too
(:func:`temp_name`). The library writers (``to_csv``, ``to_gpkg``, …) create a missing output
folder; the command line refuses one (a typo should not create folders).

>>> temp_name("w.gpkg", "0123abcd")
'.w.gpkg.0123abcd.gpkg'
>>> len(temp_name("x" * 250 + ".gpkg", "0123abcd")) <= 255
True
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from geo.export.errors import ExportError, OutputError
from geo.problems import Problem, problem, register_messages

__all__ = [
    "TEMP_MIN_BYTES",
    "atomic_path",
    "atomic_paths",
    "check_outputs",
    "final_path",
    "is_temp_name",
    "lock_name",
    "name_max",
    "output_problems",
    "safe_output_path",
    "temp_name",
]

TEMP_MIN_BYTES = 32
"""A temporary name may use this many bytes even when the target's name is shorter."""

_TOKEN = re.compile(r"[0-9a-z_]{8}")  # ours are hex; older versions used mkstemp's alphabet
_SIDECARS = {".gpkg": "-journal", ".sqlite": "-journal", ".db": "-journal"}
"""SQLite writes ``NAME-journal`` beside a database while it writes: its name must fit too."""
_DEFAULT_NAME_MAX = 255
_DEFAULT_PATH_MAX = 4096

register_messages(
    {
        "output_empty": (
            "{argument} 为空：请给出文件名",
            "{argument} is empty: give a file name",
        ),
        "output_nul": (
            "{argument} {path!r} 含有 NUL 字符：文件名中不能有 NUL",
            "{argument} {path!r} holds a NUL character: a file name cannot contain one",
        ),
        "output_name_too_long": (
            "{argument} 的文件名太长（{length} 字节）：此文件系统最多允许 {limit} 字节，请缩短文件名",
            "{argument} file name is too long ({length} bytes): this file system allows at most "
            "{limit} bytes; shorten the name",
        ),
        "output_gpkg_name_too_long": (
            "{argument} 的文件名太长（{length} 字节）：SQLite 需要在旁边写 '{sidecar}' 文件，因此这里最多 {limit} 字节",
            "{argument} file name is too long ({length} bytes): SQLite writes a '{sidecar}' file "
            "beside a GeoPackage, so at most {limit} bytes fit here; shorten the name",
        ),
        "output_path_too_long": (
            "{argument} 的路径太长（{length} 字节）：最多允许 {limit} 字节",
            "{argument} path is too long ({length} bytes): at most {limit} bytes are allowed",
        ),
        "output_unusable": (
            "无法使用 {argument} {path!r}：{reason}",
            "cannot use {argument} {path!r}: {reason}",
        ),
        "output_is_dir": (
            "{argument} {path!r} 是一个文件夹：请给出其中的文件名，例如 {example!r}",
            "{argument} {path!r} is a folder: give a file name inside it, e.g. {example!r}",
        ),
        "output_not_regular": (
            "{argument} {path!r} 是{kind_zh}，不是普通文件：请写入普通文件",
            "{argument} {path!r} is a {kind}, not a regular file: write to a regular file",
        ),
        "output_dangling_link": (
            "{argument} {path!r} 是指向不存在的 {target!r} 的符号链接：请直接写入目标文件或删除该链接",
            "{argument} {path!r} is a symbolic link to {target!r}, which does not exist: "
            "write to the target directly or remove the link",
        ),
        "output_folder_missing": (
            "{argument} 的文件夹 {folder!r} 不存在：请先创建它",
            "{argument} folder {folder!r} does not exist: create it first",
        ),
        "output_folder_not_dir": (
            "{argument} 的上级 {folder!r} 不是文件夹",
            "{argument} parent {folder!r} is not a folder",
        ),
        "output_folder_readonly": (
            "{argument} 的文件夹 {folder!r} 不可写：请选择可写的文件夹",
            "{argument} folder {folder!r} is not writable: choose a folder you can write to",
        ),
        "output_is_input": (
            "{argument} {path!r} 就是输入 {input_argument} 的文件（{real}）：请写入其他文件，命令从不覆盖自己的输入",
            "{argument} {path!r} is the input file of {input_argument} ({real}): write to "
            "another file; a command never overwrites its own input",
        ),
        "output_in_input_folder": (
            "{argument} {path!r} 位于输入 {input_argument} 的文件夹 {folder!r} 中：请写到别处",
            "{argument} {path!r} lies inside the input folder of {input_argument} ({folder!r}): "
            "write it somewhere else",
        ),
        "output_twice": (
            "{argument} 与 {other} 指向同一个文件 {real!r}：请给出两个不同的文件",
            "{argument} and {other} name the same file {real!r}: give two different files",
        ),
        "output_write_failed": (
            "无法写入 {path!r}：{reason}",
            "cannot write {path!r}: {reason}",
        ),
        "output_not_written": (
            "写入器没有生成 {path!r}：未写入任何内容",
            "the writer produced no file for {path!r}: nothing was written",
        ),
        "safe_name_escapes": (
            "输出名 {name!r} 超出了文件夹 {folder!r}：请使用普通文件名",
            "output name {name!r} leaves the folder {folder!r}: use a plain file name",
        ),
    }
)

_KINDS = {
    stat.S_IFIFO: ("FIFO（命名管道）", "FIFO (named pipe)"),
    stat.S_IFCHR: ("字符设备", "character device"),
    stat.S_IFBLK: ("块设备", "block device"),
    stat.S_IFSOCK: ("套接字", "socket"),
}


def _fs_bytes(text: str) -> bytes:
    return os.fsencode(text)


def name_max(folder: str | os.PathLike[str]) -> int:
    """Longest file name (bytes) the file system at ``folder`` allows (255 when unknown)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # pragma: no cover - non-POSIX or odd FS
        return _DEFAULT_NAME_MAX


def _path_max(folder: str | os.PathLike[str]) -> int:
    try:
        return int(os.pathconf(folder, "PC_PATH_MAX"))
    except (OSError, ValueError, AttributeError):  # pragma: no cover
        return _DEFAULT_PATH_MAX


def _cut(text: str, room: int) -> str:
    """The longest prefix of ``text`` that encodes to at most ``room`` bytes (whole characters)."""
    raw = _fs_bytes(text)
    if len(raw) <= room:
        return text
    cut = raw[: max(room, 0)]
    for back in range(4):  # a UTF-8 character is at most 4 bytes: step back to its start
        with contextlib.suppress(UnicodeDecodeError):
            return cut[: len(cut) - back].decode("utf-8")
    return os.fsdecode(cut)  # a name that is not UTF-8: keep its bytes as they are


def _budget(name: str) -> int:
    return max(len(_fs_bytes(name)), TEMP_MIN_BYTES)


def _suffix(name: str, room: int) -> str:
    suffix = Path(name).suffix
    return suffix if len(_fs_bytes(suffix)) <= room else ""


def temp_name(name: str, token: str) -> str:
    """The temporary name for target file ``name`` (``token``: 8 lowercase hex digits).

    ``.<head>.<token><suffix>``: the target's suffix is kept (GDAL picks drivers by it) and
    ``<head>`` is the target's name, shortened so the result is never longer (in bytes) than
    ``name`` or :data:`TEMP_MIN_BYTES`, whichever is longer.
    """
    budget = _budget(name)
    suffix = _suffix(name, budget - 10)
    head = _cut(name, budget - 10 - len(_fs_bytes(suffix)))
    return f".{head}.{token}{suffix}"


def lock_name(name: str) -> str:
    """A hidden lock-file name for target ``name``, within the same length budget."""
    return f".{_cut(name, _budget(name) - 6)}.lock"


def is_temp_name(candidate: str, name: str) -> bool:
    """Whether ``candidate`` is a temporary name :func:`temp_name` gives for target ``name``.

    SQLite's side files of a temporary GeoPackage (``-journal``, ``-wal``, ``-shm``) count too,
    so a save killed midway leaves nothing the next save does not remove.

    >>> is_temp_name(temp_name("w.gpkg", "00ff00ff"), "w.gpkg"), is_temp_name("w.gpkg", "w.gpkg")
    (True, False)
    >>> is_temp_name(temp_name("w.gpkg", "00ff00ff") + "-journal", "w.gpkg")
    True
    """
    for side in ("-journal", "-wal", "-shm"):
        if candidate.endswith(side):
            candidate = candidate[: -len(side)]
            break
    budget = _budget(name)
    suffix = _suffix(name, budget - 10)
    head = _cut(name, budget - 10 - len(_fs_bytes(suffix)))
    prefix, end = f".{head}.", suffix
    if not (candidate.startswith(prefix) and candidate.endswith(end)):
        return False
    middle = candidate[len(prefix) : len(candidate) - len(end) if end else None]
    return bool(_TOKEN.fullmatch(middle))


def final_path(path: str | os.PathLike[str]) -> Path:
    """The absolute path a write to ``path`` really replaces (every symbolic link followed)."""
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _same_file(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _inside(path: Path, folder: Path) -> bool:
    return folder == path or folder in path.parents


def output_problems(
    path: str | os.PathLike[str] | None, *, argument: str = "output", folder_must_exist: bool = True
) -> tuple[list[Problem], Path | None]:
    """Problems of one output path on its own, and the path a write would replace.

    Parameters
    ----------
    path
        The output as the user gave it.
    argument
        How the user named it (``"-o"``, ``"--rejects"``, …), used in the messages.
    folder_must_exist
        Whether a missing folder is a problem (the command line) or will be created (library).

    Returns
    -------
    (problems, final)
        ``final`` is :func:`final_path` of ``path`` (``None`` when the name itself is unusable).
    """
    if path is None or os.fspath(path) == "":
        return [problem("output_empty", argument=argument)], None
    text = os.fspath(path)
    if isinstance(text, bytes):  # pragma: no cover - paths are text here
        text = os.fsdecode(text)
    if "\x00" in text:
        return [problem("output_nul", argument=argument, path=text)], None
    given = Path(os.path.abspath(text))
    out: list[Problem] = []
    probe = next((p for p in (given.parent, *given.parent.parents) if p.is_dir()), Path("/"))
    limit = name_max(probe)
    out += _name_problems(given.name, limit, argument)
    plimit = _path_max(probe)
    if len(_fs_bytes(str(given))) >= plimit:
        out.append(
            problem(
                "output_path_too_long",
                argument=argument,
                length=len(_fs_bytes(str(given))),
                limit=plimit,
            )
        )
    if out:
        return out, None
    try:
        link = os.lstat(given)
    except FileNotFoundError:
        link = None
    except OSError as exc:
        return [problem("output_unusable", argument=argument, path=text, reason=exc.strerror)], None
    final = final_path(given)
    if link is not None and stat.S_ISLNK(link.st_mode):
        try:
            os.stat(given)
        except FileNotFoundError:
            return [
                problem("output_dangling_link", argument=argument, path=text, target=str(final))
            ], None
        except OSError as exc:
            return [
                problem("output_unusable", argument=argument, path=text, reason=exc.strerror)
            ], None
        limit = name_max(final.parent) if final.parent.is_dir() else limit
        out += _name_problems(final.name, limit, argument)
    try:
        st = os.stat(final)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return [problem("output_unusable", argument=argument, path=text, reason=exc.strerror)], None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            example = str(Path(text) / ("out" + (Path(text).suffix or ".csv")))
            out.append(problem("output_is_dir", argument=argument, path=text, example=example))
        elif not stat.S_ISREG(st.st_mode):
            zh, en = _KINDS.get(stat.S_IFMT(st.st_mode), ("特殊文件", "special file"))
            out.append(
                problem("output_not_regular", argument=argument, path=text, kind=en, kind_zh=zh)
            )
    folder = final.parent
    if not folder.exists():
        if folder_must_exist:
            out.append(problem("output_folder_missing", argument=argument, folder=str(folder)))
    elif not folder.is_dir():
        out.append(problem("output_folder_not_dir", argument=argument, folder=str(folder)))
    elif not os.access(folder, os.W_OK | os.X_OK):
        out.append(problem("output_folder_readonly", argument=argument, folder=str(folder)))
    return out, final


def _name_problems(name: str, limit: int, argument: str) -> list[Problem]:
    length = len(_fs_bytes(name))
    if length > limit:
        return [problem("output_name_too_long", argument=argument, length=length, limit=limit)]
    sidecar = _SIDECARS.get(Path(name).suffix.lower())
    if sidecar and length + len(sidecar) > limit:
        return [
            problem(
                "output_gpkg_name_too_long",
                argument=argument,
                length=length,
                limit=limit - len(sidecar),
                sidecar=sidecar,
            )
        ]
    return []


def check_outputs(
    outputs: Mapping[str, str | os.PathLike[str] | None],
    *,
    inputs: Mapping[str, str | os.PathLike[str] | None] | None = None,
    folder_must_exist: bool = True,
) -> dict[str, Path]:
    """Check every output of one command before anything is written.

    Parameters
    ----------
    outputs
        ``{argument: path}``, e.g. ``{"-o": "ok.gpkg", "--rejects": "rej.csv"}``.
    inputs
        ``{argument: path}`` of the files (or folders) the command reads; ``None`` values are
        skipped. An output equal to an input file, or inside an input folder, is refused.
    folder_must_exist
        Refuse an output whose folder is missing (default) instead of creating it.

    Returns
    -------
    dict
        ``{argument: final path}`` — the files the writes will replace (links followed).

    Raises
    ------
    OutputError
        Listing every problem (see the module docstring).

    Examples
    --------
    >>> check_outputs({"-o": "a.csv", "--rejects": "./a.csv"})
    Traceback (most recent call last):
    ...
    geo.export.errors.OutputError: -o and --rejects name the same file ...
    """
    problems: list[Problem] = []
    finals: dict[str, Path] = {}
    for argument, path in outputs.items():
        found, final = output_problems(path, argument=argument, folder_must_exist=folder_must_exist)
        problems += found
        if final is not None:
            finals[argument] = final
    names = list(finals)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if _same_file(finals[a], finals[b]):
                problems.append(problem("output_twice", argument=a, other=b, real=str(finals[a])))
    for in_arg, in_path in (inputs or {}).items():
        if in_path is None or os.fspath(in_path) == "" or "\x00" in os.fspath(in_path):
            continue
        real = final_path(in_path)
        for argument, final in finals.items():
            if real.is_dir() and not final.is_dir() and _inside(final, real):
                problems.append(
                    problem(
                        "output_in_input_folder",
                        argument=argument,
                        path=os.fspath(outputs[argument] or ""),
                        input_argument=in_arg,
                        folder=str(real),
                    )
                )
            elif _same_file(final, real):
                problems.append(
                    problem(
                        "output_is_input",
                        argument=argument,
                        path=os.fspath(outputs[argument] or ""),
                        input_argument=in_arg,
                        real=str(real),
                    )
                )
    if problems:
        raise OutputError(problems)
    return finals


def _reserve(folder: Path, name: str) -> Path:
    """A fresh temporary path beside ``name`` in ``folder`` (created, then removed again)."""
    for _ in range(100):
        tmp = folder / temp_name(name, secrets.token_hex(4))
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # pragma: no cover - 2^-32 per try
            continue
        os.close(fd)
        os.unlink(tmp)  # writers such as GDAL want to create the file themselves
        return tmp
    raise FileExistsError(f"no free temporary name beside {name!r}")  # pragma: no cover


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _failed(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError([problem("output_write_failed", path=str(path), reason=reason)])


@contextlib.contextmanager
def atomic_paths(
    paths: Sequence[str | os.PathLike[str]], *, create_folders: bool = True
) -> Iterator[list[Path]]:
    """Yield one temporary path per target; on success rename them all into place.

    Every target is checked first (:func:`output_problems`: not a folder, FIFO or device, no
    dangling link, a name that fits; two targets may not name one file). The caller writes
    each temporary file; when the block ends without an error every file is flushed to disk,
    and only then are they renamed onto their targets (links followed: the file a link names
    is replaced). If a rename fails the targets already renamed are restored from hard-link
    backups, so either every output lands or none does. Temporary files are removed on any
    error.

    Raises
    ------
    OutputError
        A target that could hurt (before anything is written), or a write that failed with an
        operating-system error (disk full, permission denied, …).
    """
    problems: list[Problem] = []
    finals: list[Path] = []
    for i, path in enumerate(paths):
        found, final = output_problems(
            path,
            argument=f"output {i + 1}" if len(paths) > 1 else "output",
            folder_must_exist=not create_folders,
        )
        problems += found
        if final is not None:
            if any(_same_file(final, f) for f in finals):
                problems.append(
                    problem(
                        "output_twice",
                        argument=f"output {i + 1}",
                        other="another output",
                        real=str(final),
                    )
                )
            finals.append(final)
    if problems:
        raise OutputError(problems)
    temps: list[Path] = []
    for target in finals:
        try:
            if create_folders:
                target.parent.mkdir(parents=True, exist_ok=True)
            temps.append(_reserve(target.parent, target.name))
        except OSError as exc:
            for tmp in temps:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            raise _failed(target, exc) from exc
    backups: list[Path | None] = []
    done: list[int] = []
    try:
        try:
            yield list(temps)
            for tmp, final in zip(temps, finals, strict=True):
                if not tmp.exists():
                    raise OutputError([problem("output_not_written", path=str(final))])
                _fsync_file(tmp)
            if len(finals) > 1:
                backups = [_backup(f) for f in finals]
            for i, (tmp, final) in enumerate(zip(temps, finals, strict=True)):
                os.replace(tmp, final)
                done.append(i)
            for folder in {f.parent for f in finals}:
                _fsync_dir(folder)
        except OSError as exc:
            _roll_back(done, finals, backups)
            raise _failed(
                finals[len(done)] if len(done) < len(finals) else finals[-1], exc
            ) from exc
        except BaseException:
            _roll_back(done, finals, backups)
            raise
    finally:
        for p in [*temps, *(b for b in backups if b is not None)]:
            with contextlib.suppress(OSError):
                if p.exists() or p.is_symlink():
                    p.unlink()


def _backup(final: Path) -> Path | None:
    """A hard link to the current ``final`` (``None`` when there is none or links are unsupported)."""
    if not final.exists():
        return None
    for _ in range(100):
        backup = final.parent / temp_name(final.name, secrets.token_hex(4))
        try:
            os.link(final, backup)
            return backup
        except FileExistsError:  # pragma: no cover
            continue
        except OSError:  # pragma: no cover - a file system without hard links
            return None
    return None  # pragma: no cover


def _roll_back(done: list[int], finals: list[Path], backups: list[Path | None]) -> None:
    """Put back the targets already renamed (only when a later rename of the same set failed)."""
    if not done or not backups:
        return
    for i in done:
        with contextlib.suppress(OSError):
            if backups[i] is not None:
                os.replace(backups[i], finals[i])  # type: ignore[arg-type]
            else:
                finals[i].unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, create_folders: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    One-target :func:`atomic_paths` (same checks, same symlink policy, flushed before the
    rename).
    """
    with atomic_paths([path], create_folders=create_folders) as temps:
        yield temps[0]


def safe_output_path(name: str, folder: str | os.PathLike[str]) -> Path:
    """Resolve a user-supplied file ``name`` inside ``folder``; refuse anything that escapes it.

    >>> safe_output_path("../x.csv", "/tmp/out")
    Traceback (most recent call last):
    ...
    geo.export.errors.ExportError: output name '../x.csv' leaves the folder '/tmp/out': use a plain file name
    """
    base = Path(folder).resolve()
    if "\x00" in name:
        raise ExportError([problem("output_nul", argument="name", path=name)])
    candidate = (base / name).resolve()
    if base != candidate and base not in candidate.parents:
        raise ExportError([problem("safe_name_escapes", name=name, folder=str(base))])
    return candidate

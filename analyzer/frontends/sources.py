"""Reading a scanned file as untrusted input: one reader for every front end.

Every file under a scanned tree may be anything: binary data named ``.tf``, UTF-16 from an editor,
a 50 MB generated blob, a named pipe, a dangling link. The front ends share this reader so each case
is refused the same way everywhere, with a :class:`Diagnostic` (FIAC901) instead of an exception:

- over the size limit (``--max-file-size``, default 5 MB): refused from ``stat`` alone, never read;
- not a regular file (a FIFO would block a read forever, a device could be endless): refused;
- NUL bytes: binary, not source; a UTF-16 BOM is named as such (Terraform and Bicep want UTF-8);
- invalid UTF-8: refused at the line and column of the first bad byte; a UTF-8 BOM is dropped;
- a line longer than :data:`MAX_LINE_CHARS`: refused before parsing. This is the cheap half of the
  per-file time budget: Lark's lexer needs seconds for a single multi-megabyte token, and no
  hand-written Terraform or Bicep has such a line. The other half is :func:`time_budget`.

CRLF and lone CR line ends become LF, so positions agree with what editors show.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fleetiac.analyzer.model import Diagnostic, Location

MB = 1024 * 1024
MAX_FILE_BYTES = 5 * MB
MAX_LINE_CHARS = 1_000_000
"""Longest line parsed (characters). Past it a file is reported, not parsed (see the module doc)."""
DEFAULT_TIME_BUDGET = 60.0
"""Seconds one file may take to parse before it is reported and skipped."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much of one file the scan is willing to read and parse. Travels with each
    :class:`SourceFile`, so the limits hold in worker processes too."""

    max_bytes: int = MAX_FILE_BYTES
    max_line_chars: int = MAX_LINE_CHARS
    time_budget: float | None = DEFAULT_TIME_BUDGET
    """Seconds; None or 0: no budget."""


DEFAULT_LIMITS = ReadLimits()


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file discovery found for a front end to read."""

    path: Path
    """Absolute path on disk."""
    display: str
    """POSIX path relative to the report root; what every finding shows."""
    language: str
    limits: ReadLimits = DEFAULT_LIMITS
    """How much of the file the scan will read and parse (``--max-file-size``, ``--parse-timeout``)."""

    @property
    def directory(self) -> str:
        """The display path of the folder holding the file (a module's identity where modules are folders)."""
        return _directory_of(self.display)


def _directory_of(display: str) -> str:
    """``str(PurePosixPath(display).parent)``, ``""`` for ``.``; a plain relative path (the
    discovery's display paths: no empty, ``.`` or ``..`` part) by cutting its last part off, which
    front ends ask for each file of a tree again and again."""
    if display and not display.startswith("/") and "//" not in display and not display.endswith("/") \
            and "." not in display.split("/"):
        return display.rpartition("/")[0]
    parent = str(PurePosixPath(display).parent)
    return "" if parent == "." else parent


def within(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path``, resolved after every symbolic link, is one of ``roots`` (resolved folders) or
    lies under one. A front end that reads a file the discovery did not give it (a module folder, a
    downloaded-module manifest) asks this first: nothing outside the scanned root is read, and a
    link loop or an unreadable path counts as outside."""
    if os.sep != "/" or sys.version_info >= (3, 13):  # pathlib's own answer where it resolves otherwise
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a link loop: RuntimeError on Python 3.11, OSError later
            return False
        return any(resolved == root or root in resolved.parents for root in roots)
    # Path.resolve() of Python 3.11 and 3.12, on the text: os.path.realpath, then a link loop (which it
    # reports as RuntimeError) found by a stat; and "under a root" as a prefix of the normalised text.
    # Front ends ask this of a module folder's files and of each root module's modules.json: pathlib's
    # parents and comparisons were most of it.
    try:
        real = os.path.realpath(path)
    except OSError:
        return False
    try:
        os.stat(real)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return False
    for root in roots:
        text = str(root)
        if real == text or real.startswith(text.rstrip("/") + "/"):
            return True
    return False


class SourceProblem(Exception):
    """Why a file's text cannot be had; ``kind`` lets a front end decide whether to report it
    (the YAML front end stays silent about files that are not Kubernetes manifests)."""

    def __init__(self, kind: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.kind = kind  # "unreadable", "not-a-file", "too-large", "binary", "encoding", "long-line"
        self.message = message
        self.line = line
        self.column = column

    def diagnostic(self, display: str) -> Diagnostic:
        return Diagnostic(Location(display, self.line, self.column), self.message)


def _megabytes(limit: int) -> str:
    return f"{limit / MB:g} MB"


def read_bytes(source: SourceFile) -> bytes:
    """The file's bytes within its size limit; raises :class:`SourceProblem`."""
    limits = source.limits
    try:
        info = source.path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SourceProblem("not-a-file", "not a regular file; not analysed")
        if info.st_size > limits.max_bytes:
            raise SourceProblem("too-large", f"file is larger than {_megabytes(limits.max_bytes)} "
                                             "(--max-file-size); not analysed")
        with source.path.open("rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            data = handle.read(limits.max_bytes + 1)
    except OSError as error:
        raise SourceProblem("unreadable", f"cannot read file: {error.strerror or type(error).__name__}") from None
    if len(data) > limits.max_bytes:
        raise SourceProblem("too-large", f"file is larger than {_megabytes(limits.max_bytes)} "
                                         "(--max-file-size); not analysed")
    return data


def decode(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """UTF-8 text with LF line ends; raises :class:`SourceProblem`."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 is not decoded: Terraform and Bicep both require UTF-8, so the file would not
        # deploy as it is; saying so is more useful than analysing it.
        raise SourceProblem("encoding", "file is UTF-16 encoded; Terraform and Bicep require UTF-8")
    if b"\x00" in data:
        raise SourceProblem("binary", "file contains NUL bytes: not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SourceProblem("encoding", "file is not valid UTF-8", line, column) from None
    # Terraform and Bicep accept CRLF and lone CR line ends; the grammars want LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limits.max_line_chars:
        for number, written in enumerate(text.split("\n"), start=1):
            if len(written) > limits.max_line_chars:
                raise SourceProblem("long-line", f"line {number} is longer than {limits.max_line_chars:,} "
                                                 "characters; not analysed", number, 1)
    return text


def raw_text(source: SourceFile) -> str:
    """What can still be read of a file :func:`read_source` refused (not UTF-8, a long line): its
    bytes within the size limit, decoded leniently; empty when even those cannot be had. For looking
    for a word in, never for parsing."""
    try:
        data = read_bytes(source)
    except SourceProblem:
        return ""
    return data.decode("utf-8", errors="replace")


def load_text(source: SourceFile) -> str:
    """The file's text; raises :class:`SourceProblem`."""
    return decode(read_bytes(source), source.limits)


def read_source(source: SourceFile) -> str | Diagnostic:
    """The file's text, or a diagnostic saying why it cannot be had."""
    try:
        return load_text(source)
    except SourceProblem as problem:
        return problem.diagnostic(source.display)


class ParseTimeout(BaseException):
    """Raised inside a parse that ran past its time budget. A BaseException, so that the broad
    ``except Exception`` handlers in the parsers cannot swallow it."""


class TimedOut(Diagnostic):
    """The diagnostic of a file that ran out of time: it depends on the machine, not on the file,
    so a cache must not keep it."""

    __slots__ = ()


def machine_dependent(value: object) -> bool:
    """Whether a parse result or diagnostic depends on the machine rather than on the files (a parse
    timeout, an internal error: a crash may depend on the machine): no cache may keep it."""
    return isinstance(value, Diagnostic) and (value.internal or isinstance(value, TimedOut))


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ParseTimeout` in the body once ``seconds`` have passed.

    A SIGALRM interval timer interrupts pure-Python parsing between bytecodes without a second
    process. It can only be used in a process's main thread on POSIX (worker processes of the parse
    stage run their tasks in their main thread), and is not used when another ``ITIMER_REAL`` is
    already running (a test runner's timeout, say) so as not to cancel it. Elsewhere the body runs
    without a budget: the size and line-length limits still bound the work.
    """
    if not seconds or seconds <= 0 or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread() \
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return
    armed = [True]

    def expire(_signum: int, _frame: object) -> None:
        if armed[0]:
            raise ParseTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            armed[0] = False  # a signal arriving from here on is ignored
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_out(source: SourceFile) -> Diagnostic:
    return TimedOut(Location(source.display, 1, 1),
                    f"parsing took longer than {source.limits.time_budget:g} s (--parse-timeout); not analysed")

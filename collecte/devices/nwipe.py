"""Parse an nwipe (or ShredOS, which runs nwipe) log into erasure records, one per wiped drive.

Written against the log format of nwipe 0.35 (read from its logging.c, method.c, nwipe.c,
options.c and device.c; later releases still write these lines):
``[YYYY/MM/DD HH:MM:SS]  notice: message`` lines written by ``nwipe_log()`` in logging.c,
the per-drive notices of ``nwipe_runmethod()`` in method.c (``Invoking method 'DoD Short' on
/dev/sda``, ``[SUCCESS] Blanked device /dev/sda``, ``5 verification errors on '/dev/sdb'.``),
and the two tables ``nwipe_log_summary()`` writes at exit without a timestamp:

    !   Device | Pass Errors | Verifications Errors | Fdatasync I\\O Errors
    !      sdb |           5 |                    5 |                    0
    !   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number
    !      sdb |-FAILED-| 148 MB/s | 02:43:50 | WDC WD5000AAKX-08/WD-WCC2EUR12345

The Drive Status table is nwipe's own verdict (`` Erased ``, ``-FAILED-``, ``UABORTED``,
``INSANITY``) and wins; the notice lines are the fallback for logs without it (older nwipe,
a log cut short). Lines from older versions (``nwipe: notice:`` prefix, quoted device names)
are read too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from collecte.core.errors import RuleError
from collecte.core.vocabulary import N_

WipeResult = Literal["erased", "failed", "aborted"]

_VERIFY_LABELS = {
    "off": "Off",
    "nv": "Off",
    "last pass": "Verify Last Pass",
    "vl": "Verify Last Pass",
    "all passes": "Verify All Passes",
    "va": "Verify All Passes",
}
_VERIFYING = frozenset({"Verify Last Pass", "Verify All Passes"})
_TABLE_STATUS: dict[str, WipeResult] = {
    "ERASED": "erased",
    "-FAILED-": "failed",
    "UABORTED": "aborted",
    "INSANITY": "failed",  # nwipe's own "this is a bug" state: nothing proves the erasure
}

_LINE = re.compile(
    r"\[(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\]\s*(?:nwipe:\s*)?"
    r"(?:(?:debug|info|notice|warning|error|fatal|sanity):\s?)?(?P<message>.*)"
)
# Greedy, but never ending on the quote, comma or full stop that follows a name in a sentence.
_DEV = r"'?(?P<dev>/dev/[^\s']*[^\s'.,])'?"
_VERSION = re.compile(r"(?:banner\s*=\s*)?nwipe (?P<version>\d+\.\d+(?:\.\d+)?)\b")
_DMI = re.compile(
    r"(?P<key>system-manufacturer|system-product-name|system-serial-number) = (?P<value>.*)"
)
_FOUND = re.compile(r"Found (?P<dev>/dev/\S+?), (?P<rest>.*), S/N=(?P<serial>.*)")
_SERIAL = re.compile(rf"{_DEV} has serial number (?P<serial>.+)")
_GEOMETRY = re.compile(rf"{_DEV}, sect/blk/dev \d+/\d+/(?P<size>\d+)")
_OPTION = re.compile(r"(?P<key>method|rounds|verify)\s*=\s*(?P<value>.+)")
_INVOKING = re.compile(rf"Invoking method '(?P<method>.+)' on (?:device )?{_DEV}\.?")
_ERROR_COUNT = re.compile(
    rf"(?P<count>\d+) (?P<kind>verification|wipe) errors on (?:device )?{_DEV}\.?"
)
_BLANKED = re.compile(rf"\[SUCCESS\] Blanked device {_DEV}")
_VERIFIED = re.compile(
    rf"(?:\[SUCCESS\] Verified (?:that|FRP on) |Verified pass \d+ of \d+, round \d+ of \d+, on ){_DEV}"
)
_FAILURE = re.compile(rf"\[FAILURE\] {_DEV} ")
_FINISHED = re.compile(rf"Finished final round \d+ of \d+ on {_DEV}")
_NOBLANK = "do not perform a final blank pass"
_FOOTER = re.compile(
    r"Total Throughput .*?, (?P<method>[^,]+), (?P<rounds>\d+)R\+(?P<blank>N?B)\+(?P<verify>NV|VL|VA)\s*"
)
_ERROR_ROW = re.compile(
    r"[! ]?\s*(?P<dev>\S+)\s*\|\s*(?P<pass>\d+)\s*\|\s*(?P<verify>\d+)\s*(?:\|\s*\d+\s*)?"
)
_STATUS_ROW = re.compile(
    r"[! ]?\s*(?P<dev>\S+)\s*\|(?P<status>[^|]{8})\|[^|]*\|\s*"
    r"(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2})\s*\|\s?(?P<ident>.*)"
)
_MARKERS = ("Program options are set as follows", "Drive Status", "Invoking method")


class NwipeLogError(RuleError):
    """The bytes are not an nwipe log, or the log records no wiped drive."""


@dataclass(frozen=True)
class WipedDrive:
    device_path: str
    model: str
    serial: str
    size_bytes: int | None
    method: str
    verification: str
    rounds: int | None
    result: WipeResult
    verified: bool  # verification was on, the wipe completed, and it reported no errors
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    errors: int  # pass + verification errors


@dataclass(frozen=True)
class NwipeReport:
    tool: str
    tool_version: str | None
    host: str | None
    drives: list[WipedDrive]
    sha256: str  # of the raw log bytes, so a stored copy can be checked later


@dataclass
class _Drive:
    """What the log has said so far about one device."""

    path: str
    model: str = ""
    serial: str = ""
    size_bytes: int | None = None
    method: str | None = None
    started_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    invoked: bool = False
    pass_errors: int = 0
    verify_errors: int = 0
    failure_seen: bool = False
    blanked: bool = False
    rounds_finished: bool = False
    verify_succeeded: bool = False
    table_result: WipeResult | None = None
    table_duration: dt.timedelta | None = None


@dataclass
class _Log:
    version: str | None = None
    dmi: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    footer: dict[str, str] = field(default_factory=dict)
    drives: dict[str, _Drive] = field(default_factory=dict)
    summary_errors: dict[str, tuple[int, int]] = field(default_factory=dict)
    noblank: bool = False
    marker_seen: bool = False

    def drive(self, path: str) -> _Drive:
        return self.drives.setdefault(path, _Drive(path))

    def drive_named(self, name: str) -> _Drive:
        """The drive a summary table row names by its bare name (``sda`` for /dev/sda)."""
        for path, drive in self.drives.items():
            if path.rsplit("/", 1)[-1] == name or path == name:
                return drive
        return self.drive(name if name.startswith("/") else f"/dev/{name}")


def parse_nwipe_log(raw: bytes) -> NwipeReport:
    """Parse an nwipe log into one WipedDrive per drive nwipe was asked to wipe."""
    text = raw.decode("utf-8", errors="replace")
    log = _Log()
    section: str | None = None
    for line in text.splitlines():
        stamped = _LINE.match(line)
        at = _timestamp(stamped) if stamped else None
        message = (stamped.group("message") if stamped else line).strip()
        if "Error Summary" in message:
            section = "errors"
        elif "Drive Status" in message:
            section = "status"
        elif message and set(message) == {"*"}:
            section = None
        elif section == "errors" and (row := _ERROR_ROW.fullmatch(message)):
            log.summary_errors[row.group("dev")] = (
                int(row.group("pass")),
                int(row.group("verify")),
            )
        elif section == "status" and (row := _STATUS_ROW.fullmatch(message)):
            _read_status_row(log, row)
        else:
            _read_message(log, message, at)
        if any(marker in message for marker in _MARKERS):
            log.marker_seen = True
    if log.version is None and not log.marker_seen:
        raise NwipeLogError(
            "not_an_nwipe_log",
            N_("this file is not an nwipe log (no nwipe banner, options or summary)"),
        )
    drives = [_finish(log, d) for d in log.drives.values() if d.invoked or d.table_result]
    if not drives:
        raise NwipeLogError(
            "nwipe_log_without_drive",
            N_("the nwipe log records no wiped drive (was the wipe started?)"),
        )
    return NwipeReport(
        tool="nwipe",
        tool_version=log.version,
        host=_host(log.dmi),
        drives=drives,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _timestamp(stamped: re.Match[str]) -> dt.datetime:
    # nwipe writes localtime() without a zone. Live systems such as ShredOS usually have no
    # zone set (local time is UTC) and the log offers nothing better: read the times as UTC.
    year, month, day, hour, minute, second = (int(stamped.group(i)) for i in range(1, 7))
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def _read_message(log: _Log, message: str, at: dt.datetime | None) -> None:
    if message == _NOBLANK:
        log.noblank = True
    elif log.version is None and (match := _VERSION.fullmatch(message)):
        log.version = match.group("version")
    elif match := _DMI.fullmatch(message):
        log.dmi[match.group("key")] = match.group("value").strip()
    elif match := _FOUND.fullmatch(message):
        # "Found /dev/sda, ATA, <model>, 250 GB, S/N=<serial>": the model may hold commas.
        drive = log.drive(match.group("dev"))
        parts = match.group("rest").split(", ")
        drive.model = ", ".join(parts[1:-1]).strip() or drive.model
        drive.serial = match.group("serial").strip() or drive.serial
    elif match := _SERIAL.fullmatch(message):
        log.drive(match.group("dev")).serial = match.group("serial").strip()
    elif match := _GEOMETRY.fullmatch(message):
        log.drive(match.group("dev")).size_bytes = int(match.group("size"))
    elif match := _OPTION.fullmatch(message):
        log.options.setdefault(match.group("key"), match.group("value").strip())
    elif match := _INVOKING.fullmatch(message):
        drive = log.drive(match.group("dev"))
        drive.invoked, drive.method, drive.started_at = True, match.group("method"), at
    elif match := _ERROR_COUNT.fullmatch(message):
        drive = log.drive(match.group("dev"))
        if match.group("kind") == "verification":
            drive.verify_errors = int(match.group("count"))
        else:
            drive.pass_errors = int(match.group("count"))
    elif match := _BLANKED.match(message):
        log.drive(match.group("dev")).blanked = True
    elif match := _VERIFIED.match(message):
        log.drive(match.group("dev")).verify_succeeded = True
    elif match := _FAILURE.match(message):
        log.drive(match.group("dev")).failure_seen = True
    elif match := _FINISHED.fullmatch(message):
        log.drive(match.group("dev")).rounds_finished = True
    elif match := _FOOTER.search(message):
        log.footer = match.groupdict()
        log.noblank = log.noblank or match.group("blank") == "NB"
    if at is not None:
        for path, drive in log.drives.items():
            if drive.invoked and path in message:
                drive.last_seen_at = at


def _read_status_row(log: _Log, row: re.Match[str]) -> None:
    drive = log.drive_named(row.group("dev"))
    drive.table_result = _TABLE_STATUS.get(row.group("status").strip().upper(), "failed")
    drive.table_duration = dt.timedelta(
        hours=int(row.group("h")), minutes=int(row.group("m")), seconds=int(row.group("s"))
    )
    # The table truncates the model to 17 characters: use it only when nothing better was logged.
    model, _, serial = row.group("ident").strip().rpartition("/")
    drive.model = drive.model or model.strip()
    drive.serial = drive.serial or serial.strip()


def _finish(log: _Log, drive: _Drive) -> WipedDrive:
    name = drive.path.rsplit("/", 1)[-1]
    pass_errors, verify_errors = log.summary_errors.get(
        name, (drive.pass_errors, drive.verify_errors)
    )
    verification = _verification(log)
    if drive.table_result is not None:
        result = drive.table_result
        # nwipe only prints " Erased " when the passes and the verification had no error.
        verified = verification in _VERIFYING and result == "erased" and verify_errors == 0
    else:
        result = _result_from_notices(log, drive)
        verified = verification in _VERIFYING and result == "erased" and drive.verify_succeeded
    rounds = log.options.get("rounds") or log.footer.get("rounds")
    ended_at = drive.last_seen_at
    if drive.started_at is not None and drive.table_duration is not None:
        ended_at = drive.started_at + drive.table_duration
    return WipedDrive(
        device_path=drive.path,
        model=drive.model,
        serial=drive.serial,
        size_bytes=drive.size_bytes,
        method=drive.method or log.options.get("method") or log.footer.get("method") or "Unknown",
        verification=verification,
        rounds=int(rounds) if rounds and rounds.isdigit() else None,
        result=result,
        verified=verified,
        started_at=drive.started_at,
        ended_at=ended_at,
        errors=pass_errors + verify_errors,
    )


def _verification(log: _Log) -> str:
    option = log.options.get("verify", "")  # "1 (last pass)"
    key = option.partition("(")[2].rstrip(")") if "(" in option else log.footer.get("verify", "")
    return _VERIFY_LABELS.get(key.strip().lower(), "Unknown")


def _result_from_notices(log: _Log, drive: _Drive) -> WipeResult:
    if drive.failure_seen or drive.pass_errors or drive.verify_errors:
        return "failed"
    if drive.blanked or (drive.rounds_finished and log.noblank):
        return "erased"
    # Started but never reported completion: stopped by the user ("Nwipe was aborted by the
    # user"), killed, or the log was cut short. None of these erased the drive.
    return "aborted"


def _host(dmi: dict[str, str]) -> str | None:
    maker = dmi.get("system-manufacturer", "")
    product = dmi.get("system-product-name", "")
    # HP and others repeat the maker in the product name ("HP" + "HP EliteDesk 800 G3 SFF").
    name = product if maker and product.startswith(maker) else f"{maker} {product}".strip()
    serial = dmi.get("system-serial-number", "")
    if serial and set(serial) != {"X"}:  # nwipe -q anonymises serials as XXXXXXXXXXXXXXX
        name = f"{name} (S/N {serial})" if name else f"S/N {serial}"
    return name or None

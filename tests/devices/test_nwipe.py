"""Parsing nwipe / ShredOS logs (nwipe 0.35 format) into erasure records."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from collecte.devices.nwipe import NwipeLogError, NwipeReport, WipedDrive, parse_nwipe_log

FIXTURES = Path(__file__).parent / "fixtures"


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def _without_summary(raw: bytes) -> bytes:
    """The log as if nwipe had died before writing its summary tables."""
    return raw.split(b"\n\n*****", 1)[0] + b"\n"


def _by_path(report: NwipeReport) -> dict[str, WipedDrive]:
    return {drive.device_path: drive for drive in report.drives}


@pytest.mark.parametrize("name", ["nwipe-erased.log", "nwipe-failed.log", "nwipe-aborted.log"])
def test_sha256_is_of_the_raw_bytes(name: str) -> None:
    raw = _raw(name)
    report = parse_nwipe_log(raw)
    assert report.sha256 == hashlib.sha256(raw).hexdigest()
    assert report.tool == "nwipe"
    assert report.tool_version == "0.35"


def test_erased_log_two_drives_erased_and_verified() -> None:
    report = parse_nwipe_log(_raw("nwipe-erased.log"))
    assert report.host == "Dell Inc. OptiPlex 7050 (S/N 8FJ2KX2)"
    assert report.drives == [
        WipedDrive(
            device_path="/dev/sda",
            model="Samsung SSD 860 EVO 250GB",
            serial="S3Z9NB0K512345A",
            size_bytes=250059350016,
            method="DoD Short",
            verification="Verify Last Pass",
            rounds=1,
            result="erased",
            verified=True,
            started_at=_utc(2024, 3, 14, 9, 14, 2),
            ended_at=_utc(2024, 3, 14, 9, 59, 29),
            errors=0,
        ),
        WipedDrive(
            device_path="/dev/sdb",
            model="WDC WD10EZEX-08WN4A0",
            serial="WD-WCC6Y4KJ9876",
            size_bytes=1000204886016,
            method="DoD Short",
            verification="Verify Last Pass",
            rounds=1,
            result="erased",
            verified=True,
            started_at=_utc(2024, 3, 14, 9, 14, 2),
            ended_at=_utc(2024, 3, 14, 18, 19, 35),
            errors=0,
        ),
    ]


def test_a_drive_found_but_not_selected_is_not_reported() -> None:
    """The ShredOS boot stick (/dev/sdc) is enumerated, never wiped."""
    report = parse_nwipe_log(_raw("nwipe-erased.log"))
    assert "/dev/sdc" not in _by_path(report)


def test_failed_log() -> None:
    report = parse_nwipe_log(_raw("nwipe-failed.log"))
    assert report.host == "HP EliteDesk 800 G3 SFF (S/N CZC7319KQP)"
    assert report.drives == [
        WipedDrive(
            device_path="/dev/sda",
            model="WDC WD5000AAKX-08U6AA0",  # the full model, not the table's 17 characters
            serial="WD-WCC2EUR12345",
            size_bytes=500107862016,
            method="PRNG Stream",
            verification="Verify Last Pass",
            rounds=1,
            result="failed",
            verified=False,
            started_at=_utc(2024, 5, 2, 13, 42, 8),
            ended_at=_utc(2024, 5, 2, 16, 25, 58),
            errors=10,  # 5 pass errors + 5 verification errors
        )
    ]


def test_aborted_log() -> None:
    report = parse_nwipe_log(_raw("nwipe-aborted.log"))
    assert report.host == "LENOVO 20L5CTO1WW (S/N PF1ABCDE)"
    assert report.drives == [
        WipedDrive(
            device_path="/dev/nvme0n1",
            model="SAMSUNG MZVLB256HAHQ-000L7",
            serial="S41GNX0M123456",
            size_bytes=256060514304,
            method="Fill With Zeros",
            verification="Verify Last Pass",
            rounds=1,
            result="aborted",
            verified=False,
            started_at=_utc(2024, 6, 18, 14, 2, 11),
            ended_at=_utc(2024, 6, 18, 14, 9, 40),
            errors=0,
        )
    ]


@pytest.mark.parametrize("name", ["nwipe-erased.log", "nwipe-failed.log", "nwipe-aborted.log"])
def test_times_are_timezone_aware_utc(name: str) -> None:
    for drive in parse_nwipe_log(_raw(name)).drives:
        assert drive.started_at is not None
        assert drive.ended_at is not None
        assert drive.started_at.utcoffset() == dt.timedelta(0)
        assert drive.started_at <= drive.ended_at


@pytest.mark.parametrize(
    ("name", "results"),
    [
        ("nwipe-erased.log", {"/dev/sda": "erased", "/dev/sdb": "erased"}),
        ("nwipe-failed.log", {"/dev/sda": "failed"}),
        ("nwipe-aborted.log", {"/dev/nvme0n1": "aborted"}),
    ],
)
def test_the_notice_lines_give_the_same_results_without_the_summary(
    name: str, results: dict[str, str]
) -> None:
    report = parse_nwipe_log(_without_summary(_raw(name)))
    assert {drive.device_path: drive.result for drive in report.drives} == results
    full = _by_path(parse_nwipe_log(_raw(name)))
    for drive in report.drives:
        assert drive.verified == full[drive.device_path].verified
        assert drive.errors == full[drive.device_path].errors


def test_the_summary_table_wins_over_the_notice_lines() -> None:
    raw = _raw("nwipe-erased.log").replace(b"sdb | Erased |", b"sdb |-FAILED-|")
    drives = _by_path(parse_nwipe_log(raw))
    assert (drives["/dev/sda"].result, drives["/dev/sdb"].result) == ("erased", "failed")
    assert (drives["/dev/sda"].verified, drives["/dev/sdb"].verified) == (True, False)


def test_each_drive_gets_its_own_result_from_the_notice_lines() -> None:
    raw = _raw("nwipe-erased.log").replace(
        b"[SUCCESS] Blanked device /dev/sdb", b"[FAILURE] /dev/sdb may not be blanked"
    )
    drives = _by_path(parse_nwipe_log(_without_summary(raw)))
    assert (drives["/dev/sda"].result, drives["/dev/sdb"].result) == ("erased", "failed")


@pytest.mark.parametrize(
    ("status", "result"),
    [(b"UABORTED", "aborted"), (b"INSANITY", "failed"), (b"-FAILED-", "failed")],
)
def test_table_statuses(status: bytes, result: str) -> None:
    raw = _raw("nwipe-erased.log").replace(b"sda | Erased |", b"sda |" + status + b"|")
    drive = _by_path(parse_nwipe_log(raw))["/dev/sda"]
    assert drive.result == result
    assert drive.verified is False


def test_a_log_cut_during_the_final_blank_is_not_erased() -> None:
    raw = _raw("nwipe-erased.log")
    cut = raw[: raw.index(b"[2024/03/14 09:51:04]")]
    assert _by_path(parse_nwipe_log(cut))["/dev/sda"].result == "aborted"


def test_a_log_cut_before_the_verification_result_is_not_verified() -> None:
    raw = b"\n".join(
        line
        for line in _raw("nwipe-erased.log").splitlines()
        if b"[SUCCESS] Verified that /dev/sda" not in line
    )
    drive = _by_path(parse_nwipe_log(_without_summary(raw)))["/dev/sda"]
    assert (drive.result, drive.verified) == ("erased", False)


@pytest.mark.parametrize(
    ("option", "footer", "label", "verified"),
    [
        (b"1 (last pass)", b"VL", "Verify Last Pass", True),
        (b"2 (all passes)", b"VA", "Verify All Passes", True),
        (b"0 (off)", b"NV", "Off", False),
    ],
)
def test_verification_setting(option: bytes, footer: bytes, label: str, verified: bool) -> None:
    raw = (
        _raw("nwipe-erased.log")
        .replace(b"verify   = 1 (last pass)", b"verify   = " + option)
        .replace(b"1R+B+VL", b"1R+B+" + footer)
    )
    drive = parse_nwipe_log(raw).drives[0]
    assert (drive.verification, drive.verified) == (label, verified)


def test_settings_fall_back_to_the_summary_footer() -> None:
    raw = b"\n".join(
        line
        for line in _raw("nwipe-erased.log").splitlines()
        if b"  method   =" not in line
        and b"  verify   =" not in line
        and b"  rounds   =" not in line
    ).replace(b"1R+B+VL", b"3R+B+VA")
    drive = parse_nwipe_log(raw).drives[0]
    assert (drive.method, drive.rounds, drive.verification) == ("DoD Short", 3, "Verify All Passes")


def test_anonymised_host_serial_is_left_out() -> None:
    raw = _raw("nwipe-erased.log").replace(b"= 8FJ2KX2", b"= XXXXXXXXXXXXXXX")
    assert parse_nwipe_log(raw).host == "Dell Inc. OptiPlex 7050"


def test_no_host_details() -> None:
    raw = b"\n".join(
        line for line in _raw("nwipe-erased.log").splitlines() if b"info: system-" not in line
    )
    assert parse_nwipe_log(raw).host is None


def test_windows_line_endings() -> None:
    raw = _raw("nwipe-failed.log").replace(b"\n", b"\r\n")
    assert [drive.result for drive in parse_nwipe_log(raw).drives] == ["failed"]


OLD_FORMAT = b"""\
[2019/11/02 10:00:01] nwipe: notice: Opened entropy source '/dev/urandom'.
[2019/11/02 10:00:05] nwipe: notice: Program options are set as follows...
[2019/11/02 10:00:05] nwipe: notice:   method   = PRNG Stream
[2019/11/02 10:00:05] nwipe: notice:   verify   = 1 (last pass)
[2019/11/02 10:00:05] nwipe: notice: Invoking method 'PRNG Stream' on device '/dev/sda'.
[2019/11/02 11:30:05] nwipe: notice: Blanking device '/dev/sda'.
[2019/11/02 12:10:05] nwipe: notice: [SUCCESS] Verified that '/dev/sda' is empty.
[2019/11/02 12:10:05] nwipe: notice: [SUCCESS] Blanked device '/dev/sda'.
"""


def test_older_nwipe_lines_are_read() -> None:
    report = parse_nwipe_log(OLD_FORMAT)
    assert report.tool_version is None
    (drive,) = report.drives
    assert drive.device_path == "/dev/sda"
    assert (drive.method, drive.result, drive.verified) == ("PRNG Stream", "erased", True)
    assert drive.started_at == _utc(2019, 11, 2, 10, 0, 5)
    assert drive.ended_at == _utc(2019, 11, 2, 12, 10, 5)
    assert (drive.model, drive.serial, drive.size_bytes, drive.rounds) == ("", "", None, None)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02\xff\xfe" * 100,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"[2024/03/14 09:12:41] sshd[812]: Accepted publickey for root\n",
        "Journal d'effacement\nDisque 1 : effacé\n".encode(),
    ],
)
def test_what_is_not_an_nwipe_log_is_refused(raw: bytes) -> None:
    with pytest.raises(NwipeLogError, match="not an nwipe log"):
        parse_nwipe_log(raw)


def test_a_log_without_a_wipe_is_refused() -> None:
    raw = _raw("nwipe-aborted.log")
    before_wipe = raw[: raw.index(b"[2024/06/18 14:02:11]  notice: Program options")]
    before_wipe += b"[2024/06/18 14:02:11]    info: Nwipe was aborted by the user prior to the wipe starting.\n"
    with pytest.raises(NwipeLogError, match="no wiped drive"):
        parse_nwipe_log(before_wipe)


def test_nwipe_log_error_is_a_value_error() -> None:
    assert issubclass(NwipeLogError, ValueError)

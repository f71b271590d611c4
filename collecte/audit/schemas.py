"""What the audit API answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from collecte.core.chain import Reason, Verification


class BrokenLinkOut(BaseModel):
    """The first place the chain breaks."""

    seq: int | None = Field(description="The event number where it breaks (null: unnumbered).")
    reason: Reason = Field(
        description="link: an event's content or hash is not what was chained; missing: no "
        "event bears this number (deleted); head: the counter's head is not the last event's "
        "link; beyond_head: an event numbered past the counter; unnumbered: a committed event "
        "without a number; unreadable: a value no column type reads."
    )
    event_id: int | None = Field(description="The event's row id, when there is one.")


class HeadOut(BaseModel):
    """The chain's head: print it, keep it, compare it later."""

    seq: int = Field(description="The latest event's number.")
    hash: str = Field(description="Its link (sha256, hex); '' before the first event.")


class VerificationOut(BaseModel):
    """The event log's hash chain, recomputed."""

    ok: bool
    checked: int = Field(description="Events whose link held, in log order, before any break.")
    first_broken: BrokenLinkOut | None
    head: HeadOut

    @classmethod
    def of(cls, verification: Verification) -> VerificationOut:
        broken = verification.first_broken
        return cls(
            ok=verification.ok,
            checked=verification.checked,
            first_broken=None
            if broken is None
            else BrokenLinkOut(
                seq=broken.seq,
                reason=broken.reason,
                event_id=broken.event_id,
            ),
            head=HeadOut(seq=verification.head_seq, hash=verification.head_hash),
        )

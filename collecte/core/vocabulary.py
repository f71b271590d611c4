"""Human names for stored values (roles, kinds, statuses), marked for translation.

Pages show ``value|label``: the English name below, translated into the visitor's language.
"""

from __future__ import annotations

import enum

from collecte.core.i18n import gettext


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name for "mark, don't translate")
    """Mark a message for extraction without translating it now."""
    return message


LABELS: dict[str, str] = {
    # roles
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "technician": N_("Technician"),
    "donor": N_("Donor"),
    "partner": N_("Partner"),
    "auditor": N_("Auditor"),
    # organisation kinds
    "workshop": N_("Workshop"),
    # device statuses
    "received": N_("Received"),
    "diagnosed": N_("Diagnosed"),
    "wiped": N_("Wiped"),
    "in_repair": N_("In repair"),
    "graded": N_("Graded"),
    "available": N_("Available"),
    "allocated": N_("Allocated"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "handed_over": N_("Handed over"),
    "returned": N_("Returned"),
    "parts": N_("Parts"),
    "recycled": N_("Recycled"),
    "lost": N_("Lost"),
    # pickup statuses
    "requested": N_("Requested"),
    "scheduled": N_("Scheduled"),
    "collected": N_("Collected"),
    "cancelled": N_("Cancelled"),
    # device categories
    "laptop": N_("Laptop"),
    "desktop": N_("Desktop computer"),
    "smartphone": N_("Smartphone"),
    "tablet": N_("Tablet"),
    "monitor": N_("Monitor"),
    "printer": N_("Printer"),
    "other": N_("Other"),
    # diagnosis results, erasure results and NIST SP 800-88 levels
    "pass": N_("Pass"),
    "fail": N_("Fail"),
    "erased": N_("Erased"),
    "failed": N_("Failed"),
    "aborted": N_("Aborted"),
    "clear": N_("Clear"),
    "purge": N_("Purge"),
    "destroy": N_("Destroy"),
    # diagnosis checklist items and their choices
    "boots": N_("Boots to an operating system"),
    "powers_on": N_("Powers on"),
    "battery_health": N_("Battery health (% of design capacity)"),
    "screen": N_("Screen works, no major defect"),
    "keyboard": N_("Every key works"),
    "touchpad": N_("Touchpad and its buttons work"),
    "ports": N_("Ports work"),
    "storage_smart": N_("Storage SMART status (none: no storage)"),
    "camera": N_("Webcam works"),
    "wifi": N_("Wi-Fi connects"),
    "ram_test": N_("Memory test passes"),
    "psu_fan": N_("Power supply and fans run quietly"),
    "imei_clean": N_("IMEI not blacklisted"),
    "account_lock_removed": N_("No account lock (Google, Apple, Samsung)"),
    "touch": N_("Touch screen responds everywhere"),
    "cameras": N_("Cameras work"),
    "buttons": N_("Buttons work"),
    "dead_pixels": N_("Dead pixels"),
    "inputs": N_("Every video input shows a picture"),
    "stand": N_("Stand present and holds the screen"),
    "test_page": N_("Prints a clean test page"),
    "consumables": N_("Ink or toner level"),
    "notes": N_("What was checked"),
    "ok": N_("OK"),
    "warning": N_("Warning"),
    "none": N_("None"),
    "few": N_("A few"),
    "many": N_("Many"),
    "low": N_("Low"),
    "empty": N_("Empty"),
    # device history events and scan-station actions
    "intake": N_("Intake"),
    "transition": N_("Status change"),
    "diagnosis": N_("Diagnosis"),
    "erasure": N_("Erasure"),
    "grade": N_("Grade"),
    "repair": N_("Repair"),
    "hold": N_("On hold"),
    "release": N_("Hold lifted"),
    "move": N_("Moved to another site"),
    "label_printed": N_("Label printed"),
    "storage_absent": N_("No storage present"),
    "pickup_requested": N_("Pickup requested"),
    "pickup_updated": N_("Pickup request edited"),
    "pickup_scheduled": N_("Pickup scheduled"),
    "pickup_collected": N_("Pickup collected"),
    "pickup_cancelled": N_("Pickup cancelled"),
    "print_label": N_("Print label"),
    # requests, their cancellation reasons and fulfilment; shipments
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "closed": N_("Closed"),
    "no_longer_needed": N_("No longer needed"),
    "duplicate": N_("Duplicate request"),
    "no_stock": N_("No suitable stock"),
    "partner_unreachable": N_("Partner unreachable"),
    "partial": N_("Partial"),
    "complete": N_("Complete"),
    "preparing": N_("Being prepared"),
    "dispatched": N_("Dispatched"),
    # the partner flow's events
    "request_submitted": N_("Request submitted"),
    "request_approved": N_("Request approved"),
    "request_rejected": N_("Request rejected"),
    "request_cancelled": N_("Request cancelled"),
    "request_closed": N_("Request closed"),
    "request_line_changed": N_("Request line changed"),
    "deallocated": N_("Taken out of a request"),
    "not_delivered": N_("Not delivered"),
    "handover_undone": N_("Hand-over undone"),
    "shipment_created": N_("Shipment prepared"),
    "shipment_dispatched": N_("Shipment dispatched"),
    "shipment_delivered": N_("Shipment delivered"),
    # beneficiaries (optional, coarse on purpose)
    "under_18": N_("Under 18"),
    "18_25": N_("18 to 25"),
    "26_64": N_("26 to 64"),
    "65_plus": N_("65 and over"),
    "job_seeker": N_("Job seeker"),
    "student": N_("Student"),
    "employed": N_("Employed"),
    "retired": N_("Retired"),
    "family": N_("Family"),
    # outbox states ("failed" is the erasure result's word above)
    "queued": N_("Queued"),
    "sent": N_("Sent"),
}


def label(value: object) -> str:
    """The translated human name of a stored value (the value itself when it has none)."""
    key = str(value.value) if isinstance(value, enum.Enum) else str(value)
    name = LABELS.get(key)
    return gettext(name) if name else key

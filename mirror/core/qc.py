"""Alyx's QC scale (one.alf.spec.QC): stored as an int, shown and filtered by name."""
from django.db import models


class QC(models.IntegerChoices):
    NOT_SET = 0, "NOT_SET"
    PASS = 10, "PASS"
    WARNING = 30, "WARNING"
    FAIL = 40, "FAIL"
    CRITICAL = 50, "CRITICAL"


QC_NAMES = [choice.label for choice in QC]


def qc_value(raw) -> int:
    """Turn a QC name (any case) or number into its int; ValueError names the accepted values."""
    text = str(raw).strip()
    if text.lstrip("-").isdigit() and int(text) in QC.values:
        return int(text)
    for choice in QC:
        if choice.label.lower() == text.lower():
            return int(choice)
    raise ValueError(f"'{raw}' is not a QC value; use one of {', '.join(QC_NAMES)} or {QC.values}")

"""What an officer's decision form says: its fields, trimmed and bounded, and the dismissal
reason chosen from the bureau's list (for a model warning and a trigger alike)."""

from __future__ import annotations

from typing import Any

from serving.ui import i18n


def chosen_reason(code: str | None, other: str | None) -> tuple[str | None, str | None]:
    """(the reason to store, or None; an i18n error key, or None) from the form's reason list
    and its "other" text. A listed reason is stored in the bureau's words (Chinese); "other"
    stores the officer's own text and needs one; the form's hints are never stored."""
    if not code:
        return None, None
    if code not in i18n.DISMISS_REASONS:
        return None, "dismiss_needs_reason"
    if code == "other":
        return (other, None) if other else (None, "other_needs_text")
    return i18n.translator("zh")(f"dismiss_{code}"), None


def decision_form(form: Any) -> tuple[dict[str, str | None], str | None, str | None]:
    """A decision form's fields (trimmed, bounded), the dismissal reason chosen and the
    problem with it, if any."""
    fields = {k: (str(form.get(k) or "").strip()[:2000] or None)
              for k in ("decision", "reason_code", "reason_other", "note")}
    reason, problem = chosen_reason(fields["reason_code"], fields["reason_other"])
    return fields, reason, problem

"""Dashboard formatting: durations a person reads at a glance, and changes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """45 s, 12 min, 3 h 05 min, 2 d 4 h; an em dash when there is nothing to measure."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s h") % {"d": days, "h": hours}


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g} %"


@register.simple_tag
def change(tile: dict[str, Any], lower_is_better: bool = False) -> dict[str, str]:
    """The change against the previous period, and whether it is good news."""
    now, before = tile.get("value"), tile.get("previous")
    if now is None or before is None or now == before:
        return {"arrow": "", "tone": "", "text": ""}
    better = (now < before) == bool(lower_is_better)
    arrow = "▲" if now > before else "▼"
    delta = abs(now - before)
    text = f"{delta / abs(before) * 100:.0f} %" if before else f"{delta:g}"
    return {"arrow": arrow, "tone": "good" if better else "bad", "text": text}

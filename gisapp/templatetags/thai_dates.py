from django import template
from django.utils.translation import get_language

from gisapp.thaidate import format_be_date

register = template.Library()


@register.filter
def be_date(value, arg=""):
    """``{{ case.received_at|be_date }}``; ``|be_date:"short"``, ``|be_date:"time"``.

    Thai pages show Buddhist-Era dates; English pages show the same date in C.E.
    """
    if value is None or value == "":
        return ""
    options = set(arg.split(",")) if arg else set()
    if (get_language() or "th").startswith("th"):
        return format_be_date(value, short="short" in options, with_time="time" in options)
    fmt = "%d %b %Y" if "short" in options else "%d %B %Y"
    if "time" in options and hasattr(value, "hour"):
        fmt += " %H:%M"
    from django.utils import timezone

    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return value.strftime(fmt)

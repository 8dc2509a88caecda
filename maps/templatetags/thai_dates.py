from django import template

from layers.thaidate import date_label

register = template.Library()


@register.filter
def be_date(value, arg=""):
    """``{{ case.received_at|be_date }}``; ``|be_date:"short"``, ``|be_date:"time"``.

    Thai pages show Buddhist-Era dates; English pages show the same date in C.E.
    """
    return date_label(value, arg)

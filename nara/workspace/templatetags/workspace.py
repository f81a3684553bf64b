"""Template helpers for staff pages."""

from django import template

from nara.workspace import words
from nara.workspace.menu import menu_links

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """[(url, label)] of the menu links the signed-in user may open."""
    return menu_links(context["request"].user)


@register.filter
def schedule_days(schedule):
    """When a schedule recurs, in words."""
    return words.describe_days(schedule)


@register.filter
def language_name(code):
    return words.language_name(code)

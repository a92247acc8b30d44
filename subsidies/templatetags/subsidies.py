from django import template

from subsidies.rules import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value):
    """`8,000` / `3,600.25` / `—`: amounts as the messages write them."""
    return _yuan(value)

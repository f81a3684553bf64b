"""Help topics on the public site. Their texts live in the public templates (gettext)."""

from django.utils.translation import gettext_lazy as _

TOPICS = [
    ("parenting", _("Being a parent"), False),
    ("school-absence", _("A child who stays home from school"), False),
    ("relationships", _("Relationships and separation"), False),
    ("loneliness", _("Loneliness"), False),
    ("money", _("Money and debts"), False),
    ("housing", _("Housing"), False),
    ("youth-crime", _("Young people and crime"), True),
    ("violence", _("Violence in close relationships"), True),
    ("alcohol-drugs", _("Alcohol and drugs"), False),
]

TOPIC_CHOICES = [(slug, title) for slug, title, _sensitive in TOPICS]
TOPIC_TITLES = dict(TOPIC_CHOICES)
SENSITIVE_TOPICS = {slug for slug, _title, sensitive in TOPICS if sensitive}

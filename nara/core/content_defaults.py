"""Default public content, seeded in every language from the gettext catalogues.

Staff can edit the stored copies afterwards; these are only the starting point.
"""

from django.utils.translation import gettext_lazy as _

DEFAULT_MYTHS = [
    (
        _("Social services take children away from their parents."),
        _(
            "Almost all help for families is voluntary and given while the children live at "
            "home. Children are placed outside the home only in rare cases, and then a court "
            "decides."
        ),
    ),
    (
        _("If I ask for advice, I get a file with my name."),
        _(
            "You can talk to us without giving your name. We only keep records when you get "
            "help that the law says must be documented, and you have the right to read them."
        ),
    ),
    (
        _("Social services are only for people who have big problems."),
        _(
            "Most people who come to us have everyday questions: about children, school, money "
            "or housing. It is better to come early, before small problems grow."
        ),
    ),
    (
        _("Social services share everything with the police and the Migration Agency."),
        _(
            "Social services have a strict duty of confidentiality. Information is shared only "
            "when the law requires it, for example to protect a child from harm."
        ),
    ),
    (
        _("You need to speak Swedish to get help."),
        _(
            "You have the right to an interpreter, free of charge. Many of our staff also speak "
            "several languages."
        ),
    ),
]

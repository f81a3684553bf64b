"""Plain-language texts for the help topics. Translated through the gettext catalogues."""

from django.utils.translation import gettext_lazy as _

TOPIC_TEXTS = {
    "parenting": {
        "intro": _(
            "Being a parent can be hard. Many parents wonder about sleep, food, limits, "
            "screens or worries about their child. You are welcome to talk to us."
        ),
        "help": [
            _("A talk about what feels hard right now"),
            _("Parenting groups with other parents"),
            _("Advice on where to get more help, for example the child health centre"),
        ],
    },
    "school-absence": {
        "intro": _(
            "When a child often stays home from school, there is usually a reason. "
            "We can help you find out why, together with the school."
        ),
        "help": [
            _("A talk with you and your child"),
            _("A meeting together with the school, if you want"),
            _("Support for the child to get back to school step by step"),
        ],
    },
    "relationships": {
        "intro": _(
            "Arguments, separation or a hard time as a couple affect the whole family. "
            "Talking to someone outside can help."
        ),
        "help": [
            _("Talks for couples or for one of you"),
            _("Help to agree on the children after a separation"),
            _("Family counselling"),
        ],
    },
    "loneliness": {
        "intro": _(
            "Many people feel lonely, young and old. You are not alone in feeling this way."
        ),
        "help": [
            _("A talk about your situation"),
            _("Tips on meeting places and activities in your area"),
            _("Contact with associations and volunteers"),
        ],
    },
    "money": {
        "intro": _(
            "Money worries can keep you awake at night. There is help with a budget, "
            "debts and bills."
        ),
        "help": [
            _("Budget and debt advice"),
            _("Help to understand letters from authorities"),
            _("Information about financial support"),
        ],
    },
    "housing": {
        "intro": _(
            "If you risk losing your home, or you have nowhere to live, contact us early. "
            "The earlier, the more we can do."
        ),
        "help": [
            _("Advice when you have rent arrears"),
            _("Contact with the landlord, if you want"),
            _("Information about what help you can apply for"),
        ],
    },
    "youth-crime": {
        "intro": _(
            "Are you worried that a young person is drawn into crime, or are you young and "
            "want to get out? Talk to us. We work with school, police and associations."
        ),
        "help": [
            _("Talks with the young person and the family"),
            _("Activities and contacts with adults who care"),
            _("Help to get out of a criminal environment"),
        ],
    },
    "violence": {
        "intro": _(
            "No one should have to live with violence or threats. If someone close to you "
            "hits, threatens or controls you, you can get help. In an emergency, call 112."
        ),
        "help": [
            _("A talk where you decide what happens next"),
            _("Help with protected housing"),
            _("Support for children who have seen or suffered violence"),
        ],
    },
    "alcohol-drugs": {
        "intro": _(
            "Are you worried about your own or someone else's drinking, drugs or gambling? "
            "You can talk to us, also if you are a relative."
        ),
        "help": [
            _("Talks about your habits"),
            _("Support for relatives"),
            _("Contact with addiction care"),
        ],
    },
}

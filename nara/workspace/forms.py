from i18nfield.forms import I18nModelForm

from nara.core.models import MythFact


class MythFactForm(I18nModelForm):
    class Meta:
        model = MythFact
        fields = ["myth", "fact", "order", "is_published"]

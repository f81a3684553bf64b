# Indexes for the insights' reads of raw contacts (unique reach, time to first steps).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0022_contact_followups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('person__isnull', False)), fields=['occurred_on', 'center', 'person'], name='contact_reach_person'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('household__isnull', False)), fields=['occurred_on', 'center', 'household'], name='contact_reach_household'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('alias__isnull', False)), fields=['occurred_on', 'center', 'alias'], name='contact_reach_alias'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(condition=models.Q(('first_contact', True), models.Q(('person__isnull', False), ('alias__isnull', False), _connector='OR')), fields=['occurred_on', 'center'], include=('first_offer_on', 'first_meeting_on'), name='contact_first_steps'),
        ),
    ]

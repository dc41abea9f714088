"""Offers per organisation: a slot is offered to the organisations it names, no longer to "every
organisation" when it names none. Each offered slot that named none is offered to every organisation its
coach serves now (an active coach membership in an active organisation), so that what employees could
book before is what they can book after."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def offer_where_the_coach_serves(apps, schema_editor):
    Slot = apps.get_model("availability", "Slot")
    Membership = apps.get_model("tenants", "Membership")
    Organisation = apps.get_model("tenants", "Organisation")
    offers = Slot.organisations.through._meta.db_table
    schema_editor.execute(
        f"""INSERT INTO {offers} (slot_id, organisation_id)
            SELECT slot.id, membership.organisation_id
              FROM {Slot._meta.db_table} slot
              JOIN {Membership._meta.db_table} membership
                ON membership.user_id = slot.coach_id AND membership.role = 'coach' AND membership.is_active
              JOIN {Organisation._meta.db_table} organisation
                ON organisation.id = membership.organisation_id AND organisation.is_active
                   AND organisation.schema_name <> %s
             WHERE slot.is_offered
               AND NOT EXISTS (SELECT 1 FROM {offers} offer WHERE offer.slot_id = slot.id)
            ON CONFLICT DO NOTHING""", [get_public_schema_name()])


class Migration(migrations.Migration):

    dependencies = [
        ('availability', '0002_slot_booking_details'),
        ('tenants', '0003_organisation_retention_months'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='slot',
            name='organisations',
            field=models.ManyToManyField(blank=True, related_name='+', to='tenants.organisation', verbose_name='offered to'),
        ),
        migrations.CreateModel(
            name='OfferDefault',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('offer_to', models.CharField(choices=[('all', 'Every organisation I coach for'), ('chosen', 'Only the organisations I choose')], default='all', max_length=10, verbose_name='offer new free time to')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('coach', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisations', models.ManyToManyField(blank=True, related_name='+', to='tenants.organisation', verbose_name='organisations')),
            ],
        ),
        migrations.RunPython(offer_where_the_coach_serves, migrations.RunPython.noop),
    ]

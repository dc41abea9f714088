"""Invitations become offers that the person accepts: the address and names HR typed live on the
invitation, the account is set only once someone accepts, and each invitation has a status.

Invitations already used count as accepted; memberships are untouched (an existing membership is an
accepted one)."""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


def forwards(apps, schema_editor):
    Invitation = apps.get_model("tenants", "Invitation")
    for invitation in Invitation.objects.select_related("user").iterator():
        invitation.email = invitation.user.email if invitation.user_id else ""
        invitation.first_name = invitation.user.first_name if invitation.user_id else ""
        invitation.last_name = invitation.user.last_name if invitation.user_id else ""
        invitation.status = "accepted" if invitation.accepted_at else "pending"
        invitation.save(update_fields=["email", "first_name", "last_name", "status"])


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0003_organisation_retention_months"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation", name="email",
            field=models.EmailField(default="", max_length=254, verbose_name="email address"),
            preserve_default=False),
        migrations.AddField(
            model_name="invitation", name="first_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="first name")),
        migrations.AddField(
            model_name="invitation", name="last_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="last name")),
        migrations.AddField(
            model_name="invitation", name="status",
            field=models.CharField(choices=[("pending", "Invited"), ("accepted", "Accepted"),
                                            ("declined", "Declined"), ("cancelled", "Cancelled")],
                                   default="pending", max_length=10, verbose_name="status")),
        migrations.AddField(
            model_name="invitation", name="cohort",
            field=models.PositiveIntegerField(blank=True, null=True)),
        migrations.AddField(
            model_name="invitation", name="enrolment",
            field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(
            model_name="invitation", name="ended_at",
            field=models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(
            model_name="invitation", name="user",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="invitations", to=settings.AUTH_USER_MODEL)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(fields=["email", "status"], name="tenants_inv_email_74dee3_idx")),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(fields=["organisation", "status", "cohort"], name="tenants_inv_organis_0a0e29_idx")),
    ]

from django.db import migrations, models


def password_check_scope(apps, schema_editor):
    # Tokens made before scopes existed could call the password check only; they keep that.
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken._base_manager.all().update(scopes=["dashboard.view"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_hand_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(password_check_scope, migrations.RunPython.noop),
    ]

from django.db import migrations


def create_head(apps, schema_editor):
    # The head row exists before the first append, so concurrent first writers lock it
    # instead of racing to create it.
    head_model = apps.get_model("core", "AuditChainHead")
    head_model.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]

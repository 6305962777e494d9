"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail.

(SQLite keeps the ORM-level guard only: Django's test flush there uses DELETE.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION schools_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER schools_auditevent_append_only
    BEFORE UPDATE OR DELETE ON schools_auditevent
    FOR EACH ROW EXECUTE FUNCTION schools_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS schools_auditevent_append_only ON schools_auditevent;
DROP FUNCTION IF EXISTS schools_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("schools", "0002_alter_auditevent_options_alter_membership_options_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]

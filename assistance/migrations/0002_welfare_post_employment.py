"""A public-welfare post is work (issue 19, DESIGN.md §4.2): each post links the employment of form 公益性岗位
with its dates — a 公益性岗位 job of the person starting that day when the ledger has one, else a new job in
the district, in the person's township of registration that day, in 其他行业, employer 公益性岗位 (or the
post's employer)."""

import django.db.models.deletion
from django.db import migrations, models

from workers.services.employers import employer_key


def link_posts(apps, schema_editor):
    Post = apps.get_model("assistance", "PublicWelfarePost")
    Employment = apps.get_model("workers", "Employment")
    Employer = apps.get_model("workers", "Employer")
    Industry = apps.get_model("targets", "Industry")
    Period = apps.get_model("workers", "RegistrationPeriod")
    other = None
    for post in Post.objects.select_related("worker").order_by("id").iterator():
        job = (
            Employment.objects.filter(worker_id=post.worker_id, form="公益性岗位", start_date=post.start_date)
            .exclude(pk__in=Post.objects.exclude(employment=None).values("employment_id"))
            .order_by("id")
            .first()
        )
        if job is None:
            other = other or Industry.objects.get(code="99")
            name = post.employer_name or "公益性岗位"
            key = employer_key(name)
            employer = Employer.objects.filter(name_key=key).first() or Employer.objects.create(
                name=name, name_key=key
            )
            job = Employment.objects.filter(
                worker_id=post.worker_id, start_date=post.start_date, employer_key=key
            ).first()
        if job is None:
            period = (
                Period.objects.filter(worker_id=post.worker_id, from_date__lte=post.start_date)
                .order_by("-from_date")
                .first()
            )
            job = Employment.objects.create(
                worker_id=post.worker_id,
                employer=employer,
                employer_key=key,
                industry=other,
                workplace="in_district",
                workplace_township_id=post.worker.township_id,
                form="公益性岗位",
                start_date=post.start_date,
                end_date=post.end_date,
                channel="公益性岗位",
                monthly_income=post.monthly_subsidy,
                source="form",
                registration_township_id=period.township_id if period else post.worker.township_id,
            )
        elif post.end_date is not None and job.end_date is None:
            job.end_date = post.end_date
            job.save(update_fields=["end_date"])
        post.employment = job
        post.save(update_fields=["employment"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0001_initial"),
        ("workers", "0008_registration_township_required"),
        ("targets", "0005_staff_must_change_password"),
    ]

    operations = [
        migrations.AddField(
            model_name="publicwelfarepost",
            name="employment",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="welfare_post",
                to="workers.employment",
                verbose_name="就业记录",
            ),
        ),
        migrations.RunPython(link_posts, migrations.RunPython.noop, elidable=True),
    ]

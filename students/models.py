from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from schools.models import School

# Roster order: grade, class, attendance number, then the student number (unique, so stable).
ROSTER_ORDER = ("grade", "class_name", "number", "student_number")


def roster_order(prefix: str = "") -> list[str]:
    """The roster order for a query through a relation, e.g. prefix="student__"."""
    return [f"{prefix}{field}" for field in ROSTER_ORDER]


def name_q(query: str, prefix: str = "") -> models.Q:
    """Name or kana contains the query: how a teacher finds a child (kanji or kana typed)."""
    return models.Q(**{f"{prefix}name__icontains": query}) | models.Q(
        **{f"{prefix}kana__icontains": query}
    )


class StudentQuerySet(models.QuerySet):
    def search(self, query: str) -> StudentQuerySet:
        """The roster search: name or kana contains it, or it is the student number."""
        return self.filter(name_q(query) | models.Q(student_number=query))

    def classes(self) -> list[tuple[int, str]]:
        """The (grade, class) pairs these students are in, in order: the class pickers' choices."""
        pairs = self.order_by("grade", "class_name").values_list("grade", "class_name")
        return list(pairs.distinct())


class Student(models.Model):
    """A pupil on the school roster. Nothing about insurance lives here."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students")
    student_number = models.CharField(_("学籍番号"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("学年"))
    class_name = models.CharField(_("組"), max_length=10)
    number = models.PositiveSmallIntegerField(_("出席番号"), null=True, blank=True)
    name = models.CharField(_("名前"), max_length=100)
    kana = models.CharField(_("ふりがな"), max_length=100, blank=True)
    active = models.BooleanField(_("在籍"), default=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("生徒")
        verbose_name_plural = _("生徒")
        ordering = list(ROSTER_ORDER)
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="student_number_unique_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade}-{self.class_name} {self.name}"


class GuardianQuerySet(models.QuerySet):
    def with_email(self, school: School, email: str) -> models.QuerySet:
        """The school's guardian with this e-mail, whatever its case (at most one)."""
        return self.filter(school=school, email__iexact=email)

    def get_or_create_for_email(self, school: School, email: str, **fields) -> Guardian:
        """The school's guardian with this e-mail, created (lower-cased) when none exists.

        Two requests adding the same address at once both end with the one row the unique
        constraint lets through.
        """
        email = email.lower()
        guardian = self.with_email(school, email).first()
        if guardian is not None:
            return guardian
        try:
            with transaction.atomic():
                return self.create(school=school, email=email, **fields)
        except IntegrityError:
            return self.with_email(school, email).get()


class Guardian(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("名前"), max_length=100, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    students = models.ManyToManyField(Student, related_name="guardians", blank=True)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        verbose_name = _("保護者")
        verbose_name_plural = _("保護者")
        constraints = [
            # Siblings share a guardian: one row per address and school, whatever its case.
            models.UniqueConstraint(
                Lower("email"),
                "school",
                condition=~models.Q(email=""),
                name="guardian_email_unique_per_school",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import School


class Student(models.Model):
    """A pupil on the school roster. Nothing about insurance lives here."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students")
    student_number = models.CharField(_("student number"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("grade"))
    class_name = models.CharField(_("class"), max_length=10)
    number = models.PositiveSmallIntegerField(_("attendance number"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    kana = models.CharField(_("kana"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["grade", "class_name", "number", "student_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="student_number_unique_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade}-{self.class_name} {self.name}"


class Guardian(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    students = models.ManyToManyField(Student, related_name="guardians", blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return self.name or self.email

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Guardian, Student
from .roster import MAX_BYTES


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = ["student_number", "grade", "class_name", "number", "name", "kana"]

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)

    def clean_student_number(self) -> str:
        # Same normalisation as the import: full-width digits typed on a Japanese keyboard.
        value = unicodedata.normalize("NFKC", self.cleaned_data["student_number"]).strip()
        clash = Student.objects.filter(school=self.school, student_number=value)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("この学籍番号はすでに名簿にあります。"))
        return value

    def clean_class_name(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["class_name"]).strip()

    def clean_kana(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["kana"]).strip()

    def clean_name(self) -> str:
        # Never NFKC a name: 﨑 and other compatibility ideographs must stay as written.
        return self.cleaned_data["name"].strip()


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "email", "phone"]

    def clean_email(self) -> str:
        # Stored lower-cased, as the roster import does, so both find the same guardian.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if not data.get("name") and not data.get("email"):
            raise forms.ValidationError(_("氏名かメールアドレスを入力してください。"))
        return data


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("氏名・ふりがな・学籍番号"), required=False)
    grade = forms.IntegerField(label=_("学年"), required=False, min_value=1, max_value=12)
    class_name = forms.CharField(label=_("組"), required=False)
    inactive = forms.BooleanField(label=_("無効の生徒も表示"), required=False)


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("名簿CSVファイル"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（1.5MBまで）。"))
        return upload

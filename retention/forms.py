from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from schools.audit import ACTION_LABELS
from trips.models import Participant, Trip

from .models import IncidentNote


class AuditFilterForm(forms.Form):
    trip = forms.ModelChoiceField(queryset=Trip.objects.none(), required=False, label=_("旅行"))
    actor = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("操作した人")
    )
    action = forms.ChoiceField(required=False, label=_("操作"))
    date_from = forms.DateField(
        required=False, label=_("開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("終了日"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trip"].queryset = Trip.objects.filter(school=school)
        self.fields["actor"].queryset = get_user_model().objects.filter(memberships__school=school)
        self.fields["actor"].label_from_instance = lambda user: user.get_username()
        # Labels for people, codes in the query string (and in the CSV export).
        self.fields["action"].choices = [("", "---------"), *ACTION_LABELS.items()]

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["trip"]:
            queryset = queryset.filter(trip_id=data["trip"].pk)
        if data["actor"]:
            queryset = queryset.filter(actor_id=data["actor"].pk)
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["date_from"]:
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset


class IncidentNoteForm(forms.ModelForm):
    class Meta:
        model = IncidentNote
        fields = ["participant", "date", "place", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "note": _(
                "症状、受診内容、請求先の保険者などを文章で記録します。"
                "書類の画像や保険者番号・記号番号は記録しないでください。"
            )
        }

    def __init__(self, *args, trip: Trip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = Participant.objects.filter(trip=trip).select_related(
            "student"
        )
        self.fields["participant"].label = _("参加者")
        self.fields["participant"].label_from_instance = lambda p: p.student.name

    # Insurer numbers (6 or 8 digits) and symbol/numbers must never be stored in clear fields.
    _DIGIT_RUN = re.compile(r"[0-9０-９]{6,}")

    def _no_numbers(self, name: str) -> str:
        value = self.cleaned_data[name]
        if self._DIGIT_RUN.search(value or ""):
            raise ValidationError(
                _(
                    "保険者番号や記号・番号のような長い数字は記録できません。保険者名で記入してください。"
                )
            )
        return value

    def clean_place(self) -> str:
        return self._no_numbers("place")

    def clean_note(self) -> str:
        return self._no_numbers("note")


class ShreddingForm(forms.Form):
    confirm = forms.BooleanField(label=_("この印刷物を裁断しました"), required=True)

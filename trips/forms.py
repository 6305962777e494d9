from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.people import display_name
from students.models import Student, roster_order

from . import services
from .models import EARLIEST_DATE, LATEST_DATE, MAX_TRIP_DAYS, Participant, ParticipantState, Trip


class DateInput(forms.DateInput):
    input_type = "date"


class TripForm(forms.ModelForm):
    class Meta:
        model = Trip
        fields = [
            "title",
            "kind",
            "destination",
            "start_date",
            "end_date",
            "collection_deadline",
            "organiser",
            "accompanying",
            "contact_phone",
        ]
        widgets = {
            "start_date": DateInput(format="%Y-%m-%d"),
            "end_date": DateInput(format="%Y-%m-%d"),
            "collection_deadline": DateInput(format="%Y-%m-%d"),
            "accompanying": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = teachers
        self.fields["accompanying"].queryset = teachers
        self.fields["organiser"].label_from_instance = display_name
        self.fields["accompanying"].label_from_instance = display_name
        if self.instance.pk is not None and services.dates_frozen(self.instance):
            self.fields["end_date"].help_text = _(
                "開始後または書類を保管中のため、日程は前にだけずらせます。"
            )

    def clean_title(self) -> str:
        # A one-line title: it heads letters, the packet cover and e-mail subjects.
        return " ".join(self.cleaned_data["title"].split())

    def clean_destination(self) -> str:
        return " ".join(self.cleaned_data["destination"].split())

    def clean(self):
        data = super().clean()
        for name in ("start_date", "end_date"):
            day = data.get(name)
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(
                    name, _("日付は2000年1月1日から2100年12月31日までの範囲で入力してください。")
                )
        start, end = data.get("start_date"), data.get("end_date")
        deadline = data.get("collection_deadline")
        if deadline and start and deadline > start:
            self.add_error(
                "collection_deadline", _("提出期限は開始日と同じか、それより前にしてください。")
            )
        if not (start and end):
            return data
        if end < start:
            self.add_error("end_date", _("終了日は開始日と同じか、それより後にしてください。"))
        elif (end - start).days + 1 > MAX_TRIP_DAYS:
            self.add_error(
                "end_date", _("旅行の期間は%(days)d日までです。") % {"days": MAX_TRIP_DAYS}
            )
        elif self.instance.pk is not None:
            # self.instance still holds the stored dates: the form copies its data in afterwards.
            refusal = services.date_change_refusal(self.instance, start, end)
            if refusal:
                self.add_error(None, refusal)
        return data


class AddClassForm(forms.Form):
    grade = forms.IntegerField(label=_("学年"), min_value=1, max_value=12)
    class_name = forms.CharField(label=_("組"), max_length=10)


class AddStudentsForm(forms.Form):
    students = forms.ModelMultipleChoiceField(
        label=_("生徒"), queryset=Student.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, available, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = available


class StudentSearchForm(forms.Form):
    q = forms.CharField(label=_("氏名・ふりがな・学籍番号"), required=False)
    grade = forms.IntegerField(label=_("学年"), required=False, min_value=1, max_value=12)
    class_name = forms.CharField(label=_("組"), required=False)


SORTS = {
    "number": tuple(roster_order("student__")),
    "kana": ("student__kana", "student__name"),
    "group": ("group_name", *roster_order("student__")),
    "state": ("state", *roster_order("student__")),
}


class ParticipantFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("書類の状態"),
        required=False,
        choices=[("", _("すべて")), *ParticipantState.choices],
    )
    group = forms.CharField(label=_("班"), required=False)
    class_name = forms.CharField(label=_("組"), required=False)
    q = forms.CharField(label=_("氏名・ふりがな"), required=False)
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=[
            ("number", _("学年・組・番号")),
            ("kana", _("ふりがな")),
            ("group", _("班")),
            ("state", _("書類の状態")),
        ],
    )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset.order_by(*SORTS["number"])
        data = self.cleaned_data
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["group"]:
            queryset = queryset.filter(group_name=data["group"].strip())
        if data["class_name"]:
            queryset = queryset.filter(student__class_name=data["class_name"].strip())
        if data["q"]:
            q = data["q"].strip()
            queryset = queryset.search(q)
        return queryset.order_by(*SORTS[data["sort"] or "number"])


GROUP_FIELD_PREFIX = "group_"


def groups_from_post(post, participants: list[Participant]) -> dict[int, str]:
    """{participant id: group name} for the participants whose field was posted."""
    groups = {}
    for participant in participants:
        key = f"{GROUP_FIELD_PREFIX}{participant.pk}"
        if key in post:
            groups[participant.pk] = post[key][:50]
    return groups

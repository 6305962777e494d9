from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from schools.people import display_name

from .services import MAX_COPIES, PASSWORD_MAX, PASSWORD_MIN


class BuildForm(forms.Form):
    group_name = forms.ChoiceField(label=pgettext_lazy("packet scope", "対象"), required=False)
    password = forms.CharField(
        label=_("パスワード（タブレットで持ち歩く場合）"),
        required=False,
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, groups: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_name"].choices = [("", _("旅行全体")), *((g, g) for g in groups)]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # qpdf reads its arguments one per line: a line break cannot be part of a password.
        if any(ch in password for ch in "\r\n\0"):
            raise forms.ValidationError(_("改行を含むパスワードは使えません。"))
        return password


class PrintForm(forms.Form):
    copies = forms.IntegerField(label=_("印刷部数"), min_value=1, max_value=MAX_COPIES, initial=1)
    holder = forms.TypedChoiceField(label=_("保管者"), coerce=int)

    def __init__(self, *args, holders, **kwargs):
        # A list, not a queryset: the panel renders this form once per packet row.
        super().__init__(*args, **kwargs)
        self.holders = {user.pk: user for user in holders}
        self.fields["holder"].choices = [(user.pk, display_name(user)) for user in holders]

    def clean_holder(self):
        return self.holders[self.cleaned_data["holder"]]

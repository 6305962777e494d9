from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind

KIND_HELP = {
    DocumentKind.PORTAL_PDF: _(
        "マイナポータルにログインし、「健康保険証」→「資格情報」の画面から"
        "「PDFをダウンロード」したファイル。おすすめです。"
    ),
    DocumentKind.PORTAL_PRINT: _("上のPDFを印刷した紙を、写真に撮るかスキャンしたもの。"),
    DocumentKind.NOTICE: _(
        "加入している健康保険から届いた「資格情報のお知らせ」。"
        "切り取り線の内側のカード部分だけを撮ってください（マイナンバーの下4桁が書かれた部分は不要です）。"
    ),
    DocumentKind.NOTICE_COPY: _("「資格情報のお知らせ」のコピーを撮影・スキャンしたもの。"),
    DocumentKind.KAKUNIN_COPY: _(
        "マイナ保険証をお持ちでない方に届く「資格確認書」の写し（表面の写真）。"
    ),
    DocumentKind.CARD_CARRIED: _(
        "お子さん本人がマイナ保険証（マイナンバーカード）を持参する場合。ファイルは不要です。"
    ),
}


CONSENT_REQUIRED = _("利用目的と削除日への同意が必要です。")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("書類の種類"), choices=DocumentKind.choices, widget=forms.RadioSelect
    )
    # The file is read from request.FILES by the view: the intake pipeline gives the messages.
    consent = forms.BooleanField(
        label=_("上記の利用目的と削除日に同意します"),
        required=True,
        error_messages={"required": CONSENT_REQUIRED},
    )

    def clean_consent(self):
        # The contract is `consent=on` (what a ticked checkbox sends). BooleanField alone would
        # read any other value ("no", "0 ", "off!") as agreement.
        if self.data.get("consent") != "on":
            raise forms.ValidationError(CONSENT_REQUIRED, code="required")
        return True


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("差し戻しの理由（保護者に伝わります）"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

"""Teacher and nurse screens: the trip's documents, review, previews, downloads, links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from schools.audit import record
from schools.responses import private_file
from trips.models import Participant

from . import letters, links, pdfsafe, review, vault
from .access import document_for_user, participant_for_links, trip_for_links, trip_for_reviewer
from .forms import RejectForm
from .models import Document
from .tasks import send_invitation

FLAG_HELP = {
    "name_mismatch": _(
        "書類の文字から名簿の氏名（漢字・かな）が見つかりませんでした。別の人の書類でないか確認してください。"
    ),
    "not_screened": _(
        "文字認識（OCR）を実行できなかったため、この書類は確認されていません。"
        "マイナンバー（12桁）やマイナンバーカードが写っていないか、氏名が合っているかを目で確認してください。"
    ),
    "unreadable": _(
        "画像から文字をほとんど読み取れませんでした。ぼやけていないか、書類が写っているかを確認してください。"
    ),
    "no_text": _("PDFに文字情報がありません（画像のPDF）。氏名を目で確認してください。"),
    "insurer_check_failed": _(
        "保険者番号の検査数字が合いません。読み取りの誤りか、別の書類の可能性があります。"
    ),
}


@login_required
@require_GET
def trip_documents(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, role = trip_for_reviewer(request.user, trip_pk)
    participants = Participant.objects.filter(trip=trip).select_related("student").in_roster_order()
    # At most one document per participant (a database constraint).
    documents = {d.participant_id: d for d in Document.objects.filter(participant__trip=trip)}
    rows = [(p, documents.get(p.pk)) for p in participants]
    context = {
        "trip": trip,
        "rows": rows,
        "can_manage_links": links.is_open(trip) and role == "teacher",
        "role": role,
    }
    return render(request, "documents/trip_documents.html", context)


@login_required
@require_GET
def document_detail(request: HttpRequest, uuid) -> HttpResponse:
    document, role = document_for_user(request.user, uuid)
    record(
        "document_viewed",
        actor=request.user,
        role=role,
        obj=document,
        school=document.participant.trip.school_id,
        trip=document.participant.trip_id,
    )
    context = {
        "document": document,
        "participant": document.participant,
        "trip": document.participant.trip,
        "flags": [(flag, FLAG_HELP.get(flag, flag)) for flag in document.flags],
        "page_numbers": range(1, document.pages + 1) if document.has_file else [],
        "reject_form": RejectForm(),
    }
    response = render(request, "documents/document_detail.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def document_page(request: HttpRequest, uuid, page: int) -> HttpResponse:
    """One page as PNG, rendered on demand in the sandbox and never cached on disk."""
    document, _role = document_for_user(request.user, uuid)
    if not document.has_file or not 1 <= page <= document.pages:
        raise Http404
    try:
        data = document.read_content()
    except vault.VaultError as exc:  # the key is gone: the purge has started
        raise Http404 from exc
    if document.content_type == "application/pdf":
        try:
            png = pdfsafe.render_page(data, page - 1)
        except pdfsafe.PdfRefused as exc:
            raise Http404 from exc
        return private_file(png, "image/png", f"page-{page}.png", inline=True)
    return private_file(data, "image/jpeg", "page-1.jpg", inline=True)


@login_required
@require_GET
def document_download(request: HttpRequest, uuid) -> HttpResponse:
    document, role = document_for_user(request.user, uuid)
    if not document.has_file:
        raise Http404
    try:
        data = document.read_content()
    except vault.VaultError as exc:
        raise Http404 from exc
    record(
        "document_downloaded",
        actor=request.user,
        role=role,
        obj=document,
        school=document.participant.trip.school_id,
        trip=document.participant.trip_id,
        kind=document.kind,
    )
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    # The stored name is random; the file name says only which document it is.
    filename = f"document-{document.pk}.{extension}"
    return private_file(data, document.content_type, filename)


REVIEW_REFUSED = {
    "gone": _(
        "この書類は確認中に保護者が差し替えたか取り下げました。一覧から改めて確認してください。"
    ),
    "closed": _("中止または削除処理中の旅行の書類は確認できません。"),
}


def _review(request: HttpRequest, uuid, decide) -> HttpResponse:
    """Run one review decision; a document replaced or withdrawn meanwhile is said so clearly.

    The form posts its trip, so a reviewer whose page went stale lands back on that trip's list
    (an outsider still gets 404 from the trip's own access check).
    """
    trip_pk = request.POST.get("trip", "")
    if trip_pk.isdigit() and not Document.objects.filter(uuid=uuid).exists():
        # Gone meanwhile: not an access refusal (the trip's own check still refuses outsiders).
        trip, _role = trip_for_reviewer(request.user, int(trip_pk))
        messages.error(request, REVIEW_REFUSED["gone"])
        return redirect("documents:trip", trip_pk=trip.pk)
    document, role = document_for_user(request.user, uuid)
    try:
        response = decide(document, role)
    except review.ReviewRefused as refused:
        messages.error(request, REVIEW_REFUSED[refused.code])
        return redirect("documents:trip", trip_pk=document.participant.trip_id)
    return response or redirect("documents:trip", trip_pk=document.participant.trip_id)


@login_required
@require_POST
def document_accept(request: HttpRequest, uuid) -> HttpResponse:
    def decide(document, role):
        review.accept_document(document, request.user, role=role)
        messages.success(request, _("受理しました。"))

    return _review(request, uuid, decide)


@login_required
@require_POST
def document_reject(request: HttpRequest, uuid) -> HttpResponse:
    form = RejectForm(request.POST)

    def decide(document, role):
        if not form.is_valid():
            messages.error(request, _("差し戻しの理由を入力してください。"))
            return redirect("documents:detail", uuid=document.uuid)
        review.reject_document(document, request.user, form.cleaned_data["reason"], role=role)
        messages.success(request, _("差し戻しました。保護者にメールで理由を伝えます。"))
        return None

    return _review(request, uuid, decide)


@login_required
@require_POST
def link_reissue(request: HttpRequest, trip_pk: int, participant_pk: int) -> HttpResponse:
    participant, role = participant_for_links(request.user, trip_pk, participant_pk)
    trip = participant.trip
    link = links.issue(participant)
    record(
        "link_created",
        actor=request.user,
        role=role,
        obj=link,
        school=trip.school_id,
        trip=trip.pk,
    )
    messages.success(request, _("新しいリンクを発行しました。古いリンクは使えなくなりました。"))
    return redirect("documents:trip", trip_pk=trip.pk)


@login_required
@require_POST
def link_revoke(request: HttpRequest, trip_pk: int, participant_pk: int) -> HttpResponse:
    participant, role = participant_for_links(
        request.user, trip_pk, participant_pk, open_only=False
    )
    trip = participant.trip
    count = links.revoke(participant)
    record(
        "link_revoked",
        actor=request.user,
        role=role,
        school=trip.school_id,
        trip=trip.pk,
        count=count,
    )
    messages.success(request, _("リンクを無効にしました。"))
    return redirect("documents:trip", trip_pk=trip.pk)


@login_required
@require_POST
def invite(request: HttpRequest, trip_pk: int) -> HttpResponse:
    """Queue one e-mail per participant with a guardian address; never blocks on SMTP."""
    trip, _role = trip_for_links(request.user, trip_pk)
    queued = 0
    for participant, link in links.links_for_trip(trip):
        if any(g.email for g in participant.student.guardians.all()):
            send_invitation.delay_on_commit(link_id=link.pk)
            queued += 1
    messages.success(
        request, _("%(count)d 件の案内メールを送信待ちにしました。") % {"count": queued}
    )
    return redirect("documents:trip", trip_pk=trip.pk)


@login_required
@require_POST  # it issues missing links and audits the printing: never on a prefetch or crawl
def letters_pdf(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, role = trip_for_links(request.user, trip_pk)
    pairs = links.links_for_trip(trip)
    pdf = letters.render_letters(trip, pairs)
    record(
        "letter_printed",
        actor=request.user,
        role=role,
        school=trip.school_id,
        trip=trip.pk,
        count=len(pairs),
    )
    return private_file(pdf, "application/pdf", f"letters-trip-{trip.pk}.pdf")

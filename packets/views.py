from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from documents import ratelimit
from documents.vault import VaultError
from schools.responses import private_file

from . import services
from .access import packet_for, trip_for_packets
from .forms import BuildForm, PrintForm
from .models import PacketStatus

# A build costs seconds of a worker for a whole trip: a teacher may ask for a few in ten minutes.
BUILDS_PER_USER = (6, 600)


def _build_refusal(request: HttpRequest, trip, group_name: str) -> str | None:
    """Why this build request is not queued now, or None."""
    if services.build_in_flight(trip, group_name):
        return _("この書類一式はいま作成中です。完成までお待ちください。")
    try:
        if ratelimit.hit("packet-build", str(request.user.pk), BUILDS_PER_USER):
            return _("短い時間に多くの作成依頼がありました。数分待ってからもう一度お試しください。")
    except ratelimit.Unavailable:
        return _("一時的に作成を受け付けられません。しばらくしてからもう一度お試しください。")
    return None


def _trip_page(trip_pk: int) -> str:
    return reverse("trips:detail", args=[trip_pk]) + "#packets"


@login_required
@require_POST
@sensitive_post_parameters("password")
def build(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, role = trip_for_packets(request.user, trip_pk)
    if trip.is_closed:
        messages.error(request, _("この旅行の書類は削除済み、または中止されたため作成できません。"))
        return redirect(_trip_page(trip.pk))
    form = BuildForm(request.POST, groups=trip.participants.group_names())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_trip_page(trip.pk))
    refusal = _build_refusal(request, trip, form.cleaned_data["group_name"])
    if refusal:
        messages.error(request, refusal)
        return redirect(_trip_page(trip.pk))
    services.request_build(
        trip,
        request.user,
        role=role,
        group_name=form.cleaned_data["group_name"],
        password=form.cleaned_data["password"],
    )
    messages.info(request, _("提示用書類の作成を開始しました。"))
    return redirect(_trip_page(trip.pk))


@login_required
@require_GET
@never_cache
def progress(request: HttpRequest, uuid) -> JsonResponse:
    packet, _role = packet_for(request.user, uuid)
    total = packet.progress_total
    percent = 100 if packet.status == PacketStatus.DONE else 0
    if total and packet.status != PacketStatus.DONE:
        percent = int(100 * packet.progress_done / total)
    data = {
        "status": packet.status,
        # The step the build is in (front matter, placing, join, storing), named for the bar.
        "phase": packet.progress_phase,
        "phase_label": packet.get_progress_phase_display() if packet.progress_phase else "",
        "done": packet.progress_done,
        "total": total,
        "percent": percent,
        "error": packet.error_code,
        "download_url": (
            reverse("packets:download", args=[packet.uuid])
            if packet.status == PacketStatus.DONE
            else None
        ),
    }
    return JsonResponse(data)


@login_required
@require_GET
def download(request: HttpRequest, uuid) -> HttpResponse:
    packet, role = packet_for(request.user, uuid)
    if packet.status != PacketStatus.DONE or not packet.storage_name:
        raise Http404
    try:
        data = services.read_packet(packet)
    except VaultError as exc:  # the trip's key is gone: the purge has started
        raise Http404 from exc
    services.record_download(packet, request.user, role)
    # No name in the file name: it ends up in download folders and browser history.
    return private_file(data, "application/pdf", f"packet-{packet.trip_id}-{packet.pk}.pdf")


@login_required
@require_POST
def register_print(request: HttpRequest, uuid) -> HttpResponse:
    packet, role = packet_for(request.user, uuid)
    if packet.status != PacketStatus.DONE:
        raise Http404
    form = PrintForm(request.POST, holders=services.paper_copy_holders(packet.trip, request.user))
    if form.is_valid():
        copies = services.register_paper_copies(
            packet,
            request.user,
            copies=form.cleaned_data["copies"],
            holder=form.cleaned_data["holder"],
            role=role,
        )
        numbers = ", ".join(str(c.copy_number) for c in copies)
        messages.success(
            request, _("印刷物を登録しました（番号 %(numbers)s）。") % {"numbers": numbers}
        )
    else:
        messages.error(request, _("印刷部数と保管者を確認してください。"))
    return redirect(_trip_page(packet.trip_id))


@login_required
@require_POST
def delete(request: HttpRequest, uuid) -> HttpResponse:
    packet, role = packet_for(request.user, uuid)
    trip_pk = packet.trip_id
    services.delete_packet(packet, actor=request.user, role=role)
    messages.success(request, _("提示用書類を削除しました。"))
    return redirect(_trip_page(trip_pk))

"""Teacher screens for trips: thin views over trips.access (who may open what) and
trips.services (changes, audit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools import access
from schools.models import Role

from . import access as trip_access
from . import panels, services
from .forms import (
    AddClassForm,
    AddStudentsForm,
    ParticipantFilterForm,
    StudentSearchForm,
    TripForm,
    groups_from_post,
)
from .models import ParticipantState, Trip

# One page of the "add students one by one" list; a class is added with its own form.
STUDENT_PICK_LIMIT = 200


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    trips = (
        Trip.objects.visible_to(request.user)
        .with_progress()
        .select_related("school")
        .order_by("-start_date", "-id")
    )
    rows = [(trip, services.progress(trip)) for trip in trips]
    can_create = bool(access.school_ids_with_role(request.user, Role.TEACHER))
    return render(request, "trips/dashboard.html", {"rows": rows, "can_create": can_create})


@login_required
def trip_create(request: HttpRequest) -> HttpResponse:
    school_id = trip_access.teacher_school_for(request.user)
    teachers = services.teachers_of(school_id)
    trip = Trip(school_id=school_id, organiser=request.user)
    form = TripForm(request.POST or None, instance=trip, teachers=teachers)
    if request.method == "POST" and form.is_valid():
        trip = services.create_trip(
            form.save(commit=False), form.cleaned_data["accompanying"], actor=request.user
        )
        messages.success(request, _("旅行を作成しました。参加者を追加してください。"))
        return redirect("trips:add_participants", pk=trip.pk)
    return render(request, "trips/trip_form.html", {"form": form, "trip": None})


@login_required
def trip_edit(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.open_trip_for(request.user, pk)
    form = TripForm(
        request.POST or None, instance=trip, teachers=services.teachers_of(trip.school_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_trip(
                form.save(commit=False), form.cleaned_data["accompanying"], actor=request.user
            )
        except services.StateError as refusal:
            # Documents arrived between the form check and the save: the rule is checked again.
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("旅行を更新しました。"))
            return redirect("trips:detail", pk=trip.pk)
    return render(request, "trips/trip_form.html", {"form": form, "trip": trip})


@login_required
def trip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.trip_for(request.user, pk)
    counted = Trip.objects.with_progress().get(pk=trip.pk)
    context = {
        "trip": trip,
        "progress": services.progress(counted),
        "can_change": access.can_change_trip(request.user, trip),
        "can_see_participants": access.can_see_participants(request.user, trip),
        "trip_panels": panels.TRIP_PANELS,
        "trip_actions": panels.TRIP_ACTIONS,
        "states": ParticipantState,
    }
    if context["can_see_participants"]:
        filters = ParticipantFilterForm(request.GET or None)
        queryset = filters.apply(trip_access.participants_for(request.user, trip))
        context["filters"] = filters
        context["participants"] = list(queryset)
        context["groups"] = trip.participants.group_names()
    return render(request, "trips/trip_detail.html", context)


@login_required
@require_POST
def trip_lock(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.trip_for(request.user, pk, write=True)
    if request.POST.get("unlock"):
        services.unlock(trip, actor=request.user)
        messages.info(request, _("ロックを解除しました。保護者は再び提出・差し替えができます。"))
    else:
        services.lock(trip, actor=request.user)
        messages.info(request, _("ロックしました。保護者はもう提出・差し替えができません。"))
    return redirect("trips:detail", pk=trip.pk)


@login_required
def trip_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.trip_for(request.user, pk, write=True)
    if request.method == "POST":
        if request.POST.get("confirm") != "中止":
            messages.error(request, _("確認のため「中止」と入力してください。"))
        else:
            services.cancel(trip, actor=request.user)
            messages.warning(request, _("旅行を中止しました。提出書類はすぐに削除されます。"))
            return redirect("trips:detail", pk=trip.pk)
    return render(request, "trips/trip_cancel.html", {"trip": trip})


@login_required
def add_participants(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.open_trip_for(request.user, pk)
    available = services.students_available(trip)
    class_form = AddClassForm(request.POST if "add_class" in request.POST else None)
    pick_form = AddStudentsForm(
        request.POST if "add_students" in request.POST else None, available=available
    )
    if request.method == "POST":
        added = None
        if "add_class" in request.POST and class_form.is_valid():
            data = class_form.cleaned_data
            added = services.add_class(
                trip, data["grade"], data["class_name"].strip(), actor=request.user
            )
        elif "add_students" in request.POST and pick_form.is_valid():
            added = services.add_participants(
                trip, pick_form.cleaned_data["students"], actor=request.user
            )
        if added is not None:
            messages.success(request, _("%(count)d人を追加しました。") % {"count": added})
            return redirect("trips:add_participants", pk=trip.pk)

    search = StudentSearchForm(request.GET or None)
    listed = available
    if search.is_valid():
        data = search.cleaned_data
        if data["grade"]:
            listed = listed.filter(grade=data["grade"])
        if data["class_name"]:
            listed = listed.filter(class_name=data["class_name"].strip())
        if data["q"]:
            listed = listed.search(data["q"].strip())
    context = {
        "trip": trip,
        "class_form": class_form,
        "pick_form": pick_form,
        "search": search,
        "students": list(listed[:STUDENT_PICK_LIMIT]),
        "limit": STUDENT_PICK_LIMIT,
        "classes": available.classes(),
        "count": trip.participants.count(),
    }
    return render(request, "trips/add_participants.html", context)


@login_required
@require_POST
def remove_participant(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    trip, _role = trip_access.open_trip_for(request.user, pk)
    participant = trip_access.participant_for(request.user, trip, participant_pk)
    services.remove_participant(participant, actor=request.user)
    messages.info(request, _("参加者を1人外しました。"))
    return redirect("trips:detail", pk=trip.pk)


@login_required
def groups(request: HttpRequest, pk: int) -> HttpResponse:
    trip, _role = trip_access.open_trip_for(request.user, pk)
    participants = list(trip.participants.select_related("student").in_roster_order())
    if request.method == "POST":
        changed = services.assign_groups(
            trip, groups_from_post(request.POST, participants), actor=request.user
        )
        messages.success(request, _("%(count)d人の班を更新しました。") % {"count": changed})
        return redirect("trips:detail", pk=trip.pk)
    return render(request, "trips/groups.html", {"trip": trip, "participants": participants})

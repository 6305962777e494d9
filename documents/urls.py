from django.urls import path

from . import reminder_views, review_views, views

app_name = "documents"
urlpatterns = [
    # The guardian's page (contract, DESIGN.md §5).
    path("u/<str:token>/", views.upload, name="upload"),
    path("u/<str:token>/receipt/", views.receipt, name="receipt"),
    # Teachers and the nurse.
    path("documents/trip/<int:trip_pk>/", review_views.trip_documents, name="trip"),
    path("documents/trip/<int:trip_pk>/invite/", review_views.invite, name="invite"),
    path("documents/trip/<int:trip_pk>/remind/", reminder_views.remind_missing, name="remind"),
    path("documents/trip/<int:trip_pk>/links.csv", reminder_views.links_csv, name="links_csv"),
    path("documents/trip/<int:trip_pk>/letters.pdf", review_views.letters_pdf, name="letters"),
    path(
        "documents/trip/<int:trip_pk>/links/<int:participant_pk>/reissue/",
        review_views.link_reissue,
        name="link_reissue",
    ),
    path(
        "documents/trip/<int:trip_pk>/links/<int:participant_pk>/revoke/",
        review_views.link_revoke,
        name="link_revoke",
    ),
    path("documents/<uuid:uuid>/", review_views.document_detail, name="detail"),
    path("documents/<uuid:uuid>/page/<int:page>.png", review_views.document_page, name="page"),
    path("documents/<uuid:uuid>/download/", review_views.document_download, name="download"),
    path("documents/<uuid:uuid>/accept/", review_views.document_accept, name="accept"),
    path("documents/<uuid:uuid>/reject/", review_views.document_reject, name="reject"),
]

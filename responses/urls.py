from django.urls import path

from responses import approval_views, views

app_name = "responses"
urlpatterns = [
    path("approvals/", approval_views.approvals, name="approvals"),
    path("approvals/<int:pk>/review", approval_views.review, name="approval-review"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/new/", views.canned_edit, name="canned-new"),
    path("canned/search", views.canned_search, name="canned-search"),
    path("canned/<int:pk>/", views.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete", views.canned_delete, name="canned-delete"),
    path("canned/wordings/<int:pk>/used", views.wording_used, name="wording-used"),
]

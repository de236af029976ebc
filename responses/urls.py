from django.urls import path

from responses import (
    approval_views,
    attachment_views,
    case_views,
    goodwill_views,
    praise_views,
    views,
)

app_name = "responses"
urlpatterns = [
    path("approvals/", approval_views.approvals, name="approvals"),
    path("cases/<int:pk>/acknowledge", case_views.acknowledge, name="acknowledge"),
    path("cases/<int:pk>/private", case_views.move_to_private, name="move-private"),
    path("cases/<int:pk>/call", case_views.log_call, name="log-call"),
    path("cases/<int:pk>/resolve", case_views.resolve_with_summary, name="resolve-summary"),
    path("approvals/<int:pk>/review", approval_views.review, name="approval-review"),
    path("replies/<int:pk>/images/<int:index>", attachment_views.reply_image, name="reply-image"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/new/", views.canned_edit, name="canned-new"),
    path("canned/search", views.canned_search, name="canned-search"),
    path("canned/<int:pk>/", views.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete", views.canned_delete, name="canned-delete"),
    path("canned/wordings/<int:pk>/used", views.wording_used, name="wording-used"),
    path("cases/<int:pk>/thank", praise_views.thank, name="thank"),
    path("cases/<int:pk>/coupon", goodwill_views.give, name="give-coupon"),
    path("goodwill/", goodwill_views.pool_list, name="goodwill"),
    path("goodwill/new/", goodwill_views.pool_new, name="goodwill-new"),
    path("goodwill/<int:pk>/", goodwill_views.pool_detail, name="goodwill-pool"),
    path("goodwill/<int:pk>/active", goodwill_views.pool_active, name="goodwill-active"),
]

from django.urls import path

from inbox import alert_views, channel_views, conversation_views, escalation_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("live", views.live, name="live"),
    path("bulk", views.bulk_action, name="bulk"),
    path("away", views.toggle_away, name="away"),
    path("bulk/<uuid:group>/undo", views.bulk_undo, name="bulk-undo"),
    path("escalations/", escalation_views.escalation_list, name="escalations"),
    path("escalations/<int:pk>/", escalation_views.escalation_detail, name="escalation"),
    path(
        "escalations/<int:pk>/comment",
        escalation_views.escalation_comment,
        name="escalation-comment",
    ),
    path(
        "escalations/<int:pk>/hand-back",
        escalation_views.escalation_hand_back,
        name="escalation-hand-back",
    ),
    path("alerts/<int:pk>/", alert_views.alert_detail, name="alert"),
    path("alerts/<int:pk>/close", alert_views.alert_close, name="alert-close"),
    path("alerts/<int:pk>/incident", alert_views.alert_incident, name="alert-incident"),
    path("incidents/<int:pk>/answer", alert_views.incident_answer, name="incident-answer"),
    path("<int:pk>/", conversation_views.conversation_detail, name="conversation"),
    path("<int:pk>/presence", conversation_views.conversation_presence, name="presence"),
    path("<int:pk>/reply", conversation_views.conversation_reply, name="reply"),
    path("<int:pk>/reply/length", conversation_views.reply_length, name="reply-length"),
    path(
        "<int:pk>/replies/<int:reply_id>/retry",
        conversation_views.reply_retry,
        name="reply-retry",
    ),
    path("<int:pk>/merge", conversation_views.conversation_merge, name="merge"),
    path("<int:pk>/<slug:action>", conversation_views.conversation_action, name="action"),
    path("channels/", channel_views.channel_health, name="channels"),
    path("channels/deliveries/", channel_views.deliveries, name="deliveries"),
    path("channels/deliveries/<int:pk>/", channel_views.delivery_detail, name="delivery"),
    path(
        "channels/deliveries/<int:pk>/replay",
        channel_views.delivery_replay,
        name="delivery-replay",
    ),
]

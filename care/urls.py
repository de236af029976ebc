from django.contrib import admin
from django.urls import include, path

from care import api, notification_views, views
from inbox import channel_views, sla_views, triage_views, webhooks
from responses import survey_views

settings_patterns = (
    [
        path("", views.settings_index, name="index"),
        path("profile/", views.profile, name="profile"),
        path("team/", views.team_settings, name="team"),
        path("team/new/", views.agent_new, name="agent-new"),
        path("team/<int:pk>/", views.agent_edit, name="agent-edit"),
        path("departments/", views.departments, name="departments"),
        path("channels/", channel_views.channel_settings, name="channels"),
        path("channels/<int:pk>/", channel_views.channel_detail, name="channel"),
        path("channels/<int:pk>/tokens", channel_views.channel_tokens, name="channel-tokens"),
        path("channels/<int:pk>/test", channel_views.channel_test, name="channel-test"),
        path("channels/<int:pk>/pause", channel_views.channel_pause, name="channel-pause"),
        path("channels/<int:pk>/resume", channel_views.channel_resume, name="channel-resume"),
        path("topics/", triage_views.topics, name="topics"),
        path("topics/<int:pk>/", triage_views.topic_edit, name="topic-edit"),
        path("topics/<int:pk>/delete", triage_views.topic_delete, name="topic-delete"),
        path("routing/", triage_views.routing_rules, name="routing"),
        path("routing/new/", triage_views.routing_rule_edit, name="routing-new"),
        path("routing/<int:pk>/", triage_views.routing_rule_edit, name="routing-edit"),
        path("routing/<int:pk>/move", triage_views.routing_rule_move, name="routing-move"),
        path("routing/<int:pk>/delete", triage_views.routing_rule_delete, name="routing-delete"),
        path("sla/", sla_views.sla_settings, name="sla"),
        path("sla/calendars/new/", sla_views.calendar_edit, name="calendar-new"),
        path("sla/calendars/<int:pk>/", sla_views.calendar_edit, name="calendar"),
        path("sla/calendars/<int:pk>/holidays", sla_views.calendar_holidays, name="holidays"),
        path("sla/policies/new/", sla_views.policy_edit, name="policy-new"),
        path("sla/policies/<int:pk>/", sla_views.policy_edit, name="policy"),
        path("sla/policies/<int:pk>/delete", sla_views.policy_delete, name="policy-delete"),
    ],
    "settings",
)

api_patterns = (
    [
        path("me/", api.MeApi.as_view(), name="me"),
    ],
    "api",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/photo", views.agent_photo, name="agent-photo"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("inbox/", include("inbox.urls")),
    # For customers, without a login: the signed token is the key (responses/survey_views.py).
    path("survey/<str:token>/", survey_views.survey, name="survey"),
    path("responses/", include("responses.urls")),
    path("webhooks/facebook", webhooks.facebook_webhook, name="webhook-facebook"),
    path("webhooks/x", webhooks.x_webhook, name="webhook-x"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("notifications/count", notification_views.notification_count, name="notifications-count"),
    path(
        "notifications/settings",
        notification_views.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/read",
        notification_views.mark_notifications_read,
        name="notifications-read",
    ),
    path("settings/", include(settings_patterns)),
    path("api/v1/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

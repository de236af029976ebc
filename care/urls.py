from django.contrib import admin
from django.urls import include, path

from care import api, notification_views, token_views, views, webhook_views
from care.metrics import api as metrics_api
from care.metrics import views as metrics_views
from inbox import api as inbox_api
from inbox import channel_views, sla_views, triage_views, webhooks
from responses import api as responses_api
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
        path("api-tokens/", token_views.api_tokens, name="api-tokens"),
        path("api-tokens/<int:pk>/revoke", token_views.api_token_revoke, name="api-token-revoke"),
        path("webhooks/", webhook_views.webhooks, name="webhooks"),
        path("webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook"),
        path(
            "webhooks/<int:pk>/pause",
            webhook_views.webhook_set_active,
            {"active": False},
            name="webhook-pause",
        ),
        path(
            "webhooks/<int:pk>/resume",
            webhook_views.webhook_set_active,
            {"active": True},
            name="webhook-resume",
        ),
        path("webhooks/<int:pk>/test", webhook_views.webhook_test, name="webhook-test"),
        path("webhooks/<int:pk>/delete", webhook_views.webhook_delete, name="webhook-delete"),
        path(
            "webhooks/deliveries/<int:pk>/replay",
            webhook_views.webhook_replay,
            name="webhook-replay",
        ),
    ],
    "settings",
)

api_patterns = (
    [
        path("me/", api.MeApi.as_view(), name="me"),
        path("agents/", api.AgentListApi.as_view(), name="agents"),
        path("agents/<int:pk>/", api.AgentDetailApi.as_view(), name="agent"),
        path("conversations/", inbox_api.ConversationListApi.as_view(), name="conversations"),
        path(
            "conversations/<int:pk>/",
            inbox_api.ConversationDetailApi.as_view(),
            name="conversation",
        ),
        path(
            "conversations/<int:pk>/messages/",
            inbox_api.MessageListApi.as_view(),
            name="messages",
        ),
        path("conversations/<int:pk>/notes/", inbox_api.NoteListApi.as_view(), name="notes"),
        path(
            "conversations/<int:pk>/replies/",
            responses_api.ReplyListApi.as_view(),
            name="replies",
        ),
        path("customers/", inbox_api.CustomerListApi.as_view(), name="customers"),
        path("customers/<int:pk>/", inbox_api.CustomerDetailApi.as_view(), name="customer"),
        path("departments/", inbox_api.DepartmentListApi.as_view(), name="departments"),
        path("escalations/", inbox_api.EscalationListApi.as_view(), name="escalations"),
        path("channels/", inbox_api.ChannelHealthListApi.as_view(), name="channels"),
        path("alerts/", inbox_api.AlertListApi.as_view(), name="alerts"),
        path("metrics/", metrics_api.MetricsApi.as_view(), name="metrics"),
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
    path("dashboard/", metrics_views.dashboard, name="dashboard"),
    path(
        "dashboard/export/<slug:chart>.csv", metrics_views.dashboard_export, name="dashboard-export"
    ),
    path("dashboard/definitions", metrics_views.definitions, name="metrics-definitions"),
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
    path("api/schema/", api.SchemaApi.as_view(), name="api-schema"),
    path("api/docs/", api.DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

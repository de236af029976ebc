from django.urls import path

from inbox import channel_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("live", views.live, name="live"),
    path("channels/", channel_views.channel_health, name="channels"),
    path("channels/deliveries/", channel_views.deliveries, name="deliveries"),
    path("channels/deliveries/<int:pk>/", channel_views.delivery_detail, name="delivery"),
    path(
        "channels/deliveries/<int:pk>/replay",
        channel_views.delivery_replay,
        name="delivery-replay",
    ),
]

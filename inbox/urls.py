from django.urls import path

from inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.conversation_list, name="list"),
]

from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    path("worklist/", views.worklist, name="worklist"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("people/<int:pk>/services/", views.service_add, name="service_add"),
    path("enrolments/<int:pk>/exit/", views.enrolment_exit, name="enrolment_exit"),
    path("people/<int:pk>/intentions/", views.intention_add, name="intention_add"),
    path("people/<int:pk>/health-checks/", views.health_check_add, name="health_check_add"),
    path("people/<int:pk>/recognitions/", views.recognition_add, name="recognition_add"),
    path("recognitions/<int:pk>/end/", views.recognition_end, name="recognition_end"),
    path("services/<int:pk>/delete/", views.service_delete, name="service_delete"),
    path("services/import/", views.services_import, name="services_import"),
    path("households/", views.households, name="households"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up/<int:pk>/record/", views.follow_up_add, name="follow_up_add"),
    path("pension/", views.pension, name="pension"),
    path("pension/agency.xlsx", views.pension_agency, name="pension_agency"),
    path("rates/", views.rates, name="rates"),
    path("posts/", views.posts, name="posts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("courses/", views.courses, name="courses"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/import/", views.course_import, name="course_import"),
    path("participants/<int:pk>/", views.participant_update, name="participant_update"),
    path("events/", views.events, name="events"),
    path("board/", views.board, name="board"),
    path("channels/", views.channels, name="channels"),
]

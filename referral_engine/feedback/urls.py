from django.urls import path

from referral_engine.feedback import views

# Mounted at the site's root (config/urls.py): the NPS pages live under Insights, the survey page at /s/.
urlpatterns = [
    path("insights/nps/", views.nps_page, name="insights_nps"),
    path("insights/nps/<str:table>.csv", views.nps_csv, name="insights_nps_csv"),
    path("insights/nps/surveys/", views.survey_list, name="insights_survey_list"),
    path("insights/nps/surveys/new/", views.survey_create, name="insights_survey_create"),
    path("insights/nps/surveys/<int:pk>/", views.survey_detail, name="insights_survey_detail"),
    path("s/<str:token>/", views.survey_answer_page, name="survey_answer"),
]

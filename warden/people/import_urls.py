app_name = "people_import"
urlpatterns: list = []

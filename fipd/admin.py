from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Utilisateur


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "region", "is_active"]
    list_filter = ["role", "region", "is_active", "is_superuser"]
    filter_horizontal = ["departements", "groups", "user_permissions"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Rôle et périmètre", {"fields": ["role", "departements", "region"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("Rôle et périmètre", {"fields": ["role", "departements", "region"]}),
    ]

from django.contrib import admin

from banking.models import ImportFile, ImportProfile


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at")
    search_fields = ("name", "user__email")
    raw_id_fields = ("user",)


@admin.register(ImportFile)
class ImportFileAdmin(admin.ModelAdmin):
    list_display = ("file", "user", "batch", "size", "created_at")
    search_fields = ("file", "user__email")
    raw_id_fields = ("user", "batch")
    readonly_fields = ("sha256", "size", "created_at")

"""A ModelAdmin whose every write goes through an action.

Django's admin saves with plain ORM calls (obj.save(), queryset.delete(),
form.save_m2m(), formset.save()). Fokus's admins subclass ActionAdmin instead and
say which action does each write, so that every change an administrator makes has
its access-log entry in the same transaction:

- save_model and delete_model: must be overridden (the defaults refuse to write);
- delete_queryset (the bulk "delete selected"): one delete_model per row, all in
  one transaction;
- save_related: many-to-many fields are NOT saved from the form here; the action
  called by save_model sets them (it finds their values in form.cleaned_data);
- inline formsets: each new or changed row through save_inline, each deleted row
  through delete_inline (both refuse unless overridden).
"""

from django.contrib import admin
from django.db import router, transaction


class ActionAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must save through an action")

    def delete_model(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} must delete through an action")

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.delete_model(request, obj)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_inline(request, obj)
        for obj in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
            self.save_inline(request, obj)

    def save_inline(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} must save {type(obj).__name__} "
                                  "through an action")

    def delete_inline(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} must delete {type(obj).__name__} "
                                  "through an action")

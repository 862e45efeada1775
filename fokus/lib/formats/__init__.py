"""Fokus's own date formats per language (settings.FORMAT_MODULE_PATH = "fokus.lib.formats").

Django's English formats are American ("Nov. 26, 2026", "11/26/2026"); an English page
of a Danish municipality writes the day first. Danish uses Django's own formats."""

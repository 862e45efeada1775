from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data generator: the top floor, it may use every app below."""

    name = "fokus.demo"
    label = "demo"

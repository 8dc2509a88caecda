from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Complaints and case work")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from layers import dbcheck  # noqa: F401  (registers the database's LC_CTYPE check)
        from layers.middleware import stamp_session_on_login

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="layers.session_stamp")

        # Scanned letters' text is searched with their case (issue 12).
        from layers.selectors.documents import document_texts_by_case
        from layers.services.search import register_document_texts

        register_document_texts(document_texts_by_case)

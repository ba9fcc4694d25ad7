from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package: receivers of Django's own signals that concern the whole project
    (database connections, request errors, failed logins) and its management commands."""

    name = "shop"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.core.signals import got_request_exception
        from django.db.backends.signals import connection_created

        from shop import request_errors, sqlite
        from shop.api import login

        connection_created.connect(
            sqlite.configure_sqlite, dispatch_uid=sqlite.CONFIGURE_SQLITE_UID
        )
        got_request_exception.connect(
            request_errors.log_unhandled_exception,
            dispatch_uid=request_errors.LOG_UNHANDLED_EXCEPTION_UID,
        )
        user_login_failed.connect(
            login.record_login_failure, dispatch_uid=login.RECORD_LOGIN_FAILURE_UID
        )

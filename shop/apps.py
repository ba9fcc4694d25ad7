from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package: cross-cutting receivers (database connections, request errors,
    failed logins)."""

    name = "shop"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.core.signals import got_request_exception
        from django.db.backends.signals import connection_created

        from shop import login, receivers

        connection_created.connect(receivers.configure_sqlite, dispatch_uid=receivers.SQLITE_UID)
        got_request_exception.connect(
            receivers.log_unhandled_exception, dispatch_uid=receivers.REQUEST_ERROR_UID
        )
        user_login_failed.connect(login.record_login_failure, dispatch_uid=login.LOGIN_FAILED_UID)

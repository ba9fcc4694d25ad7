from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project package: receivers of Django's own signals that concern the whole project
    (database connections, request errors, failed logins, the API token cache's invalidation)
    and its management commands."""

    name = "shop"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.core.signals import got_request_exception
        from django.db.backends.signals import connection_created

        from shop import request_errors, sqlite
        from shop.api import login

        self._wire_token_cache()
        self._wire_task_metrics()

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

    @staticmethod
    def _wire_task_metrics() -> None:
        """Celery's signals, in whichever process runs tasks (a worker, or eager in the web)."""
        from celery.signals import task_failure, task_retry

        from shop import metrics

        task_retry.connect(metrics.count_task_retry, dispatch_uid=metrics.COUNT_TASK_RETRY_UID)
        task_failure.connect(
            metrics.count_task_failure, dispatch_uid=metrics.COUNT_TASK_FAILURE_UID
        )

    @staticmethod
    def _wire_token_cache() -> None:
        """Every change that could change a cached token's answer forgets it (the list and
        why: ``shop.api.token_cache``)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
        from rest_framework.authtoken.models import Token

        from shop.api import token_cache as tc

        user = get_user_model()
        post_save.connect(tc.forget_token, sender=Token, dispatch_uid=tc.FORGET_TOKEN_UID)
        post_delete.connect(tc.forget_token, sender=Token, dispatch_uid=tc.FORGET_TOKEN_UID)
        post_save.connect(tc.forget_user, sender=user, dispatch_uid=tc.FORGET_USER_UID)
        m2m_changed.connect(
            tc.forget_membership, sender=user.groups.through, dispatch_uid=tc.FORGET_MEMBERSHIP_UID
        )
        m2m_changed.connect(
            tc.forget_user_permissions,
            sender=user.user_permissions.through,
            dispatch_uid=tc.FORGET_USER_PERMISSIONS_UID,
        )
        m2m_changed.connect(
            tc.forget_group_permissions,
            sender=Group.permissions.through,
            dispatch_uid=tc.FORGET_GROUP_PERMISSIONS_UID,
        )
        pre_delete.connect(tc.forget_group, sender=Group, dispatch_uid=tc.FORGET_GROUP_UID)
        pre_delete.connect(
            tc.forget_permission, sender=Permission, dispatch_uid=tc.FORGET_PERMISSION_UID
        )
        post_save.connect(
            tc.forget_permission, sender=Permission, dispatch_uid=tc.FORGET_PERMISSION_UID
        )

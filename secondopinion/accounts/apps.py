from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "secondopinion.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.mfa.signals import authenticator_removed

        from secondopinion.languages import drop_empty_fallbacks

        from .middleware import forget_mfa_check

        drop_empty_fallbacks()

        def forget(sender, request=None, **kwargs):
            forget_mfa_check(request)

        authenticator_removed.connect(forget, dispatch_uid="accounts.forget_mfa_check", weak=False)

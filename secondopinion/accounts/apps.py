from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "secondopinion.accounts"
    label = "accounts"
    verbose_name = "Accounts"

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Each test creates several users; PBKDF2 costs ~0.25 s per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""The old name of passwords.py, kept only until transports/smtp.py (another branch's file) imports `passwords`
(`from .. import passwords as secrets`); then delete this file and its entry in tests/unit/test_module_names.py."""
from .passwords import AUTHS, ENV_NAME, SecretError, password, xoauth2_response

__all__ = ["AUTHS", "ENV_NAME", "SecretError", "password", "xoauth2_response"]

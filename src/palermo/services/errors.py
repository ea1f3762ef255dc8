"""Errors services raise; interfaces translate them (HTTP 404/403/422, CLI messages)."""


class ServiceError(Exception):
    """Base class."""


class NotFound(ServiceError):
    """Unknown, or not visible to this actor: the two are deliberately indistinguishable."""


class PermissionDenied(ServiceError):
    """The actor's role does not allow this."""


class InvalidInput(ServiceError):
    """The request is malformed; the message says what and where."""


class AuthenticationFailed(ServiceError):
    """Generic on purpose: never says whether the user exists."""

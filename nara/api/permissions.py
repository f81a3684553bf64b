"""The API's default permission: reading only. A view that writes names its own.

A write to a read-only address is a 405 (the methods it takes are in the Allow header), not a
403: no sign-in or token would make it work."""

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOnly(BasePermission):
    def has_permission(self, request, view):
        if request.method not in SAFE_METHODS:
            raise MethodNotAllowed(request.method)
        return True

from django.conf import settings
from django.http import HttpRequest


def billfold(request: HttpRequest) -> dict:
    return {"BILLFOLD_VERSION": settings.VERSION}

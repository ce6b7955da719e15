"""A full disk while a statement is uploaded: a plain error, and nothing saved.

The storage below is Django's own file storage writing through /dev/full, where every write
fails with the kernel's real ENOSPC ("No space left on device").
"""

import io
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client

from accounts.models import User
from accounts.tokens import api_token_create
from banking.models import ImportFile
from ledger.models import ImportBatch, Transaction
from tests.ledger.factories import make_account
from tests.reliability.conftest import onboard

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)"),
]

STATEMENT = b"Date,Payee,Description,Amount\n2025-01-05,Coffee,Latte,-3.50\n"


class FullDiskStorage(FileSystemStorage):
    def _save(self, name, content):
        with open("/dev/full", "wb") as disk:
            for chunk in content.chunks():
                disk.write(chunk)
            disk.flush()
        return name


@pytest.fixture
def full_disk(settings) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }


def _nothing_saved(user: User) -> None:
    assert not ImportBatch.objects.filter(user=user).exists()
    assert not ImportFile.objects.filter(user=user).exists()
    assert not Transaction.objects.filter(user=user).exists()


def test_the_import_page_says_the_file_could_not_be_stored(alice: User, full_disk) -> None:
    onboard(alice)
    account = make_account(alice, name="Checking")
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    upload = io.BytesIO(STATEMENT)
    upload.name = "january.csv"

    response = client.post("/import/", {"account": account.pk, "file": upload})

    assert response.status_code == 400
    assert "could not store this file (its disk may be full)" in response.content.decode()
    _nothing_saved(alice)


def test_the_import_api_answers_400_with_the_same_words(alice: User, full_disk) -> None:
    account = make_account(alice, name="Checking")
    _, secret = api_token_create(user=alice, name="script")
    upload = io.BytesIO(STATEMENT)
    upload.name = "january.csv"

    response = Client(raise_request_exception=False).post(
        "/api/v1/imports",
        {"account": account.pk, "file": upload},
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "storage"
    assert "disk may be full" in response.json()["file"][0]
    _nothing_saved(alice)

"""A disk that fills up while an uploaded statement is being stored: nothing is left behind.

The storage is Django's own FileSystemStorage (writing under the test's MEDIA_ROOT); after
its first block the disk is full, and the next write fails with the kernel's real ENOSPC
(a write to /dev/full), as when a disk fills mid-upload. Django leaves the partial file.
"""

import io
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from banking.importers import ImportFileError
from banking.models import ImportFile
from banking.services.imports import import_start
from ledger.models import ImportBatch, Transaction
from tests.banking.conftest import stored_files

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")

BLOCK = 1024
# Larger than one block, so the first block is written before the disk is full.
STATEMENT = b"Date,Payee,Description,Amount\n" + b"2025-01-05,Coffee,Latte,-3.50\n" * 200


class DiskFillsUpStorage(FileSystemStorage):
    def _save(self, name, content):
        blocks = content.chunks

        def chunks(chunk_size=None):
            for index, block in enumerate(blocks(BLOCK)):
                if index:
                    with open("/dev/full", "wb") as disk:
                        disk.write(block)
                        disk.flush()  # OSError: [Errno 28] No space left on device
                yield block

        content.chunks = chunks
        return super()._save(name, content)


@pytest.fixture
def disk_fills_up(settings, _media_root) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.DiskFillsUpStorage"},
    }
    return _media_root


def test_the_partial_file_is_removed_and_nothing_is_saved(alice, checking, disk_fills_up):
    with pytest.raises(ImportFileError) as exc:
        import_start(
            user=alice, file=io.BytesIO(STATEMENT), file_name="january.csv", account=checking
        )
    assert exc.value.code == "storage"
    assert "disk may be full" in exc.value.message
    assert stored_files(disk_fills_up) == []
    assert not ImportBatch.objects.exists()
    assert not ImportFile.objects.exists()
    assert not Transaction.objects.exists()


def test_the_import_page_leaves_no_partial_file_either(alice_client, checking, disk_fills_up):
    upload = io.BytesIO(STATEMENT)
    upload.name = "january.csv"
    response = alice_client.post("/import/", {"account": checking.pk, "file": upload})
    assert response.status_code == 400
    assert "disk may be full" in response.content.decode()
    assert stored_files(disk_fills_up) == []
    assert not ImportBatch.objects.exists()


def test_a_later_upload_is_stored_normally(alice, checking, _media_root):
    # The storage the app uses when the disk has room: the upload is kept until committed.
    batch = import_start(
        user=alice, file=io.BytesIO(STATEMENT), file_name="january.csv", account=checking
    )
    (stored,) = stored_files(_media_root)
    assert stored.read_bytes() == STATEMENT
    assert batch.upload.file.name.endswith("january.csv")

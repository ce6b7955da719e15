"""/api/v1/imports: upload, status, commit, undo, discard; scoped to the user."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledger.models import ImportBatch, Transaction
from tests.ledger.factories import make_transaction

CSV = b"Date,Payee,Description,Amount\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-06,ACME,Salary,2500.00\n"
URL = "/api/v1/imports"


def post_file(client, account_id, data: bytes = CSV, **extra):
    return client.post(
        URL, {"file": SimpleUploadedFile("s.csv", data), "account": account_id, **extra}
    )


def test_upload_returns_the_batch_with_a_status_url(alice_client, checking):
    response = post_file(alice_client, checking.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "preview"
    assert body["format"] == "csv"
    assert body["account"] == checking.pk
    assert body["new"] == 3
    assert body["status_url"].endswith(f"{URL}/{body['id']}")
    assert response["Location"] == body["status_url"]

    status = alice_client.get(f"{URL}/{body['id']}").json()
    assert (status["progress_done"], status["progress_total"]) == (3, 3)


def test_commit_then_undo(alice_client, checking):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    response = alice_client.post(f"{URL}/{batch_id}/commit", {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["state"] == "committed" and response.json()["added"] == 3
    assert Transaction.objects.filter(account=checking).count() == 3

    again = alice_client.post(f"{URL}/{batch_id}/commit", {}, content_type="application/json")
    assert again.status_code == 400

    response = alice_client.post(f"{URL}/{batch_id}/undo", {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["state"] == "undone"
    assert not Transaction.objects.exists()


def test_undo_of_edited_rows_needs_confirmation(alice_client, checking):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    alice_client.post(f"{URL}/{batch_id}/commit", {}, content_type="application/json")
    Transaction.objects.filter(pk=Transaction.objects.first().pk).update(version=2)
    response = alice_client.post(f"{URL}/{batch_id}/undo", {}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["edited"] == 1
    response = alice_client.post(
        f"{URL}/{batch_id}/undo", {"confirm_edited": True}, content_type="application/json"
    )
    assert response.status_code == 200


def test_decisions_for_possible_duplicates(alice_client, checking):
    typed = make_transaction(
        checking, amount="2500.00", date=datetime.date(2024, 1, 7), payee="ACME"
    )
    body = post_file(alice_client, checking.pk).json()
    assert body["possible_duplicates"] == 1
    key = body["possible"][0]["key"]
    response = alice_client.post(
        f"{URL}/{body['id']}/commit", {"decisions": {key: "link"}}, content_type="application/json"
    )
    assert response.status_code == 200
    typed.refresh_from_db()
    assert typed.fingerprint == key


def test_a_bad_decision_is_a_400(alice_client, checking):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    response = alice_client.post(
        f"{URL}/{batch_id}/commit", {"decisions": {"x": "merge"}}, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_bad_file_is_a_400_with_the_reason(alice_client, checking):
    response = post_file(alice_client, checking.pk, b"PK\x03\x04" + b"\0" * 64)
    assert response.status_code == 400
    assert response.json()["code"] == "archive"
    assert "zip" in response.json()["file"][0]
    assert not ImportBatch.objects.exists()


def test_an_oversized_file_is_a_400_naming_the_limit(alice_client, checking, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    response = post_file(alice_client, checking.pk, CSV * 40000)
    assert response.status_code == 400
    assert "1 MB" in response.json()["file"][0]


def test_someone_elses_account_is_a_400(alice_client, bob_account):
    response = post_file(alice_client, bob_account.pk)
    assert response.status_code == 400
    assert "account" in response.json()
    assert not ImportBatch.objects.exists()


def test_a_stranger_gets_404_everywhere(alice_client, bob_client, checking):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    assert bob_client.get(f"{URL}/{batch_id}").status_code == 404
    for action in ("commit", "undo", "discard"):
        assert bob_client.post(f"{URL}/{batch_id}/{action}").status_code == 404
    assert bob_client.get(URL).json()["results"] == []
    assert not Transaction.objects.exists()


def test_the_list_shows_only_my_batches(alice_client, checking):
    post_file(alice_client, checking.pk)
    body = alice_client.get(URL).json()
    assert body["count"] == 1


def test_discard(alice_client, checking):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    response = alice_client.post(f"{URL}/{batch_id}/discard")
    assert response.status_code == 200 and response.json()["state"] == "discarded"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(alice_client, checking, method):
    batch_id = post_file(alice_client, checking.pk).json()["id"]
    assert getattr(alice_client, method)(f"{URL}/{batch_id}").status_code == 405


def test_anonymous_is_refused(client):
    assert client.get(URL).status_code in (401, 403)

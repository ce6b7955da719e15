"""Statement import pages: upload, mapping, accounts, preview, commit, history, undo."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banking.forms import (
    NEW,
    STATEMENT_TYPES,
    AccountMapForm,
    CommitForm,
    ImportUploadForm,
    MappingForm,
    UndoForm,
)
from banking.importers import CsvLayout, CsvMapping, ImportFileError, ParsedRow
from banking.importers.base import human_size
from banking.services.imports import (
    BANK_SYNC_NO_UNDO,
    FORMAT_LABELS,
    ImportFlowError,
    date_format_label,
    edited_since_import,
    edited_transactions,
    import_commit,
    import_discard,
    import_new_account,
    import_preview,
    import_rows_preview,
    import_start,
    import_undo,
    max_upload_bytes,
)
from ledger.models import Account, ImportBatch

State = ImportBatch.State


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.filter(user=request.user).select_related("account"), pk=pk
    )


def _too_large(request: HttpRequest) -> bool:
    # Refuse before reading the body: a 500 MB upload is not received to be rejected.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_upload_bytes() + 64 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def import_start_view(request: HttpRequest) -> HttpResponse:
    """Pick or create the account, drop a file."""
    if request.method == "POST" and _too_large(request):
        form = ImportUploadForm(user=request.user)
        error = (
            f"This file is {human_size(int(request.META['CONTENT_LENGTH']))}; the largest "
            f"file you can import is {settings.IMPORT_MAX_UPLOAD_MB} MB."
        )
        return _upload_page(request, form, status=400, error=error)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account, new_account = form.target()
        upload = form.cleaned_data["file"]
        try:
            batch = import_start(
                user=request.user,
                file=upload,
                file_name=upload.name,
                account=account,
                new_account=new_account,
                profile=form.cleaned_data.get("profile") or "",
            )
        except (ImportFileError, ImportFlowError) as exc:
            field = getattr(exc, "field", "") or "file"
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            return redirect("banking:import-detail", pk=batch.pk)
    return _upload_page(request, form, status=400 if form.errors else 200)


def _upload_page(
    request: HttpRequest, form: ImportUploadForm, *, status: int, error: str = ""
) -> HttpResponse:
    recent = ImportBatch.objects.filter(user=request.user).select_related("account")[:5]
    return render(
        request,
        "banking/import.html",
        {
            "form": form,
            "recent": recent,
            "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
            "upload_error": error,
            "has_accounts": bool(form.accounts),
        },
        status=status,
    )


@login_required
@require_GET
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch page: whatever step the import is at."""
    batch = _batch(request, pk)
    meta = batch.meta
    if batch.state == State.PENDING and batch.format == "csv" and meta.get("needs"):
        return redirect("banking:import-mapping", pk=batch.pk)
    if batch.state == State.PENDING and meta.get("statement") and meta.get("needs"):
        return redirect("banking:import-accounts", pk=batch.pk)
    context = {
        "batch": batch,
        "meta": meta,
        "format_label": FORMAT_LABELS.get(batch.format, batch.format.upper()),
        "summary": meta.get("summary") or {},
        "result": meta.get("result") or {},
        "status_url": reverse("banking:import-status", args=[batch.pk]),
    }
    if batch.state == State.PREVIEW:
        summary = context["summary"]
        names = {c["id"]: c["name"] for c in summary.get("categories", [])}
        context["sample"] = [
            {
                **row,
                "category": names.get(row.get("category_id"), "Uncategorized"),
                "negative": row["amount"].startswith("-"),
            }
            for row in summary.get("sample", [])
        ]
        context["more"] = max(summary.get("new", 0) - len(context["sample"]), 0)
        context["commit_form"] = CommitForm(
            possible=context["summary"].get("possible", []), decisions=meta.get("decisions") or {}
        )
    return render(request, "banking/batch_detail.html", context)


@login_required
@require_GET
def import_status_view(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the page's progress bar (polled, no reload)."""
    batch = _batch(request, pk)
    return JsonResponse(_status(batch))


def _status(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "stage": batch.meta.get("stage", ""),
        "progress_done": batch.progress_done,
        "progress_total": batch.progress_total,
        "added": batch.added,
        "skipped": batch.skipped,
        "possible_duplicates": batch.possible_duplicates,
        "error_count": batch.error_count,
        "failure": batch.meta.get("failure", ""),
        "url": reverse("banking:import-detail", args=[batch.pk]),
    }


def _mapping_context(batch: ImportBatch, form: MappingForm, rows) -> dict:
    layout = CsvLayout.from_dict(batch.meta["layout"])
    return {
        "batch": batch,
        "layout": layout,
        "form": form,
        "rows": rows,
        "needs": batch.meta.get("needs") or [],
        "profile": batch.meta.get("profile") or {},
        "encoding": layout.encoding,
        "delimiter": {"\t": "Tab", ",": "Comma", ";": "Semicolon", "|": "Pipe"}.get(
            layout.delimiter, layout.delimiter
        ),
        "preview_url": reverse("banking:import-mapping-preview", args=[batch.pk]),
        "date_label": date_format_label(form["date_format"].value() or ""),
    }


def _preview_rows(batch: ImportBatch, mapping: CsvMapping) -> list[dict]:
    rows = []
    try:
        parsed = import_rows_preview(batch=batch, mapping=mapping)
    except (ImportFileError, ImportFlowError, ValueError, IndexError) as exc:
        return [{"error": True, "line": "", "column": "", "message": str(exc)}]
    for item in parsed:
        if isinstance(item, ParsedRow):
            rows.append({"error": False, "row": item})
        else:
            rows.append(
                {"error": True, "line": item.line, "column": item.column, "message": item.message}
            )
    return rows


def _mapping_form(batch: ImportBatch, data=None) -> MappingForm:
    layout = CsvLayout.from_dict(batch.meta["layout"])
    mapping = CsvMapping.from_dict(batch.meta["mapping"])
    return MappingForm(
        data,
        header=layout.header,
        date_formats=[*layout.date_candidates, mapping.date_format],
        initial=MappingForm.initial_from(mapping),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping_view(request: HttpRequest, pk: int) -> HttpResponse:
    """CSV column mapping with a preview of the first rows as they will be saved."""
    batch = _batch(request, pk)
    if batch.format != "csv" or batch.state not in (State.PENDING, State.PREVIEW, State.FAILED):
        return redirect("banking:import-detail", pk=batch.pk)
    base = CsvMapping.from_dict(batch.meta["mapping"])
    if request.method == "GET":
        form = _mapping_form(batch)
        return render(
            request,
            "banking/mapping.html",
            _mapping_context(batch, form, _preview_rows(batch, base)),
        )
    form = _mapping_form(batch, request.POST)
    if not form.is_valid():
        return render(
            request,
            "banking/mapping.html",
            _mapping_context(batch, form, _preview_rows(batch, base)),
            status=400,
        )
    mapping = form.mapping(base)
    if "preview" in request.POST:
        return render(
            request,
            "banking/mapping.html",
            _mapping_context(batch, form, _preview_rows(batch, mapping)),
        )
    try:
        import_preview(
            batch=batch, mapping=mapping, save_profile_as=form.cleaned_data.get("profile_name", "")
        )
    except (ImportFileError, ImportFlowError) as exc:
        form.add_error(None, str(exc))
        return render(
            request,
            "banking/mapping.html",
            _mapping_context(batch, form, _preview_rows(batch, mapping)),
            status=400,
        )
    return redirect("banking:import-detail", pk=batch.pk)


@login_required
@require_POST
def import_mapping_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview table alone, re-rendered by static/js/imports.js when the mapping changes."""
    batch = _batch(request, pk)
    if batch.format != "csv" or "layout" not in batch.meta:
        return HttpResponse(status=404)
    form = _mapping_form(batch, request.POST)
    base = CsvMapping.from_dict(batch.meta["mapping"])
    mapping = form.mapping(base) if form.is_valid() else base
    return render(
        request,
        "banking/_mapping_preview.html",
        {"rows": _preview_rows(batch, mapping), "form_errors": form.errors},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_accounts_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A file with several accounts: which of the user's accounts each goes to."""
    batch = _batch(request, pk)
    statement = batch.meta.get("statement")
    if not statement or batch.state not in (State.PENDING, State.PREVIEW, State.FAILED):
        return redirect("banking:import-detail", pk=batch.pk)
    entries = statement["accounts"]
    form = AccountMapForm(
        request.POST or None,
        user=request.user,
        entries=entries,
        current=batch.meta.get("account_map") or {},
    )
    date_choices = statement.get("date_candidates") or []
    if request.method == "POST" and form.is_valid():
        try:
            account_map = _resolve_accounts(request, batch, form)
            import_preview(
                batch=batch,
                account_map=account_map,
                date_order=request.POST.get("date_order", "") if date_choices else "",
            )
        except (ImportFileError, ImportFlowError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("banking:import-detail", pk=batch.pk)
    return render(
        request,
        "banking/accounts.html",
        {
            "batch": batch,
            "form": form,
            "date_choices": date_choices,
            "notices": statement.get("notices", []),
        },
        status=400 if form.errors else 200,
    )


def _resolve_accounts(request: HttpRequest, batch: ImportBatch, form: AccountMapForm) -> dict:
    account_map: dict[str, int | None] = {}
    fallback = batch.account.currency if batch.account else ""  # "": the base currency
    for entry, choice in form.choices():
        if choice == NEW:
            account = import_new_account(
                user=request.user,
                name=entry["name"][:100],
                type=STATEMENT_TYPES.get(entry.get("type", "").lower(), "checking"),
                currency=entry.get("currency") or fallback,
            )
            account_map[entry["key"]] = account.pk
        elif choice:
            account_map[entry["key"]] = int(choice)
        else:
            account_map[entry["key"]] = None
    return account_map


@login_required
@require_POST
def import_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = CommitForm(
        request.POST,
        possible=(batch.meta.get("summary") or {}).get("possible", []),
        decisions=batch.meta.get("decisions") or {},
    )
    form.is_valid()
    try:
        result = import_commit(
            batch=batch,
            decisions=form.decisions(),
            skip_errors=bool(form.cleaned_data.get("skip_errors")),
        )
    except (ImportFileError, ImportFlowError) as exc:
        messages.error(request, str(exc))
    else:
        if result is None:
            messages.info(request, "Importing in the background; you can leave this page.")
        else:
            messages.success(
                request,
                f"Imported {result.added} transaction{'s' if result.added != 1 else ''}.",
            )
    return redirect("banking:import-detail", pk=batch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove the batch's transactions; warns about ones edited since."""
    batch = _batch(request, pk)
    if batch.source == ImportBatch.Source.BANK:
        messages.error(request, BANK_SYNC_NO_UNDO)
        return redirect("banking:import-detail", pk=batch.pk)
    if batch.state != State.COMMITTED:
        messages.error(request, "Only a finished import can be undone.")
        return redirect("banking:import-detail", pk=batch.pk)
    edited = edited_since_import(batch)
    form = UndoForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            removed = import_undo(
                batch=batch, confirm_edited=bool(form.cleaned_data.get("confirm_edited"))
            )
        except ImportFlowError as exc:
            form.add_error("confirm_edited" if exc.code == "edited" else None, str(exc))
        else:
            messages.success(request, f"Undone: removed {removed} transactions.")
            return redirect("banking:import-detail", pk=batch.pk)
    changed = (
        edited_transactions(batch)
        .select_related("account", "category")
        .order_by("-updated_at")[:10]
        if edited
        else []
    )
    return render(
        request,
        "banking/undo_confirm.html",
        {"batch": batch, "form": form, "edited": edited, "changed": changed},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def import_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        import_discard(batch=batch)
    except ImportFlowError as exc:
        messages.error(request, str(exc))
        return redirect("banking:import-detail", pk=batch.pk)
    messages.success(request, f"Discarded {batch.file_name}; nothing was imported.")
    return redirect("banking:import")


@login_required
@require_GET
def import_history_view(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.filter(user=request.user).select_related("account")
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "banking/history.html",
        {
            "page": page,
            "batches": page.object_list,
            "has_accounts": Account.objects.for_user(request.user).exists(),
        },
    )

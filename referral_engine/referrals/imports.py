"""A CSV of referrals, all or nothing: `referral-engine referrals import` and the upload page both call
`referral_import`, and every row goes through `intake.referral_intake`, so the same rules and de-duplication
apply as for the portal and the public form.

Every row is checked, and every error is reported with its row number (the line in the file, the header being
line 1) and its column. One error anywhere and nothing is written; a dry run checks and writes nothing either.
"""

import csv
import io
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from referral_engine.core.errors import Conflict
from referral_engine.partners.models import Event, Partner
from referral_engine.referrals.intake import referral_intake
from referral_engine.referrals.models import SourceKind
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership, Role, Workspace

COLUMNS = (
    "company",
    "person",
    "email",
    "phone",
    "story",
    "source_kind",
    "source",
    "owner",
    "received_at",
)
REQUIRED_COLUMNS = ("company",)
# Plain-language names CRMs export, mapped to ours ("Owner e-mail" -> owner).
COLUMN_ALIASES = {
    "owner_email": "owner",
    "owner e-mail": "owner",
    "owner email": "owner",
    "source kind": "source_kind",
    "received": "received_at",
    "received at": "received_at",
    "e-mail": "email",
}
MAX_LENGTHS = {"company": 200, "person": 201, "email": 254, "phone": 40, "story": 20_000, "source": 254}
# The service's field names, translated back to the file's columns for the error report.
SERVICE_FIELD_COLUMN = {
    "company": "company",
    "name": "company",
    "referred_account": "company",
    "first_name": "person",
    "last_name": "person",
    "referred_contact": "person",
    "email": "email",
    "phone": "phone",
    "story": "story",
    "source_kind": "source_kind",
    "source_contact": "source",
    "source_partner": "source",
    "source_employee": "source",
    "source_event": "source",
    "source_name": "source",
    "owner": "owner",
    "received_at": "received_at",
    "first_contact_due": "received_at",
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(Exception):
    """The file was refused: nothing was written. `report.errors` says where and why."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} error(s); nothing was imported")
        self.report = report


def read_csv(data: bytes | str) -> tuple[list[str], list[dict[str, str]], list[RowError]]:
    """The header (our column names) and the rows of a CSV; errors for an unreadable file or unknown columns."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return [], [], [RowError(0, "", f"The file is not UTF-8 text (byte {exc.start}).")]
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        return [], [], [RowError(0, "", "The file contains NUL characters; is it a spreadsheet, not a CSV?")]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            return [], [], [RowError(0, "", "The file is empty: it needs a header row naming the columns.")]
        names = []
        errors = []
        for raw in header:
            name = raw.strip().lower()
            name = COLUMN_ALIASES.get(name, name.replace(" ", "_"))
            if name not in COLUMNS:
                errors.append(
                    RowError(1, raw.strip(), f"Unknown column. The columns are: {', '.join(COLUMNS)}.")
                )
            elif name in names:
                errors.append(RowError(1, raw.strip(), "This column appears twice."))
            names.append(name)
        for required in REQUIRED_COLUMNS:
            if required not in names:
                errors.append(RowError(1, required, "This column is required."))
        if errors:
            return names, [], errors
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                rows.append({})  # a blank line keeps its number, and is skipped
                continue
            if len(cells) > len(names):
                errors.append(
                    RowError(reader.line_num, "", f"{len(cells)} cells, but the header names {len(names)}.")
                )
            rows.append(dict(zip(names, (cell.strip() for cell in cells), strict=False)))
    except csv.Error as exc:
        return [], [], [RowError(reader.line_num, "", f"The file is not valid CSV: {exc}.")]
    return names, rows, errors


class _Sources:
    """Looks up sources and owners by e-mail or name, once per distinct value (a file repeats its referrers)."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.cache: dict[tuple[str, str], object] = {}

    def _once(self, key: tuple[str, str], find):
        if key not in self.cache:
            self.cache[key] = find()
        return self.cache[key]

    def employee(self, email: str) -> Membership | str:
        def find():
            rows = list(
                Membership.objects.filter(
                    workspace=self.workspace, user__email__iexact=email, is_active=True
                ).exclude(role=Role.PARTNER)[:1]
            )
            return rows[0] if rows else f"No colleague with the e-mail {email} in this workspace."

        return self._once(("employee", email.lower()), find)

    def contact(self, email: str) -> Contact | str:
        def find():
            rows = list(Contact.objects.filter(workspace=self.workspace, email=email.lower())[:2])
            if len(rows) == 1:
                return rows[0]
            if rows:
                return f"Several contacts have the e-mail {email}."
            return f"No contact with the e-mail {email} in this workspace."

        return self._once(("contact", email.lower()), find)

    def partner(self, value: str) -> Partner | str:
        def find():
            partners = Partner.objects.filter(workspace=self.workspace)
            lookup = {"email__iexact": value} if "@" in value else {"name__iexact": value}
            rows = list(partners.filter(**lookup)[:2])
            if len(rows) == 1:
                return rows[0]
            if rows:
                return f"Several partners match {value}; use the partner's e-mail."
            return f"No partner with the {'e-mail' if '@' in value else 'name'} {value} in this workspace."

        return self._once(("partner", value.lower()), find)

    def event(self, name: str) -> Event | str:
        def find():
            rows = list(Event.objects.filter(workspace=self.workspace, name__iexact=name)[:2])
            if len(rows) == 1:
                return rows[0]
            if rows:
                return f"Several events are called {name}."
            return f"No event called {name} in this workspace."

        return self._once(("event", name.lower()), find)


def _received_at(value: str, tz) -> datetime | str:
    try:
        # A bare date is the start of the working day, not midnight.
        day = parse_date(value) if len(value) == 10 else None
        moment = datetime.combine(day, time(9, 0)) if day else parse_datetime(value)
        if moment is None:
            return "Give the date as YYYY-MM-DD or YYYY-MM-DD HH:MM."
    except ValueError:
        return "This is not a real date."
    if moment.tzinfo is None:
        # A spreadsheet's time is the firm's local time.
        moment = moment.replace(tzinfo=tz)
    if moment > datetime.now(UTC):
        return "The referral cannot have been received in the future."
    if moment.date() < date(1970, 1, 1):
        return "This date is too far in the past."
    return moment


def _row_fields(row: dict[str, str], line: int, sources: _Sources, tz) -> tuple[dict, list[RowError]]:
    """The keyword arguments of referral_intake for one row, or the row's errors."""
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column, limit in MAX_LENGTHS.items():
        if len(row.get(column, "")) > limit:
            error(column, f"At most {limit} characters.")
    company = row.get("company", "")
    if not company:
        error("company", "Name the company that was referred.")
    email = row.get("email", "")
    if email:
        try:
            from django.core.validators import validate_email

            validate_email(email)
        except ValidationError:
            error("email", "Enter a valid e-mail address.")

    kind = (row.get("source_kind", "") or "").lower()
    source = row.get("source", "")
    if not kind:
        kind = SourceKind.OTHER
    if kind not in SourceKind.values:
        error("source_kind", f"Choose one of: {', '.join(SourceKind.values)}.")
    fields: dict = {}
    if kind in SourceKind.values:
        if not source:
            error("source", "Say who referred them (an e-mail or a name, depending on source_kind).")
        elif kind == SourceKind.CUSTOMER:
            found = sources.contact(source)
            fields["source_contact"] = found
        elif kind == SourceKind.PARTNER:
            found = sources.partner(source)
            fields["source_partner"] = found
        elif kind == SourceKind.EMPLOYEE:
            found = sources.employee(source)
            fields["source_employee"] = found
        elif kind == SourceKind.EVENT:
            found = sources.event(source)
            fields["source_event"] = found
        else:
            fields["source_name"] = source
        for key, value in list(fields.items()):
            if isinstance(value, str) and key != "source_name":
                error("source", value)
    owner = row.get("owner", "")
    if owner:
        found = sources.employee(owner)
        if isinstance(found, str):
            error("owner", found)
        else:
            fields["owner"] = found
    received = row.get("received_at", "")
    if received:
        moment = _received_at(received, tz)
        if isinstance(moment, str):
            error("received_at", moment)
        else:
            fields["received_at"] = moment
    fields.update(
        source_kind=kind,
        company=company,
        person=row.get("person", ""),
        email=email,
        phone=row.get("phone", ""),
        story=row.get("story", ""),
    )
    return fields, errors


def _service_errors(exc: ValidationError | Conflict, line: int) -> list[RowError]:
    if isinstance(exc, Conflict):
        return [RowError(line, SERVICE_FIELD_COLUMN.get(exc.field or "", ""), exc.message)]
    if not hasattr(exc, "error_dict"):
        return [RowError(line, "", message) for message in exc.messages]
    return [
        RowError(line, SERVICE_FIELD_COLUMN.get(name, name), message)
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


def referral_import(
    *,
    workspace: Workspace,
    actor: Membership | None,
    data: bytes | str,
    dry_run: bool = False,
    max_rows: int | None = None,
    on_progress=None,
) -> ImportReport:
    """Import the referrals of a CSV file in one transaction: all of them, or none (ImportRefused, listing
    every error). `dry_run` checks every row through the services as a real import would, then rolls back."""
    report = ImportReport(dry_run=dry_run)
    _, rows, errors = read_csv(data)
    report.errors.extend(errors)
    numbered = [(index + 2, row) for index, row in enumerate(rows) if row]
    report.rows = len(numbered)
    if max_rows is not None and report.rows > max_rows:
        report.errors.append(
            RowError(0, "", f"{report.rows:,} referrals in the file; at most {max_rows:,} at a time.")
        )
    if not report.errors and not numbered:
        report.errors.append(RowError(0, "", "The file has a header but no referrals."))
    if report.errors:
        raise ImportRefused(report)

    try:
        tz = zoneinfo.ZoneInfo(workspace.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = UTC
    sources = _Sources(workspace)
    # First every row is checked on its own (columns, sources, owners, dates), so a file with a typo on row 9,000
    # is refused before anything is written; then the rows go through the service, in one transaction.
    checked = []
    for line, row in numbered:
        fields, row_errors = _row_fields(row, line, sources, tz)
        report.errors.extend(row_errors)
        checked.append((line, fields))
    if report.errors:
        raise ImportRefused(report)

    with transaction.atomic():
        for done, (line, fields) in enumerate(checked, 1):
            try:
                # A savepoint per row, so one refused row does not hide the errors of the rows after it.
                with transaction.atomic():
                    referral = referral_intake(workspace=workspace, actor=actor, **fields)
            except (ValidationError, Conflict) as exc:
                report.errors.extend(_service_errors(exc, line))
            else:
                report.created.append(referral.pk)
            if on_progress is not None:
                on_progress(done)
        if report.errors or dry_run:
            # Nothing is kept, and nothing queued for after the commit (e-mails, webhooks) is sent.
            transaction.set_rollback(True)
    if report.errors:
        report.created = []
        raise ImportRefused(report)
    if dry_run:
        report.created = []
    return report


def template_csv(columns: Iterable[str] = COLUMNS) -> str:
    """A header line and one example row, offered on the upload page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerow(
        [
            "Initech Ltd",
            "Ann Able",
            "ann@initech.example",
            "+44 20 7946 0000",
            "Ann told Carol at the chamber dinner that Initech needs a new vendor.",
            "partner",
            "carol@partners.example",
            "bob@yourfirm.example",
            "2026-03-02",
        ]
    )
    return out.getvalue()

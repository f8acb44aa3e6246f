"""Computed columns in a mapping: an ERP's order lines (Northwind-shaped: OrderID and
ProductID make the line, UnitPrice × Quantity × (1 − Discount) its amount) come in through
a saved mapping alone, the same through the command line and the API, to the cent."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from koers.imports.expressions import ExpressionError, compile_expression
from koers.imports.samples import sample_path
from koers.imports.saved import MappingError, mapping_save, parse_mapping
from koers.sales import models as sm

ORDERS = (
    "OrderID,OrderDate,CustomerID,EmployeeID,ProductID,UnitPrice,Quantity,Discount\n"
    "10248,1996-07-04,VB-ACC-001,VB-003,VB-PMP-001,14.00,12,0\n"
    "10248,1996-07-04,VB-ACC-001,VB-003,VB-KLP-001,9.80,10,0\n"
    "10249,1996-07-05,VB-ACC-001,VB-004,VB-PMP-001,18.60,9,0.15\n"
    "10250,1996-07-08,VB-ACC-001,VB-004,VB-KLP-001,0.05,1,0.5\n"  # € 0.025: half a cent
)
MAPPING = """kind: orders
columns:
  OrderDate: order_date
  CustomerID: account
  ProductID: product
  Quantity: quantity
  EmployeeID: credited_to
also:
  OrderID: [order_number]
computed:
  external_id: "[OrderID] & '-' & [ProductID]"
  amount: "[UnitPrice] * Quantity * (1 - [Discount])"
constants:
  currency: EUR
"""


@pytest.fixture
def base(funnel):
    for kind in ["units", "people", "product-groups", "products", "accounts"]:
        call_command("import", kind, str(sample_path(kind)), stdout=io.StringIO())
    mapping_save(name="northwind", mapping=parse_mapping(MAPPING), by=None)


def _check() -> None:
    lines = {o.external_id: o for o in sm.OrderLine.objects.filter(order_number__startswith="102")}
    assert lines["10248-VB-PMP-001"].amount == Decimal("168.00")  # 14.00 × 12
    assert lines["10248-VB-KLP-001"].amount == Decimal("98.00")
    assert lines["10249-VB-PMP-001"].amount == Decimal("142.29")  # 18.60 × 9 × 0.85 = 142.29
    assert lines["10250-VB-KLP-001"].amount == Decimal("0.03")  # 0.025, half away from zero
    assert sum(line.amount for line in lines.values()) == Decimal("408.32")
    assert {line.order_number for line in lines.values()} == {"10248", "10249", "10250"}


def test_the_command_line_imports_with_computed_columns(base, tmp_path):
    path = tmp_path / "order_details.csv"
    path.write_text(ORDERS, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "orders", str(path), mapping="northwind", stdout=out)
    assert "4 new" in out.getvalue(), out.getvalue()
    _check()


def test_the_api_imports_with_computed_columns(base, client, token):
    upload = SimpleUploadedFile("order_details.csv", ORDERS.encode())
    answer = client.post(
        "/api/v1/imports/orders?mapping=northwind", {"file": upload}, **token("ada")
    )
    assert answer.status_code == 201, answer.content
    _check()


def test_dutch_numbers_in_a_computed_column(base, tmp_path):
    mapping = parse_mapping(MAPPING.replace("constants:", 'decimal: ","\nconstants:'))
    text = ORDERS.replace(",", ";").replace("14.00", "14,00").replace("9.80", "9,80")
    text = text.replace("18.60", "18,60").replace("0.15", "0,15").replace("0.05", "0,05")
    text = text.replace(";0.5\n", ";0,5\n")
    from koers.imports.services import import_file

    run = import_file(
        kind="orders", raw=text.encode(), filename="nl.csv", by=None, saved=mapping
    ).run
    assert run.status == "committed", run.errors
    _check()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("__import__('os').system('x')", "function call"),
        ("[Price].real", "attribute"),
        ("[Price] ** 2", r"only \+ - \* / and &"),
        ("[Price] > 2", "comparison"),
        ("[A] & '-' & [B] * 2", "joins text with & and calculates"),
        ("[Price] *", "not an expression"),
        ("", "empty"),
        ("1 +" * 300, "at most 500"),
    ],
)
def test_an_expression_outside_the_grammar_is_named_and_never_run(text, problem):
    with pytest.raises(ExpressionError, match=problem):
        compile_expression(text)
    with pytest.raises(MappingError):
        parse_mapping(f"kind: orders\ncomputed:\n  amount: {text!r}\n")


def test_an_expression_naming_a_header_the_file_lacks_says_so(base):
    from koers.imports.reader import ImportFileError
    from koers.imports.services import import_file

    mapping = parse_mapping(MAPPING.replace("[UnitPrice]", "[Unit Price]"))
    with pytest.raises(ImportFileError, match="uses Unit Price, which the file does not have"):
        import_file(kind="orders", raw=ORDERS.encode(), filename="x.csv", by=None, saved=mapping)


def test_a_bare_header_is_read_in_its_own_number_style():
    import polars as pl

    expression = compile_expression("[Unit Price] * Discount")
    assert expression.headers == ["Unit Price", "Discount"]
    frame = pl.DataFrame({"Unit Price": ["1.000,00"], "Discount": ["0,5"]})
    styles = {"Unit Price": "nl", "Discount": "nl"}
    value = frame.select(expression.to_polars(styles)).item()
    assert value.startswith("500.0")

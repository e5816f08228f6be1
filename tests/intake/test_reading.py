"""CSV reading: encodings, delimiters, Excel quirks, preambles, broken files, streaming."""

from __future__ import annotations

import codecs
import csv
import pickle
from pathlib import Path

import polars as pl
import pytest

from gtm.errors import TerminalError
from gtm.intake import reading
from gtm.intake.reading import (
    EXTRA_VALUES,
    ROW_NUMBER,
    CsvFormat,
    CsvReadError,
    detect_encoding,
    detect_format,
    iter_batches,
    make_unique_headers,
    read_header,
    sniff_delimiter,
)


def write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, **kwargs) -> pl.DataFrame:
    frames = list(iter_batches(path, **kwargs))
    return pl.concat(frames) if frames else pl.DataFrame()


def rows(path: Path) -> list[dict]:
    return read_all(path).drop(EXTRA_VALUES).to_dicts()


RU_TEXT = "Компания;ИНН;Город\r\nООО «Ромашка»;7707083893;Москва\r\nЗАО Ёлка;500100732259;Тверь\r\n"
WESTERN_TEXT = "Company,Name\nSociété Générale – Paris,Müller\nBjørn AS,Ærø\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Name,City\nJörg,Köln\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Name,City\nJörg,Köln\n".encode(), "utf-8-sig"),
        ("Name\tCity\nJörg\tKöln\n".encode("utf-16"), "utf-16"),
        (RU_TEXT.encode("cp1251"), "cp1251"),
        (WESTERN_TEXT.encode("cp1252"), "cp1252"),
        # 0x81 is undefined in cp1252: only latin-1 can decode it.
        ("Name,Note\nJörg,a\x81b\n".encode("latin-1"), "latin-1"),
        (b"Name,City\nJohn,Oslo\n", "utf-8"),
    ],
)
def test_detects_encoding(tmp_path, data, encoding):
    assert detect_encoding(write(tmp_path, data)) == encoding


def test_cp1251_file_decodes_to_cyrillic(tmp_path):
    path = write(tmp_path, RU_TEXT.encode("cp1251"))
    assert read_header(path) == ["Компания", "ИНН", "Город"]
    assert rows(path) == [
        {ROW_NUMBER: 2, "Компания": "ООО «Ромашка»", "ИНН": "7707083893", "Город": "Москва"},
        {ROW_NUMBER: 3, "Компания": "ЗАО Ёлка", "ИНН": "500100732259", "Город": "Тверь"},
    ]


def test_western_single_byte_file_keeps_accents_and_dashes(tmp_path):
    path = write(tmp_path, WESTERN_TEXT.encode("cp1252"))
    assert [r["Company"] for r in rows(path)] == ["Société Générale – Paris", "Bjørn AS"]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + b"Email,Name\na@b.co,A\n")
    assert read_header(path) == ["Email", "Name"]


def test_non_ascii_after_the_first_megabyte_still_decides_the_encoding(tmp_path):
    body = "Name,City\n" + "John,Oslo\n" * 150_000 + "Иван,Москва\n"
    path = write(tmp_path, body.encode("cp1251"))
    assert detect_format(path).encoding == "cp1251"
    assert rows(path)[-1]["Name"] == "Иван"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_detects_each_delimiter(tmp_path, delimiter):
    text = delimiter.join(["Name", "Email", "City"]) + "\n"
    text += delimiter.join(["Ann", "ann@x.io", "Oslo"]) + "\n"
    path = write(tmp_path, text.encode())
    assert detect_format(path).delimiter == delimiter
    assert rows(path) == [{ROW_NUMBER: 2, "Name": "Ann", "Email": "ann@x.io", "City": "Oslo"}]


def test_delimiter_inside_quotes_does_not_fool_detection():
    text = 'Name;Address\n"Smith, John";"Main St, 5, Berlin"\n"Doe, Jane";"Elm St, 7, Oslo"\n'
    assert sniff_delimiter(text) == ";"


def test_commas_in_unquoted_values_of_a_semicolon_file():
    text = "Name;Company\nJohn;Acme, Inc\nJane;Beta, LLC\nJim;Gamma\n"
    assert sniff_delimiter(text) == ";"


def test_single_column_file(tmp_path):
    path = write(tmp_path, b"email\na@x.io\nb@y.io\n")
    assert read_header(path) == ["email"]
    assert [r["email"] for r in rows(path)] == ["a@x.io", "b@y.io"]


def test_quoted_newlines_are_one_record_and_row_numbers_count_records(tmp_path):
    data = b'Name,Note\r\nAnn,"line one\r\nline two"\r\nBob,plain\r\n'
    path = write(tmp_path, data)
    assert rows(path) == [
        {ROW_NUMBER: 2, "Name": "Ann", "Note": "line one\r\nline two"},
        {ROW_NUMBER: 3, "Name": "Bob", "Note": "plain"},
    ]


def test_doubled_quotes_inside_quoted_values(tmp_path):
    path = write(tmp_path, 'Company,City\n"ООО ""Ромашка""",Moscow\n'.encode())
    assert rows(path)[0]["Company"] == 'ООО "Ромашка"'


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_line_endings(tmp_path, newline):
    path = write(tmp_path, newline.join([b"A,B", b"1,2", b"3,4", b""]))
    assert rows(path) == [{ROW_NUMBER: 2, "A": "1", "B": "2"}, {ROW_NUMBER: 3, "A": "3", "B": "4"}]


def test_excel_sep_line_sets_delimiter_and_is_not_a_row(tmp_path):
    path = write(tmp_path, b"sep=;\r\nName,Full;Email\r\nSmith, J;j@x.io\r\n")
    fmt = detect_format(path)
    assert fmt == CsvFormat(encoding="utf-8", delimiter=";", has_sep_line=True)
    assert read_header(path, fmt) == ["Name,Full", "Email"]
    assert rows(path) == [{ROW_NUMBER: 2, "Name,Full": "Smith, J", "Email": "j@x.io"}]


def test_excel_sep_line_after_bom(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + b"sep=,\nA,B\n1,2\n")
    assert detect_format(path).has_sep_line
    assert rows(path) == [{ROW_NUMBER: 2, "A": "1", "B": "2"}]


def test_formula_protected_values_are_unwrapped(tmp_path):
    data = b'Name,Zip,Code,Formula\nAnn,="00123","=""0042""",=SUM(A1)\nBob,="a""b",x,="\n'
    path = write(tmp_path, data)
    assert rows(path) == [
        {ROW_NUMBER: 2, "Name": "Ann", "Zip": "00123", "Code": "0042", "Formula": "=SUM(A1)"},
        {ROW_NUMBER: 3, "Name": "Bob", "Zip": 'a"b', "Code": "x", "Formula": '="'},
    ]


def test_trailing_empty_columns_are_dropped(tmp_path):
    path = write(tmp_path, b"Name;Email;;;\r\nAnn;a@x.io;;;\r\n;;;;\r\nBob;b@x.io;;;\r\n")
    frame = read_all(path)
    assert frame.columns == [ROW_NUMBER, "Name", "Email", EXTRA_VALUES]
    assert frame[ROW_NUMBER].to_list() == [2, 4]  # the blank record 3 is skipped, not renumbered
    assert frame[EXTRA_VALUES].to_list() == [None, None]


def test_short_rows_are_padded_and_long_rows_keep_their_extra_cells(tmp_path):
    path = write(tmp_path, b"A,B,C\n1\n1,2,3,,x\n")
    frame = read_all(path)
    assert frame.drop(ROW_NUMBER).to_dicts() == [
        {"A": "1", "B": "", "C": "", EXTRA_VALUES: None},
        {"A": "1", "B": "2", "C": "3", EXTRA_VALUES: '["", "x"]'},
    ]


def test_all_columns_are_strings(tmp_path):
    path = write(tmp_path, b"Zip,Amount,Date\n00123,1.50,2024-01-01\n")
    frame = read_all(path)
    assert frame.schema == pl.Schema(
        {ROW_NUMBER: pl.Int64, "Zip": pl.String, "Amount": pl.String, "Date": pl.String,
         EXTRA_VALUES: pl.String}
    )  # fmt: skip
    assert frame["Zip"].to_list() == ["00123"]


@pytest.mark.parametrize(
    ("raw", "unique"),
    [
        (["Email", "Email", "Name"], ["Email", "Email_2", "Name"]),
        (["Name", "", "City"], ["Name", "column_2", "City"]),
        ([" Email ", "Email", "Email_2"], ["Email", "Email_3", "Email_2"]),
        (["", "column_1"], ["column_1_2", "column_1"]),
        (["row_number", "extra_values"], ["row_number_2", "extra_values_2"]),
        (["A", "B", "", ""], ["A", "B"]),
    ],
)
def test_make_unique_headers(raw, unique):
    assert make_unique_headers(raw) == unique


def test_duplicate_and_empty_headers_in_a_file(tmp_path):
    path = write(tmp_path, b"Email,,Email\na@x.io,mid,b@x.io\n")
    assert read_header(path) == ["Email", "column_2", "Email_2"]
    assert rows(path) == [
        {ROW_NUMBER: 2, "Email": "a@x.io", "column_2": "mid", "Email_2": "b@x.io"}
    ]


LINKEDIN = (
    b"Notes:\r\n"
    b'"When exporting your connection data, you may notice that some of the email addresses '
    b'are missing. You will only see email addresses for connections who have allowed it."\r\n'
    b"\r\n"
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
    b"Ann,Lee,https://www.linkedin.com/in/annlee,,Acme,CTO,01 Jan 2024\r\n"
)


def test_linkedin_preamble_is_skipped_and_rows_are_numbered_as_in_a_spreadsheet(tmp_path):
    path = write(tmp_path, LINKEDIN)
    fmt = detect_format(path)
    assert fmt.delimiter == "," and fmt.preamble_records == 3
    assert read_header(path, fmt)[:3] == ["First Name", "Last Name", "URL"]
    [row] = rows(path)
    assert row[ROW_NUMBER] == 5
    assert row["Company"] == "Acme"


def test_leading_blank_lines_are_skipped(tmp_path):
    path = write(tmp_path, b"\n\nA,B\n1,2\n")
    assert rows(path) == [{ROW_NUMBER: 4, "A": "1", "B": "2"}]


def test_header_only_file_yields_no_batches(tmp_path):
    path = write(tmp_path, b"First Name,Email\r\n")
    assert read_header(path) == ["First Name", "Email"]
    assert list(iter_batches(path)) == []


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", codecs.BOM_UTF8, b"   \n"])
def test_empty_file_is_a_clear_error(tmp_path, data):
    path = write(tmp_path, data, "empty.csv")
    with pytest.raises(CsvReadError, match="empty") as info:
        detect_format(path)
    assert info.value.path == str(path)
    assert "empty.csv" in str(info.value)


def test_nul_bytes_are_a_clear_error(tmp_path):
    path = write(tmp_path, b"Name,Email\nAnn\x00,a@x.io\n", "nul.csv")
    with pytest.raises(CsvReadError, match="NUL") as info:
        detect_format(path)
    assert "nul.csv" in str(info.value)


def test_nul_bytes_are_caught_even_with_a_forced_format(tmp_path):
    path = write(tmp_path, b"Name,Email\nAnn\x00,a@x.io\n")
    with pytest.raises(CsvReadError, match="NUL"):
        list(iter_batches(path, CsvFormat(encoding="utf-8", delimiter=",")))


def test_xlsx_renamed_to_csv_is_a_clear_error(tmp_path):
    zip_header = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4
    path = write(tmp_path, zip_header, "contacts.csv")
    with pytest.raises(CsvReadError):
        detect_format(path)


def test_control_character_garbage_is_a_clear_error(tmp_path):
    path = write(tmp_path, bytes([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15]) * 50 + b"\n")
    with pytest.raises(CsvReadError, match="text file"):
        detect_format(path)


def test_wrong_forced_encoding_is_a_clear_error(tmp_path):
    path = write(tmp_path, RU_TEXT.encode("cp1251"))
    with pytest.raises(CsvReadError, match="utf-8"):
        list(iter_batches(path, CsvFormat(encoding="utf-8", delimiter=";")))


def test_bom_followed_by_invalid_utf8_is_a_clear_error(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + "A,B\nЖ,1\n".encode("cp1251"))
    with pytest.raises(CsvReadError, match="byte-order mark"):
        detect_format(path)


def test_unbalanced_quote_swallowing_a_huge_field_is_a_clear_error(tmp_path):
    path = write(tmp_path, b'A,B\n1,"unterminated\n' + b"x,y\n" * 40_000)
    with pytest.raises(CsvReadError, match="malformed CSV"):
        list(iter_batches(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CsvReadError, match="nope.csv"):
        detect_format(tmp_path / "nope.csv")


def test_csv_read_error_is_terminal_and_picklable(tmp_path):
    err = CsvReadError(tmp_path / "x.csv", "broken")
    assert isinstance(err, TerminalError)
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.path, clone.reason, str(clone)) == (err.path, err.reason, str(err))


def test_batch_size_must_be_positive(tmp_path):
    path = write(tmp_path, b"A\n1\n")
    with pytest.raises(ValueError, match="batch_size"):
        list(iter_batches(path, batch_size=0))


def test_large_file_streams_in_bounded_batches(tmp_path):
    path = tmp_path / "big.csv"
    total = 120_001
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["First Name", "Email", "Company", "Note"])
        for i in range(total):
            note = f"multi\nline {i}" if i % 1000 == 0 else f"n{i}"
            writer.writerow([f"Name{i}", f"user{i}@acme{i % 97}.com", f"Acme {i % 97}", note])
    batches = list(iter_batches(path, batch_size=50_000))
    assert [b.height for b in batches] == [50_000, 50_000, 20_001]
    numbers = pl.concat([b[ROW_NUMBER] for b in batches])
    assert numbers.to_list() == list(range(2, total + 2))
    last = batches[-1].row(-1, named=True)
    assert last["Email"] == f"user{total - 1}@acme{(total - 1) % 97}.com"
    assert batches[0]["Note"][0] == "multi\nline 0"


@pytest.mark.parametrize("block_chars", [1, 2, 3, 5, 8])
def test_lines_cut_by_read_blocks_read_the_same(tmp_path, monkeypatch, block_chars):
    data = ('Name,Note\r\nAnn,"two\r\nlines"\r\n\r\nBob,plain\rCid,"q""uote"\n,\n'
            "Dan,\"\nx\"\r\nEve,end")  # CRLF, lone CR, LF, blank, quoted newlines, no final EOL
    path = write(tmp_path, data.encode("utf-8"))
    expected = read_all(path).to_dicts()
    monkeypatch.setattr(reading, "_BLOCK_CHARS", block_chars)
    assert read_all(path).to_dicts() == expected
    assert [r["Name"] for r in expected] == ["Ann", "Bob", "Cid", "Dan", "Eve"]
    assert [r[ROW_NUMBER] for r in expected] == [2, 4, 5, 7, 8]

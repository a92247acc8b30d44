"""The zip container of an upload, read before any XML parser sees it: the file opened within its size limit,
OLE (old .xls, encrypted) detection, the central directory, declared sizes, and members inflated in
bounded chunks that stop at the declared size and the allowed ratio (THREATS.md F1, F2, F4)."""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO

from defusedxml import ElementTree as SafeElementTree

from .core import (
    _ENCRYPTED_PACKAGE,
    _EOCD,
    _LOCAL_HEADER,
    _OUT_CHUNK,
    _RAW_CHUNK,
    _ZIP_MAGIC,
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_TOO_LARGE,
    FILE_XML_DTD,
    FILE_ZIP_BOMB,
    MAX_MEMBERS,
    MAX_TAG_BYTES,
    MB,
    RATIO_MIN_MEMBER_SIZE,
    SpreadsheetError,
    _error,
    _Limits,
)

logger = logging.getLogger(__name__)

# Refused before any XML parser sees a part: DTDs (entity expansion) and encodings the byte scans cannot read.
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_UTF16_OR_32 = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00\xfe\xff", b"\x00\x00\x00<")


@contextmanager
def _opened(path_or_file, max_bytes: int) -> Iterator[tuple[IO[bytes], int]]:
    """A seekable binary handle on the upload and its size, refused early when too large."""
    with ExitStack() as stack:
        if isinstance(path_or_file, bytes | bytearray | memoryview):
            fh: IO[bytes] = io.BytesIO(bytes(path_or_file))
        elif isinstance(path_or_file, str | os.PathLike):
            fh = stack.enter_context(open(path_or_file, "rb"))  # noqa: SIM115
        else:
            fh = path_or_file
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(0)
        if size > max_bytes:
            raise _error(FILE_TOO_LARGE, limit=f"{max_bytes / MB:g}")
        if size == 0:
            raise SpreadsheetError(FILE_EMPTY)
        yield fh, size


def _read_at(fh: IO[bytes], offset: int, length: int) -> bytes:
    fh.seek(offset)
    return fh.read(length)


def _ole_is_encrypted(fh: IO[bytes]) -> bool:
    """An encrypted .xlsx is an OLE container with an `EncryptedPackage` stream (MS-OFFCRYPTO)."""
    fh.seek(0)
    previous = b""
    while chunk := fh.read(_OUT_CHUNK):
        if _ENCRYPTED_PACKAGE in previous + chunk:
            return True
        previous = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


def _zip_members(fh: IO[bytes], size: int) -> list[zipfile.ZipInfo]:
    """The central directory, refused unless it is the only one and names every member once."""
    if size < _EOCD.size:
        raise SpreadsheetError(FILE_CORRUPT)
    signature, disk, cd_disk, _on_disk, total, cd_size, cd_offset, comment = _EOCD.unpack(
        _read_at(fh, size - _EOCD.size, _EOCD.size)
    )
    # The end record must close the file: no comment, trailing or prepended bytes in which a second
    # directory could hide for a reader (Rust's zip crate, Python's zipfile) that searches differently.
    if signature != b"PK\x05\x06" or comment or disk or cd_disk:
        raise SpreadsheetError(FILE_CORRUPT)
    if cd_offset != 0xFFFFFFFF and cd_offset + cd_size != size - _EOCD.size:
        raise SpreadsheetError(FILE_CORRUPT)
    if total != 0xFFFF and total > MAX_MEMBERS:
        raise SpreadsheetError(FILE_CORRUPT)
    try:
        fh.seek(0)
        infos = zipfile.ZipFile(fh).infolist()
    except Exception as exc:
        logger.info("zip directory refused: %s", type(exc).__name__)
        raise SpreadsheetError(FILE_CORRUPT) from None
    if len(infos) > MAX_MEMBERS:
        raise SpreadsheetError(FILE_CORRUPT)
    names = set()
    for info in infos:
        name = info.filename.lower()
        if name in names or "\x00" in info.orig_filename:
            raise SpreadsheetError(FILE_CORRUPT)
        names.add(name)
        if info.flag_bits & 0x1:
            raise SpreadsheetError(FILE_ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(FILE_CORRUPT)
    return infos


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: _Limits) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        ratio_too_high = info.file_size > limits.max_ratio * max(info.compress_size, 1)
        if total > limits.max_uncompressed or (info.file_size > RATIO_MIN_MEMBER_SIZE and ratio_too_high):
            raise SpreadsheetError(FILE_ZIP_BOMB)


def _member_chunks(fh: IO[bytes], size: int, info: zipfile.ZipInfo, *, overlap: int = 0) -> Iterator[bytes]:
    """Inflate one member ourselves, never producing more than its declared size.

    Reading it to the end proves the declared size and CRC true, so that openpyxl (Python's zipfile)
    and calamine (Rust's zip crate) will see exactly these bytes. Every chunk is checked for a DTD,
    and the first for a UTF-16/32 encoding that the byte-level scans below would not understand.
    With `overlap`, each chunk starts with the last bytes of the previous one.
    """
    header = _read_at(fh, info.header_offset, _LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise SpreadsheetError(FILE_CORRUPT)
    signature, _version, _flags, method, _time, _date, _crc, _csize, _usize, name_len, extra_len = (
        _LOCAL_HEADER.unpack(header)
    )
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if (
        signature != _ZIP_MAGIC
        or method != info.compress_type
        or fh.read(name_len) != info.orig_filename.encode(encoding)
    ):
        raise SpreadsheetError(FILE_CORRUPT)
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    if start + info.compress_size > size:
        raise SpreadsheetError(FILE_CORRUPT)
    fh.seek(start)

    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if method == zipfile.ZIP_DEFLATED else None
    remaining = info.compress_size
    produced = 0
    crc = 0
    previous = b""
    while remaining:
        raw = fh.read(min(_RAW_CHUNK, remaining))
        if not raw:
            raise SpreadsheetError(FILE_CORRUPT)
        remaining -= len(raw)
        pending = raw
        while pending:
            if inflater is None:
                out, pending = pending, b""
            else:
                try:
                    out = inflater.decompress(pending, _OUT_CHUNK)
                except zlib.error:
                    raise SpreadsheetError(FILE_CORRUPT) from None
                pending = inflater.unconsumed_tail
            if not out:
                continue
            produced += len(out)
            if produced > info.file_size:
                raise SpreadsheetError(FILE_ZIP_BOMB)
            if not previous and out.startswith(_UTF16_OR_32):
                raise SpreadsheetError(FILE_CORRUPT)
            crc = zlib.crc32(out, crc)
            window = previous + out
            if b"<!" in window and _DTD.search(window):
                raise SpreadsheetError(FILE_XML_DTD)
            previous = window[-max(overlap, 16) :]
            yield window if overlap else out
    if (inflater is not None and not inflater.eof) or produced != info.file_size or crc != info.CRC:
        raise SpreadsheetError(FILE_CORRUPT)


def _xml_chunks(fh: IO[bytes], size: int, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes cut only in front of a "<", so no tag is ever split between two chunks."""
    tail = b""
    for out in _member_chunks(fh, size, info):
        buffer = tail + out
        cut = buffer.rfind(b"<")
        if cut != -1 and buffer.find(b">", cut) == -1:
            buffer, tail = buffer[:cut], buffer[cut:]
            if len(tail) > MAX_TAG_BYTES:
                raise SpreadsheetError(FILE_CORRUPT)
        else:
            tail = b""
        if buffer:
            yield buffer
    if tail:
        yield tail


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(data: bytes):
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except Exception as exc:
        logger.info("xml part refused: %s", type(exc).__name__)
        raise SpreadsheetError(FILE_CORRUPT) from None

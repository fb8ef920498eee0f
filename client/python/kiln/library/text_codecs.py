"""The codecs of ``bytes.decode``, ``str.encode``, ``bytes(s, encoding)`` and
``str(b, encoding)``, written in the subset Kiln compiles (docs/python-subset.md).

The codec and the error handler are chosen when the function is compiled:
``encoding`` and ``errors`` are literal parameters (``_literal``), so each
call site passes a constant str (or leaves the default) and the comparisons
below fold to the one codec it names; a codec Kiln does not have, or an
error handler other than ``'strict'``, is refused while compiling, located
at the call. The codecs are CPython's (Objects/unicodeobject.c,
Objects/stringlib/codecs.h): UTF-8 (surrogates refused both ways), ASCII and
Latin-1, and invalid input raises ``UnicodeDecodeError`` /
``UnicodeEncodeError`` built with CPython's own arguments (encoding, object,
start, end, reason), so ``e.args``, ``e.start`` and ``str(e)`` are Python's.

The encoding names accepted are the spellings listed in ``_codec``, each one
that ``codecs.lookup`` maps to the codec (tests/integration/test_bytes_codecs.py
checks them against it); the name in an error is the codec's own
(``'utf-8'``), as CPython's.
"""

from . import primitive

_error = primitive("kiln.static.error")
_literal = primitive("kiln.static.literal")
_empty = primitive("numpy.empty")
_bytes_of = primitive("kiln.bytes.of")
_str_of = primitive("kiln.str.of")

_UTF8 = 0
_ASCII = 1
_LATIN1 = 2


def _codec(encoding, errors):
    """The codec `encoding` names (folded while compiling: both are literal)."""
    encoding = _literal(encoding)
    errors = _literal(errors)
    if errors != "strict":
        _error("only the 'strict' error handler is supported by bytes.decode, str.encode, bytes() and str()")
    if (encoding == "utf-8" or encoding == "utf8" or encoding == "utf_8" or encoding == "UTF-8"
            or encoding == "UTF8" or encoding == "utf" or encoding == "u8" or encoding == "U8"):
        return _UTF8
    if (encoding == "ascii" or encoding == "ASCII" or encoding == "us-ascii" or encoding == "US-ASCII"
            or encoding == "us_ascii" or encoding == "646"):
        return _ASCII
    if (encoding == "latin-1" or encoding == "latin1" or encoding == "latin_1" or encoding == "Latin-1"
            or encoding == "LATIN-1" or encoding == "iso-8859-1" or encoding == "iso8859-1"
            or encoding == "ISO-8859-1" or encoding == "iso_8859_1" or encoding == "8859"
            or encoding == "cp819" or encoding == "latin" or encoding == "l1" or encoding == "L1"):
        return _LATIN1
    _error("unsupported encoding: Kiln compiles only the 'utf-8', 'ascii' and 'latin-1' codecs")


def _codec_name(codec):
    if codec == _UTF8:
        return "utf-8"
    if codec == _ASCII:
        return "ascii"
    return "latin-1"


# Decoding.


def _cont(c):
    return c >= 0x80 and c <= 0xBF


def _utf8_problem(b, i, n):
    """(end, reason) of the invalid sequence starting at b[i], as CPython's
    decoder finds it (its end is past the longest valid prefix); end is -1
    when the sequence is valid."""
    c = b[i]
    if c < 0xC2 or c > 0xF4:
        return i + 1, "invalid start byte"
    if c < 0xE0:
        need = 1
        lo = 0x80
        hi = 0xBF
    elif c < 0xF0:
        need = 2
        lo = 0xA0 if c == 0xE0 else 0x80
        hi = 0x9F if c == 0xED else 0xBF  # no surrogates
    else:
        need = 3
        lo = 0x90 if c == 0xF0 else 0x80
        hi = 0x8F if c == 0xF4 else 0xBF  # nothing past U+10FFFF
    for k in range(1, need + 1):
        if i + k >= n:
            return n, "unexpected end of data"
        d = b[i + k]
        if k == 1:
            if d < lo or d > hi:
                return i + 1, "invalid continuation byte"
        elif not _cont(d):
            return i + k, "invalid continuation byte"
    return -1, ""


def _utf8_fill(b, n, out):
    """Writes the code points of the valid UTF-8 b into out."""
    i = 0
    j = 0
    while i < n:
        c = b[i]
        if c < 0x80:
            out[j] = c
            i += 1
        elif c < 0xE0:
            out[j] = ((c & 0x1F) << 6) | (b[i + 1] & 0x3F)
            i += 2
        elif c < 0xF0:
            out[j] = ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)
            i += 3
        else:
            out[j] = ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F)
            i += 4
        j += 1


def _decode_utf8(b):
    n = len(b)
    # First pass: check it, count the code points and find the widest lead
    # byte (which decides the str's kind).
    i = 0
    count = 0
    widest = 0
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
        else:
            end, reason = _utf8_problem(b, i, n)
            if end >= 0:
                raise UnicodeDecodeError("utf-8", b, i, end, reason)
            if c > widest:
                widest = c
            if c < 0xE0:
                i += 2
            elif c < 0xF0:
                i += 3
            else:
                i += 4
        count += 1
    if widest >= 0xF0:
        out4 = _empty(count, "uint32")
        _utf8_fill(b, n, out4)
        return _str_of(out4)
    if widest >= 0xC4:  # a lead byte from C4 up starts a code point past U+00FF
        out2 = _empty(count, "uint16")
        _utf8_fill(b, n, out2)
        return _str_of(out2)
    out1 = _empty(count, "uint8")
    _utf8_fill(b, n, out1)
    return _str_of(out1)


def _decode_ascii(b):
    n = len(b)
    out = _empty(n, "uint8")
    for i in range(n):
        c = b[i]
        if c >= 0x80:
            raise UnicodeDecodeError("ascii", b, i, i + 1, "ordinal not in range(128)")
        out[i] = c
    return _str_of(out)


def _decode_latin1(b):
    n = len(b)
    out = _empty(n, "uint8")
    for i in range(n):
        out[i] = b[i]
    return _str_of(out)


def decode(b, encoding, errors):
    encoding = _literal(encoding)
    errors = _literal(errors)
    codec = _codec(encoding, errors)
    if codec == _UTF8:
        return _decode_utf8(b)
    if codec == _ASCII:
        return _decode_ascii(b)
    return _decode_latin1(b)


# Encoding.


def _encode_utf8(s):
    n = len(s)
    size = 0
    for i in range(n):
        c = ord(s[i])
        if c < 0x80:
            size += 1
        elif c < 0x800:
            size += 2
        elif c < 0x10000:
            if c >= 0xD800 and c <= 0xDFFF:
                end = i + 1
                while end < n and ord(s[end]) >= 0xD800 and ord(s[end]) <= 0xDFFF:
                    end += 1
                raise UnicodeEncodeError("utf-8", s, i, end, "surrogates not allowed")
            size += 3
        else:
            size += 4
    out = _empty(size, "uint8")
    j = 0
    for i in range(n):
        c = ord(s[i])
        if c < 0x80:
            out[j] = c
            j += 1
        elif c < 0x800:
            out[j] = 0xC0 | (c >> 6)
            out[j + 1] = 0x80 | (c & 0x3F)
            j += 2
        elif c < 0x10000:
            out[j] = 0xE0 | (c >> 12)
            out[j + 1] = 0x80 | ((c >> 6) & 0x3F)
            out[j + 2] = 0x80 | (c & 0x3F)
            j += 3
        else:
            out[j] = 0xF0 | (c >> 18)
            out[j + 1] = 0x80 | ((c >> 12) & 0x3F)
            out[j + 2] = 0x80 | ((c >> 6) & 0x3F)
            out[j + 3] = 0x80 | (c & 0x3F)
            j += 4
    return _bytes_of(out)


def _encode_ucs1(s, limit, name, reason):
    n = len(s)
    out = _empty(n, "uint8")
    for i in range(n):
        c = ord(s[i])
        if c >= limit:
            # CPython reports the whole run of characters the codec lacks.
            end = i + 1
            while end < n and ord(s[end]) >= limit:
                end += 1
            raise UnicodeEncodeError(name, s, i, end, reason)
        out[i] = c
    return _bytes_of(out)


def encode(s, encoding, errors):
    encoding = _literal(encoding)
    errors = _literal(errors)
    codec = _codec(encoding, errors)
    if codec == _UTF8:
        return _encode_utf8(s)
    if codec == _ASCII:
        return _encode_ucs1(s, 128, "ascii", "ordinal not in range(128)")
    return _encode_ucs1(s, 256, "latin-1", "ordinal not in range(256)")

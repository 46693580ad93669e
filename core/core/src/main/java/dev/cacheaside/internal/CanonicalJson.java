package dev.cacheaside.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * The JSON tokens of an entry read straight from its bytes, for {@link CanonicalRowReader}:
 * strings (well-formed UTF-8, JSON's escapes), integers without leading zeros, numbers with a
 * fraction or an exponent, booleans. Anything else, or reading past the end, throws
 * {@link #NOT_CANONICAL} (or an {@code IndexOutOfBoundsException}), on which the reader gives up.
 *
 * <p>Not thread safe: one instance reads one entry.
 */
abstract class CanonicalJson {

    /** Giving up: the entry is not in canonical form (it may still be a valid entry). */
    static final RuntimeException NOT_CANONICAL = new RuntimeException("not canonical", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    /**
     * The longest string read here, far below Jackson's limit on strings
     * ({@link StreamReadConstraints#DEFAULT_MAX_STRING_LEN} characters): a longer one is left to
     * Jackson to accept or refuse.
     */
    private static final int MAX_STRING_BYTES = 1 << 20;

    /** The bytes a string holds as they are: printable ASCII but the quote and the backslash. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    final byte[] b;
    int i;
    /** Whether the last string read was ASCII only. */
    boolean ascii;
    /** Whether the last string read has escapes. */
    boolean escaped;

    CanonicalJson(byte[] bytes) {
        this.b = bytes;
    }

    final void expect(char c) {
        if (b[i++] != c) {
            throw NOT_CANONICAL;
        }
    }

    /**
     * A JSON string of well-formed UTF-8 and valid escapes; leaves {@link #i} after its closing
     * quote and returns the index of that quote.
     */
    final int stringEnd() {
        expect('"');
        byte[] b = this.b;
        boolean onlyAscii = true;
        boolean escapes = false;
        int start = i;
        int k = start;
        while (true) {
            while (PLAIN[b[k] & 0xFF]) {
                k++;
            }
            byte c = b[k];
            if (c == '"') {
                break;
            } else if (c == '\\') {
                escapes = true;
                k = escape(k);
            } else if (c >= 0) {
                throw NOT_CANONICAL;
            } else {
                k = utf8(k);
                onlyAscii = false;
            }
        }
        if (k - start > MAX_STRING_BYTES) {
            throw NOT_CANONICAL;
        }
        ascii = onlyAscii;
        escaped = escapes;
        i = k + 1;
        return k;
    }

    /** The index after the escape at {@code at}: one of JSON's (which are all Jackson reads). */
    private int escape(int at) {
        switch (b[at + 1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return at + 2;
            case 'u':
                hex(at + 2);
                return at + 6;
            default:
                throw NOT_CANONICAL;
        }
    }

    /** The four hex digits at {@code at}, as a char. */
    private char hex(int at) {
        int v = 0;
        for (int k = at; k < at + 4; k++) {
            int c = b[k];
            int d = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                    : -1;
            if (d < 0) {
                throw NOT_CANONICAL;
            }
            v = v << 4 | d;
        }
        return (char) v;
    }

    final String string() {
        int start = i + 1;
        return text(start, stringEnd());
    }

    /** The text of the string just read, from {@code start} to its closing quote at {@code end}. */
    final String text(int start, int end) {
        if (!escaped) {
            return new String(b, start, end - start, ascii ? ISO_8859_1 : UTF_8);
        }
        StringBuilder text = new StringBuilder(end - start);
        int k = start;
        while (k < end) {
            int c = b[k] & 0xFF;
            if (c == '\\') {
                byte e = b[k + 1];
                text.append(e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t'
                        : e == 'u' ? hex(k + 2) : (char) e);
                k += e == 'u' ? 6 : 2;
            } else if (c < 0x80) {
                text.append((char) c);
                k++;
            } else if (c < 0xE0) {
                text.append((char) ((c & 0x1F) << 6 | b[k + 1] & 0x3F));
                k += 2;
            } else if (c < 0xF0) {
                text.append((char) ((c & 0x0F) << 12 | (b[k + 1] & 0x3F) << 6 | b[k + 2] & 0x3F));
                k += 3;
            } else {
                text.appendCodePoint((c & 0x07) << 18 | (b[k + 1] & 0x3F) << 12 | (b[k + 2] & 0x3F) << 6
                        | b[k + 3] & 0x3F);
                k += 4;
            }
        }
        return text.toString();
    }

    /**
     * The index after the well-formed UTF-8 sequence of two to four bytes at {@code at}: no
     * overlong form, no surrogate, nothing past U+10FFFF (which Jackson might read otherwise).
     */
    private int utf8(int at) {
        int lead = b[at] & 0xFF;
        int second = b[at + 1] & 0xFF;
        int length;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            if (lead == 0xE0 && second < 0xA0 || lead == 0xED && second > 0x9F) {
                throw NOT_CANONICAL;
            }
            length = 3;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            if (lead == 0xF0 && second < 0x90 || lead == 0xF4 && second > 0x8F) {
                throw NOT_CANONICAL;
            }
            length = 4;
        } else {
            throw NOT_CANONICAL;
        }
        for (int k = at + 1; k < at + length; k++) {
            if ((b[k] & 0xC0) != 0x80) {
                throw NOT_CANONICAL;
            }
        }
        return at + length;
    }

    /** A JSON integer within {@code [min, max]}. */
    final long integer(long min, long max) {
        long v = integer();
        if (v < min || v > max) {
            throw NOT_CANONICAL;
        }
        return v;
    }

    /** A JSON integer of at most 19 digits, without leading zeros, not {@code -0}. */
    final long integer() {
        byte[] b = this.b;
        int start = i;
        boolean negative = b[start] == '-';
        int first = negative ? start + 1 : start;
        int k = first;
        long v = 0;
        for (byte c = b[k]; c >= '0' && c <= '9'; c = b[++k]) {
            v = v * 10 + (c - '0');
        }
        i = k;
        int digits = k - first;
        if (digits == 0 || b[first] == '0' && (digits > 1 || negative)) {
            throw NOT_CANONICAL;
        }
        if (digits > 18) {
            // may overflow: Long.parseLong checks (and refuses more than 19 digits)
            return Long.parseLong(new String(b, start, k - start, ISO_8859_1));
        }
        return negative ? -v : v;
    }

    final Boolean bool() {
        if (b[i] == 't') {
            expect('t');
            expect('r');
            expect('u');
            expect('e');
            return Boolean.TRUE;
        }
        expect('f');
        expect('a');
        expect('l');
        expect('s');
        expect('e');
        return Boolean.FALSE;
    }

    /** A JSON number with a fraction or an exponent, or the text of NaN or an infinity. */
    final double floating() {
        if (b[i] == '"') {
            Double named = RowFormat.namedDouble(string());
            if (named == null) {
                throw NOT_CANONICAL;
            }
            return named;
        }
        int start = i;
        if (b[i] == '-') {
            i++;
        }
        int first = i;
        int digits = skipDigits();
        if (digits == 0 || digits > 1 && b[first] == '0') {
            throw NOT_CANONICAL;
        }
        boolean integral = true;
        if (b[i] == '.') {
            i++;
            integral = false;
            if (skipDigits() == 0) {
                throw NOT_CANONICAL;
            }
        }
        if (b[i] == 'e' || b[i] == 'E') {
            i++;
            integral = false;
            if (b[i] == '+' || b[i] == '-') {
                i++;
            }
            if (skipDigits() == 0) {
                throw NOT_CANONICAL;
            }
        }
        if (integral || i - start > 64) {
            throw NOT_CANONICAL;
        }
        return Double.parseDouble(new String(b, start, i - start, ISO_8859_1));
    }

    private int skipDigits() {
        int start = i;
        while (b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i - start;
    }
}

package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;
import static dev.cacheaside.internal.RowFormat.MAX_NUMBER_CHARS;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads an entry written exactly as {@link RowEncoder} writes it straight from its bytes, without
 * a JSON parser and without a {@code String} per number or date: the fields in the encoder's
 * order, no whitespace, strings of well-formed UTF-8 with JSON's escapes, integers without
 * leading zeros, byte arrays in padded Base64 without stray bits.
 *
 * <p>For any other bytes it returns {@code null} and {@link RowDecoder} reads them with Jackson,
 * which accepts or refuses them. It gives up wherever the two could disagree (a byte sequence
 * Jackson might decode otherwise than {@link String}, an integer out of its column's range, a
 * {@code -0}, a number that needs checking against {@link RowFormat#MAX_NUMBER_CHARS}), so
 * whatever it accepts, Jackson would have accepted too and decoded to equal values of the same
 * classes. A value that does not parse (a {@code RuntimeException}, reading past the end
 * included) also makes it give up.
 *
 * <p>Not thread safe: one instance reads one entry.
 */
final class CanonicalRowReader extends CanonicalJson {

    private CanonicalRowReader(byte[] bytes) {
        super(bytes);
    }

    /** The entry in {@code bytes}, or {@code null} when they are not in the encoder's form. */
    static CachedEntry read(byte[] bytes) {
        try {
            return new CanonicalRowReader(bytes).entry();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private CachedEntry entry() {
        expect('{');
        field('v');
        expect('1');
        long writtenAt = optionalLong('w');
        long freshUntil = optionalLong('f');
        long loadMillis = optionalLong('d');
        expect(',');
        field('c');
        List<String> columns = strings();
        expect(',');
        field('t');
        List<String> codes = strings();
        int width = columns.size();
        if (codes.size() != width) {
            throw NOT_CANONICAL;
        }
        int[] types = new int[width];
        for (int c = 0; c < width; c++) {
            types[c] = RowFormat.columnId(codes.get(c));
            if (types[c] < 0) {
                throw NOT_CANONICAL;
            }
        }
        expect(',');
        field('r');
        List<Object[]> rows = rows(types);
        expect('}');
        if (i != b.length) {
            throw NOT_CANONICAL;
        }
        return new CachedEntry(Rows.wrap(columns, rows), writtenAt, freshUntil, loadMillis);
    }

    /** {@code "name":} */
    private void field(char name) {
        expect('"');
        expect(name);
        expect('"');
        expect(':');
    }

    /** {@code ,"name":long} if the next field is {@code name}, else 0. */
    private long optionalLong(char name) {
        if (b[i] == ',' && b[i + 2] == name && b[i + 1] == '"' && b[i + 3] == '"' && b[i + 4] == ':') {
            i += 5;
            return integer();
        }
        return 0;
    }

    private List<String> strings() {
        expect('[');
        List<String> values = new ArrayList<>();
        if (b[i] == ']') {
            i++;
            return values;
        }
        do {
            values.add(string());
        } while (b[i++] == ',');
        if (b[i - 1] != ']') {
            throw NOT_CANONICAL;
        }
        return values;
    }

    private List<Object[]> rows(int[] types) {
        expect('[');
        List<Object[]> rows = new ArrayList<>();
        if (b[i] == ']') {
            i++;
            return rows;
        }
        int width = types.length;
        do {
            expect('[');
            Object[] row = new Object[width];
            for (int c = 0; c < width; c++) {
                if (c > 0) {
                    expect(',');
                }
                row[c] = cell(types[c]);
            }
            expect(']');
            rows.add(row);
        } while (b[i++] == ',');
        if (b[i - 1] != ']') {
            throw NOT_CANONICAL;
        }
        return rows;
    }

    private Object cell(int type) {
        if (b[i] == 'n') {
            expect('n');
            expect('u');
            expect('l');
            expect('l');
            return null;
        }
        if (type == RowFormat.MIXED_ID) {
            expect('[');
            int code = RowFormat.valueId(string());
            if (code < 0) {
                throw NOT_CANONICAL;
            }
            expect(',');
            Object value = value(code);
            expect(']');
            return value;
        }
        return value(type);
    }

    private Object value(int type) {
        switch (type) {
            case RowFormat.STRING:
                return string();
            case RowFormat.INT:
                return (int) integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
            case RowFormat.LONG:
                return integer();
            case RowFormat.SHORT:
                return (short) integer(Short.MIN_VALUE, Short.MAX_VALUE);
            case RowFormat.BYTE:
                return (byte) integer(Byte.MIN_VALUE, Byte.MAX_VALUE);
            case RowFormat.BOOLEAN:
                return bool();
            case RowFormat.DOUBLE:
                return floating();
            case RowFormat.FLOAT:
                return (float) floating();
            case RowFormat.BIG_DECIMAL:
                return decimal();
            case RowFormat.BIG_INTEGER:
                return bigInteger();
            case RowFormat.LOCAL_DATE:
                return localDate();
            case RowFormat.LOCAL_DATE_TIME:
                return localDateTime();
            case RowFormat.LOCAL_TIME:
                return LocalTime.parse(string());
            case RowFormat.OFFSET_DATE_TIME:
                return OffsetDateTime.parse(string());
            case RowFormat.OFFSET_TIME:
                return OffsetTime.parse(string());
            case RowFormat.ZONED_DATE_TIME:
                return ZonedDateTime.parse(string());
            case RowFormat.INSTANT:
                return Instant.parse(string());
            case RowFormat.UUID_ID:
                return UUID.fromString(string());
            case RowFormat.BINARY:
                return binary();
            default:
                // a value in a column of nulls
                throw NOT_CANONICAL;
        }
    }

    /** A BigDecimal from its text; {@code -?digits[.digits]} of up to 18 digits without a String. */
    private BigDecimal decimal() {
        int start = i + 1;
        int end = stringEnd();
        if (escaped) {
            return decimal(numberText(start, end));
        }
        int k = start;
        boolean negative = k < end && b[k] == '-';
        if (negative) {
            k++;
        }
        long unscaled = 0;
        int digits = 0;
        int scale = -1;
        for (; k < end; k++) {
            byte c = b[k];
            if (c >= '0' && c <= '9') {
                unscaled = unscaled * 10 + (c - '0');
                digits++;
                if (scale >= 0) {
                    scale++;
                }
            } else if (c == '.' && scale < 0 && digits > 0) {
                scale = 0;
            } else {
                digits = Integer.MAX_VALUE;
                break;
            }
        }
        if (digits > 0 && digits <= 18 && scale != 0) {
            return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
        }
        return decimal(numberText(start, end));
    }

    private static BigDecimal decimal(String text) {
        BigDecimal d = new BigDecimal(text);
        if (d.toString().length() > MAX_NUMBER_CHARS) {
            throw NOT_CANONICAL;
        }
        return d;
    }

    /** A BigInteger from its text; {@code -?digits} of up to 18 digits without a String. */
    private BigInteger bigInteger() {
        int start = i + 1;
        int end = stringEnd();
        int k = start < end && b[start] == '-' ? start + 1 : start;
        int digits = end - k;
        if (digits > 0 && digits <= 18 && !escaped) {
            long v = 0;
            for (; k < end && b[k] >= '0' && b[k] <= '9'; k++) {
                v = v * 10 + (b[k] - '0');
            }
            if (k == end) {
                return BigInteger.valueOf(b[start] == '-' ? -v : v);
            }
        }
        return new BigInteger(numberText(start, end));
    }

    private String numberText(int start, int end) {
        String text = text(start, end);
        if (text.length() > MAX_NUMBER_CHARS) {
            throw NOT_CANONICAL;
        }
        return text;
    }

    /**
     * Bytes in Base64 as Jackson writes them (padded, no line feeds, unused bits zero), which
     * Jackson reads back to the same bytes.
     */
    private byte[] binary() {
        int start = i + 1;
        int end = stringEnd();
        int n = end - start;
        if (escaped || n % 4 != 0) {
            throw NOT_CANONICAL;
        }
        int pad = n == 0 || b[end - 1] != '=' ? 0 : b[end - 2] == '=' ? 2 : 1;
        byte[] out = new byte[n / 4 * 3 - pad];
        int o = 0;
        for (int k = start; k < end; k += 4) {
            int bits = sextet(k) << 18 | sextet(k + 1) << 12;
            if (k + 4 == end && pad == 2) {
                if ((bits & 0xFFFF) != 0) {
                    throw NOT_CANONICAL;
                }
                out[o] = (byte) (bits >> 16);
                break;
            }
            bits |= sextet(k + 2) << 6;
            if (k + 4 == end && pad == 1) {
                if ((bits & 0xFF) != 0) {
                    throw NOT_CANONICAL;
                }
                out[o] = (byte) (bits >> 16);
                out[o + 1] = (byte) (bits >> 8);
                break;
            }
            bits |= sextet(k + 3);
            out[o++] = (byte) (bits >> 16);
            out[o++] = (byte) (bits >> 8);
            out[o++] = (byte) bits;
        }
        return out;
    }

    /** The value of the Base64 character at {@code at}. */
    private int sextet(int at) {
        int c = b[at];
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+' || c == '/') {
            return c == '+' ? 62 : 63;
        }
        throw NOT_CANONICAL;
    }

    /** {@code yyyy-MM-dd} from the bytes; other text as {@link RowDecoder#parseLocalDate} reads it. */
    private LocalDate localDate() {
        int s = i + 1;
        int end = stringEnd();
        if (escaped || end - s != 10 || b[s + 4] != '-' || b[s + 7] != '-') {
            return RowDecoder.parseLocalDate(text(s, end));
        }
        return LocalDate.of(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2));
    }

    /**
     * {@code yyyy-MM-ddTHH:mm[:ss[.fraction]]} from the bytes; any other text as
     * {@link RowDecoder#parseLocalDateTime} reads it.
     */
    private LocalDateTime localDateTime() {
        int s = i + 1;
        int end = stringEnd();
        int n = end - s;
        if (escaped || n < 16 || n > 29 || b[s + 4] != '-' || b[s + 7] != '-' || b[s + 10] != 'T'
                || b[s + 13] != ':' || (n > 16 && (n < 19 || b[s + 16] != ':'))
                || (n > 19 && (n == 20 || b[s + 19] != '.'))) {
            return RowDecoder.parseLocalDateTime(text(s, end));
        }
        int nano = 0;
        if (n > 20) {
            nano = digits(s + 20, n - 20);
            for (int k = n - 20; k < 9; k++) {
                nano *= 10;
            }
        }
        return LocalDateTime.of(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), digits(s + 11, 2),
                digits(s + 14, 2), n > 16 ? digits(s + 17, 2) : 0, nano);
    }

    /** The {@code count} ASCII digits at {@code from} as an int. */
    private int digits(int from, int count) {
        byte[] b = this.b;
        int v = 0;
        for (int k = from; k < from + count; k++) {
            int d = b[k] - '0';
            if (d < 0 || d > 9) {
                throw NOT_CANONICAL;
            }
            v = v * 10 + d;
        }
        return v;
    }
}

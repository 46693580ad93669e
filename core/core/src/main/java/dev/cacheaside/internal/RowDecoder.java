package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;
import static dev.cacheaside.internal.RowFormat.JSON;
import static dev.cacheaside.internal.RowFormat.MAX_NUMBER_CHARS;
import static dev.cacheaside.internal.RowFormat.VERSION;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import java.io.IOException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Reads entries in the {@link RowFormat}, strictly: it accepts only what {@link RowEncoder}
 * writes (each field once, each row as wide as the columns, each value of its column's type,
 * numbers within {@value RowFormat#MAX_NUMBER_CHARS} characters, an entry within the byte limit)
 * and refuses anything else with {@link CorruptEntryException}, the only exception it throws for
 * bad bytes.
 *
 * <p>An entry exactly as the encoder writes it is read by {@link CanonicalRowReader}, straight
 * from the bytes; any other entry (with whitespace, escapes in strings, unknown fields, or
 * simply corrupt) by Jackson's streaming parser here, which decides whether it is accepted. Both
 * give values of the same classes and equal values for the same bytes.
 *
 * <p>Thread safe; stateless apart from the shared {@link com.fasterxml.jackson.core.JsonFactory}.
 */
final class RowDecoder {

    private RowDecoder() {
    }

    /**
     * Decodes bytes written by {@link RowEncoder} with their metadata, refusing anything the
     * encoder would not have written with {@code maxBytes}: more bytes, a field twice, a row of
     * another width than the columns, a value of another type than its column's code, an
     * unknown code, a number longer than {@link RowFormat#MAX_NUMBER_CHARS}. The values decoded
     * are new objects that nothing else holds.
     *
     * @throws CorruptEntryException when the bytes are not such an entry; never any other
     *     exception for bad bytes
     */
    static CachedEntry decodeEntry(byte[] bytes, int maxBytes) {
        if (bytes.length > maxBytes) {
            throw new CorruptEntryException("entry of " + bytes.length + " bytes is over the limit of "
                    + maxBytes + " (maxEntryBytes)");
        }
        CachedEntry canonical = CanonicalRowReader.read(bytes);
        return canonical != null ? canonical : readWithJackson(bytes);
    }

    /**
     * Decodes an entry of any size with Jackson's parser, whatever its form; what
     * {@link #decodeEntry} falls back to when the entry is not in the encoder's exact form.
     *
     * @throws CorruptEntryException when the bytes are not an entry; never any other exception
     *     for bad bytes
     */
    static CachedEntry readWithJackson(byte[] bytes) {
        long writtenAt = 0;
        long freshUntil = 0;
        long loadMillis = 0;
        try (JsonParser p = JSON.createParser(bytes)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            int version = -1;
            List<String> columns = null;
            int[] types = null;
            List<Object[]> rows = null;
            Set<String> seen = new HashSet<>(8);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (!seen.add(field)) {
                    throw new CorruptEntryException("field '" + field + "' appears twice");
                }
                p.nextToken();
                switch (field) {
                    case "v":
                        expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                        version = p.getIntValue();
                        if (version != VERSION) {
                            throw new CorruptEntryException("entry has format version " + version
                                    + ", this library reads version " + VERSION);
                        }
                        break;
                    case "w":
                        writtenAt = readLong(p);
                        break;
                    case "f":
                        freshUntil = readLong(p);
                        break;
                    case "d":
                        loadMillis = readLong(p);
                        break;
                    case "c":
                        columns = readStrings(p);
                        break;
                    case "t":
                        List<String> codes = readStrings(p);
                        types = new int[codes.size()];
                        for (int c = 0; c < types.length; c++) {
                            types[c] = RowFormat.columnId(codes.get(c));
                            if (types[c] < 0) {
                                throw new CorruptEntryException("unknown type code '" + codes.get(c) + "'");
                            }
                        }
                        break;
                    case "r":
                        if (columns == null || types == null || types.length != columns.size()) {
                            throw new CorruptEntryException("rows before columns and types");
                        }
                        rows = readRows(p, types);
                        break;
                    default:
                        p.skipChildren();
                }
            }
            expect(t, JsonToken.END_OBJECT);
            if (p.nextToken() != null) {
                throw new CorruptEntryException("trailing bytes after the entry");
            }
            if (version != VERSION || rows == null) {
                throw new CorruptEntryException("entry lacks its version or rows");
            }
            return new CachedEntry(Rows.wrap(columns, rows), writtenAt, freshUntil, loadMillis);
        } catch (CorruptEntryException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptEntryException("entry does not decode: " + e.getMessage(), e);
        }
    }

    private static long readLong(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
        return p.getLongValue();
    }

    private static List<Object[]> readRows(JsonParser p, int[] types) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<Object[]> rows = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            Object[] row = new Object[types.length];
            for (int c = 0; c < types.length; c++) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.END_ARRAY) {
                    throw new CorruptEntryException("row " + rows.size() + " has " + c + " values but there are "
                            + types.length + " columns");
                }
                if (t == JsonToken.VALUE_NULL) {
                    continue;
                }
                if (types[c] == RowFormat.MIXED_ID) {
                    expect(t, JsonToken.START_ARRAY);
                    expect(p.nextToken(), JsonToken.VALUE_STRING);
                    String code = p.getText();
                    int type = RowFormat.valueId(code);
                    if (type < 0) {
                        throw new CorruptEntryException("unknown type code '" + code + "' in a mixed column");
                    }
                    p.nextToken();
                    row[c] = read(p, type);
                    expect(p.nextToken(), JsonToken.END_ARRAY);
                } else {
                    row[c] = read(p, types[c]);
                }
            }
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw new CorruptEntryException("row " + rows.size() + " has more values than the "
                        + types.length + " columns");
            }
            rows.add(row);
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return rows;
    }

    /** Reads the current token as a value of type {@code type}, refusing a token of another kind. */
    private static Object read(JsonParser p, int type) throws IOException {
        switch (type) {
            case RowFormat.STRING:
                return text(p);
            case RowFormat.INT:
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getIntValue();
            case RowFormat.LONG:
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getLongValue();
            case RowFormat.SHORT:
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getShortValue();
            case RowFormat.BYTE:
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getByteValue();
            case RowFormat.BOOLEAN:
                if (p.currentToken() != JsonToken.VALUE_TRUE && p.currentToken() != JsonToken.VALUE_FALSE) {
                    throw new CorruptEntryException("expected a boolean but found " + p.currentToken());
                }
                return p.getBooleanValue();
            case RowFormat.DOUBLE:
                return readDouble(p);
            case RowFormat.FLOAT:
                return (float) readDouble(p);
            case RowFormat.BINARY:
                expect(p.currentToken(), JsonToken.VALUE_STRING);
                return p.getBinaryValue();
            case RowFormat.BIG_DECIMAL: {
                BigDecimal d = new BigDecimal(number(p));
                if (d.toString().length() > MAX_NUMBER_CHARS) {
                    // "1e999" is short, its canonical text is not: the writer would refuse it
                    throw new CorruptEntryException("a BigDecimal longer than " + MAX_NUMBER_CHARS + " characters");
                }
                return d;
            }
            case RowFormat.BIG_INTEGER:
                return new BigInteger(number(p));
            case RowFormat.LOCAL_DATE:
                return parseLocalDate(text(p));
            case RowFormat.LOCAL_TIME:
                return LocalTime.parse(text(p));
            case RowFormat.LOCAL_DATE_TIME:
                return parseLocalDateTime(text(p));
            case RowFormat.OFFSET_DATE_TIME:
                return OffsetDateTime.parse(text(p));
            case RowFormat.OFFSET_TIME:
                return OffsetTime.parse(text(p));
            case RowFormat.ZONED_DATE_TIME:
                return ZonedDateTime.parse(text(p));
            case RowFormat.INSTANT:
                return Instant.parse(text(p));
            case RowFormat.UUID_ID:
                return UUID.fromString(text(p));
            default:
                // a value in a column of nulls
                throw new CorruptEntryException("a value in a column that holds only nulls");
        }
    }

    private static String text(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.VALUE_STRING);
        return p.getText();
    }

    /** The text of a BigDecimal or BigInteger, no longer than the encoder writes. */
    private static String number(JsonParser p) throws IOException {
        String text = text(p);
        if (text.length() > MAX_NUMBER_CHARS) {
            throw new CorruptEntryException("a number of " + text.length() + " characters is longer than "
                    + MAX_NUMBER_CHARS);
        }
        return text;
    }

    /**
     * {@code yyyy-MM-dd} as {@link LocalDate#toString()} writes it, without a DateTimeFormatter
     * (which allocates about 0.9 KB a value); anything else goes to {@link LocalDate#parse}.
     */
    static LocalDate parseLocalDate(String s) {
        if (s.length() != 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            return LocalDate.parse(s);
        }
        try {
            return LocalDate.of(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return LocalDate.parse(s);
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm[:ss[.fraction]]} as {@link LocalDateTime#toString()} writes it,
     * without a DateTimeFormatter; anything else goes to {@link LocalDateTime#parse}.
     */
    static LocalDateTime parseLocalDateTime(String s) {
        int n = s.length();
        if (n < 16 || n > 29 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || (n > 16 && (n < 19 || s.charAt(16) != ':'))
                || (n > 19 && (n == 20 || s.charAt(19) != '.'))) {
            return LocalDateTime.parse(s);
        }
        try {
            int nano = 0;
            if (n > 20) {
                nano = digits(s, 20, n);
                for (int i = n - 20; i < 9; i++) {
                    nano *= 10;
                }
            }
            return LocalDateTime.of(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10), digits(s, 11, 13),
                    digits(s, 14, 16), n > 16 ? digits(s, 17, 19) : 0, nano);
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return LocalDateTime.parse(s);
        }
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException(s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static double readDouble(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            // the encoder writes only the values JSON has no number for as text
            Double named = RowFormat.namedDouble(p.getText());
            if (named == null) {
                throw new CorruptEntryException("expected a number but found '" + p.getText() + "'");
            }
            return named;
        }
        expect(p.currentToken(), JsonToken.VALUE_NUMBER_FLOAT);
        return p.getDoubleValue();
    }

    private static List<String> readStrings(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<String> values = new ArrayList<>();
        while (p.nextToken() == JsonToken.VALUE_STRING) {
            values.add(p.getText());
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return values;
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new CorruptEntryException("expected " + expected + " but found " + actual);
        }
    }
}

package dev.cacheaside.testing;

import dev.cacheaside.internal.CachedEntry;
import dev.cacheaside.internal.RowCodec;

import dev.cacheaside.spi.Rows;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
 * The reference the library's decoder is checked against: the decoding half of {@code RowCodec}
 * at commit b481cbc (Jackson's streaming parser only, one {@code String} per value), verbatim
 * apart from the class name and its set of known codes, which it spells out instead of taking
 * from the encoder's table. Core's {@code RowDecoderAgreementTest} checks the decoder's answers
 * against it, and the benchmarks measure the decoder's speed against it in the same run. Tests
 * and benchmarks only; not part of the library.
 */
public final class ReferenceRowDecoder {

    static final int VERSION = RowCodec.VERSION;
    static final int MAX_NUMBER_CHARS = RowCodec.MAX_NUMBER_CHARS;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxNestingDepth(64)
                    .build())
            .build();
    private static final String MIXED = "*";
    private static final String ALL_NULL = "0";
    private static final Set<String> KNOWN = Set.of("s", "i", "l", "h", "y", "b", "d", "f", "D", "B", "date",
            "time", "ldt", "odt", "ot", "zdt", "inst", "uuid", "bin");

    private ReferenceRowDecoder() {
    }

    /**
     * Decodes bytes written by {@code RowCodec.encode}, of any size.
     *
     * @throws CorruptEntryException when the bytes are not a complete entry of this version
     */
    public static Rows decode(byte[] bytes) {
        return decodeEntry(bytes, Integer.MAX_VALUE).rows();
    }

    /**
     * Decodes bytes written by {@code RowCodec.encode} with their metadata, refusing anything the
     * encoder would not have written with {@code maxBytes}: more bytes, a field twice, a row of
     * another width than the columns, a value of another type than its column's code, an
     * unknown code, a number longer than {@link #MAX_NUMBER_CHARS}. The values decoded are new
     * objects that nothing else holds.
     *
     * @throws CorruptEntryException when the bytes are not such an entry; never any other
     *     exception for bad bytes
     */
    public static CachedEntry decodeEntry(byte[] bytes, int maxBytes) {
        if (bytes.length > maxBytes) {
            throw new CorruptEntryException("entry of " + bytes.length + " bytes is over the limit of "
                    + maxBytes + " (maxEntryBytes)");
        }
        long writtenAt = 0;
        long freshUntil = 0;
        long loadMillis = 0;
        try (JsonParser p = JSON.createParser(bytes)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            int version = -1;
            List<String> columns = null;
            String[] types = null;
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
                        types = readStrings(p).toArray(new String[0]);
                        for (String type : types) {
                            if (!type.equals(MIXED) && !type.equals(ALL_NULL) && !KNOWN.contains(type)) {
                                throw new CorruptEntryException("unknown type code '" + type + "'");
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

    private static List<Object[]> readRows(JsonParser p, String[] types) throws IOException {
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
                if (types[c].equals(MIXED)) {
                    expect(t, JsonToken.START_ARRAY);
                    expect(p.nextToken(), JsonToken.VALUE_STRING);
                    String code = p.getText();
                    if (!KNOWN.contains(code)) {
                        throw new CorruptEntryException("unknown type code '" + code + "' in a mixed column");
                    }
                    p.nextToken();
                    row[c] = read(p, code);
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

    /** Reads the current token as a value of type {@code code}, refusing a token of another kind. */
    private static Object read(JsonParser p, String code) throws IOException {
        switch (code) {
            case "s":
                return text(p);
            case "i":
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getIntValue();
            case "l":
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getLongValue();
            case "h":
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getShortValue();
            case "y":
                expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT);
                return p.getByteValue();
            case "b":
                if (p.currentToken() != JsonToken.VALUE_TRUE && p.currentToken() != JsonToken.VALUE_FALSE) {
                    throw new CorruptEntryException("expected a boolean but found " + p.currentToken());
                }
                return p.getBooleanValue();
            case "d":
                return readDouble(p);
            case "f":
                return (float) readDouble(p);
            case "bin":
                expect(p.currentToken(), JsonToken.VALUE_STRING);
                return p.getBinaryValue();
            case "D": {
                BigDecimal d = new BigDecimal(number(p));
                if (d.toString().length() > MAX_NUMBER_CHARS) {
                    // "1e999" is short, its canonical text is not: the writer would refuse it
                    throw new CorruptEntryException("a BigDecimal longer than " + MAX_NUMBER_CHARS + " characters");
                }
                return d;
            }
            case "B":
                return new BigInteger(number(p));
            case "date":
                return parseLocalDate(text(p));
            case "time":
                return LocalTime.parse(text(p));
            case "ldt":
                return parseLocalDateTime(text(p));
            case "odt":
                return OffsetDateTime.parse(text(p));
            case "ot":
                return OffsetTime.parse(text(p));
            case "zdt":
                return ZonedDateTime.parse(text(p));
            case "inst":
                return Instant.parse(text(p));
            case "uuid":
                return UUID.fromString(text(p));
            default:
                throw new CorruptEntryException("unknown type code '" + code + "'");
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
            switch (p.getText()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    throw new CorruptEntryException("expected a number but found '" + p.getText() + "'");
            }
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

package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Encodes {@link Rows} to bytes and back, keeping every value's Java class.
 *
 * <p>The format is JSON (readable with {@code redis-cli GET}), written and read with Jackson's
 * streaming API:
 * <pre>{"v":1,"c":["id","name"],"t":["i","s"],"r":[[1,"a"],[2,null]]}</pre>
 * Optional fields {@code w} (written at), {@code f} (fresh until), both epoch milliseconds, and
 * {@code d} (milliseconds the database took) come after {@code v}.
 * {@code v} is the format version: a reader refuses any other version, so a future format can be
 * rolled out while old entries are treated as misses. {@code t} holds one type code per column;
 * a column whose values are of several classes has the code {@code "*"} and then each of its
 * cells is written as {@code ["code", value]}. Unknown top-level fields are skipped, so fields
 * can be added without a new version.
 *
 * <h2>Bounds</h2>
 * The encoder writes into a sink that stops it as soon as the entry passes its byte limit
 * ({@link EntryTooLargeException}), so a huge result never becomes a huge array. A
 * {@link BigDecimal} or {@link BigInteger} longer than {@value #MAX_NUMBER_CHARS} characters is
 * refused ({@link UnsupportedValueException}). The decoder is strict: it accepts only what the
 * encoder writes (each field once, each row as wide as the columns, each value of its column's
 * type, numbers within the same length, an entry within the byte limit) and refuses anything else
 * with {@link CorruptEntryException}, the only exception it throws for bad bytes.
 *
 * <p>Thread safe; stateless apart from the shared {@link JsonFactory}.
 */
public final class RowCodec {

    /** The format version written into every entry. */
    public static final int VERSION = 1;

    /**
     * The longest text of a {@link BigDecimal} or {@link BigInteger} the codec writes or reads:
     * {@value} characters (PostgreSQL's {@code numeric} can hold far more, but parsing such a
     * number on every hit costs more than the query it spares).
     */
    public static final int MAX_NUMBER_CHARS = 1_000;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxNestingDepth(64)
                    .build())
            .build();
    private static final String MIXED = "*";
    private static final String ALL_NULL = "0";

    private static final Map<Class<?>, String> CODES = new IdentityHashMap<>();
    /** Every code a value can have (not {@code "*"} or {@code "0"}, which only columns have). */
    private static final Set<String> KNOWN = new HashSet<>();

    static {
        CODES.put(String.class, "s");
        CODES.put(Integer.class, "i");
        CODES.put(Long.class, "l");
        CODES.put(Short.class, "h");
        CODES.put(Byte.class, "y");
        CODES.put(Boolean.class, "b");
        CODES.put(Double.class, "d");
        CODES.put(Float.class, "f");
        CODES.put(BigDecimal.class, "D");
        CODES.put(BigInteger.class, "B");
        CODES.put(LocalDate.class, "date");
        CODES.put(LocalTime.class, "time");
        CODES.put(LocalDateTime.class, "ldt");
        CODES.put(OffsetDateTime.class, "odt");
        CODES.put(OffsetTime.class, "ot");
        CODES.put(ZonedDateTime.class, "zdt");
        CODES.put(Instant.class, "inst");
        CODES.put(UUID.class, "uuid");
        CODES.put(byte[].class, "bin");
        KNOWN.addAll(CODES.values());
    }

    private RowCodec() {
    }

    /**
     * Encodes {@code rows}.
     *
     * @throws UnsupportedValueException when a value's class has no code; the message names the
     *     column and the class
     */
    public static byte[] encode(Rows rows) {
        return encode(rows, 0, 0, 0, Integer.MAX_VALUE);
    }

    /**
     * Encodes {@code rows} with the entry's metadata: when it was written, until when it is
     * fresh (epoch milliseconds) and how long the database took to produce it (milliseconds),
     * which stale-while-revalidate and early refresh read back. Zeros are not written.
     *
     * @param maxBytes the largest entry to produce; encoding stops as soon as it is passed, so
     *     memory stays within about this size however large {@code rows} is
     * @throws UnsupportedValueException when a value's class has no code, or a number is longer
     *     than {@link #MAX_NUMBER_CHARS}
     * @throws EntryTooLargeException when the entry would be longer than {@code maxBytes}
     */
    public static byte[] encode(Rows rows, long writtenAtMillis, long freshUntilMillis, long loadMillis, int maxBytes) {
        List<String> columns = rows.columns();
        int width = columns.size();
        String[] types = new String[width];
        for (int c = 0; c < width; c++) {
            types[c] = columnType(rows, c, columns.get(c));
        }
        BoundedSink out = new BoundedSink(maxBytes, (int) Math.min(maxBytes, 256L + (long) rows.size() * width * 8));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            if (writtenAtMillis != 0) {
                g.writeNumberField("w", writtenAtMillis);
            }
            if (freshUntilMillis != 0) {
                g.writeNumberField("f", freshUntilMillis);
            }
            if (loadMillis != 0) {
                g.writeNumberField("d", loadMillis);
            }
            g.writeArrayFieldStart("c");
            for (String column : columns) {
                g.writeString(column);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("t");
            for (String type : types) {
                g.writeString(type);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("r");
            for (int r = 0; r < rows.size(); r++) {
                g.writeStartArray();
                for (int c = 0; c < width; c++) {
                    Object value = rows.get(r, c);
                    if (value == null) {
                        g.writeNull();
                    } else if (types[c] == MIXED) {
                        g.writeStartArray();
                        String code = CODES.get(value.getClass());
                        g.writeString(code);
                        write(g, code, value);
                        g.writeEndArray();
                    } else {
                        write(g, types[c], value);
                    }
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("encoding rows failed", e);
        }
        return out.toByteArray();
    }

    /**
     * Bytes written so far, refusing to grow past a limit: the write that would pass it throws
     * {@link EntryTooLargeException}, which Jackson passes through unchanged.
     */
    private static final class BoundedSink extends OutputStream {
        private final int limit;
        private byte[] buffer;
        private int size;

        BoundedSink(int limit, int initial) {
            this.limit = limit;
            this.buffer = new byte[Math.max(16, initial)];
        }

        @Override
        public void write(int b) {
            ensure(1);
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buffer, size, len);
            size += len;
        }

        private void ensure(int more) {
            long needed = (long) size + more;
            if (needed > limit) {
                throw new EntryTooLargeException(limit);
            }
            if (needed > buffer.length) {
                long grown = Math.max(needed, Math.min((long) limit, buffer.length * 2L));
                buffer = Arrays.copyOf(buffer, (int) Math.min(grown, Integer.MAX_VALUE - 8));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buffer, size);
        }
    }

    private static String columnType(Rows rows, int c, String name) {
        String type = ALL_NULL;
        for (int r = 0; r < rows.size(); r++) {
            Object value = rows.get(r, c);
            if (value == null) {
                continue;
            }
            String code = CODES.get(value.getClass());
            if (code == null) {
                throw new UnsupportedValueException("column '" + name + "' holds a "
                        + value.getClass().getName() + ", which the cache cannot store; supported: "
                        + ParameterTypes.supportedNames());
            }
            if (type == ALL_NULL) {
                type = code;
            } else if (!type.equals(code)) {
                type = MIXED;
            }
        }
        return type;
    }

    private static void write(JsonGenerator g, String code, Object v) throws IOException {
        switch (code) {
            case "s":
                g.writeString((String) v);
                break;
            case "i":
                g.writeNumber((Integer) v);
                break;
            case "l":
                g.writeNumber((Long) v);
                break;
            case "h":
                g.writeNumber((Short) v);
                break;
            case "y":
                g.writeNumber((Byte) v);
                break;
            case "b":
                g.writeBoolean((Boolean) v);
                break;
            case "d":
                writeDouble(g, (Double) v);
                break;
            case "f":
                writeDouble(g, ((Float) v).doubleValue());
                break;
            case "bin":
                g.writeBinary((byte[]) v);
                break;
            case "D":
            case "B":
                // as text, which keeps scale and size exactly; as long as the reader accepts
                String text = v.toString();
                if (text.length() > MAX_NUMBER_CHARS) {
                    throw new UnsupportedValueException("a " + v.getClass().getSimpleName() + " of "
                            + text.length() + " characters is longer than the " + MAX_NUMBER_CHARS
                            + " the cache stores");
                }
                g.writeString(text);
                break;
            default:
                // java.time and UUID as their ISO text, which each class parses back to an equal value
                g.writeString(v.toString());
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeString(Double.toString(d));
        }
    }

    /**
     * Decodes bytes written by {@link #encode}, of any size.
     *
     * @throws CorruptEntryException when the bytes are not a complete entry of this version
     */
    public static Rows decode(byte[] bytes) {
        return decodeEntry(bytes, Integer.MAX_VALUE).rows();
    }

    /**
     * Decodes bytes written by {@link #encode} with their metadata, refusing anything the
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
    public static LocalDate parseLocalDate(String s) {
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
    public static LocalDateTime parseLocalDateTime(String s) {
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

    /** A value of a class the codec has no code for. */
    public static final class UnsupportedValueException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnsupportedValueException(String message) {
            super(message);
        }
    }

    /** An entry that would be longer than the limit it was encoded for; nothing is returned. */
    public static final class EntryTooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        EntryTooLargeException(int limit) {
            super("the entry is longer than the limit of " + limit + " bytes");
        }
    }

    /** Bytes that are not a complete entry of this format version. */
    public static final class CorruptEntryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        CorruptEntryException(String message) {
            super(message);
        }

        CorruptEntryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.cacheaside;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
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
 * <p>Thread safe; stateless apart from the shared {@link JsonFactory}.
 */
final class RowCodec {

    /** The format version written into every entry. */
    static final int VERSION = 1;

    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final String MIXED = "*";
    private static final String ALL_NULL = "0";

    private static final Map<Class<?>, String> CODES = new IdentityHashMap<>();

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
    }

    private RowCodec() {
    }

    /**
     * Encodes {@code rows}.
     *
     * @throws UnsupportedValueException when a value's class has no code; the message names the
     *     column and the class
     */
    static byte[] encode(Rows rows) {
        return encode(rows, 0, 0, 0);
    }

    /**
     * Encodes {@code rows} with the entry's metadata: when it was written, until when it is
     * fresh (epoch milliseconds) and how long the database took to produce it (milliseconds),
     * which stale-while-revalidate and early refresh read back. Zeros are not written.
     */
    static byte[] encode(Rows rows, long writtenAtMillis, long freshUntilMillis, long loadMillis) {
        List<String> columns = rows.columns();
        int width = columns.size();
        String[] types = new String[width];
        for (int c = 0; c < width; c++) {
            types[c] = columnType(rows, c, columns.get(c));
        }
        ByteArrayBuilder out = new ByteArrayBuilder(256 + rows.size() * width * 8);
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
            default:
                // BigDecimal and BigInteger as text keep scale and size exactly; java.time and
                // UUID as their ISO text, which each class parses back to an equal value
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
     * Decodes bytes written by {@link #encode}.
     *
     * @throws CorruptEntryException when the bytes are not a complete entry of this version
     */
    static Rows decode(byte[] bytes) {
        return decodeEntry(bytes).rows();
    }

    /**
     * Decodes bytes written by {@link #encode} with their metadata.
     *
     * @throws CorruptEntryException when the bytes are not a complete entry of this version
     */
    static CachedEntry decodeEntry(byte[] bytes) {
        long writtenAt = 0;
        long freshUntil = 0;
        long loadMillis = 0;
        try (JsonParser p = JSON.createParser(bytes)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            int version = -1;
            List<String> columns = null;
            String[] types = null;
            List<Object[]> rows = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "v":
                        version = p.getIntValue();
                        if (version != VERSION) {
                            throw new CorruptEntryException("entry has format version " + version
                                    + ", this library reads version " + VERSION);
                        }
                        break;
                    case "w":
                        writtenAt = p.getLongValue();
                        break;
                    case "f":
                        freshUntil = p.getLongValue();
                        break;
                    case "d":
                        loadMillis = p.getLongValue();
                        break;
                    case "c":
                        columns = readStrings(p);
                        break;
                    case "t":
                        types = readStrings(p).toArray(new String[0]);
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

    private static List<Object[]> readRows(JsonParser p, String[] types) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<Object[]> rows = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            Object[] row = new Object[types.length];
            for (int c = 0; c < types.length; c++) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NULL) {
                    continue;
                }
                if (types[c].equals(MIXED)) {
                    expect(t, JsonToken.START_ARRAY);
                    p.nextToken();
                    String code = p.getText();
                    p.nextToken();
                    row[c] = read(p, code);
                    expect(p.nextToken(), JsonToken.END_ARRAY);
                } else {
                    row[c] = read(p, types[c]);
                }
            }
            expect(p.nextToken(), JsonToken.END_ARRAY);
            rows.add(row);
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return rows;
    }

    private static Object read(JsonParser p, String code) throws IOException {
        switch (code) {
            case "s":
                expect(p.currentToken(), JsonToken.VALUE_STRING);
                return p.getText();
            case "i":
                return p.getIntValue();
            case "l":
                return p.getLongValue();
            case "h":
                return p.getShortValue();
            case "y":
                return p.getByteValue();
            case "b":
                return p.getBooleanValue();
            case "d":
                return readDouble(p);
            case "f":
                return (float) readDouble(p);
            case "bin":
                return p.getBinaryValue();
            case "D":
                return new BigDecimal(p.getText());
            case "B":
                return new BigInteger(p.getText());
            case "date":
                return parseLocalDate(p.getText());
            case "time":
                return LocalTime.parse(p.getText());
            case "ldt":
                return parseLocalDateTime(p.getText());
            case "odt":
                return OffsetDateTime.parse(p.getText());
            case "ot":
                return OffsetTime.parse(p.getText());
            case "zdt":
                return ZonedDateTime.parse(p.getText());
            case "inst":
                return Instant.parse(p.getText());
            case "uuid":
                return UUID.fromString(p.getText());
            default:
                throw new CorruptEntryException("unknown type code '" + code + "'");
        }
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
            return Double.parseDouble(p.getText());
        }
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
    static final class UnsupportedValueException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnsupportedValueException(String message) {
            super(message);
        }
    }

    /** Bytes that are not a complete entry of this format version. */
    static final class CorruptEntryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        CorruptEntryException(String message) {
            super(message);
        }

        CorruptEntryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.cacheaside.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The cached-entry format that {@link RowEncoder} writes and {@link RowDecoder} reads: its
 * version, its bounds and its type codes.
 *
 * <p>The format is JSON (readable with {@code redis-cli GET}):
 * <pre>{"v":1,"c":["id","name"],"t":["i","s"],"r":[[1,"a"],[2,null]]}</pre>
 * Optional fields {@code w} (written at), {@code f} (fresh until), both epoch milliseconds, and
 * {@code d} (milliseconds the database took) come after {@code v}.
 * {@code v} is the format version: a reader refuses any other version, so a future format can be
 * rolled out while old entries are treated as misses. {@code t} holds one type code per column;
 * a column whose values are of several classes has the code {@code "*"} and then each of its
 * cells is written as {@code ["code", value]}. Unknown top-level fields are skipped, so fields
 * can be added without a new version.
 *
 * <p>Each code also has a small int id ({@link #STRING} to {@link #ALL_NULL_ID}), on which the
 * decoder dispatches instead of comparing strings.
 */
final class RowFormat {

    /** The format version written into every entry. */
    static final int VERSION = 1;

    /**
     * The longest text of a {@link BigDecimal} or {@link BigInteger} the codec writes or reads:
     * {@value} characters (PostgreSQL's {@code numeric} can hold far more, but parsing such a
     * number on every hit costs more than the query it spares).
     */
    static final int MAX_NUMBER_CHARS = 1_000;

    /** Jackson, bounded to what the encoder can write. */
    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxNestingDepth(64)
                    .build())
            .build();

    /**
     * The double a text cell names: the encoder writes only the values JSON has no number for
     * ({@code NaN}, {@code Infinity}, {@code -Infinity}) as text, {@link Double#toString} style;
     * {@code null} for any other text, which both decoders refuse as corrupt.
     */
    static Double namedDouble(String text) {
        switch (text) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                return null;
        }
    }

    /** The code of a column whose values are of several classes. */
    static final String MIXED = "*";
    /** The code of a column with no value but null. */
    static final String ALL_NULL = "0";

    static final int STRING = 0;
    static final int INT = 1;
    static final int LONG = 2;
    static final int SHORT = 3;
    static final int BYTE = 4;
    static final int BOOLEAN = 5;
    static final int DOUBLE = 6;
    static final int FLOAT = 7;
    static final int BIG_DECIMAL = 8;
    static final int BIG_INTEGER = 9;
    static final int LOCAL_DATE = 10;
    static final int LOCAL_TIME = 11;
    static final int LOCAL_DATE_TIME = 12;
    static final int OFFSET_DATE_TIME = 13;
    static final int OFFSET_TIME = 14;
    static final int ZONED_DATE_TIME = 15;
    static final int INSTANT = 16;
    static final int UUID_ID = 17;
    static final int BINARY = 18;
    static final int MIXED_ID = 19;
    static final int ALL_NULL_ID = 20;

    /** The code of each supported class. */
    static final Map<Class<?>, String> CODES = new IdentityHashMap<>();
    private static final Map<String, Integer> IDS = new HashMap<>();

    static {
        code(String.class, "s", STRING);
        code(Integer.class, "i", INT);
        code(Long.class, "l", LONG);
        code(Short.class, "h", SHORT);
        code(Byte.class, "y", BYTE);
        code(Boolean.class, "b", BOOLEAN);
        code(Double.class, "d", DOUBLE);
        code(Float.class, "f", FLOAT);
        code(BigDecimal.class, "D", BIG_DECIMAL);
        code(BigInteger.class, "B", BIG_INTEGER);
        code(LocalDate.class, "date", LOCAL_DATE);
        code(LocalTime.class, "time", LOCAL_TIME);
        code(LocalDateTime.class, "ldt", LOCAL_DATE_TIME);
        code(OffsetDateTime.class, "odt", OFFSET_DATE_TIME);
        code(OffsetTime.class, "ot", OFFSET_TIME);
        code(ZonedDateTime.class, "zdt", ZONED_DATE_TIME);
        code(Instant.class, "inst", INSTANT);
        code(UUID.class, "uuid", UUID_ID);
        code(byte[].class, "bin", BINARY);
        IDS.put(MIXED, MIXED_ID);
        IDS.put(ALL_NULL, ALL_NULL_ID);
    }

    private RowFormat() {
    }

    private static void code(Class<?> type, String code, int id) {
        CODES.put(type, code);
        IDS.put(code, id);
    }

    /** The id of a column's code ({@code "*"} and {@code "0"} included), or -1 for an unknown code. */
    static int columnId(String code) {
        Integer id = IDS.get(code);
        return id == null ? -1 : id;
    }

    /** The id of a value's code ({@code "*"} and {@code "0"} excluded), or -1 for any other code. */
    static int valueId(String code) {
        int id = columnId(code);
        return id < MIXED_ID ? id : -1;
    }
}

package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.ReferenceRowDecoder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The decoder gives what the reference decoder ({@link ReferenceRowDecoder}, Jackson only) gives
 * for the same bytes: the same refusal ({@link CorruptEntryException}) or entries with the same
 * metadata and values of the same classes; and wherever {@link CanonicalRowReader} reads an
 * entry, the decoder's Jackson path reads the same entry from the same bytes.
 */
class RowDecoderAgreementTest {

    static final int ONE_MIB = 1024 * 1024;

    /** Values of every kind, and more of the common kinds, all of which the canonical reader reads itself. */
    static final List<Function<Random, Object>> PLAIN = new ArrayList<>(RowCodecTest.GENERATORS);

    static {
        PLAIN.add(RowDecoderAgreementTest::plainString);
        PLAIN.add(r -> BigDecimal.valueOf(r.nextInt(10_000_000) - 5_000_000, r.nextInt(6)));
        PLAIN.add(r -> LocalDateTime.of(2025, 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24), r.nextInt(60)));
        PLAIN.add(r -> LocalDate.of(1900 + r.nextInt(200), 1 + r.nextInt(12), 1 + r.nextInt(28)));
    }

    @Property(tries = 1500)
    void encodedEntriesDecodeAsTheReferenceDoesAndPlainOnesCanonically(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        boolean plain = r.nextBoolean();
        byte[] bytes = RowCodec.encode(rows(r, plain ? PLAIN : RowCodecTest.GENERATORS, 30),
                r.nextLong() & 0xFFFFFFFFFFL, r.nextInt(3) == 0 ? 0 : r.nextLong() & 0xFFFFFFFFFFL, r.nextInt(1000),
                Integer.MAX_VALUE);
        CachedEntry entry = assertAgree(bytes, "seed " + seed);
        assertThat(entry).as("a valid entry, seed %d", seed).isNotNull();
        if (plain) {
            assertThat(CanonicalRowReader.read(bytes)).as("read canonically, seed %d", seed).isNotNull();
        }
    }

    @Property(tries = 4000)
    void mutatedEntriesDecodeAsTheReferenceDoes(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        byte[] valid = RowCodec.encode(rows(r, r.nextInt(4) == 0 ? RowCodecTest.GENERATORS : PLAIN, 4),
                r.nextLong() & 0xFFFFFFFFFFL, r.nextLong() & 0xFFFFFFFFFFL, r.nextInt(1000), Integer.MAX_VALUE);
        assertAgree(RowCodecStrictTest.mutate(r, valid), "seed " + seed);
    }

    @Test
    void edgeInputsDecodeAsTheReferenceDoes() {
        String[] cells = {
            "\"i\"],\"r\":[[01]]", "\"i\"],\"r\":[[-0]]", "\"i\"],\"r\":[[2147483648]]", "\"i\"],\"r\":[[-2147483648]]",
            "\"i\"],\"r\":[[1.0]]", "\"i\"],\"r\":[[1e2]]", "\"i\"],\"r\":[[ 1]]", "\"i\"],\"r\":[[-]]",
            "\"y\"],\"r\":[[200]]", "\"y\"],\"r\":[[-129]]", "\"h\"],\"r\":[[40000]]",
            "\"l\"],\"r\":[[-9223372036854775808]]", "\"l\"],\"r\":[[9223372036854775808]]",
            "\"l\"],\"r\":[[12345678901234567890123]]",
            "\"d\"],\"r\":[[1]]", "\"d\"],\"r\":[[-0.0]]", "\"d\"],\"r\":[[1E400]]", "\"d\"],\"r\":[[1.5e+3]]",
            "\"d\"],\"r\":[[1.]]", "\"d\"],\"r\":[[.5]]", "\"d\"],\"r\":[[00.5]]", "\"d\"],\"r\":[[\"NaN\"]]",
            "\"f\"],\"r\":[[\"-Infinity\"]]", "\"d\"],\"r\":[[\"nan\"]]", "\"f\"],\"r\":[[3.4028235E39]]",
            "\"D\"],\"r\":[[\"1.\"]]", "\"D\"],\"r\":[[\".5\"]]", "\"D\"],\"r\":[[\"+1\"]]", "\"D\"],\"r\":[[\"-0.00\"]]",
            "\"D\"],\"r\":[[\"007.50\"]]", "\"D\"],\"r\":[[\"1e5\"]]", "\"D\"],\"r\":[[\"\u0663\"]]",
            "\"D\"],\"r\":[[\"-\"]]", "\"D\"],\"r\":[[\"\"]]", "\"D\"],\"r\":[[\"1234567890123456789.5\"]]",
            "\"B\"],\"r\":[[\"+5\"]]", "\"B\"],\"r\":[[\"-007\"]]", "\"B\"],\"r\":[[\"\u0663\u0664\"]]",
            "\"B\"],\"r\":[[\"-\"]]", "\"B\"],\"r\":[[\"99999999999999999999\"]]",
            "\"b\"],\"r\":[[tru]]", "\"b\"],\"r\":[[True]]", "\"s\"],\"r\":[[nul]]", "\"s\"],\"r\":[[Null]]",
            "\"s\"],\"r\":[[\"\\u0041\"]]", "\"s\"],\"r\":[[\"\\x\"]]", "\"s\"],\"r\":[[\"\\u00G1\"]]",
            "\"s\"],\"r\":[[\"\\uD83D\"]]", "\"s\"],\"r\":[[\"\\'\"]]", "\"s\"],\"r\":[[\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"]]",
            "\"s\"],\"r\":[[\"\\u00e9\u00e9\\uDE00\\uD83D\"]]", "\"s\"],\"r\":[[\"\\u12\"]]",
            "\"D\"],\"r\":[[\"\\u0031.5\"]]", "\"ldt\"],\"r\":[[\"\\u0032024-02-03T10:00\"]]",
            "\"d\"],\"r\":[[\"N\\u0061N\"]]", "\"s\"],\"r\":[[\"a\tb\"]]", "\"s\"],\"r\":[[\"\u00e9\u4e2d\ud83d\ude00\"]]",
            "\"ldt\"],\"r\":[[\"2024-02-30T10:00\"]]", "\"ldt\"],\"r\":[[\"2024-02-03T24:00\"]]",
            "\"ldt\"],\"r\":[[\"2024-02-03T10:00:00.\"]]", "\"ldt\"],\"r\":[[\"+12024-02-03T10:00\"]]",
            "\"ldt\"],\"r\":[[\"2024-02-03T10:00:00.1234567890\"]]", "\"ldt\"],\"r\":[[\"2024-02-03 10:00\"]]",
            "\"date\"],\"r\":[[\"2024-13-01\"]]", "\"date\"],\"r\":[[\"-0001-01-01\"]]", "\"date\"],\"r\":[[\"2024-1-01\"]]",
            "\"uuid\"],\"r\":[[\"1-1-1-1-1\"]]", "\"inst\"],\"r\":[[\"2024-01-01T00:00:00+01:00\"]]",
            "\"*\"],\"r\":[[[\"i\",1]],[null],[[\"s\",\"x\"]],[[\"0\",1]]]", "\"*\"],\"r\":[[[\"i\",null]]]",
            "\"0\"],\"r\":[[null],[null]]", "\"0\"],\"r\":[[1]]", "\"bin\"],\"r\":[[\"AQI=\"]]",
            "\"bin\"],\"r\":[[\"AQJ=\"]]", "\"bin\"],\"r\":[[\"AR==\"]]", "\"bin\"],\"r\":[[\"AQ==\"]]",
            "\"bin\"],\"r\":[[\"AQ\"]]", "\"bin\"],\"r\":[[\"A===\"]]", "\"bin\"],\"r\":[[\"AQ=A\"]]",
            "\"bin\"],\"r\":[[\"AQ-_\"]]", "\"bin\"],\"r\":[[\"AQ I\"]]", "\"bin\"],\"r\":[[\"\"]]",
            "\"bin\"],\"r\":[[\"AQID\\nBA==\"]]", "\"bin\"],\"r\":[[\"====\"]]",
        };
        for (String cell : cells) {
            String json = "{\"v\":1,\"c\":[\"a\"],\"t\":[" + cell + "}";
            assertAgree(utf8(json), json);
        }
        String[] entries = {
            "{\"v\":1,\"c\":[],\"t\":[],\"r\":[]}", "{\"v\":1,\"c\":[],\"t\":[],\"r\":[[],[]]}",
            "{\"v\":1,\"w\":5,\"f\":-0,\"c\":[],\"t\":[],\"r\":[]}", "{\"v\":1,\"d\":5,\"w\":6,\"c\":[],\"t\":[],\"r\":[]}",
            "{\"v\":1,\"c\":[\"a\",\"b\"],\"t\":[\"i\"],\"r\":[]}", "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1,2]]}",
            "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]} ", "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]}x",
            "{\"v\":10,\"c\":[],\"t\":[],\"r\":[]}", "{\"v\":1 ,\"c\":[],\"t\":[],\"r\":[]}",
            "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1],]}", "{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"]}",
        };
        for (String json : entries) {
            assertAgree(utf8(json), json);
        }
        byte[][] badUtf8 = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xC3}, {(byte) 0x80}};
        for (byte[] bad : badUtf8) {
            byte[] head = utf8("{\"v\":1,\"c\":[\"a\"],\"t\":[\"s\"],\"r\":[[\"x");
            byte[] tail = utf8("\"]]}");
            byte[] json = Arrays.copyOf(head, head.length + bad.length + tail.length);
            System.arraycopy(bad, 0, json, head.length, bad.length);
            System.arraycopy(tail, 0, json, head.length + bad.length, tail.length);
            assertAgree(json, Arrays.toString(bad));
            assertThat(CanonicalRowReader.read(json)).as("not read canonically: %s", Arrays.toString(bad)).isNull();
        }
    }

    @Test
    void everyTypeKeepsItsClassAndValueOnBothPaths() {
        Object[] values = {
            "", "plain", "\u00fcn\u00efc\u00f6d\u00e9 \u4e2d\u6587 \ud83d\ude00", "quote \" backslash \\ newline \n", "\u0000",
            Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1,
            Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1234567890123456789L,
            Short.MIN_VALUE, Short.MAX_VALUE, Byte.MIN_VALUE, Byte.MAX_VALUE, true, false,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0d, Double.MIN_VALUE, Double.MAX_VALUE,
            1.0E10, 0.1, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 0.1f, -0.0f,
            new BigDecimal("-12345.6789"), new BigDecimal("0.00"), new BigDecimal("1E+3"), new BigDecimal("-1.5E-10"),
            new BigDecimal("123456789012345678901234567890.12"), new BigDecimal("-0.000000001"), new BigDecimal("50.00"),
            BigInteger.ZERO, BigInteger.valueOf(-1), BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE),
            BigInteger.TEN.pow(40).negate(),
            LocalDate.of(2024, 2, 29), LocalDate.of(1, 1, 1), LocalDate.of(10_000, 1, 1), LocalDate.MIN, LocalDate.MAX,
            LocalTime.MIDNIGHT, LocalTime.MAX, LocalTime.of(10, 15),
            LocalDateTime.of(2024, 1, 1, 10, 0), LocalDateTime.of(2024, 1, 1, 10, 0, 1, 1),
            LocalDateTime.of(2024, 12, 31, 23, 59, 59, 123_456_789), LocalDateTime.MAX, LocalDateTime.MIN,
            LocalDateTime.of(0, 1, 1, 0, 0),
            OffsetDateTime.of(2024, 2, 29, 23, 59, 59, 5, ZoneOffset.ofHoursMinutes(-9, -30)),
            OffsetTime.of(10, 15, 0, 0, ZoneOffset.UTC),
            ZonedDateTime.of(LocalDateTime.of(2021, 10, 31, 2, 30), ZoneId.of("Europe/Berlin")).withLaterOffsetAtOverlap(),
            Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999), Instant.MAX,
            new UUID(0, 0), new UUID(-1, -1), UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
            new byte[0], new byte[] {0, 1, -1, 127, -128},
        };
        for (Object value : values) {
            String what = value.getClass().getSimpleName() + " " + (value instanceof byte[]
                    ? Arrays.toString((byte[]) value) : value);
            Rows rows = Rows.of(List.of("v"), List.of(new Object[] {value}, new Object[] {null}));
            byte[] bytes = RowCodec.encode(rows);
            // a space after the first brace: the same entry, no longer in the encoder's exact form
            byte[] spaced = utf8(" " + new String(bytes, StandardCharsets.UTF_8));
            assertSameValues(rows, RowCodec.decode(bytes), what + ", decoded");
            assertSameValues(rows, RowDecoder.readWithJackson(bytes).rows(), what + ", with Jackson");
            assertSameValues(rows, RowCodec.decode(spaced), what + ", not canonical");
            assertSameValues(rows, ReferenceRowDecoder.decode(bytes), what + ", by the reference");
            assertThat(CanonicalRowReader.read(bytes)).as("%s: read canonically", what).isNotNull();
            assertThat(CanonicalRowReader.read(spaced)).as("%s: spaced, not read canonically", what).isNull();
        }
    }

    /** The reference's and the decoder's outcomes for {@code bytes} agree; returns the entry, or null if refused. */
    static CachedEntry assertAgree(byte[] bytes, String what) {
        Object expected = outcome(() -> ReferenceRowDecoder.decodeEntry(bytes, ONE_MIB));
        Object actual = outcome(() -> RowCodec.decodeEntry(bytes, ONE_MIB));
        CachedEntry canonical = CanonicalRowReader.read(bytes);
        if (expected instanceof Class) {
            assertThat(actual).as("%s: refused like the reference", what).isEqualTo(expected);
            assertThat(canonical).as("%s: not read canonically", what).isNull();
            return null;
        }
        if (!(actual instanceof CachedEntry)) {
            fail("%s: the reference decodes it, the decoder throws %s", what, actual);
        }
        assertSameEntry((CachedEntry) expected, (CachedEntry) actual, what);
        if (canonical != null) {
            assertSameEntry(RowDecoder.readWithJackson(bytes), canonical, what + ", canonically");
        }
        return (CachedEntry) actual;
    }

    private static Object outcome(Supplier<CachedEntry> decode) {
        try {
            return decode.get();
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }

    static void assertSameEntry(CachedEntry expected, CachedEntry actual, String what) {
        assertThat(actual.writtenAtMillis()).as("%s: written at", what).isEqualTo(expected.writtenAtMillis());
        assertThat(actual.freshUntilMillis()).as("%s: fresh until", what).isEqualTo(expected.freshUntilMillis());
        assertThat(actual.loadMillis()).as("%s: load millis", what).isEqualTo(expected.loadMillis());
        assertSameValues(expected.rows(), actual.rows(), what);
    }

    /** Same columns, and in every cell null or a value of the same class that equals the expected one. */
    static void assertSameValues(Rows expected, Rows actual, String what) {
        assertThat(actual.columns()).as("%s: columns", what).isEqualTo(expected.columns());
        assertThat(actual.size()).as("%s: rows", what).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            for (int c = 0; c < expected.columns().size(); c++) {
                Object e = expected.get(i, c);
                Object a = actual.get(i, c);
                if (e == null) {
                    assertThat(a).as("%s: null at %d,%d", what, i, c).isNull();
                } else if (e instanceof byte[]) {
                    assertThat(a).as("%s: class at %d,%d", what, i, c).isExactlyInstanceOf(byte[].class);
                    assertThat((byte[]) a).as("%s: bytes at %d,%d", what, i, c).isEqualTo((byte[]) e);
                } else {
                    assertThat(a).as("%s: class at %d,%d", what, i, c).isExactlyInstanceOf(e.getClass());
                    // equals: BigDecimal keeps its scale, -0.0 stays -0.0, NaN stays NaN
                    assertThat(a).as("%s: value at %d,%d", what, i, c).isEqualTo(e);
                }
            }
        }
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    /** Up to {@code maxHeight} rows of one to eight columns, each of one kind or (one in four) mixed. */
    static Rows rows(Random r, List<Function<Random, Object>> kinds, int maxHeight) {
        int width = 1 + r.nextInt(8);
        List<String> columns = new ArrayList<>();
        List<Function<Random, Object>> columnKinds = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            columns.add(c % 3 == 0 ? plainString(r) : "col_" + c);
            columnKinds.add(kinds.get(r.nextInt(kinds.size())));
        }
        boolean mixed = r.nextInt(4) == 0;
        List<Object[]> rows = new ArrayList<>();
        int height = r.nextInt(maxHeight + 1);
        for (int i = 0; i < height; i++) {
            Object[] row = new Object[width];
            for (int c = 0; c < width; c++) {
                Function<Random, Object> kind = mixed ? kinds.get(r.nextInt(kinds.size())) : columnKinds.get(c);
                row[c] = r.nextInt(6) == 0 ? null : kind.apply(r);
            }
            rows.add(row);
        }
        return Rows.of(columns, rows);
    }

    /** Letters, digits, spaces and characters of two, three and four UTF-8 bytes; nothing JSON escapes. */
    static String plainString(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(6);
            b.appendCodePoint(kind == 0 ? 0xE9 + r.nextInt(20) : kind == 1 ? 0x4E2D + r.nextInt(100)
                    : kind == 2 ? 0x1F600 + r.nextInt(50) : kind == 3 ? ' ' + r.nextInt(2) : 'a' + r.nextInt(26));
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.Rows;
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
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RowCodecTest {

    /** One generator per supported class, drawing values over the whole range, edge cases included. */
    static final List<Function<Random, Object>> GENERATORS = List.of(
            r -> randomString(r),
            r -> pick(r, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, r.nextInt()),
            r -> pick(r, Long.MIN_VALUE, Long.MAX_VALUE, 0L, r.nextLong()),
            r -> (short) r.nextInt(),
            r -> (byte) r.nextInt(),
            r -> r.nextBoolean(),
            r -> pick(r, Double.NaN, Double.POSITIVE_INFINITY, -0.0d, Double.MIN_VALUE, Double.MAX_VALUE,
                    r.nextDouble() * 1e6, r.nextGaussian()),
            r -> pick(r, Float.NaN, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, r.nextFloat(), 0.1f),
            r -> new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(40) - 10),
            r -> pick(r, new BigDecimal("1.50"), new BigDecimal("0E-10"), new BigDecimal("1E+3")),
            r -> new BigInteger(200, r).subtract(BigInteger.ONE.shiftLeft(199)),
            r -> LocalDate.ofEpochDay(r.nextInt(3_000_000) - 1_000_000),
            r -> LocalTime.ofNanoOfDay(Math.floorMod(r.nextLong(), 86_400_000_000_000L)),
            r -> pick(r, LocalTime.MIDNIGHT, LocalTime.of(10, 15), LocalTime.MAX),
            r -> LocalDateTime.of(LocalDate.ofEpochDay(r.nextInt(100_000)), LocalTime.ofSecondOfDay(r.nextInt(86_400))),
            r -> OffsetDateTime.of(LocalDateTime.of(2024, 2, 29, 23, 59, 59, r.nextInt(1_000_000_000)),
                    ZoneOffset.ofTotalSeconds((r.nextInt(36) - 18) * 3600)),
            r -> OffsetTime.of(LocalTime.ofSecondOfDay(r.nextInt(86_400)), ZoneOffset.ofHours(r.nextInt(24) - 12)),
            r -> ZonedDateTime.of(LocalDateTime.of(2021, 3, 28, 2, 30), ZoneId.of("Europe/Berlin")),
            r -> Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000)),
            r -> new UUID(r.nextLong(), r.nextLong()),
            r -> randomBytes(r));

    final Random random = new Random();

    @RepeatedTest(200)
    void randomRowsRoundTripWithTheirClasses() {
        long seed = random.nextLong();
        Random r = new Random(seed);
        int width = 1 + r.nextInt(8);
        List<String> columns = new ArrayList<>();
        List<Function<Random, Object>> kinds = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            columns.add(c % 3 == 0 ? randomString(r) : "col_" + c);
            kinds.add(GENERATORS.get(r.nextInt(GENERATORS.size())));
        }
        boolean mixed = r.nextInt(4) == 0;
        List<Object[]> rows = new ArrayList<>();
        int height = r.nextInt(20);
        for (int i = 0; i < height; i++) {
            Object[] row = new Object[width];
            for (int c = 0; c < width; c++) {
                Function<Random, Object> kind = mixed ? GENERATORS.get(r.nextInt(GENERATORS.size())) : kinds.get(c);
                row[c] = r.nextInt(6) == 0 ? null : kind.apply(r);
            }
            rows.add(row);
        }
        Rows original = Rows.of(columns, rows);
        Rows decoded = RowCodec.decode(RowCodec.encode(original));
        assertThat(decoded.columns()).as("columns, seed %d", seed).isEqualTo(columns);
        assertThat(decoded.size()).isEqualTo(height);
        for (int i = 0; i < height; i++) {
            for (int c = 0; c < width; c++) {
                Object expected = original.get(i, c);
                Object actual = decoded.get(i, c);
                if (expected == null) {
                    assertThat(actual).as("null at %d,%d, seed %d", i, c, seed).isNull();
                    continue;
                }
                assertThat(actual).as("class at %d,%d, seed %d", i, c, seed).isExactlyInstanceOf(expected.getClass());
                if (expected instanceof byte[]) {
                    assertThat((byte[]) actual).isEqualTo((byte[]) expected);
                } else {
                    // equals, not compareTo: BigDecimal keeps its scale, -0.0 stays -0.0, NaN stays NaN
                    assertThat(actual).as("value at %d,%d, seed %d", i, c, seed).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void fastDateParsingAgreesWithJavaTime() {
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            LocalDateTime t = LocalDateTime.of(LocalDate.ofEpochDay(r.nextInt(200_000) - 100_000),
                    LocalTime.ofNanoOfDay(i % 3 == 0 ? (r.nextInt(86_400) * 1_000_000_000L)
                            : i % 3 == 1 ? r.nextInt(1440) * 60_000_000_000L
                            : Math.floorMod(r.nextLong(), 86_400_000_000_000L)));
            assertThat(RowCodec.parseLocalDateTime(t.toString())).as(t.toString()).isEqualTo(t);
            assertThat(RowCodec.parseLocalDate(t.toLocalDate().toString())).isEqualTo(t.toLocalDate());
        }
        assertThat(RowCodec.parseLocalDateTime("+12345-01-01T00:00")).isEqualTo(LocalDateTime.parse("+12345-01-01T00:00"));
        assertThatThrownBy(() -> RowCodec.parseLocalDateTime("2024-02-30T10:00")).isInstanceOf(java.time.DateTimeException.class);
        assertThatThrownBy(() -> RowCodec.parseLocalDate("2024-1x-01")).isInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void bigDecimalKeepsItsScale() {
        Rows rows = Rows.of(List.of("price"), List.<Object[]>of(new Object[] {new BigDecimal("12.50")}));
        BigDecimal back = (BigDecimal) RowCodec.decode(RowCodec.encode(rows)).get(0, 0);
        assertThat(back.scale()).isEqualTo(2);
        assertThat(back).isEqualTo(new BigDecimal("12.50"));
    }

    @Test
    void entryIsReadableJsonWithItsVersion() {
        Rows rows = Rows.of(List.of("airline_id", "iata"), List.<Object[]>of(new Object[] {1, "LH"}));
        String json = new String(RowCodec.encode(rows), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"v\":1,\"c\":[\"airline_id\",\"iata\"],\"t\":[\"i\",\"s\"],\"r\":[[1,\"LH\"]]}");
    }

    @Test
    void unknownTopLevelFieldsAreSkipped() {
        byte[] bytes = "{\"v\":1,\"x\":{\"a\":[1,2]},\"c\":[\"a\"],\"t\":[\"l\"],\"r\":[[7]]}".getBytes(StandardCharsets.UTF_8);
        assertThat(RowCodec.decode(bytes).get(0, 0)).isEqualTo(7L);
    }

    @Test
    void garbageTruncatedAndOtherVersionsAreRefused() {
        byte[] good = RowCodec.encode(Rows.of(List.of("a", "b"), List.<Object[]>of(new Object[] {1, "x"})));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> RowCodec.decode(truncated))
                    .as("truncated at %d", cut).isInstanceOf(RowCodec.CorruptEntryException.class);
        }
        assertThatThrownBy(() -> RowCodec.decode("{\"v\":2,\"c\":[],\"t\":[],\"r\":[]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RowCodec.CorruptEntryException.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> RowCodec.decode(new byte[] {(byte) 0xC3, 0x28, 0, 1}))
                .isInstanceOf(RowCodec.CorruptEntryException.class);
        assertThatThrownBy(() -> RowCodec.decode("{\"v\":1,\"c\":[\"a\"],\"t\":[\"zz\"],\"r\":[[1]]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RowCodec.CorruptEntryException.class);
        assertThatThrownBy(() -> RowCodec.decode((new String(good, StandardCharsets.UTF_8) + "{}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RowCodec.CorruptEntryException.class);
    }

    @Test
    void unsupportedValueNamesTheColumnAndTheClass() {
        Rows rows = Rows.of(List.of("when"), List.<Object[]>of(new Object[] {new java.util.Date()}));
        assertThatThrownBy(() -> RowCodec.encode(rows))
                .isInstanceOf(RowCodec.UnsupportedValueException.class)
                .hasMessageContaining("'when'").hasMessageContaining("java.util.Date");
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... values) {
        return values[r.nextInt(values.length)];
    }

    private static String randomString(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(4);
            b.appendCodePoint(kind == 0 ? r.nextInt(0x20) : kind == 1 ? 0x1F600 + r.nextInt(50)
                    : kind == 2 ? '"' + r.nextInt(2) * ('\\' - '"') : 'a' + r.nextInt(26));
        }
        return b.toString();
    }

    private static byte[] randomBytes(Random r) {
        byte[] bytes = new byte[r.nextInt(300)];
        r.nextBytes(bytes);
        return bytes;
    }
}

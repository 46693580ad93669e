package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import dev.cacheaside.spi.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The decoder accepts only what the encoder writes and throws nothing but
 * {@link CorruptEntryException} for any other bytes; the encoder stays within its byte limit.
 * Each case is a defect found on a3c4871 (issue 12).
 */
class RowCodecStrictTest {

    static final int ONE_MIB = 1024 * 1024;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void assertCorrupt(String json, String why) {
        assertThatThrownBy(() -> RowCodec.decodeEntry(utf8(json), ONE_MIB)).as(why)
                .isInstanceOf(CorruptEntryException.class);
    }

    @Test
    void aRepeatedFieldIsCorrupt() {
        // decoded as a hit on a3c4871, then asMaps() threw IndexOutOfBoundsException in the caller
        assertCorrupt("{\"v\":1,\"c\":[\"id\",\"name\"],\"t\":[\"i\",\"s\"],\"r\":[[1,\"one\"]],\"c\":[\"id\"]}",
                "columns repeated after the rows");
        assertCorrupt("{\"v\":1,\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]}", "version twice");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]],\"r\":[[2]]}", "rows twice");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"t\":[\"s\"],\"r\":[[1]]}", "types twice");
        assertCorrupt("{\"v\":1,\"x\":1,\"x\":2,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]}", "an unknown field twice");
    }

    @Test
    void aRowOfAnotherWidthThanTheColumnsIsCorrupt() {
        assertCorrupt("{\"v\":1,\"c\":[\"a\",\"b\"],\"t\":[\"i\",\"i\"],\"r\":[[1]]}", "a row too short");
        assertCorrupt("{\"v\":1,\"c\":[\"a\",\"b\"],\"t\":[\"i\",\"i\"],\"r\":[[1,2,3]]}", "a row too long");
        assertCorrupt("{\"v\":1,\"c\":[\"a\",\"b\"],\"t\":[\"s\",\"s\"],\"r\":[[\"x\"]]}", "a short row of strings");
        assertCorrupt("{\"v\":1,\"c\":[\"a\",\"b\"],\"t\":[\"i\"],\"r\":[[1,2]]}", "fewer types than columns");
    }

    @Test
    void aValueOfAnotherTypeThanItsCodeIsCorrupt() {
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1.5]]}", "a fraction in an int column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[\"1\"]]}", "a string in an int column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[12345678901]]}", "a long in an int column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"b\"],\"r\":[[1]]}", "a number in a boolean column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"d\"],\"r\":[[\"1e5\"]]}", "a number as text in a double column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"D\"],\"r\":[[1.5]]}", "a JSON number in a BigDecimal column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"s\"],\"r\":[[[\"s\",\"x\"]]]}", "a mixed cell in a string column");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"*\"],\"r\":[[[\"*\",1]]]}", "a mixed cell coded mixed");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"0\"],\"r\":[[1]]}", "a value in an all-null column");
        assertCorrupt("{\"v\":\"1\",\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]}", "the version as text");
        assertCorrupt("{\"v\":1,\"w\":\"now\",\"c\":[\"a\"],\"t\":[\"i\"],\"r\":[[1]]}", "written-at as text");
    }

    @Test
    void anUnknownTypeCodeIsCorruptEvenWithoutRows() {
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"zz\"],\"r\":[]}", "an unknown column code");
        assertCorrupt("{\"v\":1,\"c\":[\"a\"],\"t\":[\"*\"],\"r\":[[[\"zz\",1]]]}", "an unknown cell code");
    }

    @Test
    void numbersPastTheBoundAreNeitherWrittenNorRead() {
        String longest = "9".repeat(RowCodec.MAX_NUMBER_CHARS);
        String tooLong = "9".repeat(RowCodec.MAX_NUMBER_CHARS + 1);
        Rows fits = Rows.of(List.of("n"), List.<Object[]>of(new Object[] {new BigInteger(longest)}));
        assertThat(RowCodec.decodeEntry(RowCodec.encode(fits), ONE_MIB).rows()).as("a number at the bound").isEqualTo(fits);
        assertThatThrownBy(() -> RowCodec.encode(Rows.of(List.of("n"),
                List.<Object[]>of(new Object[] {new BigInteger(tooLong)}))))
                .as("the writer refuses a BigInteger past the bound").isInstanceOf(RowCodec.UnsupportedValueException.class)
                .hasMessageContaining(String.valueOf(RowCodec.MAX_NUMBER_CHARS));
        assertThatThrownBy(() -> RowCodec.encode(Rows.of(List.of("n"),
                List.<Object[]>of(new Object[] {new BigDecimal(tooLong + ".5")}))))
                .as("the writer refuses a BigDecimal past the bound").isInstanceOf(RowCodec.UnsupportedValueException.class);
        // a 300 KB BigInteger cost 2 to 3 s per hit on a3c4871
        String huge = "7".repeat(300_000);
        assertCorrupt("{\"v\":1,\"c\":[\"n\"],\"t\":[\"B\"],\"r\":[[\"" + huge + "\"]]}", "a 300 KB BigInteger");
        assertCorrupt("{\"v\":1,\"c\":[\"n\"],\"t\":[\"D\"],\"r\":[[\"" + tooLong + "\"]]}", "a BigDecimal past the bound");
        assertCorrupt("{\"v\":1,\"c\":[\"n\"],\"t\":[\"d\"],\"r\":[[" + tooLong + ".0]]}", "a JSON number past the bound");
    }

    @Test
    void anEntryOverTheByteLimitIsCorruptBeforeItIsParsed() {
        // 10 million empty rows (28 MB) decoded as a hit taking 3 to 12 s on a3c4871; 200,000 show the bound
        StringBuilder json = new StringBuilder("{\"v\":1,\"c\":[],\"t\":[],\"r\":[");
        for (int i = 0; i < 200_000; i++) {
            json.append(i == 0 ? "[]" : ",[]");
        }
        byte[] bytes = utf8(json.append("]}").toString());
        assertThat(bytes.length).as("entry size").isGreaterThan(300_000);
        assertThatThrownBy(() -> RowCodec.decodeEntry(bytes, 300_000)).isInstanceOf(CorruptEntryException.class)
                .hasMessageContaining("over the limit of 300000");
        assertThat(RowCodec.decodeEntry(bytes, bytes.length).rows().size()).as("within the limit it decodes").isEqualTo(200_000);
    }

    @Test
    void theEncoderStopsAtItsLimitWithoutBuildingTheWholeEntry() {
        int[] rowsRead = {0};
        // rows that count how far the encoder went: it must stop long before the last one
        List<Object[]> lazy = new AbstractList<>() {
            @Override
            public Object[] get(int index) {
                rowsRead[0]++;
                return new Object[] {"row " + index + " of a result far larger than the limit"};
            }

            @Override
            public int size() {
                return 1_000_000;
            }
        };
        Rows huge = Rows.wrap(List.of("text"), lazy);
        rowsRead[0] = 0;
        assertThatThrownBy(() -> RowCodec.encode(huge, 0, 0, 0, 64 * 1024))
                .isInstanceOf(RowCodec.EntryTooLargeException.class).hasMessageContaining("65536");
        // the type pass reads every row once; the writing pass stops after about 64 KB of rows
        assertThat(rowsRead[0]).as("rows read by both passes").isLessThan(1_000_000 + 10_000);
        byte[] exact = RowCodec.encode(Rows.of(List.of("a"), List.<Object[]>of(new Object[] {"x"})));
        assertThat(RowCodec.encode(Rows.of(List.of("a"), List.<Object[]>of(new Object[] {"x"})), 0, 0, 0, exact.length))
                .as("an entry exactly at the limit").isEqualTo(exact);
        assertThatThrownBy(() -> RowCodec.encode(Rows.of(List.of("a"), List.<Object[]>of(new Object[] {"x"})),
                0, 0, 0, exact.length - 1)).as("one byte over").isInstanceOf(RowCodec.EntryTooLargeException.class);
    }

    @Test
    void aBigDecimalWhoseTextWouldPassTheBoundIsCorrupt() {
        // short as written, but the encoder would write its canonical text, far past the bound
        String written = "9".repeat(995) + "E+20";
        assertThat(written.length()).isLessThanOrEqualTo(RowCodec.MAX_NUMBER_CHARS);
        assertThat(new BigDecimal(written).toString().length()).isGreaterThan(RowCodec.MAX_NUMBER_CHARS);
        assertCorrupt("{\"v\":1,\"c\":[\"n\"],\"t\":[\"D\"],\"r\":[[\"" + written + "\"]]}",
                "a BigDecimal whose canonical text is longer than the bound");
        assertThat(RowCodec.decodeEntry(utf8("{\"v\":1,\"c\":[\"n\"],\"t\":[\"D\"],\"r\":[[\"1E+999\"]]}"), ONE_MIB)
                .rows().get(0, 0)).as("E notation whose canonical text is short").isEqualTo(new BigDecimal("1E+999"));
    }

    /** Random rows of one to four columns and up to three rows; for the fuzz tests. */
    static Rows randomRows(Random r) {
        int width = 1 + r.nextInt(4);
        List<String> columns = new ArrayList<>();
        List<Function<Random, Object>> kinds = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            columns.add("c" + c);
            kinds.add(RowCodecTest.GENERATORS.get(r.nextInt(RowCodecTest.GENERATORS.size())));
        }
        boolean mixed = r.nextInt(4) == 0;
        List<Object[]> rows = new ArrayList<>();
        int height = r.nextInt(4);
        for (int i = 0; i < height; i++) {
            Object[] row = new Object[width];
            for (int c = 0; c < width; c++) {
                Function<Random, Object> kind = mixed ? RowCodecTest.GENERATORS.get(r.nextInt(RowCodecTest.GENERATORS.size()))
                        : kinds.get(c);
                row[c] = r.nextInt(6) == 0 ? null : kind.apply(r);
            }
            rows.add(row);
        }
        return Rows.of(columns, rows);
    }

    private static final String[] SPLICES = {
        "\"c\":[\"x\"],", "\"t\":[\"i\"],", "\"r\":[[1]],", ",[]", "[", "]", "{", "}", "\"*\"", "\"0\"", "null",
        "1e400", "-", "9999999999999999999999", "\"B\"", "\"zz\"", "\\u0000", ",", ":", "\"v\":1,", "true", "1.5",
    };

    static byte[] mutate(Random r, byte[] valid) {
        byte[] bytes = valid.clone();
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            int at = r.nextInt(bytes.length);
            switch (r.nextInt(5)) {
                case 0:
                    bytes[at] = (byte) r.nextInt(256);
                    break;
                case 1:
                    bytes[at] = (byte) "[]{},:\"0123456789-.eE".charAt(r.nextInt(21));
                    break;
                case 2: {
                    int end = Math.min(bytes.length, at + 1 + r.nextInt(8));
                    byte[] cut = new byte[bytes.length - (end - at)];
                    System.arraycopy(bytes, 0, cut, 0, at);
                    System.arraycopy(bytes, end, cut, at, bytes.length - end);
                    bytes = cut;
                    break;
                }
                default: {
                    byte[] splice = utf8(SPLICES[r.nextInt(SPLICES.length)]);
                    byte[] grown = new byte[bytes.length + splice.length];
                    System.arraycopy(bytes, 0, grown, 0, at);
                    System.arraycopy(splice, 0, grown, at, splice.length);
                    System.arraycopy(bytes, at, grown, at + splice.length, bytes.length - at);
                    bytes = grown;
                }
            }
        }
        return bytes;
    }

    static byte[] randomBytes(Random r) {
        byte[] bytes = new byte[r.nextInt(64)];
        r.nextBytes(bytes);
        if (bytes.length > 0 && r.nextBoolean()) {
            bytes[0] = '{';
        }
        return bytes;
    }
}

package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import dev.cacheaside.spi.Rows;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzz of {@link RowCodec#decodeEntry}: random mutations of valid entries and
 * random bytes either decode to rows whose every view works and that re-encode to themselves, or
 * are refused with {@link CorruptEntryException}; nothing else is ever thrown (issue 12).
 */
class RowCodecFuzzTest {

    static final int ONE_MIB = 1024 * 1024;

    @Property(tries = 3000)
    void mutatedEntriesDecodeFaithfullyOrAreCorrupt(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        byte[] valid = RowCodec.encode(RowCodecStrictTest.randomRows(r), r.nextLong() & 0xFFFFFFFFFFL,
                r.nextLong() & 0xFFFFFFFFFFL, r.nextInt(1000), Integer.MAX_VALUE);
        decodesFaithfullyOrIsCorrupt(RowCodecStrictTest.mutate(r, valid));
    }

    @Property(tries = 2000)
    void randomBytesAreCorrupt(@ForAll("junk") byte[] bytes) {
        decodesFaithfullyOrIsCorrupt(bytes);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<byte[]> junk() {
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> jsonish = Arbitraries.strings().withChars("{}[],:\"0123456789.-eEvctrw*sibnul ")
                .ofMaxLength(200).map(s -> ("{" + s).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Arbitraries.oneOf(raw, jsonish);
    }

    private static void decodesFaithfullyOrIsCorrupt(byte[] bytes) {
        CachedEntry entry;
        try {
            entry = RowCodec.decodeEntry(bytes, ONE_MIB);
        } catch (CorruptEntryException e) {
            return;
        }
        Rows rows = entry.rows();
        for (Map<String, Object> row : rows.asMaps()) {
            assertThat(row).hasSize(rows.columns().size());
            row.toString();
        }
        for (int i = 0; i < rows.size(); i++) {
            for (String column : rows.columns()) {
                rows.get(i, column);
            }
        }
        assertThat(RowCodec.decode(RowCodec.encode(rows))).isEqualTo(rows);
    }
}

package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The lease marker written without a UUID object: byte for byte the marker of the UUID's text. */
class LettuceLeasesTest {

    @Test
    void markerIsThePrefixAndTheUuidText() {
        SplittableRandom random = new SplittableRandom(14);
        long[][] edges = {{0L, 0L}, {-1L, -1L}, {Long.MIN_VALUE, Long.MAX_VALUE}, {0x0123456789abcdefL, 0xfedcba9876543210L}};
        for (long[] e : edges) {
            check(e[0], e[1]);
        }
        for (int i = 0; i < 10_000; i++) {
            check(random.nextLong(), random.nextLong());
        }
    }

    @Test
    void newMarkersAreDistinctAndCarryTheirToken() {
        byte[] a = LettuceLeases.newMarker();
        byte[] b = LettuceLeases.newMarker();
        assertThat(a).isNotEqualTo(b).startsWith(LettuceLeases.LEASE_PREFIX);
        assertThat(LettuceLeases.isMarker(a)).isTrue();
        assertThat(LettuceLeases.marker(LettuceLeases.tokenOf(a))).isEqualTo(a);
        assertThat(UUID.fromString(LettuceLeases.tokenOf(b)).toString()).isEqualTo(LettuceLeases.tokenOf(b));
    }

    private static void check(long msb, long lsb) {
        String text = new UUID(msb, lsb).toString();
        byte[] marker = LettuceLeases.marker(msb, lsb);
        assertThat(marker).as(text).isEqualTo(LettuceLeases.marker(text));
        assertThat(LettuceLeases.tokenOf(marker)).isEqualTo(text);
    }
}

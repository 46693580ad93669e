package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KetamaRingTest {

    private static final int KEYS = 10_000;

    @Test
    void addingAFourthServerMovesAboutAQuarterOfTheKeysAllToTheNewServer() {
        List<String> three = List.of("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
        List<String> four = List.of("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211", "10.0.0.4:11211");
        KetamaRing<String> before = new KetamaRing<>(three, three, 160);
        KetamaRing<String> after = new KetamaRing<>(four, four, 160);
        int moved = 0;
        int movedElsewhere = 0;
        for (int i = 0; i < KEYS; i++) {
            String key = key(i);
            String was = before.nodeFor(key);
            String now = after.nodeFor(key);
            if (!was.equals(now)) {
                moved++;
                if (!now.equals("10.0.0.4:11211")) {
                    movedElsewhere++;
                }
            }
        }
        assertThat(moved).as("keys moved by adding a 4th server (ideal 2500 of 10000)").isBetween(1800, 3200);
        assertThat(movedElsewhere).as("keys moved between the old servers").isZero();
    }

    @Test
    void keysAreSpreadOverTheServers() {
        List<String> servers = List.of("127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213");
        KetamaRing<String> ring = new KetamaRing<>(servers, servers, 160);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            counts.merge(ring.nodeFor(key(i)), 1, Integer::sum);
        }
        assertThat(counts).as("servers that got keys").hasSize(3);
        counts.forEach((server, n) -> assertThat(n).as("keys on %s (ideal 3333)", server).isBetween(2300, 4400));
    }

    @Test
    void theRingIsDeterministicAndIndependentOfServerOrder() {
        List<String> a = List.of("h1:1", "h2:2", "h3:3");
        List<String> b = List.of("h3:3", "h1:1", "h2:2");
        KetamaRing<String> ra = new KetamaRing<>(a, a, 160);
        KetamaRing<String> rb = new KetamaRing<>(b, b, 160);
        for (int i = 0; i < 1000; i++) {
            assertThat(rb.nodeFor(key(i))).as("owner of key %d", i).isEqualTo(ra.nodeFor(key(i)));
        }
    }

    @Test
    void removingAServerMovesOnlyItsKeys() {
        List<String> three = List.of("a:1", "b:1", "c:1");
        List<String> two = List.of("a:1", "c:1");
        KetamaRing<String> before = new KetamaRing<>(three, three, 160);
        KetamaRing<String> after = new KetamaRing<>(two, two, 160);
        for (int i = 0; i < KEYS; i++) {
            String was = before.nodeFor(key(i));
            if (!was.equals("b:1")) {
                assertThat(after.nodeFor(key(i))).as("key %d of a surviving server stays", i).isEqualTo(was);
            }
        }
    }

    @Test
    void pointIsTheLittleEndianWordOfTheDigest() {
        byte[] digest = new byte[16];
        for (int i = 0; i < 16; i++) {
            digest[i] = (byte) (0xF0 + i);
        }
        assertThat(KetamaRing.point(digest, 0)).as("word 0").isEqualTo(0xF3F2F1F0L);
        assertThat(KetamaRing.point(digest, 3)).as("word 3").isEqualTo(0xFFFEFDFCL);
    }

    private static String key(int i) {
        return "query:" + String.format("%064x", (long) i * 2654435761L);
    }
}

package dev.cacheaside.memcached;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * A ketama consistent-hash ring: each server owns {@code pointsPerServer} points taken from MD5
 * digests of {@code "host:port-i"} (four 32-bit points per digest, little-endian, as libmemcached
 * and spymemcached do), and a key belongs to the first point at or after the MD5 hash of the key,
 * wrapping around. Adding a server to N moves about 1/(N+1) of the keys, all of them to the new
 * server.
 *
 * <p>Immutable and thread safe.
 */
final class KetamaRing<T> {

    private final long[] points;
    private final Object[] owners;

    /**
     * @param nodes  the servers, non-empty
     * @param names  each server's name on the ring ({@code host:port}), parallel to {@code nodes}
     */
    KetamaRing(List<T> nodes, List<String> names, int pointsPerServer) {
        if (nodes.isEmpty() || nodes.size() != names.size()) {
            throw new IllegalArgumentException("nodes and names must be non-empty and of one size");
        }
        int digestsPerServer = (pointsPerServer + 3) / 4;
        int total = nodes.size() * digestsPerServer * 4;
        long[] hashes = new long[total];
        int[] index = new int[total];
        int n = 0;
        for (int s = 0; s < nodes.size(); s++) {
            for (int d = 0; d < digestsPerServer; d++) {
                byte[] digest = md5(names.get(s) + "-" + d);
                for (int h = 0; h < 4; h++) {
                    hashes[n] = point(digest, h);
                    index[n] = s;
                    n++;
                }
            }
        }
        // sort the points, keeping owners aligned; ties broken by server order for determinism
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> hashes[a] != hashes[b] ? Long.compare(hashes[a], hashes[b]) : Integer.compare(index[a], index[b]));
        this.points = new long[total];
        this.owners = new Object[total];
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = nodes.get(index[order[i]]);
        }
    }

    /** The server that owns {@code key}. */
    @SuppressWarnings("unchecked")
    T nodeFor(String key) {
        long hash = point(md5(key), 0);
        int i = Arrays.binarySearch(points, hash);
        if (i < 0) {
            i = -i - 1;
        }
        if (i >= points.length) {
            i = 0;
        }
        return (T) owners[i];
    }

    /** The {@code h}-th 32-bit little-endian word of an MD5 digest, as an unsigned value. */
    static long point(byte[] digest, int h) {
        return ((long) (digest[3 + h * 4] & 0xFF) << 24)
                | ((long) (digest[2 + h * 4] & 0xFF) << 16)
                | ((long) (digest[1 + h * 4] & 0xFF) << 8)
                | (digest[h * 4] & 0xFF);
    }

    static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available in this JVM", e);
        }
    }
}

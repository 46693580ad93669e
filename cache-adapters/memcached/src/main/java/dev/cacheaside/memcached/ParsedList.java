package dev.cacheaside.memcached;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A tag's list as {@link TagLists} keeps it in one memcached item: an optional generation marker
 * (written by the last invalidation or compaction; a token starting with {@link #GENERATION}),
 * then keys, each followed by a space. Keys may repeat. Not modified once parsed.
 */
final class ParsedList {
    /** First character of a generation marker: a control character, never part of a key. */
    static final char GENERATION = '\u0001';
    /** The list's generation marker, or {@code null} when it has none. */
    final String generation;
    /** The keys in the order they were appended, repeats included. */
    final List<String> keys;

    private ParsedList(String generation, List<String> keys) {
        this.generation = generation;
        this.keys = keys;
    }

    /** Parses a list's bytes; only the first marker before every key counts, other markers are skipped. */
    static ParsedList of(byte[] bytes) {
        String generation = null;
        List<String> keys = new ArrayList<>();
        for (String token : new String(bytes, StandardCharsets.US_ASCII).split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            if (token.charAt(0) == GENERATION) {
                if (generation == null && keys.isEmpty()) {
                    generation = token;
                }
                continue;
            }
            keys.add(token);
        }
        return new ParsedList(generation, keys);
    }

    /** A new generation marker followed by {@code keys}. */
    static byte[] render(List<String> keys) {
        StringBuilder b = new StringBuilder();
        b.append(GENERATION).append(Long.toHexString(ThreadLocalRandom.current().nextLong())).append(' ');
        for (String key : keys) {
            b.append(key).append(' ');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
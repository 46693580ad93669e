package dev.cacheaside.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers what was worked out from a SQL text (its key, whether it only reads), because an
 * application sends the same few texts over and over and the hit path should not rescan them.
 * Bounded: past {@code capacity} texts it forgets everything and starts again. Thread safe.
 */
public final class TextMemo<V> {

    private final int capacity;
    private final Function<String, V> compute;
    private final ConcurrentHashMap<String, V> values = new ConcurrentHashMap<>();

    public TextMemo(int capacity, Function<String, V> compute) {
        this.capacity = capacity;
        this.compute = compute;
    }

    public V get(String text) {
        V value = values.get(text);
        if (value != null) {
            return value;
        }
        value = compute.apply(text);
        if (values.size() >= capacity) {
            values.clear();
        }
        values.put(text, value);
        return value;
    }
}

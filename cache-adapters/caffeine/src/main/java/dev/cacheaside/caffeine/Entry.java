package dev.cacheaside.caffeine;

/**
 * What the local store keeps under a key: a value or a lease (never both), with the ticker
 * time at which it lapses. Immutable.
 */
final class Entry {

    /** Bytes counted per entry on top of its key and value (object headers, map node). */
    static final int OVERHEAD_BYTES = 96;

    private final byte[] value;
    private final String token;
    private final long expiresAt;

    private Entry(byte[] value, String token, long expiresAt) {
        this.value = value;
        this.token = token;
        this.expiresAt = expiresAt;
    }

    static Entry value(byte[] value, long expiresAt) {
        return new Entry(value, null, expiresAt);
    }

    static Entry lease(String token, long expiresAt) {
        return new Entry(null, token, expiresAt);
    }

    /** The same value or lease, lapsing at {@code expiresAt}. */
    Entry withExpiry(long expiresAt) {
        return new Entry(value, token, expiresAt);
    }

    boolean isValue() {
        return value != null;
    }

    boolean isLeaseWith(String candidate) {
        return token != null && token.equals(candidate);
    }

    byte[] value() {
        return value;
    }

    long expiresAt() {
        return expiresAt;
    }

    boolean isLive(long now) {
        return expiresAt - now > 0;
    }

    int weight(String key) {
        long weight = OVERHEAD_BYTES + 2L * key.length() + (value != null ? value.length : 2L * token.length());
        return (int) Math.min(Integer.MAX_VALUE, weight);
    }
}

package dev.cacheaside;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Settings of a {@link CacheAside}: an immutable value made with {@link #builder()}.
 *
 * <p>Every setting has a default ({@code DEFAULT_*}); {@link Builder#build()} checks the values
 * and names the setting and the value in its error.
 */
public final class CacheAsideOptions {

    /** Default time to live of a cached result: one hour, like the seed. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** Default key prefix; a key is the prefix and the hex SHA-256 of the query. */
    public static final String DEFAULT_KEY_PREFIX = "query:";

    /** The longest prefix: Memcached's 250-byte key limit less the 64 hex characters. */
    public static final int MAX_KEY_PREFIX_LENGTH = 250 - 64;

    private final Duration defaultTtl;
    private final String keyPrefix;
    private final LongSupplier nanoTime;

    private CacheAsideOptions(Builder b) {
        this.defaultTtl = b.defaultTtl;
        this.keyPrefix = b.keyPrefix;
        this.nanoTime = b.nanoTime;
    }

    /** The options with every default. */
    public static CacheAsideOptions defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder mutate() {
        Builder b = new Builder();
        b.defaultTtl = defaultTtl;
        b.keyPrefix = keyPrefix;
        b.nanoTime = nanoTime;
        return b;
    }

    /** The time to live of a query that does not set its own. */
    public Duration defaultTtl() {
        return defaultTtl;
    }

    /** The prefix of every key. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** The monotonic clock, in nanoseconds, that latencies are measured with. */
    public LongSupplier nanoTime() {
        return nanoTime;
    }

    @Override
    public String toString() {
        return "CacheAsideOptions[defaultTtl=" + defaultTtl + ", keyPrefix='" + keyPrefix + "']";
    }

    /** Builds {@link CacheAsideOptions}; reusable, not thread safe. */
    public static final class Builder {
        private Duration defaultTtl = DEFAULT_TTL;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private LongSupplier nanoTime = System::nanoTime;

        private Builder() {
        }

        /** The time to live of a query that does not set its own; positive. */
        public Builder defaultTtl(Duration defaultTtl) {
            this.defaultTtl = defaultTtl;
            return this;
        }

        /**
         * The prefix of every key: printable ASCII without spaces, at most
         * {@value #MAX_KEY_PREFIX_LENGTH} characters; may be empty.
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** The monotonic clock for latencies, in nanoseconds; for tests. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the setting and the value when one is invalid
         */
        public CacheAsideOptions build() {
            if (defaultTtl == null || defaultTtl.isZero() || defaultTtl.isNegative()
                    || defaultTtl.toMillis() < 1) {
                throw new IllegalArgumentException("defaultTtl must be at least 1 ms, was " + defaultTtl);
            }
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.length() > MAX_KEY_PREFIX_LENGTH) {
                throw new IllegalArgumentException("keyPrefix must be at most " + MAX_KEY_PREFIX_LENGTH
                        + " characters, was " + keyPrefix.length());
            }
            for (int i = 0; i < keyPrefix.length(); i++) {
                char ch = keyPrefix.charAt(i);
                if (ch <= ' ' || ch > '~') {
                    throw new IllegalArgumentException("keyPrefix must be printable ASCII without spaces, was '"
                            + keyPrefix + "' (character " + i + ")");
                }
            }
            Objects.requireNonNull(nanoTime, "nanoTime");
            return new CacheAsideOptions(this);
        }
    }
}

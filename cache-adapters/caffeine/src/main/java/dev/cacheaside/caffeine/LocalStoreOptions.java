package dev.cacheaside.caffeine;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Objects;

/**
 * Options of a {@link LocalCacheStore}: how many bytes it may hold and which clock it reads.
 *
 * <p>Immutable and thread safe; build with {@link #builder()} or take the defaults with
 * {@link #create()}. A builder is reusable and checks its values in {@link Builder#build()}.
 */
public final class LocalStoreOptions {

    /** The default bound on the bytes held: 64 MiB. */
    public static final long DEFAULT_MAXIMUM_BYTES = 64L * 1024 * 1024;

    private final long maximumBytes;
    private final Ticker ticker;

    private LocalStoreOptions(Builder builder) {
        this.maximumBytes = builder.maximumBytes;
        this.ticker = builder.ticker;
    }

    /** The default options: {@link #DEFAULT_MAXIMUM_BYTES} and the system ticker. */
    public static LocalStoreOptions create() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder mutate() {
        return new Builder().maximumBytes(maximumBytes).ticker(ticker);
    }

    /**
     * The bound on the bytes held, counting each entry's key, value and a fixed overhead; when
     * it is passed, the least valuable entries are evicted (Caffeine's size-based policy).
     */
    public long maximumBytes() {
        return maximumBytes;
    }

    /** The clock that TTLs and leases are measured by. */
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public String toString() {
        return "LocalStoreOptions[maximumBytes=" + maximumBytes + ", ticker="
                + (ticker == Ticker.systemTicker() ? "system" : ticker) + "]";
    }

    /** Builds {@link LocalStoreOptions}; not thread safe, reusable. */
    public static final class Builder {

        private long maximumBytes = DEFAULT_MAXIMUM_BYTES;
        private Ticker ticker = Ticker.systemTicker();

        private Builder() {
        }

        /** The bound on the bytes held, positive; default {@link #DEFAULT_MAXIMUM_BYTES}. */
        public Builder maximumBytes(long maximumBytes) {
            this.maximumBytes = maximumBytes;
            return this;
        }

        /**
         * The clock TTLs and leases are measured by, in nanoseconds; default the system ticker.
         * Tests pass a fake ticker and move it forward instead of waiting.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when {@code maximumBytes} is not positive
         */
        public LocalStoreOptions build() {
            if (maximumBytes <= 0) {
                throw new IllegalArgumentException("maximumBytes must be positive, was " + maximumBytes);
            }
            return new LocalStoreOptions(this);
        }
    }
}

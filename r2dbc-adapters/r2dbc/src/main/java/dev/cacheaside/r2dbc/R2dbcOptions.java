package dev.cacheaside.r2dbc;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link R2dbcQueryExecutor} pools connections, times out, writes bind markers, and how
 * many rows it reads.
 *
 * <p>Immutable and thread safe; build one with {@link #builder()} or take the defaults with
 * {@link #create()}. {@link #mutate()} gives a builder that starts from these values. Every
 * setting is checked in {@link Builder#build()}, whose message names the setting and the value.
 */
public final class R2dbcOptions {

    /** Default largest number of connections in the pool: {@value}. */
    public static final int DEFAULT_POOL_MAX_SIZE = 10;

    /** Default longest wait for a pooled connection, creating it included: 5 seconds. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);

    /** Default longest time to open one connection (TCP connect and handshake): 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Default longest time one statement may run: 30 seconds. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);

    /** Default largest number of rows one query may return: {@value}. */
    public static final int DEFAULT_MAX_ROWS = 100_000;

    /** Default bind marker style: {@link PlaceholderStyle#AUTO}. */
    public static final PlaceholderStyle DEFAULT_PLACEHOLDER_STYLE = PlaceholderStyle.AUTO;

    private static final R2dbcOptions DEFAULTS = builder().build();

    /**
     * How the {@code ?} bind markers of the SQL given to the executor reach the driver.
     */
    public enum PlaceholderStyle {
        /**
         * Chosen from the connection factory's metadata name: {@link #DOLLAR_NUMBERED} for
         * PostgreSQL, {@link #QUESTION_MARK} for everything else (MySQL, MariaDB, H2).
         */
        AUTO,
        /** The SQL goes to the driver unchanged: the driver takes {@code ?} itself. */
        QUESTION_MARK,
        /**
         * Each {@code ?} outside quotes, comments and dollar-quoted strings becomes {@code $1},
         * {@code $2}, ... (PostgreSQL); {@code ??} stands for one literal {@code ?} (for
         * PostgreSQL's jsonb operators).
         */
        DOLLAR_NUMBERED
    }

    private final int poolMaxSize;
    private final Duration acquireTimeout;
    private final Duration connectTimeout;
    private final Duration statementTimeout;
    private final PlaceholderStyle placeholderStyle;
    private final int maxRows;

    private R2dbcOptions(Builder b) {
        this.poolMaxSize = b.poolMaxSize;
        this.acquireTimeout = b.acquireTimeout;
        this.connectTimeout = b.connectTimeout;
        this.statementTimeout = b.statementTimeout;
        this.placeholderStyle = b.placeholderStyle;
        this.maxRows = b.maxRows;
    }

    /** The default options. */
    public static R2dbcOptions create() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder mutate() {
        Builder b = new Builder();
        b.poolMaxSize = poolMaxSize;
        b.acquireTimeout = acquireTimeout;
        b.connectTimeout = connectTimeout;
        b.statementTimeout = statementTimeout;
        b.placeholderStyle = placeholderStyle;
        b.maxRows = maxRows;
        return b;
    }

    /** Largest number of pooled connections; ignored when the factory given is already a pool. */
    public int poolMaxSize() {
        return poolMaxSize;
    }

    /** Longest wait for a connection from the pool, creating a new connection included. */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** Longest time to open one connection; handed to the driver and to the pool. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Longest time one statement may run once it has a connection. */
    public Duration statementTimeout() {
        return statementTimeout;
    }

    /** How {@code ?} bind markers reach the driver. */
    public PlaceholderStyle placeholderStyle() {
        return placeholderStyle;
    }

    /**
     * The largest number of rows one query may return; 0 for no limit. A query that returns more
     * fails with an error naming the limit, as soon as the row past it arrives: the rest of the
     * result is cancelled and the connection released, so a huge result cannot exhaust memory.
     */
    public int maxRows() {
        return maxRows;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof R2dbcOptions)) {
            return false;
        }
        R2dbcOptions other = (R2dbcOptions) o;
        return poolMaxSize == other.poolMaxSize && acquireTimeout.equals(other.acquireTimeout)
                && connectTimeout.equals(other.connectTimeout)
                && statementTimeout.equals(other.statementTimeout)
                && placeholderStyle == other.placeholderStyle && maxRows == other.maxRows;
    }

    @Override
    public int hashCode() {
        return Objects.hash(poolMaxSize, acquireTimeout, connectTimeout, statementTimeout, placeholderStyle, maxRows);
    }

    @Override
    public String toString() {
        return "R2dbcOptions[poolMaxSize=" + poolMaxSize + ", acquireTimeout=" + acquireTimeout
                + ", connectTimeout=" + connectTimeout + ", statementTimeout=" + statementTimeout
                + ", placeholderStyle=" + placeholderStyle + ", maxRows=" + maxRows + "]";
    }

    /** Collects settings for {@link R2dbcOptions}; reusable, not thread safe. */
    public static final class Builder {
        private int poolMaxSize = DEFAULT_POOL_MAX_SIZE;
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
        private PlaceholderStyle placeholderStyle = DEFAULT_PLACEHOLDER_STYLE;
        private int maxRows = DEFAULT_MAX_ROWS;

        private Builder() {
        }

        /** Largest number of pooled connections, at least 1. */
        public Builder poolMaxSize(int poolMaxSize) {
            this.poolMaxSize = poolMaxSize;
            return this;
        }

        /** Longest wait for a pooled connection, positive. */
        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /** Longest time to open one connection, positive. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Longest time one statement may run, positive. */
        public Builder statementTimeout(Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
            return this;
        }

        /** How {@code ?} bind markers reach the driver, never null. */
        public Builder placeholderStyle(PlaceholderStyle placeholderStyle) {
            this.placeholderStyle = placeholderStyle;
            return this;
        }

        /** Largest number of rows one query may return, 0 for no limit; never negative. */
        public Builder maxRows(int maxRows) {
            this.maxRows = maxRows;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the setting and the value when one is invalid
         */
        public R2dbcOptions build() {
            if (poolMaxSize < 1) {
                throw new IllegalArgumentException("poolMaxSize=" + poolMaxSize + " must be at least 1");
            }
            positive("acquireTimeout", acquireTimeout);
            positive("connectTimeout", connectTimeout);
            positive("statementTimeout", statementTimeout);
            if (maxRows < 0) {
                throw new IllegalArgumentException("maxRows=" + maxRows + " must be 0 (no limit) or positive");
            }
            if (placeholderStyle == null) {
                throw new IllegalArgumentException("placeholderStyle=null must be one of AUTO, QUESTION_MARK, DOLLAR_NUMBERED");
            }
            return new R2dbcOptions(this);
        }

        private static void positive(String name, Duration value) {
            if (value == null || value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + "=" + value + " must be a positive duration");
            }
        }
    }
}

package dev.cacheaside.internal;

import dev.cacheaside.spi.Rows;


/**
 * A decoded cache entry: its rows and the metadata written with them.
 *
 * @param rows             the rows
 * @param writtenAtMillis  when the entry was written, epoch milliseconds; 0 when unknown
 * @param freshUntilMillis until when the entry is fresh, epoch milliseconds; 0 when unknown
 *                         (then it is fresh for as long as the store keeps it)
 * @param loadMillis       how long the database took to produce the rows; 0 when unknown
 */
public record CachedEntry(Rows rows, long writtenAtMillis, long freshUntilMillis, long loadMillis) {

    /** Whether the entry is past its fresh time at {@code nowMillis}. */
    public boolean isStale(long nowMillis) {
        return freshUntilMillis != 0 && nowMillis >= freshUntilMillis;
    }
}

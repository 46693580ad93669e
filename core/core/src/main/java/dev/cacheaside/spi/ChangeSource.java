package dev.cacheaside.spi;

import reactor.core.publisher.Mono;

/**
 * A stream of committed changes from the database (an embedded Debezium engine, or a consumer of
 * a Debezium Server or Kafka Connect topic), delivered to a {@link ChangeSink} as
 * {@link TableChanges}.
 *
 * <p>Delivery is at least once: the source stores its position durably only after the sink's
 * {@link Mono} for the changes before it completed, and starts again from the stored position.
 * When it has no usable position (first start, or a gap such as a replication slot that was
 * dropped or a binlog that was purged) it delivers {@link TableChanges#everything} for every
 * table it watches before it streams, so no change is missed silently.
 *
 * <p>Lazy: nothing runs until {@link #run} is subscribed; cancelling the subscription stops the
 * stream and releases what it holds. At most one subscription at a time. The source never runs
 * its work on the subscribing thread's event loop.
 */
public interface ChangeSource {

    /**
     * Streams changes to {@code sink} until cancelled.
     *
     * @return a {@link Mono} that completes when the source stopped by itself, errors when it
     *     failed (the caller may subscribe again: it resumes from the stored position), and stops
     *     the source when cancelled
     */
    Mono<Void> run(ChangeSink sink);

    /** What this source reads, for logs and health (no secrets). */
    String description();
}

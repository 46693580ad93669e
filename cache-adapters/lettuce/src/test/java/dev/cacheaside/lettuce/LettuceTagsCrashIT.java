package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A tag invalidation that ends between its two passes (its process is killed, it times out, the
 * connection fails) loses no registration: a member re-tagged meanwhile, whose lease only the
 * second pass would have removed, is found by the next invalidation of the tag. Without that, the
 * member's load fills an entry that no later write of its table invalidates.
 */
class LettuceTagsCrashIT {

    private static final Duration STEP = Duration.ofSeconds(10);
    private static final Duration TTL = Duration.ofMinutes(1);

    private LettuceCacheStore store;
    private LettuceConnection connection;
    private String tag;
    private String key;

    /** One entry, its key registered under one tag, and a connection of its own for the calls under test. */
    @BeforeEach
    void entryUnderATag() {
        LettuceStoreOptions options = RedisTestSupport.standalone(TestServers.require("REDIS", 6379)).build();
        String prefix = "tags-crash-it:" + UUID.randomUUID() + ":";
        tag = prefix + "tag:item";
        key = prefix + "q";
        store = LettuceCacheStore.create(options);
        connection = new LettuceConnection(options);
        store.set(key, bytes("before the write"), TTL).block(STEP);
        store.tag(List.of(tag), key, TTL).block(STEP);
    }

    @AfterEach
    void close() {
        if (connection != null) {
            connection.close().block(STEP);
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aMemberUnregisteredByAnInvalidationThatEndedBeforeItsSecondPassIsFoundByTheNext() {
        // pass 1 removes the value; a loader then takes the key's lease and tags it (a no-op
        // SADD), before the SREM; the invalidating process ends before its second pass
        AtomicInteger deletes = new AtomicInteger();
        AtomicReference<String> lease = new AtomicReference<>();
        Function<String, Mono<Boolean>> delete = k -> deletes.incrementAndGet() == 1
                ? store.delete(k).flatMap(removed -> store.getOrLease(k, TTL)
                        .doOnNext(found -> lease.set(found.kind() == CacheLookup.Kind.LEASE_WON ? found.token() : null))
                        .then(store.tag(List.of(tag), k, TTL)).thenReturn(removed))
                : Mono.error(new IllegalStateException("the invalidating process is gone"));
        assertThatThrownBy(() -> new LettuceTags(connection, delete).invalidate(tag).block(STEP))
                .hasMessageContaining("the invalidating process is gone");
        assertThat(lease.get()).as("the loader won the key's lease").isNotNull();

        // the lease survived, so the loader fills: an entry the next write of the table must reach
        assertThat(store.fill(key, lease.get(), bytes("read after the write"), TTL).block(STEP))
                .as("fill of the surviving lease").isTrue();
        assertThat(store.invalidateTag(tag).block(STEP)).as("values the next invalidation removed").isEqualTo(1L);
        assertThat(store.get(key).block(STEP)).as("the entry after the next invalidation").isNull();
        assertThat(store.invalidateTag(tag).block(STEP)).as("nothing left registered").isZero();
    }

    @Test
    void aConcurrentInvalidationThatCompletesDoesNotTakeOutTheMembersOfOneThatEnded() {
        // B runs inside A's first pass: B unregisters and removes the key and holds before
        // its pending clean-up; a loader then takes the lease and tags the key; A writes its
        // pending entry and unregisters the key, then ends before its second pass, and only
        // then does B clean up its own pending entry and complete
        Sinks.Empty<Void> bRemovedTwice = Sinks.empty();
        Sinks.Empty<Void> bMayFinish = Sinks.empty();
        AtomicInteger bDeletes = new AtomicInteger();
        Function<String, Mono<Boolean>> bDelete = k -> bDeletes.incrementAndGet() == 1 ? store.delete(k)
                : store.delete(k).flatMap(removed -> {
                    bRemovedTwice.tryEmitEmpty();
                    return bMayFinish.asMono().thenReturn(removed);
                });
        AtomicReference<CompletableFuture<Long>> b = new AtomicReference<>();
        AtomicInteger aDeletes = new AtomicInteger();
        AtomicReference<String> lease = new AtomicReference<>();
        Function<String, Mono<Boolean>> aDelete = k -> aDeletes.incrementAndGet() == 1
                ? store.delete(k).flatMap(removed -> {
                    b.set(new LettuceTags(connection, bDelete).invalidate(tag).toFuture());
                    return bRemovedTwice.asMono()
                            .then(store.getOrLease(k, TTL))
                            .doOnNext(found -> lease.set(found.kind() == CacheLookup.Kind.LEASE_WON ? found.token() : null))
                            .then(store.tag(List.of(tag), k, TTL)).thenReturn(removed);
                })
                : Mono.defer(() -> {
                    bMayFinish.tryEmitEmpty();
                    return Mono.fromFuture(b.get())
                            .then(Mono.error(new IllegalStateException("the invalidating process is gone")));
                });
        assertThatThrownBy(() -> new LettuceTags(connection, aDelete).invalidate(tag).block(STEP))
                .hasMessageContaining("the invalidating process is gone");
        assertThat(b.get()).as("B completed").isCompleted();
        assertThat(lease.get()).as("the loader won the key's lease").isNotNull();

        assertThat(store.fill(key, lease.get(), bytes("read between the writes"), TTL).block(STEP))
                .as("fill of the surviving lease").isTrue();
        assertThat(store.invalidateTag(tag).block(STEP)).as("values the next invalidation removed").isEqualTo(1L);
        assertThat(store.get(key).block(STEP)).as("the entry after the next invalidation").isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

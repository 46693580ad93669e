package dev.cacheaside.lettuce;

import io.lettuce.core.ExpireArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tags as {@link LettuceCacheStore} keeps them (see its class description, "Tags"): a tag is a
 * Redis set of keys, kept at least as long as its members; invalidating it removes every
 * member's value or lease, unregisters exactly those members, and removes them once more.
 * Thread safe; every {@link Mono} is lazy.
 */
final class LettuceTags {

    /** Members taken out of a set per {@code SREM}. */
    private static final int SREM_CHUNK = 512;
    /** The pending set's time to live when the tag's set has none left to copy: a day. */
    private static final long PENDING_TTL_MILLIS = 24L * 60 * 60 * 1000;
    /** Members deleted at once. */
    private static final int DELETE_CONCURRENCY = 256;

    private final LettuceConnection connection;
    private final Function<String, Mono<Boolean>> delete;

    /**
     * @param delete the store's delete of one key: true when it removed a value, false for a
     *               lease or nothing
     */
    LettuceTags(LettuceConnection connection, Function<String, Mono<Boolean>> delete) {
        this.connection = connection;
        this.delete = delete;
    }

    /**
     * Adds {@code key} to each tag's set and keeps each set at least {@code ttlMillis}, every
     * command pipelined; completes once the server has answered them all.
     */
    Mono<Void> tag(List<String> tags, String key, long ttlMillis) {
        byte[][] member = {key.getBytes(StandardCharsets.UTF_8)};
        return connection.commands().flatMap(c -> {
            List<CompletableFuture<?>> sent = new ArrayList<>(tags.size() * 3);
            for (String tag : tags) {
                sent.add(c.sadd(tag, member).toCompletableFuture());
                sent.add(c.pexpire(tag, ttlMillis, ExpireArgs.Builder.nx()).toCompletableFuture());
                sent.add(c.pexpire(tag, ttlMillis, ExpireArgs.Builder.gt()).toCompletableFuture());
            }
            return Mono.fromFuture(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)));
        });
    }

    /**
     * Removes every member's value or lease, unregisters exactly those members, and removes
     * them once more. Before they are unregistered, the members are also written to the tag's
     * pending set ({@link #pending}), each as {@code "<key> <call>"} with a token of this call,
     * and only this call's entries are taken out of it after its second pass: a member re-tagged
     * between the passes (its {@code SADD} changed nothing) is unregistered by the {@code SREM},
     * and only the second pass removes its lease. If this call ends between the two (its caller
     * dies, it times out or fails), its entries stay in the pending set until the set expires
     * (as long-lived as the tag), and every invalidation of the tag meanwhile, which reads both
     * sets, removes those keys again; a concurrent invalidation that completes cannot take them
     * out, since it removes only its own entries.
     *
     * @return how many members held a value (not a lease) that the first pass removed
     */
    Mono<Long> invalidate(String tag) {
        String pending = pending(tag);
        // two reads, not SUNION: in a cluster the two sets may live in different slots
        return connection.commands().flatMap(c -> Mono.zip(Mono.fromCompletionStage(() -> c.smembers(tag)),
                Mono.fromCompletionStage(() -> c.smembers(pending))).flatMap(found -> {
            Set<String> keys = new LinkedHashSet<>();
            for (byte[] member : found.getT1()) {
                keys.add(new String(member, StandardCharsets.UTF_8));
            }
            for (byte[] entry : found.getT2()) {
                keys.add(pendingKey(new String(entry, StandardCharsets.UTF_8)));
            }
            if (keys.isEmpty()) {
                return Mono.just(0L);
            }
            String call = " " + Long.toHexString(ThreadLocalRandom.current().nextLong());
            List<byte[]> members = new ArrayList<>(keys.size());
            List<byte[]> entries = new ArrayList<>(keys.size());
            for (String key : keys) {
                members.add(key.getBytes(StandardCharsets.UTF_8));
                entries.add((key + call).getBytes(StandardCharsets.UTF_8));
            }
            Mono<Long> unregister = remember(c, tag, pending, entries).then(unregister(c, tag, members));
            return Flux.fromIterable(keys).flatMap(delete, DELETE_CONCURRENCY)
                    .filter(Boolean::booleanValue).count()
                    .flatMap(removed -> unregister
                            .thenMany(Flux.fromIterable(keys).flatMap(delete, DELETE_CONCURRENCY))
                            .then(unregister(c, pending, entries))
                            .then(Mono.just(removed)));
        }));
    }

    /**
     * The set of {@code tag}'s members that an invalidation unregistered and has not yet removed
     * a second time, as {@code "<key> <call>"}; empty (so absent) unless an invalidation is
     * between its passes or ended there.
     */
    static String pending(String tag) {
        return tag + ":pending";
    }

    /**
     * The key of a pending entry: what precedes its last space (a call's token has none), or the
     * whole entry when it has none (an entry of a version that wrote bare keys).
     */
    private static String pendingKey(String entry) {
        int space = entry.lastIndexOf(' ');
        return space < 0 ? entry : entry.substring(0, space);
    }

    /**
     * Adds {@code entries} to the pending set, which lives as long as the tag's set (a day when
     * the tag has no expiry left to copy), in chunks.
     */
    private static Mono<Void> remember(RedisClusterAsyncCommands<String, byte[]> c, String tag, String pending,
                                       List<byte[]> entries) {
        return Flux.fromIterable(chunks(entries, SREM_CHUNK))
                .concatMap(chunk -> Mono.fromCompletionStage(c.sadd(pending, chunk.toArray(byte[][]::new))))
                .then(Mono.fromCompletionStage(() -> c.pttl(tag)))
                .flatMap(ttl -> {
                    long keep = ttl > 0 ? ttl : PENDING_TTL_MILLIS;
                    return Mono.fromCompletionStage(() -> c.pexpire(pending, keep, ExpireArgs.Builder.nx()))
                            .then(Mono.fromCompletionStage(() -> c.pexpire(pending, keep, ExpireArgs.Builder.gt())));
                })
                .then();
    }

    /** Takes exactly {@code members} out of the set ({@code SREM}, never {@code DEL}), in chunks. */
    private static Mono<Long> unregister(RedisClusterAsyncCommands<String, byte[]> c, String tag, List<byte[]> members) {
        return Flux.fromIterable(chunks(members, SREM_CHUNK))
                .flatMap(chunk -> Mono.fromCompletionStage(c.srem(tag, chunk.toArray(byte[][]::new))))
                .then(Mono.just(0L));
    }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            chunks.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return chunks;
    }
}

package dev.cacheaside.lettuce;

import io.lettuce.core.ExpireArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
     * them once more.
     *
     * @return how many members held a value (not a lease) that the first pass removed
     */
    Mono<Long> invalidate(String tag) {
        return connection.commands().flatMap(c -> Mono.fromCompletionStage(c.smembers(tag)).flatMap(found -> {
            if (found.isEmpty()) {
                return Mono.just(0L);
            }
            Set<String> keys = new LinkedHashSet<>();
            for (byte[] member : found) {
                keys.add(new String(member, StandardCharsets.UTF_8));
            }
            List<byte[]> members = new ArrayList<>(found);
            Mono<Long> unregister = unregister(c, tag, members);
            return Flux.fromIterable(keys).flatMap(delete, DELETE_CONCURRENCY)
                    .filter(Boolean::booleanValue).count()
                    .flatMap(removed -> unregister
                            .thenMany(Flux.fromIterable(keys).flatMap(delete, DELETE_CONCURRENCY))
                            .then(Mono.just(removed)));
        }));
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

package dev.cacheaside.memcached;

import static dev.cacheaside.memcached.MetaOperations.parseToken;
import static dev.cacheaside.memcached.MetaOperations.unexpected;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The tags of {@link MemcachedCacheStore}. Memcached has no sets, so a tag is an item holding
 * the list of its keys ({@link ParsedList}): registering appends to it, invalidating deletes
 * every listed key and then removes exactly what it read under the item's CAS, and a list grown
 * past a threshold is compacted in the background to the keys that still hold a value or a
 * lease. The protocol, its races and its limits are drawn in {@code docs/design.md}, section
 * "Memcached store".
 *
 * <p>Thread safe; every operation is lazy and never blocks. A compaction runs at most once at a
 * time per tag in one store. Logs under the name of {@link MemcachedCacheStore}.
 */
final class TagLists {

    private static final Logger LOG = LoggerFactory.getLogger(MemcachedCacheStore.class);

    /** How often a tag operation retries after losing a race on the tag's item. */
    private static final int TAG_ATTEMPTS = 32;

    /** The list size at which a tag is first compacted. */
    static final long MIN_COMPACTION_BYTES = 64 * 1024;

    /** The list size at which a tag is first compacted; smaller in tests, to compact often. */
    private volatile long minCompactionBytes = MIN_COMPACTION_BYTES;

    /** Per tag, the list size at which this client compacts it next. */
    private final ConcurrentHashMap<String, Long> compactAt = new ConcurrentHashMap<>();

    /** The tags this client is compacting now (one compaction per tag at a time). */
    private final Set<String> compacting = ConcurrentHashMap.newKeySet();

    private final ServerRouter router;
    private final MetaOperations operations;
    private final MemcachedStoreOptions options;

    /** Tags on the servers of {@code router}; {@code operations} deletes the keys of an invalidated tag. */
    TagLists(ServerRouter router, MetaOperations operations, MemcachedStoreOptions options) {
        this.router = router;
        this.operations = operations;
        this.options = options;
    }

    /**
     * Appends {@code key} to the list of each tag (in parallel), creating the list when there is
     * none, and extends a list with less than {@code ttl} left to twice {@code ttl} (a tag's TTL
     * only grows). A list at the server's item size limit is compacted once before giving up.
     *
     * @return completes once every registration is in place; errors with
     *     {@link IllegalStateException} when a tag's list is at the server's item size limit
     */
    Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ttl, "ttl");
        List<String> names = List.copyOf(tags);
        return Mono.defer(() -> {
            String invalid = MetaCommands.invalidKey(key);
            if (invalid != null) {
                return Mono.error(new IllegalArgumentException(invalid));
            }
            long wantSeconds = ttl.getSeconds() + (ttl.getNano() > 0 ? 1 : 0);
            if (wantSeconds <= 0) {
                return Mono.error(new IllegalArgumentException("ttl must be positive, was " + ttl));
            }
            byte[] entry = (key + " ").getBytes(StandardCharsets.US_ASCII);
            return Flux.fromIterable(names).flatMap(tag -> tagOne(tag, entry, ttl, wantSeconds, 1)).then();
        });
    }

    /**
     * Deletes every key listed under {@code tag} (values and lease placeholders), then removes
     * from the list exactly what was read; keys appended meanwhile stay for the next call.
     *
     * @return how many of the listed keys held a value (not a lease) that was removed
     */
    Mono<Long> invalidateTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                return Mono.just(0L);
            }
            ParsedList read = ParsedList.of(list.bytes);
            if (read.keys.isEmpty()) {
                return Mono.just(0L);
            }
            return Flux.fromIterable(new LinkedHashSet<>(read.keys))
                    .flatMap(operations::delete, 64)
                    .filter(Boolean::booleanValue)
                    .count()
                    .flatMap(removed -> unregister(tag, read, list, 1).thenReturn(removed));
        });
    }

    /** Appends the registration, creating the item or extending its TTL when needed. */
    private Mono<Void> tagOne(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        Mono<Response.Status> append = router.call(tag, op -> MetaCommands.append(tag, entry, op), response -> {
            if (response.status() == Response.Status.HEADER || response.status() == Response.Status.NOT_STORED) {
                return response.status();
            }
            throw unexpected("ms MA", tag, response);
        });
        // pipelined right behind the append on the same connection: what the item is after it
        Mono<long[]> after = router.call(tag, op -> MetaCommands.sizeAndTtl(tag, op), response -> {
            switch (response.status()) {
                case MISS:
                    return new long[] {Long.MIN_VALUE, 0};
                case HEADER:
                    return new long[] {parseSigned(tag, response, 't'), parseSigned(tag, response, 's')};
                default:
                    throw unexpected("mg s t", tag, response);
            }
        });
        return Mono.zip(append, after).flatMap(result -> {
            long remaining = result.getT2()[0];
            if (result.getT1() == Response.Status.HEADER) {
                compactLater(tag, result.getT2()[1]);
                if (remaining == -1 || remaining >= wantSeconds) {
                    return Mono.<Void>empty();
                }
                return extendTag(tag, entry, ttl, wantSeconds, attempt);
            }
            if (remaining == Long.MIN_VALUE) {
                // no item: create it with this registration; another caller may win that race
                long exptime = Expirations.of(ttl.multipliedBy(2), options.clock());
                return router.call(tag, op -> MetaCommands.add(tag, entry, exptime, op), response -> {
                    switch (response.status()) {
                        case HEADER:
                            return Boolean.TRUE;
                        case NOT_STORED:
                            return Boolean.FALSE;
                        default:
                            throw unexpected("ms ME", tag, response);
                    }
                }).flatMap(added -> added ? Mono.<Void>empty() : retryTag(tag, entry, ttl, wantSeconds, attempt));
            }
            // the item is there yet refused the append: its list is at the item size limit;
            // compact it once, then try again
            if (attempt == 1) {
                return compact(tag).then(tagOne(tag, entry, ttl, wantSeconds, attempt + 1));
            }
            if (attempt < 3) {
                return tagOne(tag, entry, ttl, wantSeconds, attempt + 1);
            }
            return Mono.error(new IllegalStateException("memcached: the key list of tag " + tag + " is full ("
                    + result.getT2()[1] + " bytes, the server's item size limit, after compaction); the key is not registered"));
        });
    }

    /** Sets the list size at which tags are first compacted; for tests. */
    void minCompactionBytes(long bytes) {
        this.minCompactionBytes = bytes;
        compactAt.clear();
    }

    /** Starts a background compaction of {@code tag} when its list reached this client's threshold. */
    private void compactLater(String tag, long size) {
        if (size < compactAt.getOrDefault(tag, minCompactionBytes) || router.isClosed() || !compacting.add(tag)) {
            return;
        }
        compactNow(tag).subscribe(null, e -> LOG.debug("memcached: compaction of tag {} failed: {}", tag, e.toString()));
    }

    /** Compacts {@code tag} unless this client is already doing so; completes when done (or skipped). */
    private Mono<Void> compact(String tag) {
        return Mono.defer(() -> compacting.add(tag) ? compactNow(tag) : Mono.<Void>empty())
                .onErrorResume(e -> {
                    LOG.debug("memcached: compaction of tag {} failed: {}", tag, e.toString());
                    return Mono.empty();
                });
    }

    /** Reads the list, keeps one occurrence of each key that still holds anything, writes back under CAS. */
    private Mono<Void> compactNow(String tag) {
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                return Mono.<Void>empty();
            }
            ParsedList read = ParsedList.of(list.bytes);
            return Flux.fromIterable(new LinkedHashSet<>(read.keys))
                    .flatMapSequential(key -> router.call(key, op -> MetaCommands.exists(key, op), response -> {
                        switch (response.status()) {
                            case HEADER:
                            case VALUE:
                                return key;
                            case MISS:
                                return "";
                            default:
                                throw unexpected("mg", key, response);
                        }
                    }), 64)
                    .filter(key -> !key.isEmpty())
                    .collectList()
                    .flatMap(live -> writeCompacted(tag, read, live, list, 1));
        }).doFinally(signal -> compacting.remove(tag));
    }

    private Mono<Void> writeCompacted(String tag, ParsedList read, List<String> live, TagList current, int attempt) {
        ParsedList now = ParsedList.of(current.bytes);
        if (!Objects.equals(now.generation, read.generation) || now.keys.size() < read.keys.size()
                || !now.keys.subList(0, read.keys.size()).equals(read.keys)) {
            return Mono.empty(); // an invalidation or another compaction rewrote the list meanwhile
        }
        List<String> keys = new ArrayList<>(live);
        keys.addAll(now.keys.subList(read.keys.size(), now.keys.size()));
        byte[] compacted = ParsedList.render(keys);
        long exptime = current.ttl < 0 ? 0 : Expirations.of(Duration.ofSeconds(Math.max(1, current.ttl)), options.clock());
        return router.call(tag, op -> MetaCommands.setListIfCas(tag, current.cas, compacted, exptime, op), Response::status)
                .flatMap(status -> {
                    switch (status) {
                        case HEADER:
                            if (compactAt.size() > 10_000) {
                                compactAt.clear();
                            }
                            compactAt.put(tag, Math.max(minCompactionBytes, 2L * compacted.length));
                            return Mono.<Void>empty();
                        case EXISTS:
                            if (attempt >= TAG_ATTEMPTS) {
                                return Mono.<Void>empty();
                            }
                            return readList(tag).flatMap(next -> next == TagList.MISSING ? Mono.<Void>empty()
                                    : writeCompacted(tag, read, live, next, attempt + 1));
                        default:
                            return Mono.<Void>empty();
                    }
                });
    }

    private Mono<Void> retryTag(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        if (attempt >= TAG_ATTEMPTS) {
            return Mono.error(new IllegalStateException("memcached: gave up registering under tag " + tag
                    + " after " + attempt + " attempts lost to concurrent changes"));
        }
        return tagOne(tag, entry, ttl, wantSeconds, attempt + 1);
    }

    /** Rewrites the tag with its own bytes and twice {@code ttl}, only over what was read (CAS). */
    private Mono<Void> extendTag(String tag, byte[] entry, Duration ttl, long wantSeconds, int attempt) {
        return readList(tag).flatMap(list -> {
            if (list == TagList.MISSING) {
                // lapsed since the append, taking the registration with it: register again
                return retryTag(tag, entry, ttl, wantSeconds, attempt);
            }
            if (list.ttl == -1 || list.ttl >= wantSeconds) {
                return Mono.<Void>empty();
            }
            long exptime = Expirations.of(ttl.multipliedBy(2), options.clock());
            return router.call(tag, op -> MetaCommands.setListIfCas(tag, list.cas, list.bytes, exptime, op),
                    Response::status).flatMap(status -> {
                        switch (status) {
                            case HEADER:
                                return Mono.<Void>empty();
                            case NOT_FOUND:
                            case NOT_STORED:
                                return retryTag(tag, entry, ttl, wantSeconds, attempt);
                            case EXISTS:
                                if (attempt >= TAG_ATTEMPTS) {
                                    return Mono.<Void>error(new IllegalStateException("memcached: gave up extending tag "
                                            + tag + " after " + attempt + " attempts lost to concurrent changes"));
                                }
                                return extendTag(tag, entry, ttl, wantSeconds, attempt + 1);
                            default:
                                return Mono.<Void>error(new UncheckedIOException(new IOException(
                                        "memcached answered ms C for tag " + tag + " with " + status)));
                        }
                    });
        });
    }

    /**
     * Removes from the tag's list what {@code read} held, keeping what was appended since; gives
     * up (leaving the list as it is, which only over-registers) once another invalidation wrote.
     */
    private Mono<Void> unregister(String tag, ParsedList read, TagList current, int attempt) {
        ParsedList now = ParsedList.of(current.bytes);
        if (!Objects.equals(now.generation, read.generation) || now.keys.size() < read.keys.size()
                || !now.keys.subList(0, read.keys.size()).equals(read.keys)) {
            return Mono.empty();
        }
        byte[] rest = ParsedList.render(now.keys.subList(read.keys.size(), now.keys.size()));
        long exptime = current.ttl < 0 ? 0 : Expirations.of(Duration.ofSeconds(Math.max(1, current.ttl)), options.clock());
        return router.call(tag, op -> MetaCommands.setListIfCas(tag, current.cas, rest, exptime, op), Response::status)
                .flatMap(status -> {
                    switch (status) {
                        case HEADER:
                        case NOT_FOUND:
                        case NOT_STORED:
                            return Mono.<Void>empty();
                        case EXISTS:
                            if (attempt >= TAG_ATTEMPTS) {
                                return Mono.<Void>error(new IllegalStateException("memcached: gave up unregistering the keys of tag "
                                        + tag + " after " + attempt + " attempts lost to concurrent changes"));
                            }
                            return readList(tag).flatMap(next -> next == TagList.MISSING ? Mono.<Void>empty()
                                    : unregister(tag, read, next, attempt + 1));
                        default:
                            return Mono.<Void>error(new UncheckedIOException(new IOException(
                                    "memcached answered ms C for tag " + tag + " with " + status)));
                    }
                });
    }

    private Mono<TagList> readList(String tag) {
        return router.call(tag, op -> MetaCommands.getList(tag, op), response -> {
            switch (response.status()) {
                case MISS:
                    return TagList.MISSING;
                case VALUE:
                    long cas = parseToken(response.token('c') == null ? "" : response.token('c'));
                    if (cas < 0) {
                        throw unexpected("mg v c t", tag, response);
                    }
                    return new TagList(response.value(), cas, parseSigned(tag, response, 't'));
                default:
                    throw unexpected("mg v c t", tag, response);
            }
        });
    }

    private static long parseSigned(String key, Response response, char flag) {
        String token = response.token(flag);
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException | NullPointerException e) {
            throw unexpected("mg " + flag, key, response);
        }
    }

    /** A tag's item as read: its bytes, CAS and remaining TTL in seconds ({@code -1}: none). */
    private static final class TagList {
        static final TagList MISSING = new TagList(new byte[0], -1, -1);
        final byte[] bytes;
        final long cas;
        final long ttl;

        TagList(byte[] bytes, long cas, long ttl) {
            this.bytes = bytes;
            this.cas = cas;
            this.ttl = ttl;
        }
    }
}

package dev.cacheaside.lettuce;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import reactor.core.publisher.Mono;

/**
 * The Lua scripts of {@link LettuceCacheStore}, each on one key (so each runs unchanged on a
 * cluster), and how they are sent: by SHA-1 with {@code EVALSHA}, and in full with {@code EVAL}
 * when the server answers {@code NOSCRIPT}. Redis runs a script without interleaving any other
 * command. Stateless.
 */
final class LettuceScripts {

    /** KEYS[1] the key; ARGV[1] the caller's marker, ARGV[2] the value, ARGV[3] the TTL in ms. */
    static final String FILL_SCRIPT =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "  return 1\n"
            + "end\n"
            + "return 0\n";
    static final String FILL_SHA = sha1(FILL_SCRIPT);

    /** KEYS[1] the key; ARGV[1] the expected value, ARGV[2] the new value, ARGV[3] the TTL in ms. */
    static final String REPLACE_SCRIPT =
            "local current = redis.call('GET', KEYS[1])\n"
            + "if current and current == ARGV[1] then\n"
            + "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "  return 1\n"
            + "end\n"
            + "return 0\n";
    static final String REPLACE_SHA = sha1(REPLACE_SCRIPT);

    /**
     * KEYS[1] the key; ARGV[1] the largest value to return. A longer value, or a key of another
     * type, is junk no writer of this store made: it is deleted on the server and reported absent,
     * so it is never sent (a 100 MB value would time out every read of its key, forever).
     */
    static final String GET_SCRIPT =
            "local n = redis.pcall('STRLEN', KEYS[1])\n"
            + "if type(n) ~= 'number' or n > tonumber(ARGV[1]) then\n"
            + "  redis.call('DEL', KEYS[1])\n"
            + "  return false\n"
            + "end\n"
            + "return redis.call('GET', KEYS[1])\n";
    static final String GET_SHA = sha1(GET_SCRIPT);

    /**
     * KEYS[1] the key; ARGV[1] the largest value to return, ARGV[2] the caller's new marker,
     * ARGV[3] the lease TTL in ms, ARGV[4] the marker prefix. Junk is removed as in
     * {@link #GET_SCRIPT}. A value is returned; a lease marker is returned after its expiry is
     * checked: one without expiry (PTTL -1, which no caller of this store sets) is taken over,
     * one that lasts longer than the lease TTL is cut to it, so no marker blocks a key for
     * longer than the lease TTL. Nothing there: the caller's marker is set with the lease TTL and
     * nil is returned (the lease is won).
     */
    static final String GET_OR_LEASE_SCRIPT =
            "local n = redis.pcall('STRLEN', KEYS[1])\n"
            + "if type(n) ~= 'number' or n > tonumber(ARGV[1]) then\n"
            + "  redis.call('DEL', KEYS[1])\n"
            + "end\n"
            + "local v = redis.call('GET', KEYS[1])\n"
            + "if v then\n"
            + "  if string.sub(v, 1, string.len(ARGV[4])) ~= ARGV[4] then\n"
            + "    return v\n"
            + "  end\n"
            + "  local ttl = redis.call('PTTL', KEYS[1])\n"
            + "  if ttl >= 0 then\n"
            + "    if ttl > tonumber(ARGV[3]) then\n"
            + "      redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
            + "    end\n"
            + "    return v\n"
            + "  end\n"
            + "end\n"
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
            + "return false\n";
    static final String GET_OR_LEASE_SHA = sha1(GET_OR_LEASE_SCRIPT);

    /**
     * KEYS[1] the key; ARGV[1] the caller's marker. Deletes the key only while it holds that
     * marker. Sent in full with {@code EVAL} (see {@link LettuceLeases}).
     */
    static final String RELEASE_SCRIPT =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  return redis.call('DEL', KEYS[1])\n"
            + "end\n"
            + "return 0\n";

    private LettuceScripts() {
    }

    /**
     * Runs a script on one key that answers a value or nil, by its SHA, sending it in full when
     * the server does not know it. Sends {@code EVALSHA} when called.
     */
    static CompletionStage<byte[]> evalValue(RedisClusterAsyncCommands<String, byte[]> c, String sha,
            String script, String key, byte[][] args) {
        String[] keys = {key};
        return c.<byte[]>evalsha(sha, ScriptOutputType.VALUE, keys, args).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return cause instanceof RedisNoScriptException
                    ? c.<byte[]>eval(script, ScriptOutputType.VALUE, keys, args)
                    : CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * Runs a script on one key that answers an integer, by its SHA, sending it in full when the
     * server does not know it. Sends {@code EVALSHA} when called.
     */
    static Mono<Long> evalInteger(RedisClusterAsyncCommands<String, byte[]> c, String sha, String script,
            String key, byte[][] args) {
        String[] keys = {key};
        return Mono.<Long>fromCompletionStage(c.evalsha(sha, ScriptOutputType.INTEGER, keys, args))
                .onErrorResume(RedisNoScriptException.class,
                        e -> Mono.fromCompletionStage(c.eval(script, ScriptOutputType.INTEGER, keys, args)));
    }

    /** {@code number} in decimal ASCII, as scripts take numeric arguments. */
    static byte[] ascii(long number) {
        return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}

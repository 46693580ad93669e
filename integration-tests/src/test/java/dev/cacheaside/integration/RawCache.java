package dev.cacheaside.integration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection to a cache server that bypasses the library, to look at (or spoil) what it
 * stored: Redis and Valkey through a plain Lettuce connection, Redis Cluster through Lettuce's
 * cluster client (which follows {@code MOVED}), memcached through its classic text protocol on
 * a socket per server.
 */
interface RawCache extends AutoCloseable {

    /** The bytes under {@code key}, or null. */
    byte[] get(String key);

    /** Writes {@code value} under {@code key} with no expiry. */
    void set(String key, byte[] value);

    /** Deletes every key starting with {@code prefix} (standalone Redis only). */
    default void deleteByPrefix(String prefix) {
        throw new UnsupportedOperationException();
    }

    @Override
    void close();

    /** A raw connection for one of {@link ItServers#cache}'s set-ups; null for {@code local}. */
    static RawCache forSetup(String setup, java.util.Map<String, String> cacheVars) {
        switch (setup) {
            case "local":
                return null;
            case "redis":
            case "valkey":
                return redis(cacheVars.get("CACHE_HOST"), Integer.parseInt(cacheVars.get("CACHE_PORT")));
            case "redis-cluster":
                return cluster(cacheVars.get("CACHE_NODES"));
            case "memcached":
                return memcached(cacheVars.get("CACHE_NODES"));
            default:
                throw new IllegalArgumentException(setup);
        }
    }

    static RawCache redis(String host, int port) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(host).withPort(port)
                .withTimeout(Duration.ofSeconds(5)).build());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        return new RawCache() {
            @Override
            public byte[] get(String key) {
                return connection.sync().get(bytes(key));
            }

            @Override
            public void set(String key, byte[] value) {
                connection.sync().set(bytes(key), value);
            }

            @Override
            public void deleteByPrefix(String prefix) {
                List<byte[]> keys = connection.sync().keys(prefix + "*");
                if (!keys.isEmpty()) {
                    connection.sync().del(keys.toArray(new byte[0][]));
                }
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    static RawCache cluster(String nodes) {
        List<RedisURI> seeds = new ArrayList<>();
        for (String node : nodes.split(",")) {
            int colon = node.lastIndexOf(':');
            seeds.add(RedisURI.create(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1))));
        }
        RedisClusterClient client = RedisClusterClient.create(seeds);
        StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        return new RawCache() {
            @Override
            public byte[] get(String key) {
                return connection.sync().get(bytes(key));
            }

            @Override
            public void set(String key, byte[] value) {
                connection.sync().set(bytes(key), value);
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    /**
     * Memcached: {@link #get} asks every server and returns the one value found, failing when
     * more than one server holds the key (consistent hashing puts a key on exactly one).
     */
    static RawCache memcached(String nodes) {
        List<String> servers = List.of(nodes.split(","));
        // writes go through the library's client, which picks the key's server by consistent hashing
        dev.cacheaside.memcached.MemcachedCacheStore writer = dev.cacheaside.memcached.MemcachedCacheStore.create(
                dev.cacheaside.memcached.MemcachedStoreOptions.builder().servers(nodes)
                        .timeout(Duration.ofSeconds(2)).build());
        return new RawCache() {
            @Override
            public byte[] get(String key) {
                byte[] found = null;
                String where = null;
                for (String server : servers) {
                    byte[] value = memcachedGet(server, key);
                    if (value != null) {
                        if (found != null) {
                            throw new AssertionError(key + " is on both " + where + " and " + server);
                        }
                        found = value;
                        where = server;
                    }
                }
                return found;
            }

            @Override
            public void set(String key, byte[] value) {
                writer.set(key, value, Duration.ofHours(1)).block(Duration.ofSeconds(5));
            }

            @Override
            public void close() {
                writer.close();
            }
        };
    }

    /** {@code get <key>} on one memcached server: the data block, or null at a bare {@code END}. */
    private static byte[] memcachedGet(String server, String key) {
        int colon = server.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String header = line(in);
            if (header.equals("END")) {
                return null;
            }
            String[] parts = header.split(" ");
            if (parts.length < 4 || !parts[0].equals("VALUE")) {
                throw new IllegalStateException("unexpected memcached reply: " + header);
            }
            byte[] data = in.readNBytes(Integer.parseInt(parts[3]));
            line(in); // the CRLF after the data
            String end = line(in);
            if (!end.equals("END")) {
                throw new IllegalStateException("unexpected memcached reply after the value: " + end);
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("memcached " + server, e);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                buffer.write(b);
            }
        }
        return buffer.toString(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

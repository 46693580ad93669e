package dev.cacheaside.lettuce;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Provides {@link LettuceCacheStore} for {@code CACHE_ENGINE=redis} and {@code CACHE_ENGINE=valkey}.
 *
 * <p>Variables: {@code CACHE_HOST} ({@code localhost}), {@code CACHE_PORT} (6379, or 26379 for
 * Sentinel), {@code CACHE_USER}, {@code CACHE_PASSWORD}, {@code CACHE_TLS} ({@code false}),
 * {@code CACHE_DATABASE} (0), {@code CACHE_NODES} ({@code host:port,host:port,...}),
 * {@code CACHE_CLUSTER} ({@code false}), {@code CACHE_SENTINEL_MASTER},
 * {@code CACHE_SENTINEL_PASSWORD}, {@code CACHE_TIMEOUT} (250ms: each command),
 * {@code CACHE_CONNECT_TIMEOUT} (5s: TCP connect, TLS and the handshake, AUTH and SELECT
 * included). {@code CACHE_HOST} set but empty is an error (unset, it is {@code localhost});
 * {@code CACHE_DATABASE} must not be negative, and a number the server does not have fails
 * each connection attempt with an error naming {@code CACHE_DATABASE} and the server's count.
 * {@code CACHE_MAX_ENTRY_BYTES} (1048576, {@link LettuceStoreOptions#maxValueBytes()}).
 * The topology is chosen by one rule: {@code CACHE_SENTINEL_MASTER} set means Sentinel
 * (the nodes are Sentinels); {@code CACHE_CLUSTER=true} means Redis Cluster (the nodes are
 * seeds); otherwise one server. {@code CACHE_NODES} replaces {@code CACHE_HOST}/{@code CACHE_PORT}
 * and is accepted only with Sentinel or Cluster.
 *
 * <p>Loads without Lettuce on the class path (an application may exclude it); {@link #create}
 * then fails with a {@link ConfigurationException} naming {@code io.lettuce:lettuce-core}.
 * Stateless and thread safe.
 */
public final class LettuceCacheStoreProvider implements CacheStoreProvider {

    /** The class whose presence tells that Lettuce is on the class path. */
    static final String LETTUCE_CLASS = "io.lettuce.core.RedisClient";

    /** Public for {@link java.util.ServiceLoader}. */
    public LettuceCacheStoreProvider() {
    }

    @Override
    public Set<String> engines() {
        return Set.of("redis", "valkey");
    }

    /**
     * A store configured from {@code settings}; opens no connection (the first operation does).
     *
     * @throws ConfigurationException when a variable is invalid, or when Lettuce is missing
     */
    @Override
    public CacheStore create(String engine, Settings settings) {
        LettuceStoreOptions options = options(settings);
        if (!lettucePresent()) {
            throw new ConfigurationException("CACHE_ENGINE", "CACHE_ENGINE=" + engine
                    + " needs the Redis client Lettuce, which is not on the class path; add the dependency"
                    + " io.lettuce:lettuce-core (7.7.0.RELEASE or later 7.x)");
        }
        return LettuceCacheStore.create(options);
    }

    /** Options from the variables, checked; messages name the variable (never a password's value). */
    static LettuceStoreOptions options(Settings settings) {
        LettuceStoreOptions.Builder builder = LettuceStoreOptions.builder();
        String sentinelMaster = settings.get("CACHE_SENTINEL_MASTER").orElse(null);
        boolean cluster = settings.getBoolean("CACHE_CLUSTER", false);
        if (sentinelMaster != null && cluster) {
            throw new ConfigurationException("CACHE_CLUSTER", "CACHE_CLUSTER=true and CACHE_SENTINEL_MASTER='"
                    + sentinelMaster + "' are both set; choose Redis Cluster or Sentinel");
        }
        // CACHE_HOST= (empty) is an error, never a silent localhost
        String host = settings.getHost("CACHE_HOST", LettuceStoreOptions.DEFAULT_HOST);
        int port = settings.getPort("CACHE_PORT",
                sentinelMaster != null ? LettuceStoreOptions.DEFAULT_SENTINEL_PORT : LettuceStoreOptions.DEFAULT_PORT);
        List<String> nodes = settings.get("CACHE_NODES").map(LettuceNodes::split).orElse(null);
        if (nodes != null) {
            if (sentinelMaster == null && !cluster) {
                throw new ConfigurationException("CACHE_NODES", "CACHE_NODES='" + settings.get("CACHE_NODES").get()
                        + "' needs CACHE_CLUSTER=true (Redis Cluster seeds) or CACHE_SENTINEL_MASTER (Sentinels);"
                        + " for one server use CACHE_HOST and CACHE_PORT");
            }
            for (String node : nodes) {
                try {
                    LettuceNodes.checkHostPort(node);
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException("CACHE_NODES", "CACHE_NODES='" + settings.get("CACHE_NODES").get()
                            + "' is not a list of host:port: " + e.getMessage());
                }
            }
            if (nodes.isEmpty()) {
                throw new ConfigurationException("CACHE_NODES", "CACHE_NODES lists no host:port");
            }
        } else {
            nodes = List.of(host.contains(":") ? "[" + host + "]:" + port : host + ":" + port);
        }
        if (sentinelMaster != null) {
            builder.sentinel(sentinelMaster, nodes);
        } else if (cluster) {
            builder.cluster(nodes);
        } else {
            builder.standalone(host.contains(":") ? "[" + host + "]" : host, port);
        }
        String user = settings.get("CACHE_USER").orElse(null);
        String password = settings.get("CACHE_PASSWORD").orElse(null);
        if (user != null && password == null) {
            throw new ConfigurationException("CACHE_USER", "CACHE_USER='" + user + "' is set without CACHE_PASSWORD");
        }
        int database = settings.getInt("CACHE_DATABASE", 0, 0, Integer.MAX_VALUE);
        if (cluster && database != 0) {
            throw new ConfigurationException("CACHE_DATABASE", "CACHE_DATABASE='" + database
                    + "' is not supported with CACHE_CLUSTER=true; Redis Cluster has only database 0");
        }
        builder.username(user)
                .password(password)
                .sentinelPassword(settings.get("CACHE_SENTINEL_PASSWORD").orElse(null))
                .tls(settings.getBoolean("CACHE_TLS", false))
                .tlsCaFile(tlsCaFile(settings))
                .database(database)
                .commandTimeout(settings.getDuration("CACHE_TIMEOUT", LettuceStoreOptions.DEFAULT_COMMAND_TIMEOUT,
                        Settings.MAX_TIMEOUT))
                .connectTimeout(settings.getDuration("CACHE_CONNECT_TIMEOUT", LettuceStoreOptions.DEFAULT_CONNECT_TIMEOUT,
                        Settings.MAX_TIMEOUT))
                // the same variable as the engine's limit, so the store reads every entry it writes
                .maxValueBytes(settings.getInt("CACHE_MAX_ENTRY_BYTES", LettuceStoreOptions.DEFAULT_MAX_VALUE_BYTES,
                        1, Integer.MAX_VALUE));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            String variable = variableOf(e.getMessage(), cluster, sentinelMaster != null, settings);
            throw new ConfigurationException(variable, variable + " is invalid: " + e.getMessage());
        }
    }

    /** The variable behind the option that {@link LettuceStoreOptions.Builder#build()} names in {@code message}. */
    private static String variableOf(String message, boolean cluster, boolean sentinel, Settings settings) {
        String m = message == null ? "" : message;
        if (m.startsWith("database")) {
            return "CACHE_DATABASE";
        }
        if (m.startsWith("commandTimeout")) {
            return "CACHE_TIMEOUT";
        }
        if (m.startsWith("connectTimeout")) {
            return "CACHE_CONNECT_TIMEOUT";
        }
        if (m.startsWith("sentinelMaster")) {
            return "CACHE_SENTINEL_MASTER";
        }
        if (m.startsWith("username")) {
            return "CACHE_USER";
        }
        if (m.startsWith("maxValueBytes")) {
            return "CACHE_MAX_ENTRY_BYTES";
        }
        if (m.startsWith("tlsCaFile")) {
            return "CACHE_TLS_CA_FILE";
        }
        return settings.get("CACHE_NODES").isPresent() && (cluster || sentinel) ? "CACHE_NODES" : "CACHE_HOST";
    }

    private static Path tlsCaFile(Settings settings) {
        Path file = settings.get("CACHE_TLS_CA_FILE").map(Path::of).orElse(null);
        if (file == null) {
            return null;
        }
        if (!settings.getBoolean("CACHE_TLS", false)) {
            throw new ConfigurationException("CACHE_TLS_CA_FILE", "CACHE_TLS_CA_FILE='" + file + "' is set but CACHE_TLS is not true");
        }
        if (!Files.isReadable(file)) {
            throw new ConfigurationException("CACHE_TLS_CA_FILE", "CACHE_TLS_CA_FILE='" + file + "' is not a readable file");
        }
        return file;
    }

    static boolean lettucePresent() {
        try {
            Class.forName(LETTUCE_CLASS, false, LettuceCacheStoreProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}

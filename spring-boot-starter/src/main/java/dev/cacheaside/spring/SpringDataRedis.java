package dev.cacheaside.spring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * The application's Redis address and credentials, from Spring Boot's
 * {@link DataRedisConnectionDetails} ({@code spring.data.redis.*}, or a Testcontainers or Docker
 * Compose service connection), as the library's {@code CACHE_*} variables.
 *
 * <p>{@code LettuceCacheStore} takes options, not a client: it cannot share the application's
 * Lettuce {@code RedisClient} or connection, so the store opens its own connection to the same
 * server with the same credentials. Loaded only when Spring Boot's Redis module is on the
 * class path. Stateless.
 */
final class SpringDataRedis {

    static final String DETAILS_CLASS = "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";

    private SpringDataRedis() {
    }

    /**
     * The variables to use instead of the properties' when the engine is redis or valkey, the
     * properties name no host and no nodes, and the application has Redis connection details;
     * an empty map otherwise.
     */
    static Map<String, String> variables(CacheAsideProperties properties,
                                         ObjectProvider<DataRedisConnectionDetails> details) {
        String engine = properties.getEngine() == null ? "" : properties.getEngine().toLowerCase(Locale.ROOT);
        if (!engine.equals("redis") && !engine.equals("valkey")) {
            return Map.of();
        }
        if (properties.getHost() != null || !properties.getNodes().isEmpty()) {
            return Map.of();
        }
        DataRedisConnectionDetails d = details.getIfUnique();
        if (d == null) {
            return Map.of();
        }
        Map<String, String> v = new LinkedHashMap<>();
        if (d.getCluster() != null) {
            v.put("CACHE_CLUSTER", "true");
            v.put("CACHE_NODES", nodes(d.getCluster().getNodes()));
        } else if (d.getSentinel() != null) {
            DataRedisConnectionDetails.Sentinel s = d.getSentinel();
            v.put("CACHE_SENTINEL_MASTER", s.getMaster());
            v.put("CACHE_NODES", nodes(s.getNodes()));
            v.put("CACHE_DATABASE", Integer.toString(s.getDatabase()));
            if (s.getPassword() != null) {
                v.put("CACHE_SENTINEL_PASSWORD", s.getPassword());
            }
        } else if (d.getStandalone() != null) {
            v.put("CACHE_HOST", d.getStandalone().getHost());
            v.put("CACHE_PORT", Integer.toString(d.getStandalone().getPort()));
            v.put("CACHE_DATABASE", Integer.toString(d.getStandalone().getDatabase()));
        } else {
            return Map.of();
        }
        if (properties.getUser() == null && d.getUsername() != null) {
            v.put("CACHE_USER", d.getUsername());
        }
        if (properties.getPassword() == null && d.getPassword() != null) {
            v.put("CACHE_PASSWORD", d.getPassword());
        }
        if (d.getSslBundle() != null) {
            // the bundle's own trust material is not carried over: the JVM's trust store (or
            // cacheaside.tls-ca-file) verifies the server
            v.put("CACHE_TLS", "true");
        }
        return v;
    }

    private static String nodes(List<DataRedisConnectionDetails.Node> nodes) {
        return nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
    }
}

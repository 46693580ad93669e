package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract over TLS: this test makes a self-signed certificate for 127.0.0.1 with
 * {@code openssl}, starts its own {@code redis-server} with only a TLS port, and configures the
 * store through {@code CACHE_TLS=true} and {@code CACHE_TLS_CA_FILE}.
 */
class LettuceCacheStoreTlsIT extends CacheStoreContract {

    private static Process server;
    private static int port;
    private static File cert;

    @BeforeAll
    static void startTlsServer() throws IOException, InterruptedException {
        File dir = Files.createTempDirectory("tls-it-").toFile();
        dir.deleteOnExit();
        File log = new File(dir, "processes.log");
        cert = new File(dir, "cert.pem");
        File key = new File(dir, "key.pem");
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key.getPath(), "-out", cert.getPath(), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            TestServers.unavailable("openssl is not on the PATH; this test makes its own certificate");
            return;
        }
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0).as("openssl made a certificate (log %s)", log).isTrue();
        port = RedisTestSupport.freePort();
        try {
            server = new ProcessBuilder("redis-server", "--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--tls-cert-file", cert.getPath(), "--tls-key-file", key.getPath(), "--tls-ca-cert-file", cert.getPath(),
                    "--tls-auth-clients", "no", "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        } catch (IOException e) {
            TestServers.unavailable("redis-server is not on the PATH; this test starts its own TLS server");
            return;
        }
        boolean up = RedisTestSupport.waitFor(Duration.ofSeconds(10), () -> TestServers.reachable("127.0.0.1", port));
        if (!up && !server.isAlive()) {
            TestServers.unavailable("redis-server could not start with TLS (built without TLS?); see " + log);
        }
        assertThat(up).as("own TLS redis-server answers (log %s)", log).isTrue();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    protected CacheStore createStore() {
        return new LettuceCacheStoreProvider().create("redis", Settings.of(Map.of(
                "CACHE_HOST", "127.0.0.1",
                "CACHE_PORT", Integer.toString(port),
                "CACHE_TLS", "true",
                "CACHE_TLS_CA_FILE", cert.getPath(),
                "CACHE_TIMEOUT", "2s")));
    }

    /** The tag's PTTL over TLS, without checking the test's self-signed certificate. */
    /** Runs {@code action} on a plain connection of the test's own TLS server. */
    private <T> T admin(java.util.function.Function<io.lettuce.core.api.sync.RedisCommands<String, String>, T> action) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withSsl(true).withVerifyPeer(SslVerifyMode.NONE).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return action.apply(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    protected boolean makeLeaseEternal(String key) {
        return admin(c -> c.persist(key));
    }

    @Override
    protected boolean writeRaw(String key, byte[] value) {
        return admin(c -> "OK".equals(c.set(key, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1))));
    }

    @Override
    protected Duration tagTtl(String tag) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withSsl(true).withVerifyPeer(SslVerifyMode.NONE).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            long pttl = connection.sync().pttl(tag);
            return pttl == -2 ? null : RedisTestSupport.ttlOf(tag, pttl);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void anUntrustedCertificateIsRefused() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone("127.0.0.1", port).tls(true).commandTimeout(Duration.ofSeconds(2)).build());
        try {
            Throwable error = catchThrowable(() -> store.get(key("k")).block(Duration.ofSeconds(10)));
            assertThat(error).as("connecting with the JVM's default trust store to a self-signed server").isNotNull();
            StringBuilder chain = new StringBuilder();
            for (Throwable t = error; t != null; t = t.getCause()) {
                chain.append(t).append('\n');
            }
            assertThat(chain.toString()).as("error chain names the certificate problem")
                    .containsAnyOf("PKIX", "certificate", "SSLHandshake");
        } finally {
            store.close();
        }
    }

    @Test
    void plainTextToTheTlsPortFails() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone("127.0.0.1", port).commandTimeout(Duration.ofMillis(500)).connectTimeout(Duration.ofSeconds(1)).build());
        try {
            assertThat(catchThrowable(() -> store.get(key("k")).block(Duration.ofSeconds(10))))
                    .as("a plain-text client on the TLS port").isNotNull();
        } finally {
            store.close();
        }
    }
}
